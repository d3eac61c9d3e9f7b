//! A compact SentencePiece Unigram model behind the `tokenizers` pipeline.
//!
//! The `tokenizers` crate's own Unigram model keeps its 250,002 pieces in a
//! byte trie of hash maps: about 270 MB of memory for XLM-R's vocabulary,
//! more than the encoder's weights. This model keeps the pieces in a
//! finite-state transducer (`fst`, a few MB) and runs the same Viterbi
//! search, tie-breaking and unknown-character handling, so token ids are
//! identical (a test compares them on every SemEval paragraph). The
//! normaliser, pre-tokeniser and special tokens still come from
//! `tokenizers`, read from the same `tokenizer.json`.

use fst::raw::Output;
use serde::Deserialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use tokenizers::{
    AddedToken, DecoderWrapper, Model, NormalizerWrapper, PostProcessorWrapper,
    PreTokenizerWrapper, Token, TokenizerImpl, Trainer,
};

/// Same penalty as SentencePiece and `tokenizers`: an unknown character
/// scores this much below the rarest piece.
const UNK_PENALTY: f64 = 10.0;

/// The tokenizer rhetor runs: `tokenizers`' pipeline with [`CompactUnigram`].
pub type CompactTokenizer = TokenizerImpl<
    CompactUnigram,
    NormalizerWrapper,
    PreTokenizerWrapper,
    PostProcessorWrapper,
    DecoderWrapper,
>;

/// Pieces in an FST (piece → id) and their scores by id.
#[derive(Debug, Clone)]
pub struct CompactUnigram {
    map: fst::Map<Vec<u8>>,
    scores: Vec<f64>,
    /// Piece texts by id, for `id_to_token` (about 4 MB).
    pieces: Vec<Box<str>>,
    unk_id: u32,
    unk_score: f64,
}

impl CompactUnigram {
    /// From `(piece, score)` by id. A piece listed twice maps to its last
    /// id, as in `tokenizers`.
    pub fn new(vocab: Vec<(String, f64)>, unk_id: usize) -> Result<Self, String> {
        if unk_id >= vocab.len() {
            return Err(format!(
                "unk_id {unk_id} outside a vocabulary of {}",
                vocab.len()
            ));
        }
        let min_score = vocab.iter().map(|v| v.1).fold(f64::INFINITY, f64::min);
        let mut order: Vec<usize> = (0..vocab.len()).collect();
        // Sorted by bytes, then by id so that the last duplicate wins.
        order.sort_by(|&a, &b| {
            vocab[a]
                .0
                .as_bytes()
                .cmp(vocab[b].0.as_bytes())
                .then(a.cmp(&b))
        });
        let mut builder = fst::MapBuilder::memory();
        for (k, &i) in order.iter().enumerate() {
            let last_of_its_piece = order.get(k + 1).is_none_or(|&j| vocab[j].0 != vocab[i].0);
            if last_of_its_piece && !vocab[i].0.is_empty() {
                builder
                    .insert(vocab[i].0.as_bytes(), i as u64)
                    .map_err(|e| e.to_string())?;
            }
        }
        let map = fst::Map::new(builder.into_inner().map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
        let scores = vocab.iter().map(|v| v.1).collect();
        let pieces = vocab.into_iter().map(|v| v.0.into_boxed_str()).collect();
        Ok(CompactUnigram {
            map,
            scores,
            pieces,
            unk_id: unk_id as u32,
            unk_score: min_score - UNK_PENALTY,
        })
    }

    /// The most probable segmentation of `text` (Viterbi), as byte ranges
    /// and ids; runs of unknown characters become one unknown token.
    pub fn segment(&self, text: &str) -> Vec<(usize, usize, u32)> {
        #[derive(Clone, Copy)]
        struct Best {
            score: f64,
            start: Option<usize>,
            id: u32,
        }
        let bytes = text.as_bytes();
        let mut best = vec![
            Best {
                score: 0.0,
                start: None,
                id: 0
            };
            bytes.len() + 1
        ];
        let fst = self.map.as_fst();
        let offer = |best: &mut [Best], end: usize, start: usize, score: f64, id: u32| {
            let node = &mut best[end];
            // Strictly better only: among equal scores the shorter piece,
            // found first, stays, as in `tokenizers`.
            if node.start.is_none() || score > node.score {
                *node = Best {
                    score,
                    start: Some(start),
                    id,
                };
            }
        };
        let mut start = 0;
        while start < bytes.len() {
            let here = best[start].score;
            let char_len = text[start..].chars().next().map_or(1, char::len_utf8);
            let mut single = false;
            let mut node = fst.root();
            let mut out = Output::zero();
            for (k, &b) in bytes[start..].iter().enumerate() {
                let Some(t) = node.find_input(b).map(|i| node.transition(i)) else {
                    break;
                };
                out = out.cat(t.out);
                node = fst.node(t.addr);
                if node.is_final() {
                    let id = out.cat(node.final_output()).value() as usize;
                    offer(
                        &mut best,
                        start + k + 1,
                        start,
                        here + self.scores[id],
                        id as u32,
                    );
                    single |= k + 1 == char_len;
                }
            }
            if !single {
                offer(
                    &mut best,
                    start + char_len,
                    start,
                    here + self.unk_score,
                    self.unk_id,
                );
            }
            start += char_len;
        }
        let mut out: Vec<(usize, usize, u32)> = Vec::new();
        let mut end = bytes.len();
        while end > 0 {
            let node = best[end];
            let start = node.start.expect("every character boundary is reached");
            match out.last_mut() {
                // Fuse with the following unknown token.
                Some(next) if node.id == self.unk_id && next.2 == self.unk_id => next.0 = start,
                _ => out.push((start, end, node.id)),
            }
            end = start;
        }
        out.reverse();
        // A fused run of unknown characters that happens to spell a piece
        // takes that piece's id, as `tokenizers` looks tokens up by text.
        for t in &mut out {
            if t.2 == self.unk_id {
                if let Some(id) = self.map.get(&text[t.0..t.1]) {
                    t.2 = id as u32;
                }
            }
        }
        out
    }
}

impl Model for CompactUnigram {
    type Trainer = NoTrainer;

