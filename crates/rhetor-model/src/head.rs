//! Trained heads in their shipped form: compact weights, calibration and
//! thresholds.

use crate::calibrate::Platt;
use crate::features::{vectorize, Blocks, FeatureConfig, Idf};
use crate::linear::LinearHead;
use crate::math::softmax;
use crate::sparse::{Counts, SparseVec};
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
    pub labels: usize,
    dims: usize,
    /// Hash dimensions that have a row, ascending.
    rows: Vec<u32>,
    /// `row_of[dim]` is the row of hash dimension `dim`, or `u32::MAX`;
    /// built on first use (prediction goes through a [`Lookup`] instead).
    row_of: OnceLock<Vec<u32>>,
    weights: Weights,
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

#[derive(Debug, Clone, PartialEq)]
enum Weights {
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
fn dequantize(q: &[u8], k: usize, scale: f32) -> f32 {
    i16::from_le_bytes([q[2 * k], q[2 * k + 1]]) as f32 * scale
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
        CompactHead {
            labels,
            dims,
            rows,
            row_of: OnceLock::new(),
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

    /// Adds `val` times the row of each feature of `a` ∪ `b` to `s`, by
    /// ascending index (as [`CompactHead::scores`] adds them); the lists
    /// are sorted by index, each without repeats, and a feature in both
    /// counts once with the sum of its values (`a`'s first).
    fn accumulate(&self, a: &[Feat], b: &[Feat], s: &mut [f32]) {
        let l = self.labels;
        match &self.weights {
            Weights::F32(w) => merged(a, b, |f| {
                let r = (f.row - 1) as usize;
                for (acc, w) in s.iter_mut().zip(&w[r * l..(r + 1) * l]) {
                    *acc += w * f.val;
                }
            }),
            Weights::I16 { q, scales } => {
                let (s, scales) = (&mut s[..l], &scales[..l]);
                merged(a, b, |f| {
                    let r = (f.row - 1) as usize;
                    let row = &q[2 * r * l..2 * (r + 1) * l];
                    for ((acc, w), &scale) in s.iter_mut().zip(row.chunks_exact(2)).zip(scales) {
                        // The weight exactly as `dequantize` expands it.
                        *acc += (i16::from_le_bytes([w[0], w[1]]) as f32 * scale) * f.val;
                    }
                })
            }
        }
    }

    /// Raw score of one label (what `scores(x)[label]` gives, computed
    /// alone).
    pub fn score_label(&self, x: &SparseVec, label: usize) -> f32 {
        let l = self.labels;
        let row_of = self.row_of();
        let mut acc = self.bias[label];
        for (i, v) in x.iter() {
            let r = row_of[i];
            if r != u32::MAX {
                let k = r as usize * l + label;
                let w = match &self.weights {
                    Weights::F32(w) => w[k],
                    Weights::I16 { q, scales } => dequantize(q, k, scales[label]),
                };
                acc += w * v;
            }
        }
        acc
    }

    /// Asks the CPU to start loading row `row - 1` (0: none).
    #[inline]
    fn prefetch_row(&self, row: u32) {
        if row == 0 {
            return;
        }
        let k = (row - 1) as usize * self.labels;
        match &self.weights {
            Weights::F32(w) => {
                prefetch(w.as_ptr().wrapping_add(k));
                prefetch(w.as_ptr().wrapping_add(k + self.labels - 1));
            }
            Weights::I16 { q, .. } => {
                prefetch(q.as_ptr().wrapping_add(2 * k));
                prefetch(q.as_ptr().wrapping_add(2 * (k + self.labels) - 1));
            }
        }
    }

    /// Size of the hash space the head reads.
    pub fn dims(&self) -> usize {
        self.dims
    }

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
            weights: Weights::I16 { q, scales },
            bias,
        })
    }
}

#[inline(always)]
fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is only a hint to the cache: it never faults, even
    // on an invalid address, and changes nothing the program can observe.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p.cast())
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// One feature of a unit's input vector, with its head row (+1; 0: none).
#[derive(Debug, Clone, Copy, Default)]
struct Feat {
    idx: u32,
    val: f32,
    row: u32,
}

/// What prediction reads for each hash dimension, in one `u32`: the head's
/// row + 1 (0: none) in the high 24 bits, the quantised IDF in the low 8.
/// One lookup per feature instead of two, and no input vector to build:
/// [`Lookup::scores`] gives exactly what `head.scores(&vectorize(..))` does.
#[derive(Debug, Clone, PartialEq)]
struct Lookup(Vec<u32>);

