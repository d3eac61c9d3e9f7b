//! WARC files (ISO 28500), plain or gzip'd, as Common Crawl's CC-NEWS
//! writes them: every record its own gzip member, `warcinfo`, `request`,
//! `response` and `metadata` records in turn.
//!
//! Grammar read here (WARC 1.0/1.1):
//!
//! ```text
//! file    = *(record CRLF CRLF)
//! record  = "WARC/" version CRLF *(name ":" value CRLF) CRLF block
//! block   = Content-Length bytes; for `response` records of type
//!           application/http: an HTTP status line, headers, CRLF, body
//! ```
//!
//! Records are read one at a time (a CC-NEWS file is about 1 GB), so memory
//! holds one record. A file cut in the middle of a record yields every
//! complete record before the cut, then one error naming the record.

use crate::{encoding, url_id, Page, Unit};
use flate2::read::MultiGzDecoder;
use std::io::{self, BufRead, BufReader, Read};

/// Counts bytes read, so errors can name the record's byte offset.
struct Counted<R> {
    inner: R,
    offset: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.offset += n as u64;
        Ok(n)
    }
}

/// Reads the records of a WARC stream and turns each HTML response into a
/// [`Page`]; other responses are [`Unit::Skipped`]; `warcinfo`, `request`
/// and `metadata` records are passed over silently.
pub struct WarcReader {
    input: BufReader<Counted<Box<dyn Read + Send>>>,
    name: String,
    /// "decompressed " for gzip'd files: offsets count uncompressed bytes.
    offset_kind: &'static str,
    record: usize,
    done: bool,
}

/// True when `bytes` start with a gzip member.
pub fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0x1f, 0x8b])
}

impl WarcReader {
    /// A reader over `input`, gunzipping it when it starts with a gzip
    /// header (`head` is its first bytes, already read for sniffing and
    /// not consumed from `input`). `name` names the file in messages.
    pub fn new(input: Box<dyn Read + Send>, gzip: bool, name: impl Into<String>) -> Self {
        let (inner, offset_kind): (Box<dyn Read + Send>, _) = if gzip {
            (
                Box::new(MultiGzDecoder::new(BufReader::new(input))),
                "decompressed ",
            )
        } else {
            (input, "")
        };
        WarcReader {
            input: BufReader::with_capacity(1 << 16, Counted { inner, offset: 0 }),
            name: name.into(),
            offset_kind,
            record: 0,
            done: false,
        }
    }

    /// A reader over bytes held in memory (the fuzzing entry point).
    pub fn from_bytes(bytes: Vec<u8>, name: impl Into<String>) -> Self {
        let gzip = is_gzip(&bytes);
        WarcReader::new(Box::new(io::Cursor::new(bytes)), gzip, name)
    }

    fn offset(&self) -> u64 {
        self.input.get_ref().offset - self.input.buffer().len() as u64
    }

    fn fail(&mut self, at: u64, message: impl std::fmt::Display) -> Unit {
        self.done = true;
        Unit::failed(
            format!(
                "{}: WARC record {} ({}byte offset {at})",
                self.name, self.record, self.offset_kind
            ),
            message.to_string(),
        )
    }

