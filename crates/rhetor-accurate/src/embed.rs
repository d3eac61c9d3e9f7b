//! Paragraph and article embeddings, with a disk cache for training.
//!
//! Embedding the training corpus takes minutes on a CPU while training the
//! heads takes seconds, so training keeps every paragraph's embedding in a
//! cache file keyed by the encoder's weights and by the text itself.

use crate::encoder_cache::{encoder_tag, uncached};
use crate::words::WordStore;
use rhetor_core::window::{prefix, PARAGRAPH_WINDOW};
use rhetor_core::Document;
use rhetor_encoder::Encoder;
use rhetor_model::hashing::Fnv;
use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Embeddings of one document.
#[derive(Debug, Clone)]
pub struct DocEmbeddings {
    /// One per paragraph, in order.
    pub paragraphs: Vec<Vec<f32>>,
    /// The normalised mean of the paragraph embeddings.
    pub article: Vec<f32>,
}

/// The normalised mean of `paragraphs` (zeros when there are none).
pub fn article_embedding(paragraphs: &[Vec<f32>], dim: usize) -> Vec<f32> {
    let mut mean = vec![0f32; dim];
    for p in paragraphs {
        for (m, v) in mean.iter_mut().zip(p) {
            *m += v;
        }
    }
    rhetor_encoder::normalize(&mut mean);
    mean
}

/// Paragraphs embedded in one call of the encoder: an article of 200,000
/// lines is embedded in pieces, so its token ids and pooled windows are
/// never all held at once (SemEval articles have far fewer paragraphs, and
/// are embedded in one call as before).
pub(crate) const PARAGRAPHS_PER_CALL: usize = 1024;

/// Paragraphs per encoder call when their word states are spilled.
const SPILLED_PARAGRAPHS_PER_CALL: usize = 256;

/// Embeds one document's paragraphs (for inference). The encoder reads at
/// most the first [`PARAGRAPH_WINDOW`] bytes of a paragraph (some 20,000
/// tokens): a paragraph of 50 MB would otherwise take hours.
pub fn embed_document(encoder: &Encoder, doc: &Document) -> DocEmbeddings {
    embed_document_inner(encoder, doc, None).0
}

/// [`embed_document`]'s embeddings (the same bits) and, from the same
/// forward pass, each paragraph's word states for the encoder span
/// tagger ([`crate::words`]); `None` for a paragraph longer than the part
/// the encoder reads (its spans come from the fast tagger). An article of
/// more than `spill_above` paragraphs keeps them in a temporary file
/// ([`WordStore`]).
pub fn embed_document_with_words(
    encoder: &Encoder,
    doc: &Document,
    spill_above: usize,
) -> (DocEmbeddings, WordStore) {
    embed_document_inner(encoder, doc, Some(spill_above))
}

/// `words`: keep word states, spilled above that many paragraphs.
fn embed_document_inner(
    encoder: &Encoder,
    doc: &Document,
    words: Option<usize>,
) -> (DocEmbeddings, WordStore) {
    let texts: Vec<&str> = doc
        .paragraphs
        .iter()
        .map(|p| prefix(&p.text, PARAGRAPH_WINDOW))
        .collect();
    let mut paragraphs = Vec::with_capacity(texts.len());
    let spill = words.is_some_and(|above| texts.len() > above);
    let mut states = WordStore::new(spill, encoder.dim());
    // A long article's word states go to disk chunk by chunk: smaller
    // chunks keep the forward pass's token states (some 80 MB per 1,024
    // paragraphs, held in three forms while pooled) small too.
    let per_call = if spill {
        SPILLED_PARAGRAPHS_PER_CALL
    } else {
        PARAGRAPHS_PER_CALL
    };
    for (chunk, paras) in texts.chunks(per_call).zip(doc.paragraphs.chunks(per_call)) {
        if rhetor_core::cancel::cancelled() {
            // The caller gave up and will not read these.
            paragraphs.resize(texts.len(), vec![0.0; encoder.dim()]);
            break;
        }
        if words.is_some() {
            let (emb, ws) = crate::words::embed_with_words(encoder, chunk);
            paragraphs.extend(emb);
            for (ws, p) in ws.into_iter().zip(paras) {
                // The encoder read only the start of a longer paragraph.
                states.push(Some(ws).filter(|_| p.text.len() <= PARAGRAPH_WINDOW));
            }
        } else {
            paragraphs.extend(encoder.embed(chunk));
        }
    }
    let article = article_embedding(&paragraphs, encoder.dim());
    (
        DocEmbeddings {
            paragraphs,
            article,
        },
        states,
    )
}

/// 64-bit FNV-1a of a text: the cache key.
/// (Unfinalised, unlike feature hashes: the cache files already on disk
/// are keyed this way.)
fn text_key(text: &str) -> u64 {
    let mut h = Fnv::new();
    h.write(text.as_bytes());
    h.unfinalised()
}

/// Text hash → embedding, optionally backed by a file.
pub struct EmbeddingCache {
    path: Option<PathBuf>,
    map: HashMap<u64, Vec<f32>>,
}

const CACHE_MAGIC: &[u8; 8] = b"RHETOREC";

