//! Queries over many articles at once: what `rhetor stats`, `search` and
//! `narratives` (crate `rhetor-corpus`) ask of a store. The SQL lives here;
//! the statistics, ranking and clustering live in `rhetor-corpus`.

use crate::sqlite::{sql, SqliteStore};
use crate::{minhash, StoreError, StoredArticle};
use rhetor_core::{Frame, Technique};
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter};
use serde::Serialize;
use std::collections::HashMap;

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

    fn sql(self) -> &'static str {
        match self {
            GroupBy::Source => "coalesce(s.name, '')",
            GroupBy::Language => "coalesce(a.language, 'und')",
            GroupBy::Month => "substr(a.published, 1, 7)",
            GroupBy::Week => "strftime('%G-W%V', substr(a.published, 1, 10))",
        }
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

/// `WITH sel AS (...)`: the filtered articles with their newest analysis
/// and group values `g0`, `g1`, … Returns the SQL and its parameters.
fn selection(
    by: &[GroupBy],
    filter: &CorpusFilter,
    analysed_only: bool,
    article_level_techniques: bool,
) -> (String, Vec<Value>) {
    let mut params: Vec<Value> = Vec::new();
    let mut cols = String::new();
    for (i, g) in by.iter().enumerate() {
        cols.push_str(&format!(", {} AS g{i}", g.sql()));
    }
    let mut wh = vec![if analysed_only {
        "a.latest_analysis IS NOT NULL".to_string()
    } else {
        "1".to_string()
    }];
    let mut any_of = |column: &str, values: Vec<Value>, params: &mut Vec<Value>| {
        if !values.is_empty() {
            let marks = vec!["?"; values.len()].join(", ");
            wh.push(format!("{column} IN ({marks})"));
            params.extend(values);
        }
    };
    any_of(
        "s.name",
        filter
            .sources
            .iter()
            .map(|s| Value::Text(s.clone()))
            .collect(),
        &mut params,
    );
    any_of(
        "coalesce(a.language, 'und')",
        filter
            .languages
            .iter()
            .map(|s| Value::Text(s.clone()))
            .collect(),
        &mut params,
    );
    if let Some(since) = &filter.since {
        wh.push("a.published >= ?".into());
        params.push(Value::Text(since.clone()));
    }
    if let Some(until) = &filter.until {
        wh.push("(a.published < ? OR substr(a.published, 1, length(?)) = ?)".into());
        for _ in 0..3 {
            params.push(Value::Text(until.clone()));
        }
    }
    if !filter.frames.is_empty() {
        let marks = vec!["?"; filter.frames.len()].join(", ");
        wh.push(format!(
            "EXISTS (SELECT 1 FROM analysis_frames fr WHERE fr.analysis_id = a.latest_analysis AND fr.frame IN ({marks}))"
        ));
        params.extend(filter.frames.iter().map(|f| Value::Text(f.as_str().into())));
    }
    if article_level_techniques && !filter.techniques.is_empty() {
        let marks = vec!["?"; filter.techniques.len()].join(", ");
        wh.push(format!(
            "EXISTS (SELECT 1 FROM paragraph_techniques pt WHERE pt.analysis_id = a.latest_analysis AND pt.technique IN ({marks}))"
        ));
        params.extend(
            filter
                .techniques
                .iter()
                .map(|t| Value::Text(t.as_str().into())),
        );
    }
    let sql = format!(
        "WITH sel AS (SELECT a.id AS article_id, a.latest_analysis AS analysis_id, a.paragraphs AS paragraphs, a.words AS words{cols} \
         FROM articles a \
         LEFT JOIN sources s ON s.id = a.source_id \
         WHERE {})",
        wh.join(" AND ")
    );
    (sql, params)
}

fn group_cols(by: &[GroupBy]) -> String {
    (0..by.len()).map(|i| format!("g{i}, ")).collect::<String>()
}

