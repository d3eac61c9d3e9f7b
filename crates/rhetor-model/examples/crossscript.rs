//! Features that carry across scripts, measured (issue 15 item 3; the
//! shipped model is untouched; docs/evaluation.md).
//!
//! `cargo run --release -p rhetor-model --features study --example crossscript -- DATA VARIANT...`
//!
//! (The feature `study` compiles the library's `crossscript` featuriser,
//! which the shipped model does not need.)
//!
//! For each variant, a techniques head is trained as `rhetor train` trains
//! the fast model's (same seed, inner folds, calibration, thresholds) on
//! the 5-fold article-level folds of `rhetor train --cv 5` and on each
//! language left out in turn, and its decisions scored: paragraph
//! techniques micro-F1 per language and pooled, leave-one-language-out
//! with the unseen-language cap of 3 labels per paragraph, as the shipped
//! model decides a language it was not trained on. `shipped` reproduces
//! the shipped model's figures (docs/evaluation.md).
//!
//! The head for languages never trained on (docs/evaluation.md, "the fast
//! model's techniques decision learnt by leaving languages out"):
//! `MODES=dump=DIR` scores each variant leave-one-language-out only and
//! keeps every paragraph's probabilities and thresholds in
//! `DIR/VARIANT.bin`; `crossscript DATA mix=DIR A B W...` scores two kept
//! variants averaged in log-odds (B weighted W, thresholds alike).
//! `langfolds` is what ships: the shipped head calibrated and thresholded
//! on out-of-fold scores whose folds are the training languages.
use rhetor_formats::corpus::load_dataset;
use rhetor_formats::corpus::LabeledDocument;
use rhetor_model::calibrate::decide_multilabel;
use rhetor_model::crossscript::{held_out_scores, HeldOutScores, Variant};
use rhetor_model::math::sigmoid;
use rhetor_model::train::{fold_groups, language_groups};
use rhetor_model::UNSEEN_MAX_TECHNIQUES;
use std::path::PathBuf;
use std::time::Instant;

