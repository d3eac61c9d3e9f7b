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
    /// Independent sigmoids with targets in [0, 1] ([`SoftTargets`]).
    Soft(SoftTargets<'a>),
}

/// Multi-label targets in [0, 1] (hard ones as 0 and 1, or probabilities),
/// each with its own weight in the loss (0: that label of that example is
/// left out): what self-training on pseudo-labels needs.
#[derive(Clone, Copy)]
pub struct SoftTargets<'a> {
    /// Per example, per output: the target.
    pub targets: &'a [Vec<f32>],
    /// Per example, per output: the weight of its term in the loss.
    pub weights: &'a [Vec<f32>],
}

fn train(
    xs: &[Vec<f32>],
    targets: Targets,
    outputs: usize,
    idx: &[usize],
    cfg: &DenseConfig,
    start: Option<&DenseLinear>,
) -> DenseLinear {
    let scaler = match start {
        Some(s) => s.scaler.clone(),
        None => Scaler::fit(xs, idx),
    };
    let dims = scaler.mean.len();
    let scaled: Vec<Vec<f32>> = idx.iter().map(|&i| scaler.apply(&xs[i])).collect();
    // "Balanced" weights, as the fast model's: per label side
    // (multi-label) or per class (softmax).
    let (pos_w, neg_w, class_w) = match &targets {
        Targets::MultiLabel(ys) => {
            let (pw, nw) = label_side_weights(ys, idx, outputs, cfg.balanced);
            (pw, nw, Vec::new())
        }
        Targets::Soft(soft) => {
            let (pw, nw) = soft_side_weights(soft, idx, outputs, cfg.balanced);
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
    let mut model = match start {
        Some(s) => DenseLinear {
            scaler,
            ..s.clone()
        },
        None => DenseLinear {
            scaler,
            weights: vec![0.0; outputs * dims],
            bias: vec![0.0; outputs],
            dims,
        },
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
                    // The balanced cross-entropy with a target t in [0, 1]:
                    // t of a positive and 1 − t of a negative.
                    Targets::Soft(soft) => z
                        .iter()
                        .enumerate()
                        .map(|(l, &zl)| {
                            let (t, w) = (soft.targets[idx[e]][l], soft.weights[idx[e]][l]);
                            let p = sigmoid(zl);
                            w * (t * pos_w[l] * (p - 1.0) + (1.0 - t) * neg_w[l] * p)
                        })
                        .collect(),
                };
                for (l, &d) in dz.iter().enumerate() {
                    gb[l] += d;
                    for (g, v) in gw[l * dims..(l + 1) * dims].iter_mut().zip(x) {
                        *g += d * v;
                    }
                }
            }
            let scale = 1.0 / batch.len() as f32;
            match start {
                None => {
                    for (g, w) in gw.iter_mut().zip(&model.weights) {
                        *g = *g * scale + cfg.l2 * w;
                    }
                }
                Some(s) => {
                    for ((g, w), w0) in gw.iter_mut().zip(&model.weights).zip(&s.weights) {
                        *g = *g * scale + cfg.l2 * (w - w0);
                    }
                }
            }
            gb.iter_mut().for_each(|g| *g *= scale);
            adam_w.step(&mut model.weights, &gw, cfg.learning_rate);
            adam_b.step(&mut model.bias, &gb, cfg.learning_rate);
        }
    }
    model
}

/// Each label's weight for its positive and its negative examples among
/// `idx`: "balanced" as the fast model's (`balanced`), else 1 and 1.
fn label_side_weights(
    ys: &[Vec<bool>],
    idx: &[usize],
    outputs: usize,
    balanced: bool,
) -> (Vec<f32>, Vec<f32>) {
    let n = idx.len().max(1) as f32;
    let mut pos = vec![0f32; outputs];
    for &i in idx {
        for (l, &y) in ys[i].iter().enumerate() {
            pos[l] += y as u8 as f32;
        }
    }
    pos.iter()
        .map(|&p| {
            if balanced {
                balanced_binary(p, n)
            } else {
                (1.0, 1.0)
            }
        })
        .unzip()
}

/// [`label_side_weights`] for soft targets: a label's positives are the
/// weighted sum of its targets, its examples the sum of its weights.
fn soft_side_weights(
    soft: &SoftTargets,
    idx: &[usize],
    outputs: usize,
    balanced: bool,
) -> (Vec<f32>, Vec<f32>) {
    (0..outputs)
        .map(|l| {
            let (mut pos, mut n) = (0f32, 0f32);
            for &i in idx {
                pos += soft.weights[i][l] * soft.targets[i][l];
                n += soft.weights[i][l];
            }
            if balanced {
                balanced_binary(pos, n)
            } else {
                (1.0, 1.0)
            }
        })
        .unzip()
}

