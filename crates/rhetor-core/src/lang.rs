//! Language identification, restricted to an allow-list.
//!
//! We use `whatlang` (small, pure Rust, trigram profiles) with an allow-list:
//! restricting the candidates to languages rhetor serves removes the most
//! common confusions on short paragraphs (Russian/Ukrainian/Bulgarian,
//! Spanish/Portuguese/Galician, Polish/Slovak). The measurement behind the
//! choice is in the README.

use whatlang::{Detector as WhatlangDetector, Lang};

/// Languages rhetor identifies: the six it is trained on and the main
/// languages users bring that it was not trained on.
pub const SUPPORTED: &[(&str, Lang)] = &[
    ("en", Lang::Eng),
    ("fr", Lang::Fra),
    ("de", Lang::Deu),
    ("it", Lang::Ita),
    ("pl", Lang::Pol),
    ("ru", Lang::Rus),
    ("es", Lang::Spa),
    ("el", Lang::Ell),
    ("ka", Lang::Kat),
    ("pt", Lang::Por),
    ("uk", Lang::Ukr),
];

/// Identifies languages among [`SUPPORTED`].
pub struct LanguageIdentifier {
    inner: WhatlangDetector,
}

impl Default for LanguageIdentifier {
    fn default() -> Self {
        Self::new()
    }
}

impl LanguageIdentifier {
    /// An identifier restricted to the languages rhetor knows (so a short text is not taken for a language no model serves).
    pub fn new() -> Self {
        let allow = SUPPORTED.iter().map(|(_, l)| *l).collect();
        LanguageIdentifier {
            inner: WhatlangDetector::with_allowlist(allow),
        }
    }

    /// The ISO 639-1 code of `text`'s language, or `None` when the text has
    /// too few letters to tell.
    pub fn identify(&self, text: &str) -> Option<&'static str> {
        if text.chars().filter(|c| c.is_alphabetic()).take(3).count() < 3 {
            return None;
        }
        let lang = self.inner.detect_lang(text)?;
        SUPPORTED
            .iter()
            .find(|(_, l)| *l == lang)
            .map(|(code, _)| *code)
    }
}

/// How much of an article [`identify_document`] reads: its first 400
/// bytes of body text. whatlang's time grows with the text (about a third
/// of `rhetor extract`'s time went to it with 1,000 bytes); on every SemEval
/// article (the texts of the ingest benchmark's corpus too), on the bench
/// and held-out pages and on `examples/`, this sample gives the language
/// that the whole paragraphs up to 2,000 bytes read before gave, as 1,000
/// bytes did (tested below). The margin, measured by
/// `sample_size_agreement`: at 350 bytes none differs either, at 300 and at
/// 200 one SemEval article does, at 150 ten.
pub const SAMPLE_BYTES: usize = 400;

/// Identifies the language of a whole article from its first
/// [`SAMPLE_BYTES`] bytes of body text, paragraphs joined by `\n` (the
/// title alone when there is no body).
pub fn identify_document(id: &LanguageIdentifier, doc: &crate::Document) -> Option<&'static str> {
    id.identify(&sample(doc, SAMPLE_BYTES))
}

/// The first `max` bytes (cut at a character boundary) of the body's
/// paragraphs joined by `\n`, or of the title when the body is blank.
fn sample(doc: &crate::Document, max: usize) -> String {
    let mut sample = String::new();
    for p in doc.body() {
        // A paragraph of megabytes is sampled, not copied whole.
        sample.push_str(crate::window::prefix(p, crate::window::PARAGRAPH_WINDOW));
        sample.push('\n');
        if sample.len() > max {
            break;
        }
    }
    if sample.trim().is_empty() {
        sample = crate::window::prefix(&doc.title, crate::window::PARAGRAPH_WINDOW).to_string();
    }
    let cut = crate::window::prefix(&sample, max).len();
    sample.truncate(cut);
    sample
}

/// [`identify_document`] of `Document::from_title_and_body(_, title, body)`,
/// without building that document (which copies the text and counts the
/// characters of every line; `rhetor extract` identifies every record's
/// language this way): the same sample, read from the first lines of the
/// body only (tested against the document's on every SemEval article and
/// on corner cases).
pub fn identify_title_and_body(
    id: &LanguageIdentifier,
    title: &str,
    body: &str,
) -> Option<&'static str> {
    id.identify(&sample_of_title_and_body(title, body, SAMPLE_BYTES))
}

