//! Label caps for languages never trained on, chosen by
//! leave-one-language-out from the held-out scores
//! `examples/evidence_oof.rs` cached (docs/evaluation.md).
//!
//! `cargo run --release -p rhetor-model --example evidence_caps -- DATA LOLO_OOF`
//!
//! Prints frames and techniques micro-F1 (pooled and per language) of the
//! fast model's decisions with no cap, with at most K frames per article,
//! at most M techniques per paragraph, and with the "density" rule (keep
//! at most round(c × Σ probabilities) labels, at least one when any passes).

use rhetor_core::{Document, Frame, Scored, Task, Technique};
use rhetor_eval::score_documents;
use rhetor_model::calibrate::decide_multilabel;
use rhetor_model::train::unannotated;
use std::path::PathBuf;

mod oof_dump;
use oof_dump::Dump;

/// A cap on one decision: none, a fixed number, or the density rule.
#[derive(Clone, Copy, Debug)]
enum Cap {
    None,
    Fixed(usize),
    Density(f32),
}

fn capped(mut decided: Vec<(usize, f32)>, probs: &[f32], cap: Cap) -> Vec<(usize, f32)> {
    let k = match cap {
        Cap::None => return decided,
        Cap::Fixed(k) => k,
        Cap::Density(c) => ((c * probs.iter().sum::<f32>()).round() as usize).max(1),
    };
    // `decided` is most probable first.
    decided.truncate(k);
    decided
}

/// The language family of a dataset folder.
fn family(folder: &str) -> &'static str {
    match folder {
        "en" | "ge" => "Germanic (en, ge)",
        "fr" | "it" => "Romance (fr, it)",
        _ => "Slavic (po, ru)",
    }
}

/// Prints the reliability table (10 bins) and expected calibration error
/// of `(score, right)` pairs.
pub fn show_reliability(name: &str, items: &[(f32, bool)]) {
    let (ece, table) = rhetor_model::calibrate::reliability(items, 10);
    println!("{name}: n {} ECE {ece:.3}", items.len());
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

/// Calibration of the scores shown: each predicted paragraph technique's
/// and each predicted frame's score against whether the gold has it, per
/// language family.
fn calibration(docs: &[rhetor_formats::corpus::LabeledDocument], dump: &Dump) {
    for fam in ["Germanic (en, ge)", "Romance (fr, it)", "Slavic (po, ru)"] {
        let mut techniques = Vec::new();
        let mut frames = Vec::new();
        for (d, h) in docs.iter().zip(&dump.docs) {
            if family(&d.folder) != fam {
                continue;
            }
            let r = &dump.groups[h.group];
            if d.gold.techniques {
                for (p, probs) in d.doc.paragraphs.iter().zip(&h.techniques) {
                    for (t, s) in decide_multilabel(probs, &r.technique_thresholds) {
                        let right = p.techniques.iter().any(|g| g.label.index() == t);
                        techniques.push((s, right));
                    }
                }
            }
            if d.gold.frames {
                for (f, s) in decide_multilabel(&h.frames, &r.frame_thresholds) {
                    frames.push((s, d.doc.frames.iter().any(|g| g.label.index() == f)));
                }
            }
        }
        show_reliability(&format!("{fam}: paragraph techniques shown"), &techniques);
        show_reliability(&format!("{fam}: frames shown"), &frames);
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [data, oof] = &args[..] else {
        return Err("usage: evidence_caps DATA LOLO_OOF".into());
    };
    let docs = rhetor_formats::corpus::load_dataset(&PathBuf::from(data), None)?;
    let dump: Dump = postcard::from_bytes(&std::fs::read(oof)?)?;
    assert_eq!(dump.docs.len(), docs.len(), "the dump is of this dataset");
    let gold: Vec<Document> = docs
        .iter()
        .map(|d| {
            let mut g = d.doc.clone();
            g.id = format!("{}/{}", d.folder, g.id);
            g
        })
        .collect();
    let mut folders: Vec<String> = docs.iter().map(|d| d.folder.clone()).collect();
    folders.sort();
    folders.dedup();
    let predict = |frame_cap: Cap, tech_cap: Cap| -> Vec<Document> {
        gold.iter()
            .zip(&dump.docs)
            .map(|(g, h)| {
                let r = &dump.groups[h.group];
                let mut d = unannotated(g);
                for (p, probs) in d.paragraphs.iter_mut().zip(&h.techniques) {
                    let decided = decide_multilabel(probs, &r.technique_thresholds);
                    p.techniques = capped(decided, probs, tech_cap)
                        .into_iter()
                        .filter_map(|(l, s)| Technique::from_index(l).map(|t| Scored::new(t, s)))
                        .collect();
                }
                let decided = decide_multilabel(&h.frames, &r.frame_thresholds);
                d.frames = capped(decided, &h.frames, frame_cap)
                    .into_iter()
                    .filter_map(|(l, s)| Frame::from_index(l).map(|f| Scored::new(f, s)))
                    .collect();
                d
            })
            .collect()
    };
    let report = |name: &str, task: Task, pred: &[Document]| {
        let has = |i: usize| docs[i].gold.has(task);
        let score = |idx: Vec<usize>| {
            let g: Vec<&Document> = idx.iter().map(|&i| &gold[i]).collect();
            let p: Vec<&Document> = idx.iter().map(|&i| &pred[i]).collect();
            score_documents(task, &g, &p).micro_f1
        };
        let all = score((0..docs.len()).filter(|&i| has(i)).collect());
        let per: Vec<String> = folders
            .iter()
            .map(|f| {
                let s = score(
                    (0..docs.len())
                        .filter(|&i| has(i) && &docs[i].folder == f)
                        .collect(),
                );
                format!("{f} {s:.3}")
            })
            .collect();
        let labels: usize = match task {
            Task::Frames => pred.iter().map(|d| d.frames.len()).sum(),
            _ => pred
                .iter()
                .flat_map(|d| &d.paragraphs)
                .map(|p| p.techniques.len())
                .sum(),
        };
        println!(
            "{task} {name}: all {all:.3} | {} | labels {labels}",
            per.join(" ")
        );
    };
    if std::env::var_os("CALIBRATION").is_some() {
        calibration(&docs, &dump);
        return Ok(());
    }
    let mut caps = vec![Cap::None];
    caps.extend((1..=8).map(Cap::Fixed));
    caps.extend([0.5, 0.75, 1.0, 1.25, 1.5, 2.0].map(Cap::Density));
    for &cap in &caps {
        report(&format!("{cap:?}"), Task::Frames, &predict(cap, Cap::None));
    }
    for &cap in &caps {
        report(
            &format!("{cap:?}"),
            Task::Techniques,
            &predict(Cap::None, cap),
        );
    }
    Ok(())
}
