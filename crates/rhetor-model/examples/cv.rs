//! Developer experiment: quick cross-validated scores of the fast model.
//! `cargo run --release -p rhetor-model --example cv -- DATA_DIR [k]`

use rhetor_core::Document;
use rhetor_formats::corpus::{load_dataset, LabeledDocument};
use rhetor_model::train::{cross_validate, Silent, TrainOptions};
use std::collections::BTreeMap;

fn f1(tp: f64, np: f64, ng: f64) -> f64 {
    if np + ng == 0.0 { 0.0 } else { 2.0 * tp / (np + ng) }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let docs = load_dataset(std::path::Path::new(&args[1]), None).expect("data");
    let k: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(5);
    let t0 = std::time::Instant::now();
    let opts = TrainOptions::default();
    let preds = cross_validate(&docs, k, &opts, &Silent);
    eprintln!("cv took {:.1}s", t0.elapsed().as_secs_f64());
    report(&docs, &preds);
}

fn report(docs: &[LabeledDocument], preds: &[Document]) {
    let mut tech: BTreeMap<String, [f64; 3]> = BTreeMap::new();
    let mut fr: BTreeMap<String, [f64; 3]> = BTreeMap::new();
    for (g, p) in docs.iter().zip(preds) {
        for lang in [g.folder.clone(), "all".to_string()] {
            let e = tech.entry(lang.clone()).or_default();
            for (gp, pp) in g.doc.paragraphs.iter().zip(&p.paragraphs) {
                let gs: Vec<_> = gp.techniques.iter().map(|t| t.label).collect();
                let ps: Vec<_> = pp.techniques.iter().map(|t| t.label).collect();
                e[0] += ps.iter().filter(|t| gs.contains(t)).count() as f64;
                e[1] += ps.len() as f64;
                e[2] += gs.len() as f64;
            }
            let e = fr.entry(lang).or_default();
            let gs: Vec<_> = g.doc.frames.iter().map(|t| t.label).collect();
            let ps: Vec<_> = p.frames.iter().map(|t| t.label).collect();
            e[0] += ps.iter().filter(|t| gs.contains(t)).count() as f64;
            e[1] += ps.len() as f64;
            e[2] += gs.len() as f64;
        }
    }
    let mut gold = Vec::new();
    let mut pred = Vec::new();
    for (g, p) in docs.iter().zip(preds) {
        if let (Some(gg), Some(pg)) = (&g.doc.genre, &p.genre) {
            gold.push(gg.label.index());
            pred.push(pg.label.index());
        }
    }
    for (l, e) in &tech {
        let f = &fr[l];
        println!("{l}\ttechniques micro-F1 {:.4}\tframes micro-F1 {:.4}", f1(e[0], e[1], e[2]), f1(f[0], f[1], f[2]));
    }
    println!("genre macro-F1 {:.4}", rhetor_model::train::macro_f1(
        &pred, &gold, 3));
}
