//! The fast model: what `rhetor analyze --model fast` runs, and its file.

use crate::features::{Blocks, Featurizer, ParagraphContext};
use crate::head::{MultiLabelHead, SoftmaxHead};
use crate::spans::{token_features, tokenize, SpanTagger};
use rhetor_core::detector::Tasks;
use rhetor_core::{Detector, Document, Frame, Genre, GenreScores, OffsetMap, Scored, Technique};
use serde::{Deserialize, Serialize};
use std::io::{Read, Write};
use std::path::Path;

/// Bumped whenever the stored layout or the meaning of features changes;
/// a model file of another version is refused with a clear message.
pub const FORMAT_VERSION: u32 = 1;
const MAGIC: &[u8; 8] = b"RHETORFM";

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: not a rhetor fast-model file")]
    NotAModel { path: String },
    #[error("{path}: model format version {found}, this rhetor reads version {expected}; retrain with `rhetor train`")]
    Version {
        path: String,
        found: u32,
        expected: u32,
    },
    #[error("{path}: corrupt model file: {message}")]
    Corrupt { path: String, message: String },
}

/// The shipped fast model (`models/fast.bin`), compiled into every binary
/// so rhetor works offline from any directory. Rebuilt bit for bit by the
/// command in the README.
static SHIPPED: &[u8] = include_bytes!("../../../models/fast.bin");

/// Loads the shipped fast model.
pub fn shipped() -> Result<FastModel, ModelError> {
    FastModel::from_bytes(SHIPPED, "shipped fast model (models/fast.bin)")
}

/// Everything the fast model learned, plus how it was trained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FastModel {
    /// Language folders it was trained on and the training seed.
    pub trained_on: Vec<String>,
    pub seed: u64,
    pub techniques: MultiLabelHead,
    pub frames: MultiLabelHead,
    pub genre: SoftmaxHead,
    pub spans: SpanTagger,
}

/// Feature blocks of every paragraph of a document, in order.
pub fn paragraph_blocks(f: &Featurizer, doc: &Document) -> Vec<Blocks> {
    let n = doc.paragraphs.len();
    doc.paragraphs
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let ctx = ParagraphContext {
                language: doc.language.as_deref(),
                index: i,
                count: n,
                title: &doc.title,
            };
            f.paragraph(&p.text, &ctx)
        })
        .collect()
}

/// Feature blocks of a whole document (title and body).
pub fn article_blocks(f: &Featurizer, doc: &Document) -> Blocks {
    let body: Vec<&str> = doc.body().collect();
    f.article(&doc.title, &body.join("\n"), doc.language.as_deref())
}

impl FastModel {
    /// Predicts paragraph techniques (and, when `with_spans`, their spans) in place.
    pub fn annotate_techniques(&self, doc: &mut Document, with_spans: bool) {
        let probs = self.technique_probs(doc);
        for (p, probs) in doc.paragraphs.iter_mut().zip(probs) {
            p.techniques = self
                .techniques
                .decide(&probs)
                .into_iter()
                .filter_map(|(l, s)| Technique::from_index(l).map(|t| Scored::new(t, s)))
                .collect();
        }
        if with_spans {
            self.add_spans(doc);
        }
    }

    /// Calibrated probability of every technique (by index) for every
    /// paragraph, in order.
    pub fn technique_probs(&self, doc: &Document) -> Vec<Vec<f32>> {
        let f = Featurizer::new(self.techniques.features.clone());
        paragraph_blocks(&f, doc)
            .iter()
            .map(|b| self.techniques.probs(b))
            .collect()
    }

    /// Replaces `doc`'s spans with the tagger's spans for the techniques
    /// already on its paragraphs (whichever model put them there).
    pub fn add_spans(&self, doc: &mut Document) {
        let map = OffsetMap::new(&doc.text);
        let mut spans = Vec::new();
        for p in doc.paragraphs.iter().filter(|p| !p.techniques.is_empty()) {
            let tokens = tokenize(&p.text, p.start);
            let feats: Vec<_> = (0..tokens.len())
                .map(|k| token_features(&tokens, k, self.spans.bits))
                .collect();
            for t in &p.techniques {
                for (s, e, score) in self.spans.spans(&tokens, &feats, t.label.index(), t.score) {
                    spans.push((t.label, s, e, score));
                }
            }
        }
        doc.spans.clear();
        for (t, s, e, score) in spans {
            // Tagger spans lie inside their paragraph, so add_span never
            // refuses one; it would skip a range outside the text.
            doc.add_span(&map, t, s, e, score);
        }
    }