/// What a stacked head's embedding-side model gives an input: one raw
/// score (logit) per output.
pub trait EmbeddingModel {
    /// Raw scores of an unscaled input.
    fn scores(&self, x: &[f32]) -> Vec<f32>;
}

impl EmbeddingModel for DenseLinear {
    fn scores(&self, x: &[f32]) -> Vec<f32> {
        DenseLinear::scores(self, x)
    }
}

/// Training settings of a one-hidden-layer network ([`DenseMlp`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MlpConfig {
    /// Epochs, batch, step size, L2 penalty (on every weight, not the
    /// biases), class balance and seed, as for a linear head.
    pub dense: DenseConfig,
    /// Hidden ReLU units.
    pub hidden: usize,
    /// Probability of dropping a hidden unit while training.
    pub dropout: f32,
    /// Adds a linear path from the inputs to the outputs (a linear head
    /// with a non-linear correction).
    pub skip: bool,
}

/// One hidden ReLU layer on standardised inputs, then one output per
/// label: `W2·relu(W1·x + b1) + V·x + b2` (`V` empty without the skip
/// path).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DenseMlp {
    /// Standardises inputs.
    pub scaler: Scaler,
    /// Input dimensions.
    pub dims: usize,
    /// Hidden units.
    pub hidden: usize,
    /// `hidden × dims` weights, row by unit.
    pub w1: Vec<f32>,
    /// One bias per hidden unit.
    pub b1: Vec<f32>,
    /// `outputs × hidden` weights, row by output.
    pub w2: Vec<f32>,
    /// `outputs × dims` weights of the skip path, or empty.
    pub skip: Vec<f32>,
    /// One bias per output.
    pub b2: Vec<f32>,
}

impl DenseMlp {
    /// Hidden activations (into `h`, each times its `mask` factor while
    /// training with dropout) and scores of a scaled input.
    fn forward(&self, x: &[f32], h: &mut [f32], mask: Option<&[f32]>) -> Vec<f32> {
        for (j, ((hj, w), b)) in h
            .iter_mut()
            .zip(self.w1.chunks_exact(self.dims))
            .zip(&self.b1)
            .enumerate()
        {
            *hj = (b + dot(w, x)).max(0.0);
            if let Some(mask) = mask {
                *hj *= mask[j];
            }
        }
        let mut z: Vec<f32> = self
            .w2
            .chunks_exact(self.hidden)
            .zip(&self.b2)
            .map(|(w, b)| b + dot(w, h))
            .collect();
        if !self.skip.is_empty() {
            for (zl, v) in z.iter_mut().zip(self.skip.chunks_exact(self.dims)) {
                *zl += dot(v, x);
            }
        }
        z
    }
}

impl EmbeddingModel for DenseMlp {
    fn scores(&self, x: &[f32]) -> Vec<f32> {
        let x = self.scaler.apply(x);
        let mut h = vec![0f32; self.hidden];
        self.forward(&x, &mut h, None)
    }
}

/// Uniform in [0, 1) from the generator (its top 24 bits).
fn unit(rng: &mut Rng) -> f32 {
    (rng.next_u64() >> 40) as f32 / (1u64 << 24) as f32
}

/// Uniform in [-a, a) from the generator.
fn uniform(rng: &mut Rng, a: f32) -> f32 {
    (unit(rng) * 2.0 - 1.0) * a
}

