//! The one annotation step every front end runs (CLI, HTTP server, evaluator),
//! so an article analysed by `rhetor analyze` and by `POST /v1/analyze` gets
//! exactly the same treatment.

use crate::detector::{DetectError, Task};
use crate::lang::{identify_document, LanguageIdentifier};
use crate::{Detector, Document, Evidence};

/// Annotates one document with the `tasks` asked for ([`Task::ALL`] for
/// everything): language first (models may use it), then the detector. A
/// language already set (e.g. from a dataset folder) is kept.
pub fn annotate(
    doc: &mut Document,
    lid: &LanguageIdentifier,
    detector: &dyn Detector,
    tasks: &[Task],
) -> Result<(), DetectError> {
    annotate_with(doc, lid, detector, tasks, Evidence::default())
}

/// [`annotate`] with spans decided at the reader's [`Evidence`] level.
pub fn annotate_with(
    doc: &mut Document,
    lid: &LanguageIdentifier,
    detector: &dyn Detector,
    tasks: &[Task],
    evidence: Evidence,
) -> Result<(), DetectError> {
    if doc.language.is_none() {
        doc.language = identify_document(lid, doc).map(str::to_string);
    }
    detector.annotate_with(doc, tasks, evidence)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detector::NoModel;

    #[test]
    fn identifies_language_but_keeps_a_given_one() {
        let lid = LanguageIdentifier::new();
        let mut doc = Document::from_title_and_body(
            "1",
            "Title",
            "The minister promised that the new bridge would be finished before winter.",
        );
        annotate(&mut doc, &lid, &NoModel, &Task::ALL).unwrap();
        assert_eq!(doc.language.as_deref(), Some("en"));
        doc.language = Some("fr".into());
        annotate(&mut doc, &lid, &NoModel, &Task::ALL).unwrap();
        assert_eq!(doc.language.as_deref(), Some("fr"));
    }
}
