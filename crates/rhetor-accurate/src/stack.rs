//! Heads stacked on the fast model: each reads the fast model's calibrated
//! scores next to the encoder's embeddings ([`crate::inputs`]), so lexical
//! evidence and meaning are weighed by one learned model per task: an
//! embedding-only model, blended with the fast model for the languages it
//! was trained on ([`crate::blend`]) and anchored on its decisions for the
//! others ([`crate::anchor`]).

use crate::anchor::{micro_f1_at, Anchor};
use crate::blend::{LabelBlend, SoftBlend};
use crate::dense::{train_multilabel, train_softmax, DenseConfig, DenseLinear, EmbeddingModel};
use crate::embed::DocEmbeddings;
use crate::inputs::{
    frame_input, genre_input, technique_input, Examples, FastProbs, FastRules, StackConfig,
};
use rhetor_core::{Document, Frame, Genre, GenreScores, OffsetMap, Scored, Technique};
use rhetor_model::calibrate::{decide_single, displayed_single, macro_f1};
use rhetor_model::heldout::{by_fold, held_out, Schedule};
use rhetor_model::math::{sigmoid, softmax};
use rhetor_model::{UNSEEN_MAX_FRAMES, UNSEEN_MAX_TECHNIQUES};
use serde::{Deserialize, Serialize};

/// A multi-label head: an embedding-only model whose logit is blended per
/// label with the fast model's logit for the languages the fast model was
/// trained on, and anchored on the fast model's decisions ([`Anchor`]) for
/// the others. `M`: the embedding model (the shipped heads' is linear).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StackedMultiLabel<M = DenseLinear> {
    /// Inputs start with this many fast-model values, one per label.
    pub fast_dims: usize,
    /// Model of the remaining (embedding) inputs.
    pub linear: M,
    /// The blend for the languages the fast model was trained on.
    pub seen: LabelBlend,
    /// The rule for other languages, anchored on the fast model.
    pub unseen: Anchor,
    /// For other languages, the weight of the seen-language blend in a
    /// weighted mean, in log-odds, of its logit and the anchored rule's
    /// (thresholds averaged the same way); 0: the anchored rule alone.
    /// The two rules err differently: the anchored one keeps the fast
    /// model's label density (better where labels are dense, as in German),
    /// the blend leans on the embeddings (better in English and Russian).
    pub unseen_mix: f32,
}

/// `(1 − mix)·a + mix·b`, exactly `a` when `mix` is 0.
fn mixed(a: f32, b: f32, mix: f32) -> f32 {
    if mix == 0.0 {
        a
    } else {
        (1.0 - mix) * a + mix * b
    }
}

fn logit(p: f32) -> f32 {
    let p = p.clamp(1e-6, 1.0 - 1e-6);
    (p / (1.0 - p)).ln()
}

impl<M: EmbeddingModel> StackedMultiLabel<M> {
    /// Probability of every label for one input row; `unseen` when the document's language is none of the training languages.
    pub fn probs(&self, x: &[f32], unseen: bool) -> Vec<f32> {
        let z = self.linear.scores(&x[self.fast_dims..]);
        let fast = &x[..self.fast_dims];
        if unseen {
            self.unseen_logits(fast, &z)
                .into_iter()
                .map(sigmoid)
                .collect()
        } else {
            self.seen.probs(fast, &z)
        }
    }

    /// For a language never trained on: each label's margin, the
    /// unseen-language rule's log-odds minus those of its threshold (a
    /// label is decided where it is positive, before the cap); `x` as for
    /// [`StackedMultiLabel::probs`], `fast_thresholds` as for
    /// [`StackedMultiLabel::decide`].
    pub fn unseen_margins(&self, x: &[f32], fast_thresholds: &[f32]) -> Vec<f32> {
        let z = self.linear.scores(&x[self.fast_dims..]);
        self.unseen_logits(&x[..self.fast_dims], &z)
            .iter()
            .zip(self.unseen_thresholds(fast_thresholds))
            .map(|(&s, t)| s - logit(t))
            .collect()
    }

