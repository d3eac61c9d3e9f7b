//! Fills the word-state cache of the encoder span tagger with every
//! paragraph of a dataset's labelled articles (docs/evaluation.md).
//!
//! `cargo run --release -p rhetor-accurate --example span_states -- DATA [CACHE_DIR]`
//!
//! CACHE_DIR defaults to `~/.cache/rhetor/train` (where `rhetor train
//! --model accurate` keeps it). Interrupted runs resume:
//! the cache is saved every 4,096 paragraphs.

use rhetor_accurate::words::WordStateCache;
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let data = args.first().ok_or("usage: span_states DATA [CACHE_DIR]")?;
    let dir = match args.get(1) {
        Some(d) => PathBuf::from(d),
        None => rhetor_encoder::fetch::cache_dir()
            .ok_or("no cache directory")?
            .join("train"),
    };
    let docs = rhetor_formats::corpus::load_dataset(&PathBuf::from(data), None)?;
    let encoder_dir = rhetor_encoder::fetch::default_dir().ok_or("no encoder directory")?;
    let encoder = rhetor_encoder::Encoder::load(&encoder_dir)?;
    let mut cache = WordStateCache::for_encoder(&dir, &encoder)?;
    let texts: Vec<&str> = docs
        .iter()
        .flat_map(|d| d.doc.paragraphs.iter().map(|p| p.text.as_str()))
        .collect();
    eprintln!(
        "{} paragraphs, {} cached in {}",
        texts.len(),
        cache.len(),
        cache.path().display()
    );
    let t0 = std::time::Instant::now();
    cache.fill(&encoder, &texts, &|done, total| {
        let s = t0.elapsed().as_secs_f64();
        eprintln!(
            "{done}/{total} paragraphs, {:.0} s, {:.1}/s",
            s,
            done as f64 / s
        );
    })?;
    eprintln!("{} paragraphs cached", cache.len());
    Ok(())
}
