//! Readers for the four SemEval-2023 Task 3 label files.
//!
//! Each reader fails on the first malformed row with an error naming the file
//! and line: a wrong column count, a non-numeric line or offset, an unknown
//! label, or a span whose end is not after its start.

use crate::error::{decode_text, FormatError, Source};
use rhetor_core::taxonomy::parse_label_list;
use rhetor_core::{Frame, Genre, Technique};
use std::path::Path;

/// `id<TAB>genre` (subtask 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenreRow {
    /// The article's id.
    pub id: String,
    /// Its genre.
    pub genre: Genre,
}

/// `id<TAB>F1,F2,…` (subtask 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FramesRow {
    /// The article's id.
    pub id: String,
    /// Its frames (possibly none).
    pub frames: Vec<Frame>,
}

/// `id<TAB>line<TAB>T1,T2,…` (subtask 3, paragraph level).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TechniquesRow {
    /// The article's id.
    pub id: String,
    /// The paragraph's 1-based line in the article file (1 is the title).
    pub line: usize,
    /// Its techniques (possibly none).
    pub techniques: Vec<Technique>,
}

/// `id<TAB>Technique<TAB>start<TAB>end` (subtask 3, spans), code points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpanRow {
    /// The article's id.
    pub id: String,
    /// The technique the span shows.
    pub technique: Technique,
    /// Code-point offset of the span's first character in the article file.
    pub start: usize,
    /// Code-point offset just past its last character.
    pub end: usize,
    /// Line of the label file the row came from, for later error messages.
    pub row: usize,
}

fn read_file(path: &Path) -> Result<(Source, String), FormatError> {
    let source = Source::file(path.display().to_string());
    let bytes = std::fs::read(path).map_err(|e| FormatError::io(source.clone(), e))?;
    if bytes.is_empty() {
        // An empty label file is a valid "no labels".
        return Ok((source, String::new()));
    }
    let text = decode_text(&source, bytes).or_else(|e| match e {
        FormatError::Empty(_) => Ok(String::new()),
        e => Err(e),
    })?;
    Ok((source, text))
}

/// Splits label text into (line number, tab-separated fields), skipping blank lines.
fn rows(text: &str) -> impl Iterator<Item = (usize, Vec<&str>)> {
    text.split('\n').enumerate().filter_map(|(i, line)| {
        let line = line.strip_suffix('\r').unwrap_or(line);
        (!line.trim().is_empty()).then(|| (i + 1, line.split('\t').collect()))
    })
}

fn field_count(
    at: &Source,
    fields: &[&str],
    min: usize,
    max: usize,
    what: &str,
) -> Result<(), FormatError> {
    if fields.len() < min || fields.len() > max {
        return Err(FormatError::row(
            at.clone(),
            format!(
                "expected {what} ({} tab-separated fields), found {}",
                max,
                fields.len()
            ),
        ));
    }
    if fields[0].trim().is_empty() {
        return Err(FormatError::row(at.clone(), "empty article id"));
    }
    Ok(())
}

fn number(at: &Source, value: &str, what: &str) -> Result<usize, FormatError> {
    value.trim().parse::<usize>().map_err(|_| {
        FormatError::row(
            at.clone(),
            format!("{what} {value:?} is not a non-negative integer"),
        )
    })
}

fn label_err(at: &Source, e: rhetor_core::LabelError) -> FormatError {
    FormatError::row(at.clone(), e.to_string())
}

/// Parses a subtask 1 label file's text; errors name `source` and the line.
pub fn parse_genres(source: &Source, text: &str) -> Result<Vec<GenreRow>, FormatError> {
    rows(text)
        .map(|(n, f)| {
            let at = source.at_line(n);
            field_count(&at, &f, 2, 2, "id<TAB>genre")?;
            let genre = f[1].trim().parse().map_err(|e| label_err(&at, e))?;
            Ok(GenreRow {
                id: f[0].trim().to_string(),
                genre,
            })
        })
        .collect()
}

/// Parses a subtask 2 label file's text (an article with no frame has an empty second field, or none).
pub fn parse_frames(source: &Source, text: &str) -> Result<Vec<FramesRow>, FormatError> {
    rows(text)
        .map(|(n, f)| {
            let at = source.at_line(n);
            field_count(&at, &f, 1, 2, "id<TAB>frames")?;
            let frames =
                parse_label_list(f.get(1).copied().unwrap_or("")).map_err(|e| label_err(&at, e))?;
            Ok(FramesRow {
                id: f[0].trim().to_string(),
                frames,
            })
        })
        .collect()
}

