//! The encoder's contextual state of every word, for the span tagger.
//!
//! The fast model's span decision works on words (`rhetor_model::tokenize`:
//! runs of letters and digits). The encoder reads SentencePiece pieces; a
//! word's state is the mean of the 12th-layer states of the pieces that
//! overlap it, quantised to int8 with one scale per word (so a cache of
//! every training paragraph stays a few hundred MB, and training and
//! inference read the very same numbers). Training keeps them in a cache
//! file keyed by the encoder (as the paragraph embeddings are) and by
//! each paragraph's text.

use rhetor_encoder::{Encoder, PieceStates};
use rhetor_model::hashing::Fnv;
use rhetor_model::Token;
use std::borrow::Cow;
use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// One paragraph's word states, int8 with one scale per word.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WordStates {
    /// Dimension of each state.
    pub dim: usize,
    /// One scale per word: a state is `scale × q`.
    pub scales: Vec<f32>,
    /// `words × dim` quantised values.
    pub q: Vec<i8>,
}

impl WordStates {
    /// Words held.
    pub fn len(&self) -> usize {
        self.scales.len()
    }

    /// Whether it holds no word.
    pub fn is_empty(&self) -> bool {
        self.scales.is_empty()
    }

    /// Word `k`'s state, dequantised.
    pub fn state(&self, k: usize) -> Vec<f32> {
        let s = self.scales[k];
        self.q[k * self.dim..(k + 1) * self.dim]
            .iter()
            .map(|&v| s * v as f32)
            .collect()
    }

    /// Pools `pieces` (byte ranges in `text`) onto `tokens` (the fast
    /// model's words of `text`, code points from `base`): each word the
    /// mean of the pieces overlapping it, zeros where none does (past the
    /// part of a long paragraph the encoder read); then quantised.
    pub fn pool(
        pieces: &PieceStates,
        text: &str,
        tokens: &[Token],
        base: usize,
        dim: usize,
    ) -> Self {
        // Piece ranges in code points, as the tokens' are.
        let mut char_of_byte = vec![0usize; text.len() + 1];
        let mut n = 0;
        for (b, c) in text.char_indices() {
            char_of_byte[b..b + c.len_utf8()].fill(n);
            n += 1;
        }
        char_of_byte[text.len()] = n;
        let ranges: Vec<(usize, usize)> = pieces
            .ranges
            .iter()
            .map(|&(s, e)| {
                let s = char_of_byte[s.min(text.len())];
                // A piece ending inside a character covers it.
                let e = e.min(text.len());
                let e = if text.is_char_boundary(e) {
                    char_of_byte[e]
                } else {
                    char_of_byte[e] + 1
                };
                (s, e)
            })
            .collect();
        let mut out = WordStates {
            dim,
            scales: Vec::with_capacity(tokens.len()),
            q: Vec::with_capacity(tokens.len() * dim),
        };
        let mut first = 0;
        let mut mean = vec![0f32; dim];
        for t in tokens {
            let (ts, te) = (t.start - base, t.end - base);
            // Pieces are in text order: skip those ending before the word.
            while first < ranges.len() && ranges[first].1 <= ts {
                first += 1;
            }
            mean.fill(0.0);
            let mut count = 0;
            for (k, &(s, e)) in ranges.iter().enumerate().skip(first) {
                if s >= te {
                    break;
                }
                if e > ts && s < te {
                    for (m, v) in mean.iter_mut().zip(&pieces.states[k * dim..(k + 1) * dim]) {
                        *m += v;
                    }
                    count += 1;
                }
            }
            if count > 0 {
                let inv = 1.0 / count as f32;
                mean.iter_mut().for_each(|m| *m *= inv);
            }
            out.push(&mean);
        }
        out
    }

    /// Appends one word's state, quantised.
    fn push(&mut self, v: &[f32]) {
        let max = v.iter().fold(0f32, |m, x| m.max(x.abs()));
        let scale = if max > 0.0 { max / 127.0 } else { 0.0 };
        let inv = if scale > 0.0 { 1.0 / scale } else { 0.0 };
        self.scales.push(scale);
        self.q.extend(
            v.iter()
                .map(|x| (x * inv).round().clamp(-127.0, 127.0) as i8),
        );
    }
}