/// A variant by name: `+`-joined parts on top of the shipped features.
fn variant(name: &str) -> Option<Variant> {
    let mut v = Variant::default();
    if name == "shipped" {
        return Some(v);
    }
    for part in name.split('+') {
        match part {
            "fold" => v.fold_all = true,
            "nofold" => v.fold_all = false,
            "xchars" => v.folded_chars = 1.0,
            "xchars05" => v.folded_chars = 0.5,
            "cues" => v.script_cues = true,
            "nolang" => v.no_language_cue = true,
            "chars34" => (v.char_min, v.char_max) = (3, 4),
            "cw2" => v.char_weight = 2.0,
            "nowords" => v.words = false,
            "langfolds" => v.language_folds = true,
            "b18" => v.bits = 18,
            "b16" => v.bits = 16,
            "l2x3" => v.l2 *= 3.0,
            "l2x10" => v.l2 *= 10.0,
            "wlang2" => v.min_languages = 2,
            "wlang3" => v.min_languages = 3,
            "lang2" => (v.min_languages, v.filter_chars) = (2, true),
            "lang3" => (v.min_languages, v.filter_chars) = (3, true),
            _ => return None,
        }
    }
    Some(v)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [data, names @ ..] = args.as_slice() else {
        return Err("usage: crossscript DATA VARIANT... (shipped, or parts joined by +: fold, nofold, xchars, xchars05, cues, nolang, chars34, cw2, nowords, langfolds, b18, b16, l2x3, l2x10, wlang2, wlang3, lang2, lang3); or DATA mix=DIR A B W...".into());
    };
    let docs = load_dataset(&PathBuf::from(data), None)?;
    if let Some(dir) = names.first().and_then(|n| n.strip_prefix("mix=")) {
        return mix(&docs, dir, &names[1..]);
    }
    if names.first().map(String::as_str) == Some("model") {
        // The shipped recipe end to end: whole fast models trained without
        // each language, annotating it as `analyze` would (a left-out
        // language is one never trained on).
        let t = Instant::now();
        let preds = rhetor_model::leave_one_language_out(
            &docs,
            &rhetor_model::TrainOptions::default(),
            &rhetor_model::train::Silent,
        );
        let row = row(&tally(&docs, UNSEEN_MAX_TECHNIQUES, |i, p| {
            preds[i].paragraphs[p]
                .techniques
                .iter()
                .map(|t| (t.label.index(), t.score))
                .collect()
        }));
        println!("model\tlolo\t{row}\t{:.0}s", t.elapsed().as_secs_f64());
        return Ok(());
    }
    let modes: Vec<String> = std::env::var("MODES")
        .unwrap_or_else(|_| "cv,lolo".into())
        .split(',')
        .map(String::from)
        .collect();
    for name in names {
        let v = variant(name).ok_or(format!("unknown variant {name}"))?;
        for mode in &modes {
            let t = Instant::now();
            if let Some(dir) = mode.strip_prefix("dump=") {
                // Leave-one-language-out scores kept for `mix=`.
                let scores = held_out_scores(&docs, &language_groups(&docs), &v);
                std::fs::create_dir_all(dir)?;
                save(&PathBuf::from(dir).join(format!("{name}.bin")), &scores)?;
                let row = row(&tally(&docs, UNSEEN_MAX_TECHNIQUES, decided(&scores)));
                println!("{name}\tlolo\t{row}\t{:.0}s", t.elapsed().as_secs_f64());
                continue;
            }
            // 5-fold CV decides as for a training language (no cap);
            // leave-one-language-out as for a language never trained on.
            let (groups, cap) = match mode.as_str() {
                "cv" => (fold_groups(&docs, 5), usize::MAX),
                "lolo" => (language_groups(&docs), UNSEEN_MAX_TECHNIQUES),
                _ => return Err(format!("mode {mode}: cv or lolo").into()),
            };
            let scores = held_out_scores(&docs, &groups, &v);
            let row = row(&tally(&docs, cap, decided(&scores)));
            println!("{name}\t{mode}\t{row}\t{:.0}s", t.elapsed().as_secs_f64());
        }
    }
    Ok(())
}

/// Writes held-out scores: per document a paragraph count, per paragraph
/// every label's probability and threshold (f32, little-endian).
fn save(path: &std::path::Path, scores: &[Vec<HeldOutScores>]) -> std::io::Result<()> {
    let mut out = Vec::new();
    for d in scores {
        out.extend((d.len() as u32).to_le_bytes());
        for p in d {
            for (a, b) in p {
                out.extend(a.to_le_bytes());
                out.extend(b.to_le_bytes());
            }
        }
    }
    std::fs::write(path, out)
}

fn load(path: &std::path::Path) -> std::io::Result<Vec<Vec<HeldOutScores>>> {
    let bytes = std::fs::read(path)?;
    let mut words = bytes.chunks_exact(4).map(|c| [c[0], c[1], c[2], c[3]]);
    let mut next = || words.next().expect("a whole dump");
    let mut out = Vec::new();
    let labels = rhetor_core::Technique::COUNT;
    let total = bytes.len() / 4;
    let mut read = 0;
    while read < total {
        let n = u32::from_le_bytes(next());
        read += 1 + 2 * labels * n as usize;
        out.push(
            (0..n)
                .map(|_| {
                    (0..labels)
                        .map(|_| (f32::from_le_bytes(next()), f32::from_le_bytes(next())))
                        .collect()
                })
                .collect(),
        );
    }
    Ok(out)
}

/// Paragraph-level counts: true positives, false positives, false
/// negatives over (paragraph, technique) pairs.
#[derive(Debug, Clone, Copy, Default)]
struct Tally {
    tp: usize,
    fp: usize,
    fn_: usize,
}

impl Tally {
    /// Micro-F1 of the counts (0 when there is nothing to count).
    fn f1(&self) -> f64 {
        let d = 2 * self.tp + self.fp + self.fn_;
        if d == 0 {
            0.0
        } else {
            2.0 * self.tp as f64 / d as f64
        }
    }
}

