//! The SQLite implementation of [`Store`] and [`CorpusStore`]: the
//! [`SqliteStore`] handle and what one ingest batch writes (articles,
//! analyses and the rows corpus queries read). Opening, schema migrations
//! and checks are in `sqlite/open.rs`; reading articles back and `db info`
//! in `sqlite/read.rs`; the corpus queries in `sqlite/corpus_queries.rs`
//! (with `selection.rs`, `stats.rs` and `search.rs` beside it).

mod corpus_queries;
mod open;
mod read;
mod search;
mod selection;
mod stats;

#[cfg(doc)]
use crate::CorpusStore;
use crate::{fold, minhash};
use crate::{Analysed, BatchCounts, Filter, Info, Store, StoreError, StoredArticle};
use rhetor_core::Document;
use rusqlite::{params, Connection, OptionalExtension};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// A rhetor database in one SQLite file.
pub struct SqliteStore {
    pub(crate) conn: Connection,
    pub(crate) path: PathBuf,
}

/// The non-empty lines of a document (its paragraphs, title included) and
/// their words, as stored in `articles.paragraphs` / `articles.words`.
fn paragraphs_and_words(doc: &Document) -> (i64, i64) {
    let words: usize = doc
        .paragraphs
        .iter()
        .map(|p| p.text.split_whitespace().count())
        .sum();
    (doc.paragraphs.len() as i64, words as i64)
}

/// The rows corpus queries need for one new article: its lines in the
/// full-text index and its MinHash signature.
struct CorpusRows<'c> {
    add_line: rusqlite::CachedStatement<'c>,
    add_signature: rusqlite::CachedStatement<'c>,
}

impl<'c> CorpusRows<'c> {
    fn prepare(conn: &'c Connection) -> rusqlite::Result<Self> {
        Ok(CorpusRows {
            add_line: conn.prepare_cached(
                "INSERT INTO text_fts(text, folded, article_id, line) VALUES (?1, ?2, ?3, ?4)",
            )?,
            add_signature: conn.prepare_cached(
                "INSERT OR REPLACE INTO article_minhash(article_id, signature) VALUES (?1, ?2)",
            )?,
        })
    }

    /// The rows of several articles: every signature first, then every
    /// full-text row (the signatures' inserts are checked by a foreign
    /// key, so each would make FTS5 write out its pending terms; see
    /// [`Store::write_batch`]).
    fn add_all(&mut self, articles: &[(i64, &Document)]) -> rusqlite::Result<()> {
        for &(article_id, doc) in articles {
            self.add_signature(article_id, doc)?;
        }
        for &(article_id, doc) in articles {
            self.add_lines(article_id, doc)?;
        }
        Ok(())
    }

    fn add(&mut self, article_id: i64, doc: &Document) -> rusqlite::Result<()> {
        self.add_lines(article_id, doc)?;
        self.add_signature(article_id, doc)
    }

    fn add_lines(&mut self, article_id: i64, doc: &Document) -> rusqlite::Result<()> {
        for p in &doc.paragraphs {
            self.add_line.execute(params![
                p.text,
                fold::fold(&p.text),
                article_id,
                p.line as i64
            ])?;
        }
        Ok(())
    }

    fn add_signature(&mut self, article_id: i64, doc: &Document) -> rusqlite::Result<()> {
        // The body (title left out: republishers rewrite titles most).
        let body: Vec<&str> = doc
            .paragraphs
            .iter()
            .filter(|p| p.line > 1 || doc.paragraphs.len() == 1)
            .map(|p| p.text.as_str())
            .collect();
        let sig = minhash::signature(&body.join("\n"));
        self.add_signature
            .execute(params![article_id, minhash::to_bytes(&sig)])?;
        Ok(())
    }
}

pub(crate) fn sql(path: &Path) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
    move |source| StoreError::Sqlite {
        path: path.to_path_buf(),
        source,
    }
}

