//! The featuriser behind the cross-script study (issue 15 item 3;
//! docs/evaluation.md, "the fast model reads text spelt in Latin letters"
//! and "the fast model's techniques decision learnt by leaving languages
//! out"). Nothing here is used by the shipped model, so it is compiled only
//! with the cargo feature `study`, for the example `crossscript`, which
//! tallies and prints what [`held_out_scores`] returns. It lives in the
//! crate because a [`Variant`] changes the crate's private feature blocks.
//!
//! * `FeatureConfig::fold_script` (the shipped paragraph features read
//!   folded text): Cyrillic, Greek and Georgian letters spelt in Latin
//!   letters, accents dropped, so `пропаганда`, `προπαγάνδα` and
//!   `propagande` share character n-grams.
//! * [`script_cues`]: counts that read no letters: dashes, brackets,
//!   capitalised words, digits, repeated words, how the paragraph ends,
//!   how much of it is quoted.

use crate::blocks::paragraph_blocks;
use crate::features::{Blocks, FeatureConfig, Featurizer, ParagraphContext};
use crate::hashing::hash_parts;
use crate::heldout::{held_out, Schedule};
use crate::sparse::Counts;
use crate::train::{fit_multilabel, fold_assignment, technique_targets, TrainOptions};
use rhetor_core::Technique;
use rhetor_formats::corpus::LabeledDocument;

/// Script-independent counts of a raw paragraph, as (name, value) pairs:
/// they read punctuation, case, digits and repetition, never which letters.
pub fn script_cues(raw: &str) -> Vec<(String, f32)> {
    let mut out: Vec<(String, f32)> = Vec::new();
    let log = |n: usize| (1.0 + n as f32).ln();
    let count = |out: &mut Vec<(String, f32)>, name: &str, n: usize| {
        if n > 0 {
            out.push((name.to_string(), log(n)));
        }
    };
    let chars = |pred: &dyn Fn(char) -> bool| raw.chars().filter(|&c| pred(c)).count();
    count(&mut out, "dash", chars(&|c| matches!(c, '—' | '–')));
    count(&mut out, "paren", chars(&|c| c == '('));
    count(&mut out, "semicolon", chars(&|c| c == ';'));
    count(
        &mut out,
        "interrobang",
        raw.matches("?!").count() + raw.matches("!?").count(),
    );
    count(&mut out, "multi_exclaim", raw.matches("!!").count());
    // Words: maximal runs of letters or digits.
    let words: Vec<&str> = raw
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let letters = |w: &str| w.chars().filter(|c| c.is_alphabetic()).count();
    let capitalised = words
        .iter()
        .filter(|w| w.chars().next().is_some_and(char::is_uppercase))
        .count();
    let digits = words
        .iter()
        .filter(|w| w.chars().any(|c| c.is_numeric()))
        .count();
    let mixed = words
        .iter()
        .filter(|w| w.chars().any(char::is_numeric) && w.chars().any(char::is_alphabetic))
        .count();
    count(&mut out, "mixed", mixed);
    let n = words.len().max(1) as f32;
    // Share of capitalised words (names, sentence starts) and of numbers,
    // in quarters: dense names read like reporting, few like commentary.
    let bin = |share: f32| ((share * 4.0).floor() as usize).min(4).to_string();
    out.push((format!("cap_share{}", bin(capitalised as f32 / n)), 1.0));
    out.push((format!("digit_share{}", bin(4.0 * digits as f32 / n)), 1.0));
    // Content words (5+ letters) said twice or more in one paragraph.
    let mut long: Vec<String> = words
        .iter()
        .filter(|w| letters(w) >= 5)
        .map(|w| w.to_lowercase())
        .collect();
    long.sort_unstable();
    let repeated = long.windows(2).filter(|p| p[0] == p[1]).count();
    count(&mut out, "repeated", repeated);
    // Sentence endings: questions and exclamations as a share of sentences.
    let ends: Vec<char> = raw
        .chars()
        .filter(|c| matches!(c, '.' | '?' | '!' | '…'))
        .collect();
    let last = raw
        .trim_end()
        .trim_end_matches(|c: char| crate::features::is_quote(c) || c == ')')
        .chars()
        .last();
    match last {
        Some('?') => out.push(("ends_question".into(), 1.0)),
        Some('!') => out.push(("ends_exclaim".into(), 1.0)),
        Some(':') => out.push(("ends_colon".into(), 1.0)),
        _ => {}
    }
    count(&mut out, "sentences", ends.len());
    // How much of the paragraph is inside quote marks, in quarters, and
    // whether it opens with one (reported speech).
    let (mut inside, mut total, mut open) = (0usize, 0usize, false);
    for c in raw.chars() {
        if crate::features::is_quote(c) {
            open = !open;
        } else if !c.is_whitespace() {
            total += 1;
            inside += open as usize;
        }
    }
    if inside > 0 {
        out.push((
            format!("quoted{}", bin(inside as f32 / total.max(1) as f32)),
            1.0,
        ));
    }
    if raw
        .trim_start()
        .chars()
        .next()
        .is_some_and(|c| crate::features::is_quote(c) || c == '—' || c == '–')
    {
        out.push(("opens_quote".into(), 1.0));
    }
    out
}

