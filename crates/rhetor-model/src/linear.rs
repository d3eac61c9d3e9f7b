//! Linear models over sparse vectors: one-vs-rest logistic regression and
//! softmax regression, trained with AdaGrad SGD.
//!
//! Each binary label trains on its own dense weight vector (a few MB, so the
//! hot loop stays in cache) and labels train in parallel; shuffling uses a
//! seeded generator, so training is deterministic whatever the thread count.

use crate::hashing::Rng;
use crate::sparse::SparseVec;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Optimiser settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    pub epochs: usize,
    /// AdaGrad base learning rate.
    pub learning_rate: f32,
    /// L2 penalty per example update (applied to touched weights).
    pub l2: f32,
    /// Weight classes inversely to their frequency ("balanced").
    pub balanced: bool,
    pub seed: u64,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig { epochs: 8, learning_rate: 0.3, l2: 1e-5, balanced: true, seed: 13 }
    }
}

/// `labels` weight vectors over `dims` dimensions, stored row-major
/// (`w[dim * labels + label]`) so prediction reads one row per feature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinearHead {
    pub dims: usize,
    pub labels: usize,
    pub weights: Vec<f32>,
    pub bias: Vec<f32>,
}

impl LinearHead {
    /// Raw scores (logits), one per label.
    pub fn scores(&self, x: &SparseVec) -> Vec<f32> {
        let mut s = self.bias.clone();
        for (i, v) in x.iter() {
            let row = &self.weights[i * self.labels..(i + 1) * self.labels];
            for (acc, w) in s.iter_mut().zip(row) {
                *acc += w * v;
            }
        }
        s
    }

    fn from_columns(dims: usize, columns: Vec<(Vec<f32>, f32)>) -> Self {
        let labels = columns.len();
        let mut weights = vec![0f32; dims * labels];
        let mut bias = Vec::with_capacity(labels);
        for (l, (col, b)) in columns.into_iter().enumerate() {
            for (d, w) in col.into_iter().enumerate() {
                weights[d * labels + l] = w;
            }
            bias.push(b);
        }
        LinearHead { dims, labels, weights, bias }
    }
}

pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// Trains one binary logistic regression on the examples `rows` of `xs`
/// (labels `ys`, indexed like `xs`); returns (weights, bias).
pub fn train_binary(
    dims: usize,
    xs: &[SparseVec],
    ys: &[bool],
    rows: &[usize],
    cfg: &TrainConfig,
    seed: u64,
) -> (Vec<f32>, f32) {
    let n = rows.len().max(1) as f32;
    let pos = rows.iter().filter(|&&k| ys[k]).count() as f32;
    let (wp, wn) = if cfg.balanced && pos > 0.0 && pos < n {
        (n / (2.0 * pos), n / (2.0 * (n - pos)))
    } else {
        (1.0, 1.0)
    };
    let mut w = vec![0f32; dims];
    let mut g2 = vec![0f32; dims];
    let (mut b, mut gb2) = (0f32, 0f32);
    let mut order: Vec<usize> = rows.to_vec();
    let mut rng = Rng::new(seed);
    let eps = 1e-6f32;
    for _ in 0..cfg.epochs {
        rng.shuffle(&mut order);
        for &k in &order {
            let x = &xs[k];
            let mut s = b;
            for (i, v) in x.iter() {
                s += w[i] * v;
            }
            let (y, cw) = if ys[k] { (1.0, wp) } else { (0.0, wn) };
            let g = cw * (sigmoid(s) - y);
            for (i, v) in x.iter() {
                let gi = g * v + cfg.l2 * w[i];
                g2[i] += gi * gi;
                w[i] -= cfg.learning_rate * gi / (g2[i] + eps).sqrt();
            }
            gb2 += g * g;
            b -= cfg.learning_rate * g / (gb2 + eps).sqrt();
        }
    }
    (w, b)
}

/// One-vs-rest logistic regression on the examples `rows` of `xs`:
/// `ys[k][l]` says whether example `k` has label `l`.
pub fn train_one_vs_rest(
    dims: usize,
    labels: usize,
    xs: &[SparseVec],
    ys: &[Vec<bool>],
    rows: &[usize],
    cfg: &TrainConfig,
) -> LinearHead {
    let columns: Vec<(Vec<f32>, f32)> = (0..labels)
        .into_par_iter()
        .map(|l| {
            let y: Vec<bool> = ys.iter().map(|row| row[l]).collect();
            train_binary(dims, xs, &y, rows, cfg, cfg.seed.wrapping_add(l as u64 * 7919))
        })
        .collect();
    LinearHead::from_columns(dims, columns)
}

