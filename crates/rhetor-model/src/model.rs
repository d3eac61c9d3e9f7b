//! The fast model: what `rhetor analyze --model fast` runs, and its file.

use crate::evidence::ParagraphText;
use crate::features::{Blocks, FeatureConfig, Featurizer, ParagraphContext};
use crate::head::{MultiLabelHead, SoftmaxHead};
use crate::spans::{token_features, tokenize, SpanTagger, Token};
use crate::store::{self, SectionReader, SectionWriter};
use rhetor_core::cancel::{cancelled, CANCELLED};
use rhetor_core::window::{windows, ARTICLE_WINDOW, MAX_SPANS_PER_PARAGRAPH, PARAGRAPH_WINDOW};
use rhetor_core::{
    DetectError, Detector, Document, Evidence, Frame, Genre, GenreScores, OffsetMap, Scored, Span,
    Task, Technique,
};
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
/// evidence level, the function words) instead of per-technique thresholds.
pub const FORMAT_VERSION: u32 = 4;
const MAGIC: &[u8; 8] = b"RHETORFM";

/// At most this many frames for an article in a language the model was
/// not trained on, the most probable first: thresholds tuned on the
/// training languages' label densities otherwise hand a new language most
/// of the 14 frames. Chosen by leave-one-language-out (frames micro-F1
/// 0.433 → 0.439 pooled; `examples/evidence_caps.rs`, docs/evaluation.md).
pub const UNSEEN_MAX_FRAMES: usize = 6;

/// At most this many techniques per paragraph in a language never trained
/// on (leave-one-language-out techniques micro-F1 0.286 → 0.289).
pub const UNSEEN_MAX_TECHNIQUES: usize = 3;
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
    pub seed: u64,
    techniques: Part<MultiLabelHead>,
    frames: Part<MultiLabelHead>,
    genre: Part<SoftmaxHead>,
    spans: Part<SpanTagger>,
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

/// Calls `f` with the article's body (its paragraphs after the title,
/// joined by `\n`, as [`article_blocks`] builds it) and a weight: the whole
/// body at once when it has at most [`ARTICLE_WINDOW`] bytes, exactly as
/// before windows existed; otherwise in windows of at most that size
/// (whole paragraphs where they fit, a longer paragraph cut by
/// [`windows`]), each with its length in bytes as weight. Only one window's
/// text is held at a time.
fn body_windows(doc: &Document, mut f: impl FnMut(&str, f32)) {
    let total: usize = doc.body().map(|p| p.len() + 1).sum();
    if total <= ARTICLE_WINDOW + 1 {
        let body: Vec<&str> = doc.body().collect();
        f(&body.join("\n"), 1.0);
        return;
    }
    let mut window = String::new();
    let mut flush = |window: &mut String| {
        if !window.is_empty() {
            f(window, window.len() as f32);
            window.clear();
        }
    };
    for p in doc.body() {
        for w in windows(p, ARTICLE_WINDOW) {
            if cancelled() {
                return;
            }
            if window.len() + 1 + w.text.len() > ARTICLE_WINDOW {
                flush(&mut window);
            }
            if !window.is_empty() {
                window.push('\n');
            }
            window.push_str(w.text);
        }
    }
    flush(&mut window);
}

/// The mean of probability vectors weighted by their weights; one vector
/// is returned as it is (bit for bit).
fn weighted_mean(mut probs: Vec<(f32, Vec<f32>)>) -> Vec<f32> {
    if probs.len() == 1 {
        return probs.pop().map(|(_, p)| p).unwrap_or_default();
    }
    let total: f32 = probs.iter().map(|(w, _)| w).sum();
    let mut mean = vec![0f32; probs.first().map_or(0, |(_, p)| p.len())];
    for (w, p) in &probs {
        for (m, v) in mean.iter_mut().zip(p) {
            *m += w * v / total;
        }
    }
    mean
}

impl FastModel {
    pub fn new(
        trained_on: Vec<String>,
        seed: u64,
        techniques: MultiLabelHead,
        frames: MultiLabelHead,
        genre: SoftmaxHead,
        spans: SpanTagger,
    ) -> Self {
        FastModel {
            trained_on,
            seed,
            techniques: Part::ready(techniques),
            frames: Part::ready(frames),
            genre: Part::ready(genre),
            spans: Part::ready(spans),
        }
    }