/// One document's word states, paragraph by paragraph, for the span
/// decision that reads them after the paragraph decisions.
///
/// An article of ordinary length keeps them in memory. A long one spills
/// them to an unnamed temporary file (deleted when the store is dropped)
/// and reads one paragraph back at a time: at some 13 KB per paragraph
/// (35 words × 385 bytes), an article of 200,000 lines would otherwise hold
/// 2.7 GB, far past the accurate model's 1 GB bound. The bytes read back
/// are the bytes written, so the spans do not depend on where they were.
pub struct WordStore {
    store: Store,
    /// Why spilling stopped, if it did: the paragraphs from there on have
    /// no states (their spans come from the fast tagger).
    pub spill_error: Option<String>,
}

enum Store {
    Memory(Vec<Option<WordStates>>),
    Spilled {
        /// The file, created on the first paragraph pushed.
        file: Option<Mutex<File>>,
        /// Each paragraph's byte offset in the file and word count.
        at: Vec<Option<(u64, u32)>>,
        /// Bytes written so far.
        end: u64,
        dim: usize,
    },
}

impl WordStore {
    /// An empty store; `spill` keeps the states in a temporary file.
    pub fn new(spill: bool, dim: usize) -> Self {
        let store = if spill {
            Store::Spilled {
                file: None,
                at: Vec::new(),
                end: 0,
                dim,
            }
        } else {
            Store::Memory(Vec::new())
        };
        WordStore {
            store,
            spill_error: None,
        }
    }

    /// Paragraphs pushed.
    pub fn len(&self) -> usize {
        match &self.store {
            Store::Memory(v) => v.len(),
            Store::Spilled { at, .. } => at.len(),
        }
    }

    /// Whether no paragraph was pushed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends the next paragraph's states (`None`: it has none).
    pub fn push(&mut self, ws: Option<WordStates>) {
        let failed = self.spill_error.is_some();
        let error = match &mut self.store {
            Store::Memory(v) => {
                v.push(ws);
                None
            }
            Store::Spilled { at, .. } if failed || ws.is_none() => {
                at.push(None);
                None
            }
            Store::Spilled { file, at, end, .. } => {
                let ws = ws.unwrap_or_default();
                match spill(file, &ws) {
                    Ok(written) => {
                        at.push(Some((*end, ws.len() as u32)));
                        *end += written;
                        None
                    }
                    Err(e) => {
                        at.push(None);
                        Some(e.to_string())
                    }
                }
            }
        };
        if let Some(e) = error {
            self.spill_error = Some(e);
        }
    }

    /// Paragraph `p`'s states (`None` past the end, or where it has none,
    /// or where the temporary file cannot be read back).
    pub fn get(&self, p: usize) -> Option<Cow<'_, WordStates>> {
        match &self.store {
            Store::Memory(v) => v.get(p)?.as_ref().map(Cow::Borrowed),
            Store::Spilled { file, at, dim, .. } => {
                let (offset, words) = (*at.get(p)?)?;
                let mut file = file.as_ref()?.lock().ok()?;
                read_back(&mut file, offset, words as usize, *dim)
                    .ok()
                    .map(Cow::Owned)
            }
        }
    }
}

/// Appends `ws` (scales, then values) to the spill file, created on first
/// use; returns the bytes written.
fn spill(file: &mut Option<Mutex<File>>, ws: &WordStates) -> std::io::Result<u64> {
    if file.is_none() {
        *file = Some(Mutex::new(tempfile::tempfile()?));
    }
    let mut f = file
        .as_ref()
        .and_then(|m| m.lock().ok())
        .ok_or_else(|| std::io::Error::other("the spill file's lock is poisoned"))?;
    let mut buf = Vec::with_capacity(4 * ws.len() + ws.q.len());
    for s in &ws.scales {
        buf.extend_from_slice(&s.to_le_bytes());
    }
    buf.extend(ws.q.iter().map(|&v| v as u8));
    f.write_all(&buf)?;
    Ok(buf.len() as u64)
}

fn read_back(
    file: &mut File,
    offset: u64,
    words: usize,
    dim: usize,
) -> std::io::Result<WordStates> {
    let mut buf = vec![0u8; words * (4 + dim)];
    file.seek(SeekFrom::Start(offset))?;
    file.read_exact(&mut buf)?;
    // Later pushes append at the end, where writes leave the cursor.
    file.seek(SeekFrom::End(0))?;
    let (scales, q) = buf.split_at(4 * words);
    Ok(WordStates {
        dim,
        scales: scales
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect(),
        q: q.iter().map(|&b| b as i8).collect(),
    })
}