    fn tokenize(&self, sequence: &str) -> tokenizers::Result<Vec<Token>> {
        Ok(self
            .segment(sequence)
            .into_iter()
            .map(|(s, e, id)| Token::new(id, sequence[s..e].to_string(), (s, e)))
            .collect())
    }

    fn token_to_id(&self, token: &str) -> Option<u32> {
        self.map.get(token).map(|id| id as u32)
    }

    fn id_to_token(&self, id: u32) -> Option<String> {
        self.pieces.get(id as usize).map(|p| p.to_string())
    }

    fn get_vocab(&self) -> HashMap<String, u32> {
        let mut stream = self.map.stream();
        let mut vocab = HashMap::new();
        use fst::Streamer;
        while let Some((k, v)) = stream.next() {
            vocab.insert(String::from_utf8_lossy(k).into_owned(), v as u32);
        }
        vocab
    }

    fn get_vocab_size(&self) -> usize {
        self.pieces.len()
    }

    fn save(&self, _folder: &Path, _prefix: Option<&str>) -> tokenizers::Result<Vec<PathBuf>> {
        Err("rhetor's compact Unigram model is read from tokenizer.json, never saved".into())
    }

    fn get_trainer(&self) -> NoTrainer {
        NoTrainer
    }
}

/// `tokenizers` asks every model for a trainer; rhetor never trains one.
pub struct NoTrainer;

impl Trainer for NoTrainer {
    type Model = CompactUnigram;

    fn should_show_progress(&self) -> bool {
        false
    }

    fn train(&self, _model: &mut CompactUnigram) -> tokenizers::Result<Vec<AddedToken>> {
        Err("rhetor does not train tokenizers".into())
    }

