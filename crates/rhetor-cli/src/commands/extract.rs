//! `rhetor extract`: inputs in → article records out, one JSON object per
//! line (or a JSON array).

use crate::cli::{ExtractArgs, ExtractFormat};
use crate::commands::output::{stopped_by, Output};
use crate::EXIT_PARTIAL;
use anyhow::{Context, Result};
use rayon::prelude::*;
use rhetor_core::lang::LanguageIdentifier;
use rhetor_extract::{finish, Outcome, Unit, Units};
use std::io::Write;

/// Units extracted together: enough to keep every core busy, few enough
/// that output starts early and memory stays flat on a 1 GB WARC file.
pub const CHUNK: usize = 512;

pub fn run(args: ExtractArgs) -> Result<u8> {
    let mut out = Output::open(args.output.as_deref())?;
    let lid = LanguageIdentifier::new();
    let mut units = Units::new(&args.paths);
    let (mut written, mut skipped, mut failed) = (0usize, 0usize, 0usize);
    loop {
        let chunk: Vec<Unit> = units.by_ref().take(CHUNK).collect();
        if chunk.is_empty() {
            break;
        }
        let outcomes: Vec<Outcome> = chunk.into_par_iter().map(|u| finish(u, &lid)).collect();
        for outcome in outcomes {
            match outcome {
                Outcome::Article(a) => {
                    if args.format == ExtractFormat::Json {
                        out.write_all(if written == 0 { b"[\n" } else { b",\n" })?;
                    }
                    serde_json::to_writer(&mut out, &a).context("cannot write output")?;
                    if args.format == ExtractFormat::Jsonl {
                        out.write_all(b"\n")?;
                    }
                    written += 1;
                }
                Outcome::NoArticleText { location, reason } => {
                    eprintln!("rhetor: skipped: {location}: {reason}");
                    skipped += 1;
                }
                Outcome::Skipped { .. } => skipped += 1,
                Outcome::Failed(e) if args.keep_going => {
                    eprintln!("rhetor: skipped: {e}");
                    failed += 1;
                }
                Outcome::Failed(e) => {
                    // As `analyze`: an `-o` file is discarded (an old file
                    // stays as it was); stdout gets what was extracted
                    // before the error, completed, as a pipe has no undo.
                    if out.is_file() {
                        drop(out); // removes the temporary
                    } else {
                        finish_array(&mut out, args.format, written)?;
                        out.commit()?;
                    }
                    return Ok(stopped_by(&e, args.output.as_deref()));
                }
            }
        }
    }
    finish_array(&mut out, args.format, written)?;
    out.commit()?;
    if skipped > 0 || failed > 0 {
        eprintln!("rhetor: {written} article(s), {skipped} skipped, {failed} failed");
    }
    Ok(if failed > 0 { EXIT_PARTIAL } else { 0 })
}

fn finish_array(out: &mut Output, format: ExtractFormat, written: usize) -> Result<()> {
    if format == ExtractFormat::Json {
        out.write_all(if written == 0 { b"[]\n" } else { b"\n]\n" })?;
    }
    Ok(())
}
