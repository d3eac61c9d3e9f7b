//! What a reader sees from the shipped fast model (issue 15): highlights
//! that are whole words, in offset order, with balanced quotes and never a
//! lone function word, at three evidence levels; a genre label that is the
//! highest score shown; no wholesale frames or techniques in a language
//! never trained on. Every text here was written for these tests.

use rhetor_core::{Detector, Document, Evidence, Task};
use rhetor_model::evidence::FUNCTION_WORD_MAX_CHARS;
use rhetor_model::{UNSEEN_MAX_FRAMES, UNSEEN_MAX_TECHNIQUES};
use rhetor_testkit::highlights::{assert_reader_rules, ReaderRules};

/// Loaded paragraphs in three languages, with quotes, elisions and
/// hyphens, so highlights have word and quote edges to get wrong.
const LOADED: &[(&str, &str, &str)] = &[
    (
        "fr",
        "Le « plan » honteux du gouvernement",
        "Ces traîtres corrompus osent vanter les « mérites » d'un coup d'État déguisé.\n\
         Qui peut encore croire les mensonges grotesques de ce pouvoir anti-peuple ?\n\
         Les élites parisiennes méprisent les travailleurs, comme toujours, et s'en vantent.",
    ),
    (
        "en",
        "The \"reform\" nobody asked for",
        "These corrupt, disgraceful cowards call their betrayal a \"reform\".\n\
         Who could still believe the absurd lies of this so-called government?\n\
         Wake up: the elites are destroying everything we love, and they laugh at us.",
    ),
    (
        "es",
        "El «acuerdo» de la vergüenza",
        "Ese traidor y sus lacayos venden el país a las élites extranjeras.\n\
         ¿Quién puede creer todavía las mentiras ridículas de este gobierno corrupto?\n\
         Nos quieren callados, asustados y obedientes, pero el pueblo no olvida.",
    ),
];

/// A neutral news report in Greek, a language the model was never
/// trained on.
const GREEK: (&str, &str) = (
    "Το δημοτικό συμβούλιο ενέκρινε τον προϋπολογισμό",
    "Το δημοτικό συμβούλιο της πόλης συνεδρίασε την Τρίτη και ενέκρινε τον προϋπολογισμό για το επόμενο έτος.\n\
     Σύμφωνα με την ανακοίνωση, οι δαπάνες για τη συντήρηση των δρόμων αυξάνονται κατά τρία τοις εκατό.\n\
     Η συνεδρίαση διήρκεσε δύο ώρες και η επόμενη έχει προγραμματιστεί για τον Μάρτιο.\n\
     Ο δήμαρχος δήλωσε ότι τα έργα θα ξεκινήσουν την άνοιξη, μετά την ολοκλήρωση των διαγωνισμών.",
);

fn analysed(lang: &str, title: &str, body: &str, evidence: Evidence) -> Document {
    let model = rhetor_model::shipped().unwrap();
    let mut doc = Document::from_title_and_body("t", title, body);
    doc.language = Some(lang.into());
    model.annotate_with(&mut doc, &Task::ALL, evidence).unwrap();
    doc
}

#[test]
fn highlights_are_whole_words_in_offset_order_with_balanced_quotes() {
    let model = rhetor_model::shipped().unwrap();
    let words = |t: &str| -> Vec<String> {
        rhetor_model::tokenize(t, 0)
            .into_iter()
            .map(|t| t.norm)
            .collect()
    };
    let rules = ReaderRules {
        words: &words,
        function_words: &model.spans().function_words.0,
        function_word_max_chars: FUNCTION_WORD_MAX_CHARS,
    };
    let mut total = 0;
    for &(lang, title, body) in LOADED {
        for evidence in Evidence::ALL {
            let doc = analysed(lang, title, body, evidence);
            let spans: Vec<(usize, usize, &str)> = doc
                .spans
                .iter()
                .map(|s| (s.start, s.end, s.text.as_str()))
                .collect();
            total += assert_reader_rules(&format!("{lang} {evidence}"), &doc.text, &spans, &rules);
        }
    }
    assert!(total > 10, "the loaded paragraphs get highlights ({total})");
}

