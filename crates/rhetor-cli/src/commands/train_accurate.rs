//! `rhetor train --model accurate`: embed the corpus, get out-of-fold
//! fast-model scores, then fit (and optionally cross-validate) the heads.

use super::progress::{self, TrainingBar};
use crate::cli::TrainArgs;
use anyhow::{bail, Context, Result};
use rhetor_accurate::embed::{DocEmbeddings, EmbeddingCache};
use rhetor_accurate::inputs::StackConfig;
use rhetor_accurate::tagger::{train_encoder_spans, EncoderSpans};
use rhetor_accurate::train::{
    fit_heads, fold_groups, held_out_fast_cached, language_groups, predict_held_out, FastInputs,
    HeldOutFast,
};
use rhetor_accurate::words::WordStateCache;
use rhetor_accurate::{AccurateHeads, ENCODER_NAME};
use rhetor_core::Document;
use rhetor_encoder::Encoder;
use rhetor_engine::load_encoder;
use rhetor_formats::corpus::{load_dataset, LabeledDocument};
use rhetor_model::report::HeldOutReport;
use rhetor_model::train::{TrainOptions, TRAIN_STEPS};
use std::path::PathBuf;
use std::time::Instant;

/// `$XDG_CACHE_HOME/rhetor/train`, else `~/.cache/rhetor/train`.
fn default_cache() -> Option<PathBuf> {
    Some(rhetor_encoder::fetch::cache_dir()?.join("train"))
}

/// Embeddings of every document's paragraphs, through the cache.
fn embed_corpus(
    docs: &[LabeledDocument],
    encoder: &Encoder,
    cache: &mut EmbeddingCache,
) -> Result<Vec<DocEmbeddings>> {
    let pb = progress::bar(0, "embedding paragraphs");
    let emb = cache
        .embed_corpus(encoder, docs, &|done, total| {
            pb.set_length(total as u64);
            pb.set_position(done as u64);
        })
        .with_context(|| format!("cannot write the embedding cache {:?}", cache.path()))?;
    pb.finish_and_clear();
    Ok(emb)
}

/// The encoder span tagger, trained on every paragraph with gold spans
/// from the word states in the cache (computed there first if missing).
fn train_spans(
    docs: &[LabeledDocument],
    encoder: &Encoder,
    cache_dir: &std::path::Path,
    seed: u64,
) -> Result<EncoderSpans> {
    let mut words = WordStateCache::for_encoder(cache_dir, encoder)?;
    let texts: Vec<&str> = docs
        .iter()
        .filter(|d| d.gold.spans)
        .flat_map(|d| d.doc.paragraphs.iter().map(|p| p.text.as_str()))
        .collect();
    let pb = progress::bar(0, "encoding words for the span tagger");
    words
        .fill(encoder, &texts, &|done, total| {
            pb.set_length(total as u64);
            pb.set_position(done as u64);
        })
        .with_context(|| format!("cannot write the word-state cache {:?}", words.path()))?;
    pb.finish_and_clear();
    let all: Vec<usize> = (0..docs.len()).collect();
    let states = |t: &str| words.get(t).expect("filled above");
    Ok(train_encoder_spans(
        docs,
        &all,
        &states,
        encoder.dim(),
        seed,
    ))
}

fn fast_predictions(docs: &[LabeledDocument], held: &[HeldOutFast]) -> Vec<Document> {
    held.iter()
        .zip(docs)
        .map(|(h, d)| h.prediction.to_document(&d.doc))
        .collect()
}

/// Techniques, genre and frames of both models side by side.
fn compare(title: &str, fast: &HeldOutReport, accurate: &HeldOutReport) {
    println!("== {title}");
    print!("{:<30}", "");
    for l in fast.by_language.keys() {
        print!("{l:>14}");
    }
    println!();
    type Getter = fn(&rhetor_model::report::Scores) -> f64;
    let rows: [(&str, Getter); 4] = [
        ("techniques micro-F1", |s| s.techniques_micro_f1),
        ("genre macro-F1", |s| s.genre_macro_f1),
        ("frames micro-F1", |s| s.frames_micro_f1),
        ("spans F1", |s| s.spans_f1),
    ];
    for (name, get) in rows {
        print!("{:<30}", format!("{name} fast → accurate"));
        for (l, f) in &fast.by_language {
            let a = &accurate.by_language[l];
            print!("{:>14}", format!("{:.3}→{:.3}", get(f), get(a)));
        }
        println!();
    }
    println!();
}

