//! One error type for every input problem, always naming its source.

use std::fmt;

/// Where a problem was found: a file path, `<stdin>`, or a line of either.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The file's path as the user named it, or `<stdin>`.
    pub name: String,
    /// The 1-based line, when the problem is on one.
    pub line: Option<usize>,
}

impl Source {
    /// A whole file (no line).
    pub fn file(name: impl Into<String>) -> Self {
        Source {
            name: name.into(),
            line: None,
        }
    }

    /// The same file at line `line`.
    pub fn at_line(&self, line: usize) -> Self {
        Source {
            name: self.name.clone(),
            line: Some(line),
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{}", self.name, l),
            None => f.write_str(&self.name),
        }
    }
}

/// An input that could not be read; the message names the file (and line or
/// byte offset) so a user can find the problem.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    #[error("{source_name}: {error}")]
    /// Reading failed (permissions, a directory where a file was expected, …).
    Io {
        /// What was being read.
        source_name: Source,
        /// The operating system's error.
        error: std::io::Error,
    },
    #[error("{0}: no such file or directory")]
    /// The file or folder does not exist.
    Missing(Source),
    #[error("{0}: empty input (no text)")]
    /// Nothing but white space.
    Empty(Source),
    #[error("{source_name}: looks like a binary file (NUL byte at byte offset {offset})")]
    /// A NUL byte: not a text file.
    Binary {
        /// What was being read.
        source_name: Source,
        /// Byte offset of the first NUL.
        offset: usize,
    },
    #[error(
        "{0}: looks like UTF-16 without a byte-order mark; \
         save it as UTF-8 (or UTF-16 with a byte-order mark)"
    )]
    /// UTF-16 recognised by its pattern of NUL bytes, but with no mark saying its byte order.
    Utf16NoBom(Source),
    #[error("{source_name}: invalid UTF-16 ({endian}, from its byte-order mark) at byte offset {offset}")]
    /// A UTF-16 file (by its mark) with an unpaired surrogate or an odd length.
    Utf16 {
        /// What was being read.
        source_name: Source,
        /// `little-endian` or `big-endian`.
        endian: &'static str,
        /// Where the bad code unit starts.
        offset: usize,
    },
    #[error("{0}: no article files (*.txt) in this folder")]
    /// A folder with no `*.txt` article in it.
    NoArticles(Source),
    #[error("{source_name}: invalid UTF-8 at byte offset {offset}")]
    /// Bytes that are not UTF-8 (and no UTF-16 mark).
    Utf8 {
        /// What was being read.
        source_name: Source,
        /// Byte offset of the first byte that is not UTF-8.
        offset: usize,
    },
    #[error("{source_name}: {message}")]
    /// A bad row or record: a label file's line, a JSON Lines record.
    Row {
        /// The file and line.
        source_name: Source,
        /// What is wrong with it.
        message: String,
    },
}

impl FormatError {
    /// A bad row of `source` (which names its line).
    pub fn row(source: Source, message: impl Into<String>) -> Self {
        FormatError::Row {
            source_name: source,
            message: message.into(),
        }
    }

    /// An I/O error on `source`; "not found" becomes [`FormatError::Missing`].
    pub fn io(source: Source, error: std::io::Error) -> Self {
        if error.kind() == std::io::ErrorKind::NotFound {
            FormatError::Missing(source)
        } else {
            FormatError::Io {
                source_name: source,
                error,
            }
        }
    }
}

/// Checks raw bytes are text and decodes them: UTF-8, or UTF-16 when they
/// start with a UTF-16 byte-order mark (what some Windows editors save);
/// not empty, no NUL character.
pub fn decode_text(source: &Source, bytes: Vec<u8>) -> Result<String, FormatError> {
    let text = match bytes.as_slice() {
        [0xFF, 0xFE, rest @ ..] => decode_utf16(source, rest, "little-endian")?,
        [0xFE, 0xFF, rest @ ..] => decode_utf16(source, rest, "big-endian")?,
        _ => {
            if let Some(offset) = bytes.iter().position(|&b| b == 0) {
                if looks_like_utf16(&bytes) {
                    return Err(FormatError::Utf16NoBom(source.clone()));
                }
                return Err(FormatError::Binary {
                    source_name: source.clone(),
                    offset,
                });
            }
            String::from_utf8(bytes).map_err(|e| FormatError::Utf8 {
                source_name: source.clone(),
                offset: e.utf8_error().valid_up_to(),
            })?
        }
    };
    if let Some(offset) = text.find('\0') {
        return Err(FormatError::Binary {
            source_name: source.clone(),
            offset,
        });
    }
    if text
        .trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
        .is_empty()
    {
        return Err(FormatError::Empty(source.clone()));
    }
    Ok(text)
}

