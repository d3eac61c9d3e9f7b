//! Bounded work on unbounded text: a paragraph or an article body longer
//! than a model's window is analysed in pieces of at most that many bytes,
//! so memory grows with the window, not with the input (issue 10: a 50 MB
//! one-line paragraph must not take gigabytes).
//!
//! The windows are chosen so that every SemEval paragraph and article fits
//! in one: on such inputs the models do exactly what they did before
//! windows existed, byte for byte.

/// Paragraphs longer than this many bytes are analysed in windows of at
/// most this size (the longest SemEval paragraph has under 14,000 bytes).
pub const PARAGRAPH_WINDOW: usize = 100_000;

/// Article bodies longer than this many bytes are featurised in windows of
/// at most this size (the longest SemEval article has under 70,000 bytes).
pub const ARTICLE_WINDOW: usize = 1_000_000;

/// At most this many spans are reported per paragraph (SemEval paragraphs
/// get at most 745 from either model; a 50 MB paragraph got 11 million).
pub const MAX_SPANS_PER_PARAGRAPH: usize = 4096;

/// One piece of a text: its offsets in the whole text and its contents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window<'a> {
    /// Byte offset of the window's first byte in the whole text.
    pub byte: usize,
    /// Code-point offset of the window's first character in the whole text.
    pub char: usize,
    /// The window's text.
    pub text: &'a str,
}

/// The largest char boundary of `text` at or below `max`.
pub fn floor_char_boundary(text: &str, max: usize) -> usize {
    if max >= text.len() {
        return text.len();
    }
    let mut i = max;
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The longest prefix of `text` of at most `max` bytes that ends on a char
/// boundary (all of `text` when it is short enough).
pub fn prefix(text: &str, max: usize) -> &str {
    &text[..floor_char_boundary(text, max)]
}

/// Cuts `text` into consecutive windows of at most `max` bytes (`max` ≥ 4)
/// that cover it exactly. A text of at most `max` bytes is one window. A
/// longer one is cut just before the last white space within `max` bytes,
/// so no word is split (the white space starts the next window); a run of
/// `max` bytes without white space is cut at a char boundary.
pub fn windows(text: &str, max: usize) -> impl Iterator<Item = Window<'_>> {
    assert!(max >= 4, "a window must hold any character");
    let (mut byte, mut char, mut done) = (0usize, 0usize, false);
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        let rest = &text[byte..];
        let len = if rest.len() <= max {
            done = true;
            rest.len()
        } else {
            // `hard` > 0: a char has at most 4 bytes.
            let hard = floor_char_boundary(rest, max);
            match rest[..hard].rfind(char::is_whitespace) {
                Some(ws) if ws > 0 => ws,
                _ => hard,
            }
        };
        let w = Window {
            byte,
            char,
            text: &rest[..len],
        };
        byte += len;
        char += w.text.chars().count();
        Some(w)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_cover(text: &str, max: usize) -> Vec<Window<'_>> {
        let ws: Vec<Window> = windows(text, max).collect();
        let joined: String = ws.iter().map(|w| w.text).collect();
        assert_eq!(joined, text, "windows cover the text exactly");
        let mut chars = 0;
        for w in &ws {
            assert!(w.text.len() <= max, "{w:?} over {max} bytes");
            assert_eq!(&text[w.byte..w.byte + w.text.len()], w.text);
            assert_eq!(w.char, chars, "code-point offset of {w:?}");
            chars += w.text.chars().count();
        }
        ws
    }

    #[test]
    fn a_short_text_is_one_window() {
        assert_eq!(check_cover("Une phrase courte.", 100).len(), 1);
        assert_eq!(check_cover("", 100).len(), 1);
        assert_eq!(check_cover("abcd", 4).len(), 1);
    }

    #[test]
    fn long_texts_are_cut_before_white_space_never_inside_a_word() {
        let text = "Les « partenaires » américains veulent aider l’Ukraine, dit-il.";
        for max in [4, 7, 10, 16, 33] {
            let ws = check_cover(text, max);
            assert!(ws.len() > 1);
            for w in &ws[1..] {
                let first = w.text.chars().next().unwrap();
                // A cut falls before white space unless a word is longer
                // than the window.
                let longest = text.split_whitespace().map(str::len).max().unwrap();
                assert!(first.is_whitespace() || longest + 1 > max, "{max}: {w:?}");
            }
        }
    }

    #[test]
    fn text_without_white_space_is_cut_at_char_boundaries() {
        let text = "ééééééééé€€€€𝄞𝄞𝄞abc";
        for max in 4..20 {
            check_cover(text, max);
        }
    }

    #[test]
    fn prefixes_end_on_char_boundaries() {
        assert_eq!(prefix("été", 2), "é");
        assert_eq!(prefix("été", 1), "");
        assert_eq!(prefix("été", 99), "été");
    }
}