pub fn run(args: TrainArgs) -> Result<u8> {
    let start = Instant::now();
    let docs = load_dataset(&args.data, args.langs.as_deref())?;
    if docs.is_empty() {
        bail!(
            "{}: no articles found for the requested languages",
            args.data.display()
        );
    }
    let encoder = load_encoder(args.encoder.as_deref())?;
    let cache_dir = args
        .cache
        .clone()
        .or_else(default_cache)
        .context("no cache directory: pass --cache DIR or set HOME")?;
    eprintln!(
        "rhetor: {} articles from {}; encoder {} ({}); cache {}",
        docs.len(),
        args.data.display(),
        encoder.dir.display(),
        if encoder.uses_int8() { "int8" } else { "f32" },
        cache_dir.display()
    );
    let mut cache = EmbeddingCache::for_encoder(&cache_dir, &encoder)?;
    let emb = embed_corpus(&docs, &encoder, &mut cache)?;
    drop(cache);

    let opts = TrainOptions::default().with_seed(args.seed);
    let k = args.cv.unwrap_or(5);
    if k < 2 {
        bail!("--cv needs at least 2 folds");
    }
    let groups = fold_groups(&docs, k);
    let b = TrainingBar::new(k * TRAIN_STEPS, "out-of-fold fast models");
    let oof = held_out_fast_cached(&docs, &groups, &opts, Some(&cache_dir), &b)?;
    b.finish();
    // Scores of fast models that did not see each document's language: the
    // heads' unseen-language rules learn from them, and leave-one-language-
    // out evaluation reads them.
    let lang = language_groups(&docs);
    let lolo = if lang.len() > 1 {
        let b = TrainingBar::new(
            lang.len() * TRAIN_STEPS,
            "leave-one-language-out fast models",
        );
        let lolo = held_out_fast_cached(&docs, &lang, &opts, Some(&cache_dir), &b)?;
        b.finish();
        lolo
    } else {
        oof.clone()
    };
    let inputs = FastInputs {
        seen: &oof,
        unseen: &lolo,
    };
    let mut cfg = StackConfig::default();
    for c in [&mut cfg.techniques, &mut cfg.frames, &mut cfg.genre] {
        c.seed = args.seed;
    }

    if args.cv.is_some() {
        let b = TrainingBar::new(k, "cross-validating the heads");
        let preds = predict_held_out(&docs, &groups, &inputs, &oof, &emb, &cfg, false, &b);
        b.finish();
        let acc_cv = HeldOutReport::new(&docs, &preds);
        let fast_cv = HeldOutReport::new(&docs, &fast_predictions(&docs, &oof));
        println!("== accurate model, {k}-fold cross-validation\n{acc_cv}");
        compare(&format!("{k}-fold cross-validation"), &fast_cv, &acc_cv);

        let (acc_lolo, fast_lolo) = if lang.len() > 1 {
            let b = TrainingBar::new(lang.len(), "leave-one-language-out heads");
            let preds = predict_held_out(&docs, &lang, &inputs, &lolo, &emb, &cfg, true, &b);
            b.finish();
            let a = HeldOutReport::new(&docs, &preds);
            let f = HeldOutReport::new(&docs, &fast_predictions(&docs, &lolo));
            println!("== accurate model, leave-one-language-out\n{a}");
            compare("leave-one-language-out", &f, &a);
            (Some(a), Some(f))
        } else {
            (None, None)
        };
        if let Some(path) = &args.report {
            let json = serde_json::json!({
                "folds": k,
                "seed": args.seed,
                "accurate": { "cv": acc_cv, "leave_one_language_out": acc_lolo },
                "fast": { "cv": fast_cv, "leave_one_language_out": fast_lolo },
            });
            rhetor_formats::atomic::write_atomic(path, serde_json::to_string_pretty(&json)?)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
    }

    if let Some(out) = &args.out {
        let all: Vec<usize> = (0..docs.len()).collect();
        let heads = fit_heads(&docs, &inputs, &emb, &all, &cfg);
        let spans = Some(train_spans(&docs, &encoder, &cache_dir, args.seed)?);
        let mut trained_on: Vec<String> = docs.iter().map(|d| d.folder.clone()).collect();
        trained_on.sort();
        trained_on.dedup();
        AccurateHeads {
            trained_on,
            seed: args.seed,
            encoder: ENCODER_NAME.to_string(),
            dim: encoder.dim(),
            heads,
            spans,
        }
        .save(out)?;
        eprintln!(
            "rhetor: accurate heads trained in {:.1}s (whole run); wrote {}",
            start.elapsed().as_secs_f64(),
            out.display()
        );
    }
    Ok(0)
}