    /// For every paragraph, the tagger's spans of every technique as if it
    /// were predicted with probability 1 (code-point offsets in the text).
    pub fn candidate_spans(&self, doc: &Document) -> Vec<Vec<Vec<(usize, usize, f32)>>> {
        doc.paragraphs
            .iter()
            .map(|p| {
                let tokens = tokenize(&p.text, p.start);
                let feats: Vec<_> = (0..tokens.len())
                    .map(|k| token_features(&tokens, k, self.spans.bits))
                    .collect();
                self.spans.candidate_spans(&tokens, &feats)
            })
            .collect()
    }

    /// Calibrated frame probabilities and genre probabilities of the
    /// article, by label index.
    pub fn article_probs(&self, doc: &Document) -> (Vec<f32>, Vec<f32>) {
        let b = article_blocks(&Featurizer::new(self.frames.features.clone()), doc);
        let frames = self.frames.probs(&b);
        let b = if self.genre.features.same_blocks(&self.frames.features) {
            b
        } else {
            article_blocks(&Featurizer::new(self.genre.features.clone()), doc)
        };
        (frames, self.genre.probs(&b))
    }

    /// Predicts the article's genre and frames in place.
    pub fn annotate_article(&self, doc: &mut Document) {
        let (frames, genre) = self.article_probs(doc);
        doc.frames = self
            .frames
            .decide(&frames)
            .into_iter()
            .filter_map(|(l, s)| Frame::from_index(l).map(|f| Scored::new(f, s)))
            .collect();
        let best = self.genre.decide(&genre);
        doc.genre = Genre::from_index(best).map(|label| GenreScores {
            label,
            scores: Genre::ALL.iter().map(|&g| (g, genre[g.index()])).collect(),
        });
    }

    /// Writes the model: magic, format version, then gzip'd bincode.
    pub fn save(&self, path: &Path) -> Result<(), ModelError> {
        let io = |source| ModelError::Io {
            path: path.display().to_string(),
            source,
        };
        let mut file = std::io::BufWriter::new(std::fs::File::create(path).map_err(io)?);
        file.write_all(MAGIC).map_err(io)?;
        file.write_all(&FORMAT_VERSION.to_le_bytes()).map_err(io)?;
        let mut gz = flate2::write::GzEncoder::new(file, flate2::Compression::best());
        bincode::serialize_into(&mut gz, self).map_err(|e| ModelError::Corrupt {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        gz.finish().map_err(io)?.flush().map_err(io)
    }

    pub fn load(path: &Path) -> Result<Self, ModelError> {
        let p = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| ModelError::Io {
            path: p.clone(),
            source,
        })?;
        Self::from_bytes(&bytes, &p)
    }

    /// Parses a model file's bytes; `name` is used in error messages.
    pub fn from_bytes(bytes: &[u8], name: &str) -> Result<Self, ModelError> {
        if bytes.len() < 12 || &bytes[..8] != MAGIC {
            return Err(ModelError::NotAModel {
                path: name.to_string(),
            });
        }
        let found = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
        if found != FORMAT_VERSION {
            return Err(ModelError::Version {
                path: name.to_string(),
                found,
                expected: FORMAT_VERSION,
            });
        }
        let mut raw = Vec::new();
        flate2::read::GzDecoder::new(&bytes[12..])
            .read_to_end(&mut raw)
            .map_err(|e| ModelError::Corrupt {
                path: name.to_string(),
                message: e.to_string(),
            })?;
        bincode::deserialize(&raw).map_err(|e| ModelError::Corrupt {
            path: name.to_string(),
            message: e.to_string(),
        })
    }

    /// Format version stored in a model file's header.
    pub fn file_version(bytes: &[u8]) -> Option<u32> {
        (bytes.len() >= 12 && &bytes[..8] == MAGIC)
            .then(|| u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]))
    }
}

impl Detector for FastModel {
    fn name(&self) -> &str {
        "fast"
    }

    fn annotate(&self, doc: &mut Document) {
        self.annotate_tasks(doc, Tasks::ALL);
    }

    fn annotate_tasks(&self, doc: &mut Document, tasks: Tasks) {
        if tasks.techniques || tasks.spans {
            self.annotate_techniques(doc, tasks.spans);
        }
        if tasks.genre || tasks.frames {
            self.annotate_article(doc);
        }
        doc.model = Some(self.name().to_string());
    }
}
