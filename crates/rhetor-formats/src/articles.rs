//! Article readers: one file, a directory of `*.txt` files, stdin, JSON
//! Lines (parsed and streamed in `articles/json_lines.rs`).

mod json_lines;

pub use json_lines::{parse_json_lines, JsonArticle, JsonLinesReader, Record};
use json_lines::{parse_whole_json_lines, stream_or_whole};

use crate::error::{decode_text, FormatError, Source};
use rhetor_core::Document;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

/// The id of an article file: `articleNNN.txt` → `NNN`, anything else → its stem.
pub fn article_id_from_path(path: &Path) -> String {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    match stem.strip_prefix("article") {
        Some(rest) if !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()) => {
            rest.to_string()
        }
        _ => stem,
    }
}

/// Reads one article file (line 1 the title, then paragraphs).
pub fn read_article_file(path: &Path) -> Result<Document, FormatError> {
    let source = Source::file(path.display().to_string());
    let bytes = std::fs::read(path).map_err(|e| FormatError::io(source.clone(), e))?;
    let text = decode_text(&source, bytes)?;
    Ok(Document::from_text(article_id_from_path(path), text))
}

/// Something named on the command line, resolved to what must be read.
#[derive(Debug)]
pub enum InputItem {
    /// Stdin (`-`): JSON Lines when it starts with `{`, else one article.
    Stdin,
    /// An article file (`*.txt`, or a file named explicitly).
    Article(PathBuf),
    /// A JSON Lines file (`*.jsonl`, `*.ndjson`), read a line at a time.
    JsonLines(PathBuf),
    /// A name that cannot be read (missing, an empty folder, …).
    Failed(FormatError),
}

fn is_json_lines(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("jsonl" | "ndjson")
    )
}

/// Expands paths: `-` is stdin, a directory is its `*.txt` files sorted by
/// name, `*.jsonl`/`*.ndjson` files are JSON Lines, other files are articles.
/// No paths at all means stdin.
pub fn expand_inputs(paths: &[PathBuf]) -> Vec<InputItem> {
    if paths.is_empty() {
        return vec![InputItem::Stdin];
    }
    let mut items = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            items.push(InputItem::Stdin);
        } else if path.is_dir() {
            match list_articles(path) {
                // A folder of nothing to analyse is almost always a wrong
                // path or a wrong extension: say so instead of printing `[]`.
                Ok(files) if files.is_empty() => items.push(InputItem::Failed(
                    FormatError::NoArticles(Source::file(path.display().to_string())),
                )),
                Ok(files) => items.extend(files.into_iter().map(InputItem::Article)),
                Err(e) => items.push(InputItem::Failed(e)),
            }
        } else if !path.exists() {
            items.push(InputItem::Failed(FormatError::Missing(Source::file(
                path.display().to_string(),
            ))));
        } else if is_json_lines(path) {
            items.push(InputItem::JsonLines(path.clone()));
        } else {
            items.push(InputItem::Article(path.clone()));
        }
    }
    items
}

/// The `*.txt` files of a directory, sorted by file name.
pub fn list_articles(dir: &Path) -> Result<Vec<PathBuf>, FormatError> {
    let source = Source::file(dir.display().to_string());
    let entries = std::fs::read_dir(dir).map_err(|e| FormatError::io(source.clone(), e))?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| FormatError::io(source.clone(), e))?
            .path();
        if path.is_file() && path.extension().is_some_and(|e| e == "txt") {
            files.push(path);
        }
    }
    files.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
    Ok(files)
}

/// Reads stdin whole: JSON Lines when its first non-blank character is `{`,
/// otherwise one article with id `stdin`. [`records`] streams it instead.
pub fn read_stdin() -> Vec<Result<Document, FormatError>> {
    let source = Source::file("<stdin>");
    let mut bytes = Vec::new();
    if let Err(e) = std::io::stdin().lock().read_to_end(&mut bytes) {
        return vec![Err(FormatError::io(source, e))];
    }
    parse_stdin_bytes(bytes)
}

/// The part of [`read_stdin`] that does not touch the process's stdin.
pub fn parse_stdin_bytes(bytes: Vec<u8>) -> Vec<Result<Document, FormatError>> {
    parse_whole(Source::file("<stdin>"), "stdin", bytes)
}

/// A whole input: JSON Lines when its first non-blank character is `{`,
/// otherwise one article with id `stem`.
fn parse_whole(source: Source, stem: &str, bytes: Vec<u8>) -> Vec<Result<Document, FormatError>> {
    match decode_text(&source, bytes) {
        Err(e) => vec![Err(e)],
        Ok(text) if text.trim_start().starts_with('{') => parse_json_lines(&source, stem, &text),
        Ok(text) => vec![Ok(Document::from_text(stem, text))],
    }
}

