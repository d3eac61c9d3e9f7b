//! What the disk caches of the encoder's outputs (paragraph embeddings in
//! `embed.rs`, word states in `words.rs`) share: the encoder's tag in
//! their file names, and the texts a cache still has to compute.

use rhetor_encoder::Encoder;
use sha2::{Digest, Sha256};

/// The distinct `texts` for which `cached` is false, sorted: what a cache
/// (embeddings or word states) still has to compute.
pub(crate) fn uncached<'a>(texts: &[&'a str], cached: impl Fn(&str) -> bool) -> Vec<&'a str> {
    let mut missing: Vec<&str> = texts.iter().copied().filter(|t| !cached(t)).collect();
    missing.sort_unstable();
    missing.dedup();
    missing
}

/// A hash of the encoder's weights and of the arithmetic used (int8 or
/// f32), 16 hex digits: what cache file names carry, so that numbers from
/// another encoder are never mixed in.
pub fn encoder_tag(encoder: &Encoder) -> std::io::Result<String> {
    let mut h = Sha256::new();
    for name in [rhetor_encoder::Q4_FILE, rhetor_encoder::SAFETENSORS_FILE] {
        let p = encoder.dir.join(name);
        if p.is_file() {
            h.update(rhetor_encoder::fetch::sha256_file(&p)?.as_bytes());
        }
    }
    h.update(if encoder.uses_int8() {
        b"int8"
    } else {
        b"f32 "
    });
    Ok(h.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}