/// [`sample`] of the document `from_title_and_body` makes: its text is
/// `title`, an empty line, then `body` (`body` alone for an empty title),
/// so its lines are the title's, an empty one, then the body's; the first
/// of them is the document's title line, the others its paragraphs where
/// they hold more than white space (a `\r` before the `\n` left out).
fn sample_of_title_and_body(title: &str, body: &str, max: usize) -> String {
    let mut lines: Box<dyn Iterator<Item = &str>> = if title.is_empty() {
        Box::new(body.split('\n'))
    } else {
        Box::new(title.split('\n').chain([""]).chain(body.split('\n')))
    };
    let first = lines.next().unwrap_or("");
    let mut sample = String::new();
    for raw in lines {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if !crate::document::is_content_line(line) {
            continue;
        }
        sample.push_str(crate::window::prefix(line, crate::window::PARAGRAPH_WINDOW));
        sample.push('\n');
        if sample.len() > max {
            break;
        }
    }
    if sample.trim().is_empty() {
        let title = first
            .trim_start_matches('\u{feff}')
            .trim_matches(crate::document::is_semeval_space);
        sample = crate::window::prefix(title, crate::window::PARAGRAPH_WINDOW).to_string();
    }
    let cut = crate::window::prefix(&sample, max).len();
    sample.truncate(cut);
    sample
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Short paragraphs (one sentence each) written for this test.
    const SAMPLES: &[(&str, &str)] = &[
        (
            "en",
            "The minister promised that the new bridge would be finished before winter.",
        ),
        (
            "fr",
            "Le ministre a promis que le nouveau pont serait terminé avant l'hiver.",
        ),
        (
            "de",
            "Der Minister versprach, dass die neue Brücke vor dem Winter fertig sein werde.",
        ),
        (
            "it",
            "Il ministro ha promesso che il nuovo ponte sarebbe stato finito prima dell'inverno.",
        ),
        (
            "pl",
            "Minister obiecał, że nowy most zostanie ukończony przed zimą.",
        ),
        (
            "ru",
            "Министр пообещал, что новый мост будет достроен до наступления зимы.",
        ),
        (
            "es",
            "El ministro prometió que el nuevo puente estaría terminado antes del invierno.",
        ),
        (
            "el",
            "Ο υπουργός υποσχέθηκε ότι η νέα γέφυρα θα ολοκληρωθεί πριν από τον χειμώνα.",
        ),
        (
            "ka",
            "მინისტრმა დაპირდა, რომ ახალი ხიდი ზამთრამდე დასრულდება.",
        ),
    ];

    #[test]
    fn identifies_short_paragraphs_in_all_nine_languages() {
        let id = LanguageIdentifier::new();
        for (code, text) in SAMPLES {
            assert_eq!(id.identify(text), Some(*code), "{text}");
        }
    }

    #[test]
    fn too_little_text_is_unknown() {
        let id = LanguageIdentifier::new();
        assert_eq!(id.identify(""), None);
        assert_eq!(id.identify("12 — 34"), None);
    }

    #[test]
    fn documents_are_identified_from_their_body() {
        let id = LanguageIdentifier::new();
        let doc = crate::Document::from_title_and_body(
            "1",
            "OK",
            "Die Regierung hat heute neue Maßnahmen gegen die steigenden Preise beschlossen.",
        );
        assert_eq!(identify_document(&id, &doc), Some("de"));
    }

    /// The sample read from a title and a body is the sample of the
    /// document built from them, on corner cases and on every SemEval
    /// article (its first line as the title, the rest as the body).
    #[test]
    fn sample_of_title_and_body_is_that_of_the_document() {
        let long = "word ".repeat(300);
        let mut cases: Vec<(String, String)> = [
            ("", ""),
            ("Title", ""),
            (
                "",
                "Only a body, its first line read as the title\nsecond line",
            ),
            ("Title\nwith a line break", "body"),
            ("\u{feff} Title \r", "\r\n \u{1c}\n\tline\r\n\nlast\r"),
            ("T", "\n\n\n"),
            ("  ", " \n x"),
            ("Titre", "Un paragraphe.\r\nUn autre, accentué : é à ü.\n"),
        ]
        .iter()
        .map(|(t, b)| (t.to_string(), b.to_string()))
        .collect();
        cases.push(("Long".into(), format!("{long}\n{long}")));
        cases.push(("".into(), format!("x\n{}é", "a".repeat(399))));
        cases.push(("Cut".into(), format!("{}éé\nmore", "b".repeat(398))));
        let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/data/semeval2023-task3");
        let semeval = if data.is_dir() {
            semeval_documents(&data)
        } else {
            Vec::new()
        };
        for doc in &semeval {
            let (title, body) = doc.text.split_once('\n').unwrap_or((&doc.text, ""));
            cases.push((title.to_string(), body.to_string()));
        }
        for (title, body) in &cases {
            let doc = crate::Document::from_title_and_body("x", title, body);
            for max in [SAMPLE_BYTES, 1, 2, 50] {
                assert_eq!(
                    sample_of_title_and_body(title, body, max),
                    sample(&doc, max),
                    "{title:?} {body:?} {max}"
                );
            }
        }
        if semeval.is_empty() {
            rhetor_testkit::missing(rhetor_testkit::SEMEVAL_DATA);
        }
    }

    /// What [`identify_document`] read before: whole paragraphs until
    /// more than 2,000 bytes were taken (up to a window more).
    fn sample_before(doc: &crate::Document) -> String {
        let mut sample = String::new();
        for p in doc.body() {
            sample.push_str(crate::window::prefix(p, crate::window::PARAGRAPH_WINDOW));
            sample.push('\n');
            if sample.len() > 2000 {
                break;
            }
        }
        if sample.trim().is_empty() {
            sample = crate::window::prefix(&doc.title, crate::window::PARAGRAPH_WINDOW).to_string();
        }
        sample
    }

    /// Every SemEval article (`*/*articles*` folders), as `analyze` reads it.
    fn semeval_documents(dir: &std::path::Path) -> Vec<crate::Document> {
        let mut docs = Vec::new();
        let mut languages: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_dir())
            .collect();
        languages.sort();
        for language in languages {
            let mut folders: Vec<_> = std::fs::read_dir(&language)
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| {
                    p.is_dir()
                        && p.file_name()
                            .unwrap()
                            .to_string_lossy()
                            .contains("articles")
                })
                .collect();
            folders.sort();
            for folder in folders {
                let mut files: Vec<_> = std::fs::read_dir(&folder)
                    .unwrap()
                    .map(|e| e.unwrap().path())
                    .collect();
                files.sort();
                for file in files {
                    let text = std::fs::read_to_string(&file).unwrap();
                    docs.push(crate::Document::from_text(file.display().to_string(), text));
                }
            }
        }
        docs
    }

    /// The measurement behind [`SAMPLE_BYTES`] (not a check; run by hand):
    /// for each sample size, how many documents get another language than
    /// with the whole first 2,000 bytes, on every SemEval article and on the
    /// records of the JSON Lines files named in `RHETOR_LANG_RECORDS`
    /// (`:`-separated; `rhetor extract` output over the bench pages, the
    /// held-out pages, `examples/`; the gold `.txt` files beside the pages
    /// are read as SemEval articles). `docs/ingest.md` has the figures.
    ///
    /// `RHETOR_LANG_RECORDS=a.jsonl:b.jsonl cargo test --release -p rhetor-core -- --ignored --nocapture sample_size_agreement`
    #[test]
    #[ignore = "a measurement, printed; run by hand"]
    fn sample_size_agreement() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/data/semeval2023-task3");
        let mut sets = vec![("semeval".to_string(), semeval_documents(&dir))];
        for path in std::env::var("RHETOR_LANG_RECORDS")
            .unwrap_or_default()
            .split(':')
            .filter(|p| !p.is_empty())
        {
            let docs = std::fs::read_to_string(path)
                .unwrap()
                .lines()
                .map(|l| {
                    let v: serde_json::Value = serde_json::from_str(l).unwrap();
                    crate::Document::from_title_and_body(
                        v["id"].as_str().unwrap(),
                        v["title"].as_str().unwrap_or(""),
                        v["text"].as_str().unwrap(),
                    )
                })
                .collect();
            sets.push((path.to_string(), docs));
        }
        let id = LanguageIdentifier::new();
        let sizes = [100, 150, 200, 250, 300, 350, 400, 500, 600, 800, 1000];
        for (name, docs) in &sets {
            let reference: Vec<_> = docs
                .iter()
                .map(|d| id.identify(&sample_before(d)))
                .collect();
            let mut line = format!("{name}: {} documents;", docs.len());
            for &n in &sizes {
                let differ: Vec<&str> = docs
                    .iter()
                    .zip(&reference)
                    .filter(|(d, r)| id.identify(&sample(d, n)) != **r)
                    .map(|(d, _)| d.id.as_str())
                    .collect();
                line.push_str(&format!(" {n}: {}", differ.len()));
                if !differ.is_empty() && differ.len() <= 3 {
                    line.push_str(&format!(" {differ:?}"));
                }
                line.push(';');
            }
            println!("{line}");
        }
    }

    /// The shorter sample decides as the longer one read before did, on
    /// every article of every SemEval folder (`*/*articles*`: the texts the
    /// ingest benchmark's corpus is made of).
    #[test]
    fn the_sample_gives_the_language_of_the_longer_one_on_every_semeval_article() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/data/semeval2023-task3");
        let Some(dir) =
            rhetor_testkit::need(dir.is_dir().then_some(dir), rhetor_testkit::SEMEVAL_DATA)
        else {
            return;
        };
        let id = LanguageIdentifier::new();
        let mut articles = 0;
        let mut found = std::collections::BTreeMap::<Option<&str>, usize>::new();
        for language in std::fs::read_dir(&dir).unwrap() {
            let language = language.unwrap().path();
            if !language.is_dir() {
                continue;
            }
            for folder in std::fs::read_dir(&language).unwrap() {
                let folder = folder.unwrap().path();
                let name = folder.file_name().unwrap().to_string_lossy().into_owned();
                if !folder.is_dir() || !name.contains("articles") {
                    continue;
                }
                for file in std::fs::read_dir(&folder).unwrap() {
                    let file = file.unwrap().path();
                    let text = std::fs::read_to_string(&file).unwrap();
                    let doc = crate::Document::from_text(file.display().to_string(), text);
                    let long = id.identify(&sample_before(&doc));
                    assert_eq!(identify_document(&id, &doc), long, "{}", doc.id);
                    *found.entry(long).or_default() += 1;
                    articles += 1;
                }
            }
        }
        assert!(articles >= 1400, "{articles} articles");
        // Not a degenerate agreement: all six languages are found.
        assert!(found.len() >= 6, "{found:?}");
    }
}
