//! The accurate model's highlights (issue 15, item 2): they come from the
//! encoder span tagger blended with the fast tagger, and keep the rules a
//! reader relies on: whole words, offset order, balanced quotes, never a
//! lone function word, inside a paragraph that has their technique, at
//! every evidence level. Needs the fetched encoder (`rhetor models
//! fetch`); skips loudly without it, fails under CI=true. Every text here
//! was written for this test.

use rhetor_accurate::{shipped_heads, AccurateModel};
use rhetor_core::{Detector, Document, Evidence, Task};
use rhetor_model::evidence::FUNCTION_WORD_MAX_CHARS;
use rhetor_testkit::highlights::{assert_reader_rules, ReaderRules};

const LOADED: &[(&str, &str)] = &[
    (
        "fr",
        "Le « plan » honteux du gouvernement\n\n\
         Ces traîtres corrompus osent vanter les « mérites » d'un coup d'État déguisé.\n\
         Qui peut encore croire les mensonges grotesques de ce pouvoir anti-peuple ?\n\
         Les élites parisiennes méprisent les travailleurs, comme toujours, et s'en vantent.",
    ),
    (
        "en",
        "The \"reform\" nobody asked for\n\n\
         These corrupt, disgraceful cowards call their betrayal a \"reform\".\n\
         Who could still believe the absurd lies of this so-called government?\n\
         Wake up: the elites are destroying everything we love, and they laugh at us.",
    ),
    (
        "ru",
        "«Помощь», о которой никто не просил\n\n\
         Эти продажные трусы называют своё предательство «реформой».\n\
         Кто ещё может верить нелепой лжи этого так называемого правительства?\n\
         Проснитесь: элиты разрушают всё, что нам дорого, и смеются над нами.",
    ),
];

/// The shipped accurate model, or `None` (a loud skip, a failure under
/// CI) where the encoder is not fetched.
fn shipped_model() -> Option<AccurateModel> {
    let heads = shipped_heads().unwrap();
    assert!(
        heads.spans.is_some(),
        "the shipped heads carry the encoder span tagger"
    );
    let dir = rhetor_testkit::need(
        rhetor_encoder::fetch::default_dir().filter(|d| rhetor_encoder::fetch::is_fetched(d)),
        rhetor_testkit::ENCODER,
    )?;
    let encoder = rhetor_encoder::Encoder::load(&dir).unwrap();
    let fast = rhetor_model::shipped().unwrap();
    Some(AccurateModel::new(fast, encoder, heads).unwrap())
}

#[test]
fn encoder_highlights_keep_the_readers_rules() {
    let Some(model) = shipped_model() else {
        return;
    };
    let function_words = model.fast.spans().function_words.0.clone();
    let words = |t: &str| -> Vec<String> {
        rhetor_model::tokenize(t, 0)
            .into_iter()
            .map(|t| t.norm)
            .collect()
    };
    let rules = ReaderRules {
        words: &words,
        function_words: &function_words,
        function_word_max_chars: FUNCTION_WORD_MAX_CHARS,
    };
    let mut total = 0;
    for &(lang, text) in LOADED {
        for evidence in Evidence::ALL {
            let mut doc = Document::from_text("t", text);
            doc.language = Some(lang.into());
            model.annotate_with(&mut doc, &Task::ALL, evidence).unwrap();
            let spans: Vec<(usize, usize, &str)> = doc
                .spans
                .iter()
                .map(|s| (s.start, s.end, s.text.as_str()))
                .collect();
            total += assert_reader_rules(&format!("{lang} {evidence}"), &doc.text, &spans, &rules);
            for s in &doc.spans {
                assert!((0.0..=1.0).contains(&s.score), "{s:?}");
                let p = doc
                    .paragraphs
                    .iter()
                    .find(|p| p.start <= s.start && s.end <= p.end())
                    .expect("every span lies inside a paragraph");
                assert!(p.techniques.iter().any(|t| t.label == s.technique));
            }
        }
    }
    assert!(total > 10, "the loaded paragraphs get highlights ({total})");
}

/// A long article keeps the encoder's word states in a temporary file
/// (issue 10: memory bounded whatever the article's length). Forcing that
/// path on every article must give the very analysis the in-memory states
/// give, at every evidence level.
#[test]
fn spilled_word_states_give_the_same_analysis() {
    let Some(model) = shipped_model() else {
        return;
    };
    let analyse = |model: &AccurateModel| -> Vec<String> {
        let mut out = Vec::new();
        for &(lang, text) in LOADED {
            for evidence in Evidence::ALL {
                let mut doc = Document::from_text("t", text);
                doc.language = Some(lang.into());
                model.annotate_with(&mut doc, &Task::ALL, evidence).unwrap();
                assert!(doc.warnings.is_empty(), "{:?}", doc.warnings);
                out.push(format!("{doc:?}"));
            }
        }
        out
    };
    let in_memory = analyse(&model);
    let spilled = analyse(&model.with_word_spill_above(0));
    assert!(in_memory.iter().any(|d| d.contains("spans: [Span")));
    assert_eq!(in_memory, spilled);
}
