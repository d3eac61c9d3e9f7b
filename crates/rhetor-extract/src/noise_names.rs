//! The class and id names of boxes that are not the article (comment
//! sections, share bars, newsletter boxes, ...): what the clean-up of
//! `html.rs` removes and what `prune.rs` cuts before the parse.

use crate::name_keys::{key, lower_key};

/// Class and id words of boxes that are not the article. A class or id
/// matches when one of its words (split at `-` and `_`), or the whole of
/// it, is one of these: `comment-list` does, `commentary` does not.
/// Sorted, for [`is_noise_word`]'s binary search.
pub(crate) const NOISE_WORDS: &[&str] = &[
    "ad",
    "ads",
    "advert",
    "author",
    "breadcrumb",
    "breadcrumbs",
    "byline",
    "caption",
    "comment",
    "comments",
    "consent",
    "cookie",
    "cookies",
    "dateline",
    "gdpr",
    "kicker",
    "meta",
    "more-stories",
    "most-read",
    "newsletter",
    "outbrain",
    "paywall",
    "popular",
    "promo",
    "read-more",
    "readmore",
    "recommended",
    "related",
    "share",
    "sharing",
    "sidebar",
    "signup",
    "social",
    "subscribe",
    "taboola",
    "tags",
    "teaser",
    "teasers",
];

/// Whether a class or id value names a box that is not the article: one
/// of its white-space separated words, or a part of one (split at `-` and
/// `_`), is one of [`NOISE_WORDS`], in any case.
pub(crate) fn is_noise_name(value: &str) -> bool {
    let is_noise = |token: &[u8]| {
        is_noise_word(token) || token.split(|&b| b == b'-' || b == b'_').any(is_noise_word)
    };
    if value.is_ascii() {
        // The white space of `split_whitespace` in ASCII, read as bytes.
        value
            .as_bytes()
            .split(|&b| matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r'))
            .any(|token| !token.is_empty() && is_noise(token))
    } else {
        value
            .split_whitespace()
            .any(|token| is_noise(token.as_bytes()))
    }
}

/// The [`key`]s of [`NOISE_WORDS`], in its order.
pub(crate) const NOISE_KEYS: [u128; NOISE_WORDS.len()] = {
    let mut keys = [0; NOISE_WORDS.len()];
    let mut i = 0;
    while i < NOISE_WORDS.len() {
        keys[i] = key(NOISE_WORDS[i].as_bytes());
        i += 1;
    }
    keys
};

/// The lengths of [`NOISE_WORDS`], shortest and longest, and their first
/// letters as a bit set (bit `n` for the letter `a` + `n`): a word whose
/// length or first letter is not among them is not one of them, known
/// without the lookup (most class and id words are not).
const NOISE_SHAPE: (usize, usize, u32) = {
    let (mut min, mut max, mut letters) = (usize::MAX, 0, 0u32);
    let mut i = 0;
    while i < NOISE_WORDS.len() {
        let w = NOISE_WORDS[i].as_bytes();
        if w.len() < min {
            min = w.len();
        }
        if w.len() > max {
            max = w.len();
        }
        assert!(w[0].is_ascii_lowercase());
        letters |= 1 << (w[0] - b'a');
        i += 1;
    }
    (min, max, letters)
};

/// Whether `word`, in lower case, is one of [`NOISE_WORDS`] (without a
/// lower-case copy: this runs on every class and id of every page).
fn is_noise_word(word: &[u8]) -> bool {
    let (min, max, letters) = NOISE_SHAPE;
    let first = match word.first() {
        Some(b) if b.is_ascii_alphabetic() => b.to_ascii_lowercase() - b'a',
        _ => return false,
    };
    (min..=max).contains(&word.len())
        && letters & (1 << first) != 0
        && lower_key(word).is_some_and(|k| NOISE_KEYS.binary_search(&k).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noise_names_match_whole_words() {
        assert!(is_noise_name("comment-list"));
        assert!(is_noise_name("x cookie_banner"));
        assert!(is_noise_name("more-stories"));
        assert!(!is_noise_name("commentary story-body"));
        assert!(!is_noise_name("headline"));
    }
}