    /// True when the document's language is identified and is none of the
    /// languages the model was trained on: its frames and techniques are
    /// then capped ([`UNSEEN_MAX_FRAMES`], [`UNSEEN_MAX_TECHNIQUES`]).
    pub fn is_unseen(&self, doc: &Document) -> bool {
        doc.language.as_deref().is_some_and(|lang| {
            !self
                .trained_on
                .iter()
                .any(|f| f == lang || rhetor_formats::corpus::language_code(f) == lang)
        })
    }

    pub fn techniques(&self) -> &MultiLabelHead {
        self.techniques.get()
    }

    pub fn frames(&self) -> &MultiLabelHead {
        self.frames.get()
    }

    pub fn genre(&self) -> &SoftmaxHead {
        self.genre.get()
    }

    pub fn spans(&self) -> &SpanTagger {
        self.spans.get()
    }

    /// [`Detector::annotate`] without the error channel: once loaded, the
    /// fast model cannot fail (its training code calls this directly).
    pub fn annotate_tasks(&self, doc: &mut Document, tasks: &[Task]) {
        self.annotate_tasks_with(doc, tasks, Evidence::default());
    }

    /// [`FastModel::annotate_tasks`] with spans decided at `evidence`.
    pub fn annotate_tasks_with(&self, doc: &mut Document, tasks: &[Task], evidence: Evidence) {
        let wants = |t: Task| tasks.contains(&t);
        if wants(Task::Techniques) || wants(Task::Spans) {
            self.annotate_techniques(doc, wants(Task::Spans).then_some(evidence));
        }
        if wants(Task::Genre) || wants(Task::Frames) {
            self.annotate_article_tasks(doc, wants(Task::Frames), wants(Task::Genre));
        }
        doc.model = Some(self.name().to_string());
    }

    /// Predicts paragraph techniques (and, given an evidence level, their
    /// spans) in place. A paragraph over [`PARAGRAPH_WINDOW`] bytes is
    /// analysed in windows, with a warning naming its line.
    pub fn annotate_techniques(&self, doc: &mut Document, spans: Option<Evidence>) {
        for p in doc
            .paragraphs
            .iter()
            .filter(|p| p.text.len() > PARAGRAPH_WINDOW)
        {
            let warning = format!(
                "line {}: a paragraph of {} bytes was analysed in windows of {PARAGRAPH_WINDOW} bytes",
                p.line,
                p.text.len()
            );
            doc.warnings.push(warning);
        }
        let techniques = self.techniques();
        let probs = self.technique_probs(doc);
        let cap = if self.is_unseen(doc) {
            UNSEEN_MAX_TECHNIQUES
        } else {
            usize::MAX
        };
        for (p, probs) in doc.paragraphs.iter_mut().zip(probs) {
            p.techniques = techniques
                .decide(&probs)
                .into_iter()
                .take(cap)
                .filter_map(|(l, s)| Technique::from_index(l).map(|t| Scored::new(t, s)))
                .collect();
        }
        if let Some(evidence) = spans {
            self.add_spans_with(doc, evidence);
        }
    }

    /// Calibrated probability of every technique (by index) for every
    /// paragraph, in order. A paragraph longer than [`PARAGRAPH_WINDOW`]
    /// bytes is scored window by window, each technique taking its highest
    /// probability in any window; the feature blocks of one paragraph (or
    /// window) at a time are held, never the whole article's.
    pub fn technique_probs(&self, doc: &Document) -> Vec<Vec<f32>> {
        let techniques = self.techniques();
        let f = Featurizer::new(techniques.features.clone());
        let n = doc.paragraphs.len();
        doc.paragraphs
            .iter()
            .enumerate()
            .map(|(i, p)| {
                if cancelled() {
                    // The caller gave up: the rest is never looked at.
                    return vec![0.0; Technique::COUNT];
                }
                let ctx = ParagraphContext {
                    language: doc.language.as_deref(),
                    index: i,
                    count: n,
                    title: &doc.title,
                };
                let mut probs: Option<Vec<f32>> = None;
                for w in windows(&p.text, PARAGRAPH_WINDOW) {
                    if cancelled() {
                        break;
                    }
                    let wp = techniques.probs(&f.paragraph(w.text, &ctx));
                    probs = Some(match probs {
                        None => wp,
                        Some(mut m) => {
                            for (a, b) in m.iter_mut().zip(wp) {
                                *a = a.max(b);
                            }
                            m
                        }
                    });
                }
                probs.unwrap_or_default()
            })
            .collect()
    }

