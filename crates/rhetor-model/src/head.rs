//! Trained heads in their shipped form: the features they read, compact
//! weights ([`crate::compact`]), calibration and thresholds; prediction
//! goes through a [`crate::lookup::Lookup`].

use crate::calibrate::Platt;
use crate::compact::CompactHead;
use crate::features::{Blocks, FeatureConfig, Idf};
use crate::lookup::{check_lookup_bits, Lookup};
use crate::math::softmax;
use crate::store::{SectionReader, SectionWriter};
use std::sync::OnceLock;

/// Multi-label head (techniques, frames): calibrated probabilities and a
/// per-label decision threshold.
#[derive(Debug, Clone)]
pub struct MultiLabelHead {
    /// How its input's features are computed.
    pub features: FeatureConfig,
    /// The IDF of every hashed feature, learned on the training data.
    pub(crate) idf: Idf,
    /// The trained weights, compacted (i16 with per-label scales, touched rows only).
    pub(crate) head: CompactHead,
    /// Per-label Platt scaling of the raw scores.
    pub platt: Vec<Platt>,
    /// Per-label decision thresholds on the calibrated probabilities.
    pub thresholds: Vec<f32>,
    /// Derived from `idf` and `head` on the first prediction (a head
    /// trained and only saved never builds it).
    lookup: OnceLock<Lookup>,
}

impl PartialEq for MultiLabelHead {
    /// The learned values; the lookup is derived from them.
    fn eq(&self, other: &Self) -> bool {
        self.features == other.features
            && self.idf == other.idf
            && self.head == other.head
            && self.platt == other.platt
            && self.thresholds == other.thresholds
    }
}

impl MultiLabelHead {
    /// A head from its trained parts; builds the fast lookup table.
    pub(crate) fn new(
        features: FeatureConfig,
        idf: Idf,
        head: CompactHead,
        platt: Vec<Platt>,
        thresholds: Vec<f32>,
    ) -> Self {
        MultiLabelHead {
            features,
            idf,
            head,
            platt,
            thresholds,
            lookup: OnceLock::new(),
        }
    }

    /// Appends the head to a model-file section.
    pub(crate) fn store<'a>(&'a self, w: &mut SectionWriter<'a>) -> Result<(), String> {
        w.small(&(&self.features, &self.platt, &self.thresholds))?;
        self.idf.store(w);
        self.head.store(w)
    }

    /// Reads the head back from its model-file section, checking that its parts agree.
    pub(crate) fn load(r: &mut SectionReader) -> Result<Self, String> {
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

    /// The TF-IDF vector of feature blocks, as training scores it (the
    /// tests check the shipped scoring against it).
    #[cfg(test)]
    pub(crate) fn vector(&self, b: &Blocks) -> crate::sparse::SparseVec {
        crate::features::vectorize(&self.features, &self.idf, b)
    }

    /// Calibrated probability of every label.
    pub(crate) fn probs(&self, b: &Blocks) -> Vec<f32> {
        self.probs_with(b, &self.platt)
    }

    /// Probability of every label with another calibration of the same
    /// scores (the decision for a language never trained on).
    pub(crate) fn probs_with(&self, b: &Blocks, platt: &[Platt]) -> Vec<f32> {
        let lookup = self
            .lookup
            .get_or_init(|| Lookup::new(&self.idf, &self.head));
        let s = lookup.scores(&self.features, &self.head, b);
        s.iter().zip(platt).map(|(&s, p)| p.prob(s)).collect()
    }

    /// (label index, probability) for every label at or above its threshold,
    /// most probable first.
    pub fn decide(&self, probs: &[f32]) -> Vec<(usize, f32)> {
        crate::calibrate::decide_multilabel(probs, &self.thresholds)
    }
}

/// How a multi-label head decides in a language it was never trained on:
/// its own scores, calibrated and thresholded on out-of-fold scores whose
/// folds are the training languages (`train::fit_multilabel_with_unseen`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct UnseenDecision {
    /// Per-label Platt scaling of the head's raw scores.
    pub platt: Vec<Platt>,
    /// Per-label decision thresholds on those probabilities.
    pub thresholds: Vec<f32>,
}

/// Single-label head (genre): softmax probabilities plus per-class log-odds
/// offsets tuned by cross-validation for macro-F1.
#[derive(Debug, Clone)]
pub struct SoftmaxHead {
    /// How its input's features are computed.
    pub features: FeatureConfig,
    /// The IDF of every hashed feature, learned on the training data.
    pub(crate) idf: Idf,
    /// The trained weights, compacted.
    pub(crate) head: CompactHead,
    /// Temperature applied to the logits (calibration).
    pub temperature: f32,
    /// Added to logits before the arg-max only (decision, not probability).
    pub offsets: Vec<f32>,
    /// Derived from `idf` and `head` on the first prediction.
    lookup: OnceLock<Lookup>,
}

impl PartialEq for SoftmaxHead {
    /// The learned values; the lookup is derived from them.
    fn eq(&self, other: &Self) -> bool {
        self.features == other.features
            && self.idf == other.idf
            && self.head == other.head
            && self.temperature == other.temperature
            && self.offsets == other.offsets
    }
}

