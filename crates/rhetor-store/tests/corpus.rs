//! Corpus queries (schema version 2) on real SQLite files.

use rhetor_core::{Frame, Genre, GenreScores, Scored, Technique};
use rhetor_extract::Article;
use rhetor_store::{
    Analysed, CorpusFilter, CorpusStore, GroupBy, LabelTask, SearchQuery, SqliteStore, Store,
};

fn item(id: &str, source: &str, published: &str, lang: &str, title: &str, body: &str) -> Analysed {
    let a = Article {
        id: id.into(),
        url: None,
        source: Some(source.into()),
        published: Some(published.into()),
        language: Some(lang.into()),
        title: title.into(),
        text: body.into(),
    };
    let mut d = a.to_document();
    d.language = Some(lang.into());
    d.genre = Some(GenreScores::certain(Genre::Reporting));
    d.frames = vec![Scored::new(Frame::Political, 0.9)];
    Analysed {
        hash: a.content_hash(),
        article: a,
        document: d,
    }
}

fn search(store: &SqliteStore, text: &str) -> Vec<(String, u32)> {
    store
        .search(&SearchQuery {
            text: text.into(),
            filter: CorpusFilter::default(),
            limit: 50,
            offset: 0,
        })
        .unwrap()
        .into_iter()
        .map(|h| (h.id, h.line))
        .collect()
}

#[test]
fn full_text_search_folds_case_and_accents_in_latin_greek_and_cyrillic() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open(&dir.path().join("c.db")).unwrap();
    let items = vec![
        item(
            "fr",
            "Le Matin",
            "2024-03-01",
            "fr",
            "Crise à l'Élysée",
            "Le président a été interrogé.\nUne deuxième phrase.",
        ),
        item(
            "el",
            "Η Ημέρα",
            "2024-03-02",
            "el",
            "Νέα από την Αθήνα",
            "Η ΚΥΒΕΡΝΗΣΗ ανακοίνωσε μέτρα για την οικονομία.",
        ),
        item(
            "ru",
            "Утро",
            "2024-03-03",
            "ru",
            "Новости дня",
            "Правительство объявило о новых мерах. Ёлка стоит.",
        ),
    ];
    store.write_batch("m", &items).unwrap();
    // Accents folded both ways: "elysee" finds "Élysée" (line 1, the title),
    // "été" and "ete" both find line 3.
    assert_eq!(search(&store, "elysee"), vec![("fr".to_string(), 1)]);
    assert_eq!(search(&store, "ete"), vec![("fr".to_string(), 3)]);
    assert_eq!(search(&store, "ÉTÉ"), vec![("fr".to_string(), 3)]);
    // Greek: tonos dropped (Αθήνα ~ αθηνα) and case folded (ΚΥΒΕΡΝΗΣΗ).
    assert_eq!(search(&store, "αθηνα"), vec![("el".to_string(), 1)]);
    assert_eq!(search(&store, "κυβερνηση"), vec![("el".to_string(), 3)]);
    assert_eq!(search(&store, "οικονομια"), vec![("el".to_string(), 3)]);
    // Cyrillic: case folded; ё folds to е (its diaeresis is a diacritic).
    assert_eq!(search(&store, "ПРАВИТЕЛЬСТВО"), vec![("ru".to_string(), 3)]);
    assert_eq!(search(&store, "елка"), vec![("ru".to_string(), 3)]);
    assert!(search(&store, "absent").is_empty());
    // The snippet marks the match.
    let hits = store
        .search(&SearchQuery {
            text: "elysee".into(),
            filter: CorpusFilter::default(),
            limit: 5,
            offset: 0,
        })
        .unwrap();
    assert_eq!(hits[0].snippet, "Crise à l'[[Élysée]]");
    assert_eq!(hits[0].source.as_deref(), Some("Le Matin"));
}