    /// The unseen-language rule's log-odds from fast log-odds and embedding logits.
    fn unseen_logits(&self, fast: &[f32], z: &[f32]) -> Vec<f32> {
        let anchored = self.unseen.shifted(fast, z);
        if self.unseen_mix == 0.0 {
            return anchored;
        }
        let blended = self.seen.logits(fast, z);
        anchored
            .iter()
            .zip(&blended)
            .map(|(&a, &b)| mixed(a, b, self.unseen_mix))
            .collect()
    }

    /// The thresholds of the unseen-language rule, from the fast model's.
    fn unseen_thresholds(&self, fast_thresholds: &[f32]) -> Vec<f32> {
        if self.unseen_mix == 0.0 {
            return fast_thresholds.to_vec();
        }
        fast_thresholds
            .iter()
            .zip(&self.seen.thresholds)
            .map(|(&f, &s)| sigmoid(mixed(logit(f), logit(s), self.unseen_mix)))
            .collect()
    }

    /// `fast_thresholds`: the fast model's, used for unseen languages.
    pub fn decide(
        &self,
        probs: &[f32],
        unseen: bool,
        fast_thresholds: &[f32],
    ) -> Vec<(usize, f32)> {
        if unseen {
            let thresholds = self.unseen_thresholds(fast_thresholds);
            rhetor_model::calibrate::decide_multilabel(probs, &thresholds)
        } else {
            rhetor_model::calibrate::decide_multilabel(probs, &self.seen.thresholds)
        }
    }
}

impl StackedMultiLabel {
    /// Fits the embedding model, the seen-language blend and the anchor; `k`
    /// inner folds; `unseen_mix` as [`StackedMultiLabel::unseen_mix`].
    pub fn fit(
        ex: &Examples,
        ys: &[Vec<bool>],
        labels: usize,
        cfg: &DenseConfig,
        k: usize,
        unseen_mix: f32,
    ) -> Self {
        Self::fit_with(ex, ys, labels, k, unseen_mix, |emb, t| {
            train_multilabel(emb, ys, labels, t, cfg)
        })
    }
}

impl<M: EmbeddingModel + Send + Sync> StackedMultiLabel<M> {
    /// [`StackedMultiLabel::fit`] with the embedding model (any
    /// [`EmbeddingModel`]) trained by `train` (embedding inputs of every
    /// example, the examples to train on).
    pub fn fit_with(
        ex: &Examples,
        ys: &[Vec<bool>],
        labels: usize,
        k: usize,
        unseen_mix: f32,
        train: impl Fn(&[Vec<f32>], &[usize]) -> M + Sync,
    ) -> Self {
        let fitted = fit_blended(
            ex,
            ys,
            labels,
            k,
            train,
            |fast, z, y| LabelBlend::fit(fast, z, y, labels),
            |shifted, idx| micro_f1_at(shifted, ex.unseen_rules, ys, idx),
        );
        StackedMultiLabel {
            fast_dims: labels,
            linear: fitted.linear,
            seen: fitted.seen,
            unseen: fitted.unseen,
            unseen_mix,
        }
    }
}

/// What [`fit_blended`] fits, and the embedding logits it fitted them on.
struct Fitted<B, M> {
    linear: M,
    seen: B,
    unseen: Anchor,
    /// Out-of-fold (inner folds) embedding logits of every example.
    oof: Vec<Vec<f32>>,
    /// Embedding logits of every example from a model without its language.
    z_lang: Vec<Vec<f32>>,
}

