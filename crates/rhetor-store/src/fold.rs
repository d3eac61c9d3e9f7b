//! Accent folding for full-text search, one character for one character.
//!
//! SQLite's `unicode61 remove_diacritics 2` tokenizer folds the accents of
//! Latin letters but keeps those of Greek (`ά` stays apart from `α`), so
//! rhetor indexes a folded copy of each line: every character becomes the
//! first character of its canonical decomposition (`é` → `e`, `ά` → `α`,
//! `ё` → `е`; `й` and `ї`, letters of their own, are kept), and final sigma becomes `σ`. Case is left to the
//! tokenizer. Because the folding never changes the number of characters,
//! a match found in the folded line is at the same character positions in
//! the line as written, which is how search snippets show the original.

use unicode_normalization::char::{decompose_canonical, is_combining_mark};

/// One character, folded.
pub fn fold_char(c: char) -> char {
    if c.is_ascii() {
        return c;
    }
    match c {
        'ς' => return 'σ',
        // Letters of their own in Russian and Ukrainian, not accented и/і.
        'й' | 'Й' | 'ї' | 'Ї' => return c,
        _ => {}
    }
    let mut base = None;
    decompose_canonical(c, |d| {
        if base.is_none() && !is_combining_mark(d) {
            base = Some(d);
        }
    });
    base.unwrap_or(c)
}

/// A text folded character by character (same number of characters).
pub fn fold(text: &str) -> String {
    text.chars().map(fold_char).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_latin_greek_and_cyrillic_one_char_each() {
        assert_eq!(fold("Élysée, ça"), "Elysee, ca");
        assert_eq!(fold("Αθήνα Ελλάς"), "Αθηνα Ελλασ");
        assert_eq!(fold("Ёлка и йогурт"), "Елка и йогурт");
        assert_eq!(fold("Łódź"), "Łodz"); // Ł has no decomposition
        for s in ["Élysée", "Αθήνα", "Ёлка", "日本語"] {
            assert_eq!(fold(s).chars().count(), s.chars().count());
        }
    }
}

/// Marks where FTS5's `highlight()` opens a match.
pub const OPEN: char = '\u{1}';
/// Marks where FTS5's `highlight()` closes a match.
pub const CLOSE: char = '\u{2}';

/// A snippet of `original` from `highlighted` (the folded line with
/// [`OPEN`]/[`CLOSE`] around matches): the matches between `[[` and `]]`,
/// at most `words` words around the first one, `…` where cut.
pub fn snippet(original: &str, highlighted: &str, words: usize) -> String {
    // Rebuild the original with marks (folding keeps character positions).
    let mut orig = original.chars();
    let mut marked: Vec<(char, bool)> = Vec::new(); // (char, is a mark)
    for h in highlighted.chars() {
        if h == OPEN || h == CLOSE {
            marked.push((h, true));
        } else if let Some(c) = orig.next() {
            marked.push((c, false));
        }
    }
    // Word starts, to cut at word boundaries around the first match.
    let first = marked
        .iter()
        .position(|&(c, m)| m && c == OPEN)
        .unwrap_or(0);
    let mut starts = vec![0usize];
    for i in 1..marked.len() {
        if !marked[i].0.is_whitespace() && marked[i - 1].0.is_whitespace() {
            starts.push(i);
        }
    }
    let at = starts.iter().rposition(|&s| s <= first).unwrap_or(0);
    let from = at.saturating_sub(words / 3);
    let to = (from + words).min(starts.len());
    let begin = starts[from];
    let end = if to < starts.len() {
        starts[to]
    } else {
        marked.len()
    };
    let mut out = String::new();
    if from > 0 {
        out.push('…');
    }
    let mut open = false;
    for &(c, m) in &marked[begin..end] {
        match (c, m) {
            (OPEN, true) => {
                out.push_str("[[");
                open = true;
            }
            (CLOSE, true) => {
                out.push_str("]]");
                open = false;
            }
            _ => out.push(c),
        }
    }
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    if open {
        out.push_str("]]");
    }
    if end < marked.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod snippet_tests {
    use super::*;

    #[test]
    fn snippet_shows_the_original_text_with_marks_and_cuts_long_lines() {
        let original = "Le président a parlé à l'Élysée hier soir";
        let hl = "Le \u{1}president\u{2} a parle a l'\u{1}Elysee\u{2} hier soir";
        assert_eq!(
            snippet(original, hl, 24),
            "Le [[président]] a parlé à l'[[Élysée]] hier soir"
        );
        let long: Vec<String> = (0..100).map(|i| format!("w{i}")).collect();
        let mut hl: Vec<String> = long.clone();
        hl[50] = "\u{1}w50\u{2}".into();
        // 24 words from 8 before the match: w42 … w65.
        assert_eq!(
            snippet(&long.join(" "), &hl.join(" "), 24),
            format!(
                "…{} [[w50]] {}…",
                long[42..50].join(" "),
                long[51..66].join(" ")
            )
        );
    }
}
