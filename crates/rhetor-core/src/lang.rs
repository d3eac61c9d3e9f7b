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

/// Identifies the language of a whole article from up to its first 2,000
/// characters of body text (the title alone when there is no body).
pub fn identify_document(id: &LanguageIdentifier, doc: &crate::Document) -> Option<&'static str> {
    let mut sample = String::new();
    for p in doc.body() {
        // A paragraph of megabytes is sampled, not copied whole.
        sample.push_str(crate::window::prefix(p, crate::window::PARAGRAPH_WINDOW));
        sample.push('\n');
        if sample.len() > 2000 {
            break;
        }
    }
    if sample.trim().is_empty() {
        sample = crate::window::prefix(&doc.title, crate::window::PARAGRAPH_WINDOW).to_string();
    }
    id.identify(&sample)
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
}