/// Trains the embedding-only model (`train`, on the inputs after the
/// first `n_fast`), fits the seen-language blend (`blend`, from fast
/// values, out-of-fold embedding logits and targets) and the
/// unseen-language [`Anchor`] (`quality` of its decisions on one
/// language's examples).
fn fit_blended<Y, B, M: EmbeddingModel + Send + Sync>(
    ex: &Examples,
    ys: &[Y],
    n_fast: usize,
    k: usize,
    train: impl Fn(&[Vec<f32>], &[usize]) -> M + Sync,
    blend: impl Fn(&[&[f32]], &[Vec<f32>], &[Y]) -> B,
    quality: impl Fn(&[Vec<f32>], &[usize]) -> f64 + Sync,
) -> Fitted<B, M> {
    let emb: Vec<Vec<f32>> = ex.xs.iter().map(|x| x[n_fast..].to_vec()).collect();
    let train = |t: &[usize]| train(&emb, t);
    // Dense heads are small: every held-out training and the final one
    // run at once.
    let logits_without = |groups: &[usize], k: usize| {
        let folds = by_fold(groups, k);
        let score = |m: &M, i: usize| m.scores(&emb[i]);
        held_out(emb.len(), &folds, Schedule::AllAtOnce, train, score)
    };
    let all: Vec<usize> = (0..emb.len()).collect();
    let (oof, linear) = rayon::join(|| logits_without(ex.groups, k), || train(&all));
    let fast: Vec<&[f32]> = ex.xs.iter().map(|x| &x[..n_fast]).collect();
    let seen = blend(&fast, &oof, ys);
    // Embedding logits of each language from models trained without it.
    let nl = ex.languages();
    let z_lang = if nl > 1 {
        logits_without(ex.langs, nl)
    } else {
        oof.clone()
    };
    let unseen = Anchor::fit(&oof, ex, &z_lang, quality);
    Fitted {
        linear,
        seen,
        unseen,
        oof,
        z_lang,
    }
}

/// A single-label head: an embedding-only softmax model blended with the
/// fast model's log-probabilities, for seen and unseen languages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StackedSoftmax {
    /// Inputs start with this many fast-model values, one per class.
    pub fast_dims: usize,
    /// Model of the remaining (embedding) inputs.
    pub linear: DenseLinear,
    /// The blend for the languages the fast model was trained on.
    pub seen: SoftBlend,
    /// For unseen languages, the anchored fast model and a blend fitted on
    /// seen- and unseen-language examples pooled, averaged in log space.
    pub unseen: Anchor,
    /// The blend fitted on seen- and unseen-language examples pooled.
    pub unseen_blend: SoftBlend,
}

impl StackedSoftmax {
    /// Probability of every class for one input row; `unseen` as for [`StackedMultiLabel::probs`].
    pub fn probs(&self, x: &[f32], unseen: bool) -> Vec<f32> {
        let z = self.linear.scores(&x[self.fast_dims..]);
        let fast = &x[..self.fast_dims];
        if unseen {
            // Normalised geometric mean of the two rules' probabilities.
            let anchored = softmax(&self.unseen.shifted(fast, &z));
            let blended = self.unseen_blend.probs(fast, &z);
            let logs: Vec<f32> = anchored
                .iter()
                .zip(&blended)
                .map(|(a, b)| 0.5 * (a.max(1e-9).ln() + b.max(1e-9).ln()))
                .collect();
            softmax(&logs)
        } else {
            self.seen.probs(fast, &z)
        }
    }

    /// `fast_offsets`: the fast model's; for unseen languages the offsets
    /// are the mean of its and the pooled blend's, as the probabilities are
    /// the geometric mean of the two rules'.
    pub fn decide(&self, probs: &[f32], unseen: bool, fast_offsets: &[f32]) -> usize {
        decide_single(probs, &self.offsets(unseen, fast_offsets))
    }

    /// The class offsets [`StackedSoftmax::decide`] adds to the log
    /// probabilities.
    pub fn offsets(&self, unseen: bool, fast_offsets: &[f32]) -> Vec<f32> {
        if unseen {
            fast_offsets
                .iter()
                .zip(&self.unseen_blend.offsets)
                .map(|(a, b)| 0.5 * (a + b))
                .collect()
        } else {
            self.seen.offsets.clone()
        }
    }

    /// Fits the embedding model, both blends and the anchor; `k` inner folds.
    pub fn fit(ex: &Examples, ys: &[usize], classes: usize, cfg: &DenseConfig, k: usize) -> Self {
        let fitted = fit_blended(
            ex,
            ys,
            classes,
            k,
            |emb, t| train_softmax(emb, ys, classes, t, cfg),
            |fast, z, y| SoftBlend::fit(fast, z, y, classes),
            |shifted, idx| {
                let pred: Vec<usize> = idx
                    .iter()
                    .map(|&i| decide_single(&softmax(&shifted[i]), ex.unseen_rules[i]))
                    .collect();
                let gold: Vec<usize> = idx.iter().map(|&i| ys[i]).collect();
                macro_f1(&pred, &gold, classes) as f64
            },
        );
        // The pooled blend (seen-language examples with out-of-fold scores,
        // and every example again with scores from models without its
        // language) re-tunes the class offsets, which the anchored rule
        // cannot: alone, each lost to the fast model in some languages when
        // languages were left out in turn; averaged, neither did.
        let mut pooled: Vec<&[f32]> = ex.xs.iter().map(|x| &x[..classes]).collect();
        pooled.extend(ex.unseen_fast.iter().map(|x| x.as_slice()));
        let z = [fitted.oof.as_slice(), fitted.z_lang.as_slice()].concat();
        let unseen_blend = SoftBlend::fit(&pooled, &z, &[ys, ys].concat(), classes);
        StackedSoftmax {
            fast_dims: classes,
            linear: fitted.linear,
            seen: fitted.seen,
            unseen: fitted.unseen,
            unseen_blend,
        }
    }
}

