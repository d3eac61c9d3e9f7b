//! JSON Lines: the one JSON article parser ([`JsonArticle`]), the
//! [`Record`]s inputs are read as, and the streaming reader
//! ([`JsonLinesReader`]) that reads a file or stdin a line at a time.

use super::read_article_file;
use crate::error::{decode_text, FormatError, Source};
use rhetor_core::Document;
use serde::Deserialize;
use std::io::{BufRead, Read};
use std::path::PathBuf;
use std::sync::Arc;

/// One article record, as JSON: a line of JSON Lines input (`analyze`,
/// `extract`, `ingest`) and the body of the HTTP API's article routes, all
/// read by this one parser. `{"id": …, "title": …, "text": …}`: `text`
/// is required, `id` and `title` are optional. The metadata `rhetor
/// extract` writes (`url`, `source`, `published`, `language`) is read too,
/// so its output can be piped into `analyze`; the language is identified
/// again from the text, as for every other input.
///
/// The rule for other fields: **unknown fields are ignored**, so records
/// that other tools enrich with their own fields can be analysed as they
/// are. A known field of the wrong type is an error, and so is anything
/// but a JSON object (serde's derive would also take an array of the
/// values in order, which is a client's bug, not an article).
#[derive(Debug, Default)]
pub struct JsonArticle {
    /// The article's id; `<stem>-<line>` when absent.
    pub id: Option<String>,
    /// The title; when absent, the text's first line is the title.
    pub title: Option<String>,
    /// The article's text, paragraphs separated by line breaks (required).
    pub text: String,
    /// Where the article was published (as `rhetor extract` writes it).
    pub url: Option<String>,
    /// The outlet's name.
    pub source: Option<String>,
    /// The publication date, ISO 8601.
    pub published: Option<String>,
    /// The language the record claims; rhetor identifies it again from the text.
    pub language: Option<String>,
    /// The span decision a request asks for (`precise`, `balanced`,
    /// `recall`); read by the HTTP API, ignored in JSON Lines input (where
    /// `--evidence` decides).
    pub evidence: Option<rhetor_core::Evidence>,
}

/// The fields of a [`JsonArticle`] as serde derives them.
#[derive(Deserialize)]
struct JsonArticleFields {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    title: Option<String>,
    text: String,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    published: Option<String>,
    #[serde(default)]
    language: Option<String>,
    #[serde(default)]
    evidence: Option<rhetor_core::Evidence>,
}

impl<'de> Deserialize<'de> for JsonArticle {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ObjectOnly;
        impl<'de> serde::de::Visitor<'de> for ObjectOnly {
            type Value = JsonArticle;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object with a \"text\" string")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<JsonArticle, A::Error> {
                let f = JsonArticleFields::deserialize(
                    serde::de::value::MapAccessDeserializer::new(map),
                )?;
                Ok(JsonArticle {
                    id: f.id,
                    title: f.title,
                    text: f.text,
                    url: f.url,
                    source: f.source,
                    published: f.published,
                    language: f.language,
                    evidence: f.evidence,
                })
            }
        }
        d.deserialize_map(ObjectOnly)
    }
}

impl JsonArticle {
    /// Turns the record into a document; `fallback_id` names it when it has no id.
    pub fn into_document(self, fallback_id: impl FnOnce() -> String) -> Document {
        let id = self.id.unwrap_or_else(fallback_id);
        match self.title {
            Some(title) => Document::from_title_and_body(id, &title, &self.text),
            None => Document::from_text(id, self.text),
        }
    }
}

/// Parses JSON Lines text: one article per non-blank line. A record without
/// an id gets `<stem>-<line>`.
pub fn parse_json_lines(
    source: &Source,
    stem: &str,
    text: &str,
) -> Vec<Result<Document, FormatError>> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, line)| parse_json_line(source, stem, i + 1, line))
        .collect()
}

