//! `rhetor ingest`: extract → analyse on every core → store, in batches
//! that each commit as one transaction.

use crate::cli::IngestArgs;
use crate::{EXIT_PARTIAL, EXIT_USAGE};
use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use rhetor_core::lang::LanguageIdentifier;
use rhetor_core::pipeline::annotate;
use rhetor_core::Detector;
use rhetor_core::{DetectError, Task};
use rhetor_extract::{finish, Article, Outcome, Unit, Units};
use rhetor_store::{Analysed, SqliteStore, Store};
use std::collections::HashSet;
use std::io::IsTerminal;

/// What a run did, for the one-line summary.
#[derive(Debug, Default)]
struct Summary {
    read: usize,
    new: usize,
    already: usize,
    skipped: usize,
    failed: usize,
}

pub fn run(args: IngestArgs) -> Result<u8> {
    // The database first: a bad --db fails before the model is loaded.
    let mut store = SqliteStore::open(&args.db.db)?;
    let detector = super::load_model(&args.model, args.encoder.as_deref())?;
    let version = match &args.model_version {
        Some(v) => v.clone(),
        None => model_version(&args.model, detector.as_ref())?,
    };
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(n) = args.jobs {
        builder = builder.num_threads(n.max(1));
    }
    let pool = builder.build().context("cannot start worker threads")?;
    let progress = progress_bar(&args);
    let lid = LanguageIdentifier::new();
    let batch = args.batch.max(1);
    let mut units = Units::new(&args.sources);
    let mut sum = Summary::default();
    let mut stop = false;
    while !stop {
        let chunk: Vec<Unit> = units.by_ref().take(batch).collect();
        if chunk.is_empty() {
            break;
        }
        sum.read += chunk.len();
        let outcomes: Vec<Outcome> =
            pool.install(|| chunk.into_par_iter().map(|u| finish(u, &lid)).collect());
        let mut articles: Vec<(Article, String)> = Vec::new();
        for outcome in outcomes {
            match outcome {
                Outcome::Article(a) => {
                    let hash = a.content_hash();
                    articles.push((a, hash));
                }
                Outcome::Skipped { location, reason } => {
                    if reason.starts_with(rhetor_extract::NO_ARTICLE_TEXT) {
                        progress.suspend(|| eprintln!("rhetor: skipped: {location}: {reason}"));
                    }
                    sum.skipped += 1;
                }
                Outcome::Failed(e) => {
                    progress.suspend(|| {
                        eprintln!(
                            "rhetor: {}: {e}",
                            if args.keep_going { "skipped" } else { "error" }
                        )
                    });
                    sum.failed += 1;
                    if !args.keep_going {
                        // Store the good articles read before the bad
                        // input, then stop.
                        stop = true;
                        break;
                    }
                }
            }
        }
        // Already analysed by this model version (in the database, or
        // earlier in this batch): not analysed again.
        let hashes: Vec<&str> = articles.iter().map(|(_, h)| h.as_str()).collect();
        let known = store.analysed(&hashes, &version)?;
        let read_articles = hashes.len();
        let mut seen = HashSet::new();
        let todo: Vec<(Article, String)> = articles
            .into_iter()
            .filter(|(_, h)| !known.contains(h) && seen.insert(h.clone()))
            .collect();
        sum.already += read_articles - todo.len();
        // A model error stops the run (what was committed stays, and a rerun
        // skips it).
        let analysed: Vec<Analysed> = pool.install(|| {
            todo.into_par_iter()
                .map(|(article, hash)| {
                    let mut document = article.to_document();
                    document.language = article.language.clone();
                    annotate(&mut document, &lid, detector.as_ref(), &Task::ALL)?;
                    Ok(Analysed {
                        article,
                        hash,
                        document,
                    })
                })
                .collect::<Result<_, DetectError>>()
        })?;
        let counts = store.write_batch(&version, &analysed)?;
        sum.new += counts.new_analyses;
        sum.already += analysed.len() - counts.new_analyses;
        progress.inc(sum.read as u64 - progress.position());
    }
    progress.finish_and_clear();
    eprintln!(
        "rhetor: read {}, new {}, already stored {}, skipped {}, failed {} ({}, model {version})",
        sum.read,
        sum.new,
        sum.already,
        sum.skipped,
        sum.failed,
        args.db.db.display()
    );
    Ok(match (sum.failed, args.keep_going) {
        (0, _) => 0,
        (_, true) => EXIT_PARTIAL,
        (_, false) => EXIT_USAGE,
    })
}

/// The label stored with each analysis: `fast-0.1.0`, or for a model
/// file its name and the first 12 hex digits of its SHA-256.
fn model_version(spec: &str, detector: &dyn Detector) -> Result<String> {
    match spec {
        "auto" | "fast" | "accurate" => {
            Ok(format!("{}-{}", detector.name(), env!("CARGO_PKG_VERSION")))
        }
        path => {
            let bytes =
                std::fs::read(path).with_context(|| format!("cannot read model {path:?}"))?;
            Ok(format!(
                "{}-{}",
                detector.name(),
                &rhetor_extract::sha256_hex(&bytes)[..12]
            ))
        }
    }
}

/// A bar counting articles, with articles/s and an ETA, on a terminal.
/// The total comes from a first pass over the inputs (reading, not
/// extracting), so it is only made when someone watches, and never when
/// stdin is a source: that pass would consume it, leaving nothing to ingest
/// (a spinner with the count and the rate instead).
fn progress_bar(args: &IngestArgs) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let reads_stdin = args.sources.is_empty() || args.sources.iter().any(|p| p.as_os_str() == "-");
    if reads_stdin {
        let spinner = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        spinner.set_style(
            ProgressStyle::with_template("{spinner} ingesting {pos} articles, {per_sec}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        return spinner;
    }
    let total = Units::new(&args.sources).count() as u64;
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} ingesting {pos}/{len} [{bar:30}] {per_sec} articles/s, eta {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}
