//! Puts the accurate model's own out-of-fold paragraph technique decisions
//! into span dumps, so that `evidence_tune` scores the encoder span
//! tagger the way `--model accurate` applies it (docs/evaluation.md).
//!
//! `cargo run --release -p rhetor-accurate --example span_paragraphs -- DATA IN OUT [IN OUT …]`
//!
//! Each IN is a 5-fold dump in the layout of `evidence_oof DATA cv` (the
//! fast model's, or `span_oof`'s blends of it): its folds and token
//! probabilities are kept; each document's paragraph technique
//! probabilities are replaced by those of the accurate model's heads
//! fitted without the document's fold (as `rhetor train --model accurate
//! --cv 5` does: the same folds, seed 13, out-of-fold fast scores and the
//! cached embeddings), and each fold's technique thresholds by those
//! heads' seen-language thresholds, so `decide_multilabel` on the dump
//! gives exactly the heads' decisions. The heads' probabilities are cached
//! in `~/.cache/rhetor/evidence/accurate-cv.bin` (≈ 5 min to compute from
//! the caches of `~/.cache/rhetor/train`; no encoder run when those are
//! filled).

use rhetor_accurate::embed::EmbeddingCache;
use rhetor_accurate::inputs::{technique_input, StackConfig};
use rhetor_accurate::train::FastInputs;
use rhetor_accurate::train::{fit_heads, fold_groups, held_out_fast_cached, language_groups};
use rhetor_encoder::Encoder;
use rhetor_model::train::{Silent, TrainOptions};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

// The held-out scores file, defined once beside its writer (evidence_oof).
#[path = "../../rhetor-model/examples/oof_dump/mod.rs"]
mod oof_dump;
use oof_dump::Dump;

/// The accurate model's held-out technique probabilities.
#[derive(Serialize, Deserialize)]
struct AccurateOof {
    /// Each fold's heads' seen-language technique thresholds.
    thresholds: Vec<Vec<f32>>,
    /// `[doc][paragraph][technique]`.
    probs: Vec<Vec<Vec<f32>>>,
}

const SEED: u64 = 13;
const FOLDS: usize = 5;

fn accurate_oof(
    docs: &[rhetor_formats::corpus::LabeledDocument],
) -> Result<AccurateOof, Box<dyn std::error::Error>> {
    let cache_dir = rhetor_encoder::fetch::cache_dir()
        .ok_or("no cache directory")?
        .join("train");
    let encoder_dir = rhetor_encoder::fetch::default_dir().ok_or("no encoder directory")?;
    let encoder = Encoder::load(&encoder_dir)?;
    let mut cache = EmbeddingCache::for_encoder(&cache_dir, &encoder)?;
    let emb = cache.embed_corpus(&encoder, docs, &|done, total| {
        eprintln!("embedding {done}/{total} (not cached)");
    })?;
    drop(cache);
    let opts = TrainOptions::default().with_seed(SEED);
    let groups = fold_groups(docs, FOLDS);
    let oof = held_out_fast_cached(docs, &groups, &opts, Some(&cache_dir), &Silent)?;
    let lolo = held_out_fast_cached(
        docs,
        &language_groups(docs),
        &opts,
        Some(&cache_dir),
        &Silent,
    )?;
    let inputs = FastInputs {
        seen: &oof,
        unseen: &lolo,
    };
    let mut cfg = StackConfig::default();
    for c in [&mut cfg.techniques, &mut cfg.frames, &mut cfg.genre] {
        c.seed = SEED;
    }
    let mut probs: Vec<Vec<Vec<f32>>> = vec![Vec::new(); docs.len()];
    let mut thresholds = Vec::new();
    for (g, test) in groups.iter().enumerate() {
        let t0 = std::time::Instant::now();
        let mut in_test = vec![false; docs.len()];
        test.iter().for_each(|&i| in_test[i] = true);
        let train: Vec<usize> = (0..docs.len()).filter(|&i| !in_test[i]).collect();
        let heads = fit_heads(docs, &inputs, &emb, &train, &cfg);
        for &i in test {
            probs[i] = (0..oof[i].probs.techniques.len())
                .map(|p| {
                    let x = technique_input(&heads.config, &oof[i].probs, &emb[i], p);
                    heads.techniques.probs(&x, false)
                })
                .collect();
        }
        thresholds.push(heads.techniques.seen.thresholds.clone());
        eprintln!("fold {g}: heads in {:.0} s", t0.elapsed().as_secs_f64());
    }
    Ok(AccurateOof { thresholds, probs })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 3 || args.len().is_multiple_of(2) {
        return Err("usage: span_paragraphs DATA IN OUT [IN OUT …]".into());
    }
    let docs = rhetor_formats::corpus::load_dataset(&PathBuf::from(&args[0]), None)?;
    let cached = rhetor_encoder::fetch::cache_dir()
        .ok_or("no cache directory")?
        .join("evidence/accurate-cv.bin");
    let acc: AccurateOof = match std::fs::read(&cached)
        .ok()
        .and_then(|b| postcard::from_bytes::<AccurateOof>(&b).ok())
        .filter(|a| a.probs.len() == docs.len())
    {
        Some(a) => a,
        None => {
            let a = accurate_oof(&docs)?;
            rhetor_formats::atomic::write_atomic(&cached, postcard::to_allocvec(&a)?)?;
            eprintln!("cached {}", cached.display());
            a
        }
    };
    let groups = fold_groups(&docs, FOLDS);
    let mut fold_of = vec![usize::MAX; docs.len()];
    for (g, idx) in groups.iter().enumerate() {
        idx.iter().for_each(|&i| fold_of[i] = g);
    }
    for pair in args[1..].chunks(2) {
        let (input, out) = (&pair[0], &pair[1]);
        let mut dump: Dump = postcard::from_bytes(&std::fs::read(input)?)?;
        if dump.docs.len() != docs.len() || dump.groups.len() != FOLDS {
            return Err(format!("{input}: not a {FOLDS}-fold dump of this dataset").into());
        }
        for (i, h) in dump.docs.iter_mut().enumerate() {
            if h.group != fold_of[i] || h.techniques.len() != acc.probs[i].len() {
                return Err(format!("{input}: document {i} is not in the folds here").into());
            }
            h.techniques = acc.probs[i].clone();
        }
        for (rules, th) in dump.groups.iter_mut().zip(&acc.thresholds) {
            rules.technique_thresholds = th.clone();
        }
        rhetor_formats::atomic::write_atomic(Path::new(out), postcard::to_allocvec(&dump)?)?;
        eprintln!("wrote {out}");
    }
    Ok(())
}
