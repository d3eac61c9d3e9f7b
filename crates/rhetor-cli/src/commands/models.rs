//! Resolves `--model` to a detector.

use anyhow::{Context, Result};
use rhetor_core::Detector;
use rhetor_model::FastModel;
use std::path::Path;

/// The shipped fast model, compiled into the binary so that `rhetor` works
/// offline from any directory. Rebuilt by the command in the README.
static SHIPPED_FAST: &[u8] = include_bytes!("../../../../models/fast.bin");

/// The shipped fast model.
pub fn shipped_fast() -> Result<FastModel> {
    FastModel::from_bytes(SHIPPED_FAST, "shipped fast model")
        .context("the shipped model is unreadable")
}

/// Loads the detector named by `spec`: `fast`, `accurate` or a model file.
pub fn load(spec: &str) -> Result<Box<dyn Detector>> {
    match spec {
        "fast" => Ok(Box::new(shipped_fast()?)),
        "accurate" => {
            eprintln!("rhetor: notice: the accurate model is not available in this build; using the fast model");
            Ok(Box::new(shipped_fast()?))
        }
        path => {
            let model = FastModel::load(Path::new(path)).with_context(|| {
                format!("cannot load model {path:?} (expected `fast`, `accurate` or a model file)")
            })?;
            Ok(Box::new(model))
        }
    }
}
