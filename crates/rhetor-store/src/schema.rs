//! The SQLite schema and its migrations.
//!
//! `PRAGMA application_id` marks a rhetor database (so rhetor never writes
//! into some other program's SQLite file); `PRAGMA user_version` is the
//! schema version. Migration *n* turns version *n − 1* into *n*, in one
//! transaction; a database newer than [`SCHEMA_VERSION`] is refused.
//!
//! Tables (version 1):
//!
//! | table | one row per | notes |
//! |---|---|---|
//! | `sources` | outlet name | `og:site_name`, the feed's title, or the URL's host |
//! | `articles` | distinct text | `content_hash` (SHA-256 of the analysed text) is unique |
//! | `analyses` | article × model version | genre and its scores, language, model name |
//! | `analysis_frames` | frame found | ordered by `pos` |
//! | `paragraph_techniques` | technique in a paragraph | `line` is the paragraph's line |
//! | `spans` | technique span | code-point `start`/`end` in the analysed text |
//!
//! The view `latest_analyses` keeps the newest analysis of each article
//! (highest `id`): what views and exports use.
//!
//! Version 2 adds what corpus queries (`stats`, `search`, `narratives`)
//! need, all kept in step by [`crate::Store::write_batch`]:
//!
//! | table | one row per | notes |
//! |---|---|---|
//! | `articles.paragraphs`, `articles.words` | (columns) | non-empty lines of the analysed text (title included) and their words: the denominators of rates |
//! | `articles.latest_analysis` | (column) | the newest analysis (what `latest_analyses` finds by a subquery, kept by `write_batch` so corpus queries need no grouping) |
//! | `text_fts` | non-empty line of an article | FTS5 over `folded`, the line with every character reduced to its base letter ([`crate::fold`]: SQLite's `unicode61 remove_diacritics 2` alone folds Latin accents but keeps the Greek tonos), then `unicode61 remove_diacritics 2` (case); `text` (the line as written), `article_id` and `line` unindexed |
//! | `article_minhash` | article | its MinHash signature over word shingles ([`crate::minhash`]), little-endian `u32`s |
//! | `narrative_members` | clustered article | the cluster (its smallest article id) and the similarity to the cluster's first article; written by `rhetor narratives` |
//! | `article_embeddings` | article embedded by `narratives --cross-lingual` | the encoder's paragraph embeddings: `u32` dimension, then the `f32`s, little-endian |
//! | `corpus_meta` | setting | e.g. the threshold the stored clusters were made with |
//!
//! A version 1 database is upgraded in place on the first writable open:
//! the SQL below, then the SQLite store's backfill (`sqlite/open.rs`) of the new columns,
//! the FTS rows and the signatures, in the same transaction.

/// `PRAGMA application_id` of rhetor databases ("RHTR").
pub const APPLICATION_ID: i32 = 0x5248_5452;

/// The schema version this rhetor writes.
pub const SCHEMA_VERSION: u32 = 2;

/// `MIGRATIONS[i]` brings a database from version `i` to `i + 1`.
pub const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE sources (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);
CREATE TABLE articles (
    id           INTEGER PRIMARY KEY,
    content_hash TEXT NOT NULL UNIQUE,
    ext_id       TEXT NOT NULL,
    url          TEXT,
    source_id    INTEGER REFERENCES sources(id),
    published    TEXT,
    language     TEXT,
    title        TEXT NOT NULL,
    body         TEXT NOT NULL,
    added_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX articles_by_source ON articles(source_id, published);
CREATE INDEX articles_by_published ON articles(published);
CREATE INDEX articles_by_language ON articles(language);
CREATE INDEX articles_by_url ON articles(url);
CREATE TABLE analyses (
    id           INTEGER PRIMARY KEY,
    article_id   INTEGER NOT NULL REFERENCES articles(id),
    model        TEXT NOT NULL,
    model_name   TEXT,
    language     TEXT,
    genre        TEXT,
    genre_scores TEXT,
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    UNIQUE (article_id, model)
);
CREATE INDEX analyses_by_genre ON analyses(genre);
CREATE TABLE analysis_frames (
    analysis_id INTEGER NOT NULL REFERENCES analyses(id),
    pos         INTEGER NOT NULL,
    frame       TEXT NOT NULL,
    score       REAL NOT NULL,
    PRIMARY KEY (analysis_id, pos)
) WITHOUT ROWID;
CREATE INDEX frames_by_frame ON analysis_frames(frame);
CREATE TABLE paragraph_techniques (
    analysis_id INTEGER NOT NULL REFERENCES analyses(id),
    line        INTEGER NOT NULL,
    pos         INTEGER NOT NULL,
    technique   TEXT NOT NULL,
    score       REAL NOT NULL,
    PRIMARY KEY (analysis_id, line, pos)
) WITHOUT ROWID;
CREATE INDEX techniques_by_technique ON paragraph_techniques(technique);
CREATE TABLE spans (
    analysis_id INTEGER NOT NULL REFERENCES analyses(id),
    pos         INTEGER NOT NULL,
    technique   TEXT NOT NULL,
    start       INTEGER NOT NULL,
    "end"       INTEGER NOT NULL,
    score       REAL NOT NULL,
    PRIMARY KEY (analysis_id, pos)
) WITHOUT ROWID;
CREATE INDEX spans_by_technique ON spans(technique);
CREATE VIEW latest_analyses AS
    SELECT * FROM analyses AS a
    WHERE a.id = (SELECT max(b.id) FROM analyses AS b WHERE b.article_id = a.article_id);
"#,
    r#"
ALTER TABLE articles ADD COLUMN paragraphs INTEGER NOT NULL DEFAULT 0;
ALTER TABLE articles ADD COLUMN words INTEGER NOT NULL DEFAULT 0;
ALTER TABLE articles ADD COLUMN latest_analysis INTEGER REFERENCES analyses(id);
UPDATE articles SET latest_analysis = (SELECT max(n.id) FROM analyses n WHERE n.article_id = articles.id);
-- Covers what stats and article lists read, so they never touch the
-- pages holding the article texts.
CREATE INDEX articles_corpus ON articles(latest_analysis, source_id, published, language, paragraphs, words);
CREATE INDEX analyses_by_article ON analyses(article_id, id);
CREATE INDEX articles_by_language_published ON articles(language, published);
CREATE VIRTUAL TABLE text_fts USING fts5(
    text UNINDEXED,
    folded,
    article_id UNINDEXED,
    line UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TABLE article_minhash (
    article_id INTEGER PRIMARY KEY REFERENCES articles(id),
    signature  BLOB NOT NULL
);
CREATE TABLE narrative_members (
    article_id INTEGER PRIMARY KEY REFERENCES articles(id),
    cluster    INTEGER NOT NULL,
    similarity REAL NOT NULL
);
CREATE INDEX narrative_members_by_cluster ON narrative_members(cluster);
CREATE TABLE article_embeddings (
    article_id INTEGER PRIMARY KEY REFERENCES articles(id),
    vector     BLOB NOT NULL
);
CREATE TABLE corpus_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"#,
];
