//! The accurate model: the fast model, the encoder and the stacked heads,
//! behind the same [`Detector`] trait; and its heads' file.

use crate::embed::embed_document_with_words;
use crate::inputs::{FastProbs, FastRules};
use crate::stack::{apply, StackHeads};
use crate::tagger::EncoderSpans;
use rhetor_core::window::PARAGRAPH_WINDOW;
use rhetor_core::{DetectError, Detector, Document, Task};
use rhetor_encoder::Encoder;
use rhetor_model::FastModel;
use serde::{Deserialize, Serialize};
use std::io::{Read, Write};
use std::path::Path;

/// Bumped when the heads' layout or inputs change.
///
/// The file: the 8 bytes `RHETORAM`, this version as a little-endian u32,
/// then the gzip'd postcard encoding of [`AccurateHeads`]. Version 3:
/// postcard instead of bincode 1 (unmaintained); the same heads. Version
/// 4: each multi-label head's `unseen_mix` (languages never trained on).
/// Version 5: the encoder span tagger ([`AccurateHeads::spans`]).
pub const FORMAT_VERSION: u32 = 5;
const MAGIC: &[u8; 8] = b"RHETORAM";

/// What `models/accurate.bin` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccurateHeads {
    /// Language folders the heads were trained on.
    pub trained_on: Vec<String>,
    /// Seed of the heads' training.
    pub seed: u64,
    /// Encoder the heads were trained on, and its dimension.
    pub encoder: String,
    /// Embedding dimension; the encoder must give it.
    pub dim: usize,
    /// The techniques, frames and genre heads.
    pub heads: StackHeads,
    /// The encoder span tagger and its span decision; `None`: the fast
    /// model's tagger marks the spans.
    pub spans: Option<EncoderSpans>,
}

/// The encoder the shipped heads were trained on.
pub const ENCODER_NAME: &str = "multilingual-e5-small";

#[derive(Debug, thiserror::Error)]
/// Why a heads file could not be loaded or saved, or does not fit the encoder.
pub enum HeadsError {
    #[error("{path}: {source}")]
    /// Reading or writing the file failed.
    Io {
        /// The file.
        path: String,
        /// The operating system's error.
        source: std::io::Error,
    },
    #[error("{path}: not a rhetor accurate-model file")]
    /// The file does not start with the heads file's magic bytes.
    NotHeads {
        /// The file.
        path: String,
    },
    #[error("{path}: accurate-model format version {found}, this rhetor reads version {expected}; retrain with `rhetor train --model accurate`")]
    /// A heads file of another format version: retrain.
    Version {
        /// The file.
        path: String,
        /// The file's format version.
        found: u32,
        /// The version this rhetor reads ([`FORMAT_VERSION`]).
        expected: u32,
    },
    #[error("{path}: corrupt accurate-model file: {message}")]
    /// Not decodable, or a count or dimension does not fit.
    Corrupt {
        /// The file.
        path: String,
        /// What could not be decoded, or which count or dimension is off.
        message: String,
    },
    #[error("the heads were trained on {expected}-dimensional embeddings, the encoder in {dir} gives {found}")]
    /// The encoder's embeddings are not the size the heads were trained on.
    Dimension {
        /// The encoder's directory.
        dir: String,
        /// The heads' embedding dimension.
        expected: usize,
        /// The encoder's.
        found: usize,
    },
}

/// The committed heads, compiled into the binary like the fast model.
static SHIPPED: &[u8] = include_bytes!("../../../models/accurate.bin");

/// Loads the shipped heads.
pub fn shipped_heads() -> Result<AccurateHeads, HeadsError> {
    AccurateHeads::from_bytes(SHIPPED, "shipped accurate heads (models/accurate.bin)")
}