/// Decodes UTF-16 text after its byte-order mark (`rest`); offsets in
/// errors count from the start of the file, mark included.
fn decode_utf16(source: &Source, rest: &[u8], endian: &'static str) -> Result<String, FormatError> {
    let bad = |offset| FormatError::Utf16 {
        source_name: source.clone(),
        endian,
        offset,
    };
    if rest.len() % 2 == 1 {
        return Err(bad(rest.len() + 1)); // a lone last byte
    }
    let units = rest.chunks_exact(2).map(|p| match endian {
        "little-endian" => u16::from_le_bytes([p[0], p[1]]),
        _ => u16::from_be_bytes([p[0], p[1]]),
    });
    let mut text = String::with_capacity(rest.len());
    let mut at = 2; // byte offset of the next unit, after the mark
    for c in char::decode_utf16(units) {
        match c {
            Ok(c) => {
                text.push(c);
                at += c.len_utf16() * 2;
            }
            Err(_) => return Err(bad(at)),
        }
    }
    Ok(text)
}

/// UTF-16 text without a mark: mostly-ASCII text has a NUL in every other
/// byte, all at even (big-endian) or all at odd (little-endian) offsets.
fn looks_like_utf16(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(1024) & !1];
    if head.len() < 4 {
        return false;
    }
    let pairs = head.len() / 2;
    let nul_even = head.iter().step_by(2).filter(|&&b| b == 0).count();
    let nul_odd = head.iter().skip(1).step_by(2).filter(|&&b| b == 0).count();
    let (most, least) = (nul_even.max(nul_odd), nul_even.min(nul_odd));
    most * 10 >= pairs * 7 && least * 10 <= pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(text: &str, le: bool, bom: bool) -> Vec<u8> {
        let mut out = Vec::new();
        if bom {
            out.extend(if le { [0xFF, 0xFE] } else { [0xFE, 0xFF] });
        }
        for u in text.encode_utf16() {
            out.extend(if le { u.to_le_bytes() } else { u.to_be_bytes() });
        }
        out
    }

    #[test]
    fn utf16_with_a_byte_order_mark_is_decoded() {
        let src = Source::file("win.txt");
        // A character outside the BMP (a surrogate pair) and accents.
        let text = "Titre éàü 😀\r\n\r\nUn paragraphe.";
        for le in [true, false] {
            assert_eq!(decode_text(&src, utf16(text, le, true)).unwrap(), text);
        }
    }

    #[test]
    fn broken_or_unmarked_utf16_is_named_utf16() {
        let src = Source::file("win.txt");
        // An unpaired high surrogate right after "ab": byte 2 + 2*2 = 6.
        let mut bytes = utf16("ab", true, true);
        bytes.extend(0xD800u16.to_le_bytes());
        bytes.extend(utf16("c", true, false));
        let e = decode_text(&src, bytes).unwrap_err().to_string();
        assert!(
            e.contains("invalid UTF-16 (little-endian") && e.contains("offset 6"),
            "{e}"
        );
        // An odd byte count.
        let mut bytes = utf16("abc", false, true);
        bytes.push(b'x');
        let e = decode_text(&src, bytes).unwrap_err().to_string();
        assert!(e.contains("invalid UTF-16 (big-endian"), "{e}");
        // No mark: not decoded (its byte order is a guess), but named.
        for le in [true, false] {
            let e = decode_text(&src, utf16("Hello, world\n\nText", le, false))
                .unwrap_err()
                .to_string();
            assert!(
                e.contains("win.txt: looks like UTF-16 without a byte-order mark"),
                "{e}"
            );
        }
        // A real binary file is still called binary.
        let e = decode_text(
            &src,
            b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x03\x00>\x00".to_vec(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("binary"), "{e}");
    }
}
