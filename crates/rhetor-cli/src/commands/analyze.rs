//! `rhetor analyze`: read articles, run a detector, write them out.

use crate::cli::{AnalyzeArgs, OutputFormat};
use crate::commands::output::Output;
use crate::commands::progress;
use crate::{EXIT_PARTIAL, EXIT_USAGE};
use anyhow::{Context, Result};
use indicatif::ProgressBar;
use rayon::prelude::*;
use rhetor_core::{DetectError, Document};
use rhetor_engine::Engine;
use rhetor_formats::articles::{expand_inputs, read_item, InputItem};
use rhetor_formats::html;
use rhetor_formats::json::{write_json_line, JsonArrayWriter};
use rhetor_formats::{semeval, FormatError, Task};
use std::io::{self, Write};

/// Items read and analysed together: large enough to keep both cores busy,
/// small enough that output starts early and memory stays flat.
const CHUNK: usize = 256;

/// Why one input produced no document: it could not be read, or the model
/// failed on it. Both are reported the same way (skipped under
/// `--keep-going`, otherwise the run stops with exit status 2).
#[derive(Debug, thiserror::Error)]
enum ItemError {
    #[error(transparent)]
    Read(#[from] FormatError),
    #[error(transparent)]
    Model(#[from] DetectError),
}

/// Where analysed documents go, in the chosen format.
enum Sink {
    Json(JsonArrayWriter<Output>),
    Jsonl(Output),
    Semeval(Output, Task),
    /// One standalone page needs every article (its header counts them and
    /// links to each), so documents are collected and rendered at the end.
    Html(Output, Vec<Document>),
}

impl Sink {
    fn write(&mut self, doc: &Document) -> io::Result<()> {
        match self {
            Sink::Json(w) => w.write(doc),
            Sink::Jsonl(w) => write_json_line(w, doc),
            Sink::Semeval(w, task) => semeval::write_rows(w, *task, doc),
            Sink::Html(_, docs) => {
                docs.push(doc.clone());
                Ok(())
            }
        }
    }

    /// Completes the output and puts it in place.
    fn finish(self) -> Result<()> {
        match self {
            Sink::Json(w) => w.finish()?.commit(),
            Sink::Jsonl(w) | Sink::Semeval(w, _) => w.commit(),
            Sink::Html(mut w, docs) => {
                w.write_all(html::render_page(&docs).as_bytes())?;
                w.commit()
            }
        }
    }

    /// Gives up after an input error: a file output is discarded (the old
    /// file stays as it was); stdout gets what was analysed before the error,
    /// completed (a closed JSON array), as a pipe has no undo.
    fn abandon(self) -> Result<()> {
        let to_file = match &self {
            Sink::Json(w) => matches!(w.get_ref(), Output::File(_)),
            Sink::Jsonl(w) | Sink::Semeval(w, _) | Sink::Html(w, _) => {
                matches!(w, Output::File(_))
            }
        };
        if to_file {
            Ok(()) // dropping the AtomicFile removes its temporary
        } else {
            self.finish()
        }
    }
}

pub fn run(args: AnalyzeArgs) -> Result<u8> {
    let task: Option<Task> = args.task;
    if args.format == OutputFormat::Semeval && task.is_none() {
        eprintln!("rhetor: error: --task is required with --format semeval");
        return Ok(EXIT_USAGE);
    }
    let engine = Engine::new(super::load_model(&args.model, args.encoder.as_deref())?.into());
    let out = Output::open(args.output.as_deref())?;
    let mut sink = match (args.format, task) {
        (OutputFormat::Json, _) => Sink::Json(JsonArrayWriter::new(out)),
        (OutputFormat::Jsonl, _) => Sink::Jsonl(out),
        (OutputFormat::Semeval, Some(t)) => Sink::Semeval(out, t),
        (OutputFormat::Semeval, None) => unreachable!("checked above"),
        (OutputFormat::Html, _) => Sink::Html(out, Vec::new()),
    };

    // SemEval rows of one task need only that task's annotations.
    let tasks: &[Task] = match (args.format, &task) {
        (OutputFormat::Semeval, Some(t)) => std::slice::from_ref(t),
        _ => &Task::ALL,
    };

    let items = expand_inputs(&args.paths);
    let progress = progress_bar(items.len());
    let mut failed = 0usize;
    let mut items = items.into_iter().peekable();
    while items.peek().is_some() {
        let chunk: Vec<InputItem> = items.by_ref().take(CHUNK).collect();
        let n = chunk.len() as u64;
        let results: Vec<Vec<Result<Document, ItemError>>> = chunk
            .into_par_iter()
            .map(|item| {
                // A JSON Lines file or stdin is one item of many records:
                // analyse its records in parallel too (collect keeps their
                // order).
                read_item(item)
                    .into_par_iter()
                    .map(|doc| {
                        let mut doc = doc?;
                        engine.annotate_with(&mut doc, tasks, args.evidence)?;
                        Ok(doc)
                    })
                    .collect()
            })
            .collect();
        for result in results.into_iter().flatten() {
            match result {
                Ok(doc) => {
                    for w in &doc.warnings {
                        progress.suspend(|| eprintln!("rhetor: warning: article {}: {w}", doc.id));
                    }
                    sink.write(&doc).context("cannot write output")?
                }
                Err(e) if args.keep_going => {
                    progress.suspend(|| eprintln!("rhetor: skipped: {e}"));
                    failed += 1;
                }
                Err(e) => {
                    progress.finish_and_clear();
                    sink.abandon().context("cannot write output")?;
                    eprintln!("rhetor: error: {e}");
                    if let Some(path) = &args.output {
                        eprintln!(
                            "rhetor: {} left unchanged (use --keep-going to skip failing inputs)",
                            path.display()
                        );
                    }
                    return Ok(EXIT_USAGE);
                }
            }
        }
        progress.inc(n);
    }
    progress.finish_and_clear();
    sink.finish().context("cannot write output")?;
    if failed > 0 {
        eprintln!("rhetor: {failed} input(s) failed");
        return Ok(EXIT_PARTIAL);
    }
    Ok(0)
}

/// A progress bar for runs over many files (none for a single input).
fn progress_bar(len: usize) -> ProgressBar {
    if len < 2 {
        return ProgressBar::hidden();
    }
    progress::bar(len as u64, "analysing files")
}
