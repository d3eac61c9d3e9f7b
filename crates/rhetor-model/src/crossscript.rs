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
use crate::head::MultiLabelHead;
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

/// The techniques head of `variant` fitted on the documents `rows`, as
/// `rhetor train` fits it (with `language_folds`, calibrated and
/// thresholded on out-of-fold scores whose folds are the training
/// languages: the decision for a language never trained on).
fn fit_head(
    docs: &[LabeledDocument],
    blocks: &[Vec<Blocks>],
    rows: &[usize],
    variant: &Variant,
) -> MultiLabelHead {
    let opts = TrainOptions::default();
    let k = opts.inner_folds.max(2);
    let cfg = variant.config();
    let train_cfg = crate::linear::TrainConfig {
        l2: variant.l2,
        ..opts.techniques.clone()
    };
    let train_docs: Vec<LabeledDocument> = rows.iter().map(|&i| docs[i].clone()).collect();
    let (inner, k) = if variant.language_folds {
        let mut folders: Vec<&str> = train_docs.iter().map(|d| d.folder.as_str()).collect();
        folders.sort_unstable();
        folders.dedup();
        let lang =
            |d: &LabeledDocument| folders.iter().position(|f| *f == d.folder).expect("listed");
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
        let xs = filtered_blocks(docs, blocks, rows, variant);
        fit_multilabel(&cfg, &xs, &ys, &gs, Technique::COUNT, &train_cfg, k)
    } else {
        let xs: Vec<&Blocks> = rows.iter().flat_map(|&i| blocks[i].iter()).collect();
        fit_multilabel(&cfg, &xs, &ys, &gs, Technique::COUNT, &train_cfg, k)
    }
}