impl SoftmaxHead {
    /// A head from its trained parts; builds the fast lookup table.
    pub(crate) fn new(
        features: FeatureConfig,
        idf: Idf,
        head: CompactHead,
        temperature: f32,
        offsets: Vec<f32>,
    ) -> Self {
        SoftmaxHead {
            features,
            idf,
            head,
            temperature,
            offsets,
            lookup: OnceLock::new(),
        }
    }

    /// Appends the head to a model-file section.
    pub(crate) fn store<'a>(&'a self, w: &mut SectionWriter<'a>) -> Result<(), String> {
        w.small(&(&self.features, self.temperature, &self.offsets))?;
        self.idf.store(w);
        self.head.store(w)
    }

    /// Reads the head back from its model-file section, checking that its parts agree.
    pub(crate) fn load(r: &mut SectionReader) -> Result<Self, String> {
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
    pub(crate) fn probs(&self, b: &Blocks) -> Vec<f32> {
        let lookup = self
            .lookup
            .get_or_init(|| Lookup::new(&self.idf, &self.head));
        let s = lookup.scores(&self.features, &self.head, b);
        let t = self.temperature.max(1e-3);
        softmax(&s.iter().map(|v| v / t).collect::<Vec<_>>())
    }

    /// The class decided: the highest log-probability plus its offset.
    pub fn decide(&self, probs: &[f32]) -> usize {
        crate::calibrate::decide_single(probs, &self.offsets)
    }
}

#[cfg(test)]
mod tests {
    use crate::blocks::{article_blocks, paragraph_blocks};
    use crate::features::{vectorize, Featurizer};
    use crate::math::softmax;
    use crate::spans::token_features;
    use crate::tokens::tokenize;
    use rhetor_core::Document;
    use rhetor_formats::articles::{list_articles, read_article_file};

    /// Every SemEval article of the training folders, with its language.
    fn semeval_articles() -> Option<Vec<Document>> {
        let data = rhetor_testkit::need(
            rhetor_formats::corpus::shared_data_dir(),
            rhetor_testkit::SEMEVAL_DATA,
        )?;
        let mut docs = Vec::new();
        for (folder, dir) in rhetor_formats::corpus::language_folders(&data).unwrap() {
            for path in list_articles(&dir.join("train-articles")).unwrap() {
                let mut doc = read_article_file(&path).unwrap();
                doc.language = Some(rhetor_formats::corpus::language_code(&folder).into());
                docs.push(doc);
            }
        }
        assert!(docs.len() > 1000, "only {} articles", docs.len());
        Some(docs)
    }

    fn bits(v: &[f32]) -> Vec<u32> {
        v.iter().map(|x| x.to_bits()).collect()
    }

    /// The shipped heads read through their packed slots give, on every
    /// paragraph and article of the SemEval training data, the very bits of
    /// the plain computation: the input vector built, then every feature's
    /// row found through `row_of` (`CompactHead::scores`).
    #[test]
    fn the_shipped_heads_give_the_plain_numbers_on_the_semeval_articles() {
        let Some(docs) = semeval_articles() else {
            return;
        };
        let model = crate::shipped().unwrap();
        let (t, fr, g, sp) = (
            model.techniques(),
            model.frames(),
            model.genre(),
            model.spans(),
        );
        let tf = Featurizer::new(t.features.clone());
        let af = Featurizer::new(fr.features.clone());
        let gf = Featurizer::new(g.features.clone());
        let all: Vec<usize> = (0..sp.head.labels).collect();
        let mut out = Vec::new();
        for (n, doc) in docs.iter().enumerate() {
            for b in paragraph_blocks(&tf, doc) {
                let plain: Vec<f32> = t
                    .head
                    .scores(&t.vector(&b))
                    .iter()
                    .zip(&t.platt)
                    .map(|(&s, p)| p.prob(s))
                    .collect();
                assert_eq!(bits(&t.probs(&b)), bits(&plain), "{}", doc.id);
            }
            let b = article_blocks(&af, doc);
            let plain: Vec<f32> = fr
                .head
                .scores(&fr.vector(&b))
                .iter()
                .zip(&fr.platt)
                .map(|(&s, p)| p.prob(s))
                .collect();
            assert_eq!(bits(&fr.probs(&b)), bits(&plain), "{}", doc.id);
            let b = article_blocks(&gf, doc);
            let x = vectorize(&g.features, &g.idf, &b);
            let t = g.temperature.max(1e-3);
            let logits: Vec<f32> = g.head.scores(&x).iter().map(|v| v / t).collect();
            assert_eq!(bits(&g.probs(&b)), bits(&softmax(&logits)), "{}", doc.id);
            // The tokens of every other article (the plain scores of all
            // 23 labels of every token are slow).
            for p in doc.paragraphs.iter().filter(|_| n.is_multiple_of(2)) {
                let tokens = tokenize(&p.text, p.start);
                for k in 0..tokens.len() {
                    let x = token_features(&tokens, k, sp.bits);
                    let plain = sp.head.scores(&x);
                    sp.head.score_labels(&x, &all, &mut out);
                    assert_eq!(bits(&out), bits(&plain), "{}", doc.id);
                    let l = k % all.len();
                    assert_eq!(sp.head.score_label(&x, l).to_bits(), plain[l].to_bits());
                }
            }
        }
    }
}
