//! Label-free decision rules for languages never trained on, measured on
//! the fast model's leave-one-language-out held-out scores that
//! `examples/evidence_oof.rs` caches (issue 15, docs/evaluation.md).
//!
//! `cargo run --release -p rhetor-model --example labels_lab -- DATA LOLO_OOF`
//!
//! Prints techniques micro-F1 (pooled, per language, with precision,
//! recall and predicted/gold label density) with no cap and the shipped
//! cap; a fixed logit shift of every label chosen on the other languages
//! (nested; `POOLED=1`: by their pooled F1 instead of their mean; then the
//! shifts scored on all six, `GLOBAL=1` prints every shift); `DENSITY=1`:
//! a per-corpus or per-article shift making the predicted label density
//! match the training languages'.
use rhetor_model::calibrate::decide_multilabel;
use std::path::PathBuf;

mod oof_dump;
use oof_dump::Dump;

fn logit(p: f32) -> f32 {
    let p = p.clamp(1e-6, 1.0 - 1e-6);
    (p / (1.0 - p)).ln()
}

struct Counts {
    tp: usize,
    pred: usize,
    gold: usize,
}
impl Counts {
    fn f1(&self) -> f64 {
        2.0 * self.tp as f64 / (self.pred + self.gold).max(1) as f64
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let data = &args[0];
    let docs = rhetor_formats::corpus::load_dataset(&PathBuf::from(data), None)?;
    let dump: Dump = postcard::from_bytes(&std::fs::read(&args[1])?)?;
    let mut folders: Vec<String> = docs.iter().map(|d| d.folder.clone()).collect();
    folders.sort();
    folders.dedup();
    // paragraphs: (lang, doc, probs, gold, thresholds)
    struct Par<'a> {
        lang: usize,
        doc: usize,
        probs: &'a [f32],
        gold: Vec<bool>,
        th: &'a [f32],
    }
    let mut pars = Vec::new();
    for (i, (d, h)) in docs.iter().zip(&dump.docs).enumerate() {
        if !d.gold.techniques {
            continue;
        }
        let lang = folders.iter().position(|f| f == &d.folder).unwrap();
        let th = &dump.groups[h.group].technique_thresholds;
        for (p, probs) in d.doc.paragraphs.iter().zip(&h.techniques) {
            let mut gold = vec![false; 23];
            for t in &p.techniques {
                gold[t.label.index()] = true;
            }
            pars.push(Par {
                lang,
                doc: i,
                probs,
                gold,
                th,
            });
        }
    }
    let nl = folders.len();
    // gold density per language
    let gold_density: Vec<f64> = (0..nl)
        .map(|l| {
            let ps: Vec<&Par> = pars.iter().filter(|p| p.lang == l).collect();
            ps.iter()
                .map(|p| p.gold.iter().filter(|&&g| g).count())
                .sum::<usize>() as f64
                / ps.len() as f64
        })
        .collect();
    println!("gold density {:?}", gold_density);
    // A decision: per paragraph, the list of labels.
    let eval = |name: &str, decide: &dyn Fn(&Par, usize) -> Vec<usize>| {
        let mut per = (0..nl)
            .map(|_| Counts {
                tp: 0,
                pred: 0,
                gold: 0,
            })
            .collect::<Vec<_>>();
        for (k, p) in pars.iter().enumerate() {
            let d = decide(p, k);
            let c = &mut per[p.lang];
            c.pred += d.len();
            c.gold += p.gold.iter().filter(|&&g| g).count();
            c.tp += d.iter().filter(|&&l| p.gold[l]).count();
        }
        let all = Counts {
            tp: per.iter().map(|c| c.tp).sum(),
            pred: per.iter().map(|c| c.pred).sum(),
            gold: per.iter().map(|c| c.gold).sum(),
        };
        let s: Vec<String> = per
            .iter()
            .zip(&folders)
            .map(|(c, f)| {
                format!(
                    "{f} {:.3} (P {:.2} R {:.2} d {:.2})",
                    c.f1(),
                    c.tp as f64 / c.pred.max(1) as f64,
                    c.tp as f64 / c.gold.max(1) as f64,
                    c.pred as f64
                        / (c.gold as f64
                            / gold_density[folders.iter().position(|x| x == f).unwrap()])
                )
            })
            .collect();
        println!("{name:<28} all {:.4} | {}", all.f1(), s.join(" | "));
        all.f1()
    };
    let shifted = |p: &Par, delta: f32, cap: usize| -> Vec<usize> {
        let probs: Vec<f32> = p.probs.to_vec();
        let mut d: Vec<(usize, f32)> = (0..23)
            .filter(|&l| logit(probs[l]) + delta >= logit(p.th[l]))
            .map(|l| (l, logit(probs[l]) - logit(p.th[l])))
            .collect();
        d.sort_by(|a, b| b.1.total_cmp(&a.1));
        let _ = decide_multilabel;
        d.into_iter().take(cap).map(|x| x.0).collect()
    };
    eval("base", &|p, _| shifted(p, 0.0, 99));
    eval("cap3", &|p, _| shifted(p, 0.0, 3));
    // oracle per-language shift
    let deltas: Vec<f32> = (-30..=30).map(|i| i as f32 * 0.1).collect();
    for cap in [3usize, 99] {
        for &d in deltas
            .iter()
            .filter(|_| std::env::var_os("GLOBAL").is_some())
        {
            if (d * 10.0).round() as i32 % 5 != 0 {
                continue;
            }
            eval(&format!("global shift {d:.1} cap {cap}"), &|p, _| {
                shifted(p, d, cap)
            });
        }
    }
    // Nested: (shift, cap) chosen on the other languages' pooled F1, applied to the held-out one.
    {
        let f1_of =
            |sel: &dyn Fn(usize) -> bool, delta: f32, cap: usize| -> (usize, usize, usize) {
                let (mut tp, mut pr, mut go) = (0, 0, 0);
                for p in pars.iter().filter(|p| sel(p.lang)) {
                    let d = shifted(p, delta, cap);
                    tp += d.iter().filter(|&&l| p.gold[l]).count();
                    pr += d.len();
                    go += p.gold.iter().filter(|&&g| g).count();
                }
                (tp, pr, go)
            };
        let grid: Vec<(f32, usize)> = (-4..=12)
            .flat_map(|i| [2usize, 3, 4, 99].map(move |c| (i as f32 * 0.125, c)))
            .collect();
        let mut tot = (0, 0, 0);
        let mut s = Vec::new();
        for (l, name) in folders.iter().enumerate() {
            // mean over the other languages of their F1 (as the anchor does)
            let best = grid
                .iter()
                .copied()
                .max_by(|a, b| {
                    let m = |&(d, c): &(f32, usize)| -> f64 {
                        if std::env::var_os("POOLED").is_some() {
                            let k = f1_of(&|x| x != l, d, c);
                            2.0 * k.0 as f64 / (k.1 + k.2) as f64
                        } else {
                            (0..nl)
                                .filter(|&o| o != l)
                                .map(|o| {
                                    let k = f1_of(&|x| x == o, d, c);
                                    2.0 * k.0 as f64 / (k.1 + k.2) as f64
                                })
                                .sum::<f64>()
                        }
                    };
                    m(a).total_cmp(&m(b))
                })
                .unwrap();
            let k = f1_of(&|x| x == l, best.0, best.1);
            tot = (tot.0 + k.0, tot.1 + k.1, tot.2 + k.2);
            s.push(format!(
                "{} {:.3} ({:.3},{})",
                name,
                2.0 * k.0 as f64 / (k.1 + k.2) as f64,
                best.0,
                best.1
            ));
        }
        println!(
            "nested shift+cap: all {:.4} | {}",
            2.0 * tot.0 as f64 / (tot.1 + tot.2) as f64,
            s.join(" ")
        );
        // the same chosen on all six
        for &(d, c) in grid.iter().filter(|g| g.1 == 3 || g.1 == 99) {
            let (mut sum, mut t) = (0.0, (0, 0, 0));
            for o in 0..nl {
                let k = f1_of(&|x| x == o, d, c);
                sum += 2.0 * k.0 as f64 / (k.1 + k.2) as f64;
                t = (t.0 + k.0, t.1 + k.1, t.2 + k.2);
            }
            println!(
                "  shift {d:.3} cap {c}: mean {:.4} pooled {:.4}",
                sum / nl as f64,
                2.0 * t.0 as f64 / (t.1 + t.2) as f64
            );
        }
    }
    if std::env::var_os("DENSITY").is_none() {
        return Ok(());
    }
    // Density matching: D = mean gold density of the other languages
    // (paragraph-weighted), the shift per unit (corpus or article) found by bisection.
    let npar: Vec<usize> = (0..nl)
        .map(|l| pars.iter().filter(|p| p.lang == l).count())
        .collect();
    let dens_other = |l: usize| -> f64 {
        let (mut g, mut n) = (0.0, 0usize);
        for o in (0..nl).filter(|&o| o != l) {
            g += gold_density[o] * npar[o] as f64;
            n += npar[o];
        }
        g / n as f64
    };
    let count_at = |idx: &[usize], delta: f32, cap: usize| -> usize {
        idx.iter()
            .map(|&k| shifted(&pars[k], delta, cap).len())
            .sum()
    };
    let solve = |idx: &[usize], target: f64, cap: usize| -> f32 {
        let (mut lo, mut hi) = (-4.0f32, 4.0f32);
        for _ in 0..30 {
            let mid = 0.5 * (lo + hi);
            if (count_at(idx, mid, cap) as f64) < target * idx.len() as f64 {
                lo = mid
            } else {
                hi = mid
            }
        }
        0.5 * (lo + hi)
    };
    for cap in [3usize, 99] {
        for scale in [0.6, 0.8, 1.0, 1.2] {
            let corpus_delta: Vec<f32> = (0..nl)
                .map(|l| {
                    let idx: Vec<usize> = (0..pars.len()).filter(|&k| pars[k].lang == l).collect();
                    solve(&idx, scale * dens_other(l), cap)
                })
                .collect();
            eval(&format!("corpus density x{scale} cap {cap}"), &|p, _| {
                shifted(p, corpus_delta[p.lang], cap)
            });
            for shrink in [0.5f32, 1.0] {
                let mut art_delta = std::collections::HashMap::new();
                for (k, p) in pars.iter().enumerate() {
                    art_delta.entry(p.doc).or_insert_with(Vec::new).push(k);
                }
                let art_delta: std::collections::HashMap<usize, f32> = art_delta
                    .into_iter()
                    .map(|(d, idx)| {
                        let l = pars[idx[0]].lang;
                        (d, shrink * solve(&idx, scale * dens_other(l), cap))
                    })
                    .collect();
                eval(
                    &format!("article density x{scale} s{shrink} cap {cap}"),
                    &|p, _| shifted(p, art_delta[&p.doc], cap),
                );
            }
            println!("  corpus deltas {:?}", corpus_delta);
        }
    }
    let _ = &dump.docs[0].frames;
    let _ = &dump.groups[0].frame_thresholds;
    let _ = pars[0].doc;
    Ok(())
}
