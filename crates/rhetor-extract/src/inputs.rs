//! Walks the inputs named on the command line and recognises each file by
//! its content: WARC (plain or gzip'd), RSS/Atom feed, HTML page, JSON
//! Lines, or a SemEval `.txt` article.

use crate::{feed, warc::WarcReader, Article, Page, Unit};
use rhetor_formats::articles::{article_id_from_path, JsonArticle};
use rhetor_formats::error::{decode_text, Source};
use std::collections::{HashSet, VecDeque};
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

/// What a file holds, judged from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A WARC file (starts with `WARC/`).
    Warc,
    /// A gzip'd WARC file (record by record, `.warc.gz`).
    WarcGz,
    /// An RSS 2.0, Atom or RSS 1.0 feed (first element `rss`, `feed` or `rdf:RDF`).
    Feed,
    /// A saved web page (any other markup, or UTF-16 with a byte-order mark).
    Html,
    /// JSON Lines article records (starts with `{`).
    JsonLines,
    /// Plain text in the SemEval layout: title, empty line, paragraphs.
    Text,
    /// Gzip that does not hold WARC, or NUL bytes: nothing rhetor reads.
    Binary,
}

/// How many bytes are looked at to recognise a file.
const SNIFF: usize = 4096;

/// Recognises a file from its first bytes (up to 4 KiB; `gunzipped` is
/// the start of the decompressed stream for gzip files).
pub fn sniff(head: &[u8], gunzipped: Option<&[u8]>) -> Kind {
    if crate::warc::is_gzip(head) {
        return match gunzipped {
            Some(g) if g.starts_with(b"WARC/") => Kind::WarcGz,
            _ => Kind::Binary,
        };
    }
    let (bom_stripped, utf16) = match head {
        [0xEF, 0xBB, 0xBF, rest @ ..] => (rest, false),
        [0xFF, 0xFE, ..] | [0xFE, 0xFF, ..] => (head, true),
        _ => (head, false),
    };
    if utf16 {
        // UTF-16 with a BOM: a page or a feed a browser would read.
        return Kind::Html;
    }
    if starts_warc(head) {
        return Kind::Warc;
    }
    if bom_stripped.contains(&0) {
        return Kind::Binary;
    }
    // What the text `from_utf8_lossy` gives starts with, without decoding
    // it all (sniffing was 1-2 % of `extract`'s instructions, twice per
    // file of a folder): past ASCII white space, an ASCII byte is the
    // first character; only a non-ASCII one needs the text decoded (it
    // may be white space, or an invalid byte read as U+FFFD). Markup is
    // then read as bytes: a replaced invalid sequence and the bytes it
    // replaces are all non-ASCII, so they match none of the ASCII
    // delimiters and names looked for.
    let ascii_space = bom_stripped
        .iter()
        .take_while(|b| matches!(b, b'\t'..=b'\r' | b' '))
        .count();
    let rest = &bom_stripped[ascii_space..];
    let decoded;
    let t = match rest.first() {
        Some(b) if !b.is_ascii() => {
            decoded = String::from_utf8_lossy(rest);
            let t = decoded.trim_start();
            // Where `t` starts in `rest`, when it starts with ASCII (after
            // valid white space, so the bytes before are the same).
            match t.bytes().next() {
                Some(b'{' | b'<') => &rest[decoded.len() - t.len()..],
                _ => b"",
            }
        }
        _ => rest,
    };
    if t.starts_with(b"{") {
        return Kind::JsonLines;
    }
    if t.starts_with(b"<") {
        // Skip the XML declaration, comments and doctype to the first element.
        return match first_element_name(t).as_deref() {
            Some(b"rss" | b"feed" | b"rdf:rdf") => Kind::Feed,
            _ => Kind::Html,
        };
    }
    Kind::Text
}

/// Whether `head` (not gzip'd) is the start of a WARC file, a UTF-8 BOM
/// allowed: what [`sniff`] calls [`Kind::Warc`], without its look at the
/// rest (a reader opening a file needs only this answer first).
fn starts_warc(head: &[u8]) -> bool {
    head.strip_prefix(&[0xEF, 0xBB, 0xBF])
        .unwrap_or(head)
        .starts_with(b"WARC/")
}

