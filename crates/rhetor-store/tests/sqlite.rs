//! The SQLite store on real files in a temporary folder.

use rhetor_core::{Document, Frame, Genre, GenreScores, OffsetMap, Scored, Technique};
use rhetor_extract::Article;
use rhetor_store::{Analysed, Filter, SqliteStore, Store, StoreError};
use std::path::Path;

fn article(id: &str, source: &str, published: &str, body: &str) -> Article {
    Article {
        id: id.into(),
        url: Some(format!("https://{source}.example/{id}")),
        source: Some(source.into()),
        published: Some(published.into()),
        language: Some("en".into()),
        title: format!("Title {id}"),
        text: body.into(),
    }
}

/// An analysed document with every kind of annotation, scores that are
/// not round in binary (f32 must come back bit for bit).
fn analysed(a: Article, model: &str) -> Analysed {
    let mut d = a.to_document();
    d.language = Some("en".into());
    d.model = Some(model.into());
    d.genre = Some(GenreScores {
        label: Genre::Opinion,
        scores: [
            (Genre::Opinion, 0.7f32),
            (Genre::Reporting, 0.2),
            (Genre::Satire, 0.1),
        ]
        .into_iter()
        .collect(),
    });
    d.frames = vec![
        Scored::new(Frame::Political, 0.61),
        Scored::new(Frame::Economic, 1.0 / 3.0),
    ];
    d.paragraphs[1].techniques = vec![
        Scored::new(Technique::LoadedLanguage, 0.9),
        Scored::new(Technique::Doubt, 0.123_456_79),
    ];
    let map = OffsetMap::new(&d.text);
    let start = d.paragraphs[1].start;
    d.add_span(&map, Technique::LoadedLanguage, start, start + 4, 0.55)
        .unwrap();
    Analysed {
        hash: a.content_hash(),
        article: a,
        document: d,
    }
}

fn all(store: &SqliteStore, filter: &Filter) -> Vec<rhetor_store::StoredArticle> {
    let mut out = Vec::new();
    store
        .for_each_article(filter, &mut |a| {
            out.push(a);
            Ok(())
        })
        .unwrap();
    out
}

#[test]
fn stores_reads_back_bit_for_bit_and_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("r.db");
    let items = vec![
        analysed(
            article(
                "a",
                "north",
                "2024-01-05T10:00:00Z",
                "Élan «grand» day.\nSecond line.",
            ),
            "fast",
        ),
        analysed(
            article("b", "south", "2024-02-01", "Another text here."),
            "fast",
        ),
    ];
    {
        let mut s = SqliteStore::open(&db).unwrap();
        let c = s.write_batch("fast-1", &items).unwrap();
        assert_eq!((c.new_articles, c.new_analyses), (2, 2));
        // The same batch again changes nothing.
        let c = s.write_batch("fast-1", &items).unwrap();
        assert_eq!((c.new_articles, c.new_analyses), (0, 0));
    }
    // Reopened from the file: same documents, field for field.
    let s = SqliteStore::open_read_only(&db).unwrap();
    let back = all(&s, &Filter::default());
    assert_eq!(back.len(), 2);
    for (got, want) in back.iter().zip(&items) {
        assert_eq!(got.article, want.article);
        let doc: &Document = got.document.as_ref().unwrap();
        assert_eq!(doc, &want.document);
        assert_eq!(
            serde_json::to_string(doc).unwrap(),
            serde_json::to_string(&want.document).unwrap()
        );
    }
    let hashes: Vec<&str> = items.iter().map(|i| i.hash.as_str()).collect();
    assert_eq!(s.analysed(&hashes, "fast-1").unwrap().len(), 2);
    assert!(s.analysed(&hashes, "fast-2").unwrap().is_empty());
    let info = s.info().unwrap();
    assert_eq!(info.schema_version, rhetor_store::schema::SCHEMA_VERSION);
    assert_eq!((info.articles, info.sources), (2, 2));
    assert_eq!(info.analyses.get("fast-1"), Some(&2));
    assert_eq!(info.languages.get("en"), Some(&2));
    assert_eq!(
        info.first_published.as_deref(),
        Some("2024-01-05T10:00:00Z")
    );
    assert_eq!(info.last_published.as_deref(), Some("2024-02-01"));
}

#[test]
fn a_newer_model_adds_a_second_analysis_and_wins() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("r.db");
    let mut s = SqliteStore::open(&db).unwrap();
    let a = article("a", "north", "2024-01-05", "Some body text.");
    s.write_batch("fast-1", &[analysed(a.clone(), "fast")])
        .unwrap();
    let mut newer = analysed(a, "fast");
    newer.document.frames = vec![Scored::new(Frame::Morality, 0.5)];
    let c = s.write_batch("fast-2", &[newer.clone()]).unwrap();
    assert_eq!((c.new_articles, c.new_analyses), (0, 1));
    let info = s.info().unwrap();
    assert_eq!(info.articles, 1);
    assert_eq!(info.analyses.values().sum::<u64>(), 2);
    let back = all(&s, &Filter::default());
    assert_eq!(back.len(), 1);
    assert_eq!(back[0].model_version.as_deref(), Some("fast-2"));
    assert_eq!(
        back[0].document.as_ref().unwrap().frames,
        newer.document.frames
    );
}

