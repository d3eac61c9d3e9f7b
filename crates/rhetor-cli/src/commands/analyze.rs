//! `rhetor analyze`: read articles, run a detector, write them out.

use crate::cli::{AnalyzeArgs, OutputFormat};
use crate::commands::{models, progress};
use crate::{EXIT_PARTIAL, EXIT_USAGE};
use anyhow::{Context, Result};
use indicatif::ProgressBar;
use rayon::prelude::*;
use rhetor_core::lang::LanguageIdentifier;
use rhetor_core::pipeline::annotate;
use rhetor_core::{DetectError, Document};
use rhetor_formats::articles::{expand_inputs, read_item, InputItem};
use rhetor_formats::html;
use rhetor_formats::json::{write_json_line, JsonArrayWriter};
use rhetor_formats::{semeval, FormatError, Task};
use std::fs::File;
use std::io::{self, BufWriter, Write};

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
    Json(JsonArrayWriter<Box<dyn Write>>),
    Jsonl(Box<dyn Write>),
    Semeval(Box<dyn Write>, Task),
    /// One standalone page needs every article (its header counts them and
    /// links to each), so documents are collected and rendered at the end.
    Html(Box<dyn Write>, Vec<Document>),
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

    fn finish(self) -> io::Result<()> {
        match self {
            Sink::Json(w) => w.finish()?.flush(),
            Sink::Jsonl(mut w) | Sink::Semeval(mut w, _) => w.flush(),
            Sink::Html(mut w, docs) => {
                w.write_all(html::render_page(&docs).as_bytes())?;
                w.flush()
            }
        }
    }
}

pub fn run(args: AnalyzeArgs) -> Result<u8> {
    let task: Option<Task> = args.task;
    if args.format == OutputFormat::Semeval && task.is_none() {
        eprintln!("rhetor: error: --task is required with --format semeval");
        return Ok(EXIT_USAGE);
    }
    let detector = models::load(&args.model, args.encoder.as_deref())?;
    let out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(BufWriter::new(
            File::create(path).with_context(|| format!("cannot create {}", path.display()))?,
        )),
        None => Box::new(BufWriter::new(io::stdout().lock())),
    };
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
    let lid = LanguageIdentifier::new();
    let mut failed = 0usize;
    let mut items = items.into_iter().peekable();
    while items.peek().is_some() {
        let chunk: Vec<InputItem> = items.by_ref().take(CHUNK).collect();
        let n = chunk.len() as u64;
        let results: Vec<Vec<Result<Document, ItemError>>> = chunk
            .into_par_iter()
            .map(|item| {
                read_item(item)
                    .into_iter()
                    .map(|doc| {
                        let mut doc = doc?;
                        annotate(&mut doc, &lid, detector.as_ref(), tasks)?;
                        Ok(doc)
                    })
                    .collect()
            })
            .collect();
        for result in results.into_iter().flatten() {
            match result {
                Ok(doc) => sink.write(&doc).context("cannot write output")?,
                Err(e) if args.keep_going => {
                    progress.suspend(|| eprintln!("rhetor: skipped: {e}"));
                    failed += 1;
                }
                Err(e) => {
                    progress.finish_and_clear();
                    sink.finish().context("cannot write output")?;
                    eprintln!("rhetor: error: {e}");
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