/// A feature variant of the techniques head, by what it adds to the
/// shipped paragraph features.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    /// Character n-gram lengths of the shipped char block.
    pub char_min: usize,
    /// See `char_min`.
    pub char_max: usize,
    /// Weight of the char block (the word block weighs 1).
    pub char_weight: f32,
    /// Featurise the script-folded text instead of the raw one (words,
    /// char n-grams and cues; `FeatureConfig::fold_script`).
    pub fold_all: bool,
    /// Weight of an extra block of char 3–4-grams of the folded text, in
    /// their own hash namespace (0 = none).
    pub folded_chars: f32,
    /// Add [`script_cues`] to the cue block.
    pub script_cues: bool,
    /// Drop the language cue (the language's own bias).
    pub no_language_cue: bool,
    /// Keep the word block (false: character n-grams and cues only).
    pub words: bool,
    /// Hash space of the head (`2^bits`).
    pub bits: u32,
    /// L2 penalty of the head's optimiser.
    pub l2: f32,
    /// Keep only the word features (and, with `filter_chars`, the char
    /// n-grams) that occur in at least this many training languages
    /// (0 or 1: no filter): vocabulary of one language cannot transfer.
    pub min_languages: usize,
    /// Apply `min_languages` to the char n-grams too.
    pub filter_chars: bool,
    /// Calibrate and choose thresholds on out-of-fold scores whose inner
    /// folds are the training languages (each scored by a head trained on
    /// the others), so the decision learns how scores move in a language
    /// the head never saw; false: article folds, as `rhetor train`.
    pub language_folds: bool,
}

impl Default for Variant {
    /// The shipped features.
    fn default() -> Self {
        let f = TrainOptions::default().paragraph_features;
        Variant {
            char_min: f.char_min,
            char_max: f.char_max,
            char_weight: f.char_weight,
            fold_all: f.fold_script,
            folded_chars: 0.0,
            script_cues: false,
            no_language_cue: false,
            words: true,
            bits: f.bits,
            l2: TrainOptions::default().techniques.l2,
            min_languages: 0,
            filter_chars: false,
            language_folds: false,
        }
    }
}

impl Variant {
    /// The feature settings the head is trained and scored with (the
    /// folded-chars block rides in the title block's slot, which paragraph
    /// features leave empty).
    fn config(&self) -> FeatureConfig {
        FeatureConfig {
            char_min: self.char_min,
            char_max: self.char_max,
            char_weight: self.char_weight,
            title_weight: self.folded_chars,
            fold_script: self.fold_all,
            bits: self.bits,
            ..TrainOptions::default().paragraph_features
        }
    }

    /// The blocks of every paragraph of `d`.
    fn blocks(&self, d: &LabeledDocument) -> Vec<Blocks> {
        let cfg = FeatureConfig {
            title_weight: 0.0,
            ..self.config()
        };
        let f = Featurizer::new(cfg.clone());
        let language = if self.no_language_cue {
            None
        } else {
            d.doc.language.as_deref()
        };
        if self.folded_chars == 0.0 && !self.script_cues && language.is_some() {
            let mut bs = paragraph_blocks(&f, &d.doc);
            if !self.words {
                bs.iter_mut().for_each(|b| b.words = Counts::default());
            }
            return bs;
        }
        let folded_f = Featurizer::new(FeatureConfig {
            char_min: 3,
            char_max: 4,
            fold_script: true,
            ..cfg.clone()
        });
        let mask = (1u32 << cfg.bits) - 1;
        let n = d.doc.paragraphs.len();
        d.doc
            .paragraphs
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let ctx = ParagraphContext {
                    language,
                    index: i,
                    count: n,
                    title: &d.doc.title,
                };
                let mut b = f.paragraph(&p.text, &ctx);
                if self.folded_chars > 0.0 {
                    // The folded text's n-grams rehashed into a namespace
                    // of their own.
                    let mut keys: Vec<u32> = folded_f
                        .paragraph(&p.text, &ctx)
                        .chars
                        .keys()
                        .iter()
                        .map(|&k| (hash_parts([&b"x"[..], &k.to_le_bytes()]) as u32) & mask)
                        .collect();
                    b.title = Counts::from_keys(&mut keys, cfg.bits);
                }
                if !self.words {
                    b.words = Counts::default();
                }
                if self.script_cues {
                    for (name, v) in script_cues(&p.text) {
                        let key = (hash_parts([&b"s"[..], name.as_bytes()]) as u32) & mask;
                        b.cues.push((key, v));
                    }
                }
                b
            })
            .collect()
    }
}

/// Every document's paragraph blocks under `variant`, featurised once on
/// all cores; empty for a document without paragraph labels (it is never
/// trained on nor scored).
fn labeled_blocks(docs: &[LabeledDocument], variant: &Variant) -> Vec<Vec<Blocks>> {
    use rayon::prelude::*;
    docs.par_iter()
        .map(|d| {
            if d.gold.techniques {
                variant.blocks(d)
            } else {
                Vec::new()
            }
        })
        .collect()
}

