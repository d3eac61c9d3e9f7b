//! rhetor-accurate: the accurate model.
//!
//! Paragraphs and articles are embedded by multilingual-e5-small
//! ([`rhetor_encoder`]); dense heads ([`dense`], [`stack`]) read those
//! embeddings next to the fast model's calibrated scores, with Platt
//! calibration and per-label thresholds tuned by inner cross-validation as
//! in the fast model. Spans come from the fast model's tagger, for the
//! techniques the heads predict. [`train`] fits the heads from
//! out-of-fold fast-model scores; [`embed`] caches training embeddings.

pub mod anchor;
pub mod blend;
pub mod check;
pub mod dense;
pub mod embed;
pub mod inputs;
pub mod model;
pub mod stack;
pub mod train;

pub use model::{
    shipped_heads, AccurateHeads, AccurateModel, HeadsError, ENCODER_NAME, FORMAT_VERSION,
};
