//! Developer probe: fold 0 held out, techniques head only, per language.
//! `cargo run --release -p rhetor-model --example probe -- DATA EPOCHS LR L2`
use rhetor_formats::corpus::load_dataset;
use rhetor_model::features::Featurizer;
use rhetor_model::linear::TrainConfig;
use rhetor_model::model::paragraph_blocks;
use rhetor_model::train::{fit_multilabel, fold_assignment};
use std::collections::BTreeMap;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let docs = load_dataset(std::path::Path::new(&args[1]), None).unwrap();
    let cfg = TrainConfig {
        epochs: args[2].parse().unwrap(),
        learning_rate: args[3].parse().unwrap(),
        l2: args[4].parse().unwrap(),
        ..Default::default()
    };
    let folds = fold_assignment(&docs, 5);
    let f = Featurizer::new(Default::default());
    let (mut tb, mut ty, mut tg) = (Vec::new(), Vec::new(), Vec::new());
    let mut test = Vec::new();
    for (i, d) in docs.iter().enumerate() {
        for (p, b) in d.doc.paragraphs.iter().zip(paragraph_blocks(&f, &d.doc)) {
            let mut y = vec![false; 23];
            for t in &p.techniques {
                y[t.label.index()] = true;
            }
            if folds[i] == 0 {
                test.push((d.folder.clone(), b, y));
            } else {
                tb.push(b);
                ty.push(y);
                tg.push(i);
            }
        }
    }
    let t = std::time::Instant::now();
    let m = fit_multilabel(&f.config, &tb, &ty, &tg, 23, &cfg, 4);
    eprintln!("fit {:.1}s", t.elapsed().as_secs_f64());
    let mut counts: BTreeMap<String, [usize; 6]> = BTreeMap::new();
    for (lang, b, y) in &test {
        let probs = m.probs(b);
        let d = m.decide(&probs);
        for key in [lang.as_str(), "all"] {
            let c = counts.entry(key.to_string()).or_default();
            for (l, _) in &d {
                c[0] += y[*l] as usize;
                c[1] += 1;
            }
            c[2] += y.iter().filter(|&&v| v).count();
            for l in 0..23 {
                if probs[l] >= 0.5 {
                    c[3] += y[l] as usize;
                    c[4] += 1;
                }
            }
        }
    }
    for (lang, c) in counts {
        println!(
            "{lang}\ttuned {:.4}\tat 0.5 {:.4}",
            2.0 * c[0] as f64 / (c[1] + c[2]) as f64,
            2.0 * c[3] as f64 / (c[4] + c[2]) as f64
        );
    }
}
