//! rhetor-eval: the official SemEval-2023 Task 3 metrics.
//!
//! | task | headline metric | also |
//! |---|---|---|
//! | genre | macro-F1 over the 3 genres | micro-F1 (accuracy when every article is predicted) |
//! | frames | micro-F1 over (article, frame) pairs | macro-F1 over the 14 frames |
//! | techniques | micro-F1 over (paragraph, technique) pairs | macro-F1 over the 23 techniques |
//! | spans | F1 with partial-overlap credit (SemEval-2020 Task 11) | precision, recall, macro-F1 |
//!
//! Classification follows the official scorer (scikit-learn's `f1_score` over
//! `MultiLabelBinarizer` vectors): see [`multilabel`] for the conventions on
//! missing rows, extra rows, repeated keys and classes without gold (which
//! score F1 = 0 and still count in macro-F1). Spans are described in [`spans`].
//!
//! Entry points: [`evaluate_files`] for label files, the `score_*` functions
//! for rows in memory, and [`score_documents`] for annotated documents (what
//! cross-validation has at hand). Every one returns a [`Report`], whose
//! `Display` is what `rhetor eval` prints.

#![warn(missing_docs)]

/// Genre, frames and techniques: F1 over (unit, label) pairs.
pub mod multilabel;
/// The report `rhetor eval` prints: headline scores and a per-class table.
pub mod report;
/// Technique spans: F1 with partial-overlap credit (SemEval-2020 Task 11).
pub mod spans;

pub use multilabel::{score_frames, score_genre, score_techniques};
pub use report::{ClassScore, Report};
pub use spans::score_spans;

use rhetor_core::Document;
use rhetor_formats::labels::{self, FramesRow, GenreRow, SpanRow, TechniquesRow};
use rhetor_formats::{FormatError, Task};
use std::collections::HashSet;
use std::path::Path;

/// Reads a gold and a predicted label file of `task` and scores them.
/// A malformed row in either file is an error naming the file and line.
pub fn evaluate_files(task: Task, gold: &Path, pred: &Path) -> Result<Report, FormatError> {
    Ok(match task {
        Task::Genre => score_genre(&labels::read_genres(gold)?, &labels::read_genres(pred)?),
        Task::Frames => score_frames(&labels::read_frames(gold)?, &labels::read_frames(pred)?),
        Task::Techniques => score_techniques(
            &labels::read_techniques(gold)?,
            &labels::read_techniques(pred)?,
        ),
        Task::Spans => score_spans(&labels::read_spans(gold)?, &labels::read_spans(pred)?),
    })
}

// The rows of each task a document carries: its genre (if any), its frames,
// one row per paragraph, or its spans.

fn genre_rows(docs: &[&Document]) -> Vec<GenreRow> {
    docs.iter()
        .filter_map(|d| {
            d.genre.as_ref().map(|g| GenreRow {
                id: d.id.clone(),
                genre: g.label,
            })
        })
        .collect()
}

fn frames_rows(docs: &[&Document]) -> Vec<FramesRow> {
    docs.iter()
        .map(|d| FramesRow {
            id: d.id.clone(),
            frames: d.frames.iter().map(|f| f.label).collect(),
        })
        .collect()
}

fn techniques_rows(docs: &[&Document]) -> Vec<TechniquesRow> {
    docs.iter()
        .flat_map(|d| {
            d.paragraphs.iter().map(|p| TechniquesRow {
                id: d.id.clone(),
                line: p.line,
                techniques: p.techniques.iter().map(|t| t.label).collect(),
            })
        })
        .collect()
}

fn span_rows(docs: &[&Document]) -> Vec<SpanRow> {
    docs.iter()
        .flat_map(|d| {
            d.spans.iter().map(|s| SpanRow {
                id: d.id.clone(),
                technique: s.technique,
                start: s.start,
                end: s.end,
                row: 0,
            })
        })
        .collect()
}

/// Scores predicted documents against gold documents, matched by id (and, for
/// techniques, by paragraph line), exactly as [`evaluate_files`] would score
/// the SemEval rows written from them.
///
/// Every gold document counts as labelled for `task` (for genre: every one
/// with a genre), so filter gold documents by what they are annotated for
/// first (e.g. `LabeledDocument::gold`). A gold document absent from `pred`
/// counts as predicting nothing; predicted documents whose id is not among
/// the gold ones are ignored, for spans too (unlike span files, the gold
/// documents say which articles are scored).
pub fn score_documents(task: Task, gold: &[&Document], pred: &[&Document]) -> Report {
    match task {
        Task::Genre => score_genre(&genre_rows(gold), &genre_rows(pred)),
        Task::Frames => score_frames(&frames_rows(gold), &frames_rows(pred)),
        Task::Techniques => score_techniques(&techniques_rows(gold), &techniques_rows(pred)),
        Task::Spans => {
            let ids: HashSet<&str> = gold.iter().map(|d| d.id.as_str()).collect();
            let (kept, stray): (Vec<&Document>, Vec<&Document>) =
                pred.iter().partition(|d| ids.contains(d.id.as_str()));
            let mut report = score_spans(&span_rows(gold), &span_rows(&kept));
            if !stray.is_empty() {
                report.notes.push(format!(
                    "{} predicted documents not in gold were ignored",
                    stray.len()
                ));
            }
            report
        }
    }
}
