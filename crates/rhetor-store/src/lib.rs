//! rhetor-store: articles and their analyses, kept across runs.
//!
//! [`Store`] is the boundary every command talks to; [`SqliteStore`] is the
//! one implementation shipped (an embedded SQLite file, WAL mode). A server
//! database would implement the same trait.
//!
//! The schema (see [`schema`]) is shaped for the questions asked of a
//! corpus: articles by source, language and date; one analysis per article
//! per model version, the newest one winning (`latest_analyses` view);
//! paragraph techniques, spans and frames in their own indexed tables.

pub mod corpus;
pub mod fold;
pub mod minhash;
pub mod schema;
mod sqlite;

pub use corpus::{
    ArticleSummary, CorpusFilter, CorpusStore, GroupBy, GroupTotals, LabelCount, LabelTask,
    Membership, SearchHit, SearchQuery,
};
pub use sqlite::SqliteStore;

use rhetor_core::Document;
use rhetor_extract::Article;
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;

/// What can go wrong with a store; every message names the database file.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: no rhetor database here (run `rhetor ingest` first)")]
    Missing { path: PathBuf },
    #[error("{path}: not a rhetor database ({why}); refusing to touch it")]
    NotRhetor { path: PathBuf, why: String },
    #[error("{path}: schema version {found} is newer than this rhetor supports ({supported}); upgrade rhetor")]
    Newer {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
    #[error("{path}: {source}")]
    Sqlite {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("{path}: stored analysis is unreadable: {why}")]
    Corrupt { path: PathBuf, why: String },
}

/// One analysed article, ready to be stored.
#[derive(Debug, Clone)]
pub struct Analysed {
    pub article: Article,
    /// [`Article::content_hash`].
    pub hash: String,
    /// The analysis (its text is the article's [`Article::to_document`]).
    pub document: Document,
}

/// What one batch changed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct BatchCounts {
    /// Articles not stored before.
    pub new_articles: usize,
    /// Analyses added (new articles, or known articles with a new model).
    pub new_analyses: usize,
}

/// Which articles to read back; `None` means no restriction. Dates compare
/// as ISO 8601 strings (`--since 2024-01-01` keeps `2024-01-01T…`).
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub source: Option<String>,
    pub since: Option<String>,
    pub until: Option<String>,
}

/// An article with its newest analysis.
#[derive(Debug, Clone)]
pub struct StoredArticle {
    pub article: Article,
    /// The model version label of the analysis.
    pub model_version: Option<String>,
    pub document: Option<Document>,
}

/// Counts for `rhetor db info`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Info {
    pub schema_version: u32,
    pub articles: u64,
    pub sources: u64,
    pub analyses: BTreeMap<String, u64>,
    pub languages: BTreeMap<String, u64>,
    pub first_published: Option<String>,
    pub last_published: Option<String>,
}

/// The boundary between rhetor and where it keeps articles.
pub trait Store {
    /// The content hashes among `hashes` that already have an analysis by
    /// `model_version` (those need no analysis).
    fn analysed(&self, hashes: &[&str], model_version: &str)
        -> Result<HashSet<String>, StoreError>;

    /// Stores a batch in one transaction: all of it, or (on error or crash)
    /// none of it. An article already stored (same hash) keeps its row and
    /// gains the analysis; an analysis already stored for that model
    /// version is left as it is.
    fn write_batch(
        &mut self,
        model_version: &str,
        items: &[Analysed],
    ) -> Result<BatchCounts, StoreError>;

    /// Calls `f` with every article matching `filter`, oldest row first,
    /// with its newest analysis.
    fn for_each_article(
        &self,
        filter: &Filter,
        f: &mut dyn FnMut(StoredArticle) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>;

    fn info(&self) -> Result<Info, StoreError>;
}
