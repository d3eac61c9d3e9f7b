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

#![warn(missing_docs)]

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
    /// The database file does not exist (a command that reads needs one).
    Missing {
        /// The database file asked for.
        path: PathBuf,
    },
    #[error("{path}: not a rhetor database ({why}); refusing to touch it")]
    /// The file is not a rhetor database, and is left untouched.
    NotRhetor {
        /// The file.
        path: PathBuf,
        /// What gave it away (another program's database, a damaged file, …).
        why: String,
    },
    #[error("{path}: schema version {found} is newer than this rhetor supports ({supported}); upgrade rhetor")]
    /// A newer rhetor wrote the database's schema.
    Newer {
        /// The database file.
        path: PathBuf,
        /// Its schema version.
        found: u32,
        /// The newest schema version this rhetor reads.
        supported: u32,
    },
    #[error("{path}: {source}")]
    /// SQLite refused a query or a write.
    Sqlite {
        /// The database file.
        path: PathBuf,
        #[source]
        /// SQLite's error.
        source: rusqlite::Error,
    },
    #[error("{path}: stored analysis is unreadable: {why}")]
    /// A stored value that cannot be decoded (a label rhetor does not know, a span outside its text).
    Corrupt {
        /// The database file.
        path: PathBuf,
        /// Which stored value could not be read, and why.
        why: String,
    },
}

/// One analysed article, ready to be stored.
#[derive(Debug, Clone)]
pub struct Analysed {
    /// The article record as extracted.
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
    /// Only this outlet.
    pub source: Option<String>,
    /// Published on or after this date.
    pub since: Option<String>,
    /// Published before this date, or on it (a prefix match: a day or a month).
    pub until: Option<String>,
}

/// An article with its newest analysis.
#[derive(Debug, Clone)]
pub struct StoredArticle {
    /// The article record as stored.
    pub article: Article,
    /// The model version label of the analysis.
    pub model_version: Option<String>,
    /// Its newest analysis; `None` when it has none.
    pub document: Option<Document>,
}

/// Counts for `rhetor db info`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Info {
    /// The database's schema version.
    pub schema_version: u32,
    /// Articles stored.
    pub articles: u64,
    /// Distinct outlets.
    pub sources: u64,
    /// Analyses per model version label.
    pub analyses: BTreeMap<String, u64>,
    /// Articles per language code (`und`: unknown).
    pub languages: BTreeMap<String, u64>,
    /// The earliest publication date stored.
    pub first_published: Option<String>,
    /// The latest publication date stored.
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

    /// The counts `rhetor db info` prints.
    fn info(&self) -> Result<Info, StoreError>;
}
