//! `rhetor narratives --cross-lingual`: embeds the articles not embedded
//! yet with the accurate model's multilingual encoder (mean of paragraph
//! embeddings, as the accurate model does), then joins clusters across
//! languages (`rhetor_corpus::narratives::join_cross_lingual`).

use anyhow::Result;
use rhetor_corpus::narratives::{join_cross_lingual, CROSS_LINGUAL_THRESHOLD};
use rhetor_store::{CorpusStore, SqliteStore};
use std::path::Path;

pub fn run(store: &mut SqliteStore, encoder: Option<&Path>) -> Result<()> {
    // A clear error (how to install it) when the encoder is absent.
    let encoder = rhetor_engine::load_encoder(encoder)?;
    let todo = store.unembedded()?;
    let bar = super::progress::bar(todo.len() as u64, "embedding");
    for chunk in todo.chunks(64) {
        let mut vectors = Vec::with_capacity(chunk.len());
        for &id in chunk {
            if let Some(stored) = store.article(id)? {
                let doc = stored.article.to_document();
                let e = rhetor_accurate::embed::embed_document(&encoder, &doc);
                vectors.push((id, e.article));
            }
            bar.inc(1);
        }
        store.save_embeddings(&vectors)?;
    }
    bar.finish_and_clear();
    let links = join_cross_lingual(store, &todo, CROSS_LINGUAL_THRESHOLD)?;
    eprintln!(
        "rhetor: narratives: {} article(s) embedded, {links} cross-lingual link(s)",
        todo.len()
    );
    Ok(())
}
