//! Sparse feature vectors.

use serde::{Deserialize, Serialize};

/// A sparse vector: sorted, unique indices with their values.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SparseVec {
    pub idx: Vec<u32>,
    pub val: Vec<f32>,
}

impl SparseVec {
    /// Builds a vector from (index, value) pairs, summing duplicates.
    pub fn from_pairs(mut pairs: Vec<(u32, f32)>) -> Self {
        pairs.sort_unstable_by_key(|p| p.0);
        let mut idx = Vec::with_capacity(pairs.len());
        let mut val: Vec<f32> = Vec::with_capacity(pairs.len());
        for (i, v) in pairs {
            if idx.last() == Some(&i) {
                *val.last_mut().expect("val grows with idx") += v;
            } else {
                idx.push(i);
                val.push(v);
            }
        }
        SparseVec { idx, val }
    }

    pub fn len(&self) -> usize {
        self.idx.len()
    }

    pub fn is_empty(&self) -> bool {
        self.idx.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (usize, f32)> + '_ {
        self.idx
            .iter()
            .zip(&self.val)
            .map(|(&i, &v)| (i as usize, v))
    }

    /// Scales the vector to unit L2 norm (no-op for the zero vector).
    pub fn normalize(&mut self) {
        let norm: f32 = self.val.iter().map(|v| v * v).sum::<f32>().sqrt();
        if norm > 0.0 {
            for v in &mut self.val {
                *v /= norm;
            }
        }
    }

    /// Sublinear term frequency: `tf → 1 + ln(tf)`.
    pub fn sublinear(&mut self) {
        for v in &mut self.val {
            if *v > 0.0 {
                *v = 1.0 + v.ln();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_are_summed_and_sorted() {
        let v = SparseVec::from_pairs(vec![(5, 1.0), (2, 1.0), (5, 2.0)]);
        assert_eq!(v.idx, vec![2, 5]);
        assert_eq!(v.val, vec![1.0, 3.0]);
    }

    #[test]
    fn normalize_and_sublinear() {
        let mut v = SparseVec::from_pairs(vec![(0, 3.0), (1, 4.0)]);
        v.normalize();
        assert!((v.val[0] - 0.6).abs() < 1e-6 && (v.val[1] - 0.8).abs() < 1e-6);
        let mut t = SparseVec::from_pairs(vec![(0, 1.0), (1, std::f32::consts::E)]);
        t.sublinear();
        assert!((t.val[0] - 1.0).abs() < 1e-6 && (t.val[1] - 2.0).abs() < 1e-6);
    }
}
