//! One module per subcommand.

mod analyze;
mod eval;
pub mod models;
mod serve;
mod train;
mod train_accurate;

use crate::cli::{Cli, Command};

/// Runs a parsed command line; returns the process exit status.
pub fn run(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Analyze(args) => analyze::run(args),
        Command::Eval(args) => eval::run(args),
        Command::Train(args) => train::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Models(args) => models::run(args.command),
    }
}
