//! Training the fast model, and cross-validation over articles.

use crate::blocks::{article_blocks, paragraph_blocks};
use crate::calibrate::{calibrate_single, micro_thresholds, Platt};
use crate::compact::CompactHead;
use crate::container::FastModel;
use crate::evidence::{typical_lengths, FunctionWords, DEFAULT_RULES, FUNCTION_WORDS_PER_LANGUAGE};
use crate::features::{vectorize, Blocks, FeatureConfig, Featurizer, Idf};
use crate::head::{MultiLabelHead, SoftmaxHead, UnseenDecision};
use crate::heldout::{by_fold, held_out, Schedule};
use crate::linear::{train_one_vs_rest, train_softmax, TrainConfig};
use crate::spans::{SpanTagger, TaggedParagraph};
use crate::sparse::SparseVec;
use rayon::prelude::*;
use rhetor_core::{Document, Frame, Genre, Scored, Task, Technique};
use rhetor_formats::corpus::LabeledDocument;
use serde::{Deserialize, Serialize};
use std::borrow::Borrow;

/// Everything that decides what training produces.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainOptions {
    /// Seed of every shuffle; the same seed and data give the same model, bit for bit.
    pub seed: u64,
    /// Folds used inside training to calibrate and tune thresholds.
    pub inner_folds: usize,
    /// Paragraph features for techniques.
    pub paragraph_features: FeatureConfig,
    /// Article features for frames.
    pub article_features: FeatureConfig,
    /// Article features for genre.
    pub genre_features: FeatureConfig,
    /// Optimiser settings of the techniques head.
    pub techniques: TrainConfig,
    /// Optimiser settings of the frames head.
    pub frames: TrainConfig,
    /// Optimiser settings of the genre head.
    pub genre: TrainConfig,
    /// Optimiser settings of the span tagger.
    pub spans: TrainConfig,
    /// Hash space of the span tagger's token features (`2^span_bits`).
    pub span_bits: u32,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            seed: 13,
            inner_folds: 4,
            // Measured by leaving each language out in turn: reading the
            // text spelt in Latin letters lifts techniques in a language
            // never trained on (micro-F1 0.289 → 0.303; Russian 0.217 →
            // 0.307) and costs no language more than 0.002 in 5-fold CV
            // (docs/evaluation.md).
            paragraph_features: FeatureConfig {
                fold_script: true,
                ..FeatureConfig::default()
            },
            // Measured by 5-fold CV: frames gain from heavier char n-grams
            // (char weight 1 → 4: micro-F1 0.614 → 0.630) and more epochs;
            // genre does best with the plain settings.
            article_features: FeatureConfig {
                bits: 19,
                char_weight: 4.0,
                ..FeatureConfig::default()
            },
            genre_features: FeatureConfig {
                bits: 19,
                ..FeatureConfig::default()
            },
            techniques: TrainConfig::default(),
            frames: TrainConfig {
                epochs: 10,
                ..TrainConfig::default()
            },
            genre: TrainConfig::default(),
            spans: TrainConfig {
                epochs: 5,
                ..TrainConfig::default()
            },
            span_bits: 18,
        }
    }
}

impl TrainOptions {
    /// The same options with every head's seed derived from `seed`.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self.techniques.seed = seed;
        self.frames.seed = seed.wrapping_add(1);
        self.genre.seed = seed.wrapping_add(2);
        self.spans.seed = seed.wrapping_add(3);
        self
    }
}

/// Receives one message per finished training step (for progress bars).
pub trait Progress: Sync {
    /// Called once a step is done, with what it was (e.g. `techniques head`).
    fn step(&self, message: &str);
}

/// Ignores progress.
pub struct Silent;

impl Progress for Silent {
    fn step(&self, _: &str) {}
}

/// Number of [`Progress::step`] calls one [`train`] makes.
pub const TRAIN_STEPS: usize = 5;

