//! The encoder span tagger: which words of a paragraph carry a technique,
//! read from the encoder's contextual word states.
//!
//! Like the fast model's tagger, one logistic regression per technique
//! scores every word *given that the paragraph uses the technique* (it is
//! trained on the words of the paragraphs that have it). Its input is the
//! word's 12th-layer state ([`crate::words`]), optionally the mean state
//! of its two neighbours, and the fast tagger's logit for the same word
//! and technique (a stacked blend: the weight each gets is learned). Its
//! probabilities go through the same span decision
//! (`rhetor_model::evidence`) as the fast tagger's.

use crate::dense::{train_multilabel, DenseConfig, DenseLinear};
use crate::words::WordStates;
use rayon::prelude::*;
use rhetor_core::Technique;
use rhetor_model::calibrate::Platt;
use rhetor_model::evidence::{SpanRule, SpanRules};
use rhetor_model::math::sigmoid;
use serde::{Deserialize, Serialize};

/// What the tagger reads of a word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaggerInput {
    /// The mean state of the word before and the word after.
    pub context: bool,
    /// The fast tagger's logit for the word and technique.
    pub fast: bool,
}

impl TaggerInput {
    /// Input dimensions for states of `dim` floats.
    pub fn dims(&self, dim: usize) -> usize {
        dim * (1 + self.context as usize) + self.fast as usize
    }
}

/// The fast tagger's probability as a bounded logit.
fn fast_logit(p: f32) -> f32 {
    let p = p.clamp(1e-4, 1.0 - 1e-4);
    (p / (1.0 - p)).ln()
}

/// The input of word `k`: its state, its neighbours' mean, the fast
/// logit, as `input` says; `fast` is the fast tagger's probability of the
/// word for the technique scored (read only when `input.fast`).
pub(crate) fn word_input(input: TaggerInput, states: &WordStates, k: usize, fast: f32) -> Vec<f32> {
    let mut x = states.state(k);
    if input.context {
        let mut ctx = vec![0f32; states.dim];
        let mut n = 0;
        for j in [k.wrapping_sub(1), k + 1] {
            if j < states.len() {
                for (c, v) in ctx.iter_mut().zip(states.state(j)) {
                    *c += v;
                }
                n += 1;
            }
        }
        if n > 0 {
            let inv = 1.0 / n as f32;
            ctx.iter_mut().for_each(|c| *c *= inv);
        }
        x.extend(ctx);
    }
    if input.fast {
        x.push(fast_logit(fast));
    }
    x
}

/// One training paragraph: its word states, the fast tagger's
/// probabilities (`[word][technique]`, empty when the input has no fast
/// logit) and, for each technique it has, which words lie in its spans.
pub struct TaggerParagraph<'a> {
    /// The paragraph's word states.
    pub states: &'a WordStates,
    /// `[word][technique]`: the fast tagger's probabilities.
    pub fast: Vec<Vec<f32>>,
    /// `(technique, inside[word])` for each technique the paragraph has.
    pub gold: Vec<(usize, Vec<bool>)>,
}

/// One scorer per technique.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EncoderTagger {
    /// What each word's input holds.
    pub input: TaggerInput,
    /// State dimension.
    pub dim: usize,
    /// One single-output head per technique ([`Technique`] index order);
    /// `None` where training had no paragraph with the technique.
    pub heads: Vec<Option<DenseLinear>>,
}

impl EncoderTagger {
    /// Trains one scorer per technique on the words of the paragraphs that
    /// have it (deterministic given `cfg.seed`).
    pub fn train(
        paragraphs: &[TaggerParagraph],
        input: TaggerInput,
        dim: usize,
        cfg: &DenseConfig,
    ) -> Self {
        let heads = (0..Technique::COUNT)
            .into_par_iter()
            .map(|t| {
                let mut xs = Vec::new();
                let mut ys = Vec::new();
                for p in paragraphs {
                    if let Some((_, inside)) = p.gold.iter().find(|g| g.0 == t) {
                        for (k, &y) in inside.iter().enumerate() {
                            let f = p.fast.get(k).map_or(0.5, |row| row[t]);
                            xs.push(word_input(input, p.states, k, f));
                            ys.push(vec![y]);
                        }
                    }
                }
                if xs.is_empty() {
                    return None;
                }
                let idx: Vec<usize> = (0..xs.len()).collect();
                Some(train_multilabel(&xs, &ys, 1, &idx, cfg))
            })
            .collect();
        EncoderTagger { input, dim, heads }
    }