/// A one-hidden-layer network with independent sigmoid outputs (one per
/// label), trained by mini-batch Adam on the examples `idx`, as
/// [`train_multilabel`] trains a linear one (the same balanced loss);
/// single-threaded, so the result depends only on the inputs and the seed.
pub fn train_mlp_multilabel(
    xs: &[Vec<f32>],
    ys: &[Vec<bool>],
    outputs: usize,
    idx: &[usize],
    cfg: &MlpConfig,
) -> DenseMlp {
    let dc = &cfg.dense;
    let scaler = Scaler::fit(xs, idx);
    let dims = scaler.mean.len();
    let hidden = cfg.hidden.max(1);
    let scaled: Vec<Vec<f32>> = idx.iter().map(|&i| scaler.apply(&xs[i])).collect();
    let (pos_w, neg_w) = label_side_weights(ys, idx, outputs, dc.balanced);
    let mut rng = Rng::from_state(dc.seed ^ 0x9e37_79b9_7f4a_7c15);
    let a1 = (6.0 / dims.max(1) as f32).sqrt();
    let a2 = (6.0 / (hidden + outputs) as f32).sqrt();
    let w1 = (0..hidden * dims).map(|_| uniform(&mut rng, a1)).collect();
    let w2 = (0..outputs * hidden)
        .map(|_| uniform(&mut rng, a2))
        .collect();
    let mut m = DenseMlp {
        scaler,
        dims,
        hidden,
        w1,
        b1: vec![0.0; hidden],
        w2,
        skip: if cfg.skip {
            vec![0.0; outputs * dims]
        } else {
            Vec::new()
        },
        b2: vec![0.0; outputs],
    };
    let mut adam = [
        Adam::new(m.w1.len()),
        Adam::new(hidden),
        Adam::new(m.w2.len()),
        Adam::new(m.skip.len()),
        Adam::new(outputs),
    ];
    let mut g = [
        vec![0f32; m.w1.len()],
        vec![0f32; hidden],
        vec![0f32; m.w2.len()],
        vec![0f32; m.skip.len()],
        vec![0f32; outputs],
    ];
    let keep = 1.0 - cfg.dropout.clamp(0.0, 0.95);
    let mut order: Vec<usize> = (0..idx.len()).collect();
    let mut h = vec![0f32; hidden];
    let mut mask = vec![1f32; hidden];
    let mut dh = vec![0f32; hidden];
    for _ in 0..dc.epochs {
        rng.shuffle(&mut order);
        for batch in order.chunks(dc.batch.max(1)) {
            g.iter_mut()
                .for_each(|v| v.iter_mut().for_each(|x| *x = 0.0));
            for &e in batch {
                let x = &scaled[e];
                // Forward, with inverted dropout on the hidden units.
                if keep < 1.0 {
                    for mk in mask.iter_mut() {
                        *mk = if unit(&mut rng) < keep {
                            1.0 / keep
                        } else {
                            0.0
                        };
                    }
                }
                let z = m.forward(x, &mut h, Some(&mask));
                let y = &ys[idx[e]];
                dh.iter_mut().for_each(|v| *v = 0.0);
                for (l, &zl) in z.iter().enumerate() {
                    let w = if y[l] { pos_w[l] } else { neg_w[l] };
                    let d = w * (sigmoid(zl) - y[l] as u8 as f32);
                    g[4][l] += d;
                    let row = l * hidden..(l + 1) * hidden;
                    for ((gw, hv), (dv, wv)) in g[2][row.clone()]
                        .iter_mut()
                        .zip(&h)
                        .zip(dh.iter_mut().zip(&m.w2[row]))
                    {
                        *gw += d * hv;
                        *dv += d * wv;
                    }
                    if cfg.skip {
                        for (gv, xv) in g[3][l * dims..(l + 1) * dims].iter_mut().zip(x) {
                            *gv += d * xv;
                        }
                    }
                }
                for j in 0..hidden {
                    // relu'(a)·mask: h is positive exactly where both are.
                    if h[j] <= 0.0 {
                        continue;
                    }
                    let da = dh[j] * mask[j];
                    g[1][j] += da;
                    for (gw, xv) in g[0][j * dims..(j + 1) * dims].iter_mut().zip(x) {
                        *gw += da * xv;
                    }
                }
            }
            let scale = 1.0 / batch.len() as f32;
            let params: [&mut Vec<f32>; 5] =
                [&mut m.w1, &mut m.b1, &mut m.w2, &mut m.skip, &mut m.b2];
            for (k, (p, (gk, ad))) in params
                .into_iter()
                .zip(g.iter_mut().zip(adam.iter_mut()))
                .enumerate()
            {
                let decay = if k == 1 || k == 4 { 0.0 } else { dc.l2 };
                for (gv, w) in gk.iter_mut().zip(p.iter()) {
                    *gv = *gv * scale + decay * w;
                }
                ad.step(p, gk, dc.learning_rate);
            }
        }
    }
    m
}

/// One-vs-rest logistic regression over the examples `idx`.
pub fn train_multilabel(
    xs: &[Vec<f32>],
    ys: &[Vec<bool>],
    labels: usize,
    idx: &[usize],
    cfg: &DenseConfig,
) -> DenseLinear {
    train(xs, Targets::MultiLabel(ys), labels, idx, cfg, None)
}

/// [`train_multilabel`] on soft, weighted targets ([`SoftTargets`]); from
/// scratch, or from `start` (its scaler kept, the L2 penalty `cfg.l2`
/// pulling toward its weights): self-training a head on pseudo-labels of a
/// corpus. With targets 0 and 1, weights 1 and no start, it is
/// [`train_multilabel`] exactly.
pub fn train_soft_multilabel(
    xs: &[Vec<f32>],
    targets: SoftTargets,
    labels: usize,
    idx: &[usize],
    cfg: &DenseConfig,
    start: Option<&DenseLinear>,
) -> DenseLinear {
    train(xs, Targets::Soft(targets), labels, idx, cfg, start)
}