/// How many labels a decision keeps: all, or in a language never trained
/// on at most the fast model's cap (the most probable first).
fn cap(unseen: bool, max: usize) -> usize {
    if unseen {
        max
    } else {
        usize::MAX
    }
}

/// The three stacked heads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StackHeads {
    /// Which inputs the heads read and how they were trained.
    pub config: StackConfig,
    /// Paragraph techniques.
    pub techniques: StackedMultiLabel,
    /// Article frames.
    pub frames: StackedMultiLabel,
    /// Article genre.
    pub genre: StackedSoftmax,
}

/// One document's predictions from the heads.
#[derive(Debug, Clone, PartialEq)]
pub struct Decisions {
    /// Per paragraph: (technique, probability), most probable first.
    pub techniques: Vec<Vec<(Technique, f32)>>,
    /// The article's frames with their probabilities, most probable first.
    pub frames: Vec<(Frame, f32)>,
    /// The genre decided, with the probability of every genre.
    pub genre: Option<(Genre, Vec<f32>)>,
}

impl StackHeads {
    /// `rules`: those of the fast model that gave `fast`; `unseen`: the
    /// document's language is not one the fast model was trained on.
    pub fn decide(
        &self,
        fast: &FastProbs,
        rules: &FastRules,
        emb: &DocEmbeddings,
        unseen: bool,
    ) -> Decisions {
        let techniques = (0..fast.techniques.len())
            .map(|p| {
                let probs = self
                    .techniques
                    .probs(&technique_input(&self.config, fast, emb, p), unseen);
                self.techniques
                    .decide(&probs, unseen, &rules.techniques)
                    .into_iter()
                    .take(cap(unseen, UNSEEN_MAX_TECHNIQUES))
                    .filter_map(|(l, s)| Technique::from_index(l).map(|t| (t, s)))
                    .collect()
            })
            .collect();
        let fp = self.frames.probs(&frame_input(fast, emb), unseen);
        let frames = self
            .frames
            .decide(&fp, unseen, &rules.frames)
            .into_iter()
            .take(cap(unseen, UNSEEN_MAX_FRAMES))
            .filter_map(|(l, s)| Frame::from_index(l).map(|f| (f, s)))
            .collect();
        let gp = self.genre.probs(&genre_input(fast, emb), unseen);
        // Shown with the offsets that decided folded in: the label is the
        // highest score shown.
        let offsets = self.genre.offsets(unseen, &rules.genre);
        let genre = Genre::from_index(decide_single(&gp, &offsets))
            .map(|g| (g, displayed_single(&gp, &offsets)));
        Decisions {
            techniques,
            frames,
            genre,
        }
    }
}

/// Spans of every technique in every paragraph (see
/// [`rhetor_model::FastModel::candidate_spans`]).
pub type Candidates = Vec<Vec<Vec<(usize, usize, f32)>>>;

