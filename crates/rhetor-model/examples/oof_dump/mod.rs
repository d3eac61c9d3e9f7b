//! The held-out scores file of the evidence and span studies: written by
//! `evidence_oof` (postcard), read by `evidence_tune`, `evidence_caps`,
//! `labels_lab` and rhetor-accurate's `span_oof` and `span_paragraphs`
//! (which rewrite it with the encoder tagger's token scores). One
//! definition, so the writer and its readers cannot drift apart; each
//! example includes it as a module (rhetor-accurate's by `#[path]`).

use serde::{Deserialize, Serialize};

/// What one held-out model decides with.
#[derive(Serialize, Deserialize)]
pub struct Rules {
    /// The techniques head's per-label thresholds.
    pub technique_thresholds: Vec<f32>,
    /// The frames head's per-label thresholds.
    pub frame_thresholds: Vec<f32>,
    /// The genre head's per-class offsets.
    pub genre_offsets: Vec<f32>,
}

/// One held-out article.
#[derive(Serialize, Deserialize)]
pub struct Held {
    /// The held-out group (fold or language) it was scored in: its model's
    /// [`Rules`] are `Dump::groups[group]`.
    pub group: usize,
    /// `[paragraph][technique]` probabilities.
    pub techniques: Vec<Vec<f32>>,
    /// `[paragraph][token][technique]` span-tagger probabilities,
    /// quantised to 1/65535.
    pub tokens: Vec<Vec<Vec<u16>>>,
    /// Frame probabilities.
    pub frames: Vec<f32>,
    /// Genre probabilities.
    pub genre: Vec<f32>,
}

/// The whole file: every held-out model's rules, and every article of the
/// data set, in its order.
#[derive(Serialize, Deserialize)]
pub struct Dump {
    /// Indexed by [`Held::group`].
    pub groups: Vec<Rules>,
    /// One per article of the data set.
    pub docs: Vec<Held>,
}
