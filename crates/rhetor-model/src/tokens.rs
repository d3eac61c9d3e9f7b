//! Words of a paragraph: the tokens that the span tagger (`spans.rs`)
//! scores and that the span decision (`evidence.rs`) turns into spans,
//! with their code-point ranges in the article text.

/// A word token with its code-point range in the whole article text.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// First code point of the token in the article text.
    pub start: usize,
    /// One past its last code point.
    pub end: usize,
    /// The token normalised (NFKC, lower case): what its features hash.
    pub norm: String,
    /// The character just before the token (or ' ').
    pub before: char,
    /// The character just after the token (or ' ').
    pub after: char,
    /// Inside a quotation (an odd number of quote marks precede it).
    pub quoted: bool,
    /// The token's shape: `d` digits, `X` all capitals, `Xx` capitalised, `x` otherwise.
    pub shape: &'static str,
}

pub(crate) const QUOTE_MARKS: &[char] = &['"', '«', '»', '“', '”', '„', '‹', '›'];

/// Tokens of a paragraph whose first character is code point `base`.
///
/// One pass over the text's characters: no copy of the paragraph as
/// `char`s and no `String` per word besides its normalised form (the plain
/// version, `tokenize_plain` in `spans.rs`'s tests, collects both; the two
/// give the same tokens).
pub fn tokenize(text: &str, base: usize) -> Vec<Token> {
    let mut out = Vec::new();
    let mut quotes = 0usize;
    // The character before the current one (' ' before the first) and the
    // current one's code-point index.
    let mut prev = ' ';
    let mut cp = 0usize;
    let mut chars = text.char_indices().peekable();
    while let Some((first_byte, c)) = chars.next() {
        if !crate::charclass::is_alphanumeric(c) {
            if QUOTE_MARKS.contains(&c) {
                quotes += 1;
            }
            prev = c;
            cp += 1;
            continue;
        }
        let (s, before) = (cp, prev);
        let mut end_byte = first_byte + c.len_utf8();
        let mut last = c;
        let mut after = ' ';
        cp += 1;
        while let Some(&(b, c)) = chars.peek() {
            if !crate::charclass::is_alphanumeric(c) {
                after = c;
                break;
            }
            end_byte = b + c.len_utf8();
            last = c;
            cp += 1;
            chars.next();
        }
        prev = last;
        let word = &text[first_byte..end_byte];
        out.push(Token {
            start: base + s,
            end: base + cp,
            norm: crate::features::normalize(word),
            before,
            after,
            quoted: quotes % 2 == 1,
            shape: shape_of(word),
        });
    }
    out
}

/// A word's shape: `d` digits, `X` all capitals (two characters or more),
/// `Xx` capitalised, `x` otherwise.
fn shape_of(word: &str) -> &'static str {
    if word.bytes().all(|b| b.is_ascii_digit()) {
        "d"
    } else if word.chars().all(|c| !c.is_lowercase()) && word.chars().nth(1).is_some() {
        "X"
    } else if word.chars().next().is_some_and(|c| c.is_uppercase()) {
        "Xx"
    } else {
        "x"
    }
}
