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
    let limits = rhetor_server::ConnLimits {
        max_connections: args.max_connections,
        header_timeout: std::time::Duration::from_secs(args.header_timeout.max(1)),
    };
    let mut state = rhetor_server::AppState::new(detector);
    if let Some(db) = &args.db {
        let mut store = super::open_corpus(db)?;
        // Place the articles ingested since the last `rhetor narratives`,
        // with the threshold the stored clusters were made with.
        use rhetor_store::CorpusStore;
        let threshold = store
            .narrative_threshold()?
            .unwrap_or(rhetor_corpus::narratives::DEFAULT_THRESHOLD);
        let done = rhetor_corpus::narratives::update(&mut store, threshold, false)?;
        eprintln!(
            "rhetor: {}: narratives up to date ({} article(s) placed)",
            db.display(),
            done.placed
        );
        state = state.with_corpus(store);
    }
    rhetor_server::serve_blocking(&args.addr, state, limits)
        .with_context(|| format!("cannot serve on {}", args.addr))?;
    Ok(0)
}