impl AccurateHeads {
    /// Writes the heads file atomically: header, then gzip'd postcard.
    pub fn save(&self, path: &Path) -> Result<(), HeadsError> {
        let io = |source| HeadsError::Io {
            path: path.display().to_string(),
            source,
        };
        // Atomic: an existing file is replaced only once the new one is
        // complete and on disk.
        let mut file = rhetor_formats::atomic::AtomicFile::create(path).map_err(io)?;
        rhetor_model::store::write_header(&mut file, MAGIC, FORMAT_VERSION).map_err(io)?;
        let mut gz = flate2::write::GzEncoder::new(file, flate2::Compression::best());
        let bytes = postcard::to_allocvec(self).map_err(|e| HeadsError::Corrupt {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        gz.write_all(&bytes).map_err(io)?;
        gz.finish().map_err(io)?.commit().map_err(io)
    }

    /// Reads a heads file, checking every count and dimension.
    pub fn load(path: &Path) -> Result<Self, HeadsError> {
        let p = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| HeadsError::Io {
            path: p.clone(),
            source,
        })?;
        Self::from_bytes(&bytes, &p)
    }

    /// Parses a heads file's bytes; `name` is used in error messages.
    pub fn from_bytes(bytes: &[u8], name: &str) -> Result<Self, HeadsError> {
        let Some((found, body)) = rhetor_model::store::read_header(bytes, MAGIC) else {
            return Err(HeadsError::NotHeads {
                path: name.to_string(),
            });
        };
        if found != FORMAT_VERSION {
            return Err(HeadsError::Version {
                path: name.to_string(),
                found,
                expected: FORMAT_VERSION,
            });
        }
        let corrupt = |message: String| HeadsError::Corrupt {
            path: name.to_string(),
            message,
        };
        let mut raw = Vec::new();
        flate2::read::GzDecoder::new(body)
            .read_to_end(&mut raw)
            .map_err(|e| corrupt(e.to_string()))?;
        let heads: AccurateHeads = match postcard::take_from_bytes(&raw) {
            Ok((heads, [])) => heads,
            Ok((_, rest)) => return Err(corrupt(format!("{} bytes after the heads", rest.len()))),
            Err(e) => return Err(corrupt(e.to_string())),
        };
        // Decoded is not enough: every count and dimension must fit.
        crate::check::check_heads(&heads.heads, heads.dim).map_err(corrupt)?;
        if let Some(spans) = &heads.spans {
            spans
                .check(heads.dim)
                .map_err(|e| corrupt(format!("span tagger: {e}")))?;
        }
        Ok(heads)
    }

    /// Format version stored in a heads file's header.
    pub fn file_version(bytes: &[u8]) -> Option<u32> {
        rhetor_model::store::read_header(bytes, MAGIC).map(|(version, _)| version)
    }
}

/// Fast model + encoder + heads.
pub struct AccurateModel {
    /// The fast model whose scores the heads read.
    pub fast: FastModel,
    /// The sentence encoder giving the embeddings.
    pub encoder: Encoder,
    /// The stacked heads.
    pub heads: AccurateHeads,
    /// The fast model's decision rules, read once.
    rules: FastRules,
    /// Articles with more paragraphs keep their word states in a
    /// temporary file ([`crate::words::WordStore`]).
    spill_above: usize,
}

impl AccurateModel {
    /// The model from its parts; refused when the encoder's dimension is not the heads'.
    pub fn new(
        fast: FastModel,
        encoder: Encoder,
        heads: AccurateHeads,
    ) -> Result<Self, HeadsError> {
        if encoder.dim() != heads.dim {
            return Err(HeadsError::Dimension {
                dir: encoder.dir.display().to_string(),
                expected: heads.dim,
                found: encoder.dim(),
            });
        }
        Ok(AccurateModel {
            rules: FastRules::of(&fast),
            fast,
            encoder,
            heads,
            spill_above: crate::embed::PARAGRAPHS_PER_CALL,
        })
    }
}

impl AccurateModel {
    /// The same model, keeping the encoder's word states of an article
    /// with more than `paragraphs` paragraphs in a temporary file rather
    /// than in memory (default 1,024: memory then stays bounded on an
    /// article of any length; the spans are the same either way).
    pub fn with_word_spill_above(mut self, paragraphs: usize) -> Self {
        self.spill_above = paragraphs;
        self
    }