/// The name of the first element of an XML/HTML text, in ASCII lower
/// case.
fn first_element_name(text: &[u8]) -> Option<Vec<u8>> {
    let find = |hay: &[u8], needle: &[u8]| memchr::memmem::find(hay, needle);
    let mut rest = text;
    loop {
        let i = memchr::memchr(b'<', rest)?;
        rest = &rest[i + 1..];
        if rest.starts_with(b"?") || rest.starts_with(b"!") {
            let end = if rest.starts_with(b"!--") {
                find(rest, b"-->")? + 3
            } else {
                memchr::memchr(b'>', rest)? + 1
            };
            rest = &rest[end..];
            continue;
        }
        return Some(
            rest.iter()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b':' | b'-'))
                .map(u8::to_ascii_lowercase)
                .collect(),
        );
    }
}

/// The inputs as a stream of [`Unit`]s, in order: paths as given, a
/// directory's files sorted by name (recursively, hidden files left out),
/// a WARC file's records one at a time.
///
/// A page saved beside a feed that links to it is read once, as that
/// feed's item (with the item's link, date and the feed's title as source):
/// when a folder is walked, its files that a feed of the same folder
/// claims are not read again as pages of their own.
pub struct Units {
    pending: VecDeque<(PathBuf, bool)>,
    current: Option<Box<dyn Iterator<Item = Unit> + Send>>,
    /// Pages of walked folders that a feed beside them reads as its items.
    claimed: HashSet<PathBuf>,
}

impl Units {
    /// `-` reads stdin (not supported for WARC files larger than memory).
    pub fn new(paths: &[PathBuf]) -> Units {
        let pending = if paths.is_empty() {
            VecDeque::from([(PathBuf::from("-"), false)])
        } else {
            paths.iter().map(|p| (p.clone(), false)).collect()
        };
        Units {
            pending,
            current: None,
            claimed: HashSet::new(),
        }
    }

    /// Opens one path; `in_dir` is true for files found in a directory,
    /// where unreadable kinds (images, archives) are skipped, not errors.
    fn open(
        &mut self,
        path: PathBuf,
        in_dir: bool,
    ) -> Option<Box<dyn Iterator<Item = Unit> + Send>> {
        let name = path.display().to_string();
        if path.as_os_str() == "-" {
            let mut bytes = Vec::new();
            if let Err(e) = std::io::stdin().lock().read_to_end(&mut bytes) {
                return one(Unit::failed("<stdin>", e.to_string()));
            }
            return Some(Box::new(
                read_bytes(bytes, "<stdin>", "stdin", None, false).into_iter(),
            ));
        }
        if path.is_dir() {
            match list_dir(&path) {
                Ok(files) => {
                    self.claimed.extend(claimed_by_feeds(&files));
                    for f in files.into_iter().rev() {
                        self.pending.push_front((f, true));
                    }
                    return None;
                }
                Err(e) => return one(Unit::failed(name, format!("cannot list directory: {e}"))),
            }
        }
        let mut file = match File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return one(Unit::failed(name, "no such file or directory"))
            }
            Err(e) => return one(Unit::failed(name, e.to_string())),
        };
        let mut head = Vec::with_capacity(SNIFF);
        if let Err(e) = file.by_ref().take(SNIFF as u64).read_to_end(&mut head) {
            return one(Unit::failed(name, e.to_string()));
        }
        let rest = std::io::Cursor::new(head.clone()).chain(file);
        if crate::warc::is_gzip(&head) {
            let mut g = Vec::new();
            let _ = flate2::read::MultiGzDecoder::new(&head[..])
                .take(8)
                .read_to_end(&mut g);
            if sniff(&head, Some(&g)) == Kind::WarcGz {
                return Some(Box::new(WarcReader::new(Box::new(rest), true, name)));
            }
        } else if starts_warc(&head) {
            return Some(Box::new(WarcReader::new(Box::new(rest), false, name)));
        }
        let mut bytes = Vec::new();
        if let Err(e) = { rest }.read_to_end(&mut bytes) {
            return one(Unit::failed(name, e.to_string()));
        }
        let id = article_id_from_path(&path);
        Some(Box::new(
            read_bytes(bytes, &name, &id, path.parent(), in_dir).into_iter(),
        ))
    }
}

fn one(unit: Unit) -> Option<Box<dyn Iterator<Item = Unit> + Send>> {
    Some(Box::new(std::iter::once(unit)))
}

impl Iterator for Units {
    type Item = Unit;
    fn next(&mut self) -> Option<Unit> {
        loop {
            if let Some(cur) = self.current.as_mut() {
                if let Some(u) = cur.next() {
                    return Some(u);
                }
                self.current = None;
            }
            let (path, in_dir) = self.pending.pop_front()?;
            if in_dir && self.claimed.contains(&path) {
                continue; // read as its feed's item
            }
            self.current = self.open(path, in_dir);
        }
    }
}

