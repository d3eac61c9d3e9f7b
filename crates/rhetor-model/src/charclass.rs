//! Unicode character properties the featurizer asks about for every
//! character, memoised: std and `unicode-normalization` answer them for
//! non-ASCII characters by searching tables, which showed in profiles of
//! Cyrillic and accented text. Each 256-character page of the Basic
//! Multilingual Plane is filled from those libraries' own answers the first
//! time one of its characters is asked about, so the answers are theirs
//! exactly (a test compares every character).

use std::sync::OnceLock;
use unicode_normalization::IsNormalized;

const ALPHABETIC: u8 = 1;
const NUMERIC: u8 = 2;
const UPPERCASE: u8 = 4;
/// NFKC quick check "No" and "Maybe" (neither: "Yes").
const QC_NO: u8 = 8;
const QC_MAYBE: u8 = 16;

/// What is memoised of one character.
#[derive(Debug, Clone, Copy, Default)]
struct Class {
    flags: u8,
    /// Canonical combining class.
    ccc: u8,
    /// The lower-case form when it is one character, else `'\0'`.
    lower: char,
}

fn compute(c: char) -> Class {
    let qc = match unicode_normalization::is_nfkc_quick(std::iter::once(c)) {
        IsNormalized::Yes => 0,
        IsNormalized::No => QC_NO,
        IsNormalized::Maybe => QC_MAYBE,
    };
    let mut lower = c.to_lowercase();
    let single = match (lower.next(), lower.next()) {
        (Some(l), None) => l,
        _ => '\0',
    };
    Class {
        flags: (c.is_alphabetic() as u8 * ALPHABETIC)
            | (c.is_numeric() as u8 * NUMERIC)
            | (c.is_uppercase() as u8 * UPPERCASE)
            | qc,
        ccc: unicode_normalization::char::canonical_combining_class(c),
        lower: single,
    }
}

fn class(c: char) -> Class {
    static PAGES: [OnceLock<[Class; 256]>; 256] = [const { OnceLock::new() }; 256];
    let u = c as u32;
    match PAGES.get((u >> 8) as usize) {
        Some(page) => page.get_or_init(|| {
            let mut t = [Class::default(); 256];
            for (k, v) in t.iter_mut().enumerate() {
                if let Some(ch) = char::from_u32((u & !0xff) | k as u32) {
                    *v = compute(ch);
                }
            }
            t
        })[(u & 0xff) as usize],
        None => compute(c),
    }
}

/// [`char::is_alphanumeric`].
#[inline]
pub fn is_alphanumeric(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric()
    } else {
        class(c).flags & (ALPHABETIC | NUMERIC) != 0
    }
}

/// [`char::is_alphabetic`].
#[inline]
pub fn is_alphabetic(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphabetic()
    } else {
        class(c).flags & ALPHABETIC != 0
    }
}

/// [`char::is_uppercase`].
#[inline]
pub fn is_uppercase(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_uppercase()
    } else {
        class(c).flags & UPPERCASE != 0
    }
}

/// `unicode_normalization::is_nfkc_quick(text.chars()) == IsNormalized::Yes`,
/// by the same rule (ASCII is always a starter and allowed; a non-starter
/// after one of a higher class, or a character whose quick check is not
/// "Yes", ends it).
pub fn is_nfkc_quick_yes(text: &str) -> bool {
    let mut last_cc = 0u8;
    for c in text.chars() {
        if c.is_ascii() {
            last_cc = 0;
            continue;
        }
        let k = class(c);
        if (last_cc > k.ccc && k.ccc != 0) || k.flags & (QC_NO | QC_MAYBE) != 0 {
            return false;
        }
        last_cc = k.ccc;
    }
    true
}

/// Appends `c`'s lower-case form ([`char::to_lowercase`]) to `out`.
#[inline]
pub fn push_lowercase(out: &mut String, c: char) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
        return;
    }
    match class(c).lower {
        '\0' => out.extend(c.to_lowercase()),
        l => out.push(l),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_the_libraries_answers_for_every_character() {
        for u in (0..0x11_0000u32).step_by(7).chain(0..0x1_0000) {
            if let Some(c) = char::from_u32(u) {
                assert_eq!(is_alphanumeric(c), c.is_alphanumeric(), "{u:#x}");
                assert_eq!(is_alphabetic(c), c.is_alphabetic(), "{u:#x}");
                assert_eq!(is_uppercase(c), c.is_uppercase(), "{u:#x}");
                let mut s = String::new();
                push_lowercase(&mut s, c);
                assert_eq!(s, c.to_lowercase().collect::<String>(), "{u:#x}");
                let one = c.to_string();
                assert_eq!(
                    is_nfkc_quick_yes(&one),
                    unicode_normalization::is_nfkc_quick(one.chars()) == IsNormalized::Yes,
                    "{u:#x}"
                );
            }
        }
    }

    #[test]
    fn nfkc_quick_check_follows_combining_order() {
        for s in [
            "e\u{301}",
            "e\u{301}\u{316}",
            "e\u{316}\u{301}",
            "a\u{308}\u{301}x",
            "ﬁne",
            "Ünïcödé «text» — ok",
            "\u{301}",
            "한국어",
            "x\u{1D165}\u{1D16D}",
        ] {
            assert_eq!(
                is_nfkc_quick_yes(s),
                unicode_normalization::is_nfkc_quick(s.chars()) == IsNormalized::Yes,
                "{s:?}"
            );
        }
    }
}
