//! Heads stacked on the fast model: each reads the fast model's calibrated
//! scores next to the encoder's embeddings, so lexical evidence and meaning
//! are weighed by one learned model per task.

use crate::dense::{train_multilabel, train_softmax, DenseConfig, DenseLinear, Scaler};
use crate::embed::DocEmbeddings;
use rayon::prelude::*;
use rhetor_core::{Frame, Genre, Technique};
use rhetor_model::calibrate::{calibrate_single, decide_single, macro_f1, micro_thresholds};
use rhetor_model::math::{sigmoid, softmax};
use serde::{Deserialize, Serialize};

/// The fast model's calibrated probabilities for one document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FastProbs {
    /// Per paragraph, per technique index.
    pub techniques: Vec<Vec<f32>>,
    pub frames: Vec<f32>,
    pub genre: Vec<f32>,
}

impl FastProbs {
    pub fn of(model: &rhetor_model::FastModel, doc: &rhetor_core::Document) -> Self {
        let (frames, genre) = model.article_probs(doc);
        FastProbs {
            techniques: model.technique_probs(doc),
            frames,
            genre,
        }
    }
}

/// How a fast model decides: per-label thresholds on its probabilities,
/// and the genre's log-probability offsets. The unseen-language rules
/// start from them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FastRules {
    pub techniques: Vec<f32>,
    pub frames: Vec<f32>,
    pub genre: Vec<f32>,
}

impl FastRules {
    pub fn of(model: &rhetor_model::FastModel) -> Self {
        FastRules {
            techniques: model.techniques().thresholds.clone(),
            frames: model.frames().thresholds.clone(),
            genre: model.genre().offsets.clone(),
        }
    }
}

fn logit(p: f32) -> f32 {
    let p = p.clamp(1e-4, 1.0 - 1e-4);
    (p / (1.0 - p)).ln()
}

/// Which inputs the heads read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StackConfig {
    /// Techniques also read the article's embedding (context).
    pub article_context: bool,
    pub techniques: DenseConfig,
    pub frames: DenseConfig,
    pub genre: DenseConfig,
    /// Folds inside training for calibration and thresholds.
    pub inner_folds: usize,
}

impl Default for StackConfig {
    fn default() -> Self {
        // The L2 penalties were chosen by 5-fold and leave-one-language-out
        // cross-validation (techniques and frames: 1e-3 → 1e-1 gained 0.004
        // and 0.002 in CV, 0.018 and 0.021 across languages; genre 1e-3 →
        // 1e-2 gained 0.015 and 0.013): strong penalties keep the heads to
        // directions of the embedding space that carry over between
        // languages.
        StackConfig {
            article_context: true,
            techniques: DenseConfig {
                l2: 0.1,
                ..DenseConfig::default()
            },
            frames: DenseConfig {
                epochs: 40,
                l2: 0.1,
                ..DenseConfig::default()
            },
            genre: DenseConfig {
                epochs: 40,
                l2: 0.01,
                ..DenseConfig::default()
            },
            inner_folds: 4,
        }
    }
}

/// The fast model's values the techniques head reads for paragraph `p`
/// (log-odds), the first values of [`technique_input`].
pub fn technique_fast(fast: &FastProbs, p: usize) -> Vec<f32> {
    fast.techniques[p].iter().map(|&v| logit(v)).collect()
}

/// Input of the techniques head for paragraph `p`.
pub fn technique_input(
    cfg: &StackConfig,
    fast: &FastProbs,
    emb: &DocEmbeddings,
    p: usize,
) -> Vec<f32> {
    let mut x = technique_fast(fast, p);
    x.extend_from_slice(&emb.paragraphs[p]);
    if cfg.article_context {
        x.extend_from_slice(&emb.article);
    }
    x
}

/// The fast model's values the frames head reads (log-odds).
pub fn frame_fast(fast: &FastProbs) -> Vec<f32> {
    fast.frames.iter().map(|&v| logit(v)).collect()
}

