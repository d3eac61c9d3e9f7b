//! `rhetor analyze`: read articles, run a detector, write them out.

use crate::cli::{AnalyzeArgs, OutputFormat};
use crate::{EXIT_PARTIAL, EXIT_USAGE};
use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use rhetor_core::detector::Tasks;
use rhetor_core::Document;
use rhetor_engine::Engine;
use rhetor_formats::articles::{expand_inputs, read_item, InputItem};
use rhetor_formats::html;
use rhetor_formats::json::{write_json_line, JsonArrayWriter};
use rhetor_formats::{semeval, FormatError, Task};
use std::fs::File;
use std::io::{self, BufWriter, Write};

/// Items read and analysed together: large enough to keep both cores busy,
/// small enough that output starts early and memory stays flat.
const CHUNK: usize = 256;

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
    let task: Option<Task> = args.task.map(Into::into);
    if args.format == OutputFormat::Semeval && task.is_none() {
        eprintln!("rhetor: error: --task is required with --format semeval");
        return Ok(EXIT_USAGE);
    }
    let engine = Engine::new(super::load_model(&args.model, args.encoder.as_deref())?.into());
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
    let tasks = match (args.format, task) {
        (OutputFormat::Semeval, Some(Task::Genre)) => Tasks {
            genre: true,
            ..Tasks::NONE
        },
        (OutputFormat::Semeval, Some(Task::Frames)) => Tasks {
            frames: true,
            ..Tasks::NONE
        },
        (OutputFormat::Semeval, Some(Task::Techniques)) => Tasks {
            techniques: true,
            ..Tasks::NONE
        },
        (OutputFormat::Semeval, Some(Task::Spans)) => Tasks {
            spans: true,
            ..Tasks::NONE
        },
        _ => Tasks::ALL,
    };

    let items = expand_inputs(&args.paths);
    let progress = progress_bar(items.len());
    let mut failed = 0usize;
    let mut items = items.into_iter().peekable();
    while items.peek().is_some() {
        let chunk: Vec<InputItem> = items.by_ref().take(CHUNK).collect();
        let n = chunk.len() as u64;
        let results: Vec<Vec<Result<Document, FormatError>>> = chunk
            .into_par_iter()
            .map(|item| {
                let mut docs = read_item(item);
                for doc in docs.iter_mut().flatten() {
                    engine.annotate(doc, tasks);
                }
                docs
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

/// A progress bar on stderr for runs over many files (hidden when stderr is
/// not a terminal, so scripts and logs stay clean).
fn progress_bar(len: usize) -> ProgressBar {
    if len < 2 {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len as u64);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} analysing {pos}/{len} files [{bar:30}] {per_sec} eta {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}