/// The word states of paragraphs, computed with the encoder in one
/// forward pass with their embeddings (the same bits as
/// [`Encoder::embed`]): `texts[i]`'s words are `tokenize(texts[i], 0)`.
pub(crate) fn embed_with_words(
    encoder: &Encoder,
    texts: &[&str],
) -> (Vec<Vec<f32>>, Vec<WordStates>) {
    let (emb, pieces) = encoder.embed_with_states(texts);
    let words = texts
        .iter()
        .zip(&pieces)
        .map(|(t, p)| {
            let tokens = rhetor_model::tokenize(t, 0);
            WordStates::pool(p, t, &tokens, 0, encoder.dim())
        })
        .collect();
    (emb, words)
}

/// 64-bit FNV-1a of a paragraph's text: the cache key.
fn text_key(text: &str) -> u64 {
    let mut h = Fnv::new();
    h.write(text.as_bytes());
    h.finish()
}

const CACHE_MAGIC: &[u8; 8] = b"RHETORWS";

/// Paragraph text → word states, backed by a file named after the encoder.
pub struct WordStateCache {
    path: PathBuf,
    dim: usize,
    map: HashMap<u64, WordStates>,
}

impl WordStateCache {
    /// The cache for `encoder` in `dir` (`words-<encoder tag>.bin`), read
    /// if it exists (an unreadable file starts an empty cache).
    pub fn for_encoder(dir: &Path, encoder: &Encoder) -> std::io::Result<Self> {
        let tag = crate::encoder_cache::encoder_tag(encoder)?;
        let path = dir.join(format!("words-{tag}.bin"));
        let dim = encoder.dim();
        let map = std::fs::read(&path)
            .ok()
            .and_then(|b| read_cache(&b, dim))
            .unwrap_or_default();
        Ok(WordStateCache { path, dim, map })
    }

    /// Paragraphs cached.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The cache file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The word states of a cached paragraph.
    pub fn get(&self, text: &str) -> Option<&WordStates> {
        self.map.get(&text_key(text))
    }

    /// Computes (in chunks, saving after some) the states of the `texts`
    /// not cached yet; `progress(done, total)` follows.
    pub fn fill(
        &mut self,
        encoder: &Encoder,
        texts: &[&str],
        progress: &dyn Fn(usize, usize),
    ) -> std::io::Result<()> {
        let missing =
            crate::encoder_cache::uncached(texts, |t| self.map.contains_key(&text_key(t)));
        let total = missing.len();
        for (i, chunk) in missing.chunks(256).enumerate() {
            let cut: Vec<&str> = chunk
                .iter()
                .map(|t| rhetor_core::window::prefix(t, rhetor_core::window::PARAGRAPH_WINDOW))
                .collect();
            let (_, words) = encoder.embed_with_states(&cut);
            for ((full, cut), pieces) in chunk.iter().zip(&cut).zip(words) {
                // The words of the whole paragraph; those past the part
                // the encoder read get zeros.
                let tokens = rhetor_model::tokenize(full, 0);
                let ws = WordStates::pool(&pieces, cut, &tokens, 0, self.dim);
                self.map.insert(text_key(full), ws);
            }
            progress(((i + 1) * 256).min(total), total);
            if (i + 1) % 16 == 0 {
                self.save()?;
            }
        }
        if total > 0 {
            self.save()?;
        }
        Ok(())
    }

    /// Writes the cache file atomically.
    pub fn save(&self) -> std::io::Result<()> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut out = rhetor_formats::atomic::AtomicFile::create(&self.path)?;
        rhetor_model::store::write_header(&mut out, CACHE_MAGIC, self.dim as u32)?;
        let mut keys: Vec<&u64> = self.map.keys().collect();
        keys.sort_unstable();
        let mut buf = Vec::new();
        for k in keys {
            let ws = &self.map[k];
            buf.clear();
            buf.extend_from_slice(&k.to_le_bytes());
            buf.extend_from_slice(&(ws.len() as u32).to_le_bytes());
            for s in &ws.scales {
                buf.extend_from_slice(&s.to_le_bytes());
            }
            buf.extend(ws.q.iter().map(|&v| v as u8));
            out.write_all(&buf)?;
        }
        out.commit()
    }
}