pub fn frame_input(fast: &FastProbs, emb: &DocEmbeddings) -> Vec<f32> {
    let mut x = frame_fast(fast);
    x.extend_from_slice(&emb.article);
    x
}

/// The fast model's values the genre head reads (log-probabilities).
pub fn genre_fast(fast: &FastProbs) -> Vec<f32> {
    fast.genre.iter().map(|&v| v.max(1e-6).ln()).collect()
}

pub fn genre_input(fast: &FastProbs, emb: &DocEmbeddings) -> Vec<f32> {
    let mut x = genre_fast(fast);
    x.extend_from_slice(&emb.article);
    x
}

/// Out-of-fold scores of every example (folds: `groups[i] % k`) and,
/// when `with_final`, the model trained on all of them; the trainings are
/// independent and run in parallel.
fn out_of_fold(
    xs: &[Vec<f32>],
    groups: &[usize],
    k: usize,
    with_final: bool,
    train: impl Fn(&[usize]) -> DenseLinear + Sync,
) -> (Vec<Vec<f32>>, Option<DenseLinear>) {
    let runs = if with_final { k + 1 } else { k };
    let mut models: Vec<(DenseLinear, Vec<usize>)> = (0..runs)
        .into_par_iter()
        .map(|f| {
            let sel: Vec<usize> = (0..xs.len())
                .filter(|&i| f == k || groups[i] % k != f)
                .collect();
            let held: Vec<usize> = (0..xs.len())
                .filter(|&i| f < k && groups[i] % k == f)
                .collect();
            (train(&sel), held)
        })
        .collect();
    let final_model = with_final.then(|| models.pop().expect("k + 1 models").0);
    let mut oof = vec![Vec::new(); xs.len()];
    for (m, held) in &models {
        for &i in held {
            oof[i] = m.scores(&xs[i]);
        }
    }
    (oof, final_model)
}

/// Training examples of one head. `xs[i]` starts with the fast model's
/// values (one per label), then the embedding inputs.
pub struct Examples<'a> {
    pub xs: &'a [Vec<f32>],
    /// The fast model's values for the same example from a model that did
    /// not see the example's language.
    pub unseen_fast: &'a [Vec<f32>],
    /// The decision rules (thresholds or offsets) of those fast models.
    pub unseen_rules: &'a [&'a [f32]],
    /// Inner-fold group (keeps an article's examples together).
    pub groups: &'a [usize],
    /// Language index of each example.
    pub langs: &'a [usize],
}

impl Examples<'_> {
    fn languages(&self) -> usize {
        self.langs.iter().max().map_or(0, |&m| m + 1)
    }
}

/// Fits `p = sigmoid(a·x1 + b·x2 + c)` by Newton's method, with a small
/// ridge on `a` and `b`: the per-label blend of the fast model's logit
/// (`x1`) and the embedding head's out-of-fold logit (`x2`).
pub fn fit_blend(x1: &[f32], x2: &[f32], y: &[bool]) -> [f32; 3] {
    let ridge = 1e-3 * x1.len() as f64;
    let loss = |t: &[f64; 3]| -> f64 {
        let mut l = 0.5 * ridge * (t[0] * t[0] + t[1] * t[1]);
        for ((&a, &b), &yy) in x1.iter().zip(x2).zip(y) {
            let z = t[0] * a as f64 + t[1] * b as f64 + t[2];
            // log(1 + e^z) - y z, stably.
            let sp = if z > 0.0 {
                z + (-z).exp().ln_1p()
            } else {
                z.exp().ln_1p()
            };
            l += sp - if yy { z } else { 0.0 };
        }
        l
    };
    let mut t = [0.5f64, 0.5, 0.0];
    let mut current = loss(&t);
    for _ in 0..50 {
        let mut g = [0f64; 3];
        let mut h = [[0f64; 3]; 3];
        for ((&a, &b), &yy) in x1.iter().zip(x2).zip(y) {
            let f = [a as f64, b as f64, 1.0];
            let z = t[0] * f[0] + t[1] * f[1] + t[2];
            let p = 1.0 / (1.0 + (-z).exp());
            let w = (p * (1.0 - p)).max(1e-9);
            for i in 0..3 {
                g[i] += (p - yy as u8 as f64) * f[i];
                for j in 0..3 {
                    h[i][j] += w * f[i] * f[j];
                }
            }
        }
        for i in 0..2 {
            g[i] += ridge * t[i];
            h[i][i] += ridge;
        }
        h[2][2] += 1e-9;
        let Some(step) = solve3(h, g) else { break };
        // Backtracking: Newton steps can overshoot when the inputs are
        // nearly separable.
        let mut scale = 1.0;
        let mut improved = false;
        for _ in 0..30 {
            let cand = [
                t[0] - scale * step[0],
                t[1] - scale * step[1],
                t[2] - scale * step[2],
            ];
            let l = loss(&cand);
            if l <= current {
                improved = current - l > 1e-10 * current.abs().max(1.0);
                t = cand;
                current = l;
                break;
            }
            scale *= 0.5;
        }
        if !improved {
            break;
        }
    }
    [t[0] as f32, t[1] as f32, t[2] as f32]
}

