//! rhetor-corpus: what an analyst asks of a store of analysed articles.
//!
//! - [`stats`]: label rates per group (outlet, language, month, week) with
//!   95 % intervals and lift against the rest of the corpus;
//! - [`search`]: full-text search with label and metadata filters;
//! - [`narratives`]: clusters of articles telling the same story
//!   (MinHash/LSH near-duplicates), kept up to date incrementally.
//!
//! Everything here goes through [`rhetor_store::CorpusStore`]; no SQL.

pub mod interval;
pub mod narratives;
pub mod search;
pub mod stats;

pub use rhetor_store::{CorpusFilter, CorpusStore, GroupBy, LabelTask, StoreError};