/// Softmax regression over `classes` classes on the examples `rows` of
/// `xs`; `ys[k]` is example `k`'s class.
pub fn train_softmax(
    dims: usize,
    classes: usize,
    xs: &[SparseVec],
    ys: &[usize],
    rows: &[usize],
    cfg: &TrainConfig,
) -> LinearHead {
    let n = rows.len().max(1) as f32;
    let mut counts = vec![0f32; classes];
    for &k in rows {
        counts[ys[k]] += 1.0;
    }
    let cw: Vec<f32> = counts
        .iter()
        .map(|&c| if cfg.balanced && c > 0.0 { n / (classes as f32 * c) } else { 1.0 })
        .collect();
    let mut head = LinearHead { dims, labels: classes, weights: vec![0f32; dims * classes], bias: vec![0f32; classes] };
    let mut g2 = vec![0f32; dims * classes];
    let mut gb2 = vec![0f32; classes];
    let mut order: Vec<usize> = rows.to_vec();
    let mut rng = Rng::new(cfg.seed);
    let eps = 1e-6f32;
    for _ in 0..cfg.epochs {
        rng.shuffle(&mut order);
        for &k in &order {
            let p = softmax(&head.scores(&xs[k]));
            for c in 0..classes {
                let g = cw[ys[k]] * (p[c] - if c == ys[k] { 1.0 } else { 0.0 });
                for (i, v) in xs[k].iter() {
                    let j = i * classes + c;
                    let gi = g * v + cfg.l2 * head.weights[j];
                    g2[j] += gi * gi;
                    head.weights[j] -= cfg.learning_rate * gi / (g2[j] + eps).sqrt();
                }
                gb2[c] += g * g;
                head.bias[c] -= cfg.learning_rate * g / (gb2[c] + eps).sqrt();
            }
        }
    }
    head
}

pub fn softmax(s: &[f32]) -> Vec<f32> {
    let m = s.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
    let e: Vec<f32> = s.iter().map(|v| (v - m).exp()).collect();
    let z: f32 = e.iter().sum();
    e.into_iter().map(|v| v / z).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Label 0 fires on feature 1, label 1 on feature 2; feature 3 is noise.
    fn planted() -> (Vec<SparseVec>, Vec<Vec<bool>>) {
        let mut xs = Vec::new();
        let mut ys = Vec::new();
        let mut rng = Rng::new(1);
        for _ in 0..400 {
            let a = rng.next_u64() % 3 == 0;
            let b = rng.next_u64() % 5 == 0;
            let mut pairs = vec![(3u32, 1.0f32), (4 + (rng.next_u64() % 20) as u32, 1.0)];
            if a {
                pairs.push((1, 1.0));
            }
            if b {
                pairs.push((2, 1.0));
            }
            xs.push(SparseVec::from_pairs(pairs));
            ys.push(vec![a, b]);
        }
        (xs, ys)
    }

    #[test]
    fn one_vs_rest_learns_planted_features() {
        let (xs, ys) = planted();
        let rows: Vec<usize> = (0..xs.len()).collect();
        let head = train_one_vs_rest(32, 2, &xs, &ys, &rows, &TrainConfig::default());
        let mut correct = 0;
        for (x, y) in xs.iter().zip(&ys) {
            let s = head.scores(x);
            correct += ((s[0] > 0.0) == y[0]) as usize + ((s[1] > 0.0) == y[1]) as usize;
        }
        assert!(correct as f32 / 800.0 > 0.97, "accuracy {}", correct as f32 / 800.0);
        assert!(head.weights[2] > 1.0 && head.weights[2 * 2 + 1] > 1.0);
    }

    #[test]
    fn training_is_deterministic() {
        let (xs, ys) = planted();
        let rows: Vec<usize> = (0..xs.len()).collect();
        let a = train_one_vs_rest(32, 2, &xs, &ys, &rows, &TrainConfig::default());
        let b = train_one_vs_rest(32, 2, &xs, &ys, &rows, &TrainConfig::default());
        assert_eq!(a, b);
    }

    #[test]
    fn softmax_learns_three_classes() {
        let xs: Vec<SparseVec> =
            (0..300).map(|k| SparseVec::from_pairs(vec![((k % 3) as u32, 1.0), (5, 1.0)])).collect();
        let ys: Vec<usize> = (0..300).map(|k| k % 3).collect();
        let rows: Vec<usize> = (0..xs.len()).collect();
        let head = train_softmax(8, 3, &xs, &ys, &rows, &TrainConfig::default());
        for (x, &y) in xs.iter().zip(&ys).take(6) {
            let p = softmax(&head.scores(x));
            let best = (0..3).max_by(|&a, &b| p[a].total_cmp(&p[b])).unwrap();
            assert_eq!(best, y);
            assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-5);
        }
    }
}