/// Solves the 3×3 system `h · x = g` (Cramer's rule); None if singular.
fn solve3(h: [[f64; 3]; 3], g: [f64; 3]) -> Option<[f64; 3]> {
    let det = |m: [[f64; 3]; 3]| {
        m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
            - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
            + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
    };
    let d = det(h);
    if d.abs() < 1e-300 {
        return None;
    }
    let mut x = [0f64; 3];
    for (c, xc) in x.iter_mut().enumerate() {
        let mut m = h;
        for r in 0..3 {
            m[r][c] = g[r];
        }
        *xc = det(m) / d;
    }
    Some(x)
}

/// The rule for a language the fast model never saw: the fast model's
/// log-odds (or log-probabilities) shifted by `weight` times the embedding
/// head's standardised logit, decided by the fast model's own thresholds
/// (or offsets). With weight 0 it is the fast model itself.
///
/// Why not a blend fitted on such languages: its weights and thresholds
/// are fitted to the label densities of the training languages, which
/// differ from language to language (0.6 to 1.9 techniques per paragraph);
/// keeping the fast model's decision boundary and only moving examples
/// across it by meaning carried over better, in every language, when each
/// language was left out in turn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Anchor {
    /// Standardises the embedding head's logits (fitted on out-of-fold
    /// logits, which look like those of new documents).
    pub scaler: Scaler,
    /// Whether the logits' mean is subtracted (a shift of every label's
    /// evidence) or only their scale divided out.
    pub centered: bool,
    pub weight: f32,
}

/// Weights [`Anchor::fit`] tries.
const ANCHOR_WEIGHTS: [f32; 20] = [
    0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.85, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0,
    4.0, 6.0,
];

impl Anchor {
    /// `fast + weight · standardised(z)`.
    fn shifted(&self, fast: &[f32], z: &[f32]) -> Vec<f32> {
        let zs: Vec<f32> = if !self.centered {
            z.iter()
                .zip(&self.scaler.inv_std)
                .map(|(z, s)| z * s)
                .collect()
        } else {
            self.scaler.apply(z)
        };
        fast.iter()
            .zip(zs)
            .map(|(f, z)| f + self.weight * z)
            .collect()
    }

