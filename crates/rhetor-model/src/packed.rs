//! A head's rows packed for prediction: everything prediction reads about
//! one hash dimension — its quantised IDF, whether the head has a row for
//! it, and the row's weights — side by side in one slot, a slot never
//! straddling a cache line (64-byte slots for the 23 techniques in i16).
//!
//! Prediction is bound by memory: the hash dimensions of a paragraph are
//! scattered over tables of megabytes, so each feature costs cache misses.
//! Read through [`crate::lookup::Lookup`]'s former `u32` per dimension
//! (IDF and row number) and then the row in [`CompactHead`]'s weights (46
//! bytes at any even offset, so two cache lines seven times in ten), a
//! feature cost about 2.7 lines; through a [`Packed`] it costs one line,
//! plus a bit in [`Present`]'s bitmap (128 KB for 2^20 dimensions, which
//! stays in the core's cache) to find the slot.
//!
//! The numbers are the head's own: the same i16 (or f32) weights, the same
//! IDF byte, read by the same arithmetic, so predictions are bit for bit
//! those of the plain [`CompactHead::scores`] (the tests in `lookup.rs` and
//! `compact.rs` check it).

use crate::compact::{prefetch, CompactHead, Weights};
use crate::features::Idf;
use crate::sparse::SparseVec;
use rayon::prelude::*;

/// The hash dimensions that have a slot, as a bitmap with the number of
/// set bits before each 64-bit word: the slot of a present dimension is
/// its rank among them.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Present {
    words: Vec<Word>,
}

#[derive(Debug, Clone, Copy, PartialEq, Default)]
struct Word {
    bits: u64,
    /// Set bits in the words before this one.
    rank: u32,
}

impl Present {
    /// The dimensions `dims` (ascending, each below `size`).
    fn new(size: usize, dims: impl Iterator<Item = u32>) -> Self {
        let mut words = vec![Word::default(); size.div_ceil(64)];
        for d in dims {
            words[(d >> 6) as usize].bits |= 1 << (d & 63);
        }
        let mut rank = 0u32;
        for w in &mut words {
            w.rank = rank;
            rank += w.bits.count_ones();
        }
        Present { words }
    }

    /// The slot of dimension `dim`, or `None` when it has none.
    #[inline(always)]
    pub(crate) fn slot(&self, dim: u32) -> Option<u32> {
        let w = self.words.get((dim >> 6) as usize)?;
        let bit = 1u64 << (dim & 63);
        if w.bits & bit == 0 {
            return None;
        }
        Some(w.rank + (w.bits & (bit - 1)).count_ones())
    }
}

/// How a slot's weights are stored (as the head stores them).
#[derive(Debug, Clone, PartialEq)]
enum Kind {
    /// Little-endian i16, times `scales[label]` (a loaded head).
    I16 { scales: Vec<f32> },
    /// Little-endian f32 (a head trained in this process).
    F32,
}

/// A byte buffer whose first byte is at a multiple of 64 (a cache line),
/// in safe code: the vector is over-allocated and the buffer starts at the
/// first aligned byte. A clone is aligned anew.
#[derive(Debug)]
struct Lines {
    buf: Vec<u8>,
    start: usize,
    len: usize,
}

impl Lines {
    fn zeroed(len: usize) -> Self {
        let buf = vec![0u8; len + 63];
        let start = buf.as_ptr().align_offset(64).min(63);
        Lines { buf, start, len }
    }

    #[inline(always)]
    fn bytes(&self) -> &[u8] {
        &self.buf[self.start..self.start + self.len]
    }

    /// Bytes `at..at + n` of the buffer.
    #[inline(always)]
    fn slice(&self, at: usize, n: usize) -> &[u8] {
        &self.buf[self.start + at..self.start + at + n]
    }

    fn bytes_mut(&mut self) -> &mut [u8] {
        &mut self.buf[self.start..self.start + self.len]
    }
}

impl Clone for Lines {
    fn clone(&self) -> Self {
        let mut copy = Lines::zeroed(self.len);
        copy.bytes_mut().copy_from_slice(self.bytes());
        copy
    }
}

impl PartialEq for Lines {
    fn eq(&self, other: &Self) -> bool {
        self.bytes() == other.bytes()
    }
}