/// The records of one input item, in order: one for an article file, one
/// per line of JSON Lines (read as they are needed, see
/// [`JsonLinesReader`]), stdin streamed when it is JSON Lines.
pub fn item_records(item: InputItem) -> Box<dyn Iterator<Item = Record>> {
    match item {
        InputItem::Stdin => stream_or_whole(
            BufReader::with_capacity(1 << 16, std::io::stdin()),
            Source::file("<stdin>"),
            "stdin",
            parse_whole,
        ),
        InputItem::Article(path) => Box::new(std::iter::once(Record::File(path))),
        InputItem::JsonLines(path) => {
            let source = Source::file(path.display().to_string());
            let stem = article_id_from_path(&path);
            match File::open(&path) {
                Ok(f) => stream_or_whole(
                    BufReader::with_capacity(1 << 16, f),
                    source,
                    &stem,
                    parse_whole_json_lines,
                ),
                Err(e) => Box::new(std::iter::once(Record::Failed(FormatError::io(source, e)))),
            }
        }
        InputItem::Failed(e) => Box::new(std::iter::once(Record::Failed(e))),
    }
}

/// Every record named by `paths`, in order, read lazily: a JSON Lines file
/// is opened when its turn comes and read a line at a time.
pub fn records(paths: &[PathBuf]) -> impl Iterator<Item = Record> {
    expand_inputs(paths).into_iter().flat_map(item_records)
}

/// Reads one input item into its documents (one, or many for JSON Lines).
pub fn read_item(item: InputItem) -> Vec<Result<Document, FormatError>> {
    item_records(item).map(Record::into_document).collect()
}

