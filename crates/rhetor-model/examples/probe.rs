//! Developer probe: one split, techniques head only, raw-score diagnostics.
use rhetor_formats::corpus::load_dataset;
use rhetor_model::features::{vectorize, Featurizer, Idf};
use rhetor_model::linear::{train_one_vs_rest, TrainConfig};
use rhetor_model::model::paragraph_blocks;
use rhetor_model::train::fold_assignment;
use rhetor_core::Technique;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let docs = load_dataset(std::path::Path::new(&args[1]), None).unwrap();
    let epochs: usize = args[2].parse().unwrap();
    let lr: f32 = args[3].parse().unwrap();
    let l2: f32 = args[4].parse().unwrap();
    let folds = fold_assignment(&docs, 5);
    let f = Featurizer::new(Default::default());
    let t = std::time::Instant::now();
    let mut blocks = Vec::new(); let mut ys = Vec::new(); let mut test = Vec::new();
    for (i, d) in docs.iter().enumerate() {
        for (p, b) in d.doc.paragraphs.iter().zip(paragraph_blocks(&f, &d.doc)) {
            let mut y = vec![false; 23];
            for t in &p.techniques { y[t.label.index()] = true; }
            blocks.push(b); ys.push(y); test.push(folds[i] == 0);
        }
    }
    let train_idx: Vec<usize> = (0..blocks.len()).filter(|&i| !test[i]).collect();
    let idf = Idf::fit(20, train_idx.iter().map(|&i| &blocks[i]), 2);
    let xs: Vec<_> = blocks.iter().map(|b| vectorize(&f.config, &idf, b)).collect();
    let nnz: usize = xs.iter().map(|x| x.len()).sum();
    eprintln!("features {:.1}s, {} examples, mean nnz {:.0}, kept dims {}", t.elapsed().as_secs_f64(), xs.len(), nnz as f64 / xs.len() as f64, idf.kept());
    let t = std::time::Instant::now();
    let cfg = TrainConfig { epochs, learning_rate: lr, l2, ..Default::default() };
    let head = train_one_vs_rest(1 << 20, 23, &xs, &ys, &train_idx, &cfg);
    eprintln!("train {:.1}s", t.elapsed().as_secs_f64());
    for thr in [-1.0f32, 0.0, 1.0, 2.0] {
        let (mut tp, mut np, mut ng) = (0, 0, 0);
        let (mut ttp, mut tnp, mut tng) = (0, 0, 0);
        for i in 0..xs.len() {
            let s = head.scores(&xs[i]);
            for l in 0..23 {
                let p = s[l] > thr; let g = ys[i][l];
                if test[i] { tp += (p && g) as usize; np += p as usize; ng += g as usize; }
                else { ttp += (p && g) as usize; tnp += p as usize; tng += g as usize; }
            }
        }
        println!("thr {thr}: test micro-F1 {:.4} (pred {np} gold {ng})  train micro-F1 {:.4}", 2.0 * tp as f64 / (np + ng) as f64, 2.0 * ttp as f64 / (tnp + tng) as f64);
    }
    let _ = Technique::COUNT;
    // The full pipeline: inner CV, Platt, thresholds.
    let t = std::time::Instant::now();
    let tb: Vec<_> = train_idx.iter().map(|&i| blocks[i].clone()).collect();
    let ty: Vec<_> = train_idx.iter().map(|&i| ys[i].clone()).collect();
    let groups: Vec<usize> = (0..tb.len()).map(|i| i / 7).collect();
    let m = rhetor_model::train::fit_multilabel(&f.config, &tb, &ty, &groups, 23, &cfg, 4);
    eprintln!("fit_multilabel {:.1}s", t.elapsed().as_secs_f64());
    println!("platt {:?}\nthresholds {:?}", &m.platt[..5], &m.thresholds);
    let (mut tp, mut np, mut ng) = (0, 0, 0);
    for i in (0..xs.len()).filter(|&i| test[i]) {
        let d = m.decide(&m.probs(&blocks[i]));
        for (l, _) in &d { np += 1; tp += ys[i][*l] as usize; }
        ng += ys[i].iter().filter(|&&y| y).count();
    }
    println!("pipeline test micro-F1 {:.4} (pred {np} gold {ng})", 2.0 * tp as f64 / (np + ng) as f64);
}