/// Buffers reused by every prediction on a thread.
#[derive(Default)]
struct Buffers {
    all: Vec<Feat>,
    part: Vec<Feat>,
    merged: Vec<Feat>,
}

thread_local! {
    static BUFFERS: std::cell::RefCell<Buffers> = std::cell::RefCell::default();
}

/// A head read through a [`Lookup`] needs its row numbers + 1 to fit in 24
/// bits, so its hash space must be under 2^24 dimensions.
const LOOKUP_BITS: u32 = 24;

/// Refuses a hash space a [`Lookup`] cannot address (a head of 2^24 rows
/// would overflow the row field instead of failing).
fn check_lookup_bits(bits: u32) -> Result<(), String> {
    if bits >= LOOKUP_BITS {
        return Err(format!(
            "hash space of 2^{bits} dimensions (at most 2^{} are supported)",
            LOOKUP_BITS - 1
        ));
    }
    Ok(())
}

impl Lookup {
    /// Panics for a head of 2^24 rows or more (a hash space over
    /// [`LOOKUP_BITS`] bits, which model files may not declare).
    fn new(idf: &Idf, head: &CompactHead) -> Self {
        assert!(
            head.rows.len() < 1 << LOOKUP_BITS,
            "hash space over 2^{LOOKUP_BITS} dimensions"
        );
        let mut t: Vec<u32> = (0..head.dims()).map(|d| idf.raw(d) as u32).collect();
        for (r, &d) in head.rows.iter().enumerate() {
            t[d as usize] |= (r as u32 + 1) << 8;
        }
        Lookup(t)
    }

    /// The TF-IDF features of one block, L2-normalised to `weight`, into
    /// `out` (as [`crate::features::vectorize`] computes them).
    fn block(&self, head: &CompactHead, counts: &Counts, weight: f32, out: &mut Vec<Feat>) {
        // Every slot up to the number of occurrences is written before it
        // is read, so the buffer is only grown, never cleared.
        let keys = counts.keys();
        if out.len() < keys.len() {
            out.resize(keys.len(), Feat::default());
        }
        let mut n = 0;
        // Lookups a few features ahead are requested early: each is a
        // likely cache miss, and they are independent.
        const AHEAD: usize = 12;
        for &i in keys.iter().take(AHEAD) {
            prefetch(self.0.as_ptr().wrapping_add(i as usize));
        }
        let mut k = 0;
        while k < keys.len() {
            if let Some(&next) = keys.get(k + AHEAD) {
                prefetch(self.0.as_ptr().wrapping_add(next as usize));
            }
            // A run of equal indices: one feature, counted.
            let i = keys[k];
            let start = k;
            k += 1;
            while k < keys.len() && keys[k] == i {
                k += 1;
            }
            let c = k - start;
            let e = self.0[i as usize];
            let q = e & 0xff;
            // Sublinear TF: 1 + ln(c), and ln(1) = 0 exactly.
            let tf = if c == 1 { 1.0 } else { 1.0 + (c as f32).ln() };
            out[n] = Feat {
                idx: i,
                val: tf * (q as f32 / 16.0),
                row: e >> 8,
            };
            head.prefetch_row(e >> 8);
            // Dimensions without IDF are dropped (written, then overwritten).
            n += (q != 0) as usize;
        }
        out.truncate(n);
        let norm: f32 = out.iter().map(|p| p.val * p.val).sum::<f32>().sqrt();
        if norm > 0.0 {
            for p in out.iter_mut() {
                p.val *= weight / norm;
            }
        }
    }

    fn scores(&self, cfg: &FeatureConfig, head: &CompactHead, b: &Blocks) -> Vec<f32> {
        BUFFERS.with_borrow_mut(|buf| {
            let Buffers { all, part, merged } = buf;
            // The short lists (words, title, cues) are merged first, the
            // long one (chars) last: equal indices are summed either way.
            self.block(head, &b.words, 1.0, all);
            if cfg.title_weight > 0.0 {
                self.block(head, &b.title, cfg.title_weight, part);
                merge_feats(all, part, merged);
                std::mem::swap(all, merged);
            }
            part.clear();
            part.extend(b.cues.iter().map(|&(i, v)| Feat {
                idx: i,
                val: v * cfg.cue_weight,
                row: self.0[i as usize] >> 8,
            }));
            // A dozen cues: insertion sort (stable, as `sort_by_key`).
            for k in 1..part.len() {
                let mut j = k;
                while j > 0 && part[j - 1].idx > part[j].idx {
                    part.swap(j - 1, j);
                    j -= 1;
                }
            }
            merge_feats(all, part, merged);
            std::mem::swap(all, merged);
            self.block(head, &b.chars, cfg.char_weight, part);
            let mut s = head.bias.clone();
            head.accumulate(all, part, &mut s);
            s
        })
    }
}