fn group_by_clause(by: &[GroupBy], extra: &str) -> String {
    let mut cols: Vec<String> = (0..by.len()).map(|i| format!("g{i}")).collect();
    if !extra.is_empty() {
        cols.push(extra.into());
    }
    if cols.is_empty() {
        String::new()
    } else {
        format!("GROUP BY {}", cols.join(", "))
    }
}

fn read_key(r: &rusqlite::Row, n: usize) -> rusqlite::Result<Vec<Option<String>>> {
    read_key_from(r, 0, n)
}

fn read_key_from(
    r: &rusqlite::Row,
    first: usize,
    n: usize,
) -> rusqlite::Result<Vec<Option<String>>> {
    (first..first + n)
        .map(|i| r.get::<_, Option<String>>(i))
        .collect()
}

impl CorpusStore for SqliteStore {
    fn group_totals(
        &self,
        by: &[GroupBy],
        filter: &CorpusFilter,
    ) -> Result<Vec<GroupTotals>, StoreError> {
        let e = sql(&self.path);
        let (with, params) = selection(by, filter, true, true);
        let q = format!(
            "{with} SELECT {}count(*), coalesce(sum(paragraphs), 0), coalesce(sum(words), 0) FROM sel {} ORDER BY {}",
            group_cols(by),
            group_by_clause(by, ""),
            if by.is_empty() { "1".to_string() } else { (0..by.len()).map(|i| format!("g{i}")).collect::<Vec<_>>().join(", ") }
        );
        let mut stmt = self.conn.prepare(&q).map_err(&e)?;
        let n = by.len();
        let rows = stmt
            .query_map(params_from_iter(params), |r| {
                Ok(GroupTotals {
                    key: read_key(r, n)?,
                    articles: r.get::<_, i64>(n)? as u64,
                    paragraphs: r.get::<_, i64>(n + 1)? as u64,
                    words: r.get::<_, i64>(n + 2)? as u64,
                })
            })
            .map_err(&e)?;
        let out: Vec<GroupTotals> = rows.collect::<Result<_, _>>().map_err(&e)?;
        // An empty selection still has its (zero) total row without groups.
        Ok(out.into_iter().filter(|g| g.articles > 0).collect())
    }