/// The pages among `files` (a folder's listing) that a feed in the same
/// listing reads as its items. Only feeds are read whole; every other file
/// is recognised from its first bytes.
fn claimed_by_feeds(files: &[PathBuf]) -> Vec<PathBuf> {
    let mut claimed = Vec::new();
    for f in files {
        let mut head = Vec::with_capacity(SNIFF);
        let sniffed = File::open(f)
            .and_then(|file| file.take(SNIFF as u64).read_to_end(&mut head))
            .is_ok();
        if !sniffed || crate::warc::is_gzip(&head) || sniff(&head, None) != Kind::Feed {
            continue;
        }
        if let (Ok(bytes), Some(dir)) = (std::fs::read(f), f.parent()) {
            claimed.extend(feed::saved_pages(&bytes, dir));
        }
    }
    claimed
}

/// The files of a directory and its subdirectories, sorted by path; hidden
/// entries (`.name`) are left out.
fn list_dir(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            !p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            out.extend(list_dir(&p)?);
        } else {
            out.push(p);
        }
    }
    Ok(out)
}

/// Reads a whole (non-WARC) file from memory: the fuzzing and stdin entry
/// point. `id` is the file's id; `dir` its folder (feeds look there for
/// saved pages).
pub fn read_bytes(
    bytes: Vec<u8>,
    name: &str,
    id: &str,
    dir: Option<&Path>,
    in_dir: bool,
) -> Vec<Unit> {
    let kind = if crate::warc::is_gzip(&bytes) {
        let mut g = Vec::new();
        let _ = flate2::read::MultiGzDecoder::new(&bytes[..])
            .take(8)
            .read_to_end(&mut g);
        sniff(&bytes, Some(&g))
    } else {
        sniff(&bytes[..bytes.len().min(SNIFF)], None)
    };
    match kind {
        Kind::Warc | Kind::WarcGz => WarcReader::from_bytes(bytes, name).collect(),
        Kind::Feed => feed::read_feed(&bytes, name, dir),
        Kind::Html => vec![Unit::Page(Page {
            location: name.to_string(),
            bytes,
            id: id.to_string(),
            url: None,
            published: None,
            source: None,
            http_charset: None,
        })],
        Kind::JsonLines => read_json_lines(bytes, name, id),
        Kind::Text => {
            let is_txt = Path::new(name).extension().is_none_or(|e| e == "txt");
            if in_dir && !is_txt {
                return vec![Unit::Skipped {
                    location: name.to_string(),
                    reason: "not a page, feed, WARC, JSON Lines or .txt article".into(),
                }];
            }
            read_text_article(bytes, name, id)
        }
        Kind::Binary if in_dir => vec![Unit::Skipped {
            location: name.to_string(),
            reason: "binary file".into(),
        }],
        Kind::Binary => vec![match bytes.iter().position(|&b| b == 0) {
            Some(at) if !crate::warc::is_gzip(&bytes) => Unit::failed(
                name,
                format!("looks like a binary file (NUL byte at byte offset {at})"),
            ),
            _ => Unit::failed(name, "gzip file that does not hold WARC records"),
        }],
    }
}

/// A SemEval `.txt` article: line 1 the title, then one paragraph per line.
fn read_text_article(bytes: Vec<u8>, name: &str, id: &str) -> Vec<Unit> {
    let text = match decode_text(&Source::file(name), bytes) {
        Ok(t) => t,
        Err(e) => return vec![Unit::failed(name, strip_name(&e.to_string(), name))],
    };
    let text = text.trim_start_matches('\u{feff}');
    let mut lines = text.lines();
    let title = lines.next().unwrap_or("").trim().to_string();
    let body: Vec<&str> = lines
        .map(str::trim_end)
        .filter(|l| !l.trim().is_empty())
        .collect();
    vec![Unit::Article(Article {
        id: id.to_string(),
        url: None,
        source: None,
        published: None,
        language: None,
        title,
        text: body.join("\n"),
    })]
}

fn strip_name(message: &str, name: &str) -> String {
    message
        .strip_prefix(name)
        .and_then(|m| m.strip_prefix(": "))
        .unwrap_or(message)
        .to_string()
}

