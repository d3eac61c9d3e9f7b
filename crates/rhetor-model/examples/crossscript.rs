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
//!
//! `crossscript DATA nested=DIR A[~B@W,W...] FAMILY...` re-tunes that
//! decision on a kept variant (or a mix of two, the weight chosen too) and
//! scores it honestly: for each left-out language the rule of each family
//! (cap, shifts, techniques dropped, ...; `choose`) is chosen on the
//! other five languages' held-out scores only (docs/evaluation.md, "the
//! fast model's unseen-language decision re-tuned by nested
//! leave-one-language-out").
use rhetor_formats::corpus::load_dataset;
use rhetor_formats::corpus::LabeledDocument;
use rhetor_model::calibrate::decide_multilabel;
use rhetor_model::crossscript::{
    held_out_scores, self_trained_scores, HeldOutScores, SelfTraining, Variant,
};
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
        return Err("usage: crossscript DATA VARIANT... (shipped, or parts joined by +: fold, nofold, xchars, xchars05, cues, nolang, chars34, cw2, nowords, langfolds, b18, b16, l2x3, l2x10, wlang2, wlang3, lang2, lang3); or DATA mix=DIR A B W...; or DATA nested=DIR A[~B@W,W...|B|C...] FAMILY...; or DATA self=DIR VARIANT SETTING...".into());
    };
    let docs = load_dataset(&PathBuf::from(data), None)?;
    if let Some(dir) = names.first().and_then(|n| n.strip_prefix("mix=")) {
        return mix(&docs, dir, &names[1..]);
    }
    if let Some(dir) = names.first().and_then(|n| n.strip_prefix("nested=")) {
        return nested(&docs, dir, &names[1..]);
    }
    if let Some(dir) = names.first().and_then(|n| n.strip_prefix("match=")) {
        for name in &names[1..] {
            matched(&docs, dir, name)?;
        }
        return Ok(());
    }
    if let Some(dir) = names.first().and_then(|n| n.strip_prefix("self=")) {
        return self_training(&docs, dir, &names[1..]);
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

    /// Counts one (paragraph, label) pair: gold and predicted or not.
    fn add(&mut self, gold: bool, predicted: bool) {
        match (gold, predicted) {
            (true, true) => self.tp += 1,
            (false, true) => self.fp += 1,
            (true, false) => self.fn_ += 1,
            (false, false) => {}
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
    tally_where(docs, |_| true, cap, decide)
}

/// [`tally`] of the documents `keep` accepts only.
fn tally_where(
    docs: &[LabeledDocument],
    keep: impl Fn(usize) -> bool,
    cap: usize,
    decide: impl Fn(usize, usize) -> Vec<(usize, f32)>,
) -> Vec<(String, Tally)> {
    let mut folders: Vec<String> = docs.iter().map(|d| d.folder.clone()).collect();
    folders.sort();
    folders.dedup();
    let mut tallies = vec![Tally::default(); folders.len() + 1];
    for (i, d) in docs.iter().enumerate() {
        if !d.gold.techniques || !keep(i) {
            continue;
        }
        let lang = folders.iter().position(|f| *f == d.folder).expect("listed");
        for (p, para) in d.doc.paragraphs.iter().enumerate() {
            let gold = rhetor_model::train::technique_targets(&para.techniques);
            let mut predicted = vec![false; gold.len()];
            for (l, _) in decide(i, p).into_iter().take(cap) {
                predicted[l] = true;
            }
            for (&g, &p) in gold.iter().zip(&predicted) {
                for t in [lang, folders.len()] {
                    tallies[t].add(g, p);
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

/// One paragraph of a dumped variant, as the nested study reads it: its
/// labels most probable first, each with its log-odds margin over its
/// threshold, and its gold labels.
struct Para {
    language: usize,
    order: Vec<usize>,
    margin: Vec<f32>,
    prob: Vec<f32>,
    gold: Vec<bool>,
}

/// A decision for a language never trained on, on top of a dumped
/// variant's probabilities and thresholds: label `l` is kept when its
/// log-odds margin is at least `shift[l]` and it is not dropped, the most
/// probable first, at most `cap` per paragraph.
#[derive(Clone, Debug)]
struct Rule {
    shift: Vec<f32>,
    keep: Vec<bool>,
    cap: usize,
    /// When set, one probability threshold for every label instead of
    /// the dumped thresholds and shifts.
    global: Option<f32>,
    /// At most the paragraph's expected label count (the sum of its
    /// probabilities, rounded) too.
    expected: bool,
}

impl Rule {
    fn plain(cap: usize) -> Rule {
        Rule {
            shift: vec![0.0; rhetor_core::Technique::COUNT],
            keep: vec![true; rhetor_core::Technique::COUNT],
            cap,
            global: None,
            expected: false,
        }
    }
}

/// Tallies of `rule` per language (and pooled, last).
fn judge(paras: &[Para], languages: usize, rule: &Rule) -> Vec<Tally> {
    let mut out = vec![Tally::default(); languages + 1];
    for p in paras {
        let mut predicted = vec![false; p.gold.len()];
        let mut n = 0;
        let cap = if rule.expected {
            rule.cap.min(p.prob.iter().sum::<f32>().round() as usize)
        } else {
            rule.cap
        };
        for &l in &p.order {
            if n == cap {
                break;
            }
            let over = match rule.global {
                Some(t) => p.prob[l] >= t,
                None => p.margin[l] >= rule.shift[l],
            };
            if rule.keep[l] && over {
                predicted[l] = true;
                n += 1;
            }
        }
        for (&g, &q) in p.gold.iter().zip(&predicted) {
            for t in [p.language, languages] {
                out[t].add(g, q);
            }
        }
    }
    out
}

/// Micro-F1 of `rule` pooled over the languages `on` (by index).
fn score_on(paras: &[Para], languages: usize, rule: &Rule, on: &[usize]) -> f64 {
    let t = judge(paras, languages, rule);
    let mut s = Tally::default();
    for &l in on {
        s.tp += t[l].tp;
        s.fp += t[l].fp;
        s.fn_ += t[l].fn_;
    }
    s.f1()
}

/// A rule chosen on the languages `on` by one of the studied families.
fn choose(paras: &[Para], languages: usize, family: &str, on: &[usize]) -> Rule {
    let caps = [1usize, 2, 3, 4, 5, usize::MAX];
    let shifts: Vec<f32> = (-15..=15).map(|i| i as f32 * 0.1).collect();
    let best = |rules: Vec<Rule>| -> Rule {
        let mut top: Option<(f64, Rule)> = None;
        for r in rules {
            let f = score_on(paras, languages, &r, on);
            // Strictly better only: the first (plainest) rule wins ties.
            if top.as_ref().is_none_or(|(g, _)| f > *g + 1e-12) {
                top = Some((f, r));
            }
        }
        top.expect("a rule").1
    };
    let shift_cap = || {
        let mut rules = Vec::new();
        for &c in &caps {
            for &s in &shifts {
                let mut r = Rule::plain(c);
                r.shift.iter_mut().for_each(|x| *x = s);
                rules.push(r);
            }
        }
        best(rules)
    };
    // Greedy backward elimination of labels from `start`.
    let drop = |start: Rule| {
        let mut cur = start;
        let mut f = score_on(paras, languages, &cur, on);
        loop {
            let mut next: Option<(f64, Rule)> = None;
            for l in 0..cur.keep.len() {
                if !cur.keep[l] {
                    continue;
                }
                let mut r = cur.clone();
                r.keep[l] = false;
                let g = score_on(paras, languages, &r, on);
                if g > next.as_ref().map_or(f, |(h, _)| *h) + 1e-12 {
                    next = Some((g, r));
                }
            }
            match next {
                Some((g, r)) => (f, cur) = (g, r),
                None => return cur,
            }
        }
    };
    // Per-label shifts, coordinate ascent (two passes) from `start`.
    let per_label = |start: Rule| {
        let mut cur = start;
        let grid: Vec<f32> = (-6..=6).map(|i| i as f32 * 0.25).collect();
        for _ in 0..2 {
            for l in 0..cur.shift.len() {
                let mut rules = vec![cur.clone()];
                for &s in &grid {
                    let mut r = cur.clone();
                    r.shift[l] = s;
                    rules.push(r);
                }
                cur = best(rules);
            }
        }
        cur
    };
    match family {
        "plain" => Rule::plain(UNSEEN_MAX_TECHNIQUES),
        "stabledrop" => {
            // Only the labels `drop` removes whichever one of the
            // languages `on` is also left out.
            let mut r = Rule::plain(UNSEEN_MAX_TECHNIQUES);
            let runs: Vec<Rule> = on
                .iter()
                .map(|&x| {
                    let fewer: Vec<usize> = on.iter().copied().filter(|&l| l != x).collect();
                    choose(paras, languages, "drop", &fewer)
                })
                .collect();
            for l in 0..r.keep.len() {
                r.keep[l] = runs.iter().any(|q| q.keep[l]);
            }
            r
        }
        "raise" => {
            // Per-label thresholds only raised (log-odds +0.5, +1, +2, or
            // the label dropped), coordinate ascent, two passes.
            let mut cur = Rule::plain(UNSEEN_MAX_TECHNIQUES);
            for _ in 0..2 {
                for l in 0..cur.shift.len() {
                    let mut rules = vec![cur.clone()];
                    for s in [0.0f32, 0.5, 1.0, 2.0, f32::INFINITY] {
                        let mut r = cur.clone();
                        r.shift[l] = s;
                        rules.push(r);
                    }
                    cur = best(rules);
                }
            }
            cur
        }
        "cap" => best(caps.iter().map(|&c| Rule::plain(c)).collect()),
        "shift" => shift_cap(),
        "drop" => drop(Rule::plain(UNSEEN_MAX_TECHNIQUES)),
        "shiftdrop" => drop(shift_cap()),
        "perlabel" => per_label(Rule::plain(UNSEEN_MAX_TECHNIQUES)),
        "global" => {
            let mut rules = Vec::new();
            for &c in &caps {
                for i in 2..=24 {
                    let mut r = Rule::plain(c);
                    r.global = Some(i as f32 * 0.025);
                    rules.push(r);
                }
            }
            best(rules)
        }
        "expected" => Rule {
            expected: true,
            ..Rule::plain(UNSEEN_MAX_TECHNIQUES)
        },
        "expcap" => best(
            caps.iter()
                .map(|&c| Rule {
                    expected: true,
                    ..Rule::plain(c)
                })
                .collect(),
        ),
        "capdrop" => drop(best(caps.iter().map(|&c| Rule::plain(c)).collect())),
        "precdrop" => {
            // Drop each label whose precision under the plain rule is
            // under half the rule's micro-F1 (a label then lowers it).
            let mut r = Rule::plain(UNSEEN_MAX_TECHNIQUES);
            let f = score_on(paras, languages, &r, on);
            let mut tp = vec![0usize; r.keep.len()];
            let mut np = vec![0usize; r.keep.len()];
            for p in paras.iter().filter(|p| on.contains(&p.language)) {
                let mut n = 0;
                for &l in &p.order {
                    if n == r.cap {
                        break;
                    }
                    if p.margin[l] >= 0.0 {
                        n += 1;
                        np[l] += 1;
                        tp[l] += p.gold[l] as usize;
                    }
                }
            }
            for l in 0..r.keep.len() {
                r.keep[l] = np[l] == 0 || tp[l] as f64 / np[l] as f64 >= f / 2.0;
            }
            r
        }
        _ => panic!(
            "family {family}: plain, raise, stabledrop, cap, shift, drop, shiftdrop, perlabel, global, expected, expcap, capdrop or precdrop"
        ),
    }
}

/// `nested=DIR A FAMILY...`: for the dumped variant A, each family's
/// decision chosen honestly for each left-out language on the other five
/// languages' held-out scores only (nested leave-one-language-out), and
/// the decision chosen on all six (what would ship, scored in-sample).
fn nested(
    docs: &[LabeledDocument],
    dir: &str,
    args: &[String],
) -> Result<(), Box<dyn std::error::Error>> {
    let [spec, families @ ..] = args else {
        return Err("usage: crossscript DATA nested=DIR A[~B@W,W...] FAMILY...".into());
    };
    // `A~B@W,W...`: A and B averaged in log-odds, B weighted W (as
    // `mix=`), the weight chosen with the rule on the other languages.
    // `A|B|C`: one of the kept variants, chosen with the rule.
    let mixes: Vec<(&str, Option<&str>, f32)> = match spec.split_once('~') {
        None => spec.split('|').map(|a| (a, None, 0.0f32)).collect(),
        Some((a, rest)) => {
            let (b, ws) = rest.split_once('@').ok_or("A~B@W,W...")?;
            let ws: Vec<f32> = ws.split(',').map(str::parse).collect::<Result<_, _>>()?;
            ws.into_iter().map(|w| (a, Some(b), w)).collect()
        }
    };
    let chosen = |k: usize| match mixes[k] {
        (a, None, _) => a.to_string(),
        (_, Some(_), w) => format!("weight {w}"),
    };
    let mut folders: Vec<String> = docs.iter().map(|d| d.folder.clone()).collect();
    folders.sort();
    folders.dedup();
    let mut sets: Vec<Vec<Para>> = Vec::new();
    for &(a, b, w) in &mixes {
        let sa = load(&PathBuf::from(dir).join(format!("{a}.bin")))?;
        let sb = match b {
            Some(b) => Some(load(&PathBuf::from(dir).join(format!("{b}.bin")))?),
            None => None,
        };
        let mut paras = Vec::new();
        for (i, d) in docs.iter().enumerate() {
            if !d.gold.techniques {
                continue;
            }
            let language = folders.iter().position(|f| *f == d.folder).expect("listed");
            for (p, para) in d.doc.paragraphs.iter().enumerate() {
                let s: Vec<(f32, f32)> = match &sb {
                    None => sa[i][p].clone(),
                    Some(sb) => sa[i][p]
                        .iter()
                        .zip(&sb[i][p])
                        .map(|(&(pa, ta), &(pb, tb))| {
                            (
                                sigmoid((1.0 - w) * logit(pa) + w * logit(pb)),
                                sigmoid((1.0 - w) * logit(ta) + w * logit(tb)),
                            )
                        })
                        .collect(),
                };
                let mut order: Vec<usize> = (0..s.len()).collect();
                // As `decide_multilabel`: most probable first.
                order.sort_by(|&x, &y| s[y].0.total_cmp(&s[x].0));
                paras.push(Para {
                    language,
                    order,
                    margin: s.iter().map(|&(p, t)| logit(p) - logit(t)).collect(),
                    prob: s.iter().map(|&(p, _)| p).collect(),
                    gold: rhetor_model::train::technique_targets(&para.techniques),
                });
            }
        }
        sets.push(paras);
    }
    let n = folders.len();
    let names: Vec<(String, Tally)> = folders
        .iter()
        .cloned()
        .chain(std::iter::once("all".into()))
        .map(|f| (f, Tally::default()))
        .collect();
    // The weight and rule that do best on the languages `on`.
    let pick = |family: &str, on: &[usize]| -> (usize, Rule) {
        let mut top: Option<(f64, usize, Rule)> = None;
        for (k, paras) in sets.iter().enumerate() {
            let rule = choose(paras, n, family, on);
            let f = score_on(paras, n, &rule, on);
            if top.as_ref().is_none_or(|(g, _, _)| f > *g + 1e-12) {
                top = Some((f, k, rule));
            }
        }
        let (_, k, rule) = top.expect("a weight");
        (k, rule)
    };
    for family in families {
        let mut rows = names.clone();
        for (held, folder) in folders.iter().enumerate() {
            let others: Vec<usize> = (0..n).filter(|&l| l != held).collect();
            let (k, rule) = pick(family, &others);
            let t = judge(&sets[k], n, &rule)[held];
            for k in [held, n] {
                rows[k].1.tp += t.tp;
                rows[k].1.fp += t.fp;
                rows[k].1.fn_ += t.fn_;
            }
            eprintln!(
                "{spec} {family} without {folder}: {} {}",
                chosen(k),
                describe(&rule)
            );
        }
        println!("{spec}\t{family}\tnested\t{}", row(&rows));
        let all: Vec<usize> = (0..n).collect();
        let (k, rule) = pick(family, &all);
        let t = judge(&sets[k], n, &rule);
        let rows: Vec<(String, Tally)> = names.iter().map(|(f, _)| f.clone()).zip(t).collect();
        println!(
            "{spec}\t{family}\tall six\t{}\t{} {}",
            row(&rows),
            chosen(k),
            describe(&rule)
        );
    }
    Ok(())
}

fn describe(rule: &Rule) -> String {
    let dropped: Vec<String> = (0..rule.keep.len())
        .filter(|&l| !rule.keep[l])
        .map(|l| rhetor_core::Technique::from_index(l).map_or(l.to_string(), |t| format!("{t:?}")))
        .collect();
    let shifts: Vec<String> = rule.shift.iter().map(|s| format!("{s:.2}")).collect();
    format!(
        "global {:?} expected {} cap {} shifts [{}] dropped [{}]",
        rule.global,
        rule.expected,
        if rule.cap == usize::MAX {
            "none".into()
        } else {
            rule.cap.to_string()
        },
        shifts.join(" "),
        dropped.join(" ")
    )
}

/// A self-training setting by name: `+`-joined parts, `dec` (every
/// decided label a pseudo-label) or `topF` (each technique's most probable
/// fraction F of its decisions), `wW` (the share W of the pseudo-labelled
/// paragraphs trained on, 1 by default), `rN` (N rounds, each
/// pseudo-labelling with the previous round's cross-fitted decision; 1 by
/// default) and `recal` (the decision re-derived too).
fn self_setting(name: &str) -> Option<SelfTraining> {
    let mut s = SelfTraining {
        top: 1.0,
        weight: 1.0,
        recalibrate: false,
        rounds: 1,
    };
    for part in name.split('+') {
        if part == "dec" {
            s.top = 1.0;
        } else if part == "recal" {
            s.recalibrate = true;
        } else if let Some(f) = part.strip_prefix("top") {
            s.top = f.parse().ok()?;
        } else if let Some(w) = part.strip_prefix('w') {
            s.weight = w.parse().ok()?;
        } else if let Some(r) = part.strip_prefix('r') {
            s.rounds = r.parse().ok()?;
        } else {
            return None;
        }
    }
    Some(s)
}

/// `self=DIR VARIANT SETTING...`: self-training on each left-out
/// language's own paragraphs (no labels read), from the variant's head
/// trained on the other five (`langfolds`: the shipped unseen-language
/// decision); every output kept in `DIR/NAME.bin` for `nested=` and its
/// row printed (`self_trained_scores`; docs/evaluation.md, "self-training
/// on the new language's text").
fn self_training(
    docs: &[LabeledDocument],
    dir: &str,
    args: &[String],
) -> Result<(), Box<dyn std::error::Error>> {
    let [name, settings @ ..] = args else {
        return Err("usage: crossscript DATA self=DIR VARIANT SETTING...".into());
    };
    let v = variant(name).ok_or(format!("unknown variant {name}"))?;
    let settings: Vec<(String, SelfTraining)> = settings
        .iter()
        .map(|s| Some((s.clone(), self_setting(s)?)))
        .collect::<Option<_>>()
        .ok_or("a setting: dec or topF, wW, rN, recal joined by +")?;
    std::fs::create_dir_all(dir)?;
    let t = Instant::now();
    let out = self_trained_scores(
        docs,
        &language_groups(docs),
        &v,
        &settings,
        UNSEEN_MAX_TECHNIQUES,
        &mut |group, out| {
            let in_group = |i: usize| group.contains(&i);
            for (name, scores) in out {
                let rows = tally_where(docs, in_group, UNSEEN_MAX_TECHNIQUES, decided(scores));
                let (lang, t) = rows
                    .iter()
                    .find(|(_, t)| t.tp + t.fp + t.fn_ > 0)
                    .expect("a scored language");
                println!(
                    "{name}\t{lang}\t{:.4}\ttp {} fp {} fn {}",
                    t.f1(),
                    t.tp,
                    t.fp,
                    t.fn_
                );
            }
            eprintln!("{:.0}s", t.elapsed().as_secs_f64());
        },
    );
    for (name, scores) in &out {
        save(&PathBuf::from(dir).join(format!("{name}.bin")), scores)?;
        let row = row(&tally(docs, UNSEEN_MAX_TECHNIQUES, decided(scores)));
        println!("{name}\tlolo\t{row}");
    }
    for (name, _) in out.iter().skip(1) {
        matched(docs, dir, name)?;
    }
    Ok(())
}

/// `match=DIR NAME...`: the kept self-trained output NAME decided, in each
/// language, by per-technique thresholds that keep as many paragraphs of
/// each technique as the base head decided there (before the cap): the
/// self-trained scores only re-rank the paragraphs, the density is the
/// base decision's (label-free). Kept as `DIR/NAME+match.bin`.
fn matched(
    docs: &[LabeledDocument],
    dir: &str,
    name: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    let base = load(&PathBuf::from(dir).join("base.bin"))?;
    let mut scores = load(&PathBuf::from(dir).join(format!("{name}.bin")))?;
    let labels = rhetor_core::Technique::COUNT;
    for group in language_groups(docs) {
        for l in 0..labels {
            let count = group
                .iter()
                .flat_map(|&i| base[i].iter())
                .filter(|p| p[l].0 >= p[l].1)
                .count();
            let mut probs: Vec<f32> = group
                .iter()
                .flat_map(|&i| scores[i].iter())
                .map(|p| p[l].0)
                .collect();
            probs.sort_by(|a, b| b.total_cmp(a));
            // Above every probability when nothing was decided.
            let th = if count == 0 { 2.0 } else { probs[count - 1] };
            for &i in &group {
                scores[i].iter_mut().for_each(|p| p[l].1 = th);
            }
        }
    }
    save(
        &PathBuf::from(dir).join(format!("{name}+match.bin")),
        &scores,
    )?;
    let row = row(&tally(docs, UNSEEN_MAX_TECHNIQUES, decided(&scores)));
    println!("{name}+match\tlolo\t{row}");
    Ok(())
}
