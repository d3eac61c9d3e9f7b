//! Turning raw scores into calibrated probabilities and decisions.

use crate::newton::{minimize, softplus, Budget, Trial};
use serde::{Deserialize, Serialize};

/// Platt scaling: `p = sigmoid(a * score + b)`, fitted on out-of-fold scores
/// so the probabilities reflect how often a label is really there.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Platt {
    /// Slope applied to the raw score.
    pub a: f32,
    /// Intercept.
    pub b: f32,
}

impl Default for Platt {
    fn default() -> Self {
        Platt { a: 1.0, b: 0.0 }
    }
}

impl Platt {
    /// The calibrated probability of a raw score.
    pub fn prob(&self, score: f32) -> f32 {
        crate::math::sigmoid(self.a * score + self.b)
    }

    /// Fits (a, b) by Newton's method on the log loss, with Platt's smoothed
    /// targets so that separable data does not drive `a` to infinity.
    pub fn fit(scores: &[f32], ys: &[bool]) -> Platt {
        let pos = ys.iter().filter(|&&y| y).count() as f64;
        let neg = ys.len() as f64 - pos;
        if pos == 0.0 || neg == 0.0 {
            let p = ((pos + 1.0) / (ys.len() as f64 + 2.0)).clamp(1e-4, 1.0 - 1e-4);
            return Platt {
                a: 0.0,
                b: (p / (1.0 - p)).ln() as f32,
            };
        }
        let hi = (pos + 1.0) / (pos + 2.0);
        let lo = 1.0 / (neg + 2.0);
        let loss = |&[a, b]: &[f64; 2]| -> f64 {
            scores
                .iter()
                .zip(ys)
                .map(|(&s, &y)| {
                    let t = if y { hi } else { lo };
                    let z = a * s as f64 + b;
                    softplus(z) - t * z
                })
                .sum()
        };
        let direction = |&[a, b]: &[f64; 2]| {
            let (mut ga, mut gb, mut haa, mut hab, mut hbb) = (0.0, 0.0, 1e-9, 0.0, 1e-9);
            for (&s, &y) in scores.iter().zip(ys) {
                let s = s as f64;
                let t = if y { hi } else { lo };
                let p = 1.0 / (1.0 + (-(a * s + b)).exp());
                let d = p - t;
                ga += d * s;
                gb += d;
                let w = p * (1.0 - p);
                haa += w * s * s;
                hab += w * s;
                hbb += w;
            }
            let det = haa * hbb - hab * hab;
            if det.abs() < 1e-12 {
                return None;
            }
            Some([(hbb * ga - hab * gb) / det, (haa * gb - hab * ga) / det])
        };
        // Backtracking: Newton steps on the log loss can overshoot.
        let judge = |l: f64, current: f64| {
            if l < current - 1e-12 {
                Trial::Accept
            } else {
                Trial::Reject
            }
        };
        let converged = |step: &[f64; 2]| step[0].abs() < 1e-8 && step[1].abs() < 1e-8;
        // Start from the prior with a = 0: always a sane point. The step is
        // halved down to 2^-19 (above 1e-6).
        let budget = Budget {
            steps: 100,
            halvings: 20,
        };
        let start = [0.0f64, ((pos + 1.0) / (neg + 1.0)).ln()];
        let [a, b] = minimize(start, budget, loss, direction, judge, converged);
        Platt {
            a: a as f32,
            b: b as f32,
        }
    }
}

/// (label index, probability) for every label at or above its threshold,
/// most probable first.
pub fn decide_multilabel(probs: &[f32], thresholds: &[f32]) -> Vec<(usize, f32)> {
    let mut out: Vec<(usize, f32)> = probs
        .iter()
        .zip(thresholds)
        .enumerate()
        .filter(|(_, (p, t))| p >= t)
        .map(|(l, (&p, _))| (l, p))
        .collect();
    out.sort_by(|a, b| b.1.total_cmp(&a.1));
    out
}