/// Fold of every document: within each language folder, articles sorted by
/// id (as strings) are dealt round-robin, so fold `i % k` (see
/// bench/reference for the same rule in the scikit-learn reference).
pub fn fold_assignment(docs: &[LabeledDocument], k: usize) -> Vec<usize> {
    let mut folds = vec![0; docs.len()];
    let mut folders: Vec<&str> = docs.iter().map(|d| d.folder.as_str()).collect();
    folders.sort_unstable();
    folders.dedup();
    for folder in folders {
        let mut idx: Vec<usize> = (0..docs.len())
            .filter(|&i| docs[i].folder == folder)
            .collect();
        idx.sort_by(|&a, &b| docs[a].doc.id.cmp(&docs[b].doc.id));
        for (rank, i) in idx.into_iter().enumerate() {
            folds[i] = rank % k.max(1);
        }
    }
    folds
}

/// Out-of-fold scores: each example scored by the head `train` fits on
/// the other inner folds (example `i` is in fold `groups[i] % k`). The
/// multi-label and genre heads' use of [`held_out`].
fn oof_scores(
    xs: &[SparseVec],
    groups: &[usize],
    k: usize,
    train: impl Fn(&[usize]) -> CompactHead + Sync,
) -> Vec<Vec<f32>> {
    let folds = by_fold(groups, k);
    held_out(xs.len(), &folds, Schedule::OneAtATime, train, |head, i| {
        head.scores(&xs[i])
    })
}

/// The IDF learned on `blocks` (features in fewer than two units dropped)
/// and every unit's TF-IDF vector: what each head is trained on.
fn fit_idf_and_vectorize<B: Borrow<Blocks> + Sync>(
    fc: &FeatureConfig,
    blocks: &[B],
) -> (Idf, Vec<SparseVec>) {
    let idf = Idf::fit(fc.bits, blocks.iter().map(Borrow::borrow), 2);
    let xs: Vec<SparseVec> = blocks
        .par_iter()
        .map(|b| vectorize(fc, &idf, b.borrow()))
        .collect();
    (idf, xs)
}

/// Fits a calibrated, thresholded multi-label head. `groups[i]` is the
/// article of example `i`, so inner folds never split an article.
pub(crate) fn fit_multilabel<B: Borrow<Blocks> + Sync>(
    fc: &FeatureConfig,
    blocks: &[B],
    ys: &[Vec<bool>],
    groups: &[usize],
    labels: usize,
    cfg: &TrainConfig,
    k: usize,
) -> MultiLabelHead {
    fit_multilabel_with_unseen(fc, blocks, ys, groups, None, labels, cfg, k).0
}

/// Platt scaling and thresholds fitted on out-of-fold scores: each
/// example scored by the head `train` fits on the other folds (example
/// `i` in fold `groups[i] % k`).
fn calibrate_held_out(
    xs: &[SparseVec],
    ys: &[Vec<bool>],
    groups: &[usize],
    k: usize,
    labels: usize,
    train: impl Fn(&[usize]) -> CompactHead + Sync,
) -> (Vec<Platt>, Vec<f32>) {
    let oof = oof_scores(xs, groups, k, train);
    calibrate_scores(&oof, ys, labels)
}

/// Per label, the Platt scaling of held-out raw scores `oof` (one row per
/// example, one score per label) against `ys`, and the thresholds on the
/// scaled probabilities that maximise pooled micro-F1.
pub(crate) fn calibrate_scores(
    oof: &[Vec<f32>],
    ys: &[Vec<bool>],
    labels: usize,
) -> (Vec<Platt>, Vec<f32>) {
    let platt: Vec<Platt> = (0..labels)
        .map(|l| {
            let s: Vec<f32> = oof.iter().map(|r| r[l]).collect();
            let y: Vec<bool> = ys.iter().map(|r| r[l]).collect();
            Platt::fit(&s, &y)
        })
        .collect();
    let probs: Vec<Vec<f32>> = oof
        .iter()
        .map(|r| r.iter().zip(&platt).map(|(&s, p)| p.prob(s)).collect())
        .collect();
    let thresholds = micro_thresholds(&probs, ys, labels);
    (platt, thresholds)
}

