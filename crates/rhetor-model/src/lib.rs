//! rhetor-model: the fast model.
//!
//! Hashed word and character n-grams plus persuasion cues ([`features`]),
//! linear heads trained with AdaGrad ([`linear`]), calibrated with Platt
//! scaling and per-label thresholds tuned by cross-validation
//! ([`calibrate`]), a token-level span tagger ([`spans`]), and the
//! [`FastModel`] that implements [`rhetor_core::Detector`].

pub mod calibrate;
pub mod charclass;
pub mod features;
pub mod hashing;
pub mod head;
pub mod linear;
pub mod math;
pub mod model;
pub mod report;
pub mod spans;
pub mod sparse;
pub mod store;
pub mod train;

pub use model::{shipped, FastModel, ModelError, FORMAT_VERSION};
pub use train::{cross_validate, leave_one_language_out, train, TrainOptions};