#[test]
fn precise_shows_fewer_highlights_than_balanced_and_balanced_than_recall() {
    let count = |e: Evidence| -> usize {
        LOADED
            .iter()
            .map(|&(lang, title, body)| {
                analysed(lang, title, body, e)
                    .spans
                    .iter()
                    .map(|s| s.end - s.start)
                    .sum::<usize>()
            })
            .sum()
    };
    let (p, b, r) = (
        count(Evidence::Precise),
        count(Evidence::Balanced),
        count(Evidence::Recall),
    );
    assert!(p < b && b < r, "highlighted characters: {p} / {b} / {r}");
}

#[test]
fn the_genre_label_is_the_highest_score_shown() {
    let mut docs: Vec<(&str, &str, &str)> = LOADED.to_vec();
    docs.push(("el", GREEK.0, GREEK.1));
    for (lang, title, body) in docs {
        let doc = analysed(lang, title, body, Evidence::Balanced);
        let g = doc.genre.expect("a genre");
        let top = g.scores.values().copied().fold(f32::MIN, f32::max);
        assert_eq!(g.scores[&g.label], top, "{lang}: {:?}", g.scores);
        let sum: f32 = g.scores.values().sum();
        assert!((sum - 1.0).abs() < 1e-4, "{lang}: scores sum to {sum}");
    }
}

#[test]
fn a_neutral_report_in_a_new_language_gets_no_wholesale_labels() {
    let doc = analysed("el", GREEK.0, GREEK.1, Evidence::Balanced);
    let model = rhetor_model::shipped().unwrap();
    assert!(model.is_unseen(&doc));
    assert!(
        doc.frames.len() <= UNSEEN_MAX_FRAMES,
        "{} frames",
        doc.frames.len()
    );
    for p in &doc.paragraphs {
        assert!(p.techniques.len() <= UNSEEN_MAX_TECHNIQUES, "{p:?}");
    }
    // The same article said to be English (a training language) is not capped.
    let mut seen = doc.clone();
    seen.language = Some("en".into());
    assert!(!model.is_unseen(&seen));
}

/// Labels shown for each paragraph, with their scores.
fn shown(doc: &Document) -> Vec<Vec<(usize, f32)>> {
    doc.paragraphs
        .iter()
        .map(|p| {
            p.techniques
                .iter()
                .map(|t| (t.label.index(), t.score))
                .collect()
        })
        .collect()
}

#[test]
fn a_new_language_is_decided_by_the_unseen_calibration_and_a_training_language_is_not() {
    let model = rhetor_model::shipped().unwrap();
    let unseen = model.unseen_techniques();
    // The two calibrations of the same scores differ, so a document that
    // took the wrong path would show other probabilities.
    assert_ne!(unseen.platt, model.techniques().platt);
    let spanish = LOADED[2];
    for (lang, title, body) in [("es", spanish.1, spanish.2), ("el", GREEK.0, GREEK.1)] {
        let doc = analysed(lang, title, body, Evidence::Balanced);
        assert!(model.is_unseen(&doc), "{lang}");
        let probs = model.unseen_technique_probs(&doc);
        assert_ne!(probs, model.technique_probs(&doc), "{lang}");
        // Exactly the unseen decision, capped, with its probabilities.
        let expected: Vec<Vec<(usize, f32)>> = probs
            .iter()
            .map(|p| {
                let mut d = rhetor_model::calibrate::decide_multilabel(p, &unseen.thresholds);
                d.truncate(UNSEEN_MAX_TECHNIQUES);
                d
            })
            .collect();
        assert_eq!(shown(&doc), expected, "{lang}");
    }
    // The same Spanish text said to be French (a training language) takes
    // the training languages' decision: the head's own calibration.
    let doc = analysed("fr", spanish.1, spanish.2, Evidence::Balanced);
    assert!(!model.is_unseen(&doc));
    let expected: Vec<Vec<(usize, f32)>> = model
        .technique_probs(&doc)
        .iter()
        .map(|p| model.techniques().decide(p))
        .collect();
    assert_eq!(shown(&doc), expected);
    assert!(
        expected.iter().any(|p| !p.is_empty()),
        "the loaded Spanish text gets some technique as French"
    );
}
