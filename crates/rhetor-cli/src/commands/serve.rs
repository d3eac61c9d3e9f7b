//! `rhetor serve`: the HTTP API and web page (see `rhetor-server`).

use crate::cli::ServeArgs;
use anyhow::{Context, Result};
use std::sync::Arc;

pub fn run(args: ServeArgs) -> Result<u8> {
    // Loaded once, before binding, so a bad --model fails at start and every
    // request shares the same model.
    let detector: Arc<dyn rhetor_core::Detector> =
        Arc::from(super::load_model(&args.model, args.encoder.as_deref())?);
    rhetor_server::init_logging();
    rhetor_server::serve_blocking(&args.addr, detector)
        .with_context(|| format!("cannot serve on {}", args.addr))?;
    Ok(0)
}
