//! End-to-end tests of the fast model on a small fixture written here.

use rhetor_core::{
    Detector, Document, Frame, Genre, GenreScores, OffsetMap, Scored, Task, Technique,
};
use rhetor_formats::corpus::{Gold, LabeledDocument};
use rhetor_model::train::{train, Silent, TrainOptions};
use rhetor_model::FeatureConfig;
use rhetor_model::{FastModel, FORMAT_VERSION};

const NEUTRAL: &[&str] = &[
    "The committee met on Tuesday to discuss the budget for next year.",
    "The officials said the road would reopen after the repairs were finished.",
    "The report lists the number of visitors to the museum in spring.",
    "The spokesperson confirmed that the meeting had been moved to Friday.",
    "The council published the minutes of its session on its website.",
];

/// Articles where "disgraceful" always carries Loaded_Language (with a span),
/// "economy" articles carry the Economic frame, and "satire" ones are satire.
fn fixture() -> Vec<LabeledDocument> {
    let mut docs = Vec::new();
    for i in 0..48 {
        let loaded = i % 2 == 0;
        let economic = i % 3 == 0;
        let satire = i % 4 == 1;
        let mut body = Vec::new();
        for j in 0..4 {
            body.push(NEUTRAL[(i + j) % NEUTRAL.len()].to_string());
        }
        if loaded {
            // The same neutral sentences, with one word added: only that
            // word tells the two classes apart.
            body[1] = body[1].replacen("The ", "The disgraceful ", 1);
        }
        if economic {
            body.push(
                "The economy and prices and wages and the markets dominate the talks.".into(),
            );
        }
        if satire {
            body.push(
                "In a stunning twist, the pigeons have unionised and demand pensions.".into(),
            );
        }
        let mut doc =
            Document::from_title_and_body(format!("{i}"), &format!("Story {i}"), &body.join("\n"));
        doc.language = Some("en".into());
        let map = OffsetMap::new(&doc.text);
        if loaded {
            let p = doc.paragraph_at_line(4).unwrap().clone();
            let at = p.text.find("disgraceful").unwrap();
            let s = p.start + p.text[..at].chars().count();
            doc.paragraph_at_line_mut(4).unwrap().techniques =
                vec![Scored::new(Technique::LoadedLanguage, 1.0)];
            doc.add_span(
                &map,
                Technique::LoadedLanguage,
                s,
                s + "disgraceful".len(),
                1.0,
            );
        }
        doc.frames = if economic {
            vec![Scored::new(Frame::Economic, 1.0)]
        } else {
            vec![Scored::new(Frame::Political, 1.0)]
        };
        doc.genre = Some(GenreScores::certain(if satire {
            Genre::Satire
        } else {
            Genre::Reporting
        }));
        let gold = Gold {
            genre: true,
            frames: true,
            techniques: true,
            spans: true,
        };
        docs.push(LabeledDocument {
            doc,
            folder: if i % 2 == 0 { "en".into() } else { "xx".into() },
            gold,
        });
    }
    docs
}

fn small_options() -> TrainOptions {
    let small = FeatureConfig {
        bits: 16,
        ..FeatureConfig::default()
    };
    TrainOptions {
        inner_folds: 3,
        paragraph_features: small.clone(),
        article_features: small.clone(),
        genre_features: small,
        span_bits: 14,
        ..TrainOptions::default()
    }
}

fn article(body: &str) -> Document {
    let mut d = Document::from_title_and_body("new", "A new story", body);
    d.language = Some("en".into());
    d
}

#[test]
fn training_learns_the_planted_signals() {
    let model = train(&fixture(), &small_options(), &Silent);
    let mut d = article(
        "The committee met on Tuesday to discuss the budget.\nThe disgraceful report lists the number of visitors.\nThe economy and prices and wages and the markets dominate.",
    );
    model.annotate(&mut d, &Task::ALL).unwrap();
    let labels = |line: usize| -> Vec<Technique> {
        d.paragraph_at_line(line)
            .unwrap()
            .techniques
            .iter()
            .map(|t| t.label)
            .collect()
    };
    assert!(
        labels(4).contains(&Technique::LoadedLanguage),
        "{:?}",
        d.paragraphs
    );
    assert!(
        !labels(3).contains(&Technique::LoadedLanguage),
        "{:?}",
        d.paragraphs
    );
    let span = d
        .spans
        .iter()
        .find(|s| s.technique == Technique::LoadedLanguage)
        .expect("a span");
    assert!(span.text.contains("disgraceful"), "span {:?}", span.text);
    assert!(
        d.frames.iter().any(|f| f.label == Frame::Economic),
        "{:?}",
        d.frames
    );
    let genre = d.genre.as_ref().unwrap();
    assert_eq!(genre.label, Genre::Reporting);
    let total: f32 = genre.scores.values().sum();
    assert!((total - 1.0).abs() < 1e-4, "genre probabilities sum to 1");
    for p in &d.paragraphs {
        for t in &p.techniques {
            assert!((0.0..=1.0).contains(&t.score));
        }
    }
    assert_eq!(d.model.as_deref(), Some("fast"));
}