    /// Reads one line (without its CRLF); `None` at a clean end of input.
    fn line(&mut self) -> io::Result<Option<Vec<u8>>> {
        let mut line = Vec::new();
        let n = self
            .input
            .by_ref()
            .take(64 * 1024)
            .read_until(b'\n', &mut line)?;
        if n == 0 {
            return Ok(None);
        }
        if line.last() != Some(&b'\n') {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "header line cut short or longer than 64 KiB",
            ));
        }
        while matches!(line.last(), Some(b'\n' | b'\r')) {
            line.pop();
        }
        Ok(Some(line))
    }

    /// The next unit, or `None` at the end.
    fn next_unit(&mut self) -> Option<Unit> {
        loop {
            if self.done {
                return None;
            }
            // Skip the blank lines that end the previous record.
            let start;
            let version = loop {
                let at = self.offset();
                match self.line() {
                    Ok(None) => {
                        self.done = true;
                        return None;
                    }
                    Ok(Some(l)) if l.is_empty() => continue,
                    Ok(Some(l)) => {
                        start = at;
                        break l;
                    }
                    Err(e) => {
                        self.record += 1;
                        return Some(self.fail(at, format!("cut short: {e}")));
                    }
                }
            };
            self.record += 1;
            if !version.starts_with(b"WARC/") {
                return Some(self.fail(start, "not a WARC record (no WARC/ version line)"));
            }
            let mut headers: Vec<(String, String)> = Vec::new();
            loop {
                match self.line() {
                    Ok(Some(l)) if l.is_empty() => break,
                    Ok(Some(l)) => {
                        let l = String::from_utf8_lossy(&l);
                        if let Some((k, v)) = l.split_once(':') {
                            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
                        }
                    }
                    Ok(None) => return Some(self.fail(start, "cut short in its headers")),
                    Err(e) => return Some(self.fail(start, format!("cut short: {e}"))),
                }
            }
            let get = |name: &str| {
                headers
                    .iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.as_str())
            };
            let Some(length) = get("content-length").and_then(|v| v.parse::<u64>().ok()) else {
                return Some(self.fail(start, "no valid Content-Length"));
            };
            let kind = get("warc-type").unwrap_or("").to_ascii_lowercase();
            let uri = get("warc-target-uri").map(|u| u.trim_matches(['<', '>']).to_string());
            let date = get("warc-date").map(str::to_string);
            let block_type = get("content-type").unwrap_or("").to_ascii_lowercase();
            let mut block = Vec::new();
            let take = if kind == "response" { length } else { 0 };
            if let Err(e) = self.input.by_ref().take(take).read_to_end(&mut block) {
                return Some(self.fail(start, format!("cut short: {e}")));
            }
            if (block.len() as u64) < take {
                return Some(self.fail(
                    start,
                    format!("cut short: {} of {length} block bytes", block.len()),
                ));
            }
            if take < length {
                let skip = length - take;
                match io::copy(&mut self.input.by_ref().take(skip), &mut io::sink()) {
                    Ok(n) if n == skip => {}
                    Ok(n) => {
                        return Some(
                            self.fail(start, format!("cut short: {n} of {length} block bytes")),
                        )
                    }
                    Err(e) => return Some(self.fail(start, format!("cut short: {e}"))),
                }
            }
            if kind != "response" {
                continue;
            }
            let location = format!(
                "{}: WARC record {} ({}byte offset {start})",
                self.name, self.record, self.offset_kind
            );
            if !block_type.starts_with("application/http") {
                return Some(Unit::Skipped {
                    location,
                    reason: format!("not an HTTP response ({block_type})"),
                });
            }
            return Some(http_response(location, block, uri, date));
        }
    }
}

impl Iterator for WarcReader {
    type Item = Unit;
    fn next(&mut self) -> Option<Unit> {
        self.next_unit()
    }
}

/// Splits an HTTP response into its headers and body and keeps it when it
/// is a successful HTML response.
fn http_response(
    location: String,
    block: Vec<u8>,
    uri: Option<String>,
    date: Option<String>,
) -> Unit {
    let split = block
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| (i, i + 4))
        .or_else(|| {
            block
                .windows(2)
                .position(|w| w == b"\n\n")
                .map(|i| (i, i + 2))
        });
    let Some((head_end, body_start)) = split else {
        return Unit::failed(location, "HTTP response without a header/body separator");
    };
    let head = String::from_utf8_lossy(&block[..head_end]);
    let mut lines = head.lines();
    let status: u16 = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mut content_type = String::new();
    let mut chunked = false;
    let mut gzip = false;
    for line in lines {
        if let Some((k, v)) = line.split_once(':') {
            let (k, v) = (k.trim().to_ascii_lowercase(), v.trim());
            match k.as_str() {
                "content-type" => content_type = v.to_string(),
                "transfer-encoding" => chunked = v.eq_ignore_ascii_case("chunked"),
                "content-encoding" => {
                    gzip = matches!(v.to_ascii_lowercase().as_str(), "gzip" | "x-gzip")
                }
                _ => {}
            }
        }
    }
    let mime = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if !(200..300).contains(&status) {
        return Unit::Skipped {
            location,
            reason: format!("HTTP status {status}"),
        };
    }
    if mime != "text/html" && mime != "application/xhtml+xml" {
        return Unit::Skipped {
            location,
            reason: format!(
                "not HTML ({})",
                if mime.is_empty() {
                    "no Content-Type"
                } else {
                    &mime
                }
            ),
        };
    }
    let mut body = block[body_start..].to_vec();
    if chunked {
        match dechunk(&body) {
            Some(b) => body = b,
            None => return Unit::failed(location, "malformed chunked HTTP body"),
        }
    }
    if gzip {
        let mut out = Vec::new();
        if let Err(e) = flate2::read::GzDecoder::new(&body[..]).read_to_end(&mut out) {
            return Unit::failed(location, format!("gzip'd HTTP body unreadable: {e}"));
        }
        body = out;
    }
    let id = uri
        .as_deref()
        .map(url_id)
        .unwrap_or_else(|| url_id(&location));
    Unit::Page(Page {
        location,
        bytes: body,
        id,
        url: uri,
        published: date,
        source: None,
        http_charset: encoding::charset_from_content_type(&content_type).map(str::to_string),
    })
}

