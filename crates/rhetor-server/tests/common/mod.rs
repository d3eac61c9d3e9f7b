//! Detectors for the server tests.
//!
//! The server is tested with a small deterministic detector of the same
//! output shape as the real models (genre, frames, paragraph techniques,
//! spans), so its assertions do not move when a model is retrained; the CLI
//! tests cover the trained models. [`test_detector`] is the one place to
//! change to run these tests against a real model.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

pub mod browser;
pub mod http;

use rhetor_core::{
    DetectError, Detector, Document, Frame, Genre, GenreScores, OffsetMap, Scored, Task, Technique,
};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// The detector every server test runs with. Switching to the trained fast
/// model is this one line, e.g. (with `rhetor-model` as a dev-dependency)
/// `Arc::new(rhetor_model::FastModel::load(path).expect("fast model"))`;
/// the assertions that name Doubt or quoted words would then need to follow
/// what that model predicts.
pub fn test_detector() -> Arc<dyn Detector> {
    Arc::new(QuoteDetector)
}

/// Marks every quoted passage ("…", “…”, «…») as Loaded_Language and every
/// question as Doubt (so the two overlap when a question quotes a word);
/// always says opinion, Political and Economic.
pub struct QuoteDetector;

impl Detector for QuoteDetector {
    fn name(&self) -> &str {
        "test"
    }

    fn annotate(&self, doc: &mut Document, _tasks: &[Task]) -> Result<(), DetectError> {
        doc.model = Some(self.name().to_string());
        let mut scores = BTreeMap::new();
        scores.insert(Genre::Opinion, 0.8);
        scores.insert(Genre::Reporting, 0.15);
        scores.insert(Genre::Satire, 0.05);
        doc.genre = Some(GenreScores {
            label: Genre::Opinion,
            scores,
        });
        doc.frames = vec![
            Scored::new(Frame::Political, 0.7),
            Scored::new(Frame::Economic, 0.35),
        ];
        let mut found: Vec<(Technique, usize, usize, f32)> = Vec::new();
        for p in &doc.paragraphs {
            let chars: Vec<char> = p.text.chars().collect();
            // Quoted passages: the words between the quote marks.
            let mut open: Option<usize> = None;
            for (i, &c) in chars.iter().enumerate() {
                match (c, open) {
                    ('"', None) | ('“', None) | ('«', None) => open = Some(i + 1),
                    ('"', Some(s)) | ('”', Some(s)) | ('»', Some(s)) => {
                        if i > s {
                            found.push((Technique::LoadedLanguage, p.start + s, p.start + i, 0.9));
                        }
                        open = None;
                    }
                    _ => {}
                }
            }
            // Questions: from the sentence start to the question mark.
            let mut start = 0;
            for (i, &c) in chars.iter().enumerate() {
                if matches!(c, '.' | '!' | '?') {
                    if c == '?' {
                        let s = (start..i).find(|&k| !chars[k].is_whitespace()).unwrap_or(i);
                        found.push((Technique::Doubt, p.start + s, p.start + i + 1, 0.6));
                    }
                    start = i + 1;
                }
            }
        }
        let map = OffsetMap::new(&doc.text);
        for (t, s, e, score) in found {
            doc.add_span(&map, t, s, e, score);
        }
        for i in 0..doc.paragraphs.len() {
            let (ps, pe) = (doc.paragraphs[i].start, doc.paragraphs[i].end());
            let mut techniques: Vec<Technique> = doc
                .spans
                .iter()
                .filter(|s| s.start < pe && s.end > ps)
                .map(|s| s.technique)
                .collect();
            techniques.sort();
            techniques.dedup();
            doc.paragraphs[i].techniques = techniques
                .into_iter()
                .map(|t| Scored::new(t, 0.8))
                .collect();
        }
        Ok(())
    }
}

/// Takes `delay` per article: for the time-limit test.
pub struct SlowDetector(pub Duration);

impl Detector for SlowDetector {
    fn name(&self) -> &str {
        "slow"
    }

    fn annotate(&self, _doc: &mut Document, _tasks: &[Task]) -> Result<(), DetectError> {
        std::thread::sleep(self.0);
        Ok(())
    }
}

/// Panics on articles containing "boom": a model bug must cost one request,
/// not the server.
pub struct PanickyDetector;

impl Detector for PanickyDetector {
    fn name(&self) -> &str {
        "panicky"
    }

    fn annotate(&self, doc: &mut Document, _tasks: &[Task]) -> Result<(), DetectError> {
        if doc.text.contains("boom") {
            panic!("detector bug triggered on purpose");
        }
        Ok(())
    }
}