/// Calls `f` on each feature with a row of `a` ∪ `b` (see
/// [`CompactHead::accumulate`]), by ascending index.
#[inline(always)]
fn merged(a: &[Feat], b: &[Feat], mut f: impl FnMut(Feat)) {
    let mut f = |x: Feat| {
        if x.row != 0 {
            f(x)
        }
    };
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        let (x, y) = (a[i], b[j]);
        if x.idx < y.idx {
            f(x);
            i += 1;
        } else if y.idx < x.idx {
            f(y);
            j += 1;
        } else {
            f(Feat {
                val: x.val + y.val,
                ..x
            });
            i += 1;
            j += 1;
        }
    }
    a[i..].iter().chain(&b[j..]).for_each(|&x| f(x));
}

/// Merges two lists sorted by index, summing the values of equal indices
/// (as [`crate::sparse::merge_sorted`]).
fn merge_feats(a: &[Feat], b: &[Feat], out: &mut Vec<Feat>) {
    out.clear();
    out.reserve(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        let next = if j == b.len() || (i < a.len() && a[i].idx <= b[j].idx) {
            i += 1;
            a[i - 1]
        } else {
            j += 1;
            b[j - 1]
        };
        match out.last_mut() {
            Some(last) if last.idx == next.idx => last.val += next.val,
            _ => out.push(next),
        }
    }
}

/// Multi-label head (techniques, frames): calibrated probabilities and a
/// per-label decision threshold.
#[derive(Debug, Clone, PartialEq)]
pub struct MultiLabelHead {
    pub features: FeatureConfig,
    pub idf: Idf,
    pub head: CompactHead,
    pub platt: Vec<Platt>,
    pub thresholds: Vec<f32>,
    /// Derived from `idf` and `head` by [`MultiLabelHead::new`].
    lookup: Lookup,
}

impl MultiLabelHead {
    pub fn new(
        features: FeatureConfig,
        idf: Idf,
        head: CompactHead,
        platt: Vec<Platt>,
        thresholds: Vec<f32>,
    ) -> Self {
        let lookup = Lookup::new(&idf, &head);
        MultiLabelHead {
            features,
            idf,
            head,
            platt,
            thresholds,
            lookup,
        }
    }

