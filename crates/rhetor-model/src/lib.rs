//! rhetor-model: the fast model.
//!
//! Hashed word and character n-grams plus persuasion cues (`features`),
//! linear heads trained with AdaGrad ([`linear`]), calibrated with Platt
//! scaling and per-label thresholds tuned by cross-validation
//! ([`calibrate`]), a token-level span tagger (`spans`), and the
//! [`FastModel`] that implements [`rhetor_core::Detector`].
//!
//! The public API is what the other crates use: the model ([`FastModel`],
//! [`shipped`]), training and its reports ([`train()`], [`report`]), and
//! the pieces the accurate model builds on (calibration, the dense
//! trainers' class weights, the shared math, RNG and hash, the file
//! headers). How features are computed and heads stored and read
//! (`features`, `compact`, `lookup`, `head`, `spans`, `sparse`) stays
//! inside the crate. The cross-script study's featuriser (`crossscript`
//! when built with it) is behind the cargo feature `study`, which only the
//! example of that name needs.

#![warn(missing_docs)]

mod blocks;
pub mod calibrate;
mod charclass;
mod compact;
mod container;
#[cfg(feature = "study")]
pub mod crossscript;
pub mod evidence;
mod features;
pub mod hashing;
mod head;
pub mod heldout;
pub mod linear;
mod lookup;
pub mod math;
mod model;
pub mod newton;
pub mod report;
mod script;
mod spans;
mod sparse;
pub mod store;
mod tokens;
pub mod train;

pub use container::{shipped, shipped_bytes, FastModel, ModelError, FORMAT_VERSION};
pub use features::FeatureConfig;
pub use head::{MultiLabelHead, SoftmaxHead, UnseenDecision};
pub use model::{OtherTagger, TokenProbsHook, UNSEEN_MAX_FRAMES, UNSEEN_MAX_TECHNIQUES};
pub use tokens::{tokenize, Token};
pub use train::{cross_validate, leave_one_language_out, train, TrainOptions};
