//! The `rhetor` command: a thin shell over the rhetor libraries.

// The doc comments of `cli.rs` are clap's help text, read in a terminal:
// `<DIR>/<lang>` there is a placeholder, not an HTML tag.
#![allow(rustdoc::invalid_html_tags)]

mod cli;
mod commands;

use clap::Parser;
use std::process::ExitCode;

/// mimalloc instead of the system allocator: HTML parsing and Readability
/// allocate a node, a string or a vector at every step, and glibc's malloc
/// and free were about 6 % of `rhetor extract`'s instructions
/// (`docs/ingest.md`, extraction speed).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Exit status for a run where some inputs failed under `--keep-going`.
pub const EXIT_PARTIAL: u8 = 1;
/// Exit status for usage or input errors.
pub const EXIT_USAGE: u8 = 2;

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_USAGE } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match commands::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("rhetor: error: {e:#}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}