#[test]
fn totals_and_label_counts_by_group() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open(&dir.path().join("c.db")).unwrap();
    let mut a = item(
        "a",
        "A",
        "2024-01-15",
        "en",
        "T a",
        "one two three\nfour five",
    );
    a.document.paragraphs[1].techniques = vec![Scored::new(Technique::Doubt, 0.9)];
    a.document.paragraphs[2].techniques = vec![
        Scored::new(Technique::Doubt, 0.9),
        Scored::new(Technique::Repetition, 0.8),
    ];
    let b = item("b", "B", "2024-02-01", "en", "T b", "six seven");
    store.write_batch("m", &[a, b]).unwrap();
    let totals = store
        .group_totals(&[GroupBy::Source, GroupBy::Month], &CorpusFilter::default())
        .unwrap();
    // a: title "T a" (2 words) + 2 paragraphs (3 + 2 words) = 3 lines, 7 words.
    assert_eq!(totals.len(), 2);
    assert_eq!(
        totals[0].key,
        vec![Some("A".into()), Some("2024-01".into())]
    );
    assert_eq!(
        (totals[0].articles, totals[0].paragraphs, totals[0].words),
        (1, 3, 7)
    );
    assert_eq!((totals[1].paragraphs, totals[1].words), (2, 4));
    let counts = store
        .label_counts(
            &[GroupBy::Source],
            LabelTask::Techniques,
            &CorpusFilter::default(),
        )
        .unwrap();
    let doubt = counts.iter().find(|c| c.label == "Doubt").unwrap();
    assert_eq!((doubt.key[0].as_deref(), doubt.count), (Some("A"), 2));
    let week = store
        .group_totals(&[GroupBy::Week], &CorpusFilter::default())
        .unwrap();
    // 2024-01-15 is a Monday of ISO week 3; 2024-02-01 a Thursday of week 5.
    assert_eq!(week[0].key, vec![Some("2024-W03".into())]);
    assert_eq!(week[1].key, vec![Some("2024-W05".into())]);
    // Filters: a source, and dates (until includes its whole month).
    let f = CorpusFilter {
        until: Some("2024-01".into()),
        ..Default::default()
    };
    assert_eq!(store.group_totals(&[], &f).unwrap()[0].articles, 1);
    let f = CorpusFilter {
        sources: vec!["Nobody".into()],
        ..Default::default()
    };
    assert!(store.group_totals(&[], &f).unwrap().is_empty());
}

#[test]
fn a_version_1_database_is_upgraded_in_place_with_its_articles_indexed() {
    use rhetor_store::schema::{APPLICATION_ID, MIGRATIONS};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1.db");
    {
        // A database as rhetor 0.1 (schema 1) left it: one article, analysed.
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(MIGRATIONS[0]).unwrap();
        conn.execute_batch(
            "INSERT INTO sources(name) VALUES ('Old Outlet');
             INSERT INTO articles(content_hash, ext_id, source_id, published, language, title, body)
               VALUES ('h1', 'old1', 1, '2023-05-02', 'fr', 'Vieux titre', 'Le député a été élu.\nDeux mots.');
             INSERT INTO analyses(article_id, model, genre) VALUES (1, 'fast-0.1.0', 'reporting');
             INSERT INTO paragraph_techniques VALUES (1, 3, 0, 'Doubt', 0.8);",
        )
        .unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        conn.pragma_update(None, "application_id", APPLICATION_ID)
            .unwrap();
    }
    // Read-only opening cannot upgrade: a clear message, not a failure later.
    let err = SqliteStore::open_read_only(&path)
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("schema version 1") && err.contains("upgrade"),
        "{err}"
    );
    let store = SqliteStore::open_existing(&path).unwrap();
    assert_eq!(store.info().unwrap().schema_version, 2);
    assert_eq!(search(&store, "depute"), vec![("old1".to_string(), 3)]);
    let totals = store.group_totals(&[], &CorpusFilter::default()).unwrap();
    // Lines: title (2 words), 3 (5 words), 4 (2 words).
    assert_eq!((totals[0].paragraphs, totals[0].words), (3, 9));
    assert_eq!(store.signatures(true).unwrap().len(), 1);
    let hits = store
        .search(&SearchQuery {
            text: "elu".into(),
            filter: CorpusFilter {
                techniques: vec![Technique::Doubt],
                ..Default::default()
            },
            limit: 5,
            offset: 0,
        })
        .unwrap();
    assert_eq!(hits[0].techniques, vec!["Doubt".to_string()]);
    assert_eq!(hits[0].snippet, "Le député a été [[élu]].");
    // A missing file is not created by open_existing.
    let missing = dir.path().join("none.db");
    assert!(SqliteStore::open_existing(&missing).is_err());
    assert!(!missing.exists());
}

#[test]
fn corpus_queries_read_the_newest_analysis_only() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open(&dir.path().join("c.db")).unwrap();
    let mut old = item("a", "A", "2024-01-15", "en", "T a", "one two three");
    old.document.paragraphs[1].techniques = vec![Scored::new(Technique::Doubt, 0.9)];
    store.write_batch("model-1", &[old.clone()]).unwrap();
    let count = |s: &SqliteStore| {
        s.label_counts(&[], LabelTask::Techniques, &CorpusFilter::default())
            .unwrap()
            .iter()
            .map(|c| c.count)
            .sum::<u64>()
    };
    assert_eq!(count(&store), 1);
    // A newer model finds nothing in the same article: it wins.
    let mut new = old.clone();
    new.document.paragraphs[1].techniques.clear();
    store.write_batch("model-2", &[new]).unwrap();
    assert_eq!(count(&store), 0);
    assert_eq!(
        store.group_totals(&[], &CorpusFilter::default()).unwrap()[0].articles,
        1
    );
}

