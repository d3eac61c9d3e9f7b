//! The JSON article object (see the README), as one array or as JSON Lines.

use rhetor_core::Document;
use std::io::{self, Write};

/// Streams documents as a pretty-printed JSON array, one at a time, so a
/// large corpus never has to be held as one JSON value.
pub struct JsonArrayWriter<W: Write> {
    out: W,
    count: usize,
}

impl<W: Write> JsonArrayWriter<W> {
    pub fn new(out: W) -> Self {
        JsonArrayWriter { out, count: 0 }
    }

    pub fn write(&mut self, doc: &Document) -> io::Result<()> {
        self.out
            .write_all(if self.count == 0 { b"[\n" } else { b",\n" })?;
        serde_json::to_writer_pretty(&mut self.out, doc)?;
        self.count += 1;
        Ok(())
    }

    /// The writer underneath.
    pub fn get_ref(&self) -> &W {
        &self.out
    }

    /// The writer underneath, to flush it between documents.
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.out
    }

    /// Closes the array (an empty run prints `[]`).
    pub fn finish(mut self) -> io::Result<W> {
        self.out
            .write_all(if self.count == 0 { b"[]\n" } else { b"\n]\n" })?;
        Ok(self.out)
    }
}

/// Writes one document as one JSON Lines record.
pub fn write_json_line<W: Write>(out: &mut W, doc: &Document) -> io::Result<()> {
    serde_json::to_writer(&mut *out, doc)?;
    out.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use rhetor_core::{Frame, Scored, Technique};

    fn docs() -> Vec<Document> {
        let mut a = Document::from_title_and_body("a", "Héllo", "Un «service» 😀\r\nDeux");
        a.language = Some("fr".into());
        a.frames.push(Scored::new(Frame::Economic, 0.5));
        a.paragraphs[2]
            .techniques
            .push(Scored::new(Technique::Doubt, 0.25));
        let b = Document::from_text("b", "Only a title");
        vec![a, b]
    }

    #[test]
    fn array_round_trips() {
        let mut w = JsonArrayWriter::new(Vec::new());
        for d in &docs() {
            w.write(d).unwrap();
        }
        let bytes = w.finish().unwrap();
        let back: Vec<Document> = serde_json::from_slice(&bytes).unwrap();
        let mut expected = docs();
        for d in &mut expected {
            d.text.clear(); // the raw text is not part of the JSON object
        }
        assert_eq!(back, expected);
    }

    #[test]
    fn empty_array_is_valid_json() {
        let bytes = JsonArrayWriter::new(Vec::new()).finish().unwrap();
        let back: Vec<Document> = serde_json::from_slice(&bytes).unwrap();
        assert!(back.is_empty());
    }

    #[test]
    fn json_lines_round_trip_one_per_line() {
        let mut out = Vec::new();
        for d in &docs() {
            write_json_line(&mut out, d).unwrap();
        }
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.lines().count(), 2);
        let first: Document = serde_json::from_str(text.lines().next().unwrap()).unwrap();
        assert_eq!(first.paragraphs, docs()[0].paragraphs);
        assert_eq!(first.language.as_deref(), Some("fr"));
    }
}
