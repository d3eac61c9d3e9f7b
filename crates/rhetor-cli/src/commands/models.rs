//! Resolves `--model` to a detector.

use anyhow::{Context, Result};
use rhetor_core::Detector;
use rhetor_model::FastModel;
use std::path::Path;

/// Loads the detector named by `spec`: `fast`, `accurate` or a model file.
pub fn load(spec: &str) -> Result<Box<dyn Detector>> {
    let shipped = || rhetor_model::shipped().context("the shipped model is unreadable");
    match spec {
        "fast" => Ok(Box::new(shipped()?)),
        "accurate" => {
            eprintln!(
                "rhetor: notice: the accurate model is not available in this build; using the fast model"
            );
            Ok(Box::new(shipped()?))
        }
        path => {
            let model = FastModel::load(Path::new(path)).with_context(|| {
                format!("cannot load model {path:?} (expected `fast`, `accurate` or a model file)")
            })?;
            Ok(Box::new(model))
        }
    }
}
