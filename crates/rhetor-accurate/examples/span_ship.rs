//! Adds the encoder span tagger to a heads file of format version 4 (the
//! heads unchanged), writing version 5: what `rhetor train --model
//! accurate` writes from the same data, seed and caches, without refitting
//! the heads (docs/evaluation.md).
//!
//! `cargo run --release -p rhetor-accurate --example span_ship -- DATA OLD_V4 OUT [SEED]`
//!
//! The word states come from the cache `span_states` fills
//! (`~/.cache/rhetor/train`); SEED defaults to 13, `rhetor train`'s.

use rhetor_accurate::stack::StackHeads;
use rhetor_accurate::tagger::train_encoder_spans;
use rhetor_accurate::words::WordStateCache;
use rhetor_accurate::AccurateHeads;
use serde::Deserialize;
use std::io::Read;
use std::path::PathBuf;

/// Version 4's layout: [`AccurateHeads`] without `spans`.
#[derive(Deserialize)]
struct HeadsV4 {
    trained_on: Vec<String>,
    seed: u64,
    encoder: String,
    dim: usize,
    heads: StackHeads,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (data, old, out) = match &args[..] {
        [d, o, w] | [d, o, w, _] => (d, o, w),
        _ => return Err("usage: span_ship DATA OLD_V4 OUT [SEED]".into()),
    };
    let seed: u64 = args.get(3).map_or(Ok(13), |s| s.parse())?;
    let bytes = std::fs::read(old)?;
    let (version, body) =
        rhetor_model::store::read_header(&bytes, b"RHETORAM").ok_or("not a heads file")?;
    if version != 4 {
        return Err(format!("{old}: format version {version}, expected 4").into());
    }
    let mut raw = Vec::new();
    flate2::read::GzDecoder::new(body).read_to_end(&mut raw)?;
    let old: HeadsV4 = postcard::from_bytes(&raw)?;
    let docs = rhetor_formats::corpus::load_dataset(&PathBuf::from(data), None)?;
    let encoder_dir = rhetor_encoder::fetch::default_dir().ok_or("no encoder directory")?;
    let encoder = rhetor_encoder::Encoder::load(&encoder_dir)?;
    let dir = rhetor_encoder::fetch::cache_dir()
        .ok_or("no cache directory")?
        .join("train");
    let mut cache = WordStateCache::for_encoder(&dir, &encoder)?;
    let texts: Vec<&str> = docs
        .iter()
        .filter(|d| d.gold.spans)
        .flat_map(|d| d.doc.paragraphs.iter().map(|p| p.text.as_str()))
        .collect();
    cache.fill(&encoder, &texts, &|done, total| eprintln!("{done}/{total}"))?;
    let all: Vec<usize> = (0..docs.len()).collect();
    let states = |t: &str| cache.get(t).expect("filled above");
    let spans = train_encoder_spans(&docs, &all, &states, encoder.dim(), seed);
    AccurateHeads {
        trained_on: old.trained_on,
        seed: old.seed,
        encoder: old.encoder,
        dim: old.dim,
        heads: old.heads,
        spans: Some(spans),
    }
    .save(std::path::Path::new(out))?;
    eprintln!("wrote {out}");
    Ok(())
}
