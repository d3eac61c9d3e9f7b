//! What the fast model does with a document: techniques per paragraph
//! (window by window on long paragraphs) and their spans, frames and genre
//! of the article (window by window on long bodies), and [`Detector`] for
//! [`FastModel`]. The model itself and its file are in `container.rs`; the
//! feature blocks training scores in `blocks.rs`.

use crate::calibrate::Platt;
use crate::container::FastModel;
use crate::evidence::ParagraphText;
use crate::features::{Blocks, FeatureConfig, Featurizer, ParagraphContext};
use crate::spans::{paragraph_token_features, TokenFeaturizer};
use crate::tokens::{tokenize, Token};
use rhetor_core::cancel::{cancelled, CANCELLED};
use rhetor_core::window::{windows, ARTICLE_WINDOW, MAX_SPANS_PER_PARAGRAPH, PARAGRAPH_WINDOW};
use rhetor_core::{
    DetectError, Detector, Document, Evidence, Frame, Genre, GenreScores, OffsetMap, Scored, Span,
    Task, Technique,
};

/// At most this many frames for an article in a language the model was
/// not trained on, the most probable first: thresholds tuned on the
/// training languages' label densities otherwise hand a new language most
/// of the 14 frames. Chosen by leave-one-language-out (frames micro-F1
/// 0.433 → 0.439 pooled; `examples/evidence_caps.rs`, docs/evaluation.md).
pub const UNSEEN_MAX_FRAMES: usize = 6;

/// At most this many techniques per paragraph in a language never trained
/// on (leave-one-language-out techniques micro-F1 0.286 → 0.289).
pub const UNSEEN_MAX_TECHNIQUES: usize = 3;

/// Calls `f` with the article's body (its paragraphs after the title,
/// joined by `\n`, as [`crate::blocks::article_blocks`] builds it) and a weight: the whole
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
    /// analysed in windows, with a warning naming its line. In a language
    /// never trained on, at most [`UNSEEN_MAX_TECHNIQUES`] per paragraph.
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
        let unseen = self.is_unseen(doc);
        // A language never trained on: the same scores, calibrated and
        // thresholded for a language the head has not seen.
        let (probs, thresholds, cap) = if unseen {
            let decision = self.unseen_techniques();
            (
                self.unseen_technique_probs(doc),
                &decision.thresholds,
                UNSEEN_MAX_TECHNIQUES,
            )
        } else {
            (
                self.technique_probs(doc),
                &techniques.thresholds,
                usize::MAX,
            )
        };
        for (p, probs) in doc.paragraphs.iter_mut().zip(probs) {
            p.techniques = crate::calibrate::decide_multilabel(&probs, thresholds)
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
        self.technique_probs_with(doc, &self.techniques().platt)
    }

    /// [`FastModel::technique_probs`] calibrated as a language never
    /// trained on is decided ([`FastModel::unseen_techniques`]), whatever
    /// the document's language.
    pub fn unseen_technique_probs(&self, doc: &Document) -> Vec<Vec<f32>> {
        self.technique_probs_with(doc, &self.unseen_techniques().platt)
    }

    /// Per paragraph, every technique's probability under `platt`.
    fn technique_probs_with(&self, doc: &Document, platt: &[Platt]) -> Vec<Vec<f32>> {
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
                    let wp = techniques.probs_with(&f.paragraph(w.text, &ctx), platt);
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
    /// found. Both are reported in `doc.warnings`, naming the line.
    pub fn add_spans(&self, doc: &mut Document) {
        self.add_spans_with(doc, Evidence::default());
    }

    /// [`FastModel::add_spans`] with spans decided at `evidence`
    /// ([`crate::evidence`]), listed in offset order.
    pub fn add_spans_with(&self, doc: &mut Document, evidence: Evidence) {
        self.add_spans_inner(doc, evidence, None);
    }

    /// [`FastModel::add_spans_with`] where another tagger may replace the
    /// fast tagger's token probabilities: for each window of a paragraph
    /// with techniques, `other.probs` is given the paragraph's index, the
    /// window's first code point within the paragraph, its tokens, the
    /// techniques wanted and the fast tagger's probabilities of them
    /// (`[technique][token]`); when it replaces them (returns true), the
    /// spans are decided by `other.rules`, otherwise as the fast model
    /// decides them. Function words and typical lengths are the fast
    /// tagger's.
    pub fn add_spans_from(&self, doc: &mut Document, evidence: Evidence, other: &OtherTagger) {
        self.add_spans_inner(doc, evidence, Some(other));
    }

    fn add_spans_inner(&self, doc: &mut Document, evidence: Evidence, other: Option<&OtherTagger>) {
        let mut spans = Vec::new();
        let mut warnings = Vec::new();
        // One featuriser and one set of token vectors for the whole
        // article, reused paragraph by paragraph.
        let mut featurizer: Option<TokenFeaturizer> = None;
        let mut feats = Vec::new();
        for (pi, p) in doc
            .paragraphs
            .iter()
            .enumerate()
            .filter(|(_, p)| !p.techniques.is_empty())
        {
            let tagger = self.spans();
            let featurizer = featurizer.get_or_insert_with(|| TokenFeaturizer::new(tagger.bits));
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
                featurizer.features_into(&tokens, &mut feats);
                // Spans lie inside their window: their text is sliced from
                // it, with a map of the window (not of the whole text).
                let map = OffsetMap::new(w.text);
                let chars: Vec<char> = w.text.chars().collect();
                let text = ParagraphText {
                    chars: &chars,
                    base: start,
                };
                let found_all = match other {
                    None => tagger.spans_of(&text, &tokens, &feats, &wanted, rule),
                    Some(o) => {
                        let labels: Vec<usize> = wanted.iter().map(|w| w.0).collect();
                        let mut probs = tagger.probs_of(&feats, &labels);
                        let rule = if (o.probs)(pi, w.char, &tokens, &labels, &mut probs) {
                            &o.rules[evidence.index()]
                        } else {
                            rule
                        };
                        wanted
                            .iter()
                            .zip(&probs)
                            .map(|(&(t, p_par), probs)| {
                                crate::evidence::decide_spans(
                                    &tokens,
                                    probs,
                                    p_par,
                                    &text,
                                    rule,
                                    &tagger.function_words,
                                    tagger.lengths[t] as usize,
                                )
                            })
                            .collect()
                    }
                };
                for (t, found) in p.techniques.iter().zip(found_all) {
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
        spans.sort_by_key(|s: &Span| (s.start, s.end, s.technique.index()));
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
                let feats = paragraph_token_features(&tokens, tagger.bits);
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
        let feats = paragraph_token_features(&tokens, tagger.bits);
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

/// The hook of [`FastModel::add_spans_from`]: `(paragraph index, window
/// start in the paragraph in code points, tokens, techniques, probabilities
/// [technique][token] to replace) → replaced`.
pub type TokenProbsHook<'a> =
    dyn Fn(usize, usize, &[Token], &[usize], &mut [Vec<f32>]) -> bool + 'a;

/// Another span tagger's token probabilities and the span decision's
/// rules for them (see [`FastModel::add_spans_from`]).
pub struct OtherTagger<'a> {
    /// One rule per evidence level, for the other tagger's probabilities.
    pub rules: &'a crate::evidence::SpanRules,
    /// Replaces the fast tagger's probabilities where it can.
    pub probs: &'a TokenProbsHook<'a>,
}
