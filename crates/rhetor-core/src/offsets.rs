//! Code-point ⇄ byte offset conversion.
//!
//! SemEval offsets count Unicode code points of the article text exactly as
//! stored (a BOM, every `\r` of a CRLF file, zero-width spaces all count);
//! Rust strings index bytes. Every conversion in rhetor goes through
//! [`OffsetMap`], so the rule lives in one tested place.

/// Maps between code-point offsets and byte offsets of one text.
#[derive(Debug, Clone)]
pub struct OffsetMap {
    /// `starts[i]` is the byte offset of code point `i`; the last entry is the
    /// text's byte length, so `starts.len() == chars + 1`.
    starts: Vec<u32>,
}

impl OffsetMap {
    /// Builds the map for `text`. Texts over 4 GiB are not supported.
    pub fn new(text: &str) -> Self {
        let mut starts: Vec<u32> = text.char_indices().map(|(b, _)| b as u32).collect();
        starts.push(text.len() as u32);
        OffsetMap { starts }
    }

    /// Number of code points in the text.
    pub fn len_chars(&self) -> usize {
        self.starts.len() - 1
    }

    /// Byte offset of code-point offset `cp` (`cp == len_chars()` is the end).
    pub fn byte(&self, cp: usize) -> Option<usize> {
        self.starts.get(cp).map(|&b| b as usize)
    }

    /// Code-point offset of byte offset `byte`, if it falls on a char boundary.
    pub fn char_at_byte(&self, byte: usize) -> Option<usize> {
        self.starts.binary_search(&(byte as u32)).ok()
    }

    /// Code-point offset of the char containing byte `byte` (rounding down to
    /// the nearest boundary); bytes past the end map to `len_chars()`.
    pub fn char_floor(&self, byte: usize) -> usize {
        match self.starts.binary_search(&(byte as u32)) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        }
    }

    /// Byte range of the half-open code-point range `[start, end)`.
    pub fn byte_range(&self, start: usize, end: usize) -> Option<std::ops::Range<usize>> {
        if start > end {
            return None;
        }
        Some(self.byte(start)?..self.byte(end)?)
    }

    /// The slice of `text` (the text this map was built from) covering
    /// code points `[start, end)`.
    pub fn slice<'t>(&self, text: &'t str, start: usize, end: usize) -> Option<&'t str> {
        text.get(self.byte_range(start, end)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_offsets_are_identity() {
        let m = OffsetMap::new("hello");
        assert_eq!(m.len_chars(), 5);
        for i in 0..=5 {
            assert_eq!(m.byte(i), Some(i));
            assert_eq!(m.char_at_byte(i), Some(i));
        }
        assert_eq!(m.byte(6), None);
    }

    #[test]
    fn multibyte_letters_count_once() {
        // é is 2 bytes, ж 2 bytes, 한 3 bytes.
        let text = "éж한x";
        let m = OffsetMap::new(text);
        assert_eq!(m.len_chars(), 4);
        assert_eq!(m.byte(1), Some(2));
        assert_eq!(m.byte(2), Some(4));
        assert_eq!(m.byte(3), Some(7));
        assert_eq!(m.slice(text, 2, 4), Some("한x"));
        assert_eq!(m.char_at_byte(3), None, "inside a char is no boundary");
        assert_eq!(m.char_floor(3), 1);
        assert_eq!(m.char_floor(100), 4);
    }

    #[test]
    fn crlf_counts_every_carriage_return() {
        let text = "Title\r\n\r\nBody «aider» here\r\n";
        let m = OffsetMap::new(text);
        // "Title" 5 + \r\n 2 + \r\n 2 => "Body" starts at code point 9.
        assert_eq!(m.slice(text, 9, 13), Some("Body"));
        // « is 2 bytes; "aider" starts at cp 15.
        assert_eq!(m.slice(text, 15, 20), Some("aider"));
        assert_eq!(m.len_chars(), text.chars().count());
    }

    #[test]
    fn emoji_and_bom_are_single_code_points() {
        // U+1F600 is 4 bytes in UTF-8 (and 2 UTF-16 units, which SemEval does not count).
        let text = "\u{FEFF}ok 😀 fine";
        let m = OffsetMap::new(text);
        assert_eq!(m.slice(text, 1, 3), Some("ok"));
        assert_eq!(m.slice(text, 4, 5), Some("😀"));
        assert_eq!(m.slice(text, 6, 10), Some("fine"));
        assert_eq!(m.byte(6), Some(3 + 3 + 4 + 1));
    }

    #[test]
    fn bad_ranges_are_none() {
        let m = OffsetMap::new("abc");
        assert_eq!(m.byte_range(2, 1), None);
        assert_eq!(m.byte_range(0, 4), None);
        assert_eq!(m.slice("abc", 0, 3), Some("abc"));
    }
}
