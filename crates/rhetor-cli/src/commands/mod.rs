//! One module per subcommand.

mod analyze;
mod db;
mod eval;
mod export;
mod extract;
mod ingest;
mod models;
mod output;
mod progress;
mod serve;
mod train;
mod train_accurate;

use crate::cli::{Cli, Command, ModelKind};
use crate::EXIT_USAGE;

/// Runs a parsed command line; returns the process exit status.
pub fn run(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Analyze(args) => analyze::run(args),
        Command::Eval(args) => eval::run(args),
        Command::Extract(args) => extract::run(args),
        Command::Ingest(args) => ingest::run(args),
        Command::Export(args) => export::run(args),
        Command::Db(args) => db::run(args.command),
        Command::Train(args) => {
            if args.out.is_none() && args.cv.is_none() {
                eprintln!(
                    "rhetor: error: give --out FILE (where to write the model), --cv K, or both"
                );
                return Ok(EXIT_USAGE);
            }
            match args.model {
                ModelKind::Fast => train::run(args),
                ModelKind::Accurate => train_accurate::run(args),
            }
        }
        Command::Serve(args) => serve::run(args),
        Command::Models(args) => models::run(args.command),
    }
}

/// Loads `--model` through the engine; the notice (when `auto` fell back to
/// the fast model) goes to stderr.
fn load_model(
    spec: &str,
    encoder: Option<&std::path::Path>,
) -> anyhow::Result<Box<dyn rhetor_core::Detector>> {
    let loaded = rhetor_engine::load_detector(spec, encoder)?;
    if let Some(notice) = loaded.notice {
        eprintln!("rhetor: notice: {notice}");
    }
    Ok(loaded.detector)
}
