//! `rhetor train` (`--model fast`): fit the fast model, optionally with a
//! cross-validation report first. `commands::run` sends `--model accurate`
//! to [`super::train_accurate`].

use super::progress::TrainingBar;
use crate::cli::TrainArgs;
use anyhow::{Context, Result};
use rhetor_formats::corpus::load_dataset;
use rhetor_model::report::HeldOutReport;
use rhetor_model::train::{
    cross_validate, leave_one_language_out, train, TrainOptions, TRAIN_STEPS,
};
use std::time::Instant;

pub fn run(args: TrainArgs) -> Result<u8> {
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
        let b = TrainingBar::new(k * TRAIN_STEPS, &format!("{k}-fold cross-validation"));
        let preds = cross_validate(&docs, k, &opts, &b);
        b.finish();
        let cv = HeldOutReport::new(&docs, &preds);
        println!("== {k}-fold cross-validation (article-level folds, all languages pooled in training)\n{cv}");
        let folders = docs
            .iter()
            .map(|d| d.folder.as_str())
            .collect::<std::collections::BTreeSet<_>>()
            .len();
        let lolo = if folders > 1 {
            let b = TrainingBar::new(folders * TRAIN_STEPS, "leave-one-language-out");
            let preds = leave_one_language_out(&docs, &opts, &b);
            b.finish();
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
        let b = TrainingBar::new(TRAIN_STEPS, "training");
        let model = train(&docs, &opts, &b);
        b.finish();
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