fn read_cache(bytes: &[u8], dim: usize) -> Option<HashMap<u64, WordStates>> {
    let (d, mut body) = rhetor_model::store::read_header(bytes, CACHE_MAGIC)?;
    if d as usize != dim {
        return None;
    }
    let mut map = HashMap::new();
    while !body.is_empty() {
        let key = u64::from_le_bytes(body.get(..8)?.try_into().ok()?);
        let n = u32::from_le_bytes(body.get(8..12)?.try_into().ok()?) as usize;
        let scales_end = 12 + 4 * n;
        let end = scales_end + n * dim;
        let rec = body.get(..end)?;
        let scales = rec[12..scales_end]
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        let q = rec[scales_end..].iter().map(|&b| b as i8).collect();
        map.insert(key, WordStates { dim, scales, q });
        body = &body[end..];
    }
    Some(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_take_the_mean_of_their_pieces() {
        // "État ok": pieces "Ét" (bytes 0..3), "at" (3..5), " ok" (5..8).
        let text = "État ok";
        let pieces = PieceStates {
            ranges: vec![(0, 3), (3, 5), (5, 8)],
            states: vec![1.0, -2.0, 3.0, 0.0, 0.5, 0.5],
        };
        let tokens = rhetor_model::tokenize(text, 10);
        let ws = WordStates::pool(&pieces, text, &tokens, 10, 2);
        assert_eq!(ws.len(), 2);
        let close = |a: &[f32], b: &[f32]| a.iter().zip(b).all(|(x, y)| (x - y).abs() < 0.02);
        assert!(close(&ws.state(0), &[2.0, -1.0]), "{:?}", ws.state(0));
        assert!(close(&ws.state(1), &[0.5, 0.5]), "{:?}", ws.state(1));
    }

    #[test]
    fn a_word_no_piece_reaches_is_zero() {
        let text = "un deux";
        let pieces = PieceStates {
            ranges: vec![(0, 2)],
            states: vec![4.0],
        };
        let tokens = rhetor_model::tokenize(text, 0);
        let ws = WordStates::pool(&pieces, text, &tokens, 0, 1);
        assert_eq!(ws.state(0), vec![4.0]);
        assert_eq!(ws.state(1), vec![0.0]);
    }

    #[test]
    fn spilled_states_read_back_as_held_in_memory() {
        let mut a = WordStates {
            dim: 3,
            ..Default::default()
        };
        a.push(&[0.5, -1.0, 2.0]);
        a.push(&[-0.25, 0.0, 7.5]);
        let mut b = WordStates {
            dim: 3,
            ..Default::default()
        };
        b.push(&[1.0, 1.0, -3.0]);
        let empty = WordStates {
            dim: 3,
            ..Default::default()
        };
        let pushes = [Some(a), None, Some(empty), Some(b)];
        let mut memory = WordStore::new(false, 3);
        let mut spilled = WordStore::new(true, 3);
        for ws in &pushes {
            memory.push(ws.clone());
            spilled.push(ws.clone());
        }
        assert!(spilled.spill_error.is_none());
        assert!(matches!(
            spilled.store,
            Store::Spilled { file: Some(_), .. }
        ));
        assert_eq!((memory.len(), spilled.len()), (4, 4));
        // Read out of order, and twice: reads leave the file as it was.
        for p in [3, 0, 1, 2, 0, 3, 4] {
            let (m, s) = (memory.get(p), spilled.get(p));
            assert_eq!(m.as_deref(), s.as_deref(), "paragraph {p}");
            assert_eq!(s.as_deref(), pushes.get(p).cloned().flatten().as_ref());
        }
        // A push after reads still lands at the end.
        let mut c = WordStates {
            dim: 3,
            ..Default::default()
        };
        c.push(&[9.0, 0.0, 0.0]);
        spilled.push(Some(c.clone()));
        assert_eq!(spilled.get(4).as_deref(), Some(&c));
        assert_eq!(spilled.get(0).as_deref(), pushes[0].as_ref());
    }

    #[test]
    fn cache_file_round_trip_and_refusals() {
        let mut a = WordStates {
            dim: 3,
            ..Default::default()
        };
        a.push(&[0.5, -1.0, 2.0]);
        a.push(&[0.0, 0.0, 0.0]);
        let dir = tempfile::tempdir().unwrap();
        let cache = WordStateCache {
            path: dir.path().join("w.bin"),
            dim: 3,
            map: HashMap::from([
                (text_key("a b"), a.clone()),
                (
                    text_key(""),
                    WordStates {
                        dim: 3,
                        ..Default::default()
                    },
                ),
            ]),
        };
        cache.save().unwrap();
        let bytes = std::fs::read(cache.path()).unwrap();
        let back = read_cache(&bytes, 3).unwrap();
        assert_eq!(back, cache.map);
        assert_eq!(back[&text_key("a b")].state(0)[2], 2.0);
        // Another dimension, or a cut file, is not read.
        assert!(read_cache(&bytes, 4).is_none());
        assert!(read_cache(&bytes[..bytes.len() - 1], 3).is_none());
    }
}
