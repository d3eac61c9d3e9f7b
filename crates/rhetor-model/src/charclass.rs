//! Unicode character properties the featurizer asks about for every
//! character, memoised: std answers them for non-ASCII characters by
//! searching its tables, which showed in profiles of Cyrillic and accented
//! text. Each 256-character page of the Basic Multilingual Plane is filled
//! from std's own answers the first time one of its characters is asked
//! about, so the answers are std's exactly.

use std::sync::OnceLock;

const ALPHABETIC: u8 = 1;
const NUMERIC: u8 = 2;
const UPPERCASE: u8 = 4;

fn compute(c: char) -> u8 {
    (c.is_alphabetic() as u8 * ALPHABETIC)
        | (c.is_numeric() as u8 * NUMERIC)
        | (c.is_uppercase() as u8 * UPPERCASE)
}

fn class(c: char) -> u8 {
    static PAGES: [OnceLock<[u8; 256]>; 256] = [const { OnceLock::new() }; 256];
    let u = c as u32;
    match PAGES.get((u >> 8) as usize) {
        Some(page) => page.get_or_init(|| {
            let mut t = [0u8; 256];
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
        class(c) & (ALPHABETIC | NUMERIC) != 0
    }
}

/// [`char::is_alphabetic`].
#[inline]
pub fn is_alphabetic(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphabetic()
    } else {
        class(c) & ALPHABETIC != 0
    }
}

/// [`char::is_uppercase`].
#[inline]
pub fn is_uppercase(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_uppercase()
    } else {
        class(c) & UPPERCASE != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_std_answers_for_every_character() {
        for u in (0..0x11_0000u32).step_by(7).chain(0..0x3000) {
            if let Some(c) = char::from_u32(u) {
                assert_eq!(is_alphanumeric(c), c.is_alphanumeric(), "{u:#x}");
                assert_eq!(is_alphabetic(c), c.is_alphabetic(), "{u:#x}");
                assert_eq!(is_uppercase(c), c.is_uppercase(), "{u:#x}");
            }
        }
    }
}
