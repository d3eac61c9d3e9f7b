//! Linear models on dense inputs: standardisation, one-vs-rest logistic
//! regression and softmax regression, trained by mini-batch Adam.
//!
//! The inputs are a few hundred dense values per example (embedding
//! dimensions and the fast model's scores), so the sparse SGD of the fast
//! model is the wrong tool; with standardised inputs, Adam converges in a
//! few epochs and is deterministic given the seed.

use rhetor_model::hashing::Rng;
use rhetor_model::linear::{balanced_binary, balanced_classes};
use rhetor_model::math::{sigmoid, softmax};
use serde::{Deserialize, Serialize};

/// Per-dimension standardisation fitted on training inputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scaler {
    /// Each input dimension's mean on the training inputs.
    pub mean: Vec<f32>,
    /// One over its standard deviation (0 for a constant dimension).
    pub inv_std: Vec<f32>,
}

impl Scaler {
    /// Fits the scaler on the inputs `xs[i]` for `i` in `idx`.
    pub fn fit(xs: &[Vec<f32>], idx: &[usize]) -> Self {
        let d = xs.first().map_or(0, |x| x.len());
        let n = idx.len().max(1) as f64;
        let mut mean = vec![0f64; d];
        let mut sq = vec![0f64; d];
        for &i in idx {
            for (j, &v) in xs[i].iter().enumerate() {
                mean[j] += v as f64;
                sq[j] += (v as f64) * (v as f64);
            }
        }
        let mut inv_std = vec![0f32; d];
        for j in 0..d {
            mean[j] /= n;
            let var = (sq[j] / n - mean[j] * mean[j]).max(0.0);
            inv_std[j] = if var > 1e-12 {
                (1.0 / var.sqrt()) as f32
            } else {
                0.0
            };
        }
        Scaler {
            mean: mean.into_iter().map(|m| m as f32).collect(),
            inv_std,
        }
    }

    /// `x` standardised.
    pub fn apply(&self, x: &[f32]) -> Vec<f32> {
        x.iter()
            .zip(&self.mean)
            .zip(&self.inv_std)
            .map(|((v, m), s)| (v - m) * s)
            .collect()
    }
}

/// Training settings of a dense head.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DenseConfig {
    /// Passes over the training examples.
    pub epochs: usize,
    /// Examples per Adam step.
    pub batch: usize,
    /// Adam's step size.
    pub learning_rate: f32,
    /// L2 penalty per example (weight decay scaled by the batch).
    pub l2: f32,
    /// Weight classes inversely to their frequency.
    pub balanced: bool,
    /// Seed of the examples' shuffle before each epoch.
    pub seed: u64,
}

impl Default for DenseConfig {
    fn default() -> Self {
        DenseConfig {
            epochs: 12,
            batch: 64,
            learning_rate: 2e-3,
            l2: 1e-3,
            balanced: true,
            seed: 7,
        }
    }
}

/// Weights `[outputs][dims]` and biases; scores are `W·x + b` on scaled x.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DenseLinear {
    /// Standardises inputs before the product.
    pub scaler: Scaler,
    /// `outputs × dims` weights, row by output.
    pub weights: Vec<f32>,
    /// One bias per output.
    pub bias: Vec<f32>,
    /// Input dimensions.
    pub dims: usize,
}

impl DenseLinear {
    /// Number of outputs (labels or classes).
    pub fn outputs(&self) -> usize {
        self.bias.len()
    }

    /// Raw scores (logits) of an unscaled input.
    pub fn scores(&self, x: &[f32]) -> Vec<f32> {
        let x = self.scaler.apply(x);
        self.scores_scaled(&x)
    }

    fn scores_scaled(&self, x: &[f32]) -> Vec<f32> {
        self.weights
            .chunks_exact(self.dims)
            .zip(&self.bias)
            .map(|(w, b)| b + dot(w, x))
            .collect()
    }
}

/// Dot product in 8 lanes, which vectorises (a plain f32 sum must keep
/// its order, so it stays scalar); this loop is most of training.
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let rest: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for i in 0..8 {
            acc[i] += x[i] * y[i];
        }
    }
    acc.iter().sum::<f32>() + rest
}

/// Adam state for one parameter vector.
struct Adam {
    m: Vec<f32>,
    v: Vec<f32>,
    t: i32,
}