#[test]
fn filters_by_source_and_dates() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = SqliteStore::open(&dir.path().join("r.db")).unwrap();
    let items: Vec<_> = [
        ("a", "north", "2023-12-31T23:00:00Z"),
        ("b", "north", "2024-01-15"),
        ("c", "south", "2024-01-20T08:00:00+01:00"),
        ("d", "north", "2024-02-01T00:00:00Z"),
    ]
    .into_iter()
    .map(|(id, src, date)| analysed(article(id, src, date, &format!("Body of {id}.")), "fast"))
    .collect();
    s.write_batch("m", &items).unwrap();
    let ids = |f: Filter| {
        all(&s, &f)
            .into_iter()
            .map(|a| a.article.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        ids(Filter {
            source: Some("north".into()),
            ..Default::default()
        }),
        ["a", "b", "d"]
    );
    assert_eq!(
        ids(Filter {
            since: Some("2024-01-01".into()),
            ..Default::default()
        }),
        ["b", "c", "d"]
    );
    // --until is inclusive of the whole day named.
    assert_eq!(
        ids(Filter {
            until: Some("2024-01-20".into()),
            ..Default::default()
        }),
        ["a", "b", "c"]
    );
    assert_eq!(
        ids(Filter {
            source: Some("north".into()),
            since: Some("2024-01-01".into()),
            until: Some("2024-01-31".into())
        }),
        ["b"]
    );
}

fn assert_untouched(path: &Path, before: &[u8]) {
    assert_eq!(
        std::fs::read(path).unwrap(),
        before,
        "the file must not be changed"
    );
}

#[test]
fn refuses_what_is_not_a_rhetor_database_and_never_overwrites_it() {
    let dir = tempfile::tempdir().unwrap();
    // A text file.
    let text = dir.path().join("notes.db");
    std::fs::write(&text, "my precious notes\n").unwrap();
    let err = SqliteStore::open(&text).err().unwrap();
    assert!(matches!(err, StoreError::NotRhetor { .. }), "{err}");
    assert!(
        err.to_string().contains("notes.db") && err.to_string().contains("SQLite header"),
        "{err}"
    );
    assert_untouched(&text, b"my precious notes\n");

    // A damaged rhetor database: header kept, the rest scrambled.
    let db = dir.path().join("damaged.db");
    {
        let mut s = SqliteStore::open(&db).unwrap();
        s.write_batch(
            "m",
            &[analysed(article("a", "n", "2024-01-01", "Body."), "fast")],
        )
        .unwrap();
    }
    let _ = std::fs::remove_file(dir.path().join("damaged.db-wal"));
    let mut bytes = std::fs::read(&db).unwrap();
    for b in bytes.iter_mut().skip(100) {
        *b = 0xA5;
    }
    std::fs::write(&db, &bytes).unwrap();
    let err = SqliteStore::open(&db)
        .err()
        .expect("a damaged file is refused");
    let msg = err.to_string();
    assert!(msg.contains("damaged.db"), "{msg}");
    assert_untouched(&db, &bytes);

    // Another program's SQLite database.
    let other = dir.path().join("other.db");
    foreign_sqlite_file(&other);
    let before = std::fs::read(&other).unwrap();
    let err = SqliteStore::open(&other).err().unwrap();
    assert!(err.to_string().contains("another program"), "{err}");
    assert_untouched(&other, &before);

    // Reading a database that is not there does not create it.
    let missing = dir.path().join("missing.db");
    let err = SqliteStore::open_read_only(&missing).err().unwrap();
    assert!(matches!(err, StoreError::Missing { .. }), "{err}");
    assert!(!missing.exists());
}

/// Writes a SQLite file of "another program": a rhetor database whose
/// application id is then changed.
fn foreign_sqlite_file(path: &Path) {
    let tmp = path.with_extension("tmp");
    drop(SqliteStore::open(&tmp).unwrap());
    let mut bytes = std::fs::read(&tmp).unwrap();
    // application_id lives at byte offset 68 of the header (big-endian).
    bytes[68..72].copy_from_slice(&0x1234_5678u32.to_be_bytes());
    std::fs::write(path, bytes).unwrap();
    let _ = std::fs::remove_file(&tmp);
    let _ = std::fs::remove_file(tmp.with_extension("tmp-wal"));
    let _ = std::fs::remove_file(tmp.with_extension("tmp-shm"));
}

#[test]
fn newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("r.db");
    drop(SqliteStore::open(&db).unwrap());
    let mut bytes = std::fs::read(&db).unwrap();
    // user_version lives at byte offset 60 of the header (big-endian).
    bytes[60..64].copy_from_slice(&99u32.to_be_bytes());
    let _ = std::fs::remove_file(dir.path().join("r.db-wal"));
    std::fs::write(&db, &bytes).unwrap();
    let err = SqliteStore::open(&db).err().unwrap();
    assert!(
        err.to_string().contains("schema version 99 is newer"),
        "{err}"
    );
}

/// Places no database can be written (checked without permission bits,
/// which root ignores): a folder, and a path under a regular file.
#[test]
fn unwritable_places_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let err = SqliteStore::open(dir.path())
        .err()
        .expect("a folder is refused");
    assert!(
        err.to_string().contains(&dir.path().display().to_string()),
        "{err}"
    );
    let file = dir.path().join("plain.txt");
    std::fs::write(&file, "x").unwrap();
    let err = SqliteStore::open(&file.join("r.db"))
        .err()
        .expect("a path under a file is refused");
    assert!(err.to_string().contains("plain.txt/r.db"), "{err}");
    assert_eq!(std::fs::read(&file).unwrap(), b"x");
}