/// Parses a subtask 3 paragraph label file's text.
pub fn parse_techniques(source: &Source, text: &str) -> Result<Vec<TechniquesRow>, FormatError> {
    rows(text)
        .map(|(n, f)| {
            let at = source.at_line(n);
            field_count(&at, &f, 2, 3, "id<TAB>line<TAB>techniques")?;
            let line = number(&at, f[1], "line number")?;
            if line == 0 {
                return Err(FormatError::row(at, "line numbers start at 1"));
            }
            let techniques =
                parse_label_list(f.get(2).copied().unwrap_or("")).map_err(|e| label_err(&at, e))?;
            Ok(TechniquesRow {
                id: f[0].trim().to_string(),
                line,
                techniques,
            })
        })
        .collect()
}

/// Parses a subtask 3 span label file's text.
pub fn parse_spans(source: &Source, text: &str) -> Result<Vec<SpanRow>, FormatError> {
    rows(text)
        .map(|(n, f)| {
            let at = source.at_line(n);
            field_count(&at, &f, 4, 4, "id<TAB>technique<TAB>start<TAB>end")?;
            let technique = f[1].trim().parse().map_err(|e| label_err(&at, e))?;
            let start = number(&at, f[2], "start offset")?;
            let end = number(&at, f[3], "end offset")?;
            if end <= start {
                return Err(FormatError::row(
                    at,
                    format!("span end {end} is not after its start {start}"),
                ));
            }
            Ok(SpanRow {
                id: f[0].trim().to_string(),
                technique,
                start,
                end,
                row: n,
            })
        })
        .collect()
}

/// Reads and parses a genre label file.
pub fn read_genres(path: &Path) -> Result<Vec<GenreRow>, FormatError> {
    let (s, t) = read_file(path)?;
    parse_genres(&s, &t)
}

/// Reads and parses a frames label file.
pub fn read_frames(path: &Path) -> Result<Vec<FramesRow>, FormatError> {
    let (s, t) = read_file(path)?;
    parse_frames(&s, &t)
}

/// Reads and parses a paragraph techniques label file.
pub fn read_techniques(path: &Path) -> Result<Vec<TechniquesRow>, FormatError> {
    let (s, t) = read_file(path)?;
    parse_techniques(&s, &t)
}

/// Reads and parses a span label file.
pub fn read_spans(path: &Path) -> Result<Vec<SpanRow>, FormatError> {
    let (s, t) = read_file(path)?;
    parse_spans(&s, &t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src() -> Source {
        Source::file("labels.txt")
    }

    #[test]
    fn reads_every_row_kind() {
        let g = parse_genres(&src(), "1\topinion\n2\tsatire\r\n").unwrap();
        assert_eq!(
            g[1],
            GenreRow {
                id: "2".into(),
                genre: Genre::Satire
            }
        );
        let f = parse_frames(&src(), "1\tEconomic,Political\n2\t\n").unwrap();
        assert_eq!(f[0].frames, vec![Frame::Economic, Frame::Political]);
        assert!(f[1].frames.is_empty());
        let t = parse_techniques(&src(), "1\t1\t\n1\t3\tDoubt,Slogans\n1\t5\n").unwrap();
        assert_eq!(t[1].techniques, vec![Technique::Doubt, Technique::Slogans]);
        assert!(t[0].techniques.is_empty() && t[2].techniques.is_empty());
        let s = parse_spans(&src(), "\n1\tDoubt\t10\t20\n").unwrap();
        assert_eq!((s[0].start, s[0].end, s[0].row), (10, 20, 2));
    }

    #[test]
    fn malformed_rows_name_file_and_line() {
        let e = parse_techniques(&src(), "1\t1\t\n1\tthree\tDoubt\n")
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "labels.txt:2: line number \"three\" is not a non-negative integer"
        );
        let e = parse_techniques(&src(), "1\t0\tDoubt\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("labels.txt:1: line numbers start at 1"),
            "{e}"
        );
        let e = parse_frames(&src(), "1\tEconomic,Money\n")
            .unwrap_err()
            .to_string();
        assert_eq!(e, "labels.txt:1: unknown frame label \"Money\"");
        let e = parse_genres(&src(), "1\topinion\textra\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("labels.txt:1: expected id<TAB>genre"), "{e}");
        let e = parse_spans(&src(), "1\tDoubt\t20\t10\n")
            .unwrap_err()
            .to_string();
        assert_eq!(e, "labels.txt:1: span end 10 is not after its start 20");
        let e = parse_spans(&src(), "1\tDoubt\t-3\t10\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("start offset \"-3\""), "{e}");
        let e = parse_spans(&src(), "1\tDoubts\t1\t10\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown technique label \"Doubts\""), "{e}");
    }
}
