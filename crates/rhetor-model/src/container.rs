//! The fast model's container: [`FastModel`] with its four heads (each
//! decoded on first use when the model is the shipped one), and its model
//! file: the header, one section per head ([`crate::store`]), writing,
//! reading and the checks on load. What the model does with a document is
//! in `model.rs`.
//!
//! The sections of a fast-model file (the container is [`crate::store`]'s),
//! in this order, each a sequence of blobs:
//!
//! ```text
//! META = small(trained_on: [string], seed: u64)
//! TECH = head            (paragraph techniques, 23 labels)
//! FRAM = head            (article frames, 14 labels)
//! GENR = small(features, temperature, offsets) idf weights   (3 classes)
//! SPAN = small(bits, rules, function_words, lengths) weights
//! UNSN = small(platt: [(a: f32, b: f32); 23], thresholds: [f32; 23])
//! head = small(features, platt, thresholds) idf weights
//! weights = the compact i16 head's blobs (crate::compact)
//! ```
//!
//! `UNSN` is the techniques decision for a language never trained on
//! ([`UnseenDecision`]): the `TECH` head's raw scores under another
//! calibration and thresholds.

use crate::head::{MultiLabelHead, SoftmaxHead, UnseenDecision};
use crate::spans::SpanTagger;
use crate::store::{self, SectionReader, SectionWriter};
use rhetor_core::{Frame, Genre, Technique};
use std::io::Write;
use std::path::Path;
use std::sync::OnceLock;

/// Bumped whenever the stored layout or the meaning of features changes;
/// a model file of another version is refused with a clear message.
/// Version 2: one section per head, arrays stored raw or LZ4 ([`crate::store`]).
/// Version 3: the small values in those sections (settings, calibration,
/// scales) in postcard instead of bincode 1 (unmaintained); the same
/// weights and arrays.
/// Version 4: the span section stores the span decision (one rule per
/// evidence level, the function words, each technique's typical span
/// length) instead of per-technique thresholds.
/// Version 5: the feature settings say whether a head reads the text spelt
/// in Latin letters (`fold_script`; the techniques head does).
/// Version 6: an `UNSN` section, the techniques head's decision for a
/// language never trained on (its Platt scaling and thresholds fitted by
/// leaving each training language out; [`UnseenDecision`]).
pub const FORMAT_VERSION: u32 = 6;
const MAGIC: &[u8; 8] = b"RHETORFM";
const META: [u8; 4] = *b"META";
const TECHNIQUES: [u8; 4] = *b"TECH";
const FRAMES: [u8; 4] = *b"FRAM";
const GENRE: [u8; 4] = *b"GENR";
const SPANS: [u8; 4] = *b"SPAN";
const UNSEEN: [u8; 4] = *b"UNSN";

#[derive(Debug, thiserror::Error)]
/// Why a fast-model file could not be loaded or saved; every message names the file.
pub enum ModelError {
    #[error("{path}: {source}")]
    /// Reading or writing the file failed.
    Io {
        /// The file.
        path: String,
        /// The operating system's error.
        source: std::io::Error,
    },
    #[error("{path}: not a rhetor fast-model file")]
    /// The file does not start with the fast model's magic bytes.
    NotAModel {
        /// The file.
        path: String,
    },
    #[error("{path}: model format version {found}, this rhetor reads version {expected}; retrain with `rhetor train`")]
    /// A model file of another format version: retrain.
    Version {
        /// The file.
        path: String,
        /// The file's format version.
        found: u32,
        /// The version this rhetor reads ([`FORMAT_VERSION`]).
        expected: u32,
    },
    #[error("{path}: corrupt model file: {message}")]
    /// A section is missing, truncated or inconsistent with the label inventories.
    Corrupt {
        /// The file.
        path: String,
        /// The section and what is wrong in it.
        message: String,
    },
}

/// The shipped fast model (`models/fast.bin`), compiled into every binary
/// so rhetor works offline from any directory. Rebuilt bit for bit by the
/// command in the README.
static SHIPPED: &[u8] = include_bytes!("../../../models/fast.bin");