    /// Standardisation from `oof` (out-of-fold logits of every example);
    /// the weight whose decisions score best, averaged over languages, on
    /// examples scored by models that had not seen their language
    /// (`quality(shifted inputs, example indices of one language)`).
    fn fit(
        oof: &[Vec<f32>],
        ex: &Examples,
        z_lang: &[Vec<f32>],
        quality: impl Fn(&[Vec<f32>], &[usize]) -> f64 + Sync,
    ) -> Self {
        let all: Vec<usize> = (0..oof.len()).collect();
        let scaler = Scaler::fit(oof, &all);
        let by_lang: Vec<Vec<usize>> = (0..ex.languages())
            .map(|l| all.iter().copied().filter(|&i| ex.langs[i] == l).collect())
            .filter(|v: &Vec<usize>| !v.is_empty())
            .collect();
        let score = |&(centered, weight): &(bool, f32)| -> f64 {
            let a = Anchor {
                scaler: scaler.clone(),
                centered,
                weight,
            };
            let shifted: Vec<Vec<f32>> = ex
                .unseen_fast
                .iter()
                .zip(z_lang)
                .map(|(f, z)| a.shifted(f, z))
                .collect();
            let total: f64 = by_lang.iter().map(|idx| quality(&shifted, idx)).sum();
            total / by_lang.len().max(1) as f64
        };
        let candidates: Vec<(bool, f32)> = [true, false]
            .iter()
            .flat_map(|&c| ANCHOR_WEIGHTS.iter().map(move |&w| (c, w)))
            .collect();
        let scores: Vec<f64> = candidates.par_iter().map(score).collect();
        let best = (0..scores.len())
            .max_by(|&a, &b| scores[a].total_cmp(&scores[b]).then(b.cmp(&a)))
            .unwrap_or(0);
        let (centered, weight) = candidates[best];
        Anchor {
            scaler,
            centered,
            weight,
        }
    }
}

/// Micro-F1 of thresholded multi-label decisions on examples `idx`.
fn micro_f1_at(logits: &[Vec<f32>], rules: &[&[f32]], ys: &[Vec<bool>], idx: &[usize]) -> f64 {
    let (mut tp, mut pred, mut gold) = (0usize, 0usize, 0usize);
    for &i in idx {
        for ((&z, &t), &y) in logits[i].iter().zip(rules[i]).zip(&ys[i]) {
            let hit = sigmoid(z) >= t;
            pred += hit as usize;
            gold += y as usize;
            tp += (hit && y) as usize;
        }
    }
    2.0 * tp as f64 / (pred + gold).max(1) as f64
}

/// Per-label blend weights and thresholds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelBlend {
    /// Per label: (fast weight, embedding weight, bias).
    pub weights: Vec<[f32; 3]>,
    pub thresholds: Vec<f32>,
}

impl LabelBlend {
    fn probs(&self, fast: &[f32], z: &[f32]) -> Vec<f32> {
        self.weights
            .iter()
            .enumerate()
            .map(|(l, w)| sigmoid(w[0] * fast[l] + w[1] * z[l] + w[2]))
            .collect()
    }

    /// Fits the blend of `fast[i]` and out-of-fold embedding logits `z[i]`.
    fn fit(fast: &[&[f32]], z: &[Vec<f32>], ys: &[Vec<bool>], labels: usize) -> Self {
        let weights: Vec<[f32; 3]> = (0..labels)
            .into_par_iter()
            .map(|l| {
                let x1: Vec<f32> = fast.iter().map(|f| f[l]).collect();
                let x2: Vec<f32> = z.iter().map(|r| r[l]).collect();
                let y: Vec<bool> = ys.iter().map(|r| r[l]).collect();
                fit_blend(&x1, &x2, &y)
            })
            .collect();
        let mut b = LabelBlend {
            weights,
            thresholds: vec![0.5; labels],
        };
        let probs: Vec<Vec<f32>> = fast.iter().zip(z).map(|(f, z)| b.probs(f, z)).collect();
        b.thresholds = micro_thresholds(&probs, ys, labels);
        b
    }
}

/// A multi-label head: an embedding-only model whose logit is blended per
/// label with the fast model's logit for the languages the fast model was
/// trained on, and anchored on the fast model's decisions ([`Anchor`]) for
/// the others.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StackedMultiLabel {
    /// Inputs start with this many fast-model values, one per label.
    pub fast_dims: usize,
    /// Model of the remaining (embedding) inputs.
    pub linear: DenseLinear,
    pub seen: LabelBlend,
    pub unseen: Anchor,
}