/// One paragraph's held-out decision inputs: each label's calibrated
/// probability and the head's threshold for it.
pub type HeldOutScores = Vec<(f32, f32)>;

/// The blocks of the training rows with the features of fewer than
/// `variant.min_languages` training languages removed (words, and chars
/// with `filter_chars`).
fn filtered_blocks(
    docs: &[LabeledDocument],
    blocks: &[Vec<Blocks>],
    rows: &[usize],
    variant: &Variant,
) -> Vec<Blocks> {
    let mut folders: Vec<&str> = rows.iter().map(|&i| docs[i].folder.as_str()).collect();
    folders.sort_unstable();
    folders.dedup();
    let dims = 1usize << variant.bits;
    // Per feature, the set of training languages it occurs in (a bit each).
    let mut seen_words = vec![0u8; dims];
    let mut seen_chars = vec![0u8; dims];
    for &i in rows {
        let lang = folders
            .iter()
            .position(|f| *f == docs[i].folder)
            .expect("listed");
        for b in &blocks[i] {
            b.words
                .indices()
                .for_each(|k| seen_words[k as usize] |= 1 << lang);
            b.chars
                .indices()
                .for_each(|k| seen_chars[k as usize] |= 1 << lang);
        }
    }
    let keep = |seen: &[u8], c: &Counts| -> Counts {
        let mut keys: Vec<u32> = c
            .keys()
            .iter()
            .copied()
            .filter(|&k| seen[k as usize].count_ones() as usize >= variant.min_languages)
            .collect();
        Counts::from_keys(&mut keys, variant.bits)
    };
    rows.iter()
        .flat_map(|&i| blocks[i].iter())
        .map(|b| Blocks {
            words: keep(&seen_words, &b.words),
            chars: if variant.filter_chars {
                keep(&seen_chars, &b.chars)
            } else {
                b.chars.clone()
            },
            cues: b.cues.clone(),
            title: b.title.clone(),
        })
        .collect()
}

/// Held-out techniques scores of a variant: for each group of document
/// indices, a techniques head fitted (as `rhetor train` fits it) on every
/// other document with paragraph labels scores the group's paragraphs.
/// Returns, per document, per paragraph, each label's (probability,
/// threshold); documents without paragraph labels get none.
pub fn held_out_scores(
    docs: &[LabeledDocument],
    groups: &[Vec<usize>],
    variant: &Variant,
) -> Vec<Vec<HeldOutScores>> {
    let opts = TrainOptions::default();
    let k = opts.inner_folds.max(2);
    let cfg = variant.config();
    let train_cfg = crate::linear::TrainConfig {
        l2: variant.l2,
        ..opts.techniques.clone()
    };
    let blocks = labeled_blocks(docs, variant);
    held_out(
        docs.len(),
        groups,
        Schedule::OneAtATime,
        |rows| {
            let train_docs: Vec<LabeledDocument> = rows.iter().map(|&i| docs[i].clone()).collect();
            let (inner, k) = if variant.language_folds {
                let mut folders: Vec<&str> = train_docs.iter().map(|d| d.folder.as_str()).collect();
                folders.sort_unstable();
                folders.dedup();
                let lang = |d: &LabeledDocument| {
                    folders.iter().position(|f| *f == d.folder).expect("listed")
                };
                (
                    train_docs.iter().map(lang).collect::<Vec<usize>>(),
                    folders.len(),
                )
            } else {
                (fold_assignment(&train_docs, k), k)
            };
            let (mut ys, mut gs) = (Vec::new(), Vec::new());
            for (r, &i) in rows.iter().enumerate() {
                for p in docs[i].doc.paragraphs.iter().take(blocks[i].len()) {
                    ys.push(technique_targets(&p.techniques));
                    gs.push(inner[r]);
                }
            }
            if variant.min_languages > 1 {
                let xs = filtered_blocks(docs, &blocks, rows, variant);
                fit_multilabel(&cfg, &xs, &ys, &gs, Technique::COUNT, &train_cfg, k)
            } else {
                let xs: Vec<&Blocks> = rows.iter().flat_map(|&i| blocks[i].iter()).collect();
                fit_multilabel(&cfg, &xs, &ys, &gs, Technique::COUNT, &train_cfg, k)
            }
        },
        |head, i| {
            blocks[i]
                .iter()
                .map(|b| {
                    head.probs(b)
                        .into_iter()
                        .zip(head.thresholds.iter().copied())
                        .collect()
                })
                .collect()
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_cues_read_no_letters() {
        let cues = |t: &str| -> Vec<String> { script_cues(t).into_iter().map(|c| c.0).collect() };
        // The same punctuation, case and digits in two scripts: the same cues.
        assert_eq!(
            cues("Кто виноват? «Они» — 2024 год, снова и снова!"),
            cues("Who blamed? «Them» — 2024 year, again and again!")
        );
        assert!(cues("Really?").contains(&"ends_question".to_string()));
        assert!(cues("« Non » dit-il.").contains(&"opens_quote".to_string()));
    }
}
