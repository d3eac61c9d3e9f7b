//! `rhetor ingest`: extract → analyse on every core → store.
//!
//! The main thread reads the inputs in batches (`--batch`). For each batch,
//! the worker pool extracts every unit and builds its document and content
//! hash once; the store says which hashes are new (before any language is
//! identified: a stored article costs a hash and a lookup); the pool then
//! analyses the new ones through the [`Engine`]; and a writer thread stores
//! the batch in one transaction while the pool goes on with the next one.

use crate::cli::IngestArgs;
use crate::commands::progress;
use crate::{EXIT_PARTIAL, EXIT_USAGE};
use anyhow::{Context, Result};
use indicatif::ProgressBar;
use rayon::prelude::*;
use rhetor_core::{Detector, Document, Task};
use rhetor_engine::Engine;
use rhetor_extract::{Article, Outcome, Unit, Units};
use rhetor_store::{Analysed, BatchCounts, SqliteStore, Store, StoreError};
use std::collections::HashSet;
use std::io::IsTerminal;
use std::sync::mpsc;
use std::sync::Arc;

/// What a run did, for the one-line summary.
#[derive(Debug, Default)]
struct Summary {
    read: usize,
    new: usize,
    already: usize,
    skipped: usize,
    failed: usize,
}

/// A unit after extraction: an article with its document and hash, or why
/// there is none. Most units are articles, held one batch at a time, so
/// the size of the other variant wastes little; a box would cost an
/// allocation per article.
#[allow(clippy::large_enum_variant)]
enum Prepared {
    Article(Article, Document, String),
    Other(Outcome),
}

/// What the writer thread reports for each batch it committed.
type Committed = Result<(BatchCounts, usize, Vec<String>), StoreError>;