impl EmbeddingCache {
    /// A cache that is never written to disk (inference, tests).
    pub fn in_memory() -> Self {
        EmbeddingCache {
            path: None,
            map: HashMap::new(),
        }
    }

    /// The cache file for `encoder` inside `dir`: its name carries a hash
    /// of the encoder's weights and of the arithmetic used (int8 or f32),
    /// so embeddings from another encoder are never mixed in.
    pub fn for_encoder(dir: &Path, encoder: &Encoder) -> std::io::Result<Self> {
        let tag = encoder_tag(encoder)?;
        let path = dir.join(format!("embeddings-{tag}.bin"));
        let map = if path.is_file() {
            read_cache(&path).unwrap_or_default()
        } else {
            HashMap::new()
        };
        Ok(EmbeddingCache {
            path: Some(path),
            map,
        })
    }

    /// Paragraphs cached.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether nothing is cached yet.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The cache file, if it has one.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Writes the cache file (no-op in memory).
    pub fn save(&self) -> std::io::Result<()> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut out = rhetor_formats::atomic::AtomicFile::create(path)?;
        let dim = self.map.values().next().map_or(0, |v| v.len());
        rhetor_model::store::write_header(&mut out, CACHE_MAGIC, dim as u32)?;
        let mut keys: Vec<&u64> = self.map.keys().collect();
        keys.sort_unstable();
        for k in keys {
            out.write_all(&k.to_le_bytes())?;
            for v in &self.map[k] {
                out.write_all(&v.to_le_bytes())?;
            }
        }
        out.commit()
    }

    /// Embeddings of `texts`, computing (in chunks, saving after each) only
    /// those not cached. `progress(done, total)` follows the computation.
    pub fn embed(
        &mut self,
        encoder: &Encoder,
        texts: &[&str],
        progress: &dyn Fn(usize, usize),
    ) -> std::io::Result<Vec<Vec<f32>>> {
        let missing = uncached(texts, |t| self.map.contains_key(&text_key(t)));
        let total = missing.len();
        // Chunks big enough to keep both cores busy, small enough that an
        // interrupted run loses little.
        for (i, chunk) in missing.chunks(512).enumerate() {
            let vecs = encoder.embed(chunk);
            for (t, v) in chunk.iter().zip(vecs) {
                self.map.insert(text_key(t), v);
            }
            progress(((i + 1) * 512).min(total), total);
            if (i + 1) % 8 == 0 {
                self.save()?;
            }
        }
        if total > 0 {
            self.save()?;
        }
        Ok(texts
            .iter()
            .map(|t| self.map[&text_key(t)].clone())
            .collect())
    }

    /// Every document's paragraph and article embeddings, through the
    /// cache (as [`EmbeddingCache::embed`], whose `progress` it passes on):
    /// what training, cross-validation and the labs embed a corpus with.
    pub fn embed_corpus(
        &mut self,
        encoder: &Encoder,
        docs: &[rhetor_formats::corpus::LabeledDocument],
        progress: &dyn Fn(usize, usize),
    ) -> std::io::Result<Vec<DocEmbeddings>> {
        let texts: Vec<&str> = docs
            .iter()
            .flat_map(|d| d.doc.paragraphs.iter().map(|p| p.text.as_str()))
            .collect();
        let mut vecs = self.embed(encoder, &texts, progress)?.into_iter();
        Ok(docs
            .iter()
            .map(|d| {
                let paragraphs: Vec<Vec<f32>> =
                    vecs.by_ref().take(d.doc.paragraphs.len()).collect();
                let article = article_embedding(&paragraphs, encoder.dim());
                DocEmbeddings {
                    paragraphs,
                    article,
                }
            })
            .collect())
    }
}

fn read_cache(path: &Path) -> std::io::Result<HashMap<u64, Vec<f32>>> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)?.read_to_end(&mut bytes)?;
    let mut map = HashMap::new();
    let Some((dim, body)) = rhetor_model::store::read_header(&bytes, CACHE_MAGIC) else {
        return Ok(map);
    };
    let rec = 8 + 4 * dim as usize;
    for r in body.chunks_exact(rec) {
        let key = u64::from_le_bytes(r[..8].try_into().expect("8 bytes"));
        let v = r[8..]
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        map.insert(key, v);
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn article_embedding_is_normalised_mean() {
        let a = article_embedding(&[vec![1.0, 0.0], vec![0.0, 1.0]], 2);
        assert!((a[0] - a[1]).abs() < 1e-7);
        assert!((a[0] * a[0] + a[1] * a[1] - 1.0).abs() < 1e-6);
        assert_eq!(article_embedding(&[], 3), vec![0.0; 3]);
    }

    #[test]
    fn cache_file_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.bin");
        let mut c = EmbeddingCache {
            path: Some(path.clone()),
            map: HashMap::new(),
        };
        c.map.insert(text_key("a"), vec![0.5, -1.0, 2.0]);
        c.map.insert(text_key("b"), vec![1.0, 0.0, 3.0]);
        c.save().unwrap();
        let back = read_cache(&path).unwrap();
        assert_eq!(back, c.map);
        assert_ne!(text_key("a"), text_key("b"));
    }
}
