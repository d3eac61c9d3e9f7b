//! Chooses the span decision by cross-validation, from the held-out scores
//! `examples/evidence_oof.rs` cached (docs/evaluation.md).
//!
//! `cargo run --release -p rhetor-model --example evidence_tune -- DATA OOF`
//!
//! Prints span precision, recall and F1 (partial overlap, as `rhetor eval
//! --task spans`, pooled over the languages) of the decision that shipped
//! before (`legacy`), of each [`SpanRule`] in a grid, the best rule per
//! evidence level, and the chosen rules per language.

use rayon::prelude::*;
use rhetor_core::{Document, Span, Task, Technique};
use rhetor_eval::score_documents;
use rhetor_formats::corpus::LabeledDocument;
use rhetor_model::calibrate::decide_multilabel;
use rhetor_model::evidence::{
    decide_spans, typical_lengths, FunctionWords, ParagraphText, SpanRule, DEFAULT_RULES,
    FUNCTION_WORDS_PER_LANGUAGE,
};
use rhetor_model::{tokenize, Token};
use serde::Deserialize;
use std::path::PathBuf;

#[derive(Deserialize)]
struct Rules {
    technique_thresholds: Vec<f32>,
    #[allow(dead_code)]
    frame_thresholds: Vec<f32>,
    #[allow(dead_code)]
    genre_offsets: Vec<f32>,
}

#[derive(Deserialize)]
struct Held {
    group: usize,
    techniques: Vec<Vec<f32>>,
    tokens: Vec<Vec<Vec<u16>>>,
    #[allow(dead_code)]
    frames: Vec<f32>,
    #[allow(dead_code)]
    genre: Vec<f32>,
}

#[derive(Deserialize)]
struct Dump {
    groups: Vec<Rules>,
    docs: Vec<Held>,
}

/// One predicted (paragraph, technique): what a span decision reads.
struct Pair {
    doc: usize,
    tokens: usize, // index into `Para`
    technique: usize,
    p_par: f32,
}

struct Para {
    tokens: Vec<Token>,
    chars: Vec<char>,
    base: usize,
    /// `[token][technique]`
    probs: Vec<Vec<f32>>,
}

/// The decision that shipped before: tokens ≥ 0.5, one-token gaps
/// bridged, the best run when none passes; nothing trimmed or snapped.
fn legacy(tokens: &[Token], probs: &[f32], p_par: f32) -> Vec<(usize, usize, f32)> {
    if tokens.is_empty() {
        return Vec::new();
    }
    let mut keep: Vec<bool> = probs.iter().map(|&p| p >= 0.5).collect();
    if !keep.iter().any(|&k| k) {
        let best = (0..probs.len())
            .max_by(|&a, &b| probs[a].total_cmp(&probs[b]))
            .unwrap_or(0);
        let floor = probs[best] * 0.8;
        let (mut s, mut e) = (best, best);
        while s > 0 && probs[s - 1] >= floor {
            s -= 1;
        }
        while e + 1 < probs.len() && probs[e + 1] >= floor {
            e += 1;
        }
        keep[s..=e].iter_mut().for_each(|k| *k = true);
    }
    for k in 1..keep.len().saturating_sub(1) {
        if !keep[k] && keep[k - 1] && keep[k + 1] {
            keep[k] = true;
        }
    }
    let mut out = Vec::new();
    let mut k = 0;
    while k < keep.len() {
        if !keep[k] {
            k += 1;
            continue;
        }
        let s = k;
        while k < keep.len() && keep[k] {
            k += 1;
        }
        let mean = probs[s..k].iter().sum::<f32>() / (k - s) as f32;
        out.push((tokens[s].start, tokens[k - 1].end, p_par * mean));
    }
    out
}

struct Setup {
    gold: Vec<Document>,
    golden: Vec<bool>,
    folders: Vec<String>,
    paras: Vec<Para>,
    pairs: Vec<Pair>,
    fw: Vec<FunctionWords>,
    lengths: Vec<Vec<u16>>,
    group_of: Vec<usize>,
}