    /// Replaces `doc`'s spans with the tagger's spans for the techniques
    /// already on its paragraphs (whichever model put them there). A
    /// paragraph longer than [`PARAGRAPH_WINDOW`] bytes is tagged window by
    /// window (a span never crosses a window's edge); at most
    /// [`MAX_SPANS_PER_PARAGRAPH`] spans are kept per paragraph, the first
    /// found. Both are reported in `doc.warnings`, naming the line. Spans
    /// are decided at the default evidence level and listed in offset order.
    pub fn add_spans(&self, doc: &mut Document) {
        self.add_spans_with(doc, Evidence::default());
    }

    /// [`FastModel::add_spans`] with spans decided at `evidence`
    /// ([`crate::evidence`]).
    pub fn add_spans_with(&self, doc: &mut Document, evidence: Evidence) {
        let mut spans = Vec::new();
        let mut warnings = Vec::new();
        for p in doc.paragraphs.iter().filter(|p| !p.techniques.is_empty()) {
            let tagger = self.spans();
            let rule = &tagger.rules[evidence.index()];
            let before = spans.len();
            let mut cut = false;
            let wanted: Vec<(usize, f32)> = p
                .techniques
                .iter()
                .map(|t| (t.label.index(), t.score))
                .collect();
            'windows: for w in windows(&p.text, PARAGRAPH_WINDOW) {
                if cancelled() {
                    break;
                }
                let start = p.start + w.char;
                let tokens = tokenize(w.text, start);
                let feats: Vec<_> = (0..tokens.len())
                    .map(|k| token_features(&tokens, k, tagger.bits))
                    .collect();
                // Spans lie inside their window: their text is sliced from
                // it, with a map of the window (not of the whole text).
                let map = OffsetMap::new(w.text);
                let chars: Vec<char> = w.text.chars().collect();
                let text = ParagraphText {
                    chars: &chars,
                    base: start,
                };
                for (t, found) in p
                    .techniques
                    .iter()
                    .zip(tagger.spans_of(&text, &tokens, &feats, &wanted, rule))
                {
                    for (s, e, score) in found {
                        if spans.len() - before == MAX_SPANS_PER_PARAGRAPH {
                            cut = true;
                            break 'windows;
                        }
                        if let Some(text) = map.slice(w.text, s - start, e - start) {
                            spans.push(Span {
                                technique: t.label,
                                start: s,
                                end: e,
                                text: text.to_string(),
                                score,
                            });
                        }
                    }
                }
            }
            if cut {
                warnings.push(format!(
                    "line {}: only the first {MAX_SPANS_PER_PARAGRAPH} spans of the paragraph are reported",
                    p.line
                ));
            }
        }
        spans.sort_by_key(|s| (s.start, s.end, s.technique.index()));
        doc.spans = spans;
        doc.warnings.extend(warnings);
    }

    /// For every paragraph, the tagger's spans of every technique as if it
    /// were predicted with probability 1 (code-point offsets in the text).
    pub fn candidate_spans(&self, doc: &Document) -> Vec<Vec<Vec<(usize, usize, f32)>>> {
        let tagger = self.spans();
        doc.paragraphs
            .iter()
            .map(|p| {
                let tokens = tokenize(&p.text, p.start);
                let feats: Vec<_> = (0..tokens.len())
                    .map(|k| token_features(&tokens, k, tagger.bits))
                    .collect();
                tagger.candidate_spans(&tokens, &feats)
            })
            .collect()
    }

    /// The tokens of `text` (a paragraph whose first character is code
    /// point `start`) and each token's span-tagger probability for every
    /// technique, `[token][technique]`.
    pub fn token_probs(&self, text: &str, start: usize) -> (Vec<Token>, Vec<Vec<f32>>) {
        let tagger = self.spans();
        let tokens = tokenize(text, start);
        let feats: Vec<_> = (0..tokens.len())
            .map(|k| token_features(&tokens, k, tagger.bits))
            .collect();
        let probs = tagger.token_probs(&feats);
        (tokens, probs)
    }

    /// Calibrated frame probabilities and genre probabilities of the
    /// article, by label index.
    pub fn article_probs(&self, doc: &Document) -> (Vec<f32>, Vec<f32>) {
        let (frames, genre) = (self.frames(), self.genre());
        let mut frame_probs = Vec::new();
        let mut genre_probs = Vec::new();
        let ff = Featurizer::new(frames.features.clone());
        let gf = Featurizer::new(genre.features.clone());
        let same = genre.features.same_blocks(&frames.features);
        body_windows(doc, |body, weight| {
            let b = ff.article(&doc.title, body, doc.language.as_deref());
            let fp = frames.probs(&b);
            let gp = if same {
                genre.probs(&b)
            } else {
                genre.probs(&gf.article(&doc.title, body, doc.language.as_deref()))
            };
            frame_probs.push((weight, fp));
            genre_probs.push((weight, gp));
        });
        (weighted_mean(frame_probs), weighted_mean(genre_probs))
    }

    /// Predicts the article's frames and/or genre in place (the heads not
    /// asked for are not even decoded). A body longer than
    /// [`ARTICLE_WINDOW`] bytes is featurised window by window and the
    /// windows' probabilities averaged, weighted by their length.
    fn annotate_article_tasks(&self, doc: &mut Document, frames: bool, genre: bool) {
        let frames_head = frames.then(|| self.frames());
        let genre_head = genre.then(|| self.genre());
        let ff = frames_head.map(|h| Featurizer::new(h.features.clone()));
        let gf = genre_head.map(|h| Featurizer::new(h.features.clone()));
        let mut frame_probs = Vec::new();
        let mut genre_probs = Vec::new();
        let mut windows = 0usize;
        body_windows(doc, |body, weight| {
            windows += 1;
            let mut blocks: Option<(&FeatureConfig, Blocks)> = None;
            if let (Some(head), Some(f)) = (frames_head, &ff) {
                let b = f.article(&doc.title, body, doc.language.as_deref());
                frame_probs.push((weight, head.probs(&b)));
                blocks = Some((&head.features, b));
            }
            if let (Some(head), Some(f)) = (genre_head, &gf) {
                let b = match blocks {
                    Some((features, b)) if head.features.same_blocks(features) => b,
                    _ => f.article(&doc.title, body, doc.language.as_deref()),
                };
                genre_probs.push((weight, head.probs(&b)));
            }
        });
        if cancelled() {
            return; // some windows may be missing: decide nothing
        }
        if windows > 1 {
            doc.warnings.push(format!(
                "the article's body ({} paragraphs) was featurised for genre and frames in {windows} windows of at most {ARTICLE_WINDOW} bytes",
                doc.paragraphs.len()
            ));
        }
        if let Some(head) = frames_head {
            let probs = weighted_mean(frame_probs);
            let cap = if self.is_unseen(doc) {
                UNSEEN_MAX_FRAMES
            } else {
                usize::MAX
            };
            doc.frames = head
                .decide(&probs)
                .into_iter()
                .take(cap)
                .filter_map(|(l, s)| Frame::from_index(l).map(|f| Scored::new(f, s)))
                .collect();
        }
        if let Some(head) = genre_head {
            let probs = weighted_mean(genre_probs);
            let best = head.decide(&probs);
            // Shown with the offsets that decided folded in: the label is
            // the highest score shown.
            let shown = crate::calibrate::displayed_single(&probs, &head.offsets);
            doc.genre = Genre::from_index(best).map(|label| GenreScores {
                label,
                scores: Genre::ALL.iter().map(|&g| (g, shown[g.index()])).collect(),
            });
        }
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
        w.write_to(SPANS, out)
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
        );
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
        Ok(FastModel {
            trained_on,
            seed,
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
}

impl Detector for FastModel {
    fn name(&self) -> &str {
        "fast"
    }

    /// Stops between paragraphs and windows when the caller cancels
    /// ([`rhetor_core::cancel`]), with an error.
    fn annotate(&self, doc: &mut Document, tasks: &[Task]) -> Result<(), DetectError> {
        self.annotate_with(doc, tasks, Evidence::default())
    }

    fn annotate_with(
        &self,
        doc: &mut Document,
        tasks: &[Task],
        evidence: Evidence,
    ) -> Result<(), DetectError> {
        self.annotate_tasks_with(doc, tasks, evidence);
        if cancelled() {
            return Err(DetectError::new(self, doc, CANCELLED));
        }
        Ok(())
    }
}
