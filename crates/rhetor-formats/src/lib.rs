//! rhetor-formats: everything rhetor reads and writes.
//!
//! * [`articles`] — article files, directories of them, stdin and JSON Lines.
//! * [`atomic`] — [`atomic::AtomicFile`]: every file rhetor writes, written whole or not at all.
//! * [`labels`] — the four SemEval label files (genre, frames, techniques per
//!   paragraph, technique spans), read with row-level error messages.
//! * [`corpus`] — a SemEval language folder: articles with gold labels attached.
//! * [`semeval`] — SemEval rows for each task, written from documents.
//! * [`json`] — the JSON article object, as a JSON array or JSON Lines.
//! * [`html`] — the standalone HTML report (also served by `rhetor serve`).

#![warn(missing_docs)]

pub mod articles;
pub mod atomic;
pub mod corpus;
pub mod error;
pub mod html;
pub mod json;
pub mod labels;
pub mod semeval;

pub use error::FormatError;
pub use semeval::Task;
