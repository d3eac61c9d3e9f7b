//! Chooses the span decision by cross-validation, from the held-out scores
//! `examples/evidence_oof.rs` cached (docs/evaluation.md).
//!
//! `cargo run --release -p rhetor-model --example evidence_tune -- DATA OOF`
//!
//! Prints span precision, recall and F1 (partial overlap, as `rhetor eval
//! --task spans`, pooled over the languages) of the decision that shipped
//! before (`legacy`), of each [`SpanRule`] in a grid, the best rule per
//! evidence level, and the chosen rules per language.
//!
//! `ENCODER=DUMP` (a `span_oof` dump with `AVG=1`: the encoder tagger's
//! held-out word probabilities): a word's probability is then
//! `w × encoder + (1 − w) × OOF's`, `w` per level from `BLENDS="p,b,r"`
//! (default 0.65,0.5,0.5) and searched with the rule. `NESTED=1` with
//! `GRID`: each level's search is run once per fold on the other folds'
//! held-out spans only, its choice applied to the fold, and the pooled
//! scores of those choices are printed (an estimate of the tuning
//! procedure that never scores a rule on the spans that chose it), then
//! the search on all folds (what ships). `CAP=N`: at most N techniques
//! per paragraph (3 on a `lolo-unseen` dump: a language never trained on).

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
use std::path::PathBuf;

mod oof_dump;
use oof_dump::Dump;

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
    /// `[token][technique]`: the encoder tagger's (with `ENCODER`).
    enc: Option<Vec<Vec<f32>>>,
}

impl Para {
    /// The word probabilities of technique `t`, the encoder's blended in
    /// with weight `w` when there are any.
    fn column(&self, t: usize, w: f32) -> Vec<f32> {
        match &self.enc {
            Some(enc) => self
                .probs
                .iter()
                .zip(enc)
                .map(|(f, e)| w * e[t] + (1.0 - w) * f[t])
                .collect(),
            None => self.probs.iter().map(|r| r[t]).collect(),
        }
    }
}

/// A span decision under search: the rule and the encoder's blend weight.
#[derive(Debug, Clone, Copy)]
struct Choice {
    rule: SpanRule,
    blend: f32,
}

