//! The one trait every rhetor model implements, and the tasks it can be
//! asked for.

use crate::document::Document;
use crate::evidence::Evidence;
use std::fmt;
use std::str::FromStr;

/// The four things rhetor predicts, named as in SemEval-2023 Task 3. The
/// same type says which annotations a caller wants from a [`Detector`],
/// which SemEval rows to write and which gold file to score against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Task {
    /// Subtask 1: the article's genre (`id<TAB>genre`).
    Genre,
    /// Subtask 2: the article's frames (`id<TAB>F1,F2`).
    Frames,
    /// Subtask 3: each paragraph's techniques (`id<TAB>line<TAB>T1,T2`).
    Techniques,
    /// Subtask 3 spans: `id<TAB>Technique<TAB>start<TAB>end`.
    Spans,
}

impl Task {
    /// Every task, in SemEval order.
    pub const ALL: [Task; 4] = [Task::Genre, Task::Frames, Task::Techniques, Task::Spans];

    /// The name used on the command line and in messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Task::Genre => "genre",
            Task::Frames => "frames",
            Task::Techniques => "techniques",
            Task::Spans => "spans",
        }
    }

    /// The label file of a SemEval language folder holding this task's gold.
    pub fn label_file(self) -> &'static str {
        match self {
            Task::Genre => "train-labels-subtask-1.txt",
            Task::Frames => "train-labels-subtask-2.txt",
            Task::Techniques => "train-labels-subtask-3.txt",
            Task::Spans => "train-labels-subtask-3-spans.txt",
        }
    }
}

impl fmt::Display for Task {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Task {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Task::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| {
                format!("unknown task {s:?} (expected genre, frames, techniques or spans)")
            })
    }
}

/// A detector that could not annotate a document: which model, which
/// article, and what went wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("model {model:?} failed on article {article:?}: {message}")]
pub struct DetectError {
    /// The detector's [`Detector::name`].
    pub model: String,
    /// The document's id.
    pub article: String,
    /// What failed.
    pub message: String,
}

impl DetectError {
    /// An error of `detector` on `doc`.
    pub fn new(
        detector: &(impl Detector + ?Sized),
        doc: &Document,
        message: impl Into<String>,
    ) -> Self {
        DetectError {
            model: detector.name().to_string(),
            article: doc.id.clone(),
            message: message.into(),
        }
    }
}

/// A component that adds annotations (genre, frames, paragraph techniques,
/// spans) to a [`Document`]. The fast and accurate models are both detectors,
/// so the CLI, the server and the evaluator never care which one they hold.
pub trait Detector: Send + Sync {
    /// A short name recorded in each document's `model` field.
    fn name(&self) -> &str;

    /// Annotates `doc` in place with (at least) the `tasks` asked for, so
    /// `analyze --format semeval --task techniques` can skip the other
    /// heads; [`Task::ALL`] asks for everything. Predictions of the tasks
    /// asked for replace any previous ones; others may be left as they were
    /// or replaced. Spans need techniques, so asking for [`Task::Spans`]
    /// may also set the paragraphs' techniques.
    ///
    /// A failure leaves `doc` in an unspecified state and says what failed.
    fn annotate(&self, doc: &mut Document, tasks: &[Task]) -> Result<(), DetectError>;

    /// [`Detector::annotate`] with spans decided at the reader's
    /// [`Evidence`] level; a detector without levels ignores it.
    fn annotate_with(
        &self,
        doc: &mut Document,
        tasks: &[Task],
        evidence: Evidence,
    ) -> Result<(), DetectError> {
        let _ = evidence;
        self.annotate(doc, tasks)
    }
}

/// A detector that adds nothing: used before any model is available, so the
/// document model, language and paragraphs are still reported.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoModel;

impl Detector for NoModel {
    fn name(&self) -> &str {
        "none"
    }

    fn annotate(&self, _doc: &mut Document, _tasks: &[Task]) -> Result<(), DetectError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_names_round_trip_and_unknown_names_are_refused() {
        for t in Task::ALL {
            assert_eq!(t.as_str().parse::<Task>(), Ok(t));
            assert_eq!(t.to_string(), t.as_str());
        }
        let err = "frame".parse::<Task>().unwrap_err();
        assert!(err.contains("\"frame\"") && err.contains("frames"), "{err}");
    }

    #[test]
    fn a_detect_error_names_the_model_and_the_article() {
        let doc = Document::from_title_and_body("42", "T", "Body.");
        let e = DetectError::new(&NoModel, &doc, "encoder out of memory");
        assert_eq!(
            e.to_string(),
            "model \"none\" failed on article \"42\": encoder out of memory"
        );
    }
}
