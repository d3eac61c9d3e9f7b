//! `rhetor eval`: official SemEval metrics.

use crate::cli::EvalArgs;
use std::io::{self, Write};

/// Scores `--pred` against `--gold` and prints the report to stdout. A file
/// that cannot be read or has a malformed row is an error naming it (exit 2).
pub fn run(args: EvalArgs) -> anyhow::Result<u8> {
    let report = rhetor_eval::evaluate_files(args.task, &args.gold, &args.pred)?;
    let mut out = io::stdout().lock();
    match write!(out, "{report}").and_then(|_| out.flush()) {
        // A closed pipe (`rhetor eval … | head`) is not an error.
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
            Err(anyhow::Error::new(e).context("cannot write output"))
        }
        _ => Ok(0),
    }
}
