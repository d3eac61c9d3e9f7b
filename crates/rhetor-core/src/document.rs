//! The document model: one article, its paragraphs, and every annotation.

use crate::offsets::OffsetMap;
use crate::taxonomy::{Frame, Genre, Technique};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A label with a confidence score in `[0, 1]`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Scored<T> {
    /// What was found.
    pub label: T,
    /// How confident the model is, in `[0, 1]` (1 for gold labels).
    pub score: f32,
}

impl<T> Scored<T> {
    /// A label with its score.
    pub fn new(label: T, score: f32) -> Self {
        Scored { label, score }
    }
}

/// The article's genre with the probability of every genre.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GenreScores {
    /// The most probable genre after the model's decision rule.
    pub label: Genre,
    /// The probability of each genre; they sum to 1.
    pub scores: BTreeMap<Genre, f32>,
}

impl GenreScores {
    /// A certain (gold) genre: score 1 for `label`, 0 for the others.
    pub fn certain(label: Genre) -> Self {
        let scores = Genre::ALL
            .iter()
            .map(|&g| (g, if g == label { 1.0 } else { 0.0 }))
            .collect();
        GenreScores { label, scores }
    }
}

/// One non-empty line of the article (the title, line 1, included).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Paragraph {
    /// 1-based line number in the source text (title = 1).
    pub line: usize,
    /// Code-point offset of the line's first character in the whole text.
    pub start: usize,
    /// The line's text, without its line terminator (`\n` or `\r\n`).
    pub text: String,
    /// Techniques found in this paragraph.
    #[serde(default)]
    pub techniques: Vec<Scored<Technique>>,
}

impl Paragraph {
    /// Code-point offset just past the paragraph's last character.
    pub fn end(&self) -> usize {
        self.start + self.text.chars().count()
    }
}

/// A technique found at a code-point range `[start, end)` of the whole text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Span {
    /// The technique the span shows.
    pub technique: Technique,
    /// Code-point offset of the span's first character in the whole text.
    pub start: usize,
    /// Code-point offset just past the span's last character.
    pub end: usize,
    /// The covered text (filled from the document when the span is added).
    #[serde(default)]
    pub text: String,
    /// How confident the model is that the span shows the technique, in `[0, 1]`.
    pub score: f32,
}

/// One article and everything rhetor knows about it.
///
/// Serialises to the JSON article object documented in the README; the raw
/// `text` is not part of that object (the paragraphs carry it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    /// The article's id: the SemEval file's number, the JSON record's `id`, or one made from the file name.
    pub id: String,
    /// The first line of the text.
    pub title: String,
    /// ISO 639-1 code, when known or identified.
    pub language: Option<String>,
    /// The model that produced the annotations, when one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// The article's genre, when asked for and found.
    pub genre: Option<GenreScores>,
    #[serde(default)]
    /// The article's frames, most probable first.
    pub frames: Vec<Scored<Frame>>,
    #[serde(default)]
    /// Every non-empty line, the title (line 1) included, with its techniques.
    pub paragraphs: Vec<Paragraph>,
    #[serde(default)]
    /// Technique spans of the whole text, in the order the model found them.
    pub spans: Vec<Span>,
    /// The text exactly as given: all offsets refer to it.
    #[serde(skip)]
    pub text: String,
    /// What a model could not do in full on this document (a paragraph
    /// analysed in windows, spans cut at the bound), one line each, naming
    /// the line. Not part of the JSON object: front ends report them.
    #[serde(skip)]
    pub warnings: Vec<String>,
}

/// Python's `str.isspace()`, which decided which lines the official SemEval
/// templates list: Unicode White_Space plus the ASCII separators 0x1C–0x1F.
pub fn is_semeval_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// True when a line holds something besides white space.
pub fn is_content_line(line: &str) -> bool {
    !line.chars().all(is_semeval_space)
}

impl Document {
    /// Builds a document from an article text laid out as SemEval stores it:
    /// line 1 the title, then one paragraph per line (blank lines allowed).
    pub fn from_text(id: impl Into<String>, text: impl Into<String>) -> Self {
        let text = text.into();
        let mut paragraphs = Vec::new();
        let mut start = 0usize;
        for (i, raw_line) in text.split('\n').enumerate() {
            let len = raw_line.chars().count();
            let line = raw_line.strip_suffix('\r').unwrap_or(raw_line);
            if is_content_line(line) {
                paragraphs.push(Paragraph {
                    line: i + 1,
                    start,
                    text: line.to_string(),
                    techniques: Vec::new(),
                });
            }
            start += len + 1; // the '\n'
        }
        let title = text
            .split('\n')
            .next()
            .unwrap_or("")
            .trim_start_matches('\u{feff}')
            .trim_matches(is_semeval_space)
            .to_string();
        Document {
            id: id.into(),
            title,
            language: None,
            model: None,
            genre: None,
            frames: Vec::new(),
            paragraphs,
            spans: Vec::new(),
            text,
            warnings: Vec::new(),
        }
    }

    /// Builds the text of an article from a title and a body, the way a
    /// SemEval file lays them out (title, an empty line, then the body).
    pub fn from_title_and_body(id: impl Into<String>, title: &str, body: &str) -> Self {
        let text = if title.is_empty() {
            body.to_string()
        } else {
            format!("{title}\n\n{body}")
        };
        Self::from_text(id, text)
    }

