//! The fast lookup prediction reads a head through: one `u32` per hash
//! dimension holding the head's row and the quantised IDF, so a paragraph's
//! scores come from its feature counts without building an input vector.
//! [`Lookup::scores`] gives exactly (bit for bit) what
//! `head.scores(&vectorize(..))` does; the test below checks it.

use crate::compact::{prefetch, CompactHead, Weights};
use crate::features::{Blocks, FeatureConfig, Idf};
use crate::sparse::{merge_sorted, Counts, Indexed};

/// One feature of a unit's input vector, with its head row (+1; 0: none).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Feat {
    idx: u32,
    val: f32,
    row: u32,
}

/// What prediction reads for each hash dimension, in one `u32`: the head's
/// row + 1 (0: none) in the high 24 bits, the quantised IDF in the low 8.
/// One lookup per feature instead of two, and no input vector to build:
/// [`Lookup::scores`] gives exactly what `head.scores(&vectorize(..))` does.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Lookup(Vec<u32>);

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
pub(crate) fn check_lookup_bits(bits: u32) -> Result<(), String> {
    if bits >= LOOKUP_BITS {
        return Err(format!(
            "hash space of 2^{bits} dimensions (at most 2^{} are supported)",
            LOOKUP_BITS - 1
        ));
    }
    Ok(())
}

impl Indexed for Feat {
    #[inline(always)]
    fn index(&self) -> u32 {
        self.idx
    }
    #[inline(always)]
    fn add(&mut self, other: &Self) {
        self.val += other.val;
    }
}

impl Lookup {
    /// Panics for a head of 2^24 rows or more (a hash space over
    /// [`LOOKUP_BITS`] bits, which model files may not declare).
    pub(crate) fn new(idf: &Idf, head: &CompactHead) -> Self {
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
            prefetch_row(head, e >> 8);
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

    pub(crate) fn scores(&self, cfg: &FeatureConfig, head: &CompactHead, b: &Blocks) -> Vec<f32> {
        BUFFERS.with_borrow_mut(|buf| {
            let Buffers { all, part, merged } = buf;
            // The short lists (words, title, cues) are merged first, the
            // long one (chars) last: equal indices are summed either way.
            self.block(head, &b.words, 1.0, all);
            if cfg.title_weight > 0.0 {
                self.block(head, &b.title, cfg.title_weight, part);
                merge_sorted(all, part, merged);
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
            merge_sorted(all, part, merged);
            std::mem::swap(all, merged);
            self.block(head, &b.chars, cfg.char_weight, part);
            let mut s = head.bias.clone();
            accumulate(head, all, part, &mut s);
            s
        })
    }
}

/// Adds `val` times the row of `head` of each feature of `a` ∪ `b` to `s`, by
/// ascending index (as [`CompactHead::scores`] adds them); the lists
/// are sorted by index, each without repeats, and a feature in both
/// counts once with the sum of its values (`a`'s first).
fn accumulate(head: &CompactHead, a: &[Feat], b: &[Feat], s: &mut [f32]) {
    let l = head.labels;
    match &head.weights {
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

/// Asks the CPU to start loading row `row - 1` (0: none).
#[inline]
fn prefetch_row(head: &CompactHead, row: u32) {
    if row == 0 {
        return;
    }
    let k = (row - 1) as usize * head.labels;
    match &head.weights {
        Weights::F32(w) => {
            prefetch(w.as_ptr().wrapping_add(k));
            prefetch(w.as_ptr().wrapping_add(k + head.labels - 1));
        }
        Weights::I16 { q, .. } => {
            prefetch(q.as_ptr().wrapping_add(2 * k));
            prefetch(q.as_ptr().wrapping_add(2 * (k + head.labels) - 1));
        }
    }
}

/// Calls `f` on each feature with a row of `a` ∪ `b` (see
/// [`accumulate`]), by ascending index.
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::{vectorize, Featurizer, ParagraphContext};
    use crate::hashing::Rng;
    use crate::linear::LinearHead;
    use crate::store::{SectionReader, SectionWriter};

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
        let trained = dense.to_compact();
        for head in [trained.clone(), stored(&trained)] {
            let lookup = Lookup::new(&idf, &head);
            for b in &blocks {
                let want: Vec<u32> = head
                    .scores(&vectorize(&cfg, &idf, b))
                    .iter()
                    .map(|s| s.to_bits())
                    .collect();
                let got: Vec<u32> = lookup
                    .scores(&cfg, &head, b)
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
}