impl Adam {
    fn new(n: usize) -> Self {
        Adam {
            m: vec![0.0; n],
            v: vec![0.0; n],
            t: 0,
        }
    }

    fn step(&mut self, params: &mut [f32], grad: &[f32], lr: f32) {
        const B1: f32 = 0.9;
        const B2: f32 = 0.999;
        self.t += 1;
        let c1 = 1.0 - B1.powi(self.t);
        let c2 = 1.0 - B2.powi(self.t);
        for (((p, g), m), v) in params
            .iter_mut()
            .zip(grad)
            .zip(&mut self.m)
            .zip(&mut self.v)
        {
            *m = B1 * *m + (1.0 - B1) * g;
            *v = B2 * *v + (1.0 - B2) * g * g;
            *p -= lr * (*m / c1) / ((*v / c2).sqrt() + 1e-8);
        }
    }
}

/// What the loss of one example is.
enum Targets<'a> {
    /// Independent sigmoids, one per output.
    MultiLabel(&'a [Vec<bool>]),
    /// One softmax over the outputs.
    Single(&'a [usize]),
}

fn train(
    xs: &[Vec<f32>],
    targets: Targets,
    outputs: usize,
    idx: &[usize],
    cfg: &DenseConfig,
) -> DenseLinear {
    let scaler = Scaler::fit(xs, idx);
    let dims = scaler.mean.len();
    let scaled: Vec<Vec<f32>> = idx.iter().map(|&i| scaler.apply(&xs[i])).collect();
    let n = idx.len().max(1) as f32;
    // "Balanced" weights, as the fast model's: per label side
    // (multi-label) or per class (softmax).
    let (pos_w, neg_w, class_w) = match &targets {
        Targets::MultiLabel(ys) => {
            let mut pos = vec![0f32; outputs];
            for &i in idx {
                for (l, &y) in ys[i].iter().enumerate() {
                    pos[l] += y as u8 as f32;
                }
            }
            let (pw, nw) = pos
                .iter()
                .map(|&p| {
                    if cfg.balanced {
                        balanced_binary(p, n)
                    } else {
                        (1.0, 1.0)
                    }
                })
                .unzip();
            (pw, nw, Vec::new())
        }
        Targets::Single(ys) => {
            let mut count = vec![0f32; outputs];
            for &i in idx {
                count[ys[i]] += 1.0;
            }
            let cw = if cfg.balanced {
                balanced_classes(&count)
            } else {
                vec![1.0; outputs]
            };
            (Vec::new(), Vec::new(), cw)
        }
    };
    let mut model = DenseLinear {
        scaler,
        weights: vec![0.0; outputs * dims],
        bias: vec![0.0; outputs],
        dims,
    };
    let mut adam_w = Adam::new(outputs * dims);
    let mut adam_b = Adam::new(outputs);
    let mut rng = Rng::from_state(cfg.seed);
    let mut order: Vec<usize> = (0..idx.len()).collect();
    let mut gw = vec![0f32; outputs * dims];
    let mut gb = vec![0f32; outputs];
    for _ in 0..cfg.epochs {
        rng.shuffle(&mut order);
        for batch in order.chunks(cfg.batch.max(1)) {
            gw.iter_mut().for_each(|g| *g = 0.0);
            gb.iter_mut().for_each(|g| *g = 0.0);
            for &e in batch {
                let x = &scaled[e];
                let z = model.scores_scaled(x);
                // d loss / d z for each output, class-weighted.
                let dz: Vec<f32> = match &targets {
                    Targets::MultiLabel(ys) => z
                        .iter()
                        .enumerate()
                        .map(|(l, &zl)| {
                            let y = ys[idx[e]][l];
                            let w = if y { pos_w[l] } else { neg_w[l] };
                            w * (sigmoid(zl) - y as u8 as f32)
                        })
                        .collect(),
                    Targets::Single(ys) => {
                        let y = ys[idx[e]];
                        softmax(&z)
                            .iter()
                            .enumerate()
                            .map(|(c, &p)| class_w[y] * (p - (c == y) as u8 as f32))
                            .collect()
                    }
                };
                for (l, &d) in dz.iter().enumerate() {
                    gb[l] += d;
                    for (g, v) in gw[l * dims..(l + 1) * dims].iter_mut().zip(x) {
                        *g += d * v;
                    }
                }
            }
            let scale = 1.0 / batch.len() as f32;
            for (g, w) in gw.iter_mut().zip(&model.weights) {
                *g = *g * scale + cfg.l2 * w;
            }
            gb.iter_mut().for_each(|g| *g *= scale);
            adam_w.step(&mut model.weights, &gw, cfg.learning_rate);
            adam_b.step(&mut model.bias, &gb, cfg.learning_rate);
        }
    }
    model
}

/// One-vs-rest logistic regression over the examples `idx`.
pub fn train_multilabel(
    xs: &[Vec<f32>],
    ys: &[Vec<bool>],
    labels: usize,
    idx: &[usize],
    cfg: &DenseConfig,
) -> DenseLinear {
    train(xs, Targets::MultiLabel(ys), labels, idx, cfg)
}

/// Softmax regression over the examples `idx`.
pub fn train_softmax(
    xs: &[Vec<f32>],
    ys: &[usize],
    classes: usize,
    idx: &[usize],
    cfg: &DenseConfig,
) -> DenseLinear {
    train(xs, Targets::Single(ys), classes, idx, cfg)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data() -> (Vec<Vec<f32>>, Vec<Vec<bool>>, Vec<usize>) {
        // Label 0 is x0 > 0; label 1 is x1 > 0.5 (rare); x2 is noise.
        let mut rng = Rng::from_state(3);
        let mut u = || (rng.next_u64() >> 11) as f32 / (1u64 << 53) as f32 * 2.0 - 1.0;
        let xs: Vec<Vec<f32>> = (0..600).map(|_| vec![u(), u(), u() * 5.0 + 3.0]).collect();
        let ys = xs.iter().map(|x| vec![x[0] > 0.0, x[1] > 0.5]).collect();
        let cls = xs
            .iter()
            .map(|x| {
                if x[0] > 0.3 {
                    2
                } else if x[1] > 0.0 {
                    1
                } else {
                    0
                }
            })
            .collect();
        (xs, ys, cls)
    }

    #[test]
    #[allow(clippy::needless_range_loop)] // l indexes labels in ys and scores
    fn multilabel_learns_planted_rules() {
        let (xs, ys, _) = data();
        let idx: Vec<usize> = (0..400).collect();
        let cfg = DenseConfig {
            epochs: 40,
            ..DenseConfig::default()
        };
        let m = train_multilabel(&xs, &ys, 2, &idx, &cfg);
        for l in 0..2 {
            // Ranking quality (AUC) on held-out examples: balanced weights
            // move the 0 cut-off, not the order.
            let (mut pairs, mut good) = (0usize, 0usize);
            for i in 400..600 {
                for j in 400..600 {
                    if ys[i][l] && !ys[j][l] {
                        pairs += 1;
                        good += (m.scores(&xs[i])[l] > m.scores(&xs[j])[l]) as usize;
                    }
                }
            }
            let auc = good as f64 / pairs as f64;
            assert!(auc > 0.97, "label {l}: AUC {auc}");
        }
    }

    #[test]
    fn softmax_learns_planted_rules_and_is_deterministic() {
        let (xs, _, cls) = data();
        let idx: Vec<usize> = (0..400).collect();
        let cfg = DenseConfig {
            epochs: 40,
            ..DenseConfig::default()
        };
        let m = train_softmax(&xs, &cls, 3, &idx, &cfg);
        let correct = (400..600)
            .filter(|&i| {
                let s = m.scores(&xs[i]);
                (0..3).max_by(|&a, &b| s[a].total_cmp(&s[b])) == Some(cls[i])
            })
            .count();
        assert!(correct >= 170, "{correct}/200 correct");
        assert_eq!(m, train_softmax(&xs, &cls, 3, &idx, &cfg));
    }

    #[test]
    fn scaler_standardises() {
        let xs = vec![vec![1.0, 5.0], vec![3.0, 5.0]];
        let s = Scaler::fit(&xs, &[0, 1]);
        assert_eq!(s.apply(&xs[0]), vec![-1.0, 0.0]);
        assert_eq!(s.apply(&xs[1]), vec![1.0, 0.0]);
    }
}