    /// The paragraph on source line `line`, if that line is non-empty.
    pub fn paragraph_at_line(&self, line: usize) -> Option<&Paragraph> {
        self.paragraphs
            .binary_search_by_key(&line, |p| p.line)
            .ok()
            .map(|i| &self.paragraphs[i])
    }

    /// Mutable access to the paragraph on source line `line`.
    pub fn paragraph_at_line_mut(&mut self, line: usize) -> Option<&mut Paragraph> {
        match self.paragraphs.binary_search_by_key(&line, |p| p.line) {
            Ok(i) => Some(&mut self.paragraphs[i]),
            Err(_) => None,
        }
    }

    /// The text with the title line left out: what a language identifier or
    /// a reader sees as the article body.
    pub fn body(&self) -> impl Iterator<Item = &str> {
        self.paragraphs
            .iter()
            .filter(|p| p.line > 1)
            .map(|p| p.text.as_str())
    }

    /// Adds a span over code points `[start, end)`, filling its text.
    /// Returns `None` (and adds nothing) when the range is outside the text.
    pub fn add_span(
        &mut self,
        map: &OffsetMap,
        technique: Technique,
        start: usize,
        end: usize,
        score: f32,
    ) -> Option<&Span> {
        let text = map.slice(&self.text, start, end)?.to_string();
        self.spans.push(Span {
            technique,
            start,
            end,
            text,
            score,
        });
        self.spans.last()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_keep_source_lines_and_skip_blank_ones() {
        let doc = Document::from_text("1", "Title here\n\nFirst para.\n \t\nSecond.\n");
        let lines: Vec<usize> = doc.paragraphs.iter().map(|p| p.line).collect();
        assert_eq!(lines, vec![1, 3, 5]);
        assert_eq!(doc.title, "Title here");
        assert_eq!(doc.paragraphs[1].text, "First para.");
        assert_eq!(doc.paragraph_at_line(5).unwrap().text, "Second.");
        assert!(doc.paragraph_at_line(2).is_none());
        assert_eq!(
            doc.body().collect::<Vec<_>>(),
            vec!["First para.", "Second."]
        );
    }

    #[test]
    fn paragraph_starts_are_code_points_with_crlf() {
        let text = "Tïtle\r\n\r\nÇa «va»\r\nend";
        let doc = Document::from_text("x", text);
        let map = OffsetMap::new(text);
        for p in &doc.paragraphs {
            assert_eq!(map.slice(text, p.start, p.end()), Some(p.text.as_str()));
        }
        assert_eq!(doc.paragraphs[1].start, 9);
        assert_eq!(doc.paragraphs[1].text, "Ça «va»");
    }

    #[test]
    fn no_break_space_only_lines_are_blank_but_zero_width_are_not() {
        // Python's isspace() says U+00A0 is space, U+200B is not.
        let doc = Document::from_text("x", "T\n\u{a0}\u{202f}\n\u{200b}\n");
        let lines: Vec<usize> = doc.paragraphs.iter().map(|p| p.line).collect();
        assert_eq!(lines, vec![1, 3]);
    }

    #[test]
    fn bom_is_kept_in_text_but_not_in_title() {
        let doc = Document::from_text("x", "\u{feff}Hello\n\nBody");
        assert_eq!(doc.title, "Hello");
        assert_eq!(doc.paragraphs[0].text, "\u{feff}Hello");
        assert_eq!(doc.paragraphs[1].start, 8);
    }

    #[test]
    fn spans_take_their_text_from_code_points() {
        let mut doc = Document::from_title_and_body("x", "Tête", "Les « aider » américains");
        let map = OffsetMap::new(&doc.text);
        let s = doc
            .add_span(&map, Technique::LoadedLanguage, 12, 17, 0.9)
            .unwrap();
        assert_eq!(s.text, "aider");
        assert!(doc.add_span(&map, Technique::Doubt, 10, 999, 0.5).is_none());
        assert_eq!(doc.spans.len(), 1);
    }

    #[test]
    fn json_object_has_the_documented_fields() {
        let mut doc = Document::from_title_and_body("42", "T", "Body text");
        doc.language = Some("en".into());
        doc.genre = Some(GenreScores::certain(Genre::Satire));
        doc.frames.push(Scored::new(Frame::Political, 0.75));
        doc.paragraphs[1]
            .techniques
            .push(Scored::new(Technique::Doubt, 0.5));
        let v = serde_json::to_value(&doc).unwrap();
        assert_eq!(v["id"], "42");
        assert_eq!(v["genre"]["label"], "satire");
        assert_eq!(v["genre"]["scores"]["satire"], 1.0);
        assert_eq!(v["frames"][0]["label"], "Political");
        assert_eq!(v["paragraphs"][1]["line"], 3);
        assert_eq!(v["paragraphs"][1]["techniques"][0]["label"], "Doubt");
        assert!(v.get("text").is_none());
        let back: Document = serde_json::from_value(v).unwrap();
        assert_eq!(back.paragraphs, doc.paragraphs);
        assert_eq!(back.genre, doc.genre);
    }
}