/// What [`Packed::entry`] tells of a dimension.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Entry {
    /// IDF × 16 as the head's [`Idf`] stores it (0: no IDF, or none kept).
    pub(crate) idf: u8,
    /// The slot, when the head has a row for the dimension.
    pub(crate) row: Option<u32>,
}

/// A head's slots: for each present dimension (one with an IDF, or with a
/// row), `stride` bytes: the row's weights (zero without a row), the IDF
/// byte, and a byte saying whether there is a row.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Packed {
    present: Present,
    lines: Lines,
    /// Bytes per slot: a power of two, so a slot of at most 64 bytes
    /// never straddles a cache line.
    stride: usize,
    labels: usize,
    /// Where the IDF byte is in a slot (the row flag follows it).
    idf_at: usize,
    kind: Kind,
}

/// Offset of the IDF byte and of the row flag after `labels` weights.
fn weight_bytes(kind: &Kind, labels: usize) -> usize {
    match kind {
        Kind::I16 { .. } => 2 * labels,
        Kind::F32 => 4 * labels,
    }
}

impl Packed {
    /// The slots of `head`, with the IDF of each dimension from `idf` (the
    /// span tagger has none: `None`).
    pub(crate) fn new(head: &CompactHead, idf: Option<&Idf>) -> Self {
        let labels = head.labels;
        let kind = match &head.weights {
            Weights::I16 { scales, .. } => Kind::I16 {
                scales: scales.clone(),
            },
            Weights::F32(_) => Kind::F32,
        };
        let wb = weight_bytes(&kind, labels);
        let stride = (wb + 2).next_power_of_two().max(8);
        // Present: the dimensions with a row or an IDF, ascending, each
        // with its row (NO_ROW: none).
        const NO_ROW: u32 = u32::MAX;
        let rows = &head.rows;
        let present: Vec<(u32, u32)> = match idf {
            None => rows
                .iter()
                .enumerate()
                .map(|(r, &d)| (d, r as u32))
                .collect(),
            Some(t) => {
                let mut out = Vec::with_capacity(rows.len());
                let mut next = rows.iter().copied().enumerate().peekable();
                for d in 0..head.dims() as u32 {
                    match next.peek() {
                        Some(&(r, rd)) if rd == d => {
                            out.push((d, r as u32));
                            next.next();
                        }
                        _ if t.raw(d as usize) != 0 => out.push((d, NO_ROW)),
                        _ => {}
                    }
                }
                out
            }
        };
        let mut lines = Lines::zeroed(present.len() * stride);
        // Slots filled in parallel (tens of megabytes for the techniques
        // head, built when a model is first used).
        lines
            .bytes_mut()
            .par_chunks_mut(stride)
            .zip(&present)
            .for_each(|(s, &(d, r))| {
                if r != NO_ROW {
                    let r = r as usize;
                    match &head.weights {
                        Weights::I16 { q, .. } => s[..wb].copy_from_slice(&q[r * wb..(r + 1) * wb]),
                        Weights::F32(w) => {
                            for (k, v) in w[r * labels..(r + 1) * labels].iter().enumerate() {
                                s[4 * k..4 * k + 4].copy_from_slice(&v.to_le_bytes());
                            }
                        }
                    }
                    s[wb + 1] = 1;
                }
                if let Some(t) = idf {
                    s[wb] = t.raw(d as usize);
                }
            });
        Packed {
            present: Present::new(head.dims(), present.into_iter().map(|(d, _)| d)),
            lines,
            stride,
            labels,
            idf_at: wb,
            kind,
        }
    }

    /// The slot of dimension `dim`, if it has one.
    #[inline(always)]
    pub(crate) fn slot(&self, dim: u32) -> Option<u32> {
        self.present.slot(dim)
    }

    #[inline(always)]
    fn bytes(&self, slot: u32) -> &[u8] {
        self.lines.slice(slot as usize * self.stride, self.stride)
    }

    /// Asks the CPU to start loading `slot`'s line.
    #[inline(always)]
    pub(crate) fn prefetch(&self, slot: u32) {
        let at = self.lines.start + slot as usize * self.stride;
        prefetch(self.lines.buf.as_ptr().wrapping_add(at));
    }

    /// The IDF and row of a slot.
    #[inline(always)]
    pub(crate) fn entry(&self, slot: u32) -> Entry {
        let b = self
            .lines
            .slice(slot as usize * self.stride + self.idf_at, 2);
        Entry {
            idf: b[0],
            row: (b[1] != 0).then_some(slot),
        }
    }

