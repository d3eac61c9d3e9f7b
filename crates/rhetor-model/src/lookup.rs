//! The fast lookup prediction reads a head through: for each feature, one
//! slot of a [`Packed`] holding the quantised IDF and the head's row side
//! by side, so a paragraph's scores come from its feature counts without
//! building an input vector, at one cache line per feature.
//! [`Lookup::scores`] gives exactly (bit for bit) what
//! `head.scores(&vectorize(..))` does; the tests below check it.

use crate::compact::CompactHead;
use crate::features::{Blocks, FeatureConfig, Idf};
use crate::packed::Packed;
use crate::sparse::{merge_sorted, Counts, Indexed};

/// [`Feat::row`] of a feature without a row.
const NO_ROW: u32 = u32::MAX;

/// One feature of a unit's input vector, with its head row (the slot in
/// the [`Packed`] rows; [`NO_ROW`]: none).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Feat {
    idx: u32,
    val: f32,
    row: u32,
}

impl Default for Feat {
    fn default() -> Self {
        Feat {
            idx: 0,
            val: 0.0,
            row: NO_ROW,
        }
    }
}

/// What prediction reads for each hash dimension: the head's row and the
/// quantised IDF in one slot ([`Packed`]). [`Lookup::scores`] gives
/// exactly what `head.scores(&vectorize(..))` does.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Lookup(Packed);

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

/// The largest hash space a head's model file may declare is 2^23
/// dimensions (what the first lookup tables, with 24-bit row numbers,
/// could address; every shipped head is far below it).
const LOOKUP_BITS: u32 = 24;

