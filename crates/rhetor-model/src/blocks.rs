//! The feature blocks of a document that training and the tests score:
//! every paragraph's (with its place in the article) and the whole
//! article's (title and body).

use crate::features::{Blocks, Featurizer, ParagraphContext};
use rhetor_core::Document;

/// Feature blocks of every paragraph of a document, in order.
pub fn paragraph_blocks(f: &Featurizer, doc: &Document) -> Vec<Blocks> {
    let n = doc.paragraphs.len();
    doc.paragraphs
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let ctx = ParagraphContext {
                language: doc.language.as_deref(),
                index: i,
                count: n,
                title: &doc.title,
            };
            f.paragraph(&p.text, &ctx)
        })
        .collect()
}

/// Feature blocks of a whole document (title and body).
pub fn article_blocks(f: &Featurizer, doc: &Document) -> Blocks {
    let body: Vec<&str> = doc.body().collect();
    f.article(&doc.title, &body.join("\n"), doc.language.as_deref())
}