    /// Every word's probability of lying inside a span of each technique
    /// (`[word][technique]`), as if each were predicted; `fast` as in
    /// [`TaggerParagraph`]. A technique without a head scores 0.
    pub fn token_probs(&self, states: &WordStates, fast: &[Vec<f32>]) -> Vec<Vec<f32>> {
        (0..states.len())
            .map(|k| {
                (0..Technique::COUNT)
                    .map(|t| self.prob(states, k, fast.get(k).map_or(0.5, |r| r[t]), t))
                    .collect()
            })
            .collect()
    }

    /// Word `k`'s probability for technique `t`, given the fast tagger's
    /// probability `fast` of the same word and technique.
    pub fn prob(&self, states: &WordStates, k: usize, fast: f32, t: usize) -> f32 {
        match &self.heads[t] {
            Some(h) => sigmoid(h.scores(&word_input(self.input, states, k, fast))[0]),
            None => 0.0,
        }
    }
}

/// What the accurate model's heads file holds for spans: the encoder
/// tagger, its blend with the fast tagger and the span decision's rules
/// for the blended probabilities.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EncoderSpans {
    /// The tagger on word states.
    pub tagger: EncoderTagger,
    /// The encoder tagger's weight in a word's probability at each
    /// evidence level ([`rhetor_core::Evidence::ALL`] order); the fast
    /// tagger's is `1 − blend`.
    pub blend: [f32; 3],
    /// One rule per evidence level ([`rhetor_core::Evidence::ALL`] order).
    pub rules: SpanRules,
}

impl EncoderSpans {
    /// Replaces the fast tagger's probabilities `probs[j][k]` of technique
    /// `labels[j]` at word `k` by the blend with the encoder tagger's at
    /// evidence level `level`.
    pub(crate) fn blend_probs(
        &self,
        states: &WordStates,
        labels: &[usize],
        probs: &mut [Vec<f32>],
        level: rhetor_core::Evidence,
    ) {
        let w = self.blend[level.index()];
        for (&t, row) in labels.iter().zip(probs.iter_mut()) {
            for (k, p) in row.iter_mut().enumerate().take(states.len()) {
                let e = self.tagger.prob(states, k, *p, t);
                *p = w * e + (1.0 - w) * *p;
            }
        }
    }

    /// Every count and dimension against the encoder's state dimension
    /// `dim`, every number finite and every threshold in [0, 1].
    pub fn check(&self, dim: usize) -> Result<(), String> {
        let t = &self.tagger;
        if t.dim != dim {
            return Err(format!("states of {} dimensions, expected {dim}", t.dim));
        }
        if t.heads.len() != Technique::COUNT {
            return Err(format!(
                "{} technique heads, expected {}",
                t.heads.len(),
                Technique::COUNT
            ));
        }
        let inputs = t.input.dims(dim);
        for (i, h) in t.heads.iter().enumerate() {
            if let Some(h) = h {
                crate::check::dense_linear(h, 1, inputs)
                    .map_err(|e| format!("technique {i}: {e}"))?;
            }
        }
        if let Some(w) = self.blend.iter().find(|w| !(0.0..=1.0).contains(*w)) {
            return Err(format!("blend weight {w} outside [0, 1]"));
        }
        for r in &self.rules {
            if !(0.0..=1.0).contains(&r.token) || !(0.0..=1.0).contains(&r.min_score) {
                return Err("a rule's threshold is outside [0, 1]".into());
            }
            if !r.grow.is_finite()
                || r.calibration
                    .is_some_and(|c| !c.a.is_finite() || !c.b.is_finite())
            {
                return Err("a rule's calibration or growth is not finite".into());
            }
        }
        Ok(())
    }
}