    /// True when the document's language is known and is none of the
    /// training languages: the heads then use their unseen-language rules.
    pub fn is_unseen(&self, doc: &Document) -> bool {
        doc.language.as_deref().is_some_and(|lang| {
            !self
                .heads
                .trained_on
                .iter()
                .any(|f| rhetor_formats::corpus::language_code(f) == lang)
        })
    }
}

impl Detector for AccurateModel {
    fn name(&self) -> &str {
        "accurate"
    }

    fn annotate(&self, doc: &mut Document, tasks: &[Task]) -> Result<(), DetectError> {
        self.annotate_with(doc, tasks, rhetor_core::Evidence::default())
    }

    fn annotate_with(
        &self,
        doc: &mut Document,
        tasks: &[Task],
        evidence: rhetor_core::Evidence,
    ) -> Result<(), DetectError> {
        let wants = |t: Task| tasks.contains(&t);
        let fast = FastProbs::of(&self.fast, doc);
        // Word states only where the encoder tagger will read them.
        let encoder_spans = self.heads.spans.as_ref().filter(|_| wants(Task::Spans));
        let (emb, words) = match encoder_spans {
            Some(_) => embed_document_with_words(&self.encoder, doc, self.spill_above),
            None => (
                crate::embed::embed_document(&self.encoder, doc),
                crate::words::WordStore::new(false, 0),
            ),
        };
        if rhetor_core::cancel::cancelled() {
            return Err(DetectError::new(self, doc, rhetor_core::cancel::CANCELLED));
        }
        for p in doc
            .paragraphs
            .iter()
            .filter(|p| p.text.len() > PARAGRAPH_WINDOW)
        {
            let warning = format!(
                "line {}: the encoder read the first {PARAGRAPH_WINDOW} bytes of a paragraph of {} bytes",
                p.line,
                p.text.len()
            );
            doc.warnings.push(warning);
        }
        if let Some(e) = &words.spill_error {
            doc.warnings.push(format!(
                "the encoder's word states could not be kept in a temporary file ({e}): \
                 spans of the paragraphs from there on come from the fast tagger"
            ));
        }
        let decisions = self
            .heads
            .heads
            .decide(&fast, &self.rules, &emb, self.is_unseen(doc));
        // The span decision does not read the embeddings (some 300 MB on
        // an article of 200,000 lines).
        drop(emb);
        let (genre, frames) = (doc.genre.clone(), doc.frames.clone());
        apply(doc, decisions, None);
        if let Some(es) = encoder_spans {
            // A paragraph the encoder read whole: the blend of both
            // taggers' word probabilities, decided by the blend's rules.
            let hook = |p: usize,
                        window: usize,
                        _: &[rhetor_model::Token],
                        labels: &[usize],
                        probs: &mut [Vec<f32>]| {
                match words.get(p) {
                    Some(states)
                        if window == 0 && probs.iter().all(|r| r.len() == states.len()) =>
                    {
                        es.blend_probs(&states, labels, probs, evidence);
                        true
                    }
                    _ => false,
                }
            };
            let other = rhetor_model::OtherTagger {
                rules: &es.rules,
                probs: &hook,
            };
            self.fast.add_spans_from(doc, evidence, &other);
        } else if wants(Task::Spans) {
            self.fast.add_spans_with(doc, evidence);
        } else {
            doc.spans.clear();
        }
        if !wants(Task::Techniques) && !wants(Task::Spans) {
            doc.paragraphs.iter_mut().for_each(|p| p.techniques.clear());
        }
        if !wants(Task::Genre) {
            doc.genre = genre;
        }
        if !wants(Task::Frames) {
            doc.frames = frames;
        }
        doc.model = Some(self.name().to_string());
        Ok(())
    }
}