/// One non-blank line of JSON Lines input (`line` counts from 1).
fn parse_json_line(
    source: &Source,
    stem: &str,
    line: usize,
    text: &str,
) -> Result<Document, FormatError> {
    let at = source.at_line(line);
    let rec: JsonArticle = serde_json::from_str(text)
        .map_err(|e| FormatError::row(at.clone(), format!("invalid JSON Lines record: {e}")))?;
    if rec.text.trim().is_empty() && rec.title.as_deref().unwrap_or("").trim().is_empty() {
        return Err(FormatError::Empty(at));
    }
    Ok(rec.into_document(|| format!("{stem}-{line}")))
}

/// One unit of input, cheap to produce in order and turned into its
/// document by [`Record::into_document`] (which can run in parallel): an
/// article file still to read, one line of JSON Lines still to parse, a
/// document already read, or an error.
#[derive(Debug)]
pub enum Record {
    /// An article file, read by `into_document`.
    File(PathBuf),
    /// One non-blank line of a JSON Lines file or of stdin.
    Line {
        /// The file (or `<stdin>`) the line is from.
        source: Arc<Source>,
        /// Fallback ids are `<stem>-<line>`.
        stem: Arc<str>,
        /// The line's number, from 1.
        line: usize,
        /// The line's bytes, without its line break.
        bytes: Vec<u8>,
    },
    /// A document read whole (stdin as one article).
    Document(Document),
    /// An input that cannot give a document.
    Failed(FormatError),
}

impl Record {
    /// Reads or parses the record into its document.
    pub fn into_document(self) -> Result<Document, FormatError> {
        match self {
            Record::File(path) => read_article_file(&path),
            Record::Line {
                source,
                stem,
                line,
                bytes,
            } => {
                let at = source.at_line(line);
                // Not decode_text: its "empty input" for a line of white
                // space and marks would differ from the whole-text parser,
                // which calls that line invalid JSON (found by fuzzing).
                let text = String::from_utf8(bytes).map_err(|e| FormatError::Utf8 {
                    source_name: at.clone(),
                    offset: e.utf8_error().valid_up_to(),
                })?;
                if let Some(offset) = text.find('\0') {
                    return Err(FormatError::Binary {
                        source_name: at,
                        offset,
                    });
                }
                // A UTF-8 byte-order mark some editors put before line 1.
                let text = match line {
                    1 => text.strip_prefix('\u{feff}').unwrap_or(&text),
                    _ => &text,
                };
                parse_json_line(&source, &stem, line, text)
            }
            Record::Document(doc) => Ok(doc),
            Record::Failed(e) => Err(e),
        }
    }
}

/// Streams a JSON Lines file (or stdin) line by line, so a file of any
/// size is read in constant memory (one line at a time, however long that
/// line is). Blank lines are skipped; an input with no record at all gives
/// one [`FormatError::Empty`]. Each line is decoded and parsed later, by
/// [`Record::into_document`]: a bad line is an error naming that line, and
/// the lines after it are still read.
pub struct JsonLinesReader<R> {
    reader: R,
    source: Arc<Source>,
    stem: Arc<str>,
    line: usize,
    records: usize,
    done: bool,
}

impl<R: BufRead> JsonLinesReader<R> {
    /// Reads `reader`; errors name `source`, records without an id get
    /// `<stem>-<line>`.
    pub fn new(reader: R, source: Source, stem: &str) -> Self {
        JsonLinesReader {
            reader,
            source: Arc::new(source),
            stem: stem.into(),
            line: 0,
            records: 0,
            done: false,
        }
    }
}

impl<R: BufRead> Iterator for JsonLinesReader<R> {
    type Item = Record;