/// The held-out head's own decision of paragraph `p` of document `i`: every
/// label at or above its threshold, most probable first.
fn decided(scores: &[Vec<HeldOutScores>]) -> impl Fn(usize, usize) -> Vec<(usize, f32)> + '_ {
    |i, p| {
        let (probs, th): (Vec<f32>, Vec<f32>) = scores[i][p].iter().copied().unzip();
        decide_multilabel(&probs, &th)
    }
}

/// Paragraph techniques counts per language folder (sorted) and pooled
/// (`"all"`, last), from a decision per (document, paragraph) keeping at
/// most `cap` labels; documents without paragraph labels are not counted.
fn tally(
    docs: &[LabeledDocument],
    cap: usize,
    decide: impl Fn(usize, usize) -> Vec<(usize, f32)>,
) -> Vec<(String, Tally)> {
    let mut folders: Vec<String> = docs.iter().map(|d| d.folder.clone()).collect();
    folders.sort();
    folders.dedup();
    let mut tallies = vec![Tally::default(); folders.len() + 1];
    for (i, d) in docs.iter().enumerate() {
        if !d.gold.techniques {
            continue;
        }
        let lang = folders.iter().position(|f| *f == d.folder).expect("listed");
        for (p, para) in d.doc.paragraphs.iter().enumerate() {
            let gold = rhetor_model::train::technique_targets(&para.techniques);
            let mut predicted = vec![false; gold.len()];
            for (l, _) in decide(i, p).into_iter().take(cap) {
                predicted[l] = true;
            }
            for (g, p) in gold.iter().zip(&predicted) {
                for t in [lang, folders.len()] {
                    let t = &mut tallies[t];
                    match (g, p) {
                        (true, true) => t.tp += 1,
                        (false, true) => t.fp += 1,
                        (true, false) => t.fn_ += 1,
                        _ => {}
                    }
                }
            }
        }
    }
    folders
        .into_iter()
        .chain(std::iter::once("all".to_string()))
        .zip(tallies)
        .collect()
}

fn row(tallies: &[(String, Tally)]) -> String {
    tallies
        .iter()
        .map(|(lang, t)| format!("{lang} {:.4}", t.f1()))
        .collect::<Vec<_>>()
        .join("\t")
}

fn logit(p: f32) -> f32 {
    let p = p.clamp(1e-6, 1.0 - 1e-6);
    (p / (1.0 - p)).ln()
}

/// `mix=DIR A B W...`: the dumped heads A and B averaged in log-odds (B
/// weighted W), thresholds averaged the same way, as the accurate model's
/// `unseen_mix` does; W = 0 is A alone, 1 is B alone.
fn mix(
    docs: &[LabeledDocument],
    dir: &str,
    args: &[String],
) -> Result<(), Box<dyn std::error::Error>> {
    let [a, b, ws @ ..] = args else {
        return Err("usage: crossscript DATA mix=DIR A B W...".into());
    };
    let sa = load(&PathBuf::from(dir).join(format!("{a}.bin")))?;
    let sb = load(&PathBuf::from(dir).join(format!("{b}.bin")))?;
    for w in ws {
        let w: f32 = w.parse()?;
        let row = row(&tally(docs, UNSEEN_MAX_TECHNIQUES, |i, p| {
            let (probs, th): (Vec<f32>, Vec<f32>) = sa[i][p]
                .iter()
                .zip(&sb[i][p])
                .map(|(&(pa, ta), &(pb, tb))| {
                    (
                        sigmoid((1.0 - w) * logit(pa) + w * logit(pb)),
                        sigmoid((1.0 - w) * logit(ta) + w * logit(tb)),
                    )
                })
                .unzip();
            decide_multilabel(&probs, &th)
        }));
        println!("{a}~{b}@{w}\tlolo\t{row}");
    }
    Ok(())
}