/// The shipped fast model's file, as compiled in: what identifies the
/// fast model's code (the file is rebuilt bit for bit from it), e.g. to
/// key caches of what fast models trained by this code predict.
pub fn shipped_bytes() -> &'static [u8] {
    SHIPPED
}

/// Loads the shipped fast model. Its heads are decoded on first use, each
/// from its own section, so `analyze --task techniques` never decodes the
/// frames, genre and span heads; the largest arrays (the i16 weights) are
/// read in place from the binary.
pub fn shipped() -> Result<FastModel, ModelError> {
    FastModel::from_static(SHIPPED, "shipped fast model (models/fast.bin)")
}

/// Everything the fast model learned, plus how it was trained.
#[derive(Debug, Clone, PartialEq)]
pub struct FastModel {
    /// Language folders it was trained on and the training seed.
    pub trained_on: Vec<String>,
    /// The seed training shuffled with.
    pub seed: u64,
    techniques: Part<MultiLabelHead>,
    frames: Part<MultiLabelHead>,
    genre: Part<SoftmaxHead>,
    spans: Part<SpanTagger>,
    /// The techniques decision for a language never trained on (small:
    /// decoded with the header).
    unseen_techniques: UnseenDecision,
}

/// A head as read from its model-file section.
trait Decode: Sized {
    fn decode(r: &mut SectionReader) -> Result<Self, String>;
}

impl Decode for MultiLabelHead {
    fn decode(r: &mut SectionReader) -> Result<Self, String> {
        MultiLabelHead::load(r)
    }
}

impl Decode for SoftmaxHead {
    fn decode(r: &mut SectionReader) -> Result<Self, String> {
        SoftmaxHead::load(r)
    }
}

impl Decode for SpanTagger {
    fn decode(r: &mut SectionReader) -> Result<Self, String> {
        SpanTagger::load(r)
    }
}

/// Decodes a whole section, every blob of it.
fn decode_section<T>(
    mut r: SectionReader,
    f: impl FnOnce(&mut SectionReader) -> Result<T, String>,
) -> Result<T, String> {
    let v = f(&mut r)?;
    r.finish()?;
    Ok(v)
}

/// One head of the model: decoded already (trained, or loaded from a
/// file), or decoded on first use from a section of the shipped model.
#[derive(Debug, Clone)]
struct Part<T> {
    value: OnceLock<T>,
    /// The section to decode the value from (shipped model only).
    section: &'static [u8],
}

impl<T: Decode> Part<T> {
    fn ready(value: T) -> Self {
        Part {
            value: OnceLock::from(value),
            section: &[],
        }
    }

    fn shipped(section: &'static [u8]) -> Self {
        Part {
            value: OnceLock::new(),
            section,
        }
    }

    fn get(&self) -> &T {
        self.value.get_or_init(|| {
            // Only the shipped model's parts are decoded late; that model is
            // compiled in, and a test decodes every part of it.
            decode_section(SectionReader::new_static(self.section), T::decode)
                .unwrap_or_else(|e| panic!("the shipped fast model is corrupt: {e}"))
        })
    }
}

impl<T: Decode + PartialEq> PartialEq for Part<T> {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

impl FastModel {
    /// A model from trained heads (all decoded). A language never trained
    /// on is decided as the training languages are until
    /// [`FastModel::with_unseen_techniques`] says otherwise.
    pub fn new(
        trained_on: Vec<String>,
        seed: u64,
        techniques: MultiLabelHead,
        frames: MultiLabelHead,
        genre: SoftmaxHead,
        spans: SpanTagger,
    ) -> Self {
        let unseen_techniques = UnseenDecision {
            platt: techniques.platt.clone(),
            thresholds: techniques.thresholds.clone(),
        };
        FastModel {
            trained_on,
            seed,
            techniques: Part::ready(techniques),
            frames: Part::ready(frames),
            genre: Part::ready(genre),
            spans: Part::ready(spans),
            unseen_techniques,
        }
    }

    /// The same model deciding techniques in a language never trained on
    /// ([`FastModel::is_unseen`]) with `decision`.
    pub fn with_unseen_techniques(mut self, decision: UnseenDecision) -> Self {
        self.unseen_techniques = decision;
        self
    }

