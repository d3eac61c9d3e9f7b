//! A trained linear head in its shipped form: only the rows (hash
//! dimensions) training touched, weights stored as i16 with one scale per
//! label, and how it is written to and read from a model file.
//!
//! Prediction reads its rows packed one per cache line
//! ([`packed`], through a [`crate::lookup::Lookup`] for the
//! paragraph and article heads, through [`CompactHead::score_labels`] for
//! the span tagger); the plain [`CompactHead::scores`] here is the
//! reference both are checked against, bit for bit.

pub(crate) mod packed;

use packed::Packed;

use crate::sparse::SparseVec;
use crate::store::{self, SectionReader, SectionWriter};
use std::borrow::Cow;
use std::sync::OnceLock;

/// A linear head keeping only the rows (hash dimensions) that training
/// touched, each row holding the weights of all labels side by side.
///
/// Trained in full precision; stored as i16 with one scale per label (the
/// model file stays small; the rounding error is below 1/30,000 of the
/// largest weight), and kept as i16 once loaded: a feature's row of 23
/// techniques is then 46 contiguous bytes, and all the rows fit in cache.
/// The shipped model's weights are read in place from the binary.
#[derive(Debug, Clone)]
pub struct CompactHead {
    /// Number of labels (weights per row).
    pub labels: usize,
    dims: usize,
    /// Hash dimensions that have a row, ascending.
    pub(crate) rows: Vec<u32>,
    /// `row_of[dim]` is the row of hash dimension `dim`, or `u32::MAX`;
    /// built on first use (prediction goes through a [`crate::lookup::Lookup`] instead).
    row_of: OnceLock<Vec<u32>>,
    /// The rows packed one per cache line, for [`CompactHead::score_label`]
    /// and [`CompactHead::score_labels`]; built on first use.
    packed: OnceLock<Packed>,
    pub(crate) weights: Weights,
    /// One bias per label.
    pub bias: Vec<f32>,
}

impl PartialEq for CompactHead {
    fn eq(&self, other: &Self) -> bool {
        self.labels == other.labels
            && self.dims == other.dims
            && self.rows == other.rows
            && self.weights == other.weights
            && self.bias == other.bias
    }
}

/// Largest hash space a model file may declare (2^26 dimensions).
const MAX_DIMS: u32 = 1 << 26;

/// A head's weights, row after row, the labels of a row side by side.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Weights {
    /// As trained: what cross-validation scores with.
    F32(Vec<f32>),
    /// As stored: weight `k` is the little-endian i16 at byte `2k`, times
    /// `scales[k % labels]`.
    I16 {
        q: Cow<'static, [u8]>,
        scales: Vec<f32>,
    },
}

/// Weight `k` of stored weights, exactly as the f32 it stands for.
#[inline(always)]
pub(crate) fn dequantize(q: &[u8], k: usize, scale: f32) -> f32 {
    i16::from_le_bytes([q[2 * k], q[2 * k + 1]]) as f32 * scale
}

impl CompactHead {
    /// A head in full precision from its rows: `rows` (ascending hash
    /// dimensions) and `weights` (`labels` weights per row).
    pub(crate) fn from_f32(
        dims: usize,
        labels: usize,
        rows: Vec<u32>,
        weights: Vec<f32>,
        bias: Vec<f32>,
    ) -> Self {
        CompactHead {
            labels,
            dims,
            rows,
            row_of: OnceLock::new(),
            packed: OnceLock::new(),
            weights: Weights::F32(weights),
            bias,
        }
    }

    fn row_of(&self) -> &[u32] {
        self.row_of.get_or_init(|| {
            let mut row_of = vec![u32::MAX; self.dims];
            for (r, &d) in self.rows.iter().enumerate() {
                row_of[d as usize] = r as u32;
            }
            row_of
        })
    }

