//! The SQLite implementation of [`Store`].

use crate::schema::{APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION};
use crate::{fold, minhash};
use crate::{Analysed, BatchCounts, Filter, Info, Store, StoreError, StoredArticle};
use rhetor_core::{Document, GenreScores, OffsetMap, Scored};
use rhetor_extract::Article;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use std::collections::{BTreeMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};

/// A rhetor database in one SQLite file.
pub struct SqliteStore {
    pub(crate) conn: Connection,
    pub(crate) path: PathBuf,
}

const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

impl SqliteStore {
    /// Opens the database at `path` for writing, creating it (and its
    /// schema) when the file does not exist. A file that is not a rhetor
    /// database, or is newer than this rhetor, is refused untouched.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        check_header(path, true)?;
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(sql(path))?;
        let mut store = SqliteStore {
            conn,
            path: path.to_path_buf(),
        };
        store.prepare(true)?;
        Ok(store)
    }

    /// Opens an existing database for writing (upgrading an older schema in
    /// place); a missing file is an error rather than a new database.
    pub fn open_existing(path: &Path) -> Result<SqliteStore, StoreError> {
        if !path.exists() {
            return Err(StoreError::Missing {
                path: path.to_path_buf(),
            });
        }
        SqliteStore::open(path)
    }

    /// True when the database holds no article (cheaper than [`Store::info`]).
    pub fn is_empty(&self) -> Result<bool, StoreError> {
        self.conn
            .query_row("SELECT NOT EXISTS (SELECT 1 FROM articles)", [], |r| {
                r.get(0)
            })
            .map_err(sql(&self.path))
    }

    /// Opens an existing database for reading only.
    pub fn open_read_only(path: &Path) -> Result<SqliteStore, StoreError> {
        check_header(path, false)?;
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(sql(path))?;
        let mut store = SqliteStore {
            conn,
            path: path.to_path_buf(),
        };
        store.prepare(false)?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Checks the database is rhetor's, then brings its schema up to date.
    fn prepare(&mut self, writable: bool) -> Result<(), StoreError> {
        let path = self.path.clone();
        let e = sql(&path);
        // Reading the header pages is where SQLite notices a damaged file.
        self.conn
            .busy_timeout(std::time::Duration::from_secs(30))
            .map_err(&e)?;
        let app: i32 = self
            .conn
            .query_row("PRAGMA application_id", [], |r| r.get(0))
            .map_err(|err| not_rhetor_or(&path, err))?;
        let version: u32 = self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(&e)?;
        let tables: i64 = self
            .conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .map_err(|err| not_rhetor_or(&path, err))?;
        if app != APPLICATION_ID && (app != 0 || tables > 0) {
            return Err(StoreError::NotRhetor {
                path: path.clone(),
                why: "a SQLite database of another program".into(),
            });
        }
        if version > SCHEMA_VERSION {
            return Err(StoreError::Newer {
                path: path.clone(),
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        if !writable {
            if version < SCHEMA_VERSION {
                return Err(StoreError::NotRhetor {
                    path: path.clone(),
                    why: format!(
                        "schema version {version}: open it once with `rhetor ingest` to upgrade"
                    ),
                });
            }
            return Ok(());
        }
        // WAL: readers never block the writer, and a killed process loses
        // at most the transaction in flight. synchronous=NORMAL keeps every
        // committed transaction across a process crash (the OS has it); only
        // a power cut may roll back the last ones, never corrupt the file.
        self.conn
            .pragma_update(None, "journal_mode", "WAL")
            .map_err(&e)?;
        self.conn
            .pragma_update(None, "synchronous", "NORMAL")
            .map_err(&e)?;
        self.conn
            .pragma_update(None, "foreign_keys", true)
            .map_err(&e)?;
        if version < SCHEMA_VERSION {
            let tx = self.conn.transaction().map_err(&e)?;
            for (from, migration) in MIGRATIONS.iter().enumerate().skip(version as usize) {
                tx.execute_batch(migration).map_err(&e)?;
                if from == 1 {
                    // Version 1 had articles but no corpus rows: fill them in.
                    backfill_v2(&tx).map_err(&e)?;
                }
                tx.pragma_update(None, "user_version", from as u32 + 1)
                    .map_err(&e)?;
            }
            tx.pragma_update(None, "application_id", APPLICATION_ID)
                .map_err(&e)?;
            tx.commit().map_err(&e)?;
        }
        Ok(())
    }
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

/// Version 1 → 2: paragraph and word counts, FTS rows and signatures for
/// the articles already stored.
fn backfill_v2(conn: &Connection) -> rusqlite::Result<()> {
    let mut read = conn.prepare("SELECT id, ext_id, title, body FROM articles ORDER BY id")?;
    let mut set_counts =
        conn.prepare("UPDATE articles SET paragraphs = ?2, words = ?3 WHERE id = ?1")?;
    let mut rows = CorpusRows::prepare(conn)?;
    let mut q = read.query([])?;
    while let Some(r) = q.next()? {
        let id: i64 = r.get(0)?;
        let ext_id: String = r.get(1)?;
        let title: String = r.get(2)?;
        let body: String = r.get(3)?;
        let doc = Document::from_title_and_body(ext_id, &title, &body);
        let (paragraphs, words) = paragraphs_and_words(&doc);
        set_counts.execute(params![id, paragraphs, words])?;
        rows.add(id, &doc)?;
    }
    Ok(())
}

pub(crate) fn sql(path: &Path) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
    move |source| StoreError::Sqlite {
        path: path.to_path_buf(),
        source,
    }
}

fn not_rhetor_or(path: &Path, err: rusqlite::Error) -> StoreError {
    match err.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase) => StoreError::NotRhetor {
            path: path.to_path_buf(),
            why: "the file is damaged or not SQLite".into(),
        },
        _ => StoreError::Sqlite {
            path: path.to_path_buf(),
            source: err,
        },
    }
}

/// Refuses, before SQLite sees it, a file that is not SQLite (SQLite would
/// otherwise fail later, or treat an empty file as a new database).
fn check_header(path: &Path, may_create: bool) -> Result<(), StoreError> {
    let mut head = Vec::with_capacity(16);
    match std::fs::File::open(path) {
        Ok(f) => {
            f.take(16)
                .read_to_end(&mut head)
                .map_err(|e| StoreError::NotRhetor {
                    path: path.to_path_buf(),
                    why: format!("unreadable: {e}"),
                })?;
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return if may_create {
                Ok(())
            } else {
                Err(StoreError::Missing {
                    path: path.to_path_buf(),
                })
            };
        }
        Err(e) => {
            return Err(StoreError::NotRhetor {
                path: path.to_path_buf(),
                why: format!("unreadable: {e}"),
            })
        }
    }
    if head.is_empty() && may_create {
        // An empty file (e.g. made by `touch`) becomes a new database.
        return Ok(());
    }
    if head.as_slice() != SQLITE_MAGIC {
        return Err(StoreError::NotRhetor {
            path: path.to_path_buf(),
            why: "the file does not start with the SQLite header".into(),
        });
    }
    Ok(())
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

impl SqliteStore {
    /// [`Store::for_each_article`], optionally of one article row only.
    pub(crate) fn for_each_where(
        &self,
        filter: &Filter,
        only: Option<i64>,
        f: &mut dyn FnMut(StoredArticle) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let e = sql(&self.path);
        // One article: by its row, through the primary key (an `OR` in the
        // condition would make SQLite scan every article).
        let one = if only.is_some() {
            "a.id = ?4 AND"
        } else {
            "?4 IS NULL AND"
        };
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT a.id, a.ext_id, a.url, s.name, a.published, a.language, a.title, a.body, \
                        n.id, n.model, n.model_name, n.language, n.genre, n.genre_scores \
                 FROM articles a \
                 LEFT JOIN sources s ON s.id = a.source_id \
                 LEFT JOIN analyses n ON n.id = a.latest_analysis \
                 WHERE {one} (?1 IS NULL OR s.name = ?1) \
                   AND (?2 IS NULL OR a.published >= ?2) \
                   AND (?3 IS NULL OR a.published < ?3 OR substr(a.published, 1, length(?3)) = ?3) \
                 ORDER BY a.id"
            ))
            .map_err(&e)?;
        let mut frames = self
            .conn
            .prepare_cached(
                "SELECT frame, score FROM analysis_frames WHERE analysis_id = ?1 ORDER BY pos",
            )
            .map_err(&e)?;
        let mut techniques = self
            .conn
            .prepare_cached(
                "SELECT line, technique, score FROM paragraph_techniques WHERE analysis_id = ?1 ORDER BY line, pos",
            )
            .map_err(&e)?;
        let mut spans = self
            .conn
            .prepare_cached(
                "SELECT technique, start, \"end\", score FROM spans WHERE analysis_id = ?1 ORDER BY pos",
            )
            .map_err(&e)?;
        let mut rows = stmt
            .query(params![filter.source, filter.since, filter.until, only])
            .map_err(&e)?;
        let corrupt = |why: String| StoreError::Corrupt {
            path: self.path.clone(),
            why,
        };
        while let Some(r) = rows.next().map_err(&e)? {
            let article = Article {
                id: r.get(1).map_err(&e)?,
                url: r.get(2).map_err(&e)?,
                source: r.get(3).map_err(&e)?,
                published: r.get(4).map_err(&e)?,
                language: r.get(5).map_err(&e)?,
                title: r.get(6).map_err(&e)?,
                text: r.get(7).map_err(&e)?,
            };
            let analysis_id: Option<i64> = r.get(8).map_err(&e)?;
            let Some(analysis_id) = analysis_id else {
                f(StoredArticle {
                    article,
                    model_version: None,
                    document: None,
                })?;
                continue;
            };
            let mut doc = article.to_document();
            doc.model = r.get(10).map_err(&e)?;
            doc.language = r.get(11).map_err(&e)?;
            let genre: Option<String> = r.get(12).map_err(&e)?;
            let genre_scores: Option<String> = r.get(13).map_err(&e)?;
            if let (Some(g), Some(scores)) = (genre, genre_scores) {
                doc.genre = Some(GenreScores {
                    label: g.parse().map_err(|err| corrupt(format!("genre: {err}")))?,
                    scores: serde_json::from_str(&scores)
                        .map_err(|err| corrupt(format!("genre scores: {err}")))?,
                });
            }
            let mut fr = frames.query([analysis_id]).map_err(&e)?;
            while let Some(x) = fr.next().map_err(&e)? {
                let label: String = x.get(0).map_err(&e)?;
                let score: f64 = x.get(1).map_err(&e)?;
                doc.frames.push(Scored::new(
                    label
                        .parse()
                        .map_err(|err| corrupt(format!("frame: {err}")))?,
                    score as f32,
                ));
            }
            let mut tq = techniques.query([analysis_id]).map_err(&e)?;
            while let Some(x) = tq.next().map_err(&e)? {
                let line: i64 = x.get(0).map_err(&e)?;
                let label: String = x.get(1).map_err(&e)?;
                let score: f64 = x.get(2).map_err(&e)?;
                let technique = label
                    .parse()
                    .map_err(|err| corrupt(format!("technique: {err}")))?;
                doc.paragraph_at_line_mut(line as usize)
                    .ok_or_else(|| {
                        corrupt(format!(
                            "technique on line {line}, which the text does not have"
                        ))
                    })?
                    .techniques
                    .push(Scored::new(technique, score as f32));
            }
            let map = OffsetMap::new(&doc.text);
            let mut sq = spans.query([analysis_id]).map_err(&e)?;
            while let Some(x) = sq.next().map_err(&e)? {
                let label: String = x.get(0).map_err(&e)?;
                let (start, end): (i64, i64) = (x.get(1).map_err(&e)?, x.get(2).map_err(&e)?);
                let score: f64 = x.get(3).map_err(&e)?;
                let technique = label
                    .parse()
                    .map_err(|err| corrupt(format!("span: {err}")))?;
                doc.add_span(&map, technique, start as usize, end as usize, score as f32)
                    .ok_or_else(|| corrupt(format!("span {start}..{end} outside the text")))?;
            }
            f(StoredArticle {
                article,
                model_version: r.get(9).map_err(&e)?,
                document: Some(doc),
            })?;
        }
        Ok(())
    }

    fn info_impl(&self) -> Result<Info, StoreError> {
        let e = sql(&self.path);
        let c = &self.conn;
        let count = |q: &str| -> Result<u64, StoreError> {
            c.query_row(q, [], |r| r.get::<_, i64>(0))
                .map(|n| n as u64)
                .map_err(sql(&self.path))
        };
        let mut analyses = BTreeMap::new();
        let mut stmt = c
            .prepare("SELECT model, count(*) FROM analyses GROUP BY model")
            .map_err(&e)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
            .map_err(&e)?;
        for row in rows {
            let (m, n) = row.map_err(&e)?;
            analyses.insert(m, n as u64);
        }
        let mut languages = BTreeMap::new();
        let mut stmt = c
            .prepare("SELECT coalesce(language, 'und'), count(*) FROM articles GROUP BY 1")
            .map_err(&e)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
            .map_err(&e)?;
        for row in rows {
            let (l, n) = row.map_err(&e)?;
            languages.insert(l, n as u64);
        }
        let (first, last): (Option<String>, Option<String>) = c
            .query_row(
                "SELECT min(published), max(published) FROM articles",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(&e)?;
        Ok(Info {
            schema_version: c
                .query_row("PRAGMA user_version", [], |r| r.get(0))
                .map_err(&e)?,
            articles: count("SELECT count(*) FROM articles")?,
            sources: count("SELECT count(*) FROM sources")?,
            analyses,
            languages,
            first_published: first,
            last_published: last,
        })
    }
}

impl SqliteStore {
    /// `PRAGMA integrity_check`: `Ok(())` when SQLite finds the file sound,
    /// else its report.
    pub fn integrity_check(&self) -> Result<Result<(), String>, StoreError> {
        let e = sql(&self.path);
        let mut stmt = self.conn.prepare("PRAGMA integrity_check").map_err(&e)?;
        let lines: Vec<String> = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(&e)?
            .collect::<Result<_, _>>()
            .map_err(&e)?;
        if lines == ["ok"] {
            Ok(Ok(()))
        } else {
            Ok(Err(lines.join("\n")))
        }
    }
}