#[derive(Clone, Copy, Default)]
struct Prf {
    p: f64,
    r: f64,
    f: f64,
    n: usize,
}

/// A span decision under test: the spans (start, end, score) it keeps of
/// one paragraph.
type Decide<'a> =
    dyn Fn(&Pair, &Para, &FunctionWords, usize) -> Vec<(usize, usize, f32)> + Sync + 'a;

impl Setup {
    /// Span scores, pooled and per language, of a decision.
    fn score(&self, decide: &Decide, langs: bool) -> (Prf, Vec<(String, Prf)>) {
        let spans: Vec<Vec<(Technique, usize, usize)>> = {
            let found: Vec<Vec<(usize, Technique, usize, usize)>> = self
                .pairs
                .par_iter()
                .map(|pair| {
                    let para = &self.paras[pair.tokens];
                    let t = Technique::from_index(pair.technique).expect("a technique");
                    let g = self.group_of[pair.doc];
                    let typical = self.lengths[g][pair.technique] as usize;
                    decide(pair, para, &self.fw[g], typical)
                        .into_iter()
                        .map(|(s, e, _)| (pair.doc, t, s, e))
                        .collect()
                })
                .collect();
            let mut per_doc = vec![Vec::new(); self.gold.len()];
            for (d, t, s, e) in found.into_iter().flatten() {
                per_doc[d].push((t, s, e));
            }
            per_doc
        };
        let pred: Vec<Document> = self
            .gold
            .iter()
            .zip(&spans)
            .map(|(g, sp)| {
                let mut d = Document::from_title_and_body(&g.id, "", "");
                d.spans = sp
                    .iter()
                    .map(|&(technique, start, end)| Span {
                        technique,
                        start,
                        end,
                        text: String::new(),
                        score: 1.0,
                    })
                    .collect();
                d
            })
            .collect();
        let score_of = |idx: &[usize]| {
            let g: Vec<&Document> = idx.iter().map(|&i| &self.gold[i]).collect();
            let p: Vec<&Document> = idx.iter().map(|&i| &pred[i]).collect();
            let r = score_documents(Task::Spans, &g, &p);
            let n = idx.iter().map(|&i| pred[i].spans.len()).sum();
            Prf {
                p: r.precision.unwrap_or(0.0),
                r: r.recall.unwrap_or(0.0),
                f: r.micro_f1,
                n,
            }
        };
        let all: Vec<usize> = (0..self.gold.len()).filter(|&i| self.golden[i]).collect();
        let pooled = score_of(&all);
        let mut per = Vec::new();
        if langs {
            let mut fs = self.folders.clone();
            fs.sort();
            fs.dedup();
            for f in fs {
                let idx: Vec<usize> = all
                    .iter()
                    .copied()
                    .filter(|&i| self.folders[i] == f)
                    .collect();
                per.push((f, score_of(&idx)));
            }
        }
        (pooled, per)
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [data, oof] = &args[..] else {
        return Err("usage: evidence_tune DATA OOF".into());
    };
    let docs: Vec<LabeledDocument> =
        rhetor_formats::corpus::load_dataset(&PathBuf::from(data), None)?;
    let dump: Dump = postcard::from_bytes(&std::fs::read(oof)?)?;
    assert_eq!(dump.docs.len(), docs.len(), "the dump is of this dataset");
    // Ids are unique within a language only: prefix them.
    let gold: Vec<Document> = docs
        .iter()
        .map(|d| {
            let mut g = d.doc.clone();
            g.id = format!("{}/{}", d.folder, g.id);
            g
        })
        .collect();
    let golden: Vec<bool> = docs.iter().map(|d| d.gold.spans).collect();
    let folders: Vec<String> = docs.iter().map(|d| d.folder.clone()).collect();
    let group_of: Vec<usize> = dump.docs.iter().map(|h| h.group).collect();
    // Function words as each held-out model learns them: from the training
    // paragraphs of the other groups, per language folder.
    let fw: Vec<FunctionWords> = (0..dump.groups.len())
        .map(|g| {
            let mut fs = folders.clone();
            fs.sort();
            fs.dedup();
            let by_lang: Vec<Vec<&str>> = fs
                .iter()
                .map(|f| {
                    docs.iter()
                        .enumerate()
                        .filter(|(i, d)| group_of[*i] != g && &d.folder == f)
                        .flat_map(|(_, d)| d.doc.paragraphs.iter().map(|p| p.text.as_str()))
                        .collect()
                })
                .filter(|v: &Vec<&str>| !v.is_empty())
                .collect();
            FunctionWords::learn(by_lang, FUNCTION_WORDS_PER_LANGUAGE)
        })
        .collect();
    let lengths: Vec<Vec<u16>> = (0..dump.groups.len())
        .map(|g| {
            typical_lengths(
                docs.iter()
                    .enumerate()
                    .filter(|(i, d)| group_of[*i] != g && d.gold.spans)
                    .flat_map(|(_, d)| d.doc.spans.iter())
                    .map(|s| (s.technique.index(), s.end.saturating_sub(s.start))),
            )
        })
        .collect();
    let mut paras = Vec::new();
    let mut pairs = Vec::new();
    for (i, (d, h)) in docs.iter().zip(&dump.docs).enumerate() {
        let thr = &dump.groups[h.group].technique_thresholds;
        for ((p, tp), tok) in d.doc.paragraphs.iter().zip(&h.techniques).zip(&h.tokens) {
            let decided = decide_multilabel(tp, thr);
            if decided.is_empty() {
                continue;
            }
            let tokens = tokenize(&p.text, p.start);
            assert_eq!(tokens.len(), tok.len());
            paras.push(Para {
                tokens,
                chars: p.text.chars().collect(),
                base: p.start,
                probs: tok
                    .iter()
                    .map(|t| t.iter().map(|&v| v as f32 / 65535.0).collect())
                    .collect(),
            });
            for (t, p_par) in decided {
                let right = p.techniques.iter().any(|g| g.label.index() == t);
                if std::env::var_os("ORACLE").is_some() && !right {
                    continue;
                }
                pairs.push(Pair {
                    doc: i,
                    tokens: paras.len() - 1,
                    technique: t,
                    p_par,
                });
            }
        }
    }
    let setup = Setup {
        gold,
        golden,
        folders,
        paras,
        pairs,
        fw,
        lengths,
        group_of,
    };
    let column = |para: &Para, t: usize| -> Vec<f32> { para.probs.iter().map(|r| r[t]).collect() };
    let show = |name: &str, (p, per): &(Prf, Vec<(String, Prf)>)| {
        let langs: Vec<String> = per
            .iter()
            .map(|(l, s)| format!("{l} {:.3}/{:.3}/{:.3}", s.p, s.r, s.f))
            .collect();
        println!(
            "{name}: P {:.3} R {:.3} F1 {:.3} spans {} | {}",
            p.p,
            p.r,
            p.f,
            p.n,
            langs.join(" ")
        );
    };
    let base = setup.score(
        &|pair, para, _, _| legacy(&para.tokens, &column(para, pair.technique), pair.p_par),
        true,
    );
    show("legacy", &base);
    let decide_with = |rule: SpanRule| {
        move |pair: &Pair, para: &Para, fw: &FunctionWords, typical: usize| {
            let text = ParagraphText {
                chars: &para.chars,
                base: para.base,
            };
            decide_spans(
                &para.tokens,
                &column(para, pair.technique),
                pair.p_par,
                &text,
                &rule,
                fw,
                typical,
            )
        }
    };
    // LEVELS="p;b;r", each as RULE below: the levels to score and
    // calibrate instead of the fast model's (the accurate model's blend).
    let levels: [SpanRule; 3] = match std::env::var("LEVELS") {
        Ok(v) => {
            let rules: Vec<SpanRule> = v.split(';').map(parse_rule).collect();
            rules.try_into().map_err(|_| "LEVELS: three rules")?
        }
        Err(_) => DEFAULT_RULES,
    };
    for (level, rule) in ["precise", "balanced", "recall"].iter().zip(levels) {
        show(
            &format!("shipped {level} {rule:?}"),
            &setup.score(&decide_with(rule), true),
        );
    }
    if std::env::var_os("CALIBRATION").is_some() {
        // Each shown span's score against whether it overlaps a gold span
        // of its technique, per language family, at each level.
        for (level, rule) in ["precise", "balanced", "recall"].iter().zip(levels) {
            let decide = decide_with(rule);
            // The Platt scaling of this level's raw scores, fitted on all
            // held-out spans: what the rule's `calibration` holds.
            let raw = decide_with(SpanRule {
                calibration: None,
                ..rule
            });
            let (mut scores, mut ys) = (Vec::new(), Vec::new());
            for pair in &setup.pairs {
                let d = &docs[pair.doc];
                if !d.gold.spans {
                    continue;
                }
                let g = setup.group_of[pair.doc];
                let para = &setup.paras[pair.tokens];
                let typical = setup.lengths[g][pair.technique] as usize;
                for (s, e, score) in raw(pair, para, &setup.fw[g], typical) {
                    scores.push(score);
                    ys.push(d.doc.spans.iter().any(|x| {
                        x.technique.index() == pair.technique && x.start < e && x.end > s
                    }));
                }
            }
            println!(
                "{level}: fitted {:?}",
                rhetor_model::calibrate::Platt::fit(&scores, &ys)
            );
            for fam in ["Germanic (en, ge)", "Romance (fr, it)", "Slavic (po, ru)"] {
                let mut items = Vec::new();
                for pair in &setup.pairs {
                    let d = &docs[pair.doc];
                    let in_family = match d.folder.as_str() {
                        "en" | "ge" => fam.starts_with("Germanic"),
                        "fr" | "it" => fam.starts_with("Romance"),
                        _ => fam.starts_with("Slavic"),
                    };
                    if !in_family || !d.gold.spans {
                        continue;
                    }
                    let g = setup.group_of[pair.doc];
                    let para = &setup.paras[pair.tokens];
                    let typical = setup.lengths[g][pair.technique] as usize;
                    for (s, e, score) in decide(pair, para, &setup.fw[g], typical) {
                        let right = d.doc.spans.iter().any(|x| {
                            x.technique.index() == pair.technique && x.start < e && x.end > s
                        });
                        items.push((score, right));
                    }
                }
                let (ece, table) = rhetor_model::calibrate::reliability(&items, 10);
                println!("{level} spans, {fam}: n {} ECE {ece:.3}", items.len());
                for (i, b) in table.iter().enumerate().filter(|(_, b)| b.count > 0) {
                    println!(
                        "  [{:.1}, {:.1}) n {:6} mean score {:.3} right {:.3}",
                        i as f32 / 10.0,
                        (i + 1) as f32 / 10.0,
                        b.count,
                        b.mean_score,
                        b.right
                    );
                }
            }
        }
        return Ok(());
    }
    if let Ok(extra) = std::env::var("RULE") {
        // One more rule to score: token,bridge,fallback,trim,min_tokens,min_score,max_spans,grow
        let rule = parse_rule(&extra);
        show(
            &format!("rule {rule:?}"),
            &setup.score(&decide_with(rule), true),
        );
    }
    if std::env::var_os("GRID").is_none() {
        return Ok(());
    }
    // Coordinate ascent from the balanced rule: each parameter in turn
    // over its grid, the others fixed; two passes. `objective` picks what
    // a level maximises (F1, under its precision or recall floor).
    let search = |start: SpanRule, objective: &dyn Fn(&Prf) -> f64| -> (SpanRule, Prf) {
        let eval = |r: SpanRule| setup.score(&decide_with(r), false).0;
        let mut best = (start, eval(start));
        for pass in 0..2 {
            let before = objective(&best.1);
            for param in 0..7 {
                let candidates: Vec<SpanRule> = match param {
                    0 => [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95]
                        .map(|v| SpanRule { token: v, ..best.0 })
                        .to_vec(),
                    1 => [0u8, 1, 2, 3, 5]
                        .map(|v| SpanRule {
                            bridge: v,
                            ..best.0
                        })
                        .to_vec(),
                    2 => [false, true]
                        .map(|v| SpanRule {
                            fallback: v,
                            ..best.0
                        })
                        .to_vec(),
                    3 => [false, true]
                        .map(|v| SpanRule { trim: v, ..best.0 })
                        .to_vec(),
                    4 => [0.0, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6, 0.7]
                        .map(|v| SpanRule {
                            min_score: v,
                            ..best.0
                        })
                        .to_vec(),
                    5 => [0u8, 1, 2, 3]
                        .map(|v| SpanRule {
                            max_spans: v,
                            ..best.0
                        })
                        .to_vec(),
                    _ => [0.0, 0.5, 0.75, 1.0, 1.5, 2.0]
                        .map(|v| SpanRule { grow: v, ..best.0 })
                        .to_vec(),
                };
                for c in candidates {
                    let s = eval(c);
                    println!(
                        "try {c:?} P {:.3} R {:.3} F1 {:.3} n {}",
                        s.p, s.r, s.f, s.n
                    );
                    if objective(&s) > objective(&best.1) {
                        best = (c, s);
                    }
                }
            }
            println!("pass {pass}: {:?} {:.3}", best.0, objective(&best.1));
            if objective(&best.1) <= before {
                break;
            }
        }
        best
    };
    let floor = |ok: bool, v: f64| if ok { v } else { v - 10.0 };
    let level = std::env::var("GRID").unwrap_or_default();
    let start = SpanRule {
        token: 0.6,
        bridge: 0,
        fallback: false,
        trim: false,
        min_tokens: 1,
        min_score: 0.2,
        max_spans: 0,
        grow: 0.75,
        calibration: None,
    };
    if level.contains('b') {
        let (r, _) = search(start, &|s| floor(s.p >= 0.20, s.f));
        show(
            &format!("best balanced (P ≥ 0.20, max F1) {r:?}"),
            &setup.score(&decide_with(r), true),
        );
    }
    if level.contains('f') {
        let (r, _) = search(start, &|s| s.f);
        println!("{r:?}");
        show(
            &format!("best F1 (no floor) {r:?}"),
            &setup.score(&decide_with(r), true),
        );
    }
    if level.contains('p') {
        let (r, _) = search(start, &|s| floor(s.r >= 0.05, s.p));
        show(
            &format!("best precise (R ≥ 0.05, max P) {r:?}"),
            &setup.score(&decide_with(r), true),
        );
    }
    if level.contains('r') {
        let (r, _) = search(start, &|s| if s.r >= 0.35 { s.f } else { s.r - 10.0 });
        show(
            &format!("best recall (R ≥ 0.35, max F1) {r:?}"),
            &setup.score(&decide_with(r), true),
        );
    }
    Ok(())
}

/// A rule from `token,bridge,fallback,trim,min_tokens,min_score,max_spans,grow`
/// (booleans as 0 or 1), with an optional `,a,b` Platt calibration.
fn parse_rule(text: &str) -> SpanRule {
    let v: Vec<f32> = text.split(',').map(|x| x.parse().unwrap_or(0.0)).collect();
    SpanRule {
        token: v[0],
        bridge: v[1] as u8,
        fallback: v[2] > 0.0,
        trim: v[3] > 0.0,
        min_tokens: v[4] as u8,
        min_score: v[5],
        max_spans: v[6] as u8,
        grow: v[7],
        calibration: (v.len() >= 10).then(|| rhetor_model::calibrate::Platt { a: v[8], b: v[9] }),
    }
}