    /// The IDF and row of dimension `dim` (no IDF and no row when absent).
    #[inline(always)]
    pub(crate) fn entry_of(&self, dim: u32) -> Entry {
        match self.slot(dim) {
            Some(s) => self.entry(s),
            None => Entry { idf: 0, row: None },
        }
    }

    /// Adds `val` times the row in `slot` to `s` (one sum per label), each
    /// weight exactly as [`crate::compact::dequantize`] expands it.
    #[inline(always)]
    pub(crate) fn add_row(&self, slot: u32, val: f32, s: &mut [f32]) {
        let b = self.bytes(slot);
        match &self.kind {
            Kind::I16 { scales } => {
                let l = self.labels;
                let (s, scales) = (&mut s[..l], &scales[..l]);
                for ((acc, w), &scale) in s.iter_mut().zip(b[..2 * l].chunks_exact(2)).zip(scales) {
                    *acc += (i16::from_le_bytes([w[0], w[1]]) as f32 * scale) * val;
                }
            }
            Kind::F32 => {
                let l = self.labels;
                for (acc, w) in s[..l].iter_mut().zip(b[..4 * l].chunks_exact(4)) {
                    *acc += f32::from_le_bytes([w[0], w[1], w[2], w[3]]) * val;
                }
            }
        }
    }

    /// The weight of `label` in the row in `slot`, as the head stores it.
    #[inline(always)]
    pub(crate) fn weight(&self, slot: u32, label: usize) -> f32 {
        let b = self.bytes(slot);
        match &self.kind {
            Kind::I16 { scales } => {
                i16::from_le_bytes([b[2 * label], b[2 * label + 1]]) as f32 * scales[label]
            }
            Kind::F32 => f32::from_le_bytes([
                b[4 * label],
                b[4 * label + 1],
                b[4 * label + 2],
                b[4 * label + 3],
            ]),
        }
    }
}

impl Packed {
    /// Adds to `out[j]`, for each feature of `x` with a row, its value
    /// times the row's weight of `labels[j]`, feature by feature in
    /// order (the sums [`CompactHead::scores`] makes for those labels).
    pub(crate) fn add_rows(&self, x: &SparseVec, labels: &[usize], out: &mut [f32]) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("popcnt") {
            // SAFETY: the CPU has the instruction the function may use.
            return unsafe { self.add_rows_popcnt(x, labels, out) };
        }
        self.add_rows_in(x, labels, out)
    }

    /// [`Packed::add_rows`] compiled with POPCNT (see `Lookup::scores`).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "popcnt")]
    fn add_rows_popcnt(&self, x: &SparseVec, labels: &[usize], out: &mut [f32]) {
        self.add_rows_in(x, labels, out)
    }

    /// [`Packed::add_rows`] without POPCNT, whatever the CPU.
    #[inline(always)]
    pub(crate) fn add_rows_in(&self, x: &SparseVec, labels: &[usize], out: &mut [f32]) {
        // Every line is requested before the first is read.
        for &i in &x.idx {
            if let Some(slot) = self.slot(i) {
                self.prefetch(slot);
            }
        }
        for (&i, &v) in x.idx.iter().zip(&x.val) {
            let Some(slot) = self.slot(i).and_then(|s| self.entry(s).row) else {
                continue;
            };
            for (acc, &label) in out.iter_mut().zip(labels) {
                *acc += self.weight(slot, label) * v;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn present_ranks_every_dimension() {
        let dims: Vec<u32> = vec![0, 1, 5, 63, 64, 65, 127, 128, 1000, 4095];
        let p = Present::new(4096, dims.iter().copied());
        for d in 0..4096u32 {
            let want = dims.iter().position(|&x| x == d).map(|i| i as u32);
            assert_eq!(p.slot(d), want, "{d}");
        }
        assert_eq!(p.slot(4096), None);
        assert_eq!(p.slot(u32::MAX), None);
    }

    #[test]
    fn slots_are_cache_line_aligned_and_clones_too() {
        let l = Lines::zeroed(1000);
        assert_eq!(l.bytes().as_ptr() as usize % 64, 0);
        let c = l.clone();
        assert_eq!(c.bytes().as_ptr() as usize % 64, 0);
        assert_eq!(c, l);
    }
}