    /// Appends the head to a model-file section.
    pub fn store<'a>(&'a self, w: &mut SectionWriter<'a>) -> Result<(), String> {
        w.small(&(&self.features, &self.platt, &self.thresholds))?;
        self.idf.store(w);
        self.head.store(w)
    }

    pub fn load(r: &mut SectionReader) -> Result<Self, String> {
        let (features, platt, thresholds): (FeatureConfig, Vec<Platt>, Vec<f32>) = r.small()?;
        let idf = Idf::load(r, features.bits)?;
        let head = CompactHead::load(r)?;
        if platt.len() != head.labels || thresholds.len() != head.labels {
            return Err("calibration and head disagree on the labels".into());
        }
        if head.dims() != 1usize << features.bits {
            return Err("head and features disagree on the hash space".into());
        }
        check_lookup_bits(features.bits)?;
        Ok(MultiLabelHead::new(features, idf, head, platt, thresholds))
    }

    pub fn vector(&self, b: &Blocks) -> SparseVec {
        vectorize(&self.features, &self.idf, b)
    }

    /// Calibrated probability of every label.
    pub fn probs(&self, b: &Blocks) -> Vec<f32> {
        let s = self.lookup.scores(&self.features, &self.head, b);
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
#[derive(Debug, Clone, PartialEq)]
pub struct SoftmaxHead {
    pub features: FeatureConfig,
    pub idf: Idf,
    pub head: CompactHead,
    /// Temperature applied to the logits (calibration).
    pub temperature: f32,
    /// Added to logits before the arg-max only (decision, not probability).
    pub offsets: Vec<f32>,
    /// Derived from `idf` and `head` by [`SoftmaxHead::new`].
    lookup: Lookup,
}

impl SoftmaxHead {
    pub fn new(
        features: FeatureConfig,
        idf: Idf,
        head: CompactHead,
        temperature: f32,
        offsets: Vec<f32>,
    ) -> Self {
        let lookup = Lookup::new(&idf, &head);
        SoftmaxHead {
            features,
            idf,
            head,
            temperature,
            offsets,
            lookup,
        }
    }

    /// Appends the head to a model-file section.
    pub fn store<'a>(&'a self, w: &mut SectionWriter<'a>) -> Result<(), String> {
        w.small(&(&self.features, self.temperature, &self.offsets))?;
        self.idf.store(w);
        self.head.store(w)
    }

    pub fn load(r: &mut SectionReader) -> Result<Self, String> {
        let (features, temperature, offsets): (FeatureConfig, f32, Vec<f32>) = r.small()?;
        let idf = Idf::load(r, features.bits)?;
        let head = CompactHead::load(r)?;
        if offsets.len() != head.labels || head.dims() != 1usize << features.bits {
            return Err("inconsistent genre head".into());
        }
        check_lookup_bits(features.bits)?;
        Ok(SoftmaxHead::new(features, idf, head, temperature, offsets))
    }

    pub fn probs(&self, b: &Blocks) -> Vec<f32> {
        let s = self.lookup.scores(&self.features, &self.head, b);
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
    use crate::features::{Featurizer, ParagraphContext};
    use crate::hashing::Rng;

    fn stored(h: &CompactHead) -> CompactHead {
        let mut w = SectionWriter::default();
        h.store(&mut w).unwrap();
        CompactHead::load(&mut SectionReader::new(&w.into_bytes())).unwrap()
    }

    #[test]
    fn predicting_from_blocks_gives_the_very_numbers_of_scoring_the_vector() {
        // A small hash space: word, char and cue features collide, so the
        // sums of colliding features are exercised too.
        let cfg = FeatureConfig {
            bits: 12,
            title_weight: 0.5,
            ..FeatureConfig::default()
        };
        let f = Featurizer::new(cfg.clone());
        let texts = [
            "Les Américains veulent « aider » l'Ukraine, disent-ils !",
            "The so-called \"experts\" said nothing... Nothing at all?",
            "Die Regierung WILL das nicht: 42 Millionen Euro.",
            "Вы не понимаете, что происходит? Это «помощь»!",
            "the the the the the cat cat sat",
            "",
        ];
        let blocks: Vec<Blocks> = texts
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let ctx = ParagraphContext {
                    language: Some("en"),
                    index: i,
                    count: texts.len(),
                    title: "A title about the cat",
                };
                f.paragraph(t, &ctx)
            })
            .collect();
        let idf = Idf::fit(cfg.bits, blocks.iter(), 2);
        let mut rng = Rng::new(5);
        let labels = 5;
        let dense = LinearHead {
            dims: 1 << cfg.bits,
            labels,
            weights: (0..(1usize << cfg.bits) * labels)
                .map(|_| match rng.next_u64() % 4 {
                    0 => 0.0,
                    k => (rng.next_u64() % 20_001) as f32 / 7_919.0 - 1.26 * k as f32,
                })
                .collect(),
            bias: vec![0.1, -0.2, 0.3, 0.0, 0.5],
        };
        let trained = CompactHead::from_linear(&dense);
        for head in [trained.clone(), stored(&trained)] {
            let ml = MultiLabelHead::new(
                cfg.clone(),
                idf.clone(),
                head.clone(),
                vec![Platt::default(); labels],
                vec![0.5; labels],
            );
            for b in &blocks {
                let want: Vec<u32> = head
                    .scores(&vectorize(&cfg, &idf, b))
                    .iter()
                    .map(|s| s.to_bits())
                    .collect();
                let got: Vec<u32> = ml
                    .lookup
                    .scores(&cfg, &ml.head, b)
                    .iter()
                    .map(|s| s.to_bits())
                    .collect();
                assert_eq!(got, want);
                let x = vectorize(&cfg, &idf, b);
                for (l, &w) in want.iter().enumerate() {
                    assert_eq!(head.score_label(&x, l).to_bits(), w);
                }
            }
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
        let compact = CompactHead::from_linear(&dense);
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
