//! Sparse feature vectors.

use serde::{Deserialize, Serialize};

/// A sparse vector: sorted, unique indices with their values.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SparseVec {
    pub idx: Vec<u32>,
    pub val: Vec<f32>,
}

impl SparseVec {
    /// Builds a vector from (index, value) pairs, summing duplicates (the
    /// tests' way to write a vector; features build theirs sorted).
    #[cfg(test)]
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
}

/// How often each hashed feature occurs in a unit: the feature indices of
/// every occurrence, sorted (a run of equal indices is one feature and its
/// count). Paragraphs repeat few n-grams, so this is smaller than distinct
/// (index, count) pairs, and it costs nothing to build after the sort.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Counts {
    keys: Vec<u32>,
}

impl Counts {
    /// Counts the feature indices in `keys` (all below `2^bits`), taking
    /// them (`keys` is left empty).
    pub fn from_keys(keys: &mut Vec<u32>, bits: u32) -> Self {
        sort_keys(keys, bits);
        let mut keys = std::mem::take(keys);
        keys.shrink_to_fit();
        Counts { keys }
    }

    /// Every occurrence's index, sorted.
    pub fn keys(&self) -> &[u32] {
        &self.keys
    }

    /// Distinct indices, ascending.
    pub fn indices(&self) -> impl Iterator<Item = u32> + '_ {
        self.iter().map(|(i, _)| i)
    }

    /// (index, count) of each distinct feature, by ascending index.
    pub fn iter(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        let k = &self.keys;
        let mut at = 0;
        std::iter::from_fn(move || {
            let i = *k.get(at)?;
            let start = at;
            at += 1;
            while k.get(at) == Some(&i) {
                at += 1;
            }
            Some((i, (at - start) as u32))
        })
    }
}

/// Sorts feature indices below `2^bits`: for the hundreds to thousands of
/// character n-grams of a unit, an LSD radix sort in two passes of at most
/// 11 bits (both digits counted in one read of the keys); the standard sort
/// for short lists or wide hash spaces.
pub fn sort_keys(keys: &mut [u32], bits: u32) {
    const MAX: usize = 1 << 11;
    if keys.len() <= 256 || bits > 22 {
        keys.sort_unstable();
        return;
    }
    debug_assert!(keys.iter().all(|&k| k >> bits == 0));
    let low = bits / 2;
    let (m0, m1) = ((1u32 << low) - 1, (1u32 << (bits - low)) - 1);
    // Both masks are below MAX: `% MAX` only lets the compiler see it.
    let (d0, d1) = (
        move |k: u32| (k & m0) as usize % MAX,
        move |k: u32| ((k >> low) & m1) as usize % MAX,
    );
    let (mut c0, mut c1) = ([0u32; MAX], [0u32; MAX]);
    for &k in keys.iter() {
        c0[d0(k)] += 1;
        c1[d1(k)] += 1;
    }
    let (mut s0, mut s1) = (0, 0);
    for (a, b) in c0.iter_mut().zip(c1.iter_mut()) {
        (*a, s0) = (s0, s0 + *a);
        (*b, s1) = (s1, s1 + *b);
    }
    let mut tmp = vec![0u32; keys.len()];
    for &k in keys.iter() {
        let d = d0(k);
        tmp[c0[d] as usize] = k;
        c0[d] += 1;
    }
    for &k in tmp.iter() {
        let d = d1(k);
        keys[c1[d] as usize] = k;
        c1[d] += 1;
    }
}

/// An element of a list sorted by index that [`merge_sorted`] can merge:
/// its index, and how to fold in the value of an equal index.
pub trait Indexed: Copy {
    /// The sort key.
    fn index(&self) -> u32;
    /// Adds `other`'s value to this one's (same index).
    fn add(&mut self, other: &Self);
}

impl Indexed for (u32, f32) {
    #[inline(always)]
    fn index(&self) -> u32 {
        self.0
    }
    #[inline(always)]
    fn add(&mut self, other: &Self) {
        self.1 += other.1;
    }
}

/// Merges two lists sorted by index into `out` (cleared first), summing the
/// values of equal indices, within a list or across both, in list order.
pub fn merge_sorted<T: Indexed>(a: &[T], b: &[T], out: &mut Vec<T>) {
    out.clear();
    out.reserve(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        let next = if j == b.len() || (i < a.len() && a[i].index() <= b[j].index()) {
            i += 1;
            a[i - 1]
        } else {
            j += 1;
            b[j - 1]
        };
        match out.last_mut() {
            Some(last) if last.index() == next.index() => last.add(&next),
            _ => out.push(next),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_sort_and_count_keys_like_a_plain_sort() {
        let mut rng = crate::hashing::Rng::new(3);
        for (n, bits) in [
            (5usize, 20u32),
            (300, 20),
            (5000, 20),
            (4000, 19),
            (3000, 16),
            (2000, 32),
        ] {
            // At most n/2 distinct values spread over all the bits: plenty
            // of duplicates, every radix digit exercised.
            let mask = (u64::from(u32::MAX) >> (32 - bits)) as u32;
            let keys: Vec<u32> = (0..n)
                .map(|_| rng.next_u64() % (n as u64 / 2 + 1))
                .map(|v| (v.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 32) as u32 & mask)
                .collect();
            let mut sorted = keys.clone();
            sorted.sort_unstable();
            let mut k = keys.clone();
            let c = Counts::from_keys(&mut k, bits);
            assert_eq!(c.keys(), &sorted[..]);
            let mut expect = sorted.clone();
            expect.dedup();
            assert_eq!(c.indices().collect::<Vec<_>>(), expect);
            assert_eq!(c.iter().map(|p| p.1).sum::<u32>() as usize, n);
            for (i, count) in c.iter() {
                assert_eq!(count as usize, sorted.iter().filter(|&&x| x == i).count());
            }
        }
    }

    #[test]
    fn merge_sums_equal_indices() {
        let mut out = Vec::new();
        merge_sorted(
            &[(1, 1.0), (4, 2.0)],
            &[(1, 0.5), (2, 1.0), (2, 1.0), (9, 3.0)],
            &mut out,
        );
        assert_eq!(out, vec![(1, 1.5), (2, 2.0), (4, 2.0), (9, 3.0)]);
    }

    #[test]
    fn duplicates_are_summed_and_sorted() {
        let v = SparseVec::from_pairs(vec![(5, 1.0), (2, 1.0), (5, 2.0)]);
        assert_eq!(v.idx, vec![2, 5]);
        assert_eq!(v.val, vec![1.0, 3.0]);
    }

    #[test]
    fn normalize_gives_unit_length() {
        let mut v = SparseVec::from_pairs(vec![(0, 3.0), (1, 4.0)]);
        v.normalize();
        assert!((v.val[0] - 0.6).abs() < 1e-6 && (v.val[1] - 0.8).abs() < 1e-6);
    }
}
