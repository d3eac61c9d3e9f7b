//! Opening a rhetor database: the file's header checked before SQLite
//! sees it, the application id and schema version checked, older schemas
//! migrated in place (with the version 1 → 2 backfill), and SQLite's own
//! integrity check.

use super::{paragraphs_and_words, sql, CorpusRows, SqliteStore};
use crate::schema::{APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION};
use crate::StoreError;
use rhetor_core::Document;
use rusqlite::{params, Connection, OpenFlags};
use std::io::Read;
use std::path::Path;

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
