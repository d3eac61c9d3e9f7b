//! Heads stacked on the fast model: each reads the fast model's calibrated
//! scores next to the encoder's embeddings, so lexical evidence and meaning
//! are weighed by one learned model per task.

use crate::dense::{softmax, train_multilabel, train_softmax, DenseConfig, DenseLinear};
use crate::embed::DocEmbeddings;
use rhetor_core::{Frame, Genre, Technique};
use rhetor_model::calibrate::{calibrate_single, micro_thresholds, Platt};
use serde::{Deserialize, Serialize};

/// The fast model's calibrated probabilities for one document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FastProbs {
    /// Per paragraph, per technique index.
    pub techniques: Vec<Vec<f32>>,
    pub frames: Vec<f32>,
    pub genre: Vec<f32>,
}

impl FastProbs {
    pub fn of(model: &rhetor_model::FastModel, doc: &rhetor_core::Document) -> Self {
        let (frames, genre) = model.article_probs(doc);
        FastProbs {
            techniques: model.technique_probs(doc),
            frames,
            genre,
        }
    }
}

fn logit(p: f32) -> f32 {
    let p = p.clamp(1e-4, 1.0 - 1e-4);
    (p / (1.0 - p)).ln()
}

/// Which inputs the heads read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StackConfig {
    /// Techniques also read the article's embedding (context).
    pub article_context: bool,
    pub techniques: DenseConfig,
    pub frames: DenseConfig,
    pub genre: DenseConfig,
    /// Folds inside training for calibration and thresholds.
    pub inner_folds: usize,
}

impl Default for StackConfig {
    fn default() -> Self {
        StackConfig {
            article_context: true,
            techniques: DenseConfig::default(),
            frames: DenseConfig {
                epochs: 40,
                ..DenseConfig::default()
            },
            genre: DenseConfig {
                epochs: 40,
                ..DenseConfig::default()
            },
            inner_folds: 4,
        }
    }
}

/// Input of the techniques head for paragraph `p`.
pub fn technique_input(
    cfg: &StackConfig,
    fast: &FastProbs,
    emb: &DocEmbeddings,
    p: usize,
) -> Vec<f32> {
    let mut x: Vec<f32> = fast.techniques[p].iter().map(|&v| logit(v)).collect();
    x.extend_from_slice(&emb.paragraphs[p]);
    if cfg.article_context {
        x.extend_from_slice(&emb.article);
    }
    x
}

pub fn frame_input(fast: &FastProbs, emb: &DocEmbeddings) -> Vec<f32> {
    let mut x: Vec<f32> = fast.frames.iter().map(|&v| logit(v)).collect();
    x.extend_from_slice(&emb.article);
    x
}

pub fn genre_input(fast: &FastProbs, emb: &DocEmbeddings) -> Vec<f32> {
    let mut x: Vec<f32> = fast.genre.iter().map(|&v| v.max(1e-6).ln()).collect();
    x.extend_from_slice(&emb.article);
    x
}

/// A multi-label head: dense model, Platt calibration, per-label thresholds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StackedMultiLabel {
    pub linear: DenseLinear,
    pub platt: Vec<Platt>,
    pub thresholds: Vec<f32>,
}

impl StackedMultiLabel {
    pub fn probs(&self, x: &[f32]) -> Vec<f32> {
        self.linear
            .scores(x)
            .iter()
            .zip(&self.platt)
            .map(|(&s, p)| p.prob(s))
            .collect()
    }

    pub fn decide(&self, probs: &[f32]) -> Vec<(usize, f32)> {
        rhetor_model::calibrate::decide_multilabel(probs, &self.thresholds)
    }