#[test]
fn training_is_deterministic_and_save_load_keeps_predictions() {
    let docs = fixture();
    let a = train(&docs, &small_options(), &Silent);
    let b = train(&docs, &small_options(), &Silent);
    let dir = tempfile::tempdir().unwrap();
    let (pa, pb) = (dir.path().join("a.bin"), dir.path().join("b.bin"));
    a.save(&pa).unwrap();
    b.save(&pb).unwrap();
    assert_eq!(
        std::fs::read(&pa).unwrap(),
        std::fs::read(&pb).unwrap(),
        "same seed, same bytes"
    );
    let loaded = FastModel::load(&pa).unwrap();
    // Saving again after loading gives the same file: nothing is lost.
    let pc = dir.path().join("c.bin");
    loaded.save(&pc).unwrap();
    assert_eq!(std::fs::read(&pa).unwrap(), std::fs::read(&pc).unwrap());
    let reloaded = FastModel::load(&pc).unwrap();
    for body in [
        "This disgraceful plan must be stopped.\nThe economy and prices dominate.",
        NEUTRAL[0],
    ] {
        let (mut x, mut y) = (article(body), article(body));
        loaded.annotate(&mut x, &Task::ALL).unwrap();
        reloaded.annotate(&mut y, &Task::ALL).unwrap();
        assert_eq!(x, y);
    }
}

#[test]
fn a_language_never_trained_on_is_decided_by_the_language_held_out_calibration() {
    // Trained on two language folders ("en", "xx"): the unseen decision is
    // calibrated on each scored by a head trained on the other.
    let model = train(&fixture(), &small_options(), &Silent);
    let unseen = model.unseen_techniques().clone();
    assert_eq!(unseen.platt.len(), Technique::COUNT);
    assert_eq!(unseen.thresholds.len(), Technique::COUNT);
    assert_ne!(unseen.platt, model.techniques().platt);
    // Stored and read back.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("m.bin");
    model.save(&p).unwrap();
    let loaded = FastModel::load(&p).unwrap();
    assert_eq!(loaded.unseen_techniques(), &unseen);
    let body =
        "This disgraceful plan must be stopped.\nThe disgraceful economy and prices dominate.";
    let (mut seen, mut new) = (article(body), article(body));
    new.language = Some("de".into());
    loaded.annotate(&mut seen, &Task::ALL).unwrap();
    loaded.annotate(&mut new, &Task::ALL).unwrap();
    let scores = |d: &Document, probs: &[Vec<f32>]| {
        for (p, probs) in d.paragraphs.iter().zip(probs) {
            for t in &p.techniques {
                assert_eq!(t.score, probs[t.label.index()], "{:?}", d.language);
            }
        }
    };
    scores(&seen, &loaded.technique_probs(&seen));
    scores(&new, &loaded.unseen_technique_probs(&new));
    assert_ne!(
        loaded.technique_probs(&new),
        loaded.unseen_technique_probs(&new)
    );
    // A model trained on one language has no other to leave out: a new
    // language is decided as that one.
    let en: Vec<LabeledDocument> = fixture().into_iter().filter(|d| d.folder == "en").collect();
    let one = train(&en, &small_options(), &Silent);
    assert_eq!(one.unseen_techniques().platt, one.techniques().platt);
    assert_eq!(
        one.unseen_techniques().thresholds,
        one.techniques().thresholds
    );
}

#[test]
fn bad_model_files_are_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("m.bin");
    std::fs::write(&p, b"not a model at all").unwrap();
    let e = FastModel::load(&p).unwrap_err().to_string();
    assert!(e.contains("not a rhetor fast-model file"), "{e}");
    // A newer file, and one of the version before (no unseen-language
    // decision): retrain.
    for version in [FORMAT_VERSION + 1, FORMAT_VERSION - 1] {
        let mut bytes = b"RHETORFM".to_vec();
        bytes.extend_from_slice(&version.to_le_bytes());
        std::fs::write(&p, &bytes).unwrap();
        let e = FastModel::load(&p).unwrap_err().to_string();
        assert!(e.contains("retrain"), "{e}");
    }
    // A real model file cut short anywhere is refused, never a panic.
    let model = train(&fixture(), &small_options(), &Silent);
    model.save(&p).unwrap();
    let bytes = std::fs::read(&p).unwrap();
    for cut in [
        12,
        20,
        40,
        bytes.len() / 3,
        bytes.len() / 2,
        bytes.len() - 1,
    ] {
        let e = FastModel::from_bytes(&bytes[..cut], "cut")
            .unwrap_err()
            .to_string();
        assert!(e.contains("corrupt"), "cut at {cut}: {e}");
    }
}

#[test]
fn the_committed_model_matches_the_format_version() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/fast.bin");
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(FastModel::file_version(&bytes), Some(FORMAT_VERSION));
    let model = rhetor_model::shipped().expect("the shipped model loads");
    assert!(
        model.trained_on.len() >= 6,
        "trained on {:?}",
        model.trained_on
    );
    // The shipped model decodes its heads on first use: every one of them
    // must decode, to what reading the file in full gives.
    let loaded = FastModel::load(&path).expect("the model file loads");
    assert!(model == loaded, "shipped and loaded models differ");
    let mut a = article("The disgraceful plan must be stopped.\nThe economy dominates.");
    let mut b = a.clone();
    model.annotate(&mut a, &Task::ALL).unwrap();
    loaded.annotate(&mut b, &Task::ALL).unwrap();
    assert_eq!(a, b);
}