fn dequantise(tok: &[Vec<u16>]) -> Vec<Vec<f32>> {
    tok.iter()
        .map(|t| t.iter().map(|&v| v as f32 / 65535.0).collect())
        .collect()
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
    /// Span scores, pooled and per language, of a decision; over the
    /// documents of `only` when given.
    fn score(
        &self,
        decide: &Decide,
        langs: bool,
        only: Option<&[bool]>,
    ) -> (Prf, Vec<(String, Prf)>) {
        let keep = |i: usize| only.is_none_or(|m| m[i]);
        let spans: Vec<Vec<(Technique, usize, usize)>> = {
            let found: Vec<Vec<(usize, Technique, usize, usize)>> = self
                .pairs
                .par_iter()
                .filter(|pair| keep(pair.doc))
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
        let all: Vec<usize> = (0..self.gold.len())
            .filter(|&i| self.golden[i] && keep(i))
            .collect();
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
    let encoder: Option<Dump> = match std::env::var("ENCODER") {
        Ok(path) => {
            let e: Dump = postcard::from_bytes(&std::fs::read(path)?)?;
            assert_eq!(
                e.docs.len(),
                docs.len(),
                "the encoder dump is of this dataset"
            );
            Some(e)
        }
        Err(_) => None,
    };
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
    // `CAP=N`: at most N techniques per paragraph, the likeliest (what
    // `analyze` does in a language never trained on: a `lolo-unseen` dump
    // with `CAP=3` is decided as `analyze` decides the held-out language).
    let cap: usize = match std::env::var("CAP") {
        Ok(v) => v.parse().map_err(|_| "CAP: a number")?,
        Err(_) => usize::MAX,
    };
    let mut paras = Vec::new();
    let mut pairs = Vec::new();
    for (i, (d, h)) in docs.iter().zip(&dump.docs).enumerate() {
        let thr = &dump.groups[h.group].technique_thresholds;
        let enc = encoder.as_ref().map(|e| &e.docs[i]);
        if let Some(e) = enc {
            assert_eq!(e.group, h.group, "the encoder dump has the same folds");
        }
        for (pi, ((p, tp), tok)) in d
            .doc
            .paragraphs
            .iter()
            .zip(&h.techniques)
            .zip(&h.tokens)
            .enumerate()
        {
            let decided: Vec<(usize, f32)> =
                decide_multilabel(tp, thr).into_iter().take(cap).collect();
            if decided.is_empty() {
                continue;
            }
            let tokens = tokenize(&p.text, p.start);
            assert_eq!(tokens.len(), tok.len());
            paras.push(Para {
                tokens,
                chars: p.text.chars().collect(),
                base: p.start,
                probs: dequantise(tok),
                enc: enc.map(|e| dequantise(&e.tokens[pi])),
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
    let setup_has_encoder = encoder.is_some();
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
    let show = |name: &str, (p, per): &(Prf, Vec<(String, Prf)>)| {
        let langs: Vec<String> = per
            .iter()
            .map(|(l, s)| format!("{l} {:.3}/{:.3}/{:.3}", s.p, s.r, s.f))
            .collect();
        println!(
            "{name}: P {:.4} R {:.4} F1 {:.4} spans {} | {}",
            p.p,
            p.r,
            p.f,
            p.n,
            langs.join(" ")
        );
    };
    let blends: [f32; 3] = match std::env::var("BLENDS") {
        Ok(v) => {
            let w: Vec<f32> = v.split(',').map(|x| x.parse().unwrap_or(0.5)).collect();
            w.try_into().map_err(|_| "BLENDS: three weights")?
        }
        Err(_) => [0.65, 0.5, 0.5],
    };
    let base = setup.score(
        &|pair, para, _, _| {
            legacy(
                &para.tokens,
                &para.column(pair.technique, blends[1]),
                pair.p_par,
            )
        },
        true,
        None,
    );
    show("legacy", &base);
    let decide_choice =
        |pair: &Pair, para: &Para, fw: &FunctionWords, typical: usize, c: &Choice| {
            let text = ParagraphText {
                chars: &para.chars,
                base: para.base,
            };
            decide_spans(
                &para.tokens,
                &para.column(pair.technique, c.blend),
                pair.p_par,
                &text,
                &c.rule,
                fw,
                typical,
            )
        };
    let decide_with = |rule: SpanRule, blend: f32| {
        move |pair: &Pair, para: &Para, fw: &FunctionWords, typical: usize| {
            let text = ParagraphText {
                chars: &para.chars,
                base: para.base,
            };
            decide_spans(
                &para.tokens,
                &para.column(pair.technique, blend),
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
    const LEVEL_NAMES: [&str; 3] = ["precise", "balanced", "recall"];
    for ((level, rule), w) in LEVEL_NAMES.iter().zip(levels).zip(blends) {
        let blend = if setup_has_encoder {
            format!(" blend {w}")
        } else {
            String::new()
        };
        show(
            &format!("shipped {level}{blend} {rule:?}"),
            &setup.score(&decide_with(rule, w), true, None),
        );
    }
    if std::env::var_os("CALIBRATION").is_some() {
        // Each shown span's score against whether it overlaps a gold span
        // of its technique, per language family, at each level.
        for ((level, rule), w) in LEVEL_NAMES.iter().zip(levels).zip(blends) {
            let decide = decide_with(rule, w);
            // The Platt scaling of this level's raw scores, fitted on all
            // held-out spans: what the rule's `calibration` holds.
            let raw = decide_with(
                SpanRule {
                    calibration: None,
                    ..rule
                },
                w,
            );
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
        let w = std::env::var("BLEND")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(blends[1]);
        show(
            &format!("rule blend {w} {rule:?}"),
            &setup.score(&decide_with(rule, w), true, None),
        );
    }
    if std::env::var_os("GRID").is_none() {
        return Ok(());
    }
    // Coordinate ascent: each parameter in turn over its grid, the others
    // fixed; two passes. `objective` picks what a level maximises (F1,
    // under its precision or recall floor); `only` the documents it is
    // scored on (the training folds of a nested search).
    let quiet = std::env::var_os("NESTED").is_some();
    let search =
        |start: Choice, objective: &dyn Fn(&Prf) -> f64, only: Option<&[bool]>| -> (Choice, Prf) {
            let eval = |c: Choice| {
                setup
                    .score(
                        &|pair, para, fw, typical| decide_choice(pair, para, fw, typical, &c),
                        false,
                        only,
                    )
                    .0
            };
            let mut best = (start, eval(start));
            let params = if setup_has_encoder { 8 } else { 7 };
            for pass in 0..2 {
                let before = objective(&best.1);
                for param in 0..params {
                    let b = best.0;
                    let with = |rule: SpanRule| Choice { rule, ..b };
                    let candidates: Vec<Choice> = match param {
                        0 => [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95]
                            .map(|v| with(SpanRule { token: v, ..b.rule }))
                            .to_vec(),
                        1 => [0u8, 1, 2, 3, 5]
                            .map(|v| {
                                with(SpanRule {
                                    bridge: v,
                                    ..b.rule
                                })
                            })
                            .to_vec(),
                        2 => [false, true]
                            .map(|v| {
                                with(SpanRule {
                                    fallback: v,
                                    ..b.rule
                                })
                            })
                            .to_vec(),
                        3 => [false, true]
                            .map(|v| with(SpanRule { trim: v, ..b.rule }))
                            .to_vec(),
                        4 => [0.0, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6, 0.7]
                            .map(|v| {
                                with(SpanRule {
                                    min_score: v,
                                    ..b.rule
                                })
                            })
                            .to_vec(),
                        5 => [0u8, 1, 2, 3]
                            .map(|v| {
                                with(SpanRule {
                                    max_spans: v,
                                    ..b.rule
                                })
                            })
                            .to_vec(),
                        6 => [0.0, 0.5, 0.75, 1.0, 1.5, 2.0]
                            .map(|v| with(SpanRule { grow: v, ..b.rule }))
                            .to_vec(),
                        _ => [0.3, 0.4, 0.5, 0.6, 0.65, 0.7, 0.8]
                            .map(|v| Choice { blend: v, ..b })
                            .to_vec(),
                    };
                    for c in candidates {
                        let s = eval(c);
                        if !quiet {
                            println!(
                                "try blend {} {:?} P {:.3} R {:.3} F1 {:.3} n {}",
                                c.blend, c.rule, s.p, s.r, s.f, s.n
                            );
                        }
                        if objective(&s) > objective(&best.1) {
                            best = (c, s);
                        }
                    }
                }
                if !quiet {
                    println!("pass {pass}: {:?} {:.3}", best.0, objective(&best.1));
                }
                if objective(&best.1) <= before {
                    break;
                }
            }
            best
        };
    let floor = |ok: bool, v: f64| if ok { v } else { v - 10.0 };
    let grid = std::env::var("GRID").unwrap_or_default();
    // The search starts from the levels scored above (LEVELS, BLENDS);
    // without LEVELS, from the rule the fast model's search started from.
    let from = |level: usize| Choice {
        rule: if std::env::var_os("LEVELS").is_some() {
            SpanRule {
                calibration: None,
                ..levels[level]
            }
        } else {
            SpanRule {
                token: 0.6,
                bridge: 0,
                fallback: false,
                trim: false,
                min_tokens: 1,
                min_score: 0.2,
                max_spans: 0,
                grow: 0.75,
                calibration: None,
            }
        },
        blend: blends[level],
    };
    type Objective = Box<dyn Fn(&Prf) -> f64>;
    let objectives: Vec<(char, usize, &str, Objective)> = vec![
        (
            'p',
            0,
            "best precise (R ≥ 0.05, max P)",
            Box::new(move |s: &Prf| floor(s.r >= 0.05, s.p)),
        ),
        (
            'b',
            1,
            "best balanced (P ≥ 0.20, max F1)",
            Box::new(move |s: &Prf| floor(s.p >= 0.20, s.f)),
        ),
        ('f', 1, "best F1 (no floor)", Box::new(|s: &Prf| s.f)),
        (
            'r',
            2,
            "best recall (R ≥ 0.35, max F1)",
            Box::new(|s: &Prf| if s.r >= 0.35 { s.f } else { s.r - 10.0 }),
        ),
    ];
    for (key, level, name, objective) in &objectives {
        if !grid.contains(*key) {
            continue;
        }
        if quiet {
            // Nested: each fold's spans decided by the choice made on the
            // other folds.
            let folds = dump.groups.len();
            let mut chosen = Vec::new();
            for g in 0..folds {
                let train: Vec<bool> = setup.group_of.iter().map(|&x| x != g).collect();
                let (c, s) = search(from(*level), objective.as_ref(), Some(&train));
                println!(
                    "{name}, fold {g} chosen on the other folds: blend {} {:?} (there P {:.3} R {:.3} F1 {:.3})",
                    c.blend, c.rule, s.p, s.r, s.f
                );
                chosen.push(c);
            }
            let nested = setup.score(
                &|pair, para, fw, typical| {
                    decide_choice(pair, para, fw, typical, &chosen[setup.group_of[pair.doc]])
                },
                true,
                None,
            );
            show(
                &format!("{name}, nested (each fold by the others' choice)"),
                &nested,
            );
        }
        let (c, _) = search(from(*level), objective.as_ref(), None);
        show(
            &format!("{name} blend {} {:?}", c.blend, c.rule),
            &setup.score(&decide_with(c.rule, c.blend), true, None),
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