/// [`fit_multilabel`], plus, given each example's training language
/// (`languages[i]`, numbered from 0), the head's decision for a language
/// never trained on: the same weights, calibrated and thresholded on
/// out-of-fold scores whose folds are the languages (each language scored
/// by a head trained on the others), so that it learns how the scores
/// fall in a language the head has not seen.
#[allow(clippy::too_many_arguments)]
pub(crate) fn fit_multilabel_with_unseen<B: Borrow<Blocks> + Sync>(
    fc: &FeatureConfig,
    blocks: &[B],
    ys: &[Vec<bool>],
    groups: &[usize],
    languages: Option<&[usize]>,
    labels: usize,
    cfg: &TrainConfig,
    k: usize,
) -> (MultiLabelHead, Option<UnseenDecision>) {
    let (idf, xs) = fit_idf_and_vectorize(fc, blocks);
    let dims = 1usize << fc.bits;
    let train_rows = |rows: &[usize]| train_one_vs_rest(dims, labels, &xs, ys, rows, cfg);
    let (platt, thresholds) = calibrate_held_out(&xs, ys, groups, k, labels, train_rows);
    let unseen = languages.map(|langs| {
        let n = langs.iter().max().map_or(0, |&l| l + 1);
        let (platt, thresholds) = calibrate_held_out(&xs, ys, langs, n.max(2), labels, train_rows);
        UnseenDecision { platt, thresholds }
    });
    let all: Vec<usize> = (0..xs.len()).collect();
    let head = train_one_vs_rest(dims, labels, &xs, ys, &all, cfg);
    (
        MultiLabelHead::new(fc.clone(), idf, head, platt, thresholds),
        unseen,
    )
}

/// Fits the genre head: softmax, a temperature fitted on out-of-fold
/// probabilities, and per-class offsets that maximise out-of-fold macro-F1.
pub(crate) fn fit_genre<B: Borrow<Blocks> + Sync>(
    fc: &FeatureConfig,
    blocks: &[B],
    ys: &[usize],
    groups: &[usize],
    cfg: &TrainConfig,
    k: usize,
) -> SoftmaxHead {
    let classes = Genre::COUNT;
    let (idf, xs) = fit_idf_and_vectorize(fc, blocks);
    let dims = 1usize << fc.bits;
    let oof = oof_scores(&xs, groups, k, |rows| {
        train_softmax(dims, classes, &xs, ys, rows, cfg)
    });
    let (temperature, offsets) = calibrate_single(&oof, ys, classes);
    let all: Vec<usize> = (0..xs.len()).collect();
    let head = train_softmax(dims, classes, &xs, ys, &all, cfg);
    SoftmaxHead::new(fc.clone(), idf, head, temperature, offsets)
}