fn read_json_lines(bytes: Vec<u8>, name: &str, stem: &str) -> Vec<Unit> {
    let text = match decode_text(&Source::file(name), bytes) {
        Ok(t) => t,
        Err(e) => return vec![Unit::failed(name, strip_name(&e.to_string(), name))],
    };
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, line)| {
            let at = format!("{name}:{}", i + 1);
            match serde_json::from_str::<JsonArticle>(line) {
                Err(e) => Unit::failed(at, format!("invalid JSON Lines record: {e}")),
                Ok(r)
                    if r.text.trim().is_empty()
                        && r.title.as_deref().unwrap_or("").trim().is_empty() =>
                {
                    Unit::failed(at, "empty input (no text)")
                }
                Ok(r) => Unit::Article(Article {
                    id: r.id.unwrap_or_else(|| format!("{stem}-{}", i + 1)),
                    url: r.url,
                    source: r.source,
                    published: r.published,
                    language: r.language,
                    title: r.title.unwrap_or_default(),
                    text: r.text,
                }),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What [`sniff`] did before reading only the start as text: the
    /// head decoded whole (lossily), lowered, and searched as a string.
    fn sniff_plain(head: &[u8]) -> Kind {
        fn first_element_name(lower: &str) -> Option<String> {
            let mut rest = lower;
            loop {
                let i = rest.find('<')?;
                rest = &rest[i + 1..];
                if rest.starts_with('?') || rest.starts_with('!') {
                    let end = if rest.starts_with("!--") {
                        rest.find("-->")? + 3
                    } else {
                        rest.find('>')? + 1
                    };
                    rest = &rest[end..];
                    continue;
                }
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == ':' || *c == '-')
                    .collect();
                return Some(name);
            }
        }
        let bom_stripped = head.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(head);
        if crate::warc::is_gzip(head)
            || matches!(head, [0xFF, 0xFE, ..] | [0xFE, 0xFF, ..])
            || starts_warc(head)
            || bom_stripped.contains(&0)
        {
            return sniff(head, None);
        }
        let text = String::from_utf8_lossy(bom_stripped);
        let t = text.trim_start();
        if t.starts_with('{') {
            return Kind::JsonLines;
        }
        if t.starts_with('<') {
            let lower = t.to_ascii_lowercase();
            return match first_element_name(&lower).as_deref() {
                Some("rss" | "feed" | "rdf:rdf") => Kind::Feed,
                _ => Kind::Html,
            };
        }
        Kind::Text
    }

    /// `sniff` recognises what the plain version did: on every fuzzing
    /// seed and bench page, and on heads that put invalid UTF-8, Unicode
    /// white space and upper case where the two could part.
    #[test]
    fn sniff_reads_the_start_as_the_whole_decoded_head_did() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut heads: Vec<Vec<u8>> = Vec::new();
        for dir in ["fuzz/corpus", "bench/extract", "examples"] {
            let mut todo = vec![root.join(dir)];
            while let Some(d) = todo.pop() {
                for e in std::fs::read_dir(&d).unwrap() {
                    let p = e.unwrap().path();
                    if p.is_dir() {
                        todo.push(p);
                    } else {
                        let bytes = std::fs::read(&p).unwrap();
                        heads.push(bytes[..bytes.len().min(SNIFF)].to_vec());
                    }
                }
            }
        }
        assert!(heads.len() > 50, "{}", heads.len());
        for head in [
            &b"\xff<rss>"[..],
            b" \xc3<rss>",
            b"\xe2\x80\x83 \n<RSS version=2>",
            b"\xc2\xa0{\"text\": 1}",
            b"\xc2\xa0\xc2{",
            b"<!-- \xff --><Feed>",
            b"<!-- \xff -->\xff<feed>",
            b"<?xml \xfe?><rdf:RDF\xff>",
            b"<\xffrss>",
            b"<rss\xff>",
            b"<!DOCTYPE \xe2\x80 html><html>",
            b"\xe3\x80\x80\xe3\x80\x80",
            b"\xef\xbb\xbf \t<feed xmlns=x>",
            b"<!-- never closed <rss>",
            b"<",
            b"",
            b" ",
            b"\xf0\x9f\x98",
        ] {
            heads.push(head.to_vec());
        }
        let mut kinds = std::collections::HashSet::new();
        for head in &heads {
            let plain = sniff_plain(head);
            assert_eq!(
                sniff(head, None),
                plain,
                "{:?}",
                String::from_utf8_lossy(head)
            );
            kinds.insert(format!("{plain:?}"));
        }
        assert!(kinds.len() >= 5, "{kinds:?}");
    }

    #[test]
    fn kinds_are_recognised_by_content() {
        assert_eq!(sniff(b"WARC/1.0\r\n", None), Kind::Warc);
        assert_eq!(
            sniff(
                b"\xef\xbb\xbf<?xml version=\"1.0\"?>\n<!-- x --><rss version=\"2.0\">",
                None
            ),
            Kind::Feed
        );
        assert_eq!(
            sniff(
                b"<?xml version=\"1.0\"?><feed xmlns=\"http://www.w3.org/2005/Atom\">",
                None
            ),
            Kind::Feed
        );
        assert_eq!(sniff(b"<!DOCTYPE html>\n<html lang=en>", None), Kind::Html);
        assert_eq!(sniff(b"  <div>fragment</div>", None), Kind::Html);
        assert_eq!(sniff(b"{\"text\": \"x\"}\n", None), Kind::JsonLines);
        assert_eq!(sniff(b"A title\n\nA paragraph.", None), Kind::Text);
        assert_eq!(sniff(b"PK\x03\x04\x00\x00", None), Kind::Binary);
        assert_eq!(sniff(b"\x1f\x8b\x08", Some(b"WARC/1.1")), Kind::WarcGz);
        assert_eq!(sniff(b"\x1f\x8b\x08", Some(b"hello")), Kind::Binary);
    }

    #[test]
    fn text_and_json_lines_become_articles() {
        let units = read_bytes(
            b"Title line\n\nFirst para.\n\nSecond para.\n".to_vec(),
            "a/article7.txt",
            "7",
            None,
            false,
        );
        match &units[..] {
            [Unit::Article(a)] => {
                assert_eq!(a.id, "7");
                assert_eq!(a.title, "Title line");
                assert_eq!(a.text, "First para.\nSecond para.");
            }
            u => panic!("{u:?}"),
        }
        let jl = b"{\"id\":\"x\",\"title\":\"T\",\"text\":\"B\",\"url\":\"https://u.example/\",\"published\":\"2024-01-01\"}\n{\"text\":5}\n";
        let units = read_bytes(jl.to_vec(), "in.jsonl", "in", None, false);
        assert!(
            matches!(&units[0], Unit::Article(a) if a.url.as_deref() == Some("https://u.example/"))
        );
        assert!(
            matches!(&units[1], Unit::Failed(e) if e.to_string().starts_with("in.jsonl:2: invalid JSON Lines record"))
        );
    }

    #[test]
    fn binary_named_is_an_error_found_in_a_directory_is_skipped() {
        let units = read_bytes(b"GIF89a\x00\x01".to_vec(), "x.gif", "x", None, false);
        assert!(
            matches!(&units[0], Unit::Failed(e) if e.to_string() == "x.gif: looks like a binary file (NUL byte at byte offset 6)"),
            "{units:?}"
        );
        let units = read_bytes(b"GIF89a\x00\x01".to_vec(), "x.gif", "x", None, true);
        assert!(matches!(&units[0], Unit::Skipped { .. }));
    }

    /// A page saved beside a feed that links to it is read once, as the
    /// feed's item, whether its name sorts before or after the feed's.
    #[test]
    fn a_page_beside_its_feed_is_read_once_as_the_feed_item() {
        let dir = tempfile::tempdir().unwrap();
        let page = "<!DOCTYPE html><html><body><article><p>The harbour reopened on Monday after a long winter of repairs to the old stone quay.</p></article></body></html>";
        // "a-quay" sorts before "feed.rss", "z-market" after it; "other"
        // is not in the feed and stays a page of its own.
        for name in ["a-quay.html", "z-market.html", "other.html"] {
            std::fs::write(dir.path().join(name), page).unwrap();
        }
        std::fs::write(
            dir.path().join("feed.rss"),
            r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Harbour News</title>
<item><title>Quay</title><link>https://harbour.example/news/a-quay</link></item>
<item><title>Market</title><link>https://harbour.example/news/z-market.html</link></item>
</channel></rss>"#,
        )
        .unwrap();
        let units: Vec<Unit> = Units::new(&[dir.path().to_path_buf()]).collect();
        let pages: Vec<(String, Option<String>)> = units
            .iter()
            .map(|u| match u {
                Unit::Page(p) => (
                    Path::new(&p.location)
                        .file_name()
                        .unwrap()
                        .to_string_lossy()
                        .into_owned(),
                    p.source.clone(),
                ),
                u => panic!("{u:?}"),
            })
            .collect();
        let feed = Some("Harbour News".to_string());
        assert_eq!(
            pages,
            vec![
                ("a-quay.html".into(), feed.clone()),
                ("z-market.html".into(), feed),
                ("other.html".into(), None),
            ]
        );
        // Named on the command line, a page is read as given, feed or not.
        let units: Vec<Unit> =
            Units::new(&[dir.path().join("a-quay.html"), dir.path().join("feed.rss")]).collect();
        assert_eq!(units.len(), 3, "{units:?}");
    }
}