/// Every paragraph's (probability, threshold) pairs under `head`.
fn head_scores(head: &MultiLabelHead, blocks: &[Blocks]) -> Vec<HeldOutScores> {
    blocks
        .iter()
        .map(|b| {
            head.probs(b)
                .into_iter()
                .zip(head.thresholds.iter().copied())
                .collect()
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
    let blocks = labeled_blocks(docs, variant);
    held_out(
        docs.len(),
        groups,
        Schedule::OneAtATime,
        |rows| fit_head(docs, &blocks, rows, variant),
        |head, i| head_scores(head, &blocks[i]),
    )
}

/// A named output of [`self_trained_scores`]: per document, per
/// paragraph, each label's (probability, threshold).
pub type NamedScores = (String, Vec<Vec<HeldOutScores>>);

/// How a language never trained on labels its own paragraphs for
/// self-training (docs/evaluation.md, "self-training on the new
/// language's text"): from the decision of the head trained without it,
/// never from its labels.
#[derive(Debug, Clone, PartialEq)]
pub struct SelfTraining {
    /// Of each technique's paragraphs decided with it, the most probable
    /// `top` fraction are its positives (1: every decision); a paragraph
    /// with no label decided is a negative of every technique, one with
    /// labels decided but none of them kept is not trained on.
    pub top: f32,
    /// The share of those pseudo-labelled paragraphs trained on (a fixed
    /// hashed subsample; the trainer takes no sample weights).
    pub weight: f32,
    /// Also re-derive the decision: calibrate and threshold as the
    /// unseen-language decision is, on the training languages each scored
    /// by a head trained on the others plus the pseudo-labelled paragraphs
    /// (five more fits per language).
    pub recalibrate: bool,
    /// Rounds of self-training: each after the first pseudo-labels the
    /// paragraphs with the previous round's cross-fitted decision.
    pub rounds: usize,
}

/// Self-trained held-out scores, named: `base` (the head trained without
/// the group: `held_out_scores` of `variant`), `idf` (the same training
/// rows, the IDF learnt on the group's text too: what the new text changes
/// without pseudo-labels), then for each setting `NAME+all` (refitted on
/// the training documents and every pseudo-labelled paragraph of the
/// group, scoring them back), `NAME+cross` (the group's articles split in
/// two halves, each scored by a head refitted with the other half's
/// pseudo-labels only) and, with `recalibrate`, both again with the
/// decision re-derived (`+recal`); without, the base head's calibration
/// and thresholds. `done` is called once a group is scored, with the
/// group's documents and every output so far.
pub fn self_trained_scores(
    docs: &[LabeledDocument],
    groups: &[Vec<usize>],
    variant: &Variant,
    settings: &[(String, SelfTraining)],
    cap: usize,
    done: &mut dyn FnMut(&[usize], &[NamedScores]),
) -> Vec<NamedScores> {
    use crate::calibrate::{decide_multilabel, Platt};
    use crate::features::{vectorize, Idf};
    use crate::linear::train_one_vs_rest;
    use rayon::prelude::*;
    assert!(
        variant.min_languages <= 1,
        "self-training reads the unfiltered blocks"
    );
    let cfg = variant.config();
    let train_cfg = crate::linear::TrainConfig {
        l2: variant.l2,
        ..TrainOptions::default().techniques
    };
    let labels = Technique::COUNT;
    let dims = 1usize << cfg.bits;
    let blocks = labeled_blocks(docs, variant);
    let mut names = vec!["base".to_string(), "idf".to_string()];
    for (name, s) in settings {
        names.push(format!("{name}+all"));
        names.push(format!("{name}+cross"));
        if s.recalibrate {
            names.push(format!("{name}+all+recal"));
            names.push(format!("{name}+cross+recal"));
        }
    }
    let mut out: Vec<NamedScores> = names
        .into_iter()
        .map(|n| (n, vec![Vec::new(); docs.len()]))
        .collect();
    for test in groups {
        let mut in_test = vec![false; docs.len()];
        test.iter().for_each(|&i| in_test[i] = true);
        let rows: Vec<usize> = (0..docs.len()).filter(|&i| !in_test[i]).collect();
        let base = fit_head(docs, &blocks, &rows, variant);
        // Training paragraphs (document, language), then the group's.
        let mut folders: Vec<&str> = rows.iter().map(|&i| docs[i].folder.as_str()).collect();
        folders.sort_unstable();
        folders.dedup();
        let mut units: Vec<(usize, usize)> = Vec::new();
        let mut language: Vec<usize> = Vec::new();
        let mut ys: Vec<Vec<bool>> = Vec::new();
        for &i in &rows {
            let l = folders
                .iter()
                .position(|f| *f == docs[i].folder)
                .expect("listed");
            for (p, para) in docs[i]
                .doc
                .paragraphs
                .iter()
                .enumerate()
                .take(blocks[i].len())
            {
                units.push((i, p));
                language.push(l);
                ys.push(technique_targets(&para.techniques));
            }
        }
        let trained = units.len();
        // The group's articles in two halves, as `fold_assignment` deals them.
        let test_docs: Vec<LabeledDocument> = test.iter().map(|&i| docs[i].clone()).collect();
        let halves = fold_assignment(&test_docs, 2);
        let mut half = Vec::new();
        for (r, &i) in test.iter().enumerate() {
            for p in 0..blocks[i].len() {
                units.push((i, p));
                half.push(halves[r]);
            }
        }
        let own: Vec<usize> = (trained..units.len()).collect();
        // The base decision of the group's paragraphs: its pseudo-labels.
        let base_scores: Vec<HeldOutScores> = own
            .iter()
            .map(|&u| {
                let (i, p) = units[u];
                head_scores(&base, std::slice::from_ref(&blocks[i][p])).remove(0)
            })
            .collect();
        let decide = |scores: &[HeldOutScores]| -> Vec<Vec<(usize, f32)>> {
            scores
                .iter()
                .map(|s| {
                    let (probs, th): (Vec<f32>, Vec<f32>) = s.iter().copied().unzip();
                    decide_multilabel(&probs, &th)
                        .into_iter()
                        .take(cap)
                        .collect()
                })
                .collect()
        };
        let decided = decide(&base_scores);
        let idf = Idf::fit(cfg.bits, units.iter().map(|&(i, p)| &blocks[i][p]), 2);
        let xs: Vec<crate::sparse::SparseVec> = units
            .par_iter()
            .map(|&(i, p)| vectorize(&cfg, &idf, &blocks[i][p]))
            .collect();
        let fit = |ys: &[Vec<bool>], rows: &[usize]| {
            train_one_vs_rest(dims, labels, &xs, ys, rows, &train_cfg)
        };
        let calibrated = |raw: &[f32], platt: &[Platt], th: &[f32]| -> HeldOutScores {
            raw.iter()
                .zip(platt)
                .zip(th)
                .map(|((&s, p), &t)| (p.prob(s), t))
                .collect()
        };
        // Scores of the group's paragraphs (in `own` order), by output.
        let mut results: Vec<(String, Vec<HeldOutScores>)> = vec![("base".into(), base_scores)];
        let five: Vec<usize> = (0..trained).collect();
        let head = fit(&ys, &five);
        results.push((
            "idf".into(),
            own.iter()
                .map(|&u| calibrated(&head.scores(&xs[u]), &base.platt, &base.thresholds))
                .collect(),
        ));
        let score = |raw: &[Vec<f32>], platt: &[Platt], th: &[f32]| -> Vec<HeldOutScores> {
            raw.iter().map(|r| calibrated(r, platt, th)).collect()
        };
        let with = |extra: &[usize], base_rows: &[usize]| -> Vec<usize> {
            base_rows.iter().chain(extra).copied().collect()
        };
        for (name, s) in settings {
            // Pseudo-labels of a decision: its confident labels, or none
            // decided; the training labels and the pseudo-labelled rows.
            let pseudo_labels = |decided: &[Vec<(usize, f32)>]| {
                let mut cut = vec![f32::INFINITY; labels];
                for (l, c) in cut.iter_mut().enumerate() {
                    let mut ps: Vec<f32> = decided
                        .iter()
                        .filter_map(|d| d.iter().find(|x| x.0 == l).map(|x| x.1))
                        .collect();
                    ps.sort_by(|a, b| b.total_cmp(a));
                    let keep = (s.top * ps.len() as f32).ceil() as usize;
                    if keep > 0 {
                        *c = ps[keep.min(ps.len()) - 1];
                    }
                }
                let mut ys = ys.clone();
                let mut pseudo = Vec::new();
                for (r, &u) in own.iter().enumerate() {
                    let mut y = vec![false; labels];
                    for &(l, p) in &decided[r] {
                        y[l] = p >= cut[l];
                    }
                    let (i, p) = units[u];
                    let id = docs[i].doc.id.as_bytes();
                    let draw = hash_parts([id, &(p as u32).to_le_bytes()[..]]) >> 11;
                    let sampled = (draw as f64) / ((1u64 << 53) as f64) < s.weight as f64;
                    if (decided[r].is_empty() || y.iter().any(|&b| b)) && sampled {
                        pseudo.push(u);
                    }
                    ys.push(y);
                }
                (ys, pseudo)
            };
            // Each round pseudo-labels with the previous round's
            // cross-fitted decision (the first with the base decision).
            let (mut ys, mut pseudo) = pseudo_labels(&decided);
            let (mut raw_all, mut raw_cross) = (Vec::new(), vec![Vec::new(); own.len()]);
            for round in 0..s.rounds.max(1) {
                if round > 0 {
                    let cross = score(&raw_cross, &base.platt, &base.thresholds);
                    (ys, pseudo) = pseudo_labels(&decide(&cross));
                }
                let all = fit(&ys, &with(&pseudo, &five));
                raw_all = own.iter().map(|&u| all.scores(&xs[u])).collect();
                drop(all);
                for h in 0..2 {
                    let other: Vec<usize> = pseudo
                        .iter()
                        .copied()
                        .filter(|&u| half[u - trained] != h)
                        .collect();
                    let head = fit(&ys, &with(&other, &five));
                    for (r, &u) in own.iter().enumerate() {
                        if half[r] == h {
                            raw_cross[r] = head.scores(&xs[u]);
                        }
                    }
                }
            }
            results.push((
                format!("{name}+all"),
                score(&raw_all, &base.platt, &base.thresholds),
            ));
            results.push((
                format!("{name}+cross"),
                score(&raw_cross, &base.platt, &base.thresholds),
            ));
            if s.recalibrate {
                // Each training language scored by a head trained on the
                // others and the pseudo-labelled paragraphs.
                let mut oof = vec![Vec::new(); trained];
                for l in 0..folders.len() {
                    let others: Vec<usize> =
                        five.iter().copied().filter(|&u| language[u] != l).collect();
                    let head = fit(&ys, &with(&pseudo, &others));
                    for u in five.iter().copied().filter(|&u| language[u] == l) {
                        oof[u] = head.scores(&xs[u]);
                    }
                }
                let (platt, th) = crate::train::calibrate_scores(&oof, &ys[..trained], labels);
                results.push((format!("{name}+all+recal"), score(&raw_all, &platt, &th)));
                results.push((
                    format!("{name}+cross+recal"),
                    score(&raw_cross, &platt, &th),
                ));
            }
        }
        for (name, scores) in results {
            let slot = &mut out.iter_mut().find(|o| o.0 == name).expect("named").1;
            for (&u, s) in own.iter().zip(scores) {
                slot[units[u].0].push(s);
            }
        }
        done(test, &out);
    }
    out
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