/// Trains the fast model on labelled documents.
pub fn train(docs: &[LabeledDocument], opts: &TrainOptions, progress: &dyn Progress) -> FastModel {
    let k = opts.inner_folds.max(2);
    let groups_all = fold_assignment(docs, k);

    // Techniques: one example per paragraph of articles with paragraph labels.
    let pf = Featurizer::new(opts.paragraph_features.clone());
    let per_doc: Vec<Vec<Blocks>> = docs
        .par_iter()
        .map(|d| {
            if d.gold.techniques {
                paragraph_blocks(&pf, &d.doc)
            } else {
                Vec::new()
            }
        })
        .collect();
    let mut folders: Vec<&str> = docs.iter().map(|d| d.folder.as_str()).collect();
    folders.sort_unstable();
    folders.dedup();
    let mut blocks = Vec::new();
    let mut ys = Vec::new();
    let mut groups = Vec::new();
    let mut languages = Vec::new();
    for (i, (d, bs)) in docs.iter().zip(per_doc).enumerate() {
        let language = folders.iter().position(|f| *f == d.folder).unwrap_or(0);
        for (p, b) in d.doc.paragraphs.iter().zip(bs) {
            blocks.push(b);
            ys.push(technique_targets(&p.techniques));
            groups.push(groups_all[i]);
            languages.push(language);
        }
    }
    progress.step("paragraph features");
    // The decision for a language never trained on needs two training
    // languages at least (one scored by a head trained on the other).
    let several = languages.iter().any(|l| Some(l) != languages.first());
    let (techniques, unseen) = fit_multilabel_with_unseen(
        &opts.paragraph_features,
        &blocks,
        &ys,
        &groups,
        several.then_some(&languages[..]),
        Technique::COUNT,
        &opts.techniques,
        k,
    );
    drop(blocks);
    progress.step("techniques");

    // Article-level heads.
    let af = Featurizer::new(opts.article_features.clone());
    let art: Vec<Blocks> = docs
        .par_iter()
        .map(|d| article_blocks(&af, &d.doc))
        .collect();
    let frame_docs: Vec<usize> = (0..docs.len()).filter(|&i| docs[i].gold.frames).collect();
    let frame_blocks: Vec<&Blocks> = frame_docs.iter().map(|&i| &art[i]).collect();
    let frame_ys: Vec<Vec<bool>> = frame_docs
        .iter()
        .map(|&i| frame_targets(&docs[i].doc))
        .collect();
    let frame_groups: Vec<usize> = frame_docs.iter().map(|&i| groups_all[i]).collect();
    let frames = fit_multilabel(
        &opts.article_features,
        &frame_blocks,
        &frame_ys,
        &frame_groups,
        Frame::COUNT,
        &opts.frames,
        k,
    );
    progress.step("frames");
    let genre_docs: Vec<usize> = (0..docs.len())
        .filter(|&i| docs[i].doc.genre.is_some() && docs[i].gold.genre)
        .collect();
    // Genre weights its blocks differently from frames but usually reads the
    // same raw blocks: reuse them rather than featurise every article twice.
    let genre_own_blocks: Vec<Blocks> = if opts.genre_features.same_blocks(&opts.article_features) {
        Vec::new()
    } else {
        let gf = Featurizer::new(opts.genre_features.clone());
        genre_docs
            .par_iter()
            .map(|&i| article_blocks(&gf, &docs[i].doc))
            .collect()
    };
    let genre_blocks: Vec<&Blocks> = if genre_own_blocks.is_empty() {
        genre_docs.iter().map(|&i| &art[i]).collect()
    } else {
        genre_own_blocks.iter().collect()
    };
    let genre_ys: Vec<usize> = genre_docs
        .iter()
        .map(|&i| docs[i].doc.genre.as_ref().map_or(0, |g| g.label.index()))
        .collect();
    let genre_groups: Vec<usize> = genre_docs.iter().map(|&i| groups_all[i]).collect();
    let genre = fit_genre(
        &opts.genre_features,
        &genre_blocks,
        &genre_ys,
        &genre_groups,
        &opts.genre,
        k,
    );
    drop((frame_blocks, genre_blocks));
    drop((genre_own_blocks, art));
    progress.step("genre");

    // Spans: paragraphs with gold spans, spans clipped to the paragraph.
    let tagged: Vec<TaggedParagraph> = docs
        .par_iter()
        .filter(|d| d.gold.spans)
        .flat_map_iter(|d| {
            d.doc.paragraphs.iter().filter_map(move |p| {
                let (ps, pe) = (p.start, p.end());
                let spans: Vec<(Technique, usize, usize)> = d
                    .doc
                    .spans
                    .iter()
                    .filter(|s| s.start < pe && s.end > ps)
                    .map(|s| (s.technique, s.start.max(ps), s.end.min(pe)))
                    .collect();
                (!spans.is_empty())
                    .then(|| TaggedParagraph::new(&p.text, ps, &spans, opts.span_bits))
            })
        })
        .collect();
    // The span decision: the rules chosen by cross-validation, and the
    // most frequent words of each training language as function words.
    let function_words = FunctionWords::learn(
        folders.iter().map(|f| {
            docs.iter()
                .filter(move |d| d.folder == *f)
                .flat_map(|d| d.doc.paragraphs.iter().map(|p| p.text.as_str()))
        }),
        FUNCTION_WORDS_PER_LANGUAGE,
    );
    let lengths = typical_lengths(
        docs.iter()
            .filter(|d| d.gold.spans)
            .flat_map(|d| d.doc.spans.iter())
            .map(|s| (s.technique.index(), s.end.saturating_sub(s.start))),
    );
    let spans = SpanTagger::train(
        &tagged,
        opts.span_bits,
        &opts.spans,
        DEFAULT_RULES,
        function_words,
        lengths,
    );
    progress.step("spans");

    let mut trained_on: Vec<String> = docs.iter().map(|d| d.folder.clone()).collect();
    trained_on.sort();
    trained_on.dedup();
    let model = FastModel::new(trained_on, opts.seed, techniques, frames, genre, spans);
    // With one training language, `FastModel::new`'s default stands: a new
    // language is decided as the training language is.
    match unseen {
        Some(decision) => model.with_unseen_techniques(decision),
        None => model,
    }
}