/// The training paragraphs of the documents `idx` that have gold spans:
/// each paragraph with at least one span (clipped to it), its word states
/// (`states(text)`) and the fast tagger's probabilities (`fast(doc,
/// paragraph)`, `[word][technique]`; empty when the input has none).
pub fn tagger_paragraphs<'a>(
    docs: &'a [rhetor_formats::corpus::LabeledDocument],
    idx: &[usize],
    states: &dyn Fn(&str) -> &'a WordStates,
    fast: &dyn Fn(usize, usize) -> Vec<Vec<f32>>,
) -> Vec<TaggerParagraph<'a>> {
    let mut out = Vec::new();
    for &i in idx {
        let d = &docs[i];
        if !d.gold.spans {
            continue;
        }
        for (pi, p) in d.doc.paragraphs.iter().enumerate() {
            let (ps, pe) = (p.start, p.end());
            let tokens = rhetor_model::tokenize(&p.text, ps);
            let mut gold: Vec<(usize, Vec<bool>)> = Vec::new();
            for s in d.doc.spans.iter().filter(|s| s.start < pe && s.end > ps) {
                let t = s.technique.index();
                let pos = match gold.iter().position(|x| x.0 == t) {
                    Some(k) => k,
                    None => {
                        gold.push((t, vec![false; tokens.len()]));
                        gold.len() - 1
                    }
                };
                for (k, tok) in tokens.iter().enumerate() {
                    if tok.start < s.end && tok.end > s.start {
                        gold[pos].1[k] = true;
                    }
                }
            }
            if gold.is_empty() {
                continue;
            }
            out.push(TaggerParagraph {
                states: states(&p.text),
                fast: fast(i, pi),
                gold,
            });
        }
    }
    out
}

/// What the shipped tagger reads (chosen by 5-fold CV, docs/evaluation.md).
pub(crate) const SHIPPED_INPUT: TaggerInput = TaggerInput {
    context: false,
    fast: false,
};

/// The shipped blend weights of the encoder tagger per evidence level,
/// searched with the rules (docs/evaluation.md).
pub(crate) const SHIPPED_BLEND: [f32; 3] = [0.65, 0.6, 0.5];

/// The training settings of the shipped tagger (`seed` set by training).
pub(crate) fn shipped_config(seed: u64) -> DenseConfig {
    DenseConfig {
        epochs: 4,
        seed,
        ..DenseConfig::default()
    }
}

/// The shipped span decision for the blended probabilities, chosen with
/// the blend weights by 5-fold CV on the accurate model's own held-out
/// paragraph decisions (the coordinate ascent of `evidence_tune` on the
/// dumps of `span_oof` and `span_paragraphs`, docs/evaluation.md):
/// `precise` maximises precision with recall at least 0.05, `balanced`
/// F1 with precision at least 0.20, `recall` F1 with recall at least
/// 0.35; each calibrated by the Platt scaling of its held-out span scores.
/// The same search run on four folds and scored on the fifth (nested)
/// chose these rules or near ones and scores within 0.001 of the figures
/// below.
pub(crate) const SHIPPED_RULES: SpanRules = [
    // precise (blend 0.65): P 0.407, R 0.051, F1 0.091
    SpanRule {
        token: 0.85,
        bridge: 0,
        fallback: false,
        trim: true,
        min_tokens: 1,
        min_score: 0.35,
        max_spans: 3,
        grow: 0.75,
        calibration: Some(Platt {
            a: 2.193,
            b: -1.456,
        }),
    },
    // balanced (blend 0.6): P 0.203, R 0.242, F1 0.221
    SpanRule {
        token: 0.7,
        bridge: 0,
        fallback: true,
        trim: false,
        min_tokens: 1,
        min_score: 0.2,
        max_spans: 0,
        grow: 0.75,
        calibration: Some(Platt {
            a: 2.605,
            b: -2.256,
        }),
    },
    // recall (blend 0.5): P 0.133, R 0.359, F1 0.194
    SpanRule {
        token: 0.5,
        bridge: 0,
        fallback: false,
        trim: true,
        min_tokens: 1,
        min_score: 0.2,
        max_spans: 0,
        grow: 0.75,
        calibration: Some(Platt {
            a: 3.453,
            b: -2.914,
        }),
    },
];