    /// The techniques decision for a language never trained on: the
    /// techniques head's scores, calibrated and thresholded by leaving
    /// each training language out.
    pub fn unseen_techniques(&self) -> &UnseenDecision {
        &self.unseen_techniques
    }

    /// True when the document's language is identified and is none of the
    /// languages the model was trained on: its frames and techniques are
    /// then capped ([`crate::UNSEEN_MAX_FRAMES`],
    /// [`crate::UNSEEN_MAX_TECHNIQUES`]).
    pub fn is_unseen(&self, doc: &rhetor_core::Document) -> bool {
        doc.language.as_deref().is_some_and(|lang| {
            !self
                .trained_on
                .iter()
                .any(|f| f == lang || rhetor_formats::corpus::language_code(f) == lang)
        })
    }

    /// The paragraph techniques head (decoded on first use for the shipped model).
    pub fn techniques(&self) -> &MultiLabelHead {
        self.techniques.get()
    }

    /// The article frames head.
    pub fn frames(&self) -> &MultiLabelHead {
        self.frames.get()
    }

    /// The article genre head.
    pub fn genre(&self) -> &SoftmaxHead {
        self.genre.get()
    }

    /// The span tagger, one token classifier per technique.
    pub fn spans(&self) -> &SpanTagger {
        self.spans.get()
    }

    /// Writes the model file: magic, format version, then one section per
    /// part ([`crate::store`]), each built and written in turn.
    pub fn write_to(&self, out: &mut impl Write) -> std::io::Result<()> {
        store::write_header(out, MAGIC, FORMAT_VERSION)?;
        let mut w = SectionWriter::default();
        w.small(&(&self.trained_on, self.seed))
            .map_err(std::io::Error::other)?;
        w.write_to(META, out)?;
        let mut w = SectionWriter::default();
        self.techniques()
            .store(&mut w)
            .map_err(std::io::Error::other)?;
        w.write_to(TECHNIQUES, out)?;
        let mut w = SectionWriter::default();
        self.frames().store(&mut w).map_err(std::io::Error::other)?;
        w.write_to(FRAMES, out)?;
        let mut w = SectionWriter::default();
        self.genre().store(&mut w).map_err(std::io::Error::other)?;
        w.write_to(GENRE, out)?;
        let mut w = SectionWriter::default();
        self.spans().store(&mut w).map_err(std::io::Error::other)?;
        w.write_to(SPANS, out)?;
        let mut w = SectionWriter::default();
        w.small(&self.unseen_techniques)
            .map_err(std::io::Error::other)?;
        w.write_to(UNSEEN, out)
    }

    /// Writes the model file atomically (an existing file is replaced only
    /// once the new one is complete and on disk).
    pub fn save(&self, path: &Path) -> Result<(), ModelError> {
        let io = |source| ModelError::Io {
            path: path.display().to_string(),
            source,
        };
        let mut out = rhetor_formats::atomic::AtomicFile::create(path).map_err(io)?;
        self.write_to(&mut out).map_err(io)?;
        out.commit().map_err(io)
    }

    /// Reads a model file written by [`FastModel::save`]; every head is decoded and checked.
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
        let corrupt = |message: String| ModelError::Corrupt {
            path: name.to_string(),
            message,
        };
        let s = Sections::read(bytes, name)?;
        let (trained_on, seed) = s.meta().map_err(corrupt)?;
        let unseen = s.unseen().map_err(corrupt)?;
        let read = |tag| s.get(tag).map(SectionReader::new);
        let ((techniques, frames), (genre, spans)) = rayon::join(
            || {
                rayon::join(
                    || read(TECHNIQUES).and_then(|r| decode_section(r, MultiLabelHead::decode)),
                    || read(FRAMES).and_then(|r| decode_section(r, MultiLabelHead::decode)),
                )
            },
            || {
                rayon::join(
                    || read(GENRE).and_then(|r| decode_section(r, SoftmaxHead::decode)),
                    || read(SPANS).and_then(|r| decode_section(r, SpanTagger::decode)),
                )
            },
        );
        let model = FastModel::new(
            trained_on,
            seed,
            techniques.map_err(corrupt)?,
            frames.map_err(corrupt)?,
            genre.map_err(corrupt)?,
            spans.map_err(corrupt)?,
        )
        .with_unseen_techniques(unseen);
        model.check_labels().map_err(corrupt)?;
        Ok(model)
    }