/// Fails (through the error channel, not a panic) on articles containing
/// "fail".
pub struct FailingDetector;

impl Detector for FailingDetector {
    fn name(&self) -> &str {
        "failing"
    }

    fn annotate(&self, doc: &mut Document, _tasks: &[Task]) -> Result<(), DetectError> {
        if doc.text.contains("fail") {
            return Err(DetectError::new(self, doc, "refused on purpose"));
        }
        Ok(())
    }
}

/// The example article shipped with the repository.
pub fn harbour() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/harbour.txt");
    std::fs::read_to_string(path).expect("examples/harbour.txt")
}

/// A corpus written for the dashboard tests, stored with planted labels:
/// three outlets × 24 articles over January–March 2024; "Le Planté" shows
/// Appeal_to_Fear-Prejudice in most paragraphs, the others rarely; one
/// story ("Ferry pier to close") republished by all three outlets with
/// edits. Narratives are computed. Returns the database path.
pub fn corpus_db(dir: &std::path::Path) -> std::path::PathBuf {
    use rhetor_store::{Analysed, CorpusStore, SqliteStore, Store};
    let path = dir.join("corpus.db");
    let mut store = SqliteStore::open(&path).expect("new database");
    let words = [
        "council", "harbour", "budget", "school", "road", "vote", "mayor", "plan", "water",
        "energy", "price", "market", "report", "police", "court", "health", "train", "river",
    ];
    let mut seed = 5u64;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as usize
    };
    let mut items = Vec::new();
    let push = |id: String,
                source: &str,
                date: String,
                body: String,
                fear: Vec<bool>,
                items: &mut Vec<Analysed>| {
        let a = rhetor_extract::Article {
            id: id.clone(),
            url: Some(format!("https://example.org/{id}")),
            source: Some(source.into()),
            published: Some(date),
            language: Some("en".into()),
            title: format!("Story {id}"),
            text: body,
        };
        let mut d = a.to_document();
        d.language = Some("en".into());
        d.model = Some("planted".into());
        d.genre = Some(GenreScores::certain(Genre::Reporting));
        d.frames = vec![Scored::new(Frame::Political, 0.8)];
        for (p, f) in d.paragraphs.iter_mut().skip(1).zip(fear) {
            if f {
                p.techniques
                    .push(Scored::new(Technique::AppealToFearPrejudice, 0.8));
            } else {
                p.techniques
                    .push(Scored::new(Technique::LoadedLanguage, 0.6));
            }
        }
        items.push(Analysed {
            hash: a.content_hash(),
            article: a,
            document: d,
        });
    };
    for (o, outlet) in ["Le Planté", "Daily Courier", "Evening Star"]
        .iter()
        .enumerate()
    {
        for i in 0..24 {
            let body: Vec<String> = (0..4)
                .map(|_| {
                    (0..18)
                        .map(|_| words[next() % words.len()])
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect();
            let fear: Vec<bool> = (0..4)
                .map(|_| next() % 10 < if o == 0 { 7 } else { 1 })
                .collect();
            let date = format!("2024-{:02}-{:02}", 1 + i % 3, 1 + i % 28);
            push(
                format!("{o}-{i}"),
                outlet,
                date,
                body.join("\n"),
                fear,
                &mut items,
            );
        }
    }
    let story = [
        "The regional council voted on Tuesday to close the old ferry pier after engineers found deep cracks in two of its concrete supports.",
        "Residents of the island, who rely on the ferry for work and school, said they had not been consulted and called the decision reckless.",
        "The council promised a temporary landing stage within six weeks and free buses to the mainland bridge until it opens.",
    ];
    for (n, outlet) in ["Daily Courier", "Le Planté", "Evening Star"]
        .iter()
        .enumerate()
    {
        let mut body: Vec<String> = story.iter().map(|s| s.to_string()).collect();
        if n == 1 {
            body[1] = body[1].replace("reckless", "\"reckless\"");
            body.push("Once again the island pays for the mistakes of distant bureaucrats.".into());
        }
        push(
            format!("pier-{n}"),
            outlet,
            format!("2024-03-{:02}", 10 + n),
            body.join("\n"),
            vec![n == 1; 4],
            &mut items,
        );
    }
    store
        .write_batch("planted", &items)
        .expect("store the corpus");
    rhetor_corpus::narratives::update(&mut store, 0.5, false).expect("narratives");
    let _ = store.list_articles(&Default::default(), 1, 0);
    path
}
