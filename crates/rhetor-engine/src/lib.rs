//! rhetor-engine: what every rhetor front end (the CLI, the HTTP server, the
//! Python package) shares, so none of them has its own copy:
//!
//! * [`models`] — loading a model by name (`auto`, `fast`, `accurate` or a
//!   model file), with the encoder directory from `--encoder`,
//!   `RHETOR_ENCODER_DIR` or the cache, and errors that say how to install
//!   what is missing;
//! * [`labels`] — the label inventories as JSON (`GET /v1/labels`, `rhetor.labels()`);
//! * [`Engine`] — a loaded model plus the language identifier: analyses one
//!   document, or many on every core.

#![warn(missing_docs)]

/// The label inventories, as `/v1/labels` and the Python package give them.
pub mod labels;
/// Loading a model by name, with its notices and install errors.
pub mod models;

pub use models::{encoder_dir, load_detector, load_encoder, Loaded, MissingEncoder};

use rayon::prelude::*;
use rhetor_core::lang::LanguageIdentifier;
use rhetor_core::pipeline;
use rhetor_core::{DetectError, Detector, Document, Evidence, Task};
use std::sync::Arc;

/// A loaded model and the language identifier: everything needed to analyse
/// articles. Cheap to share between threads (`Arc` inside, no mutable state).
#[derive(Clone)]
pub struct Engine {
    detector: Arc<dyn Detector>,
    lid: Arc<LanguageIdentifier>,
}

impl Engine {
    /// An engine around an already loaded detector.
    pub fn new(detector: Arc<dyn Detector>) -> Self {
        Engine {
            detector,
            lid: Arc::new(LanguageIdentifier::new()),
        }
    }

    /// Loads the model named by `spec` (see [`load_detector`]); returns the
    /// engine and the notice to show when `auto` fell back to the fast model.
    pub fn load(
        spec: &str,
        encoder: Option<&std::path::Path>,
    ) -> anyhow::Result<(Self, Option<String>)> {
        let Loaded { detector, notice } = load_detector(spec, encoder)?;
        Ok((Engine::new(Arc::from(detector)), notice))
    }

    /// The name of the model (`fast`, `accurate`, …) as recorded in documents.
    pub fn model_name(&self) -> &str {
        self.detector.name()
    }

    /// The shared annotation step: language first, then the model, for the
    /// `tasks` asked for ([`Task::ALL`] for everything).
    pub fn annotate(&self, doc: &mut Document, tasks: &[Task]) -> Result<(), DetectError> {
        self.annotate_with(doc, tasks, Evidence::default())
    }

    /// [`Engine::annotate`] with spans decided at the reader's [`Evidence`]
    /// level (`precise`, `balanced` — the default — or `recall`).
    pub fn annotate_with(
        &self,
        doc: &mut Document,
        tasks: &[Task],
        evidence: Evidence,
    ) -> Result<(), DetectError> {
        pipeline::annotate_with(doc, &self.lid, self.detector.as_ref(), tasks, evidence)
    }

    /// [`Engine::annotate`] on every document, in parallel on the current
    /// rayon pool (every core, unless called inside a smaller pool); the
    /// order of `docs` is kept. Stops at the first model error, as every
    /// caller does (documents not reached yet stay unannotated; with
    /// several failures, which one is returned is not specified).
    pub fn annotate_all(&self, docs: &mut [Document], tasks: &[Task]) -> Result<(), DetectError> {
        self.annotate_all_with(docs, tasks, Evidence::default())
    }

    /// [`Engine::annotate_all`] with spans decided at `evidence`.
    pub fn annotate_all_with(
        &self,
        docs: &mut [Document],
        tasks: &[Task],
        evidence: Evidence,
    ) -> Result<(), DetectError> {
        docs.par_iter_mut()
            .try_for_each(|doc| self.annotate_with(doc, tasks, evidence))
    }
}

/// Lays out an article given as fields (`text`, optional `title` and `id`)
/// the way the CLI lays out a JSON Lines record and the server a request:
/// with a title, the text is title, empty line, body; without one, line 1 of
/// `text` is the title.
pub fn document_from_fields(id: String, title: Option<&str>, text: &str) -> Document {
    let record = rhetor_formats::articles::JsonArticle {
        id: Some(id),
        title: title.map(str::to_string),
        text: text.to_string(),
        ..Default::default()
    };
    record.into_document(String::new)
}

/// Whether an article has nothing to analyse (blank text and no title): the
/// CLI refuses such a record, the server answers 422, Python raises.
pub fn is_blank_article(title: Option<&str>, text: &str) -> bool {
    let blank = |s: &str| {
        s.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
            .is_empty()
    };
    blank(text) && title.is_none_or(blank)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rhetor_core::detector::NoModel;

    #[test]
    fn annotate_all_keeps_order_and_identifies_languages() {
        let engine = Engine::new(Arc::new(NoModel));
        let mut docs = vec![
            document_from_fields(
                "a".into(),
                Some("Titre"),
                "Le ministre a promis que le nouveau pont serait terminé avant l'hiver.",
            ),
            document_from_fields(
                "b".into(),
                None,
                "Title\nThe minister promised that the new bridge would be finished before winter.",
            ),
        ];
        engine.annotate_all(&mut docs, &Task::ALL).unwrap();
        assert_eq!(docs[0].id, "a");
        assert_eq!(docs[0].language.as_deref(), Some("fr"));
        assert_eq!(docs[0].title, "Titre");
        assert_eq!(docs[1].language.as_deref(), Some("en"));
        assert_eq!(docs[1].title, "Title");
    }

    #[test]
    fn blank_articles() {
        assert!(is_blank_article(None, " \n\u{feff}\t"));
        assert!(is_blank_article(Some("  "), ""));
        assert!(!is_blank_article(Some("A title"), ""));
        assert!(!is_blank_article(None, "x"));
    }

    /// A detector that fails on documents whose text says so.
    struct FailsOn(&'static str);

    impl Detector for FailsOn {
        fn name(&self) -> &str {
            "fails-on"
        }
        fn annotate(&self, doc: &mut Document, _tasks: &[Task]) -> Result<(), DetectError> {
            if doc.text.contains(self.0) {
                return Err(DetectError::new(self, doc, "cannot analyse this one"));
            }
            doc.model = Some("fails-on".into());
            Ok(())
        }
    }

    #[test]
    fn annotate_all_stops_with_the_model_error() {
        let engine = Engine::new(Arc::new(FailsOn("BROKEN")));
        let mut docs: Vec<Document> = (0..50)
            .map(|i| {
                document_from_fields(
                    format!("d{i}"),
                    None,
                    "Title
A plain body.",
                )
            })
            .collect();
        engine.annotate_all(&mut docs, &Task::ALL).unwrap();
        assert!(docs.iter().all(|d| d.model.as_deref() == Some("fails-on")));
        docs[17] = document_from_fields(
            "d17".into(),
            None,
            "Title
A BROKEN body.",
        );
        let err = engine.annotate_all(&mut docs, &Task::ALL).unwrap_err();
        assert_eq!(err.article, "d17", "{err}");
    }
}
