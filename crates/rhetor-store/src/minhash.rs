//! MinHash signatures over word shingles: what lets `rhetor narratives`
//! find near-duplicate articles without comparing every pair.
//!
//! An article's words (lower-cased runs of letters and digits, so quotes,
//! dashes and other punctuation an editor adds change nothing) are read
//! as overlapping [`SHINGLE`]-word shingles. For each of [`SIGNATURE_LEN`]
//! hash functions the signature keeps the smallest hash of any shingle;
//! the share of positions where two signatures agree estimates the Jaccard
//! similarity of the two shingle sets. Signatures are cut into
//! [`BANDS`] bands of [`ROWS`] values: two articles that agree on a whole
//! band become candidates (locality-sensitive hashing), which catches a
//! pair of similarity *s* with probability 1 − (1 − s⁴)³², 0.98 at s = 0.5
//! and 0.05 at s = 0.2.
//!
//! Our own ~80 lines rather than a crate: the signature must be stable
//! across versions because it is stored in the database, so it is fixed
//! here (FNV-1a for words, SplitMix64 for the hash family) rather than by
//! a dependency's choice of hasher.

/// Words per shingle.
pub const SHINGLE: usize = 3;
/// Hash functions per signature.
pub const SIGNATURE_LEN: usize = 128;
/// LSH bands per signature.
pub const BANDS: usize = 32;
/// Signature values per band.
pub const ROWS: usize = SIGNATURE_LEN / BANDS;

/// The signature of a text with no shingle at all: it agrees with nothing.
const EMPTY: u32 = u32::MAX;

/// FNV-1a, 64 bits.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= *b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// SplitMix64's finaliser: a good 64-bit mix.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The words of `text`, lower-cased.
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
        .collect()
}

/// The MinHash signature of `text` ([`SIGNATURE_LEN`] values).
pub fn signature(text: &str) -> Vec<u32> {
    let hashes: Vec<u64> = words(text).iter().map(|w| fnv1a(w.as_bytes())).collect();
    let mut sig = vec![EMPTY; SIGNATURE_LEN];
    // A text shorter than one shingle is one shingle of all its words.
    let shingles: Vec<u64> = if hashes.len() < SHINGLE {
        if hashes.is_empty() {
            return sig;
        }
        vec![hashes.iter().fold(0u64, |acc, h| mix(acc ^ h))]
    } else {
        hashes
            .windows(SHINGLE)
            .map(|w| w.iter().fold(0u64, |acc, h| mix(acc ^ h)))
            .collect()
    };
    for (i, slot) in sig.iter_mut().enumerate() {
        let seed = mix(i as u64 + 1);
        for s in &shingles {
            let v = (mix(s ^ seed) >> 32) as u32;
            if v < *slot {
                *slot = v;
            }
        }
    }
    sig
}

/// The estimated Jaccard similarity of two signatures' texts, in [0, 1].
pub fn similarity(a: &[u32], b: &[u32]) -> f64 {
    if a.len() != b.len() || a.is_empty() {
        return 0.0;
    }
    let same = a
        .iter()
        .zip(b)
        .filter(|(x, y)| x == y && **x != EMPTY)
        .count();
    same as f64 / a.len() as f64
}

/// The key of band `band` of a signature (the band's number is part of
/// the key, so equal values in different bands never meet).
pub fn band_key(sig: &[u32], band: usize) -> u64 {
    let mut h = mix(band as u64 ^ 0x5248_5452);
    for v in &sig[band * ROWS..(band + 1) * ROWS] {
        h = mix(h ^ *v as u64);
    }
    h
}

/// Signature to the bytes stored in `article_minhash.signature`.
pub fn to_bytes(sig: &[u32]) -> Vec<u8> {
    sig.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// Stored bytes back to a signature; `None` when the length is wrong.
pub fn from_bytes(bytes: &[u8]) -> Option<Vec<u32>> {
    if bytes.len() != SIGNATURE_LEN * 4 {
        return None;
    }
    Some(
        bytes
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn punctuation_and_case_do_not_change_the_signature() {
        let a = signature("The minister said the talks had failed.");
        let b = signature("The \"minister\" said the «talks» had FAILED!");
        assert_eq!(a, b);
        assert_eq!(similarity(&a, &b), 1.0);
    }

    #[test]
    fn similarity_tracks_shared_shingles() {
        let base: Vec<String> = (0..200).map(|i| format!("w{i}")).collect();
        let text = base.join(" ");
        // Replace 10 words in 200: about 30 of 198 shingles change, Jaccard
        // = 168 / 228 ≈ 0.74; the estimate's standard error with 128
        // hashes is √(0.74·0.26/128) ≈ 0.04.
        let mut edited = base.clone();
        for i in (0..200).step_by(20) {
            edited[i] = format!("x{i}");
        }
        let s = similarity(&signature(&text), &signature(&edited.join(" ")));
        assert!((0.6..0.88).contains(&s), "{s}");
        let other: Vec<String> = (0..200).map(|i| format!("v{i}")).collect();
        let d = similarity(&signature(&text), &signature(&other.join(" ")));
        assert!(d < 0.05, "{d}");
        assert_eq!(similarity(&signature(""), &signature("")), 0.0);
    }

    #[test]
    fn bytes_round_trip_and_bad_lengths_are_refused() {
        let s = signature("one two three four");
        assert_eq!(from_bytes(&to_bytes(&s)), Some(s));
        assert_eq!(from_bytes(&[1, 2, 3]), None);
    }
}