/// Reads every document named by `paths`, in order, each a result.
pub fn read_inputs(paths: &[PathBuf]) -> impl Iterator<Item = Result<Document, FormatError>> {
    records(paths).map(Record::into_document)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn ids_come_from_file_names() {
        assert_eq!(article_id_from_path(Path::new("x/article123.txt")), "123");
        assert_eq!(article_id_from_path(Path::new("x/article.txt")), "article");
        assert_eq!(
            article_id_from_path(Path::new("x/articleA1.txt")),
            "articleA1"
        );
        assert_eq!(article_id_from_path(Path::new("my-story.txt")), "my-story");
    }

    #[test]
    fn directory_is_read_sorted_and_only_txt() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("article2.txt"), "Two\n\nBody two").unwrap();
        fs::write(dir.path().join("article10.txt"), "Ten\n\nBody ten").unwrap();
        fs::write(dir.path().join("notes.md"), "ignored").unwrap();
        let docs: Vec<Document> = read_inputs(&[dir.path().to_path_buf()])
            .map(Result::unwrap)
            .collect();
        let ids: Vec<&str> = docs.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids, vec!["10", "2"], "sorted by file name");
        assert_eq!(docs[1].title, "Two");
        assert_eq!(docs[1].paragraphs[1].line, 3);
    }

    #[test]
    fn json_lines_records_become_documents() {
        let src = Source::file("in.jsonl");
        let text = "{\"id\":\"a\",\"title\":\"T\",\"text\":\"P1\\nP2\"}\n\n{\"text\":\"Only\\n\\nbody\"}\n";
        let docs: Vec<Document> = parse_json_lines(&src, "in", text)
            .into_iter()
            .map(Result::unwrap)
            .collect();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].id, "a");
        assert_eq!(docs[0].text, "T\n\nP1\nP2");
        assert_eq!(
            docs[0]
                .paragraphs
                .iter()
                .map(|p| p.line)
                .collect::<Vec<_>>(),
            vec![1, 3, 4]
        );
        assert_eq!(docs[1].id, "in-3");
        assert_eq!(docs[1].title, "Only");
    }

    #[test]
    fn bad_json_lines_name_file_and_line() {
        let src = Source::file("in.jsonl");
        let out = parse_json_lines(&src, "in", "{\"text\":\"ok\"}\n{\"text\": 5}\nnot json\n");
        assert!(out[0].is_ok());
        let e1 = out[1].as_ref().unwrap_err().to_string();
        assert!(e1.starts_with("in.jsonl:2:"), "{e1}");
        let e2 = out[2].as_ref().unwrap_err().to_string();
        assert!(e2.starts_with("in.jsonl:3:"), "{e2}");
    }

    #[test]
    fn stdin_text_is_one_article_and_braces_mean_json_lines() {
        let docs = parse_stdin_bytes(b"Title\n\nBody".to_vec());
        assert_eq!(docs[0].as_ref().unwrap().id, "stdin");
        let docs = parse_stdin_bytes(b"{\"id\":\"q\",\"text\":\"x y\"}".to_vec());
        assert_eq!(docs[0].as_ref().unwrap().id, "q");
    }

    #[test]
    fn bad_files_give_one_clear_error_each() {
        let dir = tempfile::tempdir().unwrap();
        let p = |n: &str| dir.path().join(n);
        fs::write(p("empty.txt"), "").unwrap();
        fs::write(p("blank.txt"), " \n\r\n").unwrap();
        fs::write(p("bin.txt"), b"abc\x00def").unwrap();
        fs::write(p("latin1.txt"), b"caf\xe9 au lait").unwrap();
        let err = |name: &str| read_article_file(&p(name)).unwrap_err().to_string();
        assert!(
            err("empty.txt").contains("empty.txt: empty input"),
            "{}",
            err("empty.txt")
        );
        assert!(err("blank.txt").contains("empty input"));
        assert!(
            err("bin.txt").contains("NUL byte at byte offset 3"),
            "{}",
            err("bin.txt")
        );
        assert!(err("latin1.txt").contains("invalid UTF-8 at byte offset 3"));
        assert!(err("latin1.txt").contains("latin1.txt"));
        let missing = read_inputs(&[p("nope.txt")])
            .next()
            .unwrap()
            .unwrap_err()
            .to_string();
        assert!(missing.contains("nope.txt: no such file"), "{missing}");
    }

    #[test]
    fn a_folder_without_articles_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("notes.md"), "not an article").unwrap();
        let results: Vec<_> = read_inputs(&[dir.path().to_path_buf()]).collect();
        assert_eq!(results.len(), 1);
        let e = results[0].as_ref().unwrap_err().to_string();
        assert_eq!(
            e,
            format!(
                "{}: no article files (*.txt) in this folder",
                dir.path().display()
            )
        );
    }

    #[test]
    fn a_utf16_article_file_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let mut bytes = vec![0xFF, 0xFE];
        for u in "Titre\r\n\r\nCorps élégant".encode_utf16() {
            bytes.extend(u.to_le_bytes());
        }
        fs::write(dir.path().join("article7.txt"), bytes).unwrap();
        let doc = read_article_file(&dir.path().join("article7.txt")).unwrap();
        assert_eq!(doc.title, "Titre");
        assert_eq!(doc.paragraphs.last().unwrap().text, "Corps élégant");
    }

    #[test]
    fn one_bad_file_does_not_hide_the_good_ones() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("a.txt"), "Good\n\nText").unwrap();
        fs::write(dir.path().join("b.txt"), b"\xff\xfe").unwrap();
        fs::write(dir.path().join("c.txt"), "Also good").unwrap();
        let results: Vec<_> = read_inputs(&[dir.path().to_path_buf()]).collect();
        assert_eq!(results.len(), 3);
        assert!(results[0].is_ok() && results[1].is_err() && results[2].is_ok());
    }

    /// Every record of a JSON Lines reader, as documents or error messages.
    fn streamed(bytes: &[u8]) -> Vec<Result<String, String>> {
        JsonLinesReader::new(bytes, Source::file("in.jsonl"), "in")
            .map(|r| r.into_document().map(|d| d.id).map_err(|e| e.to_string()))
            .collect()
    }

    #[test]
    fn streamed_json_lines_read_as_the_whole_file_does() {
        let text = "\u{feff}{\"id\":\"a\",\"text\":\"P1\"}\r\n \t\n\u{a0}\n{\"text\": 5}\n{\"text\":\"x\"}";
        assert_eq!(
            streamed(text.as_bytes()),
            vec![
                Ok("a".to_string()),
                Err("in.jsonl:4: invalid JSON Lines record: invalid type: integer `5`, expected a string at line 1 column 10".to_string()),
                Ok("in-5".to_string()),
            ]
        );
        // Without the mark the whole-text parser agrees, record for record.
        let whole: Vec<_> = parse_json_lines(&Source::file("in.jsonl"), "in", &text[3..])
            .into_iter()
            .map(|r| r.map(|d| d.id).map_err(|e| e.to_string()))
            .collect();
        assert_eq!(whole, streamed(&text.as_bytes()[3..]));
    }

    #[test]
    fn a_bad_line_is_named_and_does_not_stop_the_stream() {
        let out = streamed(
            b"{\"text\":\"a\"}\n{\"text\":\"caf\xe9\"}\n{\"text\":\"nul\x00\"}\n{\"text\":\"b\"}\n",
        );
        assert_eq!(out[0], Ok("in-1".to_string()));
        assert_eq!(
            out[1],
            Err("in.jsonl:2: invalid UTF-8 at byte offset 12".to_string())
        );
        assert!(
            out[2]
                .as_ref()
                .unwrap_err()
                .starts_with("in.jsonl:3: looks like a binary"),
            "{out:?}"
        );
        assert_eq!(out[3], Ok("in-4".to_string()));
    }

    #[test]
    fn an_input_without_records_is_one_empty_error() {
        assert_eq!(
            streamed(b""),
            vec![Err("in.jsonl: empty input (no text)".to_string())]
        );
        assert_eq!(
            streamed(b"\n \r\n"),
            vec![Err("in.jsonl: empty input (no text)".to_string())]
        );
    }

    /// A reader that gives `ready` and then fails, as a pipe whose writer
    /// has not written the rest yet would block.
    struct NotYet(std::io::Cursor<Vec<u8>>);
    impl Read for NotYet {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            match self.0.read(buf)? {
                0 => Err(std::io::Error::other("the rest is not written yet")),
                n => Ok(n),
            }
        }
    }

    #[test]
    fn records_come_before_the_input_ends() {
        let ready = b"{\"id\":\"1\",\"text\":\"a\"}\n{\"id\":\"2\",\"text\":\"b\"}\n".to_vec();
        let mut reader = JsonLinesReader::new(
            BufReader::new(NotYet(std::io::Cursor::new(ready))),
            Source::file("pipe"),
            "pipe",
        );
        let mut next = || reader.next().unwrap().into_document().map(|d| d.id);
        assert_eq!(next().unwrap(), "1");
        assert_eq!(next().unwrap(), "2");
        assert_eq!(
            next().unwrap_err().to_string(),
            "pipe:3: the rest is not written yet"
        );
    }

    #[test]
    fn a_json_lines_file_streams_and_utf16_is_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("a.jsonl");
        fs::write(&plain, "\n{\"text\":\"x\"}\n{\"text\":\"y\"}\n").unwrap();
        let recs: Vec<Record> = records(&[plain]).collect();
        assert!(
            matches!(
                recs[..],
                [Record::Line { line: 2, .. }, Record::Line { line: 3, .. }]
            ),
            "{recs:?}"
        );
        let wide = dir.path().join("w.jsonl");
        let mut bytes = vec![0xFF, 0xFE];
        for u in "{\"text\":\"ü\"}\n{\"id\":\"z\",\"text\":\"v\"}".encode_utf16() {
            bytes.extend(u.to_le_bytes());
        }
        fs::write(&wide, bytes).unwrap();
        let ids: Vec<String> = read_inputs(&[wide]).map(|d| d.unwrap().id).collect();
        assert_eq!(ids, ["w-1", "z"]);
    }

    #[test]
    fn a_line_of_just_a_mark_after_line_1_is_invalid_json_as_in_the_whole_parser() {
        // Found by the json_lines fuzz target: the streamed reader said
        // "empty input" where the whole-text parser says invalid JSON.
        let text = "{\"text\":\"a\"}\n\u{feff}\n";
        let whole: Vec<_> = parse_json_lines(&Source::file("in.jsonl"), "in", text)
            .into_iter()
            .map(|r| r.map(|d| d.id).map_err(|e| e.to_string()))
            .collect();
        assert_eq!(streamed(text.as_bytes()), whole);
        assert!(whole[1]
            .as_ref()
            .unwrap_err()
            .starts_with("in.jsonl:2: invalid JSON Lines record"));
    }

    #[test]
    fn line_endings_are_cut_as_the_whole_parser_cuts_them() {
        // Found by the json_lines fuzz target: a lone `\r` at the end of
        // the input was stripped by the streamed reader only, so an
        // unterminated string gave another error than the whole parser's.
        for text in [
            "{\"text\":\"a\r",
            "{\"text\":\"a\"}\r\r\n{\"text\":\"b\"}\n",
            "{\"text\":\"a\"}\r\n\r\n{\"text\":\"b\"}",
        ] {
            let whole: Vec<_> = parse_json_lines(&Source::file("in.jsonl"), "in", text)
                .into_iter()
                .map(|r| r.map(|d| d.id).map_err(|e| e.to_string()))
                .collect();
            assert_eq!(streamed(text.as_bytes()), whole, "{text:?}");
        }
    }
}