    fn feed<I, S, F>(&mut self, _iterator: I, _process: F) -> tokenizers::Result<()>
    where
        I: Iterator<Item = S> + Send,
        S: AsRef<str> + Send,
        F: Fn(&str) -> tokenizers::Result<Vec<String>> + Sync,
    {
        Err("rhetor does not train tokenizers".into())
    }
}

/// The parts of `tokenizer.json` rhetor reads; typed, so that the 17 MB
/// file is never held as a JSON tree.
#[derive(Deserialize)]
struct TokenizerFile {
    #[serde(default)]
    added_tokens: Vec<AddedTokenEntry>,
    normalizer: Option<NormalizerWrapper>,
    pre_tokenizer: Option<PreTokenizerWrapper>,
    model: ModelEntry,
}

#[derive(Deserialize)]
struct AddedTokenEntry {
    content: String,
    #[serde(default)]
    single_word: bool,
    #[serde(default)]
    lstrip: bool,
    #[serde(default)]
    rstrip: bool,
    #[serde(default = "yes")]
    normalized: bool,
    #[serde(default)]
    special: bool,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
struct ModelEntry {
    #[serde(rename = "type")]
    kind: String,
    vocab: Vec<(String, f64)>,
    unk_id: Option<usize>,
    #[serde(default)]
    byte_fallback: bool,
}

/// Reads a `tokenizer.json` whose model is a SentencePiece Unigram
/// (XLM-R's, as multilingual-e5 uses) into a [`CompactTokenizer`].
pub fn load(json: &[u8]) -> Result<CompactTokenizer, String> {
    let file: TokenizerFile = serde_json::from_slice(json).map_err(|e| e.to_string())?;
    if file.model.kind != "Unigram" {
        return Err(format!(
            "a {} tokenizer model; rhetor reads Unigram (SentencePiece) models",
            file.model.kind
        ));
    }
    if file.model.byte_fallback {
        return Err("Unigram with byte fallback is not supported".into());
    }
    let unk_id = file.model.unk_id.ok_or("the Unigram model has no unk_id")?;
    let model = CompactUnigram::new(file.model.vocab, unk_id)?;
    let mut tok = CompactTokenizer::new(model);
    tok.with_normalizer(file.normalizer)
        .map_err(|e| e.to_string())?;
    tok.with_pre_tokenizer(file.pre_tokenizer);
    let (special, plain): (Vec<_>, Vec<_>) = file
        .added_tokens
        .into_iter()
        .map(|t| {
            let special = t.special;
            let token = AddedToken::from(t.content, special)
                .single_word(t.single_word)
                .lstrip(t.lstrip)
                .rstrip(t.rstrip)
                .normalized(t.normalized);
            (special, token)
        })
        .partition(|(special, _)| *special);
    let tokens = |v: Vec<(bool, AddedToken)>| v.into_iter().map(|t| t.1).collect::<Vec<_>>();
    tok.add_special_tokens(tokens(special))
        .map_err(|e| e.to_string())?;
    tok.add_tokens(tokens(plain)).map_err(|e| e.to_string())?;
    Ok(tok)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy() -> CompactUnigram {
        let vocab = [
            ("<unk>", 0.0),
            ("▁", -2.0),
            ("a", -3.0),
            ("b", -3.0),
            ("ab", -4.0),
            ("▁ab", -4.5),
            ("abc", -20.0),
            ("c", -5.0),
            ("a", -1.0), // a duplicate: the last id wins
        ];
        CompactUnigram::new(vocab.iter().map(|(p, s)| (p.to_string(), *s)).collect(), 0).unwrap()
    }

    fn ids(m: &CompactUnigram, text: &str) -> Vec<u32> {
        m.segment(text).into_iter().map(|t| t.2).collect()
    }

    #[test]
    fn viterbi_prefers_the_most_probable_segmentation() {
        let m = toy();
        // "▁ab" (-4.5) beats "▁" + "ab" (-6.0).
        assert_eq!(ids(&m, "▁ab"), vec![5]);
        // "ab" (-4) ties with "a" + "b" (-1 - 3): a later path replaces an
        // earlier one only when strictly better, so "ab", found first, stays.
        assert_eq!(ids(&m, "ab"), vec![4]);
        // "abc" (-20) loses to "ab" + "c" (-9).
        assert_eq!(ids(&m, "abc"), vec![4, 7]);
    }

    #[test]
    fn unknown_characters_fuse_into_one_token() {
        let m = toy();
        let seg = m.segment("aüéb");
        assert_eq!(seg.iter().map(|t| t.2).collect::<Vec<_>>(), vec![8, 0, 3]);
        // Byte ranges cover the text, the unknown run is "üé".
        assert_eq!(seg[1].0..seg[1].1, 1..5);
        assert_eq!(m.token_to_id("a"), Some(8));
        assert_eq!(m.id_to_token(4).as_deref(), Some("ab"));
        assert!(m.segment("").is_empty());
    }
}