impl Store for SqliteStore {
    fn analysed(
        &self,
        hashes: &[&str],
        model_version: &str,
    ) -> Result<HashSet<String>, StoreError> {
        let e = sql(&self.path);
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT 1 FROM articles a JOIN analyses n ON n.article_id = a.id \
                 WHERE a.content_hash = ?1 AND n.model = ?2",
            )
            .map_err(&e)?;
        let mut out = HashSet::new();
        for h in hashes {
            if stmt.exists(params![h, model_version]).map_err(&e)? {
                out.insert(h.to_string());
            }
        }
        Ok(out)
    }

    fn write_batch(
        &mut self,
        model_version: &str,
        items: &[Analysed],
    ) -> Result<BatchCounts, StoreError> {
        let path = self.path.clone();
        let e = sql(&path);
        let tx = self.conn.transaction().map_err(&e)?;
        let mut counts = BatchCounts::default();
        {
            let mut find_source = tx
                .prepare_cached("SELECT id FROM sources WHERE name = ?1")
                .map_err(&e)?;
            let mut add_source = tx
                .prepare_cached("INSERT INTO sources(name) VALUES (?1)")
                .map_err(&e)?;
            let mut find_article = tx
                .prepare_cached("SELECT id FROM articles WHERE content_hash = ?1")
                .map_err(&e)?;
            let mut add_article = tx
                .prepare_cached(
                    "INSERT INTO articles(content_hash, ext_id, url, source_id, published, language, title, body, paragraphs, words) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                )
                .map_err(&e)?;
            let mut corpus_rows = CorpusRows::prepare(&tx).map_err(&e)?;
            // Analyses only grow, so the one just added is the newest.
            let mut set_latest = tx
                .prepare_cached("UPDATE articles SET latest_analysis = ?2 WHERE id = ?1")
                .map_err(&e)?;
            let mut add_analysis = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO analyses(article_id, model, model_name, language, genre, genre_scores) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )
                .map_err(&e)?;
            let mut add_frame = tx
                .prepare_cached("INSERT INTO analysis_frames VALUES (?1, ?2, ?3, ?4)")
                .map_err(&e)?;
            let mut add_technique = tx
                .prepare_cached("INSERT INTO paragraph_techniques VALUES (?1, ?2, ?3, ?4, ?5)")
                .map_err(&e)?;
            let mut add_span = tx
                .prepare_cached("INSERT INTO spans VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
                .map_err(&e)?;
            // The new articles' full-text rows and signatures are written
            // after every other row of the batch: FTS5 writes its pending
            // terms out as a new segment whenever a statement that may
            // abort (any insert checked by a foreign key) opens a
            // savepoint, so rows interleaved with the analyses' made one
            // small segment per article, and FTS5 spent its time merging
            // them (a quarter of the writer's time). Written last, a batch
            // becomes one segment; the rows and their order are the same.
            let mut new_articles: Vec<(i64, &Document)> = Vec::new();
            for item in items {
                let a = &item.article;
                let source_id: Option<i64> = match a.source.as_deref().filter(|s| !s.is_empty()) {
                    None => None,
                    Some(name) => Some(
                        match find_source
                            .query_row([name], |r| r.get(0))
                            .optional()
                            .map_err(&e)?
                        {
                            Some(id) => id,
                            None => {
                                add_source.execute([name]).map_err(&e)?;
                                tx.last_insert_rowid()
                            }
                        },
                    ),
                };
                let article_id: i64 = match find_article
                    .query_row([&item.hash], |r| r.get(0))
                    .optional()
                    .map_err(&e)?
                {
                    Some(id) => id,
                    None => {
                        let language = item.document.language.as_ref().or(a.language.as_ref());
                        let (paragraphs, words) = paragraphs_and_words(&item.document);
                        add_article
                            .execute(params![
                                item.hash,
                                a.id,
                                a.url,
                                source_id,
                                a.published,
                                language,
                                a.title,
                                a.text,
                                paragraphs,
                                words
                            ])
                            .map_err(&e)?;
                        counts.new_articles += 1;
                        let id = tx.last_insert_rowid();
                        new_articles.push((id, &item.document));
                        id
                    }
                };
                let d = &item.document;
                let genre_scores = d
                    .genre
                    .as_ref()
                    .map(|g| serde_json::to_string(&g.scores))
                    .transpose()
                    .map_err(|err| StoreError::Corrupt {
                        path: path.clone(),
                        why: err.to_string(),
                    })?;
                let added = add_analysis
                    .execute(params![
                        article_id,
                        model_version,
                        d.model,
                        d.language,
                        d.genre.as_ref().map(|g| g.label.as_str()),
                        genre_scores
                    ])
                    .map_err(&e)?;
                if added == 0 {
                    continue;
                }
                counts.new_analyses += 1;
                let analysis_id = tx.last_insert_rowid();
                set_latest
                    .execute(params![article_id, analysis_id])
                    .map_err(&e)?;
                for (pos, f) in d.frames.iter().enumerate() {
                    add_frame
                        .execute(params![
                            analysis_id,
                            pos as i64,
                            f.label.as_str(),
                            f.score as f64
                        ])
                        .map_err(&e)?;
                }
                for p in &d.paragraphs {
                    for (pos, t) in p.techniques.iter().enumerate() {
                        add_technique
                            .execute(params![
                                analysis_id,
                                p.line as i64,
                                pos as i64,
                                t.label.as_str(),
                                t.score as f64
                            ])
                            .map_err(&e)?;
                    }
                }
                for (pos, s) in d.spans.iter().enumerate() {
                    add_span
                        .execute(params![
                            analysis_id,
                            pos as i64,
                            s.technique.as_str(),
                            s.start as i64,
                            s.end as i64,
                            s.score as f64
                        ])
                        .map_err(&e)?;
                }
            }
            corpus_rows.add_all(&new_articles).map_err(&e)?;
        }
        tx.commit().map_err(&e)?;
        Ok(counts)
    }

    fn for_each_article(
        &self,
        filter: &Filter,
        f: &mut dyn FnMut(StoredArticle) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        self.for_each_where(filter, None, f)
    }

    fn info(&self) -> Result<Info, StoreError> {
        self.info_impl()
    }
}
