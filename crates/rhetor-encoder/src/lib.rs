//! rhetor-encoder: multilingual-e5-small in pure Rust.
//!
//! [`Encoder::load`] reads a directory in either of two layouts — the
//! 4-bit single file `e5-small-q4.bin` (see [`q4file`]) or a model hub's
//! `model.safetensors` + `config.json` (see [`hub`]) — plus the model's
//! `tokenizer.json`. [`Encoder::embed`] turns texts into L2-normalised
//! 384-dimensional passage embeddings the way E5 prescribes: prefix
//! `passage: `, mean pooling, normalisation; texts longer than the model's
//! 512 positions are cut into windows whose means are averaged by length.
//! [`fetch`] obtains the files.

#![warn(missing_docs)]

pub mod bert;
pub mod fetch;
pub mod hub;
pub mod q4file;
pub mod qgemm;
pub mod unigram;
pub mod weights;

use rayon::prelude::*;
use std::path::{Path, PathBuf};
use weights::BertWeights;

/// File names in an encoder directory.
pub const Q4_FILE: &str = "e5-small-q4.bin";
/// Full-precision weights, as a model hub publishes them (read when there is no 4-bit file).
pub const SAFETENSORS_FILE: &str = "model.safetensors";
/// The BERT configuration that goes with the safetensors weights.
pub const CONFIG_FILE: &str = "config.json";
/// The tokenizer's pipeline (normalisation, pre-tokeniser, pieces).
pub const TOKENIZER_FILE: &str = "tokenizer.json";

/// E5's prefix for texts to be retrieved or classified.
pub const PASSAGE_PREFIX: &str = "passage: ";

/// Tokens per batch of the forward pass: large enough that each GEMM
/// amortises reading its weights, small enough to stay cache-friendly
/// (measured: 256–4096 tokens differ by a few percent).
const BATCH_TOKENS: usize = 1024;

/// One window of a text: the text's index and its token ids with the
/// `<s>` and `</s>` markers around them.
pub type Window = (usize, Vec<u32>);

#[derive(Debug, thiserror::Error)]
/// Why the encoder could not be loaded or fetched; messages name the file or directory.
pub enum EncoderError {
    #[error("{path}: {source}")]
    /// Reading a file failed.
    Io {
        /// The file.
        path: String,
        /// The operating system's error.
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    /// A file is not in the layout expected (truncated, wrong sizes, unknown tensor).
    Format {
        /// The file.
        path: String,
        /// What in it is not as expected.
        message: String,
    },
    #[error("{dir}: no encoder files: expected {TOKENIZER_FILE} and either {Q4_FILE} or {SAFETENSORS_FILE} + {CONFIG_FILE} (run `rhetor models fetch`)")]
    /// The directory has no encoder.
    Missing {
        /// The directory looked in.
        dir: String,
    },
    #[error("{0}")]
    /// `rhetor models fetch` failed (pip, a checksum, the wheel's contents).
    Fetch(String),
}

fn read(path: &Path) -> Result<Vec<u8>, EncoderError> {
    std::fs::read(path).map_err(|source| EncoderError::Io {
        path: path.display().to_string(),
        source,
    })
}

/// Which layout a directory holds, if any.
pub fn layout(dir: &Path) -> Option<&'static str> {
    if !dir.join(TOKENIZER_FILE).is_file() {
        return None;
    }
    if dir.join(Q4_FILE).is_file() {
        Some("q4")
    } else if dir.join(SAFETENSORS_FILE).is_file() && dir.join(CONFIG_FILE).is_file() {
        Some("safetensors")
    } else {
        None
    }
}

/// A loaded encoder: weights and tokenizer.
pub struct Encoder {
    weights: BertWeights,
    /// int8 copies of the dense layers, on CPUs that run them.
    int8: Vec<qgemm::QLayer>,
    tokenizer: unigram::CompactTokenizer,
    bos: u32,
    eos: u32,
    /// Directory it was loaded from.
    pub dir: PathBuf,
}

impl Encoder {
    /// Loads an encoder directory in either layout; its dense layers run in
    /// int8 where the CPU has the instructions (see [`qgemm`]).
    pub fn load(dir: &Path) -> Result<Self, EncoderError> {
        Self::load_with(dir, qgemm::available())
    }

    /// Loads an encoder that runs every layer in f32, even where the int8
    /// kernel is available (to check the two agree).
    pub fn load_f32(dir: &Path) -> Result<Self, EncoderError> {
        let int8 = false;
        Self::load_with(dir, int8)
    }

