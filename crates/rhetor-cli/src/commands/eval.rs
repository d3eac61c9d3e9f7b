//! `rhetor eval`: official SemEval metrics.

use crate::cli::EvalArgs;

pub fn run(_args: EvalArgs) -> anyhow::Result<u8> {
    anyhow::bail!("`rhetor eval` is not available in this build yet")
}