/// Decodes an HTTP/1.1 chunked body.
fn dechunk(mut data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let eol = data.windows(2).position(|w| w == b"\r\n")?;
        let size_str = std::str::from_utf8(&data[..eol]).ok()?;
        let size = usize::from_str_radix(size_str.split(';').next()?.trim(), 16).ok()?;
        data = &data[eol + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(data.get(..size)?);
        data = data.get(size + 2..)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(kind: &str, uri: &str, block: &[u8], block_type: &str) -> Vec<u8> {
        let mut r = format!(
            "WARC/1.0\r\nWARC-Type: {kind}\r\nWARC-Target-URI: {uri}\r\nWARC-Date: 2024-01-02T03:04:05Z\r\nContent-Type: {block_type}\r\nContent-Length: {}\r\n\r\n",
            block.len()
        )
        .into_bytes();
        r.extend_from_slice(block);
        r.extend_from_slice(b"\r\n\r\n");
        r
    }

    fn http(ct: &str, body: &str) -> Vec<u8> {
        format!("HTTP/1.1 200 OK\r\nContent-Type: {ct}\r\n\r\n{body}").into_bytes()
    }

    #[test]
    fn html_responses_become_pages_others_are_skipped() {
        let mut file = record("warcinfo", "", b"software: test", "application/warc-fields");
        file.extend(record(
            "request",
            "https://a.example/1",
            b"GET /1 HTTP/1.1\r\n\r\n",
            "application/http; msgtype=request",
        ));
        file.extend(record(
            "response",
            "https://a.example/1",
            &http("text/html; charset=utf-8", "<p>x</p>"),
            "application/http; msgtype=response",
        ));
        file.extend(record(
            "response",
            "https://a.example/logo.png",
            &http("image/png", "PNG"),
            "application/http; msgtype=response",
        ));
        let units: Vec<Unit> = WarcReader::from_bytes(file, "t.warc").collect();
        assert_eq!(units.len(), 2, "{units:?}");
        match &units[0] {
            Unit::Page(p) => {
                assert_eq!(p.url.as_deref(), Some("https://a.example/1"));
                assert_eq!(p.published.as_deref(), Some("2024-01-02T03:04:05Z"));
                assert_eq!(p.bytes, b"<p>x</p>");
                assert_eq!(p.http_charset.as_deref(), Some("utf-8"));
                assert!(p.location.contains("WARC record 3"), "{}", p.location);
            }
            u => panic!("{u:?}"),
        }
        assert!(matches!(&units[1], Unit::Skipped { reason, .. } if reason.contains("image/png")));
    }

    #[test]
    fn cut_file_keeps_complete_records_then_names_the_cut_one() {
        let mut file = record(
            "response",
            "https://a.example/1",
            &http("text/html", "<p>one</p>"),
            "application/http",
        );
        let second = record(
            "response",
            "https://a.example/2",
            &http("text/html", "<p>two two two</p>"),
            "application/http",
        );
        let cut_at = file.len();
        file.extend_from_slice(&second[..second.len() - 12]);
        let units: Vec<Unit> = WarcReader::from_bytes(file, "cut.warc").collect();
        assert_eq!(units.len(), 2);
        assert!(matches!(units[0], Unit::Page(_)));
        match &units[1] {
            Unit::Failed(e) => {
                let m = e.to_string();
                assert!(m.contains("cut.warc: WARC record 2"), "{m}");
                assert!(m.contains(&format!("byte offset {cut_at}")), "{m}");
                assert!(m.contains("cut short"), "{m}");
            }
            u => panic!("{u:?}"),
        }
    }

    #[test]
    fn chunked_bodies_are_decoded() {
        assert_eq!(
            dechunk(b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n").unwrap(),
            b"abcde"
        );
        assert!(dechunk(b"zz\r\n").is_none());
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        let units: Vec<Unit> = WarcReader::from_bytes(b"hello\nworld".to_vec(), "x").collect();
        assert_eq!(units.len(), 1);
        assert!(
            matches!(&units[0], Unit::Failed(e) if e.to_string().contains("not a WARC record"))
        );
    }
}