    fn load_with(dir: &Path, int8: bool) -> Result<Self, EncoderError> {
        let format = |path: &Path, message: String| EncoderError::Format {
            path: path.display().to_string(),
            message,
        };
        let mut weights = match layout(dir) {
            Some("q4") => {
                let path = dir.join(Q4_FILE);
                q4file::parse(&read(&path)?).map_err(|m| format(&path, m))?
            }
            Some(_) => {
                let cpath = dir.join(CONFIG_FILE);
                let json = String::from_utf8_lossy(&read(&cpath)?).into_owned();
                let config = hub::parse_config(&json).map_err(|m| format(&cpath, m))?;
                let path = dir.join(SAFETENSORS_FILE);
                hub::parse(config, &read(&path)?).map_err(|m| format(&path, m))?
            }
            None => {
                return Err(EncoderError::Missing {
                    dir: dir.display().to_string(),
                })
            }
        };
        let tpath = dir.join(TOKENIZER_FILE);
        let tokenizer = load_tokenizer(&tpath)?;
        let id = |tok: &str| {
            tokenizer
                .token_to_id(tok)
                .ok_or_else(|| format(&tpath, format!("no {tok} token")))
        };
        let (bos, eos) = (id("<s>")?, id("</s>")?);
        if tokenizer.get_vocab_size(true) > weights.config.vocab {
            return Err(format(
                &tpath,
                format!(
                    "{} tokens but the model has {} embeddings",
                    tokenizer.get_vocab_size(true),
                    weights.config.vocab
                ),
            ));
        }
        let int8 = if int8 && qgemm::available() {
            // The int8 copies replace the f32 dense weights (85 MB for
            // multilingual-e5-small), which are then never read.
            weights
                .layers
                .iter_mut()
                .map(|l| {
                    let q = qgemm::QLayer::new(l);
                    l.release_dense_weights();
                    q
                })
                .collect()
        } else {
            Vec::new()
        };
        Ok(Encoder {
            weights,
            int8,
            tokenizer,
            bos,
            eos,
            dir: dir.to_path_buf(),
        })
    }

    /// Whether the dense layers run in int8 (see [`qgemm`]).
    pub fn uses_int8(&self) -> bool {
        !self.int8.is_empty()
    }

    /// The weights the forward pass reads (dense layers released when
    /// they run in int8: load with [`Encoder::load_f32`] to read them).
    pub fn weights(&self) -> &BertWeights {
        &self.weights
    }

    /// The int8 copies of the dense layers, one per block (empty when
    /// they run in f32); [`bert::hidden_states`] runs block `i` in int8
    /// when this holds an `i`th entry.
    pub fn int8_layers(&self) -> &[qgemm::QLayer] {
        &self.int8
    }

    /// Embedding dimension.
    pub fn dim(&self) -> usize {
        self.weights.config.hidden
    }

    /// Token ids of `text` as the model sees it: prefixed, without the
    /// sentence markers.
    pub fn token_ids(&self, text: &str) -> Vec<u32> {
        let prefixed = format!("{PASSAGE_PREFIX}{text}");
        match self.tokenizer.encode(prefixed.as_str(), false) {
            Ok(enc) => enc.get_ids().to_vec(),
            // The tokenizer only fails on malformed configurations, which
            // load() has already exercised; an empty text is a safe answer.
            Err(_) => Vec::new(),
        }
    }

    /// L2-normalised embeddings of `texts`, in order, using all rayon
    /// threads. Long texts are cut into windows of the model's length.
    pub fn embed<S: AsRef<str> + Sync>(&self, texts: &[S]) -> Vec<Vec<f32>> {
        let ids: Vec<Vec<u32>> = texts
            .par_iter()
            .map(|t| self.token_ids(t.as_ref()))
            .collect();
        self.embed_ids(&ids)
    }

    /// Like [`embed`](Self::embed) from token ids (see [`token_ids`](Self::token_ids)).
    pub fn embed_ids(&self, ids: &[Vec<u32>]) -> Vec<Vec<f32>> {
        self.run(ids, false).0
    }

    /// Each text's pieces (`passage: ` prefix excluded) as byte ranges in
    /// the text, with the token ids the model reads (prefix included).
    pub fn pieces(&self, text: &str) -> (Vec<u32>, Vec<(usize, usize)>) {
        let prefixed = format!("{PASSAGE_PREFIX}{text}");
        let Ok(enc) = self.tokenizer.encode(prefixed.as_str(), false) else {
            return (Vec::new(), Vec::new());
        };
        let p = PASSAGE_PREFIX.len();
        let ranges = enc
            .get_offsets()
            .iter()
            .map(|&(s, e)| (s.saturating_sub(p), e.saturating_sub(p)))
            .collect();
        (enc.get_ids().to_vec(), ranges)
    }

    /// [`embed`](Self::embed)'s embeddings (the same bits) and, from the
    /// same forward pass, every text's piece states: the final hidden
    /// state of each piece of the text itself (not of the prefix), with
    /// its byte range in the text. The accurate model's span tagger reads
    /// them.
    pub fn embed_with_states<S: AsRef<str> + Sync>(
        &self,
        texts: &[S],
    ) -> (Vec<Vec<f32>>, Vec<PieceStates>) {
        let pieces: Vec<IdsAndRanges> = texts.par_iter().map(|t| self.pieces(t.as_ref())).collect();
        let ids: Vec<Vec<u32>> = pieces.iter().map(|p| p.0.clone()).collect();
        let (emb, states) = self.run(&ids, true);
        let h = self.dim();
        let states = pieces
            .iter()
            .zip(states)
            .map(|((_, ranges), all)| {
                // The prefix's pieces end inside it: their ranges end at 0.
                let mut out = PieceStates::default();
                for (k, &(s, e)) in ranges.iter().enumerate() {
                    if e > 0 {
                        out.ranges.push((s, e));
                        out.states.extend_from_slice(&all[k * h..(k + 1) * h]);
                    }
                }
                out
            })
            .collect();
        (emb, states)
    }

