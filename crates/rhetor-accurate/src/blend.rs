//! The seen-language blends: per label, the fast model's logit and the
//! embedding head's out-of-fold logit weighed by a logistic fit
//! ([`fit_blend`], Newton's method from `rhetor_model::newton`); for the genre, one softmax blend
//! ([`SoftBlend`]).

use rayon::prelude::*;
use rhetor_model::calibrate::{calibrate_single, micro_thresholds};
use rhetor_model::math::{sigmoid, softmax};
use rhetor_model::newton::{minimize, softplus, Budget, Trial};
use serde::{Deserialize, Serialize};

/// Per-label blend weights and thresholds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelBlend {
    /// Per label: (fast weight, embedding weight, bias).
    pub weights: Vec<[f32; 3]>,
    /// Per-label decision thresholds on the blended probabilities, tuned for micro-F1.
    pub thresholds: Vec<f32>,
}

impl LabelBlend {
    /// Blended probabilities of every label from fast log-odds and embedding logits.
    pub fn probs(&self, fast: &[f32], z: &[f32]) -> Vec<f32> {
        self.logits(fast, z).into_iter().map(sigmoid).collect()
    }

    /// Blended log-odds of every label (what [`LabelBlend::probs`] squashes).
    pub fn logits(&self, fast: &[f32], z: &[f32]) -> Vec<f32> {
        self.weights
            .iter()
            .enumerate()
            .map(|(l, w)| w[0] * fast[l] + w[1] * z[l] + w[2])
            .collect()
    }

    /// Fits the blend of `fast[i]` and out-of-fold embedding logits `z[i]`.
    pub(crate) fn fit(fast: &[&[f32]], z: &[Vec<f32>], ys: &[Vec<bool>], labels: usize) -> Self {
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

/// Fits `p = sigmoid(a·x1 + b·x2 + c)` by Newton's method, with a small
/// ridge on `a` and `b`: the per-label blend of the fast model's logit
/// (`x1`) and the embedding head's out-of-fold logit (`x2`).
pub fn fit_blend(x1: &[f32], x2: &[f32], y: &[bool]) -> [f32; 3] {
    let ridge = 1e-3 * x1.len() as f64;
    let loss = |t: &[f64; 3]| -> f64 {
        let mut l = 0.5 * ridge * (t[0] * t[0] + t[1] * t[1]);
        for ((&a, &b), &yy) in x1.iter().zip(x2).zip(y) {
            let z = t[0] * a as f64 + t[1] * b as f64 + t[2];
            l += softplus(z) - if yy { z } else { 0.0 };
        }
        l
    };
    let direction = |t: &[f64; 3]| {
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
        solve3(h, g)
    };
    // Backtracking: Newton steps can overshoot when the inputs are nearly
    // separable. A step that does not raise the loss is taken; one that
    // barely lowers it is the last.
    let judge = |l: f64, current: f64| {
        if l <= current {
            if current - l > 1e-10 * current.abs().max(1.0) {
                Trial::Accept
            } else {
                Trial::AcceptAndStop
            }
        } else {
            Trial::Reject
        }
    };
    let budget = Budget {
        steps: 50,
        halvings: 30,
    };
    let t = minimize([0.5, 0.5, 0.0], budget, loss, direction, judge, |_| false);
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

/// Logits `a·fast + b·z + bias` (a and b shared by the classes), a
/// temperature and decision offsets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SoftBlend {
    /// The fast model's weight and the embedding head's, shared by the classes.
    pub weights: [f32; 2],
    /// One bias per class.
    pub bias: Vec<f32>,
    /// Divides the logits before the softmax (calibration).
    pub temperature: f32,
    /// Added to the log-probabilities before the arg-max only (tuned for macro-F1).
    pub offsets: Vec<f32>,
}

impl SoftBlend {
    pub(crate) fn logits(&self, fast: &[f32], z: &[f32]) -> Vec<f32> {
        (0..self.bias.len())
            .map(|c| self.weights[0] * fast[c] + self.weights[1] * z[c] + self.bias[c])
            .collect()
    }

    pub(crate) fn probs(&self, fast: &[f32], z: &[f32]) -> Vec<f32> {
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
    pub(crate) fn fit(fast: &[&[f32]], z: &[Vec<f32>], ys: &[usize], classes: usize) -> Self {
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
