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

/// The FNV-1a hash of each word of `text` (the words of [`words`]), with
/// no string built for a word that is ASCII.
fn word_hashes(text: &str) -> Vec<u64> {
    let mut out = Vec::new();
    for w in text.split(|c: char| !c.is_alphanumeric()) {
        if w.is_empty() {
            continue;
        }
        if w.is_ascii() {
            let mut h: u64 = 0xcbf2_9ce4_8422_2325;
            for b in w.bytes() {
                h ^= b.to_ascii_lowercase() as u64;
                h = h.wrapping_mul(0x0000_0100_0000_01b3);
            }
            out.push(h);
        } else {
            // `str::to_lowercase`, as `words` does (final sigma included).
            out.push(fnv1a(w.to_lowercase().as_bytes()));
        }
    }
    out
}

/// The seeds of the hash family: `mix(i + 1)` for hash function `i`.
fn seeds() -> &'static [u64; SIGNATURE_LEN] {
    static SEEDS: std::sync::OnceLock<[u64; SIGNATURE_LEN]> = std::sync::OnceLock::new();
    SEEDS.get_or_init(|| std::array::from_fn(|i| mix(i as u64 + 1)))
}

/// For every shingle, the minimum into each slot of `sig` of
/// `mix(shingle ^ seed)`'s high half: shingles outside, the 128 hash
/// functions inside, so the compiler runs the inner loop on vectors.
#[inline(always)]
fn min_hashes(shingles: &[u64], seeds: &[u64; SIGNATURE_LEN], sig: &mut [u32; SIGNATURE_LEN]) {
    for &s in shingles {
        for (slot, &seed) in sig.iter_mut().zip(seeds) {
            *slot = (*slot).min((mix(s ^ seed) >> 32) as u32);
        }
    }
}

/// [`min_hashes`] compiled for AVX-512 (a 64-bit multiply per lane).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq,avx512vl")]
fn min_hashes_avx512(
    shingles: &[u64],
    seeds: &[u64; SIGNATURE_LEN],
    sig: &mut [u32; SIGNATURE_LEN],
) {
    min_hashes(shingles, seeds, sig)
}

/// [`min_hashes`] compiled for AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn min_hashes_avx2(shingles: &[u64], seeds: &[u64; SIGNATURE_LEN], sig: &mut [u32; SIGNATURE_LEN]) {
    min_hashes(shingles, seeds, sig)
}

/// The MinHash signature of `text` ([`SIGNATURE_LEN`] values).
///
/// Integer arithmetic only, so every instruction set gives the same
/// values; the test below checks them against the plain definition.
pub fn signature(text: &str) -> Vec<u32> {
    let hashes = word_hashes(text);
    let mut sig = [EMPTY; SIGNATURE_LEN];
    // A text shorter than one shingle is one shingle of all its words.
    let shingles: Vec<u64> = if hashes.len() < SHINGLE {
        if hashes.is_empty() {
            return sig.to_vec();
        }
        vec![hashes.iter().fold(0u64, |acc, h| mix(acc ^ h))]
    } else {
        hashes
            .windows(SHINGLE)
            .map(|w| w.iter().fold(0u64, |acc, h| mix(acc ^ h)))
            .collect()
    };
    let seeds = seeds();
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512dq")
            && std::arch::is_x86_feature_detected!("avx512vl")
        {
            // SAFETY: the CPU has the features the function is compiled for.
            unsafe { min_hashes_avx512(&shingles, seeds, &mut sig) };
            return sig.to_vec();
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has the features the function is compiled for.
            unsafe { min_hashes_avx2(&shingles, seeds, &mut sig) };
            return sig.to_vec();
        }
    }
    min_hashes(&shingles, seeds, &mut sig);
    sig.to_vec()
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

    /// The signature as first defined: words as strings, hash functions
    /// outside, shingles inside.
    fn signature_plain(text: &str) -> Vec<u32> {
        let hashes: Vec<u64> = words(text).iter().map(|w| fnv1a(w.as_bytes())).collect();
        let mut sig = vec![EMPTY; SIGNATURE_LEN];
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

    #[test]
    fn signatures_are_the_plain_ones_on_every_instruction_set() {
        let texts = [
            "",
            "one",
            "one two",
            "The minister said the talks had FAILED, again.",
            "ΟΔΥΣΣΕΥΣ ΚΑΙ ΣΟΦΙΑ: Ο λόγος της Αθήνας",
            "Ёлка, ЁЛКА и «йогурт» — 2024 г.",
            "Żółć gęślą jaźń; İstanbul ǅemal ß STRASSE",
            "日本語のテキスト and ascii words mixed 123 4x5",
        ];
        let long: String = (0..3000).map(|i| format!("w{} ", i % 701)).collect();
        for text in texts.iter().copied().chain([long.as_str()]) {
            let want = signature_plain(text);
            assert_eq!(signature(text), want, "{text:?}");
            let hashes = word_hashes(text);
            let plain: Vec<u64> = words(text).iter().map(|w| fnv1a(w.as_bytes())).collect();
            assert_eq!(hashes, plain, "{text:?}");
            // The plain loop, whatever the CPU.
            if hashes.len() >= SHINGLE {
                let shingles: Vec<u64> = hashes
                    .windows(SHINGLE)
                    .map(|w| w.iter().fold(0u64, |acc, h| mix(acc ^ h)))
                    .collect();
                let mut sig = [EMPTY; SIGNATURE_LEN];
                min_hashes(&shingles, seeds(), &mut sig);
                assert_eq!(sig.to_vec(), want, "{text:?}");
                each_vector_version(&shingles, &want);
            }
        }
    }

    /// The vector versions this CPU can run give `want` too.
    fn each_vector_version(shingles: &[u64], want: &[u32]) {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2") {
                let mut sig = [EMPTY; SIGNATURE_LEN];
                // SAFETY: the CPU has AVX2.
                unsafe { min_hashes_avx2(shingles, seeds(), &mut sig) };
                assert_eq!(sig.to_vec(), want);
            }
            if std::arch::is_x86_feature_detected!("avx512f")
                && std::arch::is_x86_feature_detected!("avx512dq")
                && std::arch::is_x86_feature_detected!("avx512vl")
            {
                let mut sig = [EMPTY; SIGNATURE_LEN];
                // SAFETY: the CPU has these AVX-512 features.
                unsafe { min_hashes_avx512(shingles, seeds(), &mut sig) };
                assert_eq!(sig.to_vec(), want);
            }
        }
    }

    #[test]
    fn signatures_are_the_plain_ones_on_the_semeval_articles() {
        let Some(data) = rhetor_testkit::need(
            rhetor_formats::corpus::shared_data_dir(),
            rhetor_testkit::SEMEVAL_DATA,
        ) else {
            return;
        };
        let mut n = 0;
        for lang in std::fs::read_dir(&data).unwrap() {
            let dir = lang.unwrap().path().join("train-articles");
            let Ok(files) = std::fs::read_dir(&dir) else {
                continue;
            };
            for f in files {
                let text = std::fs::read_to_string(f.unwrap().path()).unwrap();
                assert_eq!(signature(&text), signature_plain(&text));
                n += 1;
            }
        }
        assert!(n > 1000, "only {n} articles read under {}", data.display());
    }

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