    /// Every text's windows as the forward pass cuts them, `(text, its
    /// sequence with markers)`, and the batches it runs them in (window
    /// indices, similar lengths together, at most `BATCH_TOKENS` tokens
    /// unless one window is longer). Public so that experiments that run
    /// part of the encoder (`finetune_cache`) cut and batch exactly as it does.
    pub fn windows(&self, ids: &[Vec<u32>]) -> (Vec<Window>, Vec<Vec<usize>>) {
        let window = self.weights.config.max_positions - 2;
        let mut windows: Vec<Window> = Vec::new();
        for (i, content) in ids.iter().enumerate() {
            let chunks: Vec<&[u32]> = if content.is_empty() {
                vec![&[][..]]
            } else {
                content.chunks(window).collect()
            };
            for c in chunks {
                let mut seq = Vec::with_capacity(c.len() + 2);
                seq.push(self.bos);
                seq.extend_from_slice(c);
                seq.push(self.eos);
                windows.push((i, seq));
            }
        }
        // Similar lengths together keep attention buffers small; the order
        // within a length is the input order, so results are deterministic.
        let mut order: Vec<usize> = (0..windows.len()).collect();
        order.sort_by_key(|&w| windows[w].1.len());
        let mut batches: Vec<Vec<usize>> = Vec::new();
        let mut tokens = 0;
        for w in order {
            let len = windows[w].1.len();
            match batches.last_mut() {
                Some(b) if tokens + len <= BATCH_TOKENS => b.push(w),
                _ => {
                    batches.push(vec![w]);
                    tokens = 0;
                }
            }
            tokens += len;
        }
        (windows, batches)
    }

    /// The forward pass over every text's windows: the pooled, normalised
    /// embeddings and, when `want_states`, each text's token states in
    /// order (`content tokens × hidden`, the window markers left out).
    fn run(&self, ids: &[Vec<u32>], want_states: bool) -> (Vec<Vec<f32>>, Vec<Vec<f32>>) {
        let (windows, batches) = self.windows(ids);
        let h = self.dim();
        // (window, its mean-pooled state, its content tokens' states).
        type Pooled = (usize, Vec<f32>, Vec<f32>);
        let pooled: Vec<Pooled> = batches
            .par_iter()
            .flat_map_iter(|b| {
                let seqs: Vec<&[u32]> = b.iter().map(|&w| windows[w].1.as_slice()).collect();
                let (x, bounds) = bert::hidden_states(&self.weights, &self.int8, &seqs);
                b.iter()
                    .copied()
                    .zip(bounds)
                    .map(|(w, (a, e))| {
                        let mean = bert::mean_rows(&x, a, e, h);
                        let states = if want_states && e >= a + 2 {
                            x[(a + 1) * h..(e - 1) * h].to_vec()
                        } else {
                            Vec::new()
                        };
                        (w, mean, states)
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        // Summed in the order the batches ran (by length), as always: a
        // text of three or more windows keeps its embedding's bits.
        let mut sums = vec![vec![0f32; h]; ids.len()];
        let mut by_window: Vec<Vec<f32>> = vec![Vec::new(); windows.len()];
        for (w, mean, st) in pooled {
            let (text, seq) = &windows[w];
            let weight = seq.len().saturating_sub(2).max(1) as f32;
            for (s, m) in sums[*text].iter_mut().zip(mean) {
                *s += weight * m;
            }
            by_window[w] = st;
        }
        for v in &mut sums {
            normalize(v);
        }
        // A text's windows are consecutive, in text order.
        let mut states: Vec<Vec<Vec<f32>>> = vec![Vec::new(); ids.len()];
        if want_states {
            for (w, st) in by_window.into_iter().enumerate() {
                states[windows[w].0].push(st);
            }
        }
        let states = states.into_iter().map(|parts| parts.concat()).collect();
        (sums, states)
    }
}

/// A text's token ids and its pieces' byte ranges ([`Encoder::pieces`]).
type IdsAndRanges = (Vec<u32>, Vec<(usize, usize)>);

/// One text's pieces: byte ranges in the text and final hidden states.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PieceStates {
    /// Each piece's byte range in the text.
    pub ranges: Vec<(usize, usize)>,
    /// `ranges.len() × hidden` floats, piece by piece.
    pub states: Vec<f32>,
}

/// Scales `v` to unit length (a zero vector stays zero).
pub fn normalize(v: &mut [f32]) {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 1e-12 {
        v.iter_mut().for_each(|x| *x /= norm);
    }
}

fn load_tokenizer(path: &Path) -> Result<unigram::CompactTokenizer, EncoderError> {
    // The file's truncation and padding settings are not read: rhetor
    // windows long texts itself, and those settings would silently cut or
    // pad them.
    unigram::load(&read(path)?).map_err(|message| EncoderError::Format {
        path: path.display().to_string(),
        message,
    })
}
