//! Detectors for the server tests.
//!
//! The server is tested with a small deterministic detector of the same
//! output shape as the real models (genre, frames, paragraph techniques,
//! spans), so its assertions do not move when a model is retrained; the CLI
//! tests cover the trained models. [`test_detector`] is the one place to
//! change to run these tests against a real model.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

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
