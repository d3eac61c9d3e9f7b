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

/// How much of an article [`identify_document`] reads: its first 1,000
/// bytes of body text. whatlang's time grows with the text; on every
/// SemEval article (the texts of the ingest benchmark's corpus too) this
/// sample gives the language that the whole paragraphs up to 2,000 bytes
/// read before gave, and so did 400 bytes (at 300, one article differed);
/// tested below.
pub const SAMPLE_BYTES: usize = 1000;

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