    /// Trains on examples `idx`; `groups[i]` (the article) keeps an
    /// article's examples in one inner fold.
    pub fn fit(
        xs: &[Vec<f32>],
        ys: &[Vec<bool>],
        groups: &[usize],
        idx: &[usize],
        labels: usize,
        cfg: &DenseConfig,
        k: usize,
    ) -> Self {
        let mut oof: Vec<Vec<f32>> = vec![Vec::new(); xs.len()];
        for f in 0..k {
            let train: Vec<usize> = idx
                .iter()
                .copied()
                .filter(|&i| groups[i] % k != f)
                .collect();
            let m = train_multilabel(xs, ys, labels, &train, cfg);
            for &i in idx.iter().filter(|&&i| groups[i] % k == f) {
                oof[i] = m.scores(&xs[i]);
            }
        }
        let platt: Vec<Platt> = (0..labels)
            .map(|l| {
                let s: Vec<f32> = idx.iter().map(|&i| oof[i][l]).collect();
                let y: Vec<bool> = idx.iter().map(|&i| ys[i][l]).collect();
                Platt::fit(&s, &y)
            })
            .collect();
        let probs: Vec<Vec<f32>> = idx
            .iter()
            .map(|&i| oof[i].iter().zip(&platt).map(|(&s, p)| p.prob(s)).collect())
            .collect();
        let gold: Vec<Vec<bool>> = idx.iter().map(|&i| ys[i].clone()).collect();
        let thresholds = micro_thresholds(&probs, &gold, labels);
        StackedMultiLabel {
            linear: train_multilabel(xs, ys, labels, idx, cfg),
            platt,
            thresholds,
        }
    }
}

/// A single-label head: softmax with a temperature and decision offsets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StackedSoftmax {
    pub linear: DenseLinear,
    pub temperature: f32,
    pub offsets: Vec<f32>,
}

impl StackedSoftmax {
    pub fn probs(&self, x: &[f32]) -> Vec<f32> {
        let t = self.temperature.max(1e-3);
        softmax(
            &self
                .linear
                .scores(x)
                .iter()
                .map(|v| v / t)
                .collect::<Vec<_>>(),
        )
    }

    pub fn decide(&self, probs: &[f32]) -> usize {
        rhetor_model::calibrate::decide_single(probs, &self.offsets)
    }

    pub fn fit(
        xs: &[Vec<f32>],
        ys: &[usize],
        groups: &[usize],
        idx: &[usize],
        classes: usize,
        cfg: &DenseConfig,
        k: usize,
    ) -> Self {
        let mut oof: Vec<Vec<f32>> = vec![Vec::new(); xs.len()];
        for f in 0..k {
            let train: Vec<usize> = idx
                .iter()
                .copied()
                .filter(|&i| groups[i] % k != f)
                .collect();
            let m = train_softmax(xs, ys, classes, &train, cfg);
            for &i in idx.iter().filter(|&&i| groups[i] % k == f) {
                oof[i] = m.scores(&xs[i]);
            }
        }
        let o: Vec<Vec<f32>> = idx.iter().map(|&i| oof[i].clone()).collect();
        let y: Vec<usize> = idx.iter().map(|&i| ys[i]).collect();
        let (temperature, offsets) = calibrate_single(&o, &y, classes);
        StackedSoftmax {
            linear: train_softmax(xs, ys, classes, idx, cfg),
            temperature,
            offsets,
        }
    }
}

/// The three stacked heads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StackHeads {
    pub config: StackConfig,
    pub techniques: StackedMultiLabel,
    pub frames: StackedMultiLabel,
    pub genre: StackedSoftmax,
}

/// One document's predictions from the heads.
#[derive(Debug, Clone, PartialEq)]
pub struct Decisions {
    /// Per paragraph: (technique, probability), most probable first.
    pub techniques: Vec<Vec<(Technique, f32)>>,
    pub frames: Vec<(Frame, f32)>,
    pub genre: Option<(Genre, Vec<f32>)>,
}

impl StackHeads {
    pub fn decide(&self, fast: &FastProbs, emb: &DocEmbeddings) -> Decisions {
        let techniques = (0..fast.techniques.len())
            .map(|p| {
                let probs = self
                    .techniques
                    .probs(&technique_input(&self.config, fast, emb, p));
                self.techniques
                    .decide(&probs)
                    .into_iter()
                    .filter_map(|(l, s)| Technique::from_index(l).map(|t| (t, s)))
                    .collect()
            })
            .collect();
        let fp = self.frames.probs(&frame_input(fast, emb));
        let frames = self
            .frames
            .decide(&fp)
            .into_iter()
            .filter_map(|(l, s)| Frame::from_index(l).map(|f| (f, s)))
            .collect();
        let gp = self.genre.probs(&genre_input(fast, emb));
        let genre = Genre::from_index(self.genre.decide(&gp)).map(|g| (g, gp));
        Decisions {
            techniques,
            frames,
            genre,
        }
    }
}