impl StackedMultiLabel {
    pub fn probs(&self, x: &[f32], unseen: bool) -> Vec<f32> {
        let z = self.linear.scores(&x[self.fast_dims..]);
        let fast = &x[..self.fast_dims];
        if unseen {
            let shifted = self.unseen.shifted(fast, &z);
            shifted.into_iter().map(sigmoid).collect()
        } else {
            self.seen.probs(fast, &z)
        }
    }

    /// `fast_thresholds`: the fast model's, used for unseen languages.
    pub fn decide(
        &self,
        probs: &[f32],
        unseen: bool,
        fast_thresholds: &[f32],
    ) -> Vec<(usize, f32)> {
        let thresholds = if unseen {
            fast_thresholds
        } else {
            &self.seen.thresholds
        };
        rhetor_model::calibrate::decide_multilabel(probs, thresholds)
    }

    pub fn fit(
        ex: &Examples,
        ys: &[Vec<bool>],
        labels: usize,
        cfg: &DenseConfig,
        k: usize,
    ) -> Self {
        let fitted = fit_blended(
            ex,
            ys,
            labels,
            k,
            |emb, t| train_multilabel(emb, ys, labels, t, cfg),
            |fast, z, y| LabelBlend::fit(fast, z, y, labels),
            |shifted, idx| micro_f1_at(shifted, ex.unseen_rules, ys, idx),
        );
        StackedMultiLabel {
            fast_dims: labels,
            linear: fitted.linear,
            seen: fitted.seen,
            unseen: fitted.unseen,
        }
    }
}

/// What [`fit_blended`] fits, and the embedding logits it fitted them on.
struct Fitted<B> {
    linear: DenseLinear,
    seen: B,
    unseen: Anchor,
    /// Out-of-fold (inner folds) embedding logits of every example.
    oof: Vec<Vec<f32>>,
    /// Embedding logits of every example from a model without its language.
    z_lang: Vec<Vec<f32>>,
}

/// Trains the embedding-only model (`train`, on the inputs after the
/// first `n_fast`), fits the seen-language blend (`blend`, from fast
/// values, out-of-fold embedding logits and targets) and the
/// unseen-language [`Anchor`] (`quality` of its decisions on one
/// language's examples).
fn fit_blended<Y, B>(
    ex: &Examples,
    ys: &[Y],
    n_fast: usize,
    k: usize,
    train: impl Fn(&[Vec<f32>], &[usize]) -> DenseLinear + Sync,
    blend: impl Fn(&[&[f32]], &[Vec<f32>], &[Y]) -> B,
    quality: impl Fn(&[Vec<f32>], &[usize]) -> f64 + Sync,
) -> Fitted<B> {
    let emb: Vec<Vec<f32>> = ex.xs.iter().map(|x| x[n_fast..].to_vec()).collect();
    let train = |t: &[usize]| train(&emb, t);
    let (oof, final_model) = out_of_fold(&emb, ex.groups, k, true, train);
    let fast: Vec<&[f32]> = ex.xs.iter().map(|x| &x[..n_fast]).collect();
    let seen = blend(&fast, &oof, ys);
    // Embedding logits of each language from models trained without it.
    let nl = ex.languages();
    let z_lang = if nl > 1 {
        out_of_fold(&emb, ex.langs, nl, false, train).0
    } else {
        oof.clone()
    };
    let unseen = Anchor::fit(&oof, ex, &z_lang, quality);
    Fitted {
        linear: final_model.expect("asked for the final model"),
        seen,
        unseen,
        oof,
        z_lang,
    }
}

/// Logits `a·fast + b·z + bias` (a and b shared by the classes), a
/// temperature and decision offsets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SoftBlend {
    pub weights: [f32; 2],
    pub bias: Vec<f32>,
    pub temperature: f32,
    pub offsets: Vec<f32>,
}

impl SoftBlend {
    fn logits(&self, fast: &[f32], z: &[f32]) -> Vec<f32> {
        (0..self.bias.len())
            .map(|c| self.weights[0] * fast[c] + self.weights[1] * z[c] + self.bias[c])
            .collect()
    }

