//! The one trait every rhetor model implements.

use crate::document::Document;

/// A component that adds annotations (genre, frames, paragraph techniques,
/// spans) to a [`Document`]. The fast and accurate models are both detectors,
/// so the CLI, the server and the evaluator never care which one they hold.
pub trait Detector: Send + Sync {
    /// A short name recorded in each document's `model` field.
    fn name(&self) -> &str;

    /// Annotates `doc` in place. Implementations replace any previous
    /// predictions of the tasks they cover.
    fn annotate(&self, doc: &mut Document);
}

/// A detector that adds nothing: used before any model is available, so the
/// document model, language and paragraphs are still reported.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoModel;

impl Detector for NoModel {
    fn name(&self) -> &str {
        "none"
    }

    fn annotate(&self, _doc: &mut Document) {}
}