/// The class with the highest log-probability plus its offset.
pub fn decide_single(probs: &[f32], offsets: &[f32]) -> usize {
    let adj = adjusted_logs(probs, offsets);
    (0..adj.len())
        .max_by(|&a, &b| adj[a].total_cmp(&adj[b]))
        .unwrap_or(0)
}

/// The scores a single-label decision displays: the probabilities with the
/// decision's offsets folded in (a softmax of `ln p + offset`), so the
/// label [`decide_single`] picks is always the highest score shown, and a
/// reader never sees "reporting 40 % (opinion 43 %)".
pub fn displayed_single(probs: &[f32], offsets: &[f32]) -> Vec<f32> {
    crate::math::softmax(&adjusted_logs(probs, offsets))
}

fn adjusted_logs(probs: &[f32], offsets: &[f32]) -> Vec<f32> {
    probs
        .iter()
        .zip(offsets)
        .map(|(p, o)| p.max(1e-9).ln() + o)
        .collect()
}

/// Macro-F1 of single-label predictions over `classes` classes.
pub fn macro_f1(pred: &[usize], gold: &[usize], classes: usize) -> f32 {
    let mut total = 0.0;
    for c in 0..classes {
        let tp = pred
            .iter()
            .zip(gold)
            .filter(|(p, g)| **p == c && **g == c)
            .count() as f32;
        let np = pred.iter().filter(|&&p| p == c).count() as f32;
        let ng = gold.iter().filter(|&&g| g == c).count() as f32;
        total += if np + ng > 0.0 {
            2.0 * tp / (np + ng)
        } else {
            0.0
        };
    }
    total / classes as f32
}

/// Calibrates a single-label head from out-of-fold logits: the temperature
/// (on a grid) with the lowest log loss, then per-class offsets (class 0
/// fixed at 0) that maximise macro-F1. Returns (temperature, offsets).
pub fn calibrate_single(oof: &[Vec<f32>], ys: &[usize], classes: usize) -> (f32, Vec<f32>) {
    use crate::math::softmax;
    let nll = |t: f32| -> f32 {
        oof.iter()
            .zip(ys)
            .map(|(s, &y)| {
                -softmax(&s.iter().map(|v| v / t).collect::<Vec<_>>())[y]
                    .max(1e-9)
                    .ln()
            })
            .sum()
    };
    let temperature = (1..=40)
        .map(|i| i as f32 * 0.25)
        .min_by(|&a, &b| nll(a).total_cmp(&nll(b)))
        .unwrap_or(1.0);
    let probs: Vec<Vec<f32>> = oof
        .iter()
        .map(|s| softmax(&s.iter().map(|v| v / temperature).collect::<Vec<_>>()))
        .collect();
    // Offsets by grid search; a full grid is cheap for three classes and a
    // coordinate search would do for more.
    let grid: Vec<f32> = (-8..=8).map(|i| i as f32 * 0.25).collect();
    let mut best = (f32::MIN, vec![0f32; classes]);
    let mut offsets = vec![0f32; classes];
    let visit = |off: &[f32], best: &mut (f32, Vec<f32>)| {
        let pred: Vec<usize> = probs.iter().map(|p| decide_single(p, off)).collect();
        // Prefer small offsets on ties: they generalise better.
        let score = macro_f1(&pred, ys, classes) - 1e-4 * off.iter().map(|o| o.abs()).sum::<f32>();
        if score > best.0 {
            *best = (score, off.to_vec());
        }
    };
    if classes == 3 {
        for &o1 in &grid {
            for &o2 in &grid {
                offsets[1] = o1;
                offsets[2] = o2;
                visit(&offsets, &mut best);
            }
        }
    } else {
        for c in 1..classes {
            for &o in &grid {
                offsets[c] = o;
                visit(&offsets, &mut best);
            }
            offsets[c] = best.1[c];
        }
    }
    (temperature, best.1)
}