/// Softmax regression over the examples `idx`.
pub fn train_softmax(
    xs: &[Vec<f32>],
    ys: &[usize],
    classes: usize,
    idx: &[usize],
    cfg: &DenseConfig,
) -> DenseLinear {
    train(xs, Targets::Single(ys), classes, idx, cfg, None)
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
    fn mlp_learns_a_rule_no_linear_model_can_and_is_deterministic() {
        // Label 0: x0 and x1 of the same sign (XOR-like); label 1: x0 > 0.
        let (xs, _, _) = data();
        let ys: Vec<Vec<bool>> = xs
            .iter()
            .map(|x| vec![(x[0] > 0.0) == (x[1] > 0.0), x[0] > 0.0])
            .collect();
        let idx: Vec<usize> = (0..400).collect();
        let cfg = MlpConfig {
            dense: DenseConfig {
                epochs: 60,
                l2: 1e-4,
                ..DenseConfig::default()
            },
            hidden: 16,
            dropout: 0.1,
            skip: true,
        };
        let m = train_mlp_multilabel(&xs, &ys, 2, &idx, &cfg);
        let lin = train_multilabel(&xs, &ys, 2, &idx, &cfg.dense);
        let accuracy = |score: &dyn Fn(&[f32]) -> Vec<f32>, l: usize| {
            (400..600)
                .filter(|&i| (score(&xs[i])[l] > 0.0) == ys[i][l])
                .count()
        };
        assert!(accuracy(&|x| m.scores(x), 0) >= 180);
        assert!(accuracy(&|x| m.scores(x), 1) >= 185);
        assert!(accuracy(&|x| lin.scores(x), 0) < 150);
        assert_eq!(m, train_mlp_multilabel(&xs, &ys, 2, &idx, &cfg));
    }

    #[test]
    fn soft_targets_of_0_and_1_train_the_hard_model_exactly() {
        let (xs, ys, _) = data();
        let idx: Vec<usize> = (0..400).collect();
        let cfg = DenseConfig::default();
        let targets: Vec<Vec<f32>> = ys
            .iter()
            .map(|y| y.iter().map(|&b| b as u8 as f32).collect())
            .collect();
        let weights = vec![vec![1.0; 2]; xs.len()];
        let soft = SoftTargets {
            targets: &targets,
            weights: &weights,
        };
        assert_eq!(
            train_soft_multilabel(&xs, soft, 2, &idx, &cfg, None),
            train_multilabel(&xs, &ys, 2, &idx, &cfg)
        );
    }

    #[test]
    fn training_from_a_start_moves_toward_new_targets_and_stays_without_them() {
        let (xs, ys, _) = data();
        let idx: Vec<usize> = (0..400).collect();
        let cfg = DenseConfig::default();
        let start = train_multilabel(&xs, &ys, 2, &idx, &cfg);
        // No weight on any target: the pull alone, already at its minimum.
        let targets = vec![vec![0.0; 2]; xs.len()];
        let zero = vec![vec![0.0; 2]; xs.len()];
        let none = SoftTargets {
            targets: &targets,
            weights: &zero,
        };
        assert_eq!(
            train_soft_multilabel(&xs, none, 2, &idx, &cfg, Some(&start)),
            start
        );
        // Label 0 moved to x0 > 0.5, soft targets: adapted, the model
        // agrees with it more often than the start does.
        let shifted: Vec<Vec<f32>> = xs
            .iter()
            .map(|x| vec![sigmoid(8.0 * (x[0] - 0.5)), 0.0])
            .collect();
        let ones = vec![vec![1.0, 0.0]; xs.len()];
        let soft = SoftTargets {
            targets: &shifted,
            weights: &ones,
        };
        let adapt_cfg = DenseConfig {
            epochs: 60,
            learning_rate: 1e-2,
            l2: 1e-3,
            ..cfg
        };
        let adapted = train_soft_multilabel(&xs, soft, 2, &idx, &adapt_cfg, Some(&start));
        assert_eq!(adapted.scaler, start.scaler);
        let agree = |m: &DenseLinear| {
            (400..600)
                .filter(|&i| (m.scores(&xs[i])[0] > 0.0) == (xs[i][0] > 0.5))
                .count()
        };
        assert!(
            agree(&adapted) > agree(&start) + 10,
            "{} vs {}",
            agree(&adapted),
            agree(&start)
        );
    }

    #[test]
    fn scaler_standardises() {
        let xs = vec![vec![1.0, 5.0], vec![3.0, 5.0]];
        let s = Scaler::fit(&xs, &[0, 1]);
        assert_eq!(s.apply(&xs[0]), vec![-1.0, 0.0]);
        assert_eq!(s.apply(&xs[1]), vec![1.0, 0.0]);
    }
}
