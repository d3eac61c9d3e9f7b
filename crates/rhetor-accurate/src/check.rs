//! Consistency of decoded accurate heads (issue 10, item 6): every count
//! and dimension of `models/accurate.bin` checked against its header (the
//! embedding dimension) and the label inventories, and every weight
//! finite, so a file that decodes but does not fit is refused with a
//! message, instead of panicking on an index or being silently truncated
//! by a `zip` at prediction time.
//!
//! The checks read the decoded structures only, whatever the file's
//! encoding.

use crate::anchor::Anchor;
use crate::blend::{LabelBlend, SoftBlend};
use crate::dense::{DenseLinear, Scaler};
use crate::stack::{StackHeads, StackedMultiLabel, StackedSoftmax};
use rhetor_core::{Frame, Genre, Technique};

/// The largest embedding dimension accepted (E5-small has 384; large
/// encoders 1,024): a corrupt header must not ask for absurd inputs.
const MAX_DIM: usize = 1 << 16;

/// Checks `heads` as decoded from a file, for embeddings of `dim`
/// dimensions; the error says which part is wrong and how.
pub fn check_heads(heads: &StackHeads, dim: usize) -> Result<(), String> {
    if dim == 0 || dim > MAX_DIM {
        return Err(format!(
            "embedding dimension {dim} (expected 1 to {MAX_DIM})"
        ));
    }
    let cfg = &heads.config;
    let technique_inputs = if cfg.article_context { 2 * dim } else { dim };
    multi_label(
        "techniques head",
        &heads.techniques,
        Technique::COUNT,
        technique_inputs,
    )?;
    multi_label("frames head", &heads.frames, Frame::COUNT, dim)?;
    softmax("genre head", &heads.genre, Genre::COUNT, dim)
}

fn multi_label(
    what: &str,
    h: &StackedMultiLabel,
    labels: usize,
    inputs: usize,
) -> Result<(), String> {
    let at = |part: &str, e: String| format!("{what}, {part}: {e}");
    count("fast inputs", h.fast_dims, labels).map_err(|e| at("fast_dims", e))?;
    linear(&h.linear, labels, inputs).map_err(|e| at("linear", e))?;
    label_blend(&h.seen, labels).map_err(|e| at("seen-language blend", e))?;
    anchor(&h.unseen, labels).map_err(|e| at("unseen-language anchor", e))?;
    if !(0.0..=1.0).contains(&h.unseen_mix) {
        return Err(at(
            "unseen-language mix",
            format!("{} (expected 0 to 1)", h.unseen_mix),
        ));
    }
    Ok(())
}

fn softmax(what: &str, h: &StackedSoftmax, classes: usize, inputs: usize) -> Result<(), String> {
    let at = |part: &str, e: String| format!("{what}, {part}: {e}");
    count("fast inputs", h.fast_dims, classes).map_err(|e| at("fast_dims", e))?;
    linear(&h.linear, classes, inputs).map_err(|e| at("linear", e))?;
    soft_blend(&h.seen, classes).map_err(|e| at("seen-language blend", e))?;
    anchor(&h.unseen, classes).map_err(|e| at("unseen-language anchor", e))?;
    soft_blend(&h.unseen_blend, classes).map_err(|e| at("unseen-language blend", e))
}

fn count(what: &str, found: usize, expected: usize) -> Result<(), String> {
    if found != expected {
        return Err(format!("{found} {what}, expected {expected}"));
    }
    Ok(())
}

fn finite(what: &str, values: &[f32]) -> Result<(), String> {
    match values.iter().position(|v| !v.is_finite()) {
        Some(i) => Err(format!("{what}[{i}] is {}", values[i])),
        None => Ok(()),
    }
}

fn scaler(s: &Scaler, dims: usize) -> Result<(), String> {
    count("scaler means", s.mean.len(), dims)?;
    count("scaler inverse deviations", s.inv_std.len(), dims)?;
    finite("scaler mean", &s.mean)?;
    finite("scaler inverse deviation", &s.inv_std)
}

/// A dense linear model's counts against `outputs` and `inputs`, and its
/// numbers finite.
pub(crate) fn dense_linear(l: &DenseLinear, outputs: usize, inputs: usize) -> Result<(), String> {
    linear(l, outputs, inputs)
}

fn linear(l: &DenseLinear, outputs: usize, inputs: usize) -> Result<(), String> {
    count("input dimensions", l.dims, inputs)?;
    count("outputs", l.bias.len(), outputs)?;
    count("weights", l.weights.len(), outputs * inputs)?;
    finite("weight", &l.weights)?;
    finite("bias", &l.bias)?;
    scaler(&l.scaler, inputs)
}

fn label_blend(b: &LabelBlend, labels: usize) -> Result<(), String> {
    count("label weights", b.weights.len(), labels)?;
    count("thresholds", b.thresholds.len(), labels)?;
    finite("weight", b.weights.as_flattened())?;
    finite("threshold", &b.thresholds)
}

fn soft_blend(b: &SoftBlend, classes: usize) -> Result<(), String> {
    count("biases", b.bias.len(), classes)?;
    count("offsets", b.offsets.len(), classes)?;
    finite("weight", &b.weights)?;
    finite("bias", &b.bias)?;
    finite("offset", &b.offsets)?;
    finite("temperature", &[b.temperature])
}

fn anchor(a: &Anchor, labels: usize) -> Result<(), String> {
    finite("weight", &[a.weight])?;
    scaler(&a.scaler, labels)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_heads_pass() {
        let heads = crate::shipped_heads().unwrap();
        check_heads(&heads.heads, heads.dim).unwrap();
    }

    #[test]
    fn each_inconsistency_is_named() {
        let good = crate::shipped_heads().unwrap();
        type Mutation = (&'static str, fn(&mut crate::AccurateHeads));
        let cases: [Mutation; 10] = [
            (
                "frames head, unseen-language mix: NaN (expected 0 to 1)",
                |h| h.heads.frames.unseen_mix = f32::NAN,
            ),
            ("embedding dimension 0", |h| h.dim = 0),
            ("techniques head, linear: ", |h| h.dim += 1),
            (
                "techniques head, fast_dims: 22 fast inputs, expected 23",
                |h| h.heads.techniques.fast_dims = 22,
            ),
            ("frames head, linear: 13 outputs, expected 14", |h| {
                h.heads.frames.linear.bias.pop();
            }),
            ("frames head, seen-language blend: 13 thresholds", |h| {
                h.heads.frames.seen.thresholds.pop();
            }),
            ("genre head, unseen-language blend: 2 offsets", |h| {
                h.heads.genre.unseen_blend.offsets.pop();
            }),
            ("techniques head, linear: weight[7] is NaN", |h| {
                h.heads.techniques.linear.weights[7] = f32::NAN
            }),
            (
                "genre head, unseen-language anchor: 4 scaler means, expected 3",
                |h| h.heads.genre.unseen.scaler.mean.push(0.0),
            ),
            (
                "genre head, seen-language blend: temperature[0] is inf",
                |h| h.heads.genre.seen.temperature = f32::INFINITY,
            ),
        ];
        for (expected, mutate) in cases {
            let mut h = good.clone();
            mutate(&mut h);
            let e = check_heads(&h.heads, h.dim).unwrap_err();
            assert!(
                e.starts_with(expected),
                "{e:?} should start with {expected:?}"
            );
        }
    }
}
