//! Huge inputs (issue 10): a paragraph far over the window is analysed in
//! windows with the shipped fast model, its spans are bounded and point at
//! the right text, and the documents say so in their warnings.

use rhetor_core::window::{ARTICLE_WINDOW, MAX_SPANS_PER_PARAGRAPH, PARAGRAPH_WINDOW};
use rhetor_core::{Detector, Document, OffsetMap, Task};

/// Sentences written for this test, with loaded words and slogans the
/// shipped model tags, so a long run of them yields many spans.
const SENTENCES: &[&str] = &[
    "The corrupt, disgraceful elite will never stop their shameful lies!",
    "Wake up, patriots: the so-called \"experts\" are destroying our nation.",
    "Only a traitor would believe this absurd, ridiculous propaganda.",
    "They want you to be afraid, terrified, silent and obedient.",
];

/// A neutral sentence written for this test.
const NEUTRAL: &str = "The committee met on Tuesday to discuss the budget for next year.";

/// A paragraph of about `bytes` bytes: one loaded sentence, then
/// `neutral` neutral ones, over and over.
fn long_paragraph(bytes: usize, neutral: usize) -> String {
    let mut s = String::new();
    let mut i = 0;
    while s.len() < bytes {
        s.push_str(SENTENCES[i % SENTENCES.len()]);
        s.push(' ');
        for _ in 0..neutral {
            s.push_str(NEUTRAL);
            s.push(' ');
        }
        i += 1;
    }
    s
}

#[test]
fn a_paragraph_over_the_window_is_tagged_in_windows_with_bounded_spans() {
    let model = rhetor_model::shipped().unwrap();
    // Three and a half windows, on line 3, after an accented title so that
    // code-point and byte offsets differ.
    let body = long_paragraph(3 * PARAGRAPH_WINDOW + PARAGRAPH_WINDOW / 2, 300);
    let mut doc = Document::from_title_and_body("huge", "Tête de l’article", &body);
    doc.language = Some("en".into());
    model.annotate(&mut doc, &Task::ALL).unwrap();

    let p = doc.paragraph_at_line(3).unwrap();
    assert!(
        !p.techniques.is_empty(),
        "loaded sentences carry techniques"
    );
    let on_line: Vec<_> = doc
        .spans
        .iter()
        .filter(|s| s.start >= p.start && s.end <= p.end())
        .collect();
    assert!(!on_line.is_empty());
    assert!(on_line.len() < MAX_SPANS_PER_PARAGRAPH, "{}", on_line.len());
    // Every span's text is the text at its code-point offsets, also in the
    // windows after the first (whose offsets are shifted).
    let map = OffsetMap::new(&doc.text);
    let last_window_start = p.start + 3 * PARAGRAPH_WINDOW - 1000; // chars ≈ bytes here
    assert!(
        doc.spans.iter().any(|s| s.start > last_window_start),
        "spans are found in later windows too"
    );
    for s in &doc.spans {
        assert_eq!(map.slice(&doc.text, s.start, s.end), Some(s.text.as_str()));
    }
    assert!(
        doc.warnings
            .iter()
            .any(|w| w.starts_with("line 3: ") && w.contains("windows")),
        "{:?}",
        doc.warnings
    );
}

#[test]
fn spans_stop_at_the_bound_with_a_warning() {
    let model = rhetor_model::shipped().unwrap();
    // Enough loaded sentences for more spans than the bound allows.
    let body = long_paragraph(4 * PARAGRAPH_WINDOW, 0);
    let mut doc = Document::from_title_and_body("many", "Title", &body);
    doc.language = Some("en".into());
    model.annotate(&mut doc, &[Task::Spans]).unwrap();
    if doc.spans.len() < MAX_SPANS_PER_PARAGRAPH {
        panic!(
            "the fixture gives only {} spans; the bound is not reached",
            doc.spans.len()
        );
    }
    assert_eq!(doc.spans.len(), MAX_SPANS_PER_PARAGRAPH);
    assert!(
        doc.warnings
            .iter()
            .any(|w| w.starts_with("line 3: only the first")),
        "{:?}",
        doc.warnings
    );
}

#[test]
fn short_articles_have_no_warnings_and_long_bodies_are_windowed() {
    let model = rhetor_model::shipped().unwrap();
    let mut short = Document::from_title_and_body("s", "Title", SENTENCES[0]);
    short.language = Some("en".into());
    model.annotate(&mut short, &Task::ALL).unwrap();
    assert!(short.warnings.is_empty(), "{:?}", short.warnings);

    // Many ordinary paragraphs, more bytes than one article window.
    let mut lines = Vec::new();
    let mut n = 0;
    while n < ARTICLE_WINDOW + ARTICLE_WINDOW / 2 {
        let l = SENTENCES[lines.len() % SENTENCES.len()];
        n += l.len() + 1;
        lines.push(l);
    }
    let mut doc = Document::from_title_and_body("long", "Title", &lines.join("\n"));
    doc.language = Some("en".into());
    model
        .annotate(&mut doc, &[Task::Genre, Task::Frames])
        .unwrap();
    let genre = doc.genre.as_ref().expect("a genre");
    let total: f32 = genre.scores.values().sum();
    assert!(
        (total - 1.0).abs() < 1e-4,
        "averaged probabilities sum to 1: {total}"
    );
    assert!(
        doc.warnings.iter().any(|w| w.contains("2 windows")),
        "{:?}",
        doc.warnings
    );
}

#[test]
fn a_cancelled_analysis_stops_with_an_error_and_no_spans() {
    use rhetor_core::cancel::{run_cancellable, CancelToken, CANCELLED};
    let model = rhetor_model::shipped().unwrap();
    let body = long_paragraph(2 * PARAGRAPH_WINDOW, 0);
    let token = CancelToken::new();
    token.cancel();
    let mut doc = Document::from_title_and_body("c", "Title", &body);
    let err = run_cancellable(&token, || model.annotate(&mut doc, &Task::ALL)).unwrap_err();
    assert_eq!(err.message, CANCELLED);
    assert!(doc.spans.is_empty(), "no window was tagged");
    // The same model, not cancelled, tags the same text.
    let mut doc = Document::from_title_and_body("c", "Title", &body);
    model.annotate(&mut doc, &Task::ALL).unwrap();
    assert!(!doc.spans.is_empty());
}
