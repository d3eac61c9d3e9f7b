//! Developer probe: 5-fold CV of the frames head alone, pooled micro-F1.
//! `cargo run --release -p rhetor-model --example probe_article -- DATA EPOCHS LR L2 BITS TITLE_W`
use rhetor_core::Frame;
use rhetor_formats::corpus::load_dataset;
use rhetor_model::features::{FeatureConfig, Featurizer};
use rhetor_model::linear::TrainConfig;
use rhetor_model::model::article_blocks;
use rhetor_model::train::{fit_multilabel, fold_assignment};

fn main() {
    let a: Vec<String> = std::env::args().collect();
    let docs = load_dataset(std::path::Path::new(&a[1]), None).unwrap();
    let cfg = TrainConfig {
        epochs: a[2].parse().unwrap(),
        learning_rate: a[3].parse().unwrap(),
        l2: a[4].parse().unwrap(),
        ..Default::default()
    };
    let fc = FeatureConfig {
        bits: a[5].parse().unwrap(),
        title_weight: a[6].parse().unwrap(),
        char_weight: a[7].parse().unwrap(),
        cue_weight: a[8].parse().unwrap(),
        ..Default::default()
    };
    let f = Featurizer::new(fc.clone());
    let folds = fold_assignment(&docs, 5);
    let blocks: Vec<_> = docs.iter().map(|d| article_blocks(&f, &d.doc)).collect();
    let ys: Vec<Vec<bool>> = docs
        .iter()
        .map(|d| {
            let mut y = vec![false; 14];
            for f in &d.doc.frames {
                y[f.label.index()] = true;
            }
            y
        })
        .collect();
    let (mut tp, mut np, mut ng) = (0, 0, 0);
    let t = std::time::Instant::now();
    for fold in 0..5 {
        let tr: Vec<usize> = (0..docs.len())
            .filter(|&i| folds[i] != fold && docs[i].gold.frames)
            .collect();
        let tb: Vec<_> = tr.iter().map(|&i| blocks[i].clone()).collect();
        let ty: Vec<_> = tr.iter().map(|&i| ys[i].clone()).collect();
        let m = fit_multilabel(&fc, &tb, &ty, &tr, Frame::COUNT, &cfg, 4);
        for i in (0..docs.len()).filter(|&i| folds[i] == fold && docs[i].gold.frames) {
            for (l, _) in m.decide(&m.probs(&blocks[i])) {
                np += 1;
                tp += ys[i][l] as usize;
            }
            ng += ys[i].iter().filter(|&&v| v).count();
        }
    }
    println!(
        "frames micro-F1 {:.4} ({:.0}s)",
        2.0 * tp as f64 / (np + ng) as f64,
        t.elapsed().as_secs_f64()
    );
}