    fn probs(&self, fast: &[f32], z: &[f32]) -> Vec<f32> {
        let t = self.temperature.max(1e-3);
        softmax(
            &self
                .logits(fast, z)
                .iter()
                .map(|v| v / t)
                .collect::<Vec<_>>(),
        )
    }

    /// The few parameters by full-batch gradient descent on the log loss,
    /// then temperature and offsets as for the fast model.
    fn fit(fast: &[&[f32]], z: &[Vec<f32>], ys: &[usize], classes: usize) -> Self {
        let mut b = SoftBlend {
            weights: [1.0, 1.0],
            bias: vec![0.0; classes],
            temperature: 1.0,
            offsets: vec![0.0; classes],
        };
        let n = ys.len().max(1) as f32;
        for _ in 0..400 {
            let mut gw = [0f32; 2];
            let mut gb = vec![0f32; classes];
            for ((f, z), &y) in fast.iter().zip(z).zip(ys) {
                let p = softmax(&b.logits(f, z));
                for c in 0..classes {
                    let d = p[c] - (c == y) as u8 as f32;
                    gw[0] += d * f[c];
                    gw[1] += d * z[c];
                    gb[c] += d;
                }
            }
            for (w, g) in b.weights.iter_mut().zip(gw) {
                *w -= 0.5 * g / n;
            }
            for (w, g) in b.bias.iter_mut().zip(&gb) {
                *w -= 0.5 * g / n;
            }
        }
        let o: Vec<Vec<f32>> = fast.iter().zip(z).map(|(f, z)| b.logits(f, z)).collect();
        let (temperature, offsets) = calibrate_single(&o, ys, classes);
        b.temperature = temperature;
        b.offsets = offsets;
        b
    }
}

/// A single-label head: an embedding-only softmax model blended with the
/// fast model's log-probabilities, for seen and unseen languages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StackedSoftmax {
    pub fast_dims: usize,
    pub linear: DenseLinear,
    pub seen: SoftBlend,
    /// For unseen languages, the anchored fast model and a blend fitted on
    /// seen- and unseen-language examples pooled, averaged in log space.
    pub unseen: Anchor,
    pub unseen_blend: SoftBlend,
}

impl StackedSoftmax {
    pub fn probs(&self, x: &[f32], unseen: bool) -> Vec<f32> {
        let z = self.linear.scores(&x[self.fast_dims..]);
        let fast = &x[..self.fast_dims];
        if unseen {
            // Normalised geometric mean of the two rules' probabilities.
            let anchored = softmax(&self.unseen.shifted(fast, &z));
            let blended = self.unseen_blend.probs(fast, &z);
            let logs: Vec<f32> = anchored
                .iter()
                .zip(&blended)
                .map(|(a, b)| 0.5 * (a.max(1e-9).ln() + b.max(1e-9).ln()))
                .collect();
            softmax(&logs)
        } else {
            self.seen.probs(fast, &z)
        }
    }

    /// `fast_offsets`: the fast model's; for unseen languages the offsets
    /// are the mean of its and the pooled blend's, as the probabilities are
    /// the geometric mean of the two rules'.
    pub fn decide(&self, probs: &[f32], unseen: bool, fast_offsets: &[f32]) -> usize {
        if unseen {
            let offsets: Vec<f32> = fast_offsets
                .iter()
                .zip(&self.unseen_blend.offsets)
                .map(|(a, b)| 0.5 * (a + b))
                .collect();
            decide_single(probs, &offsets)
        } else {
            decide_single(probs, &self.seen.offsets)
        }
    }