/// Trains the shipped encoder span tagger on the documents `idx`: their
/// paragraphs with gold spans, read through `states`.
pub fn train_encoder_spans<'a>(
    docs: &'a [rhetor_formats::corpus::LabeledDocument],
    idx: &[usize],
    states: &dyn Fn(&str) -> &'a WordStates,
    dim: usize,
    seed: u64,
) -> EncoderSpans {
    let paragraphs = tagger_paragraphs(docs, idx, states, &|_, _| Vec::new());
    EncoderSpans {
        tagger: EncoderTagger::train(&paragraphs, SHIPPED_INPUT, dim, &shipped_config(seed)),
        blend: SHIPPED_BLEND,
        rules: SHIPPED_RULES,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Word states of `n` words where dimension 0 is 1 for the words in
    /// `marked` and dimension 1 is noise.
    fn states(n: usize, marked: &[usize], noise: u64) -> WordStates {
        let mut rng = rhetor_model::hashing::Rng::from_state(noise);
        let mut ws = WordStates {
            dim: 2,
            scales: Vec::new(),
            q: Vec::new(),
        };
        for k in 0..n {
            let x = [
                if marked.contains(&k) { 1.0 } else { -1.0 },
                (rng.next_u64() % 100) as f32 / 100.0,
            ];
            let max = x[0].abs().max(x[1].abs());
            ws.scales.push(max / 127.0);
            ws.q.extend(x.iter().map(|v| (v / (max / 127.0)).round() as i8));
        }
        ws
    }

    #[test]
    fn tagger_learns_a_planted_dimension_and_blends() {
        let t = Technique::LoadedLanguage.index();
        let all: Vec<WordStates> = (0..40).map(|i| states(8, &[i % 8], i as u64)).collect();
        let paragraphs: Vec<TaggerParagraph> = all
            .iter()
            .enumerate()
            .map(|(i, s)| TaggerParagraph {
                states: s,
                fast: Vec::new(),
                gold: vec![(t, (0..8).map(|k| k == i % 8).collect())],
            })
            .collect();
        let input = TaggerInput {
            context: false,
            fast: false,
        };
        let cfg = DenseConfig {
            epochs: 50,
            learning_rate: 0.05,
            ..DenseConfig::default()
        };
        let tagger = EncoderTagger::train(&paragraphs, input, 2, &cfg);
        assert!(tagger.heads[t].is_some());
        // Techniques no paragraph had have no head and score 0.
        assert!(tagger.heads[Technique::Doubt.index()].is_none());
        let test = states(6, &[2], 99);
        let probs = tagger.token_probs(&test, &[]);
        assert!(probs[2][t] > 0.8, "{:?}", probs[2][t]);
        assert!((0..6).filter(|&k| k != 2).all(|k| probs[k][t] < 0.2));
        assert_eq!(probs[0][Technique::Doubt.index()], 0.0);
        // The blend: w × encoder + (1 − w) × fast.
        let spans = EncoderSpans {
            tagger,
            blend: [0.25, 0.25, 0.25],
            rules: SHIPPED_RULES,
        };
        let mut p = vec![vec![0.4f32; 6]];
        spans.blend_probs(&test, &[t], &mut p, rhetor_core::Evidence::Balanced);
        let expect = 0.25 * probs[2][t] + 0.75 * 0.4;
        assert!((p[0][2] - expect).abs() < 1e-6, "{} vs {expect}", p[0][2]);
        spans.check(2).unwrap();
        // Refused: another state size, a blend outside [0, 1].
        assert!(spans.check(3).unwrap_err().starts_with("states of 2"));
        let mut bad = spans.clone();
        bad.blend[2] = 1.5;
        assert!(bad.check(2).unwrap_err().contains("blend"));
        let mut bad = spans.clone();
        bad.tagger.heads.pop();
        assert!(bad.check(2).unwrap_err().contains("technique heads"));
        let mut bad = spans;
        if let Some(h) = bad.tagger.heads[t].as_mut() {
            h.weights[0] = f32::NAN;
        }
        assert!(bad.check(2).unwrap_err().contains("NaN"));
    }

    #[test]
    fn context_and_fast_inputs_have_their_place() {
        let ws = states(3, &[1], 5);
        let both = TaggerInput {
            context: true,
            fast: true,
        };
        assert_eq!(both.dims(2), 5);
        let x = word_input(both, &ws, 0, 0.5);
        assert_eq!(x.len(), 5);
        // Word 0's context is word 1 alone; the fast logit of 0.5 is 0.
        assert_eq!(&x[2..4], &ws.state(1)[..]);
        assert_eq!(x[4], 0.0);
    }
}
