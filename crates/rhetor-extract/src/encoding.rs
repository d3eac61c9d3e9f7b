//! Bytes of a web page to UTF-8, the way a browser decides the encoding:
//! a byte-order mark first, then the HTTP `Content-Type` charset, then a
//! `<meta charset>` / `<meta http-equiv="Content-Type">` in the first 1024
//! bytes, then UTF-8 when the bytes are valid UTF-8, else windows-1252
//! (the WHATWG fallback for documents that declare nothing).

use encoding_rs::Encoding;

/// How far into the page a `<meta charset>` is looked for (the HTML
/// standard's pre-scan reads 1024 bytes).
const PRESCAN: usize = 1024;

/// The charset named in a `Content-Type` value (`text/html; charset=koi8-r`).
pub fn charset_from_content_type(value: &str) -> Option<&str> {
    let lower = value.to_ascii_lowercase();
    let at = lower.find("charset=")? + "charset=".len();
    let rest = &value[at..];
    let rest = rest.trim_start_matches(['"', '\'']);
    let end = rest
        .find(|c: char| c == ';' || c == '"' || c == '\'' || c.is_whitespace())
        .unwrap_or(rest.len());
    let name = &rest[..end];
    (!name.is_empty()).then_some(name)
}

/// The charset a page declares in its first 1024 bytes, if any.
fn meta_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(PRESCAN)];
    let text = String::from_utf8_lossy(head).to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = text[from..].find("<meta") {
        let start = from + i;
        let end = text[start..].find('>').map_or(text.len(), |e| start + e);
        let tag = &text[start..end];
        if let Some(c) = tag.find("charset=") {
            let rest = tag[c + "charset=".len()..].trim_start_matches(['"', '\'']);
            let stop = rest
                .find(|ch: char| {
                    ch == '"' || ch == '\'' || ch == ';' || ch == '/' || ch.is_whitespace()
                })
                .unwrap_or(rest.len());
            if let Some(enc) = Encoding::for_label(rest[..stop].as_bytes()) {
                // A page that says UTF-16 in ASCII bytes is not UTF-16
                // (the standard reads it as UTF-8).
                return Some(
                    if enc == encoding_rs::UTF_16LE || enc == encoding_rs::UTF_16BE {
                        encoding_rs::UTF_8
                    } else {
                        enc
                    },
                );
            }
        }
        from = end;
    }
    None
}

/// Decodes a page; `http_charset` is the charset of the HTTP response's
/// `Content-Type`, when the page came with one (WARC records).
/// Returns the text and the name of the encoding used.
pub fn decode_page(bytes: &[u8], http_charset: Option<&str>) -> (String, &'static str) {
    let encoding = Encoding::for_bom(bytes)
        .map(|(enc, _)| enc)
        .or_else(|| http_charset.and_then(|c| Encoding::for_label(c.trim().as_bytes())))
        .or_else(|| meta_charset(bytes))
        .unwrap_or_else(|| {
            if std::str::from_utf8(bytes).is_ok() {
                encoding_rs::UTF_8
            } else {
                encoding_rs::WINDOWS_1252
            }
        });
    // `decode` removes a BOM and replaces malformed sequences with U+FFFD,
    // as a browser does.
    let (text, used, _) = encoding.decode(bytes);
    (text.into_owned(), used.name())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_type_charset() {
        assert_eq!(
            charset_from_content_type("text/html; charset=KOI8-R"),
            Some("KOI8-R")
        );
        assert_eq!(
            charset_from_content_type("text/html;charset=\"utf-8\""),
            Some("utf-8")
        );
        assert_eq!(charset_from_content_type("text/html"), None);
    }

    #[test]
    fn bom_then_header_then_meta_then_utf8_then_1252() {
        // "é" in windows-1252 is 0xE9; in UTF-8 it is C3 A9.
        let meta1252 = b"<html><head><meta charset=\"windows-1252\"></head><body>caf\xe9</body>";
        assert!(decode_page(meta1252, None).0.contains("café"));
        // The HTTP header wins over the meta tag.
        let (t, enc) = decode_page(b"<meta charset=utf-8>caf\xe9", Some("iso-8859-1"));
        assert!(t.contains("café"));
        assert_eq!(enc, "windows-1252");
        // A BOM wins over both.
        let (t, enc) = decode_page(
            b"\xef\xbb\xbf<meta charset=windows-1251>caf\xc3\xa9",
            Some("koi8-r"),
        );
        assert_eq!(enc, "UTF-8");
        assert!(t.starts_with("<meta") && t.contains("café"));
        // http-equiv form, Cyrillic.
        let cp1251 = b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1251\"><p>\xcc\xee\xf1\xea\xe2\xe0</p>";
        assert!(decode_page(cp1251, None).0.contains("Москва"));
        // Nothing declared: valid UTF-8 stays UTF-8, anything else is 1252.
        assert!(decode_page("<p>café</p>".as_bytes(), None)
            .0
            .contains("café"));
        assert!(decode_page(b"<p>caf\xe9</p>", None).0.contains("café"));
    }
}