    pub fn fit(ex: &Examples, ys: &[usize], classes: usize, cfg: &DenseConfig, k: usize) -> Self {
        let fitted = fit_blended(
            ex,
            ys,
            classes,
            k,
            |emb, t| train_softmax(emb, ys, classes, t, cfg),
            |fast, z, y| SoftBlend::fit(fast, z, y, classes),
            |shifted, idx| {
                let pred: Vec<usize> = idx
                    .iter()
                    .map(|&i| decide_single(&softmax(&shifted[i]), ex.unseen_rules[i]))
                    .collect();
                let gold: Vec<usize> = idx.iter().map(|&i| ys[i]).collect();
                macro_f1(&pred, &gold, classes) as f64
            },
        );
        // The pooled blend (seen-language examples with out-of-fold scores,
        // and every example again with scores from models without its
        // language) re-tunes the class offsets, which the anchored rule
        // cannot: alone, each lost to the fast model in some languages when
        // languages were left out in turn; averaged, neither did.
        let mut pooled: Vec<&[f32]> = ex.xs.iter().map(|x| &x[..classes]).collect();
        pooled.extend(ex.unseen_fast.iter().map(|x| x.as_slice()));
        let z = [fitted.oof.as_slice(), fitted.z_lang.as_slice()].concat();
        let unseen_blend = SoftBlend::fit(&pooled, &z, &[ys, ys].concat(), classes);
        StackedSoftmax {
            fast_dims: classes,
            linear: fitted.linear,
            seen: fitted.seen,
            unseen: fitted.unseen,
            unseen_blend,
        }
    }
}

/// The three stacked heads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StackHeads {
    pub config: StackConfig,
    pub techniques: StackedMultiLabel,
    pub frames: StackedMultiLabel,
    pub genre: StackedSoftmax,
}

/// One document's predictions from the heads.
#[derive(Debug, Clone, PartialEq)]
pub struct Decisions {
    /// Per paragraph: (technique, probability), most probable first.
    pub techniques: Vec<Vec<(Technique, f32)>>,
    pub frames: Vec<(Frame, f32)>,
    pub genre: Option<(Genre, Vec<f32>)>,
}

