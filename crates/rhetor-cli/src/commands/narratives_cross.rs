//! `rhetor narratives --cross-lingual`: embeds the articles not embedded
//! yet with the accurate model's multilingual encoder (one embedding per
//! paragraph, title included), then joins clusters across
//! languages (`rhetor_corpus::narratives::join_cross_lingual`).

use anyhow::Result;
use rhetor_corpus::narratives::{join_cross_lingual, CROSS_LINGUAL_THRESHOLD};
use rhetor_store::{CorpusStore, SqliteStore};
use std::path::Path;

/// `relink_all`: the lexical clusters were just recomputed from scratch,
/// so every cross-lingual pair is compared again.
pub fn run(store: &mut SqliteStore, encoder: Option<&Path>, relink_all: bool) -> Result<()> {
    // A clear error (how to install it) when the encoder is absent.
    let encoder = rhetor_engine::load_encoder(encoder)?;
    let todo = store.unembedded()?;
    let bar = super::progress::bar(todo.len() as u64, "embedding");
    for chunk in todo.chunks(64) {
        let mut vectors = Vec::with_capacity(chunk.len());
        for &id in chunk {
            if let Some(stored) = store.article(id)? {
                let doc = stored.article.to_document();
                let texts: Vec<&str> = doc.paragraphs.iter().map(|p| p.text.as_str()).collect();
                vectors.push((id, encoder.embed(&texts)));
            }
            bar.inc(1);
        }
        store.save_embeddings(&vectors)?;
    }
    bar.finish_and_clear();
    let new = (!relink_all).then_some(todo.as_slice());
    let links = join_cross_lingual(store, new, CROSS_LINGUAL_THRESHOLD)?;
    eprintln!(
        "rhetor: narratives: {} article(s) embedded, {links} cross-lingual link(s)",
        todo.len()
    );
    Ok(())
}
