//! Queries over many articles at once: what `rhetor stats`, `search` and
//! `narratives` (crate `rhetor-corpus`) ask of a store. This is the API
//! (the [`CorpusStore`] trait and its types); the SQL is in
//! `sqlite/corpus_queries.rs` and its siblings; the statistics, ranking and
//! clustering live in `rhetor-corpus`.

use crate::{StoreError, StoredArticle};
use rhetor_core::{Frame, Technique};
use serde::Serialize;

/// What `stats` groups articles by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GroupBy {
    /// The outlet's name (`""` for articles without one).
    Source,
    /// The article's language (`und` when unknown).
    Language,
    /// `YYYY-MM` of the publication date.
    Month,
    /// ISO week of the publication date, `YYYY-Www`.
    Week,
}

impl GroupBy {
    pub fn name(self) -> &'static str {
        match self {
            GroupBy::Source => "source",
            GroupBy::Language => "language",
            GroupBy::Month => "month",
            GroupBy::Week => "week",
        }
    }

    /// Parses `source`, `language`, `month` or `week`.
    pub fn parse(s: &str) -> Option<GroupBy> {
        Some(match s.trim() {
            "source" => GroupBy::Source,
            "language" => GroupBy::Language,
            "month" => GroupBy::Month,
            "week" => GroupBy::Week,
            _ => return None,
        })
    }
}

/// Which articles a corpus query reads. Empty lists and `None` mean no
/// restriction; several values in one list mean any of them. Dates compare
/// as ISO 8601 strings, `until` including the whole of its day or month.
#[derive(Debug, Default, Clone)]
pub struct CorpusFilter {
    pub sources: Vec<String>,
    pub languages: Vec<String>,
    pub since: Option<String>,
    pub until: Option<String>,
    /// Articles (for `search`: paragraphs) whose newest analysis shows any
    /// of these techniques.
    pub techniques: Vec<Technique>,
    /// Articles whose newest analysis has any of these frames.
    pub frames: Vec<Frame>,
}

/// The size of one group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupTotals {
    /// One value per [`GroupBy`] asked for, in that order (`None`: no date).
    pub key: Vec<Option<String>>,
    pub articles: u64,
    pub paragraphs: u64,
    pub words: u64,
}

/// Which labels `label_counts` counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelTask {
    /// Paragraphs carrying each technique.
    Techniques,
    /// Articles with each frame.
    Frames,
    /// Articles of each genre.
    Genre,
}

/// How often one label occurs in one group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelCount {
    pub key: Vec<Option<String>>,
    pub label: String,
    pub count: u64,
}

/// A full-text query.
#[derive(Debug, Clone)]
pub struct SearchQuery {
    /// FTS5 query syntax; words are matched with case and accents folded.
    pub text: String,
    pub filter: CorpusFilter,
    pub limit: usize,
    pub offset: usize,
}

/// One paragraph (or title) matching a search.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SearchHit {
    /// The article's row in the database (what `/v1/articles/{n}` takes).
    pub article: i64,
    pub id: String,
    pub source: Option<String>,
    pub published: Option<String>,
    pub language: Option<String>,
    pub title: String,
    /// The line in the article's text (1 is the title).
    pub line: u32,
    /// The line with matched words between `[[` and `]]`, cut to about 24
    /// words around them (`…` where cut).
    pub snippet: String,
    /// Techniques the newest analysis found in this paragraph.
    pub techniques: Vec<String>,
    /// FTS5's BM25 relevance, higher is better.
    pub score: f64,
}

/// One article as a narrative cluster lists it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ArticleSummary {
    pub article: i64,
    pub id: String,
    pub source: Option<String>,
    pub published: Option<String>,
    pub language: Option<String>,
    pub title: String,
    /// Techniques found anywhere in the article by its newest analysis.
    pub techniques: Vec<String>,
}

/// A stored cluster membership.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Membership {
    pub article: i64,
    /// The cluster's id: the smallest article row in it.
    pub cluster: i64,
    /// Similarity to the cluster's first article.
    pub similarity: f64,
}

/// An article's row, language and paragraph embeddings.
pub type Embedded = (i64, Option<String>, Vec<Vec<f32>>);

/// The corpus queries of a store.
pub trait CorpusStore {
    /// Articles, paragraphs and words of each group of analysed articles.
    fn group_totals(
        &self,
        by: &[GroupBy],
        filter: &CorpusFilter,
    ) -> Result<Vec<GroupTotals>, StoreError>;

    /// Label occurrences per group (see [`LabelTask`] for what is counted).
    fn label_counts(
        &self,
        by: &[GroupBy],
        task: LabelTask,
        filter: &CorpusFilter,
    ) -> Result<Vec<LabelCount>, StoreError>;

    /// Full-text search, best hits first.
    fn search(&self, query: &SearchQuery) -> Result<Vec<SearchHit>, StoreError>;

    /// MinHash signatures: of every article, or of those in no cluster yet.
    fn signatures(&self, unclustered_only: bool) -> Result<Vec<(i64, Vec<u32>)>, StoreError>;

    /// Every stored cluster membership.
    fn memberships(&self) -> Result<Vec<Membership>, StoreError>;

    /// The threshold the stored clusters were made with.
    fn narrative_threshold(&self) -> Result<Option<f64>, StoreError>;

    /// Stores memberships (replacing an article's old one); `replace_all`
    /// first forgets every stored cluster (a full recomputation).
    fn save_memberships(
        &mut self,
        threshold: f64,
        replace_all: bool,
        members: &[Membership],
    ) -> Result<(), StoreError>;

    /// Summaries of the given article rows (unknown rows are left out).
    fn summaries(&self, articles: &[i64]) -> Result<Vec<ArticleSummary>, StoreError>;

    /// One article with its newest analysis, by row.
    fn article(&self, article: i64) -> Result<Option<StoredArticle>, StoreError>;

    /// Articles matching `filter`, newest first (undated last): `(total, page)`.
    fn list_articles(
        &self,
        filter: &CorpusFilter,
        limit: usize,
        offset: usize,
    ) -> Result<(u64, Vec<ArticleSummary>), StoreError>;

    /// Rows of the articles without a stored embedding.
    fn unembedded(&self) -> Result<Vec<i64>, StoreError>;

    /// Stores articles' paragraph embeddings (replacing old ones).
    fn save_embeddings(&mut self, vectors: &[(i64, Vec<Vec<f32>>)]) -> Result<(), StoreError>;

    /// Every stored embedding with the article's language.
    fn embeddings(&self) -> Result<Vec<Embedded>, StoreError>;
}
