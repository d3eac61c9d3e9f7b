//! `rhetor train`: fit the fast model, optionally with a CV report first.

use crate::cli::{ModelKind, TrainArgs};
use crate::EXIT_USAGE;
use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use rhetor_formats::corpus::load_dataset;
use rhetor_model::report::HeldOutReport;
use rhetor_model::train::{
    cross_validate, leave_one_language_out, train, Progress, TrainOptions, TRAIN_STEPS,
};
use std::time::Instant;

/// Adapts training progress to a progress bar on stderr.
pub(super) struct Bar(pub(super) ProgressBar);

impl Progress for Bar {
    fn step(&self, message: &str) {
        self.0.set_message(message.to_string());
        self.0.inc(1);
    }
}

pub(super) fn bar(steps: usize, what: &str) -> Bar {
    let b = ProgressBar::new(steps as u64);
    b.set_style(
        ProgressStyle::with_template(&format!(
            "{{spinner}} {what} [{{bar:30}}] {{pos}}/{{len}} {{msg}} {{elapsed}}"
        ))
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    Bar(b)
}

pub fn run(args: TrainArgs) -> Result<u8> {
    if args.out.is_none() && args.cv.is_none() {
        eprintln!("rhetor: error: give --out FILE (where to write the model), --cv K, or both");
        return Ok(EXIT_USAGE);
    }
    if args.model == ModelKind::Accurate {
        return super::train_accurate::run(args);
    }
    let docs = load_dataset(&args.data, args.langs.as_deref())?;
    if docs.is_empty() {
        anyhow::bail!(
            "{}: no articles found for the requested languages",
            args.data.display()
        );
    }
    let opts = TrainOptions::default().with_seed(args.seed);
    eprintln!(
        "rhetor: {} articles from {}",
        docs.len(),
        args.data.display()
    );

    if let Some(k) = args.cv {
        if k < 2 {
            anyhow::bail!("--cv needs at least 2 folds");
        }
        let b = bar(k * TRAIN_STEPS, &format!("{k}-fold cross-validation"));
        let preds = cross_validate(&docs, k, &opts, &b);
        b.0.finish_and_clear();
        let cv = HeldOutReport::new(&docs, &preds);
        println!("== {k}-fold cross-validation (article-level folds, all languages pooled in training)\n{cv}");
        let folders = docs
            .iter()
            .map(|d| d.folder.as_str())
            .collect::<std::collections::BTreeSet<_>>()
            .len();
        let lolo = if folders > 1 {
            let b = bar(folders * TRAIN_STEPS, "leave-one-language-out");
            let preds = leave_one_language_out(&docs, &opts, &b);
            b.0.finish_and_clear();
            let r = HeldOutReport::new(&docs, &preds);
            println!("== leave-one-language-out (each language predicted by a model trained on the others)\n{r}");
            Some(r)
        } else {
            None
        };
        if let Some(path) = &args.report {
            let json = serde_json::json!({ "folds": k, "seed": args.seed, "cv": cv, "leave_one_language_out": lolo });
            rhetor_formats::atomic::write_atomic(path, serde_json::to_string_pretty(&json)?)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
    }

    if let Some(out) = &args.out {
        let start = Instant::now();
        let b = bar(TRAIN_STEPS, "training");
        let model = train(&docs, &opts, &b);
        b.0.finish_and_clear();
        model.save(out)?;
        let size = std::fs::metadata(out).map(|m| m.len()).unwrap_or(0);
        eprintln!(
            "rhetor: trained on {} articles in {:.1}s; wrote {} ({:.1} MB)",
            docs.len(),
            start.elapsed().as_secs_f64(),
            out.display(),
            size as f64 / 1e6
        );
    }
    Ok(0)
}