    fn label_counts(
        &self,
        by: &[GroupBy],
        task: LabelTask,
        filter: &CorpusFilter,
    ) -> Result<Vec<LabelCount>, StoreError> {
        let e = sql(&self.path);
        // Each selected analysis's group, read from the covering index.
        let (with, params) = selection(by, filter, true, true);
        let q = format!("{with} SELECT analysis_id, {}0 FROM sel", group_cols(by));
        let mut stmt = self.conn.prepare(&q).map_err(&e)?;
        let mut rows = stmt.query(params_from_iter(params.iter())).map_err(&e)?;
        let mut keys: Vec<Vec<Option<String>>> = Vec::new();
        let mut key_index: HashMap<Vec<Option<String>>, u32> = HashMap::new();
        let mut group_of: HashMap<i64, u32> = HashMap::new();
        while let Some(r) = rows.next().map_err(&e)? {
            let key = read_key_from(r, 1, by.len()).map_err(&e)?;
            let n = keys.len() as u32;
            let g = *key_index.entry(key.clone()).or_insert_with(|| {
                keys.push(key);
                n
            });
            group_of.insert(r.get(0).map_err(&e)?, g);
        }
        drop(rows);
        drop(stmt);
        // A large selection: one pass over the label table, counted here,
        // is several times faster than SQLite's join and GROUP BY (which
        // sorts every row in a temporary B-tree). A small one: the join.
        if group_of.len() >= 5_000 {
            let scan = match task {
                LabelTask::Techniques => "SELECT analysis_id, technique FROM paragraph_techniques",
                LabelTask::Frames => "SELECT analysis_id, frame FROM analysis_frames",
                LabelTask::Genre => "SELECT id, genre FROM analyses WHERE genre IS NOT NULL",
            };
            let mut stmt = self.conn.prepare(scan).map_err(&e)?;
            let mut rows = stmt.query([]).map_err(&e)?;
            let mut counts: HashMap<(u32, String), u64> = HashMap::new();
            while let Some(r) = rows.next().map_err(&e)? {
                let analysis: i64 = r.get(0).map_err(&e)?;
                if let Some(&g) = group_of.get(&analysis) {
                    let label = r.get_ref(1).map_err(&e)?.as_str().map_err(|err| {
                        sql(&self.path)(rusqlite::Error::FromSqlConversionFailure(
                            1,
                            rusqlite::types::Type::Text,
                            Box::new(err),
                        ))
                    })?;
                    match counts.get_mut(&(g, label.to_string())) {
                        Some(c) => *c += 1,
                        None => {
                            counts.insert((g, label.to_string()), 1);
                        }
                    }
                }
            }
            let mut out: Vec<LabelCount> = counts
                .into_iter()
                .map(|((g, label), count)| LabelCount {
                    key: keys[g as usize].clone(),
                    label,
                    count,
                })
                .collect();
            out.sort_by(|a, b| a.key.cmp(&b.key).then(a.label.cmp(&b.label)));
            return Ok(out);
        }
        let (with, params) = selection(by, filter, true, true);
        let (label, from) = match task {
            LabelTask::Techniques => (
                "t.technique",
                "sel JOIN paragraph_techniques t ON t.analysis_id = sel.analysis_id",
            ),
            LabelTask::Frames => (
                "t.frame",
                "sel JOIN analysis_frames t ON t.analysis_id = sel.analysis_id",
            ),
            LabelTask::Genre => (
                "t.genre",
                "sel JOIN analyses t ON t.id = sel.analysis_id AND t.genre IS NOT NULL",
            ),
        };
        let q = format!(
            "{with} SELECT {}{label}, count(*) FROM {from} {}",
            group_cols(by),
            group_by_clause(by, label)
        );
        let mut stmt = self.conn.prepare(&q).map_err(&e)?;
        let n = by.len();
        let rows = stmt
            .query_map(params_from_iter(params), |r| {
                Ok(LabelCount {
                    key: read_key(r, n)?,
                    label: r.get(n)?,
                    count: r.get::<_, i64>(n + 1)? as u64,
                })
            })
            .map_err(&e)?;
        rows.collect::<Result<_, _>>().map_err(&e)
    }

