//! The committed heads and the accurate model end to end. The end-to-end
//! test needs the fetched encoder (`rhetor models fetch`); it skips with a
//! message when absent, and fails instead under CI=true.

use rhetor_accurate::{shipped_heads, AccurateHeads, AccurateModel, FORMAT_VERSION};
use rhetor_core::{Detector, Document, Task};

#[test]
fn committed_heads_match_the_format_version() {
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../models/accurate.bin"
    ))
    .expect("models/accurate.bin is committed");
    assert_eq!(AccurateHeads::file_version(&bytes), Some(FORMAT_VERSION));
    let heads = shipped_heads().expect("the committed heads load");
    assert_eq!(heads.dim, 384);
    assert!(heads.trained_on.len() >= 6, "{:?}", heads.trained_on);
}

#[test]
fn corrupt_heads_files_are_refused() {
    assert!(AccurateHeads::from_bytes(b"RHETORFM\x01\0\0\0", "x").is_err());
    let err = AccurateHeads::from_bytes(b"RHETORAM\x63\0\0\0", "x").unwrap_err();
    assert!(err.to_string().contains("version 99"), "{err}");
    // Version 1 (heads without the unseen-language anchor) is refused
    // with a hint, not misread.
    let err = AccurateHeads::from_bytes(b"RHETORAM\x01\0\0\0", "x").unwrap_err();
    assert!(err.to_string().contains("retrain"), "{err}");
    // Version 3 (heads without the unseen-language mix): the same.
    let err = AccurateHeads::from_bytes(b"RHETORAM\x03\0\0\0", "x").unwrap_err();
    assert!(
        err.to_string().contains("version 3") && err.to_string().contains("retrain"),
        "{err}"
    );
    let mut bad = b"RHETORAM".to_vec();
    bad.extend(FORMAT_VERSION.to_le_bytes());
    bad.extend(b"garbage");
    let err = AccurateHeads::from_bytes(&bad, "x").unwrap_err();
    assert!(err.to_string().contains("corrupt"), "{err}");
}

#[test]
fn accurate_model_annotates_an_article() {
    let Some(dir) = rhetor_testkit::need(
        rhetor_encoder::fetch::default_dir().filter(|d| rhetor_encoder::fetch::is_fetched(d)),
        rhetor_testkit::ENCODER,
    ) else {
        return;
    };
    let encoder = rhetor_encoder::Encoder::load(&dir).unwrap();
    let model = AccurateModel::new(
        rhetor_model::shipped().unwrap(),
        encoder,
        shipped_heads().unwrap(),
    )
    .unwrap();
    let text = "Washington's so-called \"help\" is the help you should run away from\n\n\
        They promise \"partners\" and deliver ruin: ask Afghanistan, ask Syria.\n\
        Only traitors and fools would believe these liars again!";
    let mut doc = Document::from_text("t1", text);
    model.annotate(&mut doc, &Task::ALL).unwrap();
    assert_eq!(doc.model.as_deref(), Some("accurate"));
    assert!(doc.genre.is_some());
    let n: usize = doc.paragraphs.iter().map(|p| p.techniques.len()).sum();
    assert!(n > 0, "no technique found in a loaded text");
    for s in &doc.spans {
        let p = doc
            .paragraphs
            .iter()
            .find(|p| p.start <= s.start && s.end <= p.end());
        let p = p.expect("every span lies inside a paragraph");
        assert!(p.techniques.iter().any(|t| t.label == s.technique));
    }
    // The same document twice gives the same answer.
    let mut again = Document::from_text("t1", text);
    model.annotate(&mut again, &Task::ALL).unwrap();
    assert_eq!(serde_json_like(&doc), serde_json_like(&again));

    // A language rhetor was not trained on takes the unseen-language rules
    // (the fast model's decisions moved by the embeddings), and they still
    // find the loaded language of a Spanish text.
    let es = "La «ayuda» que nadie pidió\n\n\
        Los supuestos «socios» prometen ayuda y traen la ruina: pregunten en Afganistán, pregunten en Siria.\n\
        ¡Solo los traidores y los idiotas creerían otra vez a estos mentirosos!";
    let mut doc = Document::from_text("es1", es);
    doc.language = Some("es".into());
    assert!(model.is_unseen(&doc));
    model.annotate(&mut doc, &Task::ALL).unwrap();
    let n: usize = doc.paragraphs.iter().map(|p| p.techniques.len()).sum();
    assert!(n > 0, "no technique found in a loaded Spanish text");
    let genre = doc.genre.as_ref().expect("a genre");
    let total: f32 = genre.scores.values().sum();
    assert!(
        (total - 1.0).abs() < 1e-3,
        "genre probabilities sum to {total}"
    );
    // The label is the highest score shown (the decision's offsets are in
    // the scores), and a new language gets no wholesale labels.
    let top = genre.scores.values().copied().fold(f32::MIN, f32::max);
    assert_eq!(genre.scores[&genre.label], top, "{genre:?}");
    assert!(doc.frames.len() <= rhetor_model::UNSEEN_MAX_FRAMES);
    for p in &doc.paragraphs {
        assert!(p.techniques.len() <= rhetor_model::UNSEEN_MAX_TECHNIQUES);
        for t in &p.techniques {
            assert!((0.0..=1.0).contains(&t.score), "{t:?}");
        }
    }
}

fn serde_json_like(d: &Document) -> String {
    format!("{:?}{:?}{:?}", d.genre, d.frames, d.paragraphs)
}
