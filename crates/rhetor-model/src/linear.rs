//! Linear models over sparse vectors: one-vs-rest logistic regression and
//! softmax regression, trained by SGD with per-feature adaptive steps.
//!
//! The step for feature `i` is `lr / sqrt(1 + Σ x_i²)` over the examples
//! seen so far (AdaGrad's idea, driven by how often a feature occurs rather
//! than by its gradients). Because that rate does not depend on any label,
//! all labels can be updated with one vectorised pass over each feature's
//! row of weights, and a label's weights are the same whichever group of
//! labels it is trained with — so results do not depend on the thread count.

use crate::compact::CompactHead;
use crate::hashing::Rng;
use crate::math::{sigmoid, softmax};
use crate::sparse::SparseVec;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::borrow::Borrow;

/// Optimiser settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    /// Passes over the training examples.
    pub epochs: usize,
    /// Base learning rate.
    pub learning_rate: f32,
    /// L2 penalty, applied as weight decay on the rows an example touches.
    pub l2: f32,
    /// Weight classes inversely to their frequency ("balanced").
    pub balanced: bool,
    /// Seed of the example shuffling.
    pub seed: u64,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            epochs: 4,
            learning_rate: 0.5,
            l2: 1e-4,
            balanced: true,
            seed: 13,
        }
    }
}

/// `labels` weight vectors over `dims` dimensions, stored row-major
/// (`weights[dim * labels + label]`) so one feature's weights are adjacent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct LinearHead {
    /// Input dimensions (the hash space).
    pub dims: usize,
    /// Outputs, one per label.
    pub labels: usize,
    /// `dims × labels` weights, row-major by dimension.
    pub weights: Vec<f32>,
    /// One bias per label.
    pub bias: Vec<f32>,
}

impl LinearHead {
    /// A head with every weight and bias 0 (where training starts).
    pub fn zeros(dims: usize, labels: usize) -> Self {
        LinearHead {
            dims,
            labels,
            weights: vec![0f32; dims * labels],
            bias: vec![0f32; labels],
        }
    }

    /// Raw scores (logits), one per label.
    pub fn scores(&self, x: &SparseVec) -> Vec<f32> {
        let mut s = self.bias.clone();
        for (i, v) in x.iter() {
            for (acc, w) in s.iter_mut().zip(self.row(i)) {
                *acc += w * v;
            }
        }
        s
    }

    #[inline]
    /// The weights of input dimension `i`, one per label.
    pub fn row(&self, i: usize) -> &[f32] {
        &self.weights[i * self.labels..(i + 1) * self.labels]
    }
}

/// One SGD step on the rows of `x`: `row -= step_i * (v * grad + l2 * row)`.
#[inline]
fn update_rows(
    head: &mut LinearHead,
    seen: &mut [f32],
    x: &SparseVec,
    grad: &[f32],
    cfg: &TrainConfig,
) {
    let l = head.labels;
    for (i, v) in x.iter() {
        seen[i] += v * v;
        let step = cfg.learning_rate / (1.0 + seen[i]).sqrt();
        let decay = 1.0 - step * cfg.l2;
        for (w, g) in head.weights[i * l..(i + 1) * l].iter_mut().zip(grad) {
            *w = *w * decay - step * v * g;
        }
    }
}

/// "Balanced" (positive, negative) example weights of a binary label with
/// `pos` positives among `n` examples: each side weighs half. A label with
/// no positives, or no negatives, keeps weights of 1.
pub fn balanced_binary(pos: f32, n: f32) -> (f32, f32) {
    if pos > 0.0 && pos < n {
        (n / (2.0 * pos), n / (2.0 * (n - pos)))
    } else {
        (1.0, 1.0)
    }
}

/// "Balanced" weights of single-label classes with these example counts:
/// `n / (classes · count)`, so each class weighs alike (1 for an absent one).
pub fn balanced_classes(counts: &[f32]) -> Vec<f32> {
    let n: f32 = counts.iter().sum::<f32>().max(1.0);
    counts
        .iter()
        .map(|&c| {
            if c > 0.0 {
                n / (counts.len() as f32 * c)
            } else {
                1.0
            }
        })
        .collect()
}

/// Per-label (positive, negative) example weights for "balanced" training;
/// `y(k, l)`: example `k` has label `l`.
fn class_weights(
    y: &impl Fn(usize, usize) -> bool,
    rows: &[usize],
    labels: &[usize],
    balanced: bool,
) -> Vec<(f32, f32)> {
    let n = rows.len().max(1) as f32;
    labels
        .iter()
        .map(|&l| {
            let pos = rows.iter().filter(|&&k| y(k, l)).count() as f32;
            if balanced {
                balanced_binary(pos, n)
            } else {
                (1.0, 1.0)
            }
        })
        .collect()
}