    /// Raw scores (logits), one per label.
    pub fn scores(&self, x: &SparseVec) -> Vec<f32> {
        let mut s = self.bias.clone();
        let l = self.labels;
        let row_of = self.row_of();
        match &self.weights {
            Weights::F32(w) => {
                for (i, v) in x.iter() {
                    let r = row_of[i];
                    if r != u32::MAX {
                        let r = r as usize;
                        for (acc, w) in s.iter_mut().zip(&w[r * l..(r + 1) * l]) {
                            *acc += w * v;
                        }
                    }
                }
            }
            Weights::I16 { q, scales } => {
                for (i, v) in x.iter() {
                    let r = row_of[i];
                    if r != u32::MAX {
                        let row = &q[2 * r as usize * l..2 * (r as usize + 1) * l];
                        for (k, (acc, &scale)) in s.iter_mut().zip(scales).enumerate() {
                            *acc += dequantize(row, k, scale) * v;
                        }
                    }
                }
            }
        }
        s
    }

    fn packed(&self) -> &Packed {
        self.packed.get_or_init(|| Packed::new(self, None))
    }

    /// Raw score of one label (what `scores(x)[label]` gives, computed
    /// alone), the rows read from their packed slots.
    pub fn score_label(&self, x: &SparseVec, label: usize) -> f32 {
        let mut out = [self.bias[label]];
        self.packed().add_rows(x, &[label], &mut out);
        out[0]
    }

    /// [`CompactHead::score_label`] of several labels at once, into `out`
    /// (one per label of `labels`, in order): each feature's row is looked
    /// up once for all of them, in its packed slot (one cache line; all
    /// the feature's lines are requested before the first is read). Every
    /// label's sum takes the same terms in the same order as
    /// `scores(x)[label]`, so each is its number to the bit.
    pub fn score_labels(&self, x: &SparseVec, labels: &[usize], out: &mut Vec<f32>) {
        out.clear();
        out.extend(labels.iter().map(|&label| self.bias[label]));
        self.packed().add_rows(x, labels, out);
    }

    /// Size of the hash space the head reads.
    pub fn dims(&self) -> usize {
        self.dims
    }

    /// Number of hash dimensions with a row.
    #[cfg(test)]
    pub fn nonzero_rows(&self) -> usize {
        self.rows.len()
    }

    /// The stored form: one scale per label and the i16 weights as
    /// little-endian bytes.
    fn quantized(&self) -> (Vec<f32>, Cow<'_, [u8]>) {
        let l = self.labels;
        match &self.weights {
            Weights::I16 { q, scales } => (scales.clone(), Cow::Borrowed(q)),
            Weights::F32(weights) => {
                let scales: Vec<f32> = (0..l)
                    .map(|j| {
                        let m = weights
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
                let q = weights
                    .iter()
                    .enumerate()
                    .flat_map(|(k, w)| ((w / scales[k % l]).round() as i16).to_le_bytes())
                    .collect();
                (scales, Cow::Owned(q))
            }
        }
    }

    /// Appends the head to a model-file section.
    pub fn store<'a>(&'a self, w: &mut SectionWriter<'a>) -> Result<(), String> {
        let (scales, q) = self.quantized();
        w.small(&(self.dims as u32, self.labels as u32, &scales, &self.bias))?;
        w.array(store::deltas_to_bytes(&self.rows), 4);
        w.array(q, 2);
        Ok(())
    }

    /// Reads a head written by [`CompactHead::store`].
    pub fn load(r: &mut SectionReader) -> Result<Self, String> {
        let (dims, labels, scales, bias): (u32, u32, Vec<f32>, Vec<f32>) = r.small()?;
        if dims > MAX_DIMS {
            return Err(format!("hash space of {dims} dimensions"));
        }
        let l = labels as usize;
        let rows = store::sorted_from_delta_bytes(&r.array()?, dims)?;
        let q = r.array()?;
        if q.len() != 2 * rows.len() * l || scales.len() != l || bias.len() != l {
            return Err("inconsistent head dimensions".into());
        }
        Ok(CompactHead {
            labels: l,
            dims: dims as usize,
            rows,
            row_of: OnceLock::new(),
            packed: OnceLock::new(),
            weights: Weights::I16 { q, scales },
            bias,
        })
    }
}

/// Asks the CPU to start loading the cache line at `p`.
#[inline(always)]
pub(crate) fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is only a hint to the cache: it never faults, even
    // on an invalid address, and changes nothing the program can observe.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p.cast())
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}
