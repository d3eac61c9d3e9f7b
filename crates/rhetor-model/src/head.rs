//! Trained heads in their shipped form: the features they read, compact
//! weights ([`crate::compact`]), calibration and thresholds; prediction
//! goes through a [`crate::lookup::Lookup`].

use crate::calibrate::Platt;
use crate::compact::CompactHead;
use crate::features::{vectorize, Blocks, FeatureConfig, Idf};
use crate::lookup::{check_lookup_bits, Lookup};
use crate::math::softmax;
use crate::sparse::SparseVec;
use crate::store::{SectionReader, SectionWriter};

/// Multi-label head (techniques, frames): calibrated probabilities and a
/// per-label decision threshold.
#[derive(Debug, Clone, PartialEq)]
pub struct MultiLabelHead {
    /// How its input's features are computed.
    pub features: FeatureConfig,
    /// The IDF of every hashed feature, learned on the training data.
    pub idf: Idf,
    /// The trained weights, compacted (i16 with per-label scales, touched rows only).
    pub head: CompactHead,
    /// Per-label Platt scaling of the raw scores.
    pub platt: Vec<Platt>,
    /// Per-label decision thresholds on the calibrated probabilities.
    pub thresholds: Vec<f32>,
    /// Derived from `idf` and `head` by [`MultiLabelHead::new`].
    lookup: Lookup,
}

impl MultiLabelHead {
    /// A head from its trained parts; builds the fast lookup table.
    pub fn new(
        features: FeatureConfig,
        idf: Idf,
        head: CompactHead,
        platt: Vec<Platt>,
        thresholds: Vec<f32>,
    ) -> Self {
        let lookup = Lookup::new(&idf, &head);
        MultiLabelHead {
            features,
            idf,
            head,
            platt,
            thresholds,
            lookup,
        }
    }

    /// Appends the head to a model-file section.
    pub fn store<'a>(&'a self, w: &mut SectionWriter<'a>) -> Result<(), String> {
        w.small(&(&self.features, &self.platt, &self.thresholds))?;
        self.idf.store(w);
        self.head.store(w)
    }

    /// Reads the head back from its model-file section, checking that its parts agree.
    pub fn load(r: &mut SectionReader) -> Result<Self, String> {
        let (features, platt, thresholds): (FeatureConfig, Vec<Platt>, Vec<f32>) = r.small()?;
        let idf = Idf::load(r, features.bits)?;
        let head = CompactHead::load(r)?;
        if platt.len() != head.labels || thresholds.len() != head.labels {
            return Err("calibration and head disagree on the labels".into());
        }
        if head.dims() != 1usize << features.bits {
            return Err("head and features disagree on the hash space".into());
        }
        check_lookup_bits(features.bits)?;
        Ok(MultiLabelHead::new(features, idf, head, platt, thresholds))
    }

    /// The TF-IDF vector of feature blocks, as training scores it.
    pub fn vector(&self, b: &Blocks) -> SparseVec {
        vectorize(&self.features, &self.idf, b)
    }

    /// Calibrated probability of every label.
    pub fn probs(&self, b: &Blocks) -> Vec<f32> {
        let s = self.lookup.scores(&self.features, &self.head, b);
        s.iter().zip(&self.platt).map(|(&s, p)| p.prob(s)).collect()
    }

    /// (label index, probability) for every label at or above its threshold,
    /// most probable first.
    pub fn decide(&self, probs: &[f32]) -> Vec<(usize, f32)> {
        crate::calibrate::decide_multilabel(probs, &self.thresholds)
    }
}

/// Single-label head (genre): softmax probabilities plus per-class log-odds
/// offsets tuned by cross-validation for macro-F1.
#[derive(Debug, Clone, PartialEq)]
pub struct SoftmaxHead {
    /// How its input's features are computed.
    pub features: FeatureConfig,
    /// The IDF of every hashed feature, learned on the training data.
    pub idf: Idf,
    /// The trained weights, compacted.
    pub head: CompactHead,
    /// Temperature applied to the logits (calibration).
    pub temperature: f32,
    /// Added to logits before the arg-max only (decision, not probability).
    pub offsets: Vec<f32>,
    /// Derived from `idf` and `head` by [`SoftmaxHead::new`].
    lookup: Lookup,
}

impl SoftmaxHead {
    /// A head from its trained parts; builds the fast lookup table.
    pub fn new(
        features: FeatureConfig,
        idf: Idf,
        head: CompactHead,
        temperature: f32,
        offsets: Vec<f32>,
    ) -> Self {
        let lookup = Lookup::new(&idf, &head);
        SoftmaxHead {
            features,
            idf,
            head,
            temperature,
            offsets,
            lookup,
        }
    }

    /// Appends the head to a model-file section.
    pub fn store<'a>(&'a self, w: &mut SectionWriter<'a>) -> Result<(), String> {
        w.small(&(&self.features, self.temperature, &self.offsets))?;
        self.idf.store(w);
        self.head.store(w)
    }

    /// Reads the head back from its model-file section, checking that its parts agree.
    pub fn load(r: &mut SectionReader) -> Result<Self, String> {
        let (features, temperature, offsets): (FeatureConfig, f32, Vec<f32>) = r.small()?;
        let idf = Idf::load(r, features.bits)?;
        let head = CompactHead::load(r)?;
        if offsets.len() != head.labels || head.dims() != 1usize << features.bits {
            return Err("inconsistent genre head".into());
        }
        check_lookup_bits(features.bits)?;
        Ok(SoftmaxHead::new(features, idf, head, temperature, offsets))
    }

    /// The probability of every class (softmax of the logits over the temperature).
    pub fn probs(&self, b: &Blocks) -> Vec<f32> {
        let s = self.lookup.scores(&self.features, &self.head, b);
        let t = self.temperature.max(1e-3);
        softmax(&s.iter().map(|v| v / t).collect::<Vec<_>>())
    }

    /// The class decided: the highest log-probability plus its offset.
    pub fn decide(&self, probs: &[f32]) -> usize {
        crate::calibrate::decide_single(probs, &self.offsets)
    }
}
