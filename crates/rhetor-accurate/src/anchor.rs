//! The unseen-language rule: for a language the fast model never saw, its
//! own decisions shifted by the embedding head's standardised logits
//! ([`Anchor`]), the shift's weight chosen with each training language left
//! out in turn.

use crate::dense::Scaler;
use crate::inputs::Examples;
use rayon::prelude::*;
use rhetor_model::math::sigmoid;
use serde::{Deserialize, Serialize};

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
    /// How much of the standardised embedding logit is added to the fast model's log-odds (0: the fast model alone).
    pub weight: f32,
}

/// Weights [`Anchor::fit`] tries.
const ANCHOR_WEIGHTS: [f32; 20] = [
    0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.85, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0,
    4.0, 6.0,
];

impl Anchor {
    /// `fast + weight · standardised(z)`.
    pub fn shifted(&self, fast: &[f32], z: &[f32]) -> Vec<f32> {
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
    pub(crate) fn fit(
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
pub(crate) fn micro_f1_at(
    logits: &[Vec<f32>],
    rules: &[&[f32]],
    ys: &[Vec<bool>],
    idx: &[usize],
) -> f64 {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
