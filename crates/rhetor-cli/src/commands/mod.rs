//! One module per subcommand.

mod analyze;
mod db;
mod eval;
mod export;
mod extract;
mod ingest;
mod models;
mod narratives;
mod narratives_cross;
mod output;
mod progress;
mod search;
mod serve;
mod stats;
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
        Command::Stats(args) => stats::run(args),
        Command::Search(args) => search::run(args),
        Command::Narratives(args) => narratives::run(args),
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

/// Opens the database of a corpus command: it must exist (an older schema
/// is upgraded in place) and hold at least one article.
fn open_corpus(path: &std::path::Path) -> anyhow::Result<rhetor_store::SqliteStore> {
    let store = rhetor_store::SqliteStore::open_existing(path)?;
    if store.is_empty()? {
        anyhow::bail!(
            "{}: the database holds no articles (run `rhetor ingest` first)",
            path.display()
        );
    }
    Ok(store)
}