pub fn run(args: IngestArgs) -> Result<u8> {
    // The database first: a bad --db fails before the model is loaded.
    let mut store = SqliteStore::open(&args.db.db)?;
    let detector = super::load_model(&args.model, args.encoder.as_deref())?;
    let version = match &args.model_version {
        Some(v) => v.clone(),
        None => model_version(&args.model, detector.as_ref())?,
    };
    let engine = Engine::new(Arc::from(detector));
    // A second connection answers "already analysed?" while the writer's
    // transaction is open (WAL: readers see the last committed batch).
    let lookup = SqliteStore::open_read_only(&args.db.db)?;
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(n) = args.jobs {
        builder = builder.num_threads(n.max(1));
    }
    let pool = builder.build().context("cannot start worker threads")?;
    let progress = progress_bar(&args);
    let batch = args.batch.max(1);

    // One batch waiting while another is written: memory stays bounded.
    let (to_writer, batches) = mpsc::sync_channel::<Vec<Analysed>>(1);
    let (report, committed) = mpsc::channel::<Committed>();
    let writer_version = version.clone();
    let writer = std::thread::Builder::new()
        .name("rhetor-writer".into())
        .spawn(move || {
            for items in batches {
                let result = store.write_batch(&writer_version, &items);
                let stop = result.is_err();
                let hashes = items.into_iter().map(|a| a.hash).collect::<Vec<_>>();
                let _ = report.send(result.map(|c| (c, hashes.len(), hashes)));
                if stop {
                    break;
                }
            }
        })
        .context("cannot start the writer thread")?;

    let mut sum = Summary::default();
    // Hashes sent to the writer and not yet reported committed: the lookup
    // connection does not see them yet.
    let mut in_flight: HashSet<String> = HashSet::new();
    let mut units = Units::new(&args.sources);
    let outcome = (|| -> Result<()> {
        loop {
            let chunk: Vec<Unit> = units.by_ref().take(batch).collect();
            if chunk.is_empty() {
                return Ok(());
            }
            sum.read += chunk.len();
            let prepared: Vec<Prepared> = pool.install(|| {
                chunk
                    .into_par_iter()
                    .map(|unit| match rhetor_extract::extract(unit) {
                        Outcome::Article(a) => {
                            let (doc, hash) = a.document_and_hash();
                            Prepared::Article(a, doc, hash)
                        }
                        other => Prepared::Other(other),
                    })
                    .collect()
            });
            let mut articles: Vec<(Article, Document, String)> = Vec::new();
            let mut stop = false;
            for p in prepared {
                match p {
                    Prepared::Article(a, d, h) => articles.push((a, d, h)),
                    Prepared::Other(Outcome::NoArticleText { location, reason }) => {
                        progress.suspend(|| eprintln!("rhetor: skipped: {location}: {reason}"));
                        sum.skipped += 1;
                    }
                    Prepared::Other(Outcome::Skipped { .. }) => sum.skipped += 1,
                    Prepared::Other(Outcome::Failed(e)) => {
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
                    Prepared::Other(Outcome::Article(_)) => {
                        unreachable!("articles are Prepared::Article")
                    }
                }
            }
            drain(&committed, &mut in_flight, &mut sum, false)?;
            // Already analysed by this model version (committed, on its way
            // to the database, or earlier in this batch): not analysed again.
            let hashes: Vec<&str> = articles.iter().map(|(_, _, h)| h.as_str()).collect();
            let known = lookup.analysed(&hashes, &version)?;
            let read_articles = articles.len();
            let mut seen = HashSet::new();
            let (todo, mut docs): (Vec<(Article, String)>, Vec<Document>) = articles
                .into_iter()
                .filter(|(_, _, h)| {
                    !known.contains(h) && !in_flight.contains(h) && seen.insert(h.clone())
                })
                .map(|(a, mut d, h)| {
                    d.language = a.language.clone();
                    ((a, h), d)
                })
                .unzip();
            sum.already += read_articles - todo.len();
            // A model error stops the run (what was committed stays, and a
            // rerun skips it).
            pool.install(|| engine.annotate_all(&mut docs, &Task::ALL))?;
            let analysed: Vec<Analysed> = todo
                .into_iter()
                .zip(docs)
                .map(|((article, hash), document)| Analysed {
                    article,
                    hash,
                    document,
                })
                .collect();
            if !analysed.is_empty() {
                in_flight.extend(analysed.iter().map(|a| a.hash.clone()));
                if to_writer.send(analysed).is_err() {
                    // The writer stopped: its error is in `committed`.
                    return Ok(());
                }
            }
            progress.inc(sum.read as u64 - progress.position());
            if stop {
                return Ok(());
            }
        }
    })();
    // The lookup connection closes first: the writer's, closing last,
    // checkpoints the WAL into the database file (a read-only connection
    // cannot).
    drop(lookup);
    // Whatever happened, the batches handed to the writer are committed
    // before the run ends.
    drop(to_writer);
    let joined = writer.join();
    let drained = drain(&committed, &mut in_flight, &mut sum, true);
    progress.finish_and_clear();
    if joined.is_err() {
        anyhow::bail!("the database writer thread panicked");
    }
    outcome?;
    drained?;
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

/// Takes the writer's reports: counts, and hashes no longer in flight
/// (`wait`: until the writer has finished). A failed write is the run's
/// error.
fn drain(
    committed: &mpsc::Receiver<Committed>,
    in_flight: &mut HashSet<String>,
    sum: &mut Summary,
    wait: bool,
) -> Result<()> {
    loop {
        let report = if wait {
            match committed.recv() {
                Ok(r) => r,
                Err(_) => return Ok(()),
            }
        } else {
            match committed.try_recv() {
                Ok(r) => r,
                Err(_) => return Ok(()),
            }
        };
        let (counts, stored, hashes) = report?;
        sum.new += counts.new_analyses;
        sum.already += stored - counts.new_analyses;
        for h in &hashes {
            in_flight.remove(h);
        }
    }
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
        return progress::rate_bar(None, "ingesting", "articles");
    }
    let total = Units::new(&args.sources).count() as u64;
    progress::rate_bar(Some(total), "ingesting", "articles")
}
