//! Trained heads in their shipped form: compact weights, calibration and
//! thresholds.

use crate::calibrate::Platt;
use crate::features::{vectorize, Blocks, FeatureConfig, Idf};
use crate::linear::{softmax, LinearHead};
use crate::sparse::SparseVec;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A linear head keeping only the rows (hash dimensions) that training
/// touched. Weights are stored as i16 with one scale per label (the model
/// file stays small; the rounding error is below 1/30,000 of the largest
/// weight) and expanded to f32 at load.
#[derive(Debug, Clone, PartialEq)]
pub struct CompactHead {
    pub labels: usize,
    /// `row_of[dim]` is the row of hash dimension `dim`, or `u32::MAX`.
    row_of: Vec<u32>,
    rows: Vec<u32>,
    weights: Vec<f32>,
    pub bias: Vec<f32>,
}

impl CompactHead {
    pub fn from_linear(h: &LinearHead) -> Self {
        Self::from_groups(
            h.dims,
            h.labels,
            &[(0..h.labels).collect()],
            std::slice::from_ref(h),
        )
    }

    /// Joins heads trained on groups of labels (`groups[g]` lists the labels
    /// of `heads[g]`) into one head over `labels` labels, keeping the rows
    /// where any weight is non-zero.
    pub fn from_groups(
        dims: usize,
        labels: usize,
        groups: &[Vec<usize>],
        heads: &[LinearHead],
    ) -> Self {
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
        Self::assemble(dims, labels, rows, weights, bias)
    }

    fn assemble(
        dims: usize,
        labels: usize,
        rows: Vec<u32>,
        weights: Vec<f32>,
        bias: Vec<f32>,
    ) -> Self {
        let mut row_of = vec![u32::MAX; dims];
        for (r, &d) in rows.iter().enumerate() {
            row_of[d as usize] = r as u32;
        }
        CompactHead {
            labels,
            row_of,
            rows,
            weights,
            bias,
        }
    }

    /// Raw scores (logits), one per label.
    pub fn scores(&self, x: &SparseVec) -> Vec<f32> {
        let mut s = self.bias.clone();
        for (i, v) in x.iter() {
            let r = self.row_of[i];
            if r != u32::MAX {
                let r = r as usize;
                for (acc, w) in s
                    .iter_mut()
                    .zip(&self.weights[r * self.labels..(r + 1) * self.labels])
                {
                    *acc += w * v;
                }
            }
        }
        s
    }

    pub fn nonzero_rows(&self) -> usize {
        self.rows.len()
    }
}

#[derive(Serialize, Deserialize)]
struct StoredHead {
    dims: u32,
    labels: u32,
    rows: Vec<u32>,
    scales: Vec<f32>,
    q: Vec<i16>,
    bias: Vec<f32>,
}

impl Serialize for CompactHead {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let l = self.labels;
        let scales: Vec<f32> = (0..l)
            .map(|j| {
                let m = self
                    .weights
                    .iter()
                    .skip(j)
                    .step_by(l.max(1))
                    .fold(0f32, |m, w| m.max(w.abs()));
                if m > 0.0 {
                    m / 32767.0
                } else {
                    1.0
                }
            })
            .collect();
        let q = self
            .weights
            .iter()
            .enumerate()
            .map(|(k, w)| (w / scales[k % l]).round() as i16)
            .collect();
        StoredHead {
            dims: self.row_of.len() as u32,
            labels: l as u32,
            rows: self.rows.clone(),
            scales,
            q,
            bias: self.bias.clone(),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for CompactHead {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let st = StoredHead::deserialize(d)?;
        let l = st.labels as usize;
        if st.q.len() != st.rows.len() * l || st.scales.len() != l || st.bias.len() != l {
            return Err(serde::de::Error::custom("inconsistent head dimensions"));
        }
        if st.rows.iter().any(|&r| r >= st.dims) {
            return Err(serde::de::Error::custom("head row outside its hash space"));
        }
        let weights =
            st.q.iter()
                .enumerate()
                .map(|(k, &q)| q as f32 * st.scales[k % l])
                .collect();
        Ok(CompactHead::assemble(
            st.dims as usize,
            l,
            st.rows,
            weights,
            st.bias,
        ))
    }
}

/// Multi-label head (techniques, frames): calibrated probabilities and a
/// per-label decision threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MultiLabelHead {
    pub features: FeatureConfig,
    pub idf: Idf,
    pub head: CompactHead,
    pub platt: Vec<Platt>,
    pub thresholds: Vec<f32>,
}

impl MultiLabelHead {
    pub fn vector(&self, b: &Blocks) -> SparseVec {
        vectorize(&self.features, &self.idf, b)
    }

    /// Calibrated probability of every label.
    pub fn probs(&self, b: &Blocks) -> Vec<f32> {
        let s = self.head.scores(&self.vector(b));
        s.iter().zip(&self.platt).map(|(&s, p)| p.prob(s)).collect()
    }

    /// (label index, probability) for every label at or above its threshold,
    /// most probable first.
    pub fn decide(&self, probs: &[f32]) -> Vec<(usize, f32)> {
        crate::calibrate::decide_multilabel(probs, &self.thresholds)
    }
}

/// Single-label head (genre): softmax probabilities plus per-class log-odds
/// offsets tuned by cross-validation for macro-F1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SoftmaxHead {
    pub features: FeatureConfig,
    pub idf: Idf,
    pub head: CompactHead,
    /// Temperature applied to the logits (calibration).
    pub temperature: f32,
    /// Added to logits before the arg-max only (decision, not probability).
    pub offsets: Vec<f32>,
}

impl SoftmaxHead {
    pub fn probs(&self, b: &Blocks) -> Vec<f32> {
        let s = self.head.scores(&vectorize(&self.features, &self.idf, b));
        let t = self.temperature.max(1e-3);
        softmax(&s.iter().map(|v| v / t).collect::<Vec<_>>())
    }

    pub fn decide(&self, probs: &[f32]) -> usize {
        crate::calibrate::decide_single(probs, &self.offsets)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let compact = CompactHead::from_linear(&dense);
        assert_eq!(compact.nonzero_rows(), 2);
        let x = SparseVec::from_pairs(vec![(1, 1.0), (6, 0.5), (7, 3.0)]);
        assert_eq!(compact.scores(&x), dense.scores(&x));
        let bytes = bincode::serialize(&compact).unwrap();
        let back: CompactHead = bincode::deserialize(&bytes).unwrap();
        for (a, b) in back.scores(&x).iter().zip(dense.scores(&x)) {
            assert!((a - b).abs() < 1e-3);
        }
    }
}
