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

    /// Annotates only what `tasks` asks for (a detector may do more); lets
    /// `analyze --format semeval --task techniques` skip the other heads.
    fn annotate_tasks(&self, doc: &mut Document, tasks: Tasks) {
        let _ = tasks;
        self.annotate(doc);
    }
}

/// Which annotations a caller needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tasks {
    pub genre: bool,
    pub frames: bool,
    pub techniques: bool,
    pub spans: bool,
}

impl Tasks {
    pub const ALL: Tasks = Tasks {
        genre: true,
        frames: true,
        techniques: true,
        spans: true,
    };
    pub const NONE: Tasks = Tasks {
        genre: false,
        frames: false,
        techniques: false,
        spans: false,
    };
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
