//! The fast model: what `rhetor analyze --model fast` runs, and its file.

use crate::features::{Blocks, Featurizer, ParagraphContext};
use crate::head::{MultiLabelHead, SoftmaxHead};
use crate::spans::{token_features, tokenize, SpanTagger};
use crate::store::{self, SectionReader, SectionWriter};
use rhetor_core::detector::Tasks;
use rhetor_core::{Detector, Document, Frame, Genre, GenreScores, OffsetMap, Scored, Technique};
use std::path::Path;

/// Bumped whenever the stored layout or the meaning of features changes;
/// a model file of another version is refused with a clear message.
/// Version 2: one section per head, arrays stored raw or LZ4 ([`crate::store`]).
pub const FORMAT_VERSION: u32 = 2;
const MAGIC: &[u8; 8] = b"RHETORFM";
const META: [u8; 4] = *b"META";
const TECHNIQUES: [u8; 4] = *b"TECH";
const FRAMES: [u8; 4] = *b"FRAM";
const GENRE: [u8; 4] = *b"GENR";
const SPANS: [u8; 4] = *b"SPAN";

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
#[derive(Debug, Clone, PartialEq)]
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
        let f = Featurizer::new(self.techniques.features.clone());
        let blocks = paragraph_blocks(&f, doc);
        let map = OffsetMap::new(&doc.text);
        let mut spans = Vec::new();
        for (p, b) in doc.paragraphs.iter_mut().zip(&blocks) {
            let probs = self.techniques.probs(b);
            p.techniques = self
                .techniques
                .decide(&probs)
                .into_iter()
                .filter_map(|(l, s)| Technique::from_index(l).map(|t| Scored::new(t, s)))
                .collect();
            if p.techniques.is_empty() || !with_spans {
                continue;
            }
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

    /// Predicts the article's genre and frames in place.
    pub fn annotate_article(&self, doc: &mut Document) {
        let fa = Featurizer::new(self.frames.features.clone());
        let b = article_blocks(&fa, doc);
        let probs = self.frames.probs(&b);
        doc.frames = self
            .frames
            .decide(&probs)
            .into_iter()
            .filter_map(|(l, s)| Frame::from_index(l).map(|f| Scored::new(f, s)))
            .collect();
        let b = if self.genre.features.same_blocks(&self.frames.features) {
            b
        } else {
            article_blocks(&Featurizer::new(self.genre.features.clone()), doc)
        };
        let probs = self.genre.probs(&b);
        let best = self.genre.decide(&probs);
        doc.genre = Genre::from_index(best).map(|label| GenreScores {
            label,
            scores: Genre::ALL.iter().map(|&g| (g, probs[g.index()])).collect(),
        });
    }

    /// The model file's bytes: magic, format version, then one section per
    /// part ([`crate::store`]).
    pub fn to_bytes(&self) -> Result<Vec<u8>, String> {
        let mut meta = SectionWriter::default();
        meta.small(&(&self.trained_on, self.seed))?;
        let mut tech = SectionWriter::default();
        self.techniques.store(&mut tech)?;
        let mut frames = SectionWriter::default();
        self.frames.store(&mut frames)?;
        let mut genre = SectionWriter::default();
        self.genre.store(&mut genre)?;
        let mut spans = SectionWriter::default();
        self.spans.store(&mut spans)?;
        let mut header = MAGIC.to_vec();
        header.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        Ok(store::write_sections(
            &header,
            &[
                (META, meta.into_bytes()),
                (TECHNIQUES, tech.into_bytes()),
                (FRAMES, frames.into_bytes()),
                (GENRE, genre.into_bytes()),
                (SPANS, spans.into_bytes()),
            ],
        ))
    }

    /// Writes the model file.
    pub fn save(&self, path: &Path) -> Result<(), ModelError> {
        let bytes = self.to_bytes().map_err(|message| ModelError::Corrupt {
            path: path.display().to_string(),
            message,
        })?;
        std::fs::write(path, bytes).map_err(|source| ModelError::Io {
            path: path.display().to_string(),
            source,
        })
    }

    pub fn load(path: &Path) -> Result<Self, ModelError> {
        let p = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| ModelError::Io {
            path: p.clone(),
            source,
        })?;
        Self::from_bytes(&bytes, &p)
    }

    /// Parses a model file's bytes; `name` is used in error messages. The
    /// four heads are decoded in parallel.
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
        let corrupt = |message: String| ModelError::Corrupt {
            path: name.to_string(),
            message,
        };
        let sections = store::read_sections(&bytes[12..]).map_err(corrupt)?;
        let section = |tag: [u8; 4]| -> Result<SectionReader, String> {
            sections
                .iter()
                .find(|s| s.0 == tag)
                .map(|s| SectionReader::new(s.1))
                .ok_or_else(|| format!("no {} section", String::from_utf8_lossy(&tag)))
        };
        fn read<T>(
            r: Result<SectionReader, String>,
            f: impl FnOnce(&mut SectionReader) -> Result<T, String>,
        ) -> Result<T, String> {
            let mut r = r?;
            let v = f(&mut r)?;
            r.finish()?;
            Ok(v)
        }
        let ((meta, techniques), (frames, (genre, spans))) = rayon::join(
            || {
                rayon::join(
                    || read(section(META), |r| r.small::<(Vec<String>, u64)>()),
                    || read(section(TECHNIQUES), MultiLabelHead::load),
                )
            },
            || {
                rayon::join(
                    || read(section(FRAMES), MultiLabelHead::load),
                    || {
                        rayon::join(
                            || read(section(GENRE), SoftmaxHead::load),
                            || read(section(SPANS), SpanTagger::load),
                        )
                    },
                )
            },
        );
        let (trained_on, seed) = meta.map_err(corrupt)?;
        Ok(FastModel {
            trained_on,
            seed,
            techniques: techniques.map_err(corrupt)?,
            frames: frames.map_err(corrupt)?,
            genre: genre.map_err(corrupt)?,
            spans: spans.map_err(corrupt)?,
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