/// Trains binary logistic regressions for a group of `labels` on the
/// examples `rows` of `xs` (`ys[k][l]`: example `k` has label `l`).
pub(crate) fn train_group(
    dims: usize,
    xs: &[SparseVec],
    ys: &[Vec<bool>],
    rows: &[usize],
    labels: &[usize],
    cfg: &TrainConfig,
) -> LinearHead {
    train_group_with(dims, xs, |k, l| ys[k][l], rows, labels, cfg)
}

/// [`train_group`] with the examples given by reference and the labels by
/// a function (`y(k, l)`: example `k` has label `l`), so callers need not
/// copy either.
pub(crate) fn train_group_with<X: Borrow<SparseVec>>(
    dims: usize,
    xs: &[X],
    y: impl Fn(usize, usize) -> bool,
    rows: &[usize],
    labels: &[usize],
    cfg: &TrainConfig,
) -> LinearHead {
    let cw = class_weights(&y, rows, labels, cfg.balanced);
    let mut head = LinearHead::zeros(dims, labels.len());
    let mut seen = vec![0f32; dims];
    let mut bias_seen = 0f32;
    let mut grad = vec![0f32; labels.len()];
    let mut order: Vec<usize> = rows.to_vec();
    let mut rng = Rng::new(cfg.seed);
    for _ in 0..cfg.epochs {
        rng.shuffle(&mut order);
        for &k in &order {
            let x = xs[k].borrow();
            let s = head.scores(x);
            for (j, &l) in labels.iter().enumerate() {
                let (wp, wn) = cw[j];
                let (y, c) = if y(k, l) { (1.0, wp) } else { (0.0, wn) };
                grad[j] = c * (sigmoid(s[j]) - y);
            }
            update_rows(&mut head, &mut seen, x, &grad, cfg);
            bias_seen += 1.0;
            let step = cfg.learning_rate / (1.0 + bias_seen).sqrt();
            for (b, g) in head.bias.iter_mut().zip(&grad) {
                *b -= step * g;
            }
        }
    }
    head
}

/// Joins heads trained on groups of labels (`groups[g]` lists the labels
/// of `heads[g]`) into one compact head over `labels` labels, keeping the
/// rows where any weight is non-zero.
pub(crate) fn join_groups(
    dims: usize,
    labels: usize,
    groups: &[Vec<usize>],
    heads: &[LinearHead],
) -> CompactHead {
    let mut rows = Vec::new();
    let mut weights = Vec::new();
    let mut row = vec![0f32; labels];
    let mut bias = vec![0f32; labels];
    for (g, h) in groups.iter().zip(heads) {
        for (j, &l) in g.iter().enumerate() {
            bias[l] = h.bias[j];
        }
    }
    for d in 0..dims {
        let mut any = false;
        for (g, h) in groups.iter().zip(heads) {
            for (j, &l) in g.iter().enumerate() {
                row[l] = h.row(d)[j];
                any |= row[l] != 0.0;
            }
        }
        if any {
            rows.push(d as u32);
            weights.extend_from_slice(&row);
        }
    }
    CompactHead::from_f32(dims, labels, rows, weights, bias)
}

impl LinearHead {
    /// The head as a `CompactHead` (all its labels, in order; the tests
    /// compare the compact scoring with the plain one through it).
    #[cfg(test)]
    pub fn to_compact(&self) -> CompactHead {
        join_groups(
            self.dims,
            self.labels,
            &[(0..self.labels).collect()],
            std::slice::from_ref(self),
        )
    }
}

/// One-vs-rest logistic regression, labels split into one group per thread
/// (deterministic whatever the split, see the module note), returned in the
/// compact form that keeps only rows training touched.
pub(crate) fn train_one_vs_rest(
    dims: usize,
    labels: usize,
    xs: &[SparseVec],
    ys: &[Vec<bool>],
    rows: &[usize],
    cfg: &TrainConfig,
) -> CompactHead {
    let threads = rayon::current_num_threads().clamp(1, labels.max(1));
    let groups: Vec<Vec<usize>> = (0..threads)
        .map(|t| (t..labels).step_by(threads).collect())
        .collect();
    let heads: Vec<LinearHead> = groups
        .par_iter()
        .map(|g| train_group(dims, xs, ys, rows, g, cfg))
        .collect();
    join_groups(dims, labels, &groups, &heads)
}

