//! Resolves `--model` to a detector.

use anyhow::Result;
use rhetor_core::detector::NoModel;
use rhetor_core::Detector;

/// Loads the detector named by `spec`: `fast`, `accurate` or a model file.
pub fn load(spec: &str) -> Result<Box<dyn Detector>> {
    match spec {
        "fast" | "accurate" => {
            eprintln!("rhetor: notice: no trained {spec} model in this build; reporting document structure and language only");
            Ok(Box::new(NoModel))
        }
        path => anyhow::bail!(
            "cannot load model {path:?}: model files are not supported in this build yet"
        ),
    }
}