/// Writes decisions into `doc`; spans come from `candidates` (per
/// paragraph, per technique) scaled by the technique's probability.
pub fn apply(doc: &mut Document, d: Decisions, candidates: Option<&Candidates>) {
    for (p, ts) in doc.paragraphs.iter_mut().zip(&d.techniques) {
        p.techniques = ts.iter().map(|&(t, s)| Scored::new(t, s)).collect();
    }
    doc.frames = d
        .frames
        .into_iter()
        .map(|(f, s)| Scored::new(f, s))
        .collect();
    doc.genre = d.genre.map(|(label, probs)| GenreScores {
        label,
        scores: Genre::ALL.iter().map(|&g| (g, probs[g.index()])).collect(),
    });
    if let Some(cands) = candidates {
        let map = OffsetMap::new(&doc.text);
        let mut spans = Vec::new();
        for (p, c) in doc.paragraphs.iter().zip(cands) {
            for t in &p.techniques {
                for &(s, e, score) in &c[t.label.index()] {
                    spans.push((t.label, s, e, (score * t.score).clamp(0.0, 1.0)));
                }
            }
        }
        doc.spans.clear();
        for (t, s, e, score) in spans {
            doc.add_span(&map, t, s, e, score);
        }
    }
    doc.model = Some("accurate".to_string());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dense::Scaler;

    /// Two labels; one embedding input `e`, whose logit is `e` for label 0
    /// and `-e` for label 1.
    fn head(mix: f32) -> StackedMultiLabel {
        let unit = |n: usize| Scaler {
            mean: vec![0.0; n],
            inv_std: vec![1.0; n],
        };
        StackedMultiLabel {
            fast_dims: 2,
            linear: DenseLinear {
                scaler: unit(1),
                weights: vec![1.0, -1.0],
                bias: vec![0.0, 0.0],
                dims: 1,
            },
            // Blend: 0.5·fast + 2·z, thresholds 0.5 and 0.7.
            seen: LabelBlend {
                weights: vec![[0.5, 2.0, 0.0]; 2],
                thresholds: vec![0.5, 0.7],
            },
            // Anchor: fast + 1·z.
            unseen: Anchor {
                scaler: unit(2),
                centered: false,
                weight: 1.0,
            },
            unseen_mix: mix,
        }
    }

    #[test]
    fn mix_zero_is_the_anchored_rule_exactly() {
        let h = head(0.0);
        let x = [0.3f32, -1.2, 0.4];
        let p = h.probs(&x, true);
        // fast + z: 0.3 + 0.4 and -1.2 - 0.4.
        assert_eq!(p, vec![sigmoid(0.3 + 0.4), sigmoid(-1.2 - 0.4)]);
        let fast_t = [0.6f32, 0.1];
        assert_eq!(h.unseen_thresholds(&fast_t), fast_t.to_vec());
        // 0.668 ≥ 0.6 and 0.168 ≥ 0.1: both, the most probable first.
        let got: Vec<usize> = h.decide(&p, true, &fast_t).iter().map(|d| d.0).collect();
        assert_eq!(got, vec![0, 1]);
    }

    #[test]
    fn mixed_rule_decides_by_the_mean_of_both_margins() {
        let h = head(0.5);
        let fast_t = [0.6f32, 0.1];
        for x in [[0.3f32, -1.2, 0.4], [-0.5, 0.8, -0.1], [1.5, -2.5, -0.6]] {
            let p = h.probs(&x, true);
            let chosen: Vec<usize> = h.decide(&p, true, &fast_t).iter().map(|d| d.0).collect();
            for l in 0..2 {
                let z = if l == 0 { x[2] } else { -x[2] };
                let anchored = x[l] + z - logit(fast_t[l]);
                let blended = 0.5 * x[l] + 2.0 * z - logit(h.seen.thresholds[l]);
                let margin = 0.5 * anchored + 0.5 * blended;
                // Clear margins only: the comparison is in f32.
                if margin.abs() > 1e-3 {
                    assert_eq!(chosen.contains(&l), margin > 0.0, "x {x:?} label {l}");
                }
            }
        }
        // The margins are the mean of both rules' margins, as decided.
        let x = [0.3f32, -1.2, 0.4];
        let m = h.unseen_margins(&x, &fast_t);
        let p = h.probs(&x, true);
        let chosen: Vec<usize> = h.decide(&p, true, &fast_t).iter().map(|d| d.0).collect();
        for (l, &ml) in m.iter().enumerate() {
            if ml.abs() > 1e-3 {
                assert_eq!(chosen.contains(&l), ml > 0.0, "label {l}");
            }
        }
        // Seen languages are untouched by the mix.
        let x = [0.3f32, -1.2, 0.4];
        assert_eq!(h.probs(&x, false), head(0.0).probs(&x, false));
    }
}