    fn search(&self, query: &SearchQuery) -> Result<Vec<SearchHit>, StoreError> {
        let e = sql(&self.path);
        let (with, mut params) = selection(&[], &query.filter, false, false);
        let mut line_filter = String::new();
        if !query.filter.techniques.is_empty() {
            let marks = vec!["?"; query.filter.techniques.len()].join(", ");
            line_filter = format!(
                "AND EXISTS (SELECT 1 FROM paragraph_techniques pt WHERE pt.analysis_id = sel.analysis_id \
                 AND pt.line = f.line AND pt.technique IN ({marks}))"
            );
        }
        // Two steps: rank the matching lines (bm25) and keep the page,
        // then fetch metadata and highlights for that page only (computing
        // highlight() for every match was most of a common word's time).
        let unfiltered = query.filter.sources.is_empty()
            && query.filter.languages.is_empty()
            && query.filter.since.is_none()
            && query.filter.until.is_none()
            && query.filter.frames.is_empty()
            && query.filter.techniques.is_empty();
        let q = if unfiltered {
            params.clear();
            "SELECT rowid, article_id, line, rank FROM text_fts WHERE text_fts MATCH ? \
             ORDER BY rank, article_id, line LIMIT ? OFFSET ?"
                .to_string()
        } else {
            format!(
                "{with} SELECT f.rowid, f.article_id, f.line, f.rank FROM text_fts f \
                 JOIN sel ON sel.article_id = f.article_id \
                 WHERE text_fts MATCH ? {line_filter} \
                 ORDER BY f.rank, f.article_id, f.line LIMIT ? OFFSET ?"
            )
        };
        let folded = crate::fold::fold(&query.text);
        params.push(Value::Text(folded.clone()));
        if !unfiltered {
            params.extend(
                query
                    .filter
                    .techniques
                    .iter()
                    .map(|t| Value::Text(t.as_str().into())),
            );
        }
        params.push(Value::Integer(query.limit as i64));
        params.push(Value::Integer(query.offset as i64));
        let ranked: Vec<(i64, i64, i64, f64)> = {
            let mut stmt = self.conn.prepare(&q).map_err(&e)?;
            let rows = stmt
                .query_map(params_from_iter(params), |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                })
                .map_err(&e)?;
            rows.collect::<Result<_, _>>().map_err(&e)?
        };
        let mut meta = self
            .conn
            .prepare_cached(
                "SELECT a.ext_id, s.name, a.published, a.language, a.title, a.latest_analysis \
                 FROM articles a LEFT JOIN sources s ON s.id = a.source_id WHERE a.id = ?1",
            )
            .map_err(&e)?;
        let mut highlight = self
            .conn
            .prepare_cached(
                "SELECT text, highlight(text_fts, 1, char(1), char(2)) FROM text_fts \
                 WHERE text_fts MATCH ?1 AND rowid = ?2",
            )
            .map_err(&e)?;
        let mut techniques = self
            .conn
            .prepare_cached(
                "SELECT technique FROM paragraph_techniques WHERE analysis_id = ?1 AND line = ?2 ORDER BY pos",
            )
            .map_err(&e)?;
        let mut hits = Vec::with_capacity(ranked.len());
        for (rowid, article, line, rank) in ranked {
            type Meta = (
                String,
                Option<String>,
                Option<String>,
                Option<String>,
                String,
                Option<i64>,
            );
            let (id, source, published, language, title, analysis): Meta = meta
                .query_row([article], |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                    ))
                })
                .map_err(&e)?;
            let (text, highlighted): (String, String) = highlight
                .query_row(params![folded, rowid], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(&e)?;
            let techs = match analysis {
                None => Vec::new(),
                Some(a) => techniques
                    .query_map(params![a, line], |r| r.get::<_, String>(0))
                    .map_err(&e)?
                    .collect::<Result<_, _>>()
                    .map_err(&e)?,
            };
            hits.push(SearchHit {
                article,
                id,
                source,
                published,
                language,
                title,
                line: line as u32,
                snippet: crate::fold::snippet(&text, &highlighted, 24),
                techniques: techs,
                // FTS5's rank (bm25) is lower for better matches.
                score: -rank,
            });
        }
        Ok(hits)
    }

    fn signatures(&self, unclustered_only: bool) -> Result<Vec<(i64, Vec<u32>)>, StoreError> {
        let e = sql(&self.path);
        let q = if unclustered_only {
            "SELECT m.article_id, m.signature FROM article_minhash m \
             WHERE NOT EXISTS (SELECT 1 FROM narrative_members n WHERE n.article_id = m.article_id) \
             ORDER BY m.article_id"
        } else {
            "SELECT article_id, signature FROM article_minhash ORDER BY article_id"
        };
        let mut stmt = self.conn.prepare(q).map_err(&e)?;
        let mut rows = stmt.query([]).map_err(&e)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(&e)? {
            let id: i64 = r.get(0).map_err(&e)?;
            let bytes: Vec<u8> = r.get(1).map_err(&e)?;
            let sig = minhash::from_bytes(&bytes).ok_or_else(|| StoreError::Corrupt {
                path: self.path.clone(),
                why: format!("article {id}: MinHash signature of {} bytes", bytes.len()),
            })?;
            out.push((id, sig));
        }
        Ok(out)
    }

    fn memberships(&self) -> Result<Vec<Membership>, StoreError> {
        let e = sql(&self.path);
        let mut stmt = self
            .conn
            .prepare(
                "SELECT article_id, cluster, similarity FROM narrative_members ORDER BY article_id",
            )
            .map_err(&e)?;
        let rows = stmt
            .query_map([], |r| {
                Ok(Membership {
                    article: r.get(0)?,
                    cluster: r.get(1)?,
                    similarity: r.get(2)?,
                })
            })
            .map_err(&e)?;
        rows.collect::<Result<_, _>>().map_err(&e)
    }

    fn narrative_threshold(&self) -> Result<Option<f64>, StoreError> {
        use rusqlite::OptionalExtension;
        let e = sql(&self.path);
        let v: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM corpus_meta WHERE key = 'narrative_threshold'",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(&e)?;
        Ok(v.and_then(|s| s.parse().ok()))
    }

    fn save_memberships(
        &mut self,
        threshold: f64,
        replace_all: bool,
        members: &[Membership],
    ) -> Result<(), StoreError> {
        let path = self.path.clone();
        let e = sql(&path);
        let tx = self.conn.transaction().map_err(&e)?;
        if replace_all {
            tx.execute("DELETE FROM narrative_members", [])
                .map_err(&e)?;
        }
        tx.execute(
            "INSERT OR REPLACE INTO corpus_meta(key, value) VALUES ('narrative_threshold', ?1)",
            [threshold.to_string()],
        )
        .map_err(&e)?;
        {
            let mut put = tx
                .prepare_cached(
                    "INSERT OR REPLACE INTO narrative_members(article_id, cluster, similarity) VALUES (?1, ?2, ?3)",
                )
                .map_err(&e)?;
            for m in members {
                put.execute(params![m.article, m.cluster, m.similarity])
                    .map_err(&e)?;
            }
        }
        tx.commit().map_err(&e)
    }

    fn summaries(&self, articles: &[i64]) -> Result<Vec<ArticleSummary>, StoreError> {
        let e = sql(&self.path);
        let mut one = self
            .conn
            .prepare_cached(
                "SELECT a.id, a.ext_id, s.name, a.published, a.language, a.title, \
                        a.latest_analysis \
                 FROM articles a LEFT JOIN sources s ON s.id = a.source_id WHERE a.id = ?1",
            )
            .map_err(&e)?;
        let mut techs = self
            .conn
            .prepare_cached(
                "SELECT DISTINCT technique FROM paragraph_techniques WHERE analysis_id = ?1 ORDER BY technique",
            )
            .map_err(&e)?;
        let mut out = Vec::with_capacity(articles.len());
        let mut seen = HashMap::new();
        for &id in articles {
            if seen.insert(id, ()).is_some() {
                continue;
            }
            let row = {
                use rusqlite::OptionalExtension;
                one.query_row([id], |r| {
                    Ok((
                        ArticleSummary {
                            article: r.get(0)?,
                            id: r.get(1)?,
                            source: r.get(2)?,
                            published: r.get(3)?,
                            language: r.get(4)?,
                            title: r.get(5)?,
                            techniques: Vec::new(),
                        },
                        r.get::<_, Option<i64>>(6)?,
                    ))
                })
                .optional()
                .map_err(&e)?
            };
            let Some((mut summary, analysis)) = row else {
                continue;
            };
            if let Some(analysis) = analysis {
                summary.techniques = techs
                    .query_map([analysis], |r| r.get::<_, String>(0))
                    .map_err(&e)?
                    .collect::<Result<_, _>>()
                    .map_err(&e)?;
            }
            out.push(summary);
        }
        Ok(out)
    }

    fn list_articles(
        &self,
        filter: &CorpusFilter,
        limit: usize,
        offset: usize,
    ) -> Result<(u64, Vec<ArticleSummary>), StoreError> {
        let e = sql(&self.path);
        let (with, params) = selection(&[], filter, false, true);
        let total: i64 = self
            .conn
            .query_row(
                &format!("{with} SELECT count(*) FROM sel"),
                params_from_iter(params.iter()),
                |r| r.get(0),
            )
            .map_err(&e)?;
        let mut page_params = params;
        page_params.push(Value::Integer(limit as i64));
        page_params.push(Value::Integer(offset as i64));
        let mut stmt = self
            .conn
            .prepare(&format!(
                "{with} SELECT sel.article_id FROM sel JOIN articles a ON a.id = sel.article_id \
                 ORDER BY a.published DESC, a.id DESC LIMIT ? OFFSET ?"
            ))
            .map_err(&e)?;
        let ids: Vec<i64> = stmt
            .query_map(params_from_iter(page_params), |r| r.get(0))
            .map_err(&e)?
            .collect::<Result<_, _>>()
            .map_err(&e)?;
        Ok((total as u64, self.summaries(&ids)?))
    }

    fn unembedded(&self) -> Result<Vec<i64>, StoreError> {
        let e = sql(&self.path);
        let mut stmt = self
            .conn
            .prepare(
                "SELECT a.id FROM articles a WHERE NOT EXISTS \
                 (SELECT 1 FROM article_embeddings v WHERE v.article_id = a.id) ORDER BY a.id",
            )
            .map_err(&e)?;
        let rows = stmt.query_map([], |r| r.get(0)).map_err(&e)?;
        rows.collect::<Result<_, _>>().map_err(&e)
    }

    fn save_embeddings(&mut self, vectors: &[(i64, Vec<Vec<f32>>)]) -> Result<(), StoreError> {
        let path = self.path.clone();
        let e = sql(&path);
        let tx = self.conn.transaction().map_err(&e)?;
        {
            let mut put = tx
                .prepare_cached(
                    "INSERT OR REPLACE INTO article_embeddings(article_id, vector) VALUES (?1, ?2)",
                )
                .map_err(&e)?;
            for (id, paragraphs) in vectors {
                // u32 dimension, then the paragraphs' f32s one after another.
                let dim = paragraphs.first().map_or(0, Vec::len) as u32;
                let mut bytes: Vec<u8> = dim.to_le_bytes().to_vec();
                bytes.extend(paragraphs.iter().flatten().flat_map(|x| x.to_le_bytes()));
                put.execute(params![id, bytes]).map_err(&e)?;
            }
        }
        tx.commit().map_err(&e)
    }

    fn embeddings(&self) -> Result<Vec<Embedded>, StoreError> {
        let e = sql(&self.path);
        let mut stmt = self
            .conn
            .prepare(
                "SELECT v.article_id, a.language, v.vector FROM article_embeddings v \
                 JOIN articles a ON a.id = v.article_id ORDER BY v.article_id",
            )
            .map_err(&e)?;
        let rows = stmt
            .query_map([], |r| {
                let bytes: Vec<u8> = r.get(2)?;
                let dim = bytes
                    .get(..4)
                    .map_or(0, |d| u32::from_le_bytes([d[0], d[1], d[2], d[3]]) as usize);
                let values: Vec<f32> = bytes
                    .get(4..)
                    .unwrap_or_default()
                    .chunks_exact(4)
                    .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                    .collect();
                let paragraphs = if dim == 0 {
                    Vec::new()
                } else {
                    values.chunks_exact(dim).map(<[f32]>::to_vec).collect()
                };
                Ok((r.get(0)?, r.get(1)?, paragraphs))
            })
            .map_err(&e)?;
        rows.collect::<Result<_, _>>().map_err(&e)
    }

    fn article(&self, article: i64) -> Result<Option<StoredArticle>, StoreError> {
        let mut found = None;
        self.for_each_where(&crate::Filter::default(), Some(article), &mut |a| {
            found = Some(a);
            Ok(())
        })?;
        Ok(found)
    }
}