/// Softmax regression over `classes` classes on the examples `rows` of
/// `xs`; `ys[k]` is example `k`'s class.
pub(crate) fn train_softmax(
    dims: usize,
    classes: usize,
    xs: &[SparseVec],
    ys: &[usize],
    rows: &[usize],
    cfg: &TrainConfig,
) -> CompactHead {
    let mut counts = vec![0f32; classes];
    for &k in rows {
        counts[ys[k]] += 1.0;
    }
    let cw: Vec<f32> = if cfg.balanced {
        balanced_classes(&counts)
    } else {
        vec![1.0; classes]
    };
    let mut head = LinearHead::zeros(dims, classes);
    let mut seen = vec![0f32; dims];
    let mut bias_seen = 0f32;
    let mut grad = vec![0f32; classes];
    let mut order: Vec<usize> = rows.to_vec();
    let mut rng = Rng::new(cfg.seed);
    for _ in 0..cfg.epochs {
        rng.shuffle(&mut order);
        for &k in &order {
            let p = softmax(&head.scores(&xs[k]));
            for c in 0..classes {
                grad[c] = cw[ys[k]] * (p[c] - if c == ys[k] { 1.0 } else { 0.0 });
            }
            update_rows(&mut head, &mut seen, &xs[k], &grad, cfg);
            bias_seen += 1.0;
            let step = cfg.learning_rate / (1.0 + bias_seen).sqrt();
            for (b, g) in head.bias.iter_mut().zip(&grad) {
                *b -= step * g;
            }
        }
    }
    join_groups(dims, classes, &[(0..classes).collect()], &[head])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{SectionReader, SectionWriter};

    /// Label 0 fires on feature 1, label 1 on feature 2; feature 3 is noise.
    fn planted() -> (Vec<SparseVec>, Vec<Vec<bool>>) {
        let mut xs = Vec::new();
        let mut ys = Vec::new();
        let mut rng = Rng::new(1);
        for _ in 0..400 {
            let a = rng.next_u64().is_multiple_of(3);
            let b = rng.next_u64().is_multiple_of(5);
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
        assert!(
            correct as f32 / 800.0 > 0.97,
            "accuracy {}",
            correct as f32 / 800.0
        );
        let only = |i: u32| SparseVec::from_pairs(vec![(i, 1.0)]);
        assert!(head.scores(&only(1))[0] > head.scores(&only(2))[0] + 1.0);
        assert!(head.scores(&only(2))[1] > head.scores(&only(1))[1] + 1.0);
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
    fn labels_train_the_same_alone_or_together() {
        let (xs, ys) = planted();
        let rows: Vec<usize> = (0..xs.len()).collect();
        let cfg = TrainConfig::default();
        let together = train_group(32, &xs, &ys, &rows, &[0, 1], &cfg);
        let alone = train_group(32, &xs, &ys, &rows, &[1], &cfg);
        for d in 0..32 {
            assert_eq!(together.row(d)[1], alone.row(d)[0]);
        }
        assert_eq!(together.bias[1], alone.bias[0]);
    }

    #[test]
    fn softmax_learns_three_classes() {
        let xs: Vec<SparseVec> = (0..300)
            .map(|k| SparseVec::from_pairs(vec![((k % 3) as u32, 1.0), (5, 1.0)]))
            .collect();
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

    #[test]
    fn compact_head_scores_like_the_dense_one_and_survives_storage() {
        let dense = LinearHead {
            dims: 8,
            labels: 2,
            weights: vec![
                0.0, 0.0, 1.5, -0.25, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -2.0, 0.125, 0.0, 0.0,
            ],
            bias: vec![0.5, -0.5],
        };
        let compact = dense.to_compact();
        assert_eq!(compact.nonzero_rows(), 2);
        let x = SparseVec::from_pairs(vec![(1, 1.0), (6, 0.5), (7, 3.0)]);
        assert_eq!(compact.scores(&x), dense.scores(&x));
        let mut w = SectionWriter::default();
        compact.store(&mut w).unwrap();
        let bytes = w.into_bytes();
        let back = CompactHead::load(&mut SectionReader::new(&bytes)).unwrap();
        for (a, b) in back.scores(&x).iter().zip(dense.scores(&x)) {
            assert!((a - b).abs() < 1e-3);
        }
        // Stored again, the loaded head gives the same bytes.
        let mut w = SectionWriter::default();
        back.store(&mut w).unwrap();
        assert_eq!(w.into_bytes(), bytes);
    }
}