/// Per-label thresholds that maximise **micro**-F1 over all labels jointly
/// (coordinate ascent over a grid, starting from 0.5). Tuning each label for
/// its own F1 instead pushes rare labels' thresholds down and floods the
/// micro-averaged metric with their false positives.
pub fn micro_thresholds(probs: &[Vec<f32>], ys: &[Vec<bool>], labels: usize) -> Vec<f32> {
    let grid: Vec<f32> = (1..=19).map(|i| i as f32 * 0.05).collect();
    let mut thr = vec![0.5f32; labels];
    // counts[l][g] = (true positives, predictions) of label l at grid[g].
    let counts: Vec<Vec<(usize, usize)>> = (0..labels)
        .map(|l| {
            grid.iter()
                .map(|&t| {
                    let mut tp = 0;
                    let mut np = 0;
                    for (p, y) in probs.iter().zip(ys) {
                        if p[l] >= t {
                            np += 1;
                            tp += y[l] as usize;
                        }
                    }
                    (tp, np)
                })
                .collect()
        })
        .collect();
    let gold: usize = ys.iter().map(|y| y.iter().filter(|&&b| b).count()).sum();
    let mut pick: Vec<usize> = vec![9; labels]; // grid[9] = 0.5
    for _ in 0..3 {
        for l in 0..labels {
            let (mut tp, mut np) = (0usize, 0usize);
            for (m, &g) in pick.iter().enumerate() {
                if m != l {
                    tp += counts[m][g].0;
                    np += counts[m][g].1;
                }
            }
            let f1 = |g: usize| {
                2.0 * (tp + counts[l][g].0) as f64 / (np + counts[l][g].1 + gold).max(1) as f64
            };
            // Among equally good thresholds take the middle one: the
            // decision boundary then sits midway between the classes.
            let top = (0..grid.len()).map(f1).fold(f64::MIN, f64::max);
            let ties: Vec<usize> = (0..grid.len()).filter(|&g| f1(g) > top - 1e-9).collect();
            let best = ties[ties.len() / 2];
            pick[l] = best;
        }
    }
    for (l, &g) in pick.iter().enumerate() {
        thr[l] = grid[g];
    }
    thr
}

/// One bin of a reliability table: how many scores fell in it, their
/// mean, and the fraction of them that were right.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReliabilityBin {
    /// How many scores fell in the bin.
    pub count: usize,
    /// Their mean score.
    pub mean_score: f64,
    /// The fraction of them that were right.
    pub right: f64,
}