/// A copy of `doc` with every annotation removed (what a model starts from).
pub fn unannotated(doc: &Document) -> Document {
    let mut d = doc.clone();
    d.genre = None;
    d.frames.clear();
    d.spans.clear();
    d.model = None;
    for p in &mut d.paragraphs {
        p.techniques.clear();
    }
    d
}

/// Document indices of each of the `k` folds of [`fold_assignment`].
pub fn fold_groups(docs: &[LabeledDocument], k: usize) -> Vec<Vec<usize>> {
    let folds = fold_assignment(docs, k);
    (0..k)
        .map(|f| (0..docs.len()).filter(|&i| folds[i] == f).collect())
        .collect()
}

/// Document indices of each language folder, folders sorted by name.
pub fn language_groups(docs: &[LabeledDocument]) -> Vec<Vec<usize>> {
    let mut folders: Vec<&str> = docs.iter().map(|d| d.folder.as_str()).collect();
    folders.sort_unstable();
    folders.dedup();
    folders
        .iter()
        .map(|f| (0..docs.len()).filter(|&i| docs[i].folder == *f).collect())
        .collect()
}

/// Multi-hot targets of a paragraph's techniques.
pub fn technique_targets(techniques: &[Scored<Technique>]) -> Vec<bool> {
    let mut y = vec![false; Technique::COUNT];
    for t in techniques {
        y[t.label.index()] = true;
    }
    y
}

/// Multi-hot targets of an article's frames.
pub fn frame_targets(doc: &Document) -> Vec<bool> {
    let mut y = vec![false; Frame::COUNT];
    for f in &doc.frames {
        y[f.label.index()] = true;
    }
    y
}

/// Out-of-fold predictions: for each of `k` folds (see [`fold_assignment`]),
/// train on the other folds and annotate this one. Returns one predicted
/// document per input document, in order.
pub fn cross_validate(
    docs: &[LabeledDocument],
    k: usize,
    opts: &TrainOptions,
    progress: &dyn Progress,
) -> Vec<Document> {
    predict_held_out(docs, &fold_groups(docs, k), opts, progress)
}

/// Leave-one-language-out predictions: for each language folder, train on
/// all the others and annotate it.
pub fn leave_one_language_out(
    docs: &[LabeledDocument],
    opts: &TrainOptions,
    progress: &dyn Progress,
) -> Vec<Document> {
    predict_held_out(docs, &language_groups(docs), opts, progress)
}

fn predict_held_out(
    docs: &[LabeledDocument],
    held_out: &[Vec<usize>],
    opts: &TrainOptions,
    progress: &dyn Progress,
) -> Vec<Document> {
    for_each_held_out(docs, held_out, opts, progress, |model, doc| {
        let mut d = unannotated(&doc.doc);
        model.annotate_tasks(&mut d, &Task::ALL);
        d
    })
}

/// For each group of document indices, trains a fast model on all other
/// documents and applies `f` to each document of the group (in parallel).
/// Returns one result per document, in order.
pub fn for_each_held_out<T: Send>(
    docs: &[LabeledDocument],
    held_out_groups: &[Vec<usize>],
    opts: &TrainOptions,
    progress: &dyn Progress,
    f: impl Fn(&FastModel, &LabeledDocument) -> T + Sync,
) -> Vec<T> {
    let train_without = |rows: &[usize]| {
        let train_docs: Vec<LabeledDocument> = rows.iter().map(|&i| docs[i].clone()).collect();
        train(&train_docs, opts, progress)
    };
    held_out(
        docs.len(),
        held_out_groups,
        Schedule::OneAtATime,
        train_without,
        |model, i| f(model, &docs[i]),
    )
}