    fn next(&mut self) -> Option<Record> {
        if self.done {
            return None;
        }
        loop {
            let mut bytes = Vec::new();
            match self.reader.read_until(b'\n', &mut bytes) {
                Err(e) => {
                    self.done = true;
                    let at = self.source.at_line(self.line + 1);
                    return Some(Record::Failed(FormatError::io(at, e)));
                }
                Ok(0) => {
                    self.done = true;
                    if self.records == 0 {
                        return Some(Record::Failed(FormatError::Empty((*self.source).clone())));
                    }
                    return None;
                }
                Ok(_) => {}
            }
            self.line += 1;
            // The line ending as `str::lines` takes it (what the whole-text
            // parser splits with): one `\n`, and one `\r` just before it; a
            // lone `\r` stays in the line (found by fuzzing: stripping it
            // changed the error an unterminated string gets).
            if bytes.last() == Some(&b'\n') {
                bytes.pop();
                if bytes.last() == Some(&b'\r') {
                    bytes.pop();
                }
            }
            // Blank as `str::trim` sees it (and line 1 of just a UTF-8 mark).
            let blank = std::str::from_utf8(&bytes).is_ok_and(|s| {
                let s = if self.line == 1 {
                    s.trim_start_matches('\u{feff}')
                } else {
                    s
                };
                s.trim().is_empty()
            });
            if blank {
                continue;
            }
            self.records += 1;
            return Some(Record::Line {
                source: self.source.clone(),
                stem: self.stem.clone(),
                line: self.line,
                bytes,
            });
        }
    }
}

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The first byte that is not ASCII white space (after a UTF-8 mark), and
/// every byte read to find it (so the caller can still read them): `None`
/// for an input of nothing else.
fn first_byte(reader: &mut impl BufRead) -> std::io::Result<(Vec<u8>, Option<u8>)> {
    fn first(seen: &[u8]) -> Option<u8> {
        let text = seen.strip_prefix(UTF8_BOM).unwrap_or(seen);
        text.iter().copied().find(|b| !b.is_ascii_whitespace())
    }
    let mut seen = Vec::new();
    loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            let b = first(&seen);
            return Ok((seen, b));
        }
        let n = buf.len();
        seen.extend_from_slice(buf);
        reader.consume(n);
        if seen.len() < UTF8_BOM.len() && UTF8_BOM.starts_with(&seen) {
            continue; // maybe the start of a mark
        }
        if let Some(b) = first(&seen) {
            return Ok((seen, Some(b)));
        }
    }
}

/// Parses a whole input (its source, the stem of fallback ids, its bytes)
/// into its documents.
pub(super) type WholeParser = fn(Source, &str, Vec<u8>) -> Vec<Result<Document, FormatError>>;

/// The records of a JSON Lines file or of stdin: streamed when the input
/// starts with `{` (after white space); otherwise read whole, which is what
/// a UTF-16 file needs (its mark decides how to read it) and what stdin as
/// one article is.
pub(super) fn stream_or_whole<R: BufRead + 'static>(
    mut reader: R,
    source: Source,
    stem: &str,
    whole: WholeParser,
) -> Box<dyn Iterator<Item = Record>> {
    let (head, first) = match first_byte(&mut reader) {
        Ok(x) => x,
        Err(e) => return Box::new(std::iter::once(Record::Failed(FormatError::io(source, e)))),
    };
    let reader = std::io::Cursor::new(head).chain(reader);
    if first == Some(b'{') {
        return Box::new(JsonLinesReader::new(reader, source, stem));
    }
    let mut bytes = Vec::new();
    let mut reader = reader;
    if let Err(e) = reader.read_to_end(&mut bytes) {
        return Box::new(std::iter::once(Record::Failed(FormatError::io(source, e))));
    }
    Box::new(whole(source, stem, bytes).into_iter().map(|r| match r {
        Ok(doc) => Record::Document(doc),
        Err(e) => Record::Failed(e),
    }))
}

/// A whole JSON Lines file (not streamed: UTF-16, or not starting with `{`).
pub(super) fn parse_whole_json_lines(
    source: Source,
    stem: &str,
    bytes: Vec<u8>,
) -> Vec<Result<Document, FormatError>> {
    match decode_text(&source, bytes) {
        Ok(text) => parse_json_lines(&source, stem, &text),
        Err(e) => vec![Err(e)],
    }
}
