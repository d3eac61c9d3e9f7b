//! rhetor-accurate: the accurate model.
//!
//! Paragraphs and articles are embedded by multilingual-e5-small
//! ([`rhetor_encoder`]; [`embed`]). For each task an embedding-only dense
//! model ([`dense`]) reads those embeddings ([`inputs`]), and its logit is
//! weighed against the fast model's: for the languages the fast model was
//! trained on, by a per-label blend fitted on out-of-fold scores
//! ([`blend`]); for the others, by shifting the fast model's own decisions
//! ([`anchor`]). [`stack`] holds the three stacked heads and turns their
//! decisions into annotations; spans come from the fast model's tagger, for
//! the techniques the heads predict. [`model`] is the [`AccurateModel`]
//! detector and the heads file; [`train`] fits the heads from out-of-fold
//! fast-model scores (inference does not import it).

#![warn(missing_docs)]

pub mod anchor;
pub mod blend;
pub mod check;
pub mod dense;
pub mod embed;
pub mod encoder_cache;
pub mod inputs;
pub mod model;
pub mod stack;
pub mod tagger;
pub mod train;
pub mod words;

pub use model::{
    shipped_heads, AccurateHeads, AccurateModel, HeadsError, ENCODER_NAME, FORMAT_VERSION,
};