    /// Every head must score exactly the labels of its inventory: fewer
    /// would silently drop labels, more would index past the taxonomy.
    fn check_labels(&self) -> Result<(), String> {
        let heads = [
            (
                "TECH",
                "techniques head",
                self.techniques().head.labels,
                Technique::COUNT,
            ),
            (
                "FRAM",
                "frames head",
                self.frames().head.labels,
                Frame::COUNT,
            ),
            ("GENR", "genre head", self.genre().head.labels, Genre::COUNT),
            (
                "UNSN",
                "unseen-language calibration",
                self.unseen_techniques.platt.len(),
                Technique::COUNT,
            ),
            (
                "UNSN",
                "unseen-language thresholds",
                self.unseen_techniques.thresholds.len(),
                Technique::COUNT,
            ),
            (
                "SPAN",
                "span tagger",
                self.spans().head.labels,
                Technique::COUNT,
            ),
        ];
        for (tag, what, found, expected) in heads {
            if found != expected {
                return Err(format!(
                    "{tag} section: the {what} has {found} labels, the taxonomy {expected}"
                ));
            }
        }
        Ok(())
    }

    /// A model whose heads are decoded from `bytes` on first use, their
    /// raw arrays used in place. Only the header and the section table are
    /// checked here.
    fn from_static(bytes: &'static [u8], name: &str) -> Result<Self, ModelError> {
        let corrupt = |message: String| ModelError::Corrupt {
            path: name.to_string(),
            message,
        };
        let s = Sections::read(bytes, name)?;
        let (trained_on, seed) = s.meta().map_err(corrupt)?;
        let unseen_techniques = s.unseen().map_err(corrupt)?;
        if unseen_techniques.platt.len() != Technique::COUNT
            || unseen_techniques.thresholds.len() != Technique::COUNT
        {
            return Err(corrupt(
                "UNSN section: not one calibration and threshold per technique".into(),
            ));
        }
        Ok(FastModel {
            trained_on,
            seed,
            unseen_techniques,
            techniques: Part::shipped(s.get(TECHNIQUES).map_err(corrupt)?),
            frames: Part::shipped(s.get(FRAMES).map_err(corrupt)?),
            genre: Part::shipped(s.get(GENRE).map_err(corrupt)?),
            spans: Part::shipped(s.get(SPANS).map_err(corrupt)?),
        })
    }

    /// Format version stored in a model file's header.
    pub fn file_version(bytes: &[u8]) -> Option<u32> {
        store::read_header(bytes, MAGIC).map(|(version, _)| version)
    }
}

/// The sections of a model file, found (not decoded).
struct Sections<'a>(Vec<store::Section<'a>>);

impl<'a> Sections<'a> {
    /// Checks the header (magic, version) and finds the sections.
    fn read(bytes: &'a [u8], name: &str) -> Result<Self, ModelError> {
        let Some((found, body)) = store::read_header(bytes, MAGIC) else {
            return Err(ModelError::NotAModel {
                path: name.to_string(),
            });
        };
        if found != FORMAT_VERSION {
            return Err(ModelError::Version {
                path: name.to_string(),
                found,
                expected: FORMAT_VERSION,
            });
        }
        store::read_sections(body)
            .map(Sections)
            .map_err(|message| ModelError::Corrupt {
                path: name.to_string(),
                message,
            })
    }

    fn get(&self, tag: [u8; 4]) -> Result<&'a [u8], String> {
        self.0
            .iter()
            .find(|s| s.0 == tag)
            .map(|s| s.1)
            .ok_or_else(|| format!("no {} section", String::from_utf8_lossy(&tag)))
    }

    /// The languages trained on and the seed.
    fn meta(&self) -> Result<(Vec<String>, u64), String> {
        decode_section(SectionReader::new(self.get(META)?), |r| r.small())
    }

    /// The techniques decision for a language never trained on.
    fn unseen(&self) -> Result<UnseenDecision, String> {
        decode_section(SectionReader::new(self.get(UNSEEN)?), |r| r.small())
            .map_err(|e| format!("UNSN section: {e}"))
    }
}
