//! rhetor-core: the pieces every other rhetor crate shares.
//!
//! * [`taxonomy`] — the SemEval-2023 Task 3 label inventories (genres, frames,
//!   techniques and their categories), each with a one-line definition.
//! * [`document`] — one [`Document`] carrying an article's text, its
//!   paragraphs (with their 1-based source line) and every annotation.
//! * [`offsets`] — the single tested conversion between Unicode code-point
//!   offsets (what SemEval uses) and byte offsets (what Rust strings use).
//! * [`lang`] — language identification restricted to the languages rhetor
//!   knows about.
//! * [`detector`] — the trait every model implements, the [`Task`]s it can
//!   be asked for and its error type.
//! * [`evidence`] — how many highlights a reader wants ([`Evidence`]).
//! * [`pipeline`] — the annotation step (language, then detector) shared by
//!   the CLI and the server.
//! * [`cancel`] — cooperative cancellation: the models stop between
//!   paragraphs and windows when the server gives up on a request.
//! * [`window`] — the windows long paragraphs and articles are analysed
//!   in, so memory grows with the window, not the input.

#![warn(missing_docs)]

pub mod cancel;
pub mod detector;
pub mod document;
pub mod evidence;
pub mod lang;
pub mod offsets;
pub mod pipeline;
pub mod taxonomy;
pub mod window;

pub use detector::{DetectError, Detector, Task};
pub use document::{Document, GenreScores, Paragraph, Scored, Span};
pub use evidence::Evidence;
pub use offsets::OffsetMap;
pub use taxonomy::{Category, Frame, Genre, LabelError, Technique};
