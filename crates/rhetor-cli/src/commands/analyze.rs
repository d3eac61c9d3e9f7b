//! `rhetor analyze`: read articles, run a detector, write them out.

use crate::cli::{AnalyzeArgs, OutputFormat};
use crate::commands::output::{stopped_by, Output};
use crate::commands::progress;
use crate::{EXIT_PARTIAL, EXIT_USAGE};
use anyhow::{Context, Result};
use indicatif::ProgressBar;
use rayon::prelude::*;
use rhetor_core::{DetectError, Document};
use rhetor_engine::Engine;
use rhetor_formats::articles::{expand_inputs, item_records, Record};
use rhetor_formats::html::HtmlReport;
use rhetor_formats::json::{write_json_line, JsonArrayWriter};
use rhetor_formats::{semeval, FormatError, Task};
use std::io;
use std::path::Path;

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
    /// One standalone page counts and lists every article in its header:
    /// articles are rendered as they come into a temporary file and the
    /// page is put together at the end (`HtmlReport`), so memory holds
    /// their titles, not their documents.
    Html(Output, HtmlReport),
}

impl Sink {
    fn write(&mut self, doc: &Document) -> io::Result<()> {
        match self {
            Sink::Json(w) => w.write(doc),
            Sink::Jsonl(w) => write_json_line(w, doc),
            Sink::Semeval(w, task) => semeval::write_rows(w, *task, doc),
            Sink::Html(_, report) => report.add(doc),
        }
    }

    /// Pushes what was written so far to stdout (nothing for a file, which
    /// appears whole at the end anyway).
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::Json(w) => w.get_mut().flush_stdout(),
            Sink::Jsonl(w) | Sink::Semeval(w, _) | Sink::Html(w, _) => w.flush_stdout(),
        }
    }

    /// Completes the output and puts it in place.
    fn finish(self) -> Result<()> {
        match self {
            Sink::Json(w) => w.finish()?.commit(),
            Sink::Jsonl(w) | Sink::Semeval(w, _) => w.commit(),
            Sink::Html(mut w, report) => {
                report.finish(&mut w)?;
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
        (OutputFormat::Html, _) => {
            // The spill goes beside the output file (or to the temporary folder).
            let dir = args.output.as_deref().map(|p| match p.parent() {
                Some(d) if !d.as_os_str().is_empty() => d,
                _ => Path::new("."),
            });
            let report =
                HtmlReport::new(dir).context("cannot create a temporary file for the report")?;
            Sink::Html(out, report)
        }
    };

    // SemEval rows of one task need only that task's annotations.
    let tasks: &[Task] = match (args.format, &task) {
        (OutputFormat::Semeval, Some(t)) => std::slice::from_ref(t),
        _ => &Task::ALL,
    };

    let items = expand_inputs(&args.paths);
    let progress = progress_bar(items.len());
    let mut failed = 0usize;
    // Records (an article file, one JSON Lines line) are taken CHUNK at a
    // time, read or parsed and analysed in parallel, and written in order
    // before the next CHUNK is read: a JSON Lines file or stdin of any size
    // is analysed in bounded memory, its results written as they finish.
    let mut records = items.into_iter().flat_map(item_records).peekable();
    while records.peek().is_some() {
        let chunk: Vec<Record> = records.by_ref().take(CHUNK).collect();
        let files = chunk
            .iter()
            .filter(|r| !matches!(r, Record::Line { .. }))
            .count();
        let results: Vec<Result<Document, ItemError>> = chunk
            .into_par_iter()
            .map(|record| {
                let mut doc = record.into_document()?;
                engine.annotate_with(&mut doc, tasks, args.evidence)?;
                Ok(doc)
            })
            .collect();
        for result in results {
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
                    return Ok(stopped_by(&e, args.output.as_deref()));
                }
            }
        }
        // Out before the next chunk is read (a pipe's reader sees results
        // while the input is still coming).
        sink.flush().context("cannot write output")?;
        progress.inc(files as u64);
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