/// Refuses a hash space over the model-file limit ([`LOOKUP_BITS`]).
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
    pub(crate) fn new(idf: &Idf, head: &CompactHead) -> Self {
        Lookup(Packed::new(head, Some(idf)))
    }

    /// The TF-IDF features of one block, L2-normalised to `weight`, into
    /// `out` (as [`crate::features::vectorize`] computes them).
    #[inline(always)]
    fn block(&self, counts: &Counts, weight: f32, out: &mut Vec<Feat>) {
        let p = &self.0;
        // First the distinct features, their sublinear TF and their slots,
        // each slot's line requested as soon as it is known: the lines are
        // scattered over megabytes, and the requests are independent, so
        // they are all in flight while this pass goes on.
        out.clear();
        let keys = counts.keys();
        let mut k = 0;
        while k < keys.len() {
            // A run of equal indices: one feature, counted.
            let i = keys[k];
            let start = k;
            k += 1;
            while k < keys.len() && keys[k] == i {
                k += 1;
            }
            let c = k - start;
            // Sublinear TF: 1 + ln(c), and ln(1) = 0 exactly.
            let tf = if c == 1 { 1.0 } else { 1.0 + (c as f32).ln() };
            let slot = p.slot(i);
            if let Some(s) = slot {
                p.prefetch(s);
            }
            out.push(Feat {
                idx: i,
                val: tf,
                row: slot.unwrap_or(NO_ROW),
            });
        }
        // Then TF × IDF; dimensions without IDF are dropped.
        let mut n = 0;
        for j in 0..out.len() {
            let f = out[j];
            let (q, row) = if f.row == NO_ROW {
                (0, NO_ROW)
            } else {
                let e = p.entry(f.row);
                (e.idf, e.row.unwrap_or(NO_ROW))
            };
            out[n] = Feat {
                idx: f.idx,
                val: f.val * (q as f32 / 16.0),
                row,
            };
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
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("popcnt") {
                // SAFETY: the CPU has the instruction the function may use.
                return unsafe { self.scores_popcnt(cfg, head, b, buf) };
            }
            self.scores_in(cfg, head, b, buf)
        })
    }

    /// [`Lookup::scores`] compiled with the POPCNT instruction, which finds
    /// a dimension's slot ([`crate::packed::Present`]) in one instruction
    /// instead of a dozen; the same integer result either way.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "popcnt")]
    fn scores_popcnt(
        &self,
        cfg: &FeatureConfig,
        head: &CompactHead,
        b: &Blocks,
        buf: &mut Buffers,
    ) -> Vec<f32> {
        self.scores_in(cfg, head, b, buf)
    }

    #[inline(always)]
    fn scores_in(
        &self,
        cfg: &FeatureConfig,
        head: &CompactHead,
        b: &Blocks,
        buf: &mut Buffers,
    ) -> Vec<f32> {
        {
            let Buffers { all, part, merged } = buf;
            // The short lists (words, title, cues) are merged first, the
            // long one (chars) last: equal indices are summed either way.
            self.block(&b.words, 1.0, all);
            if cfg.title_weight > 0.0 {
                self.block(&b.title, cfg.title_weight, part);
                merge_sorted(all, part, merged);
                std::mem::swap(all, merged);
            }
            part.clear();
            part.extend(b.cues.iter().map(|&(i, v)| Feat {
                idx: i,
                val: v * cfg.cue_weight,
                row: self.0.entry_of(i).row.unwrap_or(NO_ROW),
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
            self.block(&b.chars, cfg.char_weight, part);
            let mut s = head.bias.clone();
            merged_rows(all, part, |f| self.0.add_row(f.row, f.val, &mut s));
            s
        }
    }
}

/// Calls `f` on each feature with a row of `a` ∪ `b`, by ascending index
/// (as [`CompactHead::scores`] adds them); the lists are sorted by index,
/// each without repeats, and a feature in both counts once with the sum
/// of its values (`a`'s first).
#[inline(always)]
fn merged_rows(a: &[Feat], b: &[Feat], mut f: impl FnMut(Feat)) {
    let mut f = |x: Feat| {
        if x.row != NO_ROW {
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
    use crate::packed::Packed;
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
        // 5 labels: i16 slots of 16 bytes, f32 of 32; 23 labels: i16 slots
        // of a whole cache line, f32 of two.
        for labels in [5, 23] {
            let dims = 1usize << cfg.bits;
            let mut weights = Vec::with_capacity(dims * labels);
            for _ in 0..dims {
                // A third of the dimensions have no row at all (their
                // features count in the norm, not in the sums).
                let none = rng.next_u64().is_multiple_of(3);
                for _ in 0..labels {
                    weights.push(match rng.next_u64() % 4 {
                        _ if none => 0.0,
                        0 => 0.0,
                        k => (rng.next_u64() % 20_001) as f32 / 7_919.0 - 1.26 * k as f32,
                    });
                }
            }
            let dense = LinearHead {
                dims,
                labels,
                weights,
                bias: (0..labels).map(|l| 0.1 * l as f32 - 0.7).collect(),
            };
            let trained = dense.to_compact();
            for head in [trained.clone(), stored(&trained)] {
                let lookup = Lookup::new(&idf, &head);
                for b in &blocks {
                    let bits = |v: &[f32]| v.iter().map(|s| s.to_bits()).collect::<Vec<_>>();
                    let x = vectorize(&cfg, &idf, b);
                    let want = bits(&head.scores(&x));
                    assert_eq!(bits(&lookup.scores(&cfg, &head, b)), want);
                    let portable = lookup.scores_in(&cfg, &head, b, &mut Buffers::default());
                    assert_eq!(bits(&portable), want);
                    for (l, &w) in want.iter().enumerate() {
                        assert_eq!(head.score_label(&x, l).to_bits(), w);
                    }
                    for some in [vec![0, 3], vec![4, 1, 2], (0..labels).rev().collect()] {
                        let mut out = Vec::new();
                        head.score_labels(&x, &some, &mut out);
                        let expect: Vec<u32> = some.iter().map(|&l| want[l]).collect();
                        assert_eq!(bits(&out), expect);
                        let mut out: Vec<f32> = some.iter().map(|&l| head.bias[l]).collect();
                        Packed::new(&head, None).add_rows_in(&x, &some, &mut out);
                        assert_eq!(bits(&out), expect);
                    }
                }
            }
        }
    }
}