/// Label counts over a large selection (counted in one pass over the label
/// table) equal those over its parts (small selections, counted by SQL).
#[test]
fn label_counts_agree_between_the_scan_and_the_join() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open(&dir.path().join("big.db")).unwrap();
    let techniques = [
        Technique::Doubt,
        Technique::Repetition,
        Technique::LoadedLanguage,
    ];
    let items: Vec<Analysed> = (0..6000)
        .map(|i| {
            let mut it = item(
                &format!("a{i}"),
                &format!("S{}", i % 3),
                &format!("2024-0{}-01", 1 + i % 4),
                "en",
                &format!("T{i}"),
                "one two\nthree four",
            );
            // Distinct texts, labels varying with i.
            it.article.text = format!("one {i}\nthree four");
            it.document = it.article.to_document();
            it.hash = it.article.content_hash();
            it.document.paragraphs[1].techniques = vec![Scored::new(techniques[i % 3], 0.5)];
            if i % 7 == 0 {
                it.document.paragraphs[2].techniques =
                    vec![Scored::new(techniques[(i / 7) % 3], 0.5)];
            }
            it
        })
        .collect();
    store.write_batch("m", &items).unwrap();
    let by = [GroupBy::Source, GroupBy::Month];
    let all = store
        .label_counts(&by, LabelTask::Techniques, &CorpusFilter::default())
        .unwrap();
    let mut parts = Vec::new();
    for s in ["S0", "S1", "S2"] {
        let f = CorpusFilter {
            sources: vec![s.into()],
            ..Default::default()
        };
        parts.extend(store.label_counts(&by, LabelTask::Techniques, &f).unwrap());
    }
    parts.sort_by(|a, b| a.key.cmp(&b.key).then(a.label.cmp(&b.label)));
    assert_eq!(all, parts);
    // 6,000 + 858 (every 7th article has a second labelled paragraph).
    assert_eq!(all.iter().map(|c| c.count).sum::<u64>(), 6858);
}

#[test]
fn a_batch_writes_every_line_and_signature_in_article_order() {
    // write_batch writes a batch's full-text rows and signatures after its
    // analyses (one FTS5 segment per batch, not one per article): the
    // rows must still be every non-empty line of every new article, in
    // article then line order, and each signature that of its body.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("b.db");
    let mut store = SqliteStore::open(&path).unwrap();
    let bodies = [
        "First body line.\nSecond «line» here.\nThird.",
        "Ένα κείμενο.\nΔεύτερη γραμμή.",
        "Один абзац.",
        "Un paragraphe.\nDeux.\nTrois.\nQuatre.",
    ];
    let mut items: Vec<Analysed> = bodies
        .iter()
        .enumerate()
        .map(|(i, b)| {
            item(
                &format!("a{i}"),
                "S",
                "2024-05-01",
                "en",
                &format!("T{i}"),
                b,
            )
        })
        .collect();
    // A repeat in the same batch is one article.
    items.push(item("again", "S", "2024-05-01", "en", "T0", bodies[0]));
    for it in &mut items {
        it.document.paragraphs[1].techniques = vec![Scored::new(Technique::Doubt, 0.5)];
    }
    store.write_batch("m", &items).unwrap();
    drop(store);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let rows: Vec<(i64, i64, String)> = conn
        .prepare("SELECT article_id, line, text FROM text_fts ORDER BY rowid")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut expected = Vec::new();
    for (i, it) in items.iter().take(bodies.len()).enumerate() {
        for p in &it.document.paragraphs {
            expected.push((i as i64 + 1, p.line as i64, p.text.clone()));
        }
    }
    assert_eq!(rows, expected);
    let signatures: Vec<(i64, Vec<u8>)> = conn
        .prepare("SELECT article_id, signature FROM article_minhash ORDER BY article_id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let expected: Vec<(i64, Vec<u8>)> = bodies
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let sig = rhetor_store::minhash::signature(b);
            (i as i64 + 1, rhetor_store::minhash::to_bytes(&sig))
        })
        .collect();
    assert_eq!(signatures, expected);
    let deux = items[3]
        .document
        .paragraphs
        .iter()
        .find(|p| p.text == "Deux.")
        .unwrap()
        .line;
    assert_eq!(
        search(&SqliteStore::open(&path).unwrap(), "deux"),
        [("a3".to_string(), deux as u32)]
    );
}