/// The reliability table of `(score, right)` pairs over `bins` equal-width
/// score bins (empty bins included), and the expected calibration error:
/// the mean over bins of |mean score − fraction right|, weighted by count.
pub fn reliability(items: &[(f32, bool)], bins: usize) -> (f64, Vec<ReliabilityBin>) {
    let mut acc = vec![(0usize, 0f64, 0usize); bins];
    for &(p, y) in items {
        let b = ((p.clamp(0.0, 1.0) * bins as f32) as usize).min(bins - 1);
        acc[b].0 += 1;
        acc[b].1 += p as f64;
        acc[b].2 += y as usize;
    }
    let n = items.len().max(1) as f64;
    let table: Vec<ReliabilityBin> = acc
        .iter()
        .map(|&(c, s, r)| ReliabilityBin {
            count: c,
            mean_score: if c > 0 { s / c as f64 } else { 0.0 },
            right: if c > 0 { r as f64 / c as f64 } else { 0.0 },
        })
        .collect();
    let ece = table
        .iter()
        .map(|b| (b.count as f64 / n) * (b.mean_score - b.right).abs())
        .sum();
    (ece, table)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reliability_bins_scores_and_weighs_the_gaps() {
        // Bin [0.8, 0.9): 0.8 and 0.85, one right → mean 0.825, right 0.5,
        // gap 0.325, weight 2/3. Bin [0.1, 0.2): 0.1, wrong → gap 0.1,
        // weight 1/3. ECE = 2/3 × 0.325 + 1/3 × 0.1 = 0.25.
        let (ece, table) = reliability(&[(0.8, true), (0.85, false), (0.1, false)], 10);
        assert!((ece - 0.25).abs() < 1e-6, "{ece}");
        assert_eq!(table[8].count, 2);
        assert!((table[8].mean_score - 0.825).abs() < 1e-6);
        assert_eq!(table[8].right, 0.5);
        assert_eq!(table[1].count, 1);
        assert_eq!(table.iter().map(|b| b.count).sum::<usize>(), 3);
    }

    #[test]
    fn the_decided_class_is_the_highest_displayed_score() {
        // ln 0.40 + 0.2 = -0.716 beats ln 0.43 = -0.844: the offsets pick
        // reporting (class 0) although opinion (class 1) is likelier; the
        // displayed scores then rank reporting first and still sum to 1.
        let (probs, offsets) = ([0.40, 0.43, 0.17], [0.2, 0.0, -0.1]);
        assert_eq!(decide_single(&probs, &offsets), 0);
        let shown = displayed_single(&probs, &offsets);
        assert!(shown[0] > shown[1] && shown[1] > shown[2], "{shown:?}");
        assert!((shown.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        // Without offsets the probabilities are shown as they are.
        let plain = displayed_single(&probs, &[0.0; 3]);
        for (a, b) in plain.iter().zip(probs) {
            assert!((a - b).abs() < 1e-6);
        }
    }

    #[test]
    fn platt_recovers_a_known_calibration() {
        // Scores s with true P(y|s) = sigmoid(2s - 1): deterministic quantiles.
        let mut scores = Vec::new();
        let mut ys = Vec::new();
        for i in 0..200 {
            let s = -3.0 + 6.0 * i as f32 / 199.0;
            let p = crate::math::sigmoid(2.0 * s - 1.0);
            for j in 0..20 {
                scores.push(s);
                ys.push((j as f32 + 0.5) / 20.0 < p);
            }
        }
        let fit = Platt::fit(&scores, &ys);
        assert!((fit.a - 2.0).abs() < 0.2, "a = {}", fit.a);
        assert!((fit.b + 1.0).abs() < 0.2, "b = {}", fit.b);
        assert!(fit.prob(0.5) > 0.45 && fit.prob(0.5) < 0.55);
    }

    #[test]
    fn platt_stays_sane_on_rare_positives_with_large_scores() {
        // 3% positives, scores of an over-fitted model: large magnitudes.
        let mut scores = Vec::new();
        let mut ys = Vec::new();
        for i in 0..1000 {
            let pos = i % 33 == 0;
            let jitter = ((i * 7919) % 100) as f32 / 10.0 - 5.0;
            scores.push(if pos { 4.0 + jitter } else { -8.0 + jitter });
            ys.push(pos);
        }
        let fit = Platt::fit(&scores, &ys);
        assert!(fit.a > 0.0, "{fit:?}");
        assert!(fit.prob(9.0) > 0.5 && fit.prob(-8.0) < 0.05, "{fit:?}");
    }

    #[test]
    fn platt_without_positives_predicts_the_prior() {
        let fit = Platt::fit(&[0.1, 0.2, 0.3], &[false, false, false]);
        assert!(fit.prob(5.0) < 0.25);
    }

    #[test]
    fn micro_thresholds_do_not_flood_with_a_rare_noisy_label() {
        // Label 0 is frequent and well separated; label 1 is rare and its
        // probabilities are noise: lowering its threshold adds mostly errors.
        let mut probs = Vec::new();
        let mut ys = Vec::new();
        for i in 0..200 {
            let y0 = i % 2 == 0;
            let y1 = i % 50 == 0;
            let p1 = ((i * 37) % 100) as f32 / 100.0 * 0.4;
            probs.push(vec![if y0 { 0.7 } else { 0.3 }, p1]);
            ys.push(vec![y0, y1]);
        }
        let t = micro_thresholds(&probs, &ys, 2);
        assert!(t[0] > 0.3 && t[0] <= 0.7, "{t:?}");
        assert!(t[1] > 0.4, "rare noisy label stays off: {t:?}");
    }
}