impl StackHeads {
    /// `rules`: those of the fast model that gave `fast`; `unseen`: the
    /// document's language is not one the fast model was trained on.
    pub fn decide(
        &self,
        fast: &FastProbs,
        rules: &FastRules,
        emb: &DocEmbeddings,
        unseen: bool,
    ) -> Decisions {
        let techniques = (0..fast.techniques.len())
            .map(|p| {
                let probs = self
                    .techniques
                    .probs(&technique_input(&self.config, fast, emb, p), unseen);
                self.techniques
                    .decide(&probs, unseen, &rules.techniques)
                    .into_iter()
                    .filter_map(|(l, s)| Technique::from_index(l).map(|t| (t, s)))
                    .collect()
            })
            .collect();
        let fp = self.frames.probs(&frame_input(fast, emb), unseen);
        let frames = self
            .frames
            .decide(&fp, unseen, &rules.frames)
            .into_iter()
            .filter_map(|(l, s)| Frame::from_index(l).map(|f| (f, s)))
            .collect();
        let gp = self.genre.probs(&genre_input(fast, emb), unseen);
        let genre =
            Genre::from_index(self.genre.decide(&gp, unseen, &rules.genre)).map(|g| (g, gp));
        Decisions {
            techniques,
            frames,
            genre,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blend_weighs_the_informative_input() {
        // y is decided by x2; x1 is noise. The blend must lean on x2.
        let mut seed = 5u64;
        let mut u = || {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (seed >> 40) as f32 / (1u64 << 24) as f32 * 4.0 - 2.0
        };
        let x1: Vec<f32> = (0..2000).map(|_| u()).collect();
        let x2: Vec<f32> = (0..2000).map(|_| u()).collect();
        let y: Vec<bool> = x2.iter().map(|&v| v > 0.5).collect();
        let [a, b, c] = fit_blend(&x1, &x2, &y);
        assert!(b > 5.0 * a.abs(), "a {a}, b {b}");
        // The boundary b·x2 + c = 0 sits near 0.5.
        assert!((-c / b - 0.5).abs() < 0.1, "boundary {}", -c / b);
    }

    /// Two languages of `n` examples each, one label: the fast model's
    /// logit is a weak signal, the embedding logit `z` a strong one when
    /// `informative`, noise otherwise.
    /// (fast logits, embedding logits, targets).
    type Case = (Vec<Vec<f32>>, Vec<Vec<f32>>, Vec<Vec<bool>>);

    fn anchor_case(n: usize, informative: bool) -> Case {
        let mut seed = 11u64;
        let mut u = || {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (seed >> 40) as f32 / (1u64 << 24) as f32 - 0.5
        };
        let (mut fast, mut z, mut ys) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..2 * n {
            let y = u() > 0.0;
            let sign = if y { 1.0 } else { -1.0 };
            fast.push(vec![0.8 * sign + 2.0 * u()]);
            z.push(vec![if informative {
                2.0 * sign + u()
            } else {
                3.0 * u()
            }]);
            ys.push(vec![y]);
        }
        (fast, z, ys)
    }

    fn fit_anchor(informative: bool) -> (Anchor, f64, f64) {
        let n = 1000;
        let (fast, z, ys) = anchor_case(n, informative);
        let rule = [0.5f32];
        let rules = vec![&rule[..]; 2 * n];
        let langs: Vec<usize> = (0..2 * n).map(|i| i / n).collect();
        let ex = Examples {
            xs: &fast,
            unseen_fast: &fast,
            unseen_rules: &rules,
            groups: &langs,
            langs: &langs,
        };
        let all: Vec<usize> = (0..2 * n).collect();
        let quality = |shifted: &[Vec<f32>], idx: &[usize]| micro_f1_at(shifted, &rules, &ys, idx);
        let anchor = Anchor::fit(&z, &ex, &z, quality);
        let shifted: Vec<Vec<f32>> = fast
            .iter()
            .zip(&z)
            .map(|(f, z)| anchor.shifted(f, z))
            .collect();
        (anchor, quality(&fast, &all), quality(&shifted, &all))
    }

    #[test]
    fn anchor_leans_on_informative_embeddings_only() {
        let (anchor, fast_f1, anchored_f1) = fit_anchor(true);
        assert!(anchor.weight >= 0.2, "weight {}", anchor.weight);
        assert!(anchored_f1 > fast_f1 + 0.1, "{fast_f1} -> {anchored_f1}");
        let (anchor, fast_f1, anchored_f1) = fit_anchor(false);
        assert!(anchor.weight <= 0.1, "weight {}", anchor.weight);
        assert!(anchored_f1 >= fast_f1 - 0.02, "{fast_f1} -> {anchored_f1}");
    }

    #[test]
    fn anchor_with_weight_zero_is_the_fast_model() {
        let (fast, z, _) = anchor_case(50, true);
        let all: Vec<usize> = (0..z.len()).collect();
        for centered in [true, false] {
            let a = Anchor {
                scaler: Scaler::fit(&z, &all),
                centered,
                weight: 0.0,
            };
            for (f, z) in fast.iter().zip(&z) {
                assert_eq!(a.shifted(f, z), *f);
            }
        }
        // A positive weight moves an example with a high embedding logit
        // up, and never changes which label is which.
        let z2: Vec<Vec<f32>> = z.iter().map(|v| vec![v[0], -v[0]]).collect();
        let a = Anchor {
            scaler: Scaler::fit(&z2, &all),
            centered: true,
            weight: 1.0,
        };
        let hi = a.shifted(&[0.0, 0.0], &[5.0, -5.0]);
        assert!(hi[0] > 0.0 && hi[1] < 0.0, "{hi:?}");
    }

    #[test]
    fn solve3_solves() {
        let h = [[2.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 1.0, 4.0]];
        let x = [1.0, -2.0, 0.5];
        let g = [
            2.0 * x[0] + x[1],
            x[0] + 3.0 * x[1] + x[2],
            x[1] + 4.0 * x[2],
        ];
        let got = solve3(h, g).unwrap();
        for i in 0..3 {
            assert!((got[i] - x[i]).abs() < 1e-9);
        }
        assert!(solve3([[0.0; 3]; 3], g).is_none());
    }
}
