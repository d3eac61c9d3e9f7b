//! rhetor-server: the HTTP API and the web page behind `rhetor serve`.
//!
//! * [`router`] builds the whole service from an [`AppState`] (tests drive it
//!   in-process with `tower::ServiceExt::oneshot`);
//! * [`serve_with`] binds an address (loopback by default in the CLI) and runs it,
//!   with the connection limits of [`ConnLimits`] (header read and idle
//!   timeout, a cap on open connections; see [`conn`]).
//!
//! The detector is loaded once by the caller and shared as an
//! `Arc<dyn Detector>`. Analysis is CPU-bound, so it runs on tokio's blocking
//! pool, at most one analysis per core at a time (a semaphore), which keeps
//! the async workers free to accept connections and memory flat under load.
//!
//! Every error is a JSON body `{"error": "..."}`: handlers return
//! [`ApiError`], and one middleware turns the framework's bodiless errors
//! (404, 405, timeouts) into the same shape.

#![warn(missing_docs)]

mod api;
pub mod conn;
pub mod corpus;
mod errors;
mod labels;

pub use conn::ConnLimits;
pub use errors::ApiError;

use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use rhetor_core::Detector;
use rhetor_engine::Engine;
use std::sync::atomic::AtomicUsize;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, ToSocketAddrs};
use tokio::sync::Semaphore;
use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutLayer};
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tower_http::LatencyUnit;
use tracing::Level;

/// Largest request body accepted; larger ones get 413.
pub const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;
/// Longest a request may take before its response starts; then 503.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Longest a client may pause while sending a request body; then 408. (The
/// whole body must still arrive within [`REQUEST_TIMEOUT`].)
pub const BODY_TIMEOUT: Duration = Duration::from_secs(10);

/// The server's limits (tests shrink them to exercise the error paths).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest request body accepted (413 beyond).
    pub body_bytes: usize,
    /// Longest a request may take, analysis included (503 beyond).
    pub timeout: Duration,
    /// Longest the body may take to arrive.
    pub body_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            body_bytes: MAX_BODY_BYTES,
            timeout: REQUEST_TIMEOUT,
            body_timeout: BODY_TIMEOUT,
        }
    }
}

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The loaded model and the language identifier: the same analysis
    /// step as the CLI's and the Python package's.
    engine: Engine,
    limits: Limits,
    /// One permit per core: analyses beyond that wait asynchronously
    /// instead of piling threads onto the blocking pool.
    permits: Arc<Semaphore>,
    /// Numbers the HTML fragments, so element ids stay unique on a page
    /// that shows several reports.
    fragments: Arc<AtomicUsize>,
    index_page: Arc<str>,
    /// The database of `rhetor serve --db`, for the corpus routes.
    corpus: Option<corpus::SharedStore>,
}

impl AppState {
    /// A server over `detector`, with the default limits, one analysis per core at a time and no corpus.
    pub fn new(detector: Arc<dyn Detector>) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        AppState {
            engine: Engine::new(detector),
            limits: Limits::default(),
            permits: Arc::new(Semaphore::new(cores)),
            fragments: Arc::new(AtomicUsize::new(0)),
            index_page: api::index_page().into(),
            corpus: None,
        }
    }

    /// Serves the corpus routes from `store` (`rhetor serve --db`).
    pub fn with_corpus(mut self, store: rhetor_store::SqliteStore) -> Self {
        self.corpus = Some(Arc::new(std::sync::Mutex::new(store)));
        self
    }

    /// Replaces the default limits (tests shrink them).
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }
}

/// The whole HTTP service: routes, body limit, time limit, JSON errors and
/// request logs.
pub fn router(state: AppState) -> Router {
    let limits = state.limits;
    Router::new()
        .route("/", get(api::index))
        .route("/healthz", get(api::healthz))
        .route("/openapi.json", get(api::openapi))
        .route("/v1/labels", get(labels::labels))
        .route("/v1/analyze", post(api::analyze))
        .route("/v1/analyze/batch", post(api::analyze_batch))
        .route("/v1/report", post(api::report))
        .route("/v1/stats", get(corpus::stats))
        .route("/v1/search", get(corpus::search))
        .route("/v1/narratives", get(corpus::narratives))
        .route("/v1/articles", get(corpus::articles))
        .route("/v1/articles/{id}", get(corpus::article))
        .route("/articles/{id}", get(corpus::article_page))
        .route("/corpus", get(corpus::dashboard))
        .layer(DefaultBodyLimit::max(limits.body_bytes))
        .layer(RequestBodyTimeoutLayer::new(limits.body_timeout))
        // 503 rather than 408: the client sent its request in time, the
        // server was too slow.
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            limits.timeout,
        ))
        .layer(axum::middleware::map_response(move |res| {
            errors::json_errors(res, limits)
        }))
        // Outermost, so each log line shows the status the client got.
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_response(
                    DefaultOnResponse::new()
                        .level(Level::INFO)
                        .latency_unit(LatencyUnit::Micros),
                ),
        )
        .with_state(state)
}

/// Serves the API of `state` (its model, and its corpus when it has one) on
/// `addr` until Ctrl-C (or SIGTERM), printing the URL on stderr, with the
/// given connection limits ([`ConnLimits::default`]: the CLI's defaults).
pub async fn serve_with(
    addr: impl ToSocketAddrs,
    state: AppState,
    conn_limits: ConnLimits,
) -> std::io::Result<()> {
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    if !local.ip().is_loopback() {
        eprintln!("rhetor: warning: listening on {local}, reachable from other machines");
    }
    eprintln!(
        "rhetor: serving http://{local}/ with model {:?}{} (Ctrl-C to stop)",
        state.engine.model_name(),
        if state.corpus.is_some() {
            format!(", dashboard http://{local}/corpus")
        } else {
            String::new()
        }
    );
    conn::serve_connections(listener, router(state), conn_limits, shutdown_signal()).await
}

/// [`serve_with`] on a fresh multi-threaded runtime, for callers without one
/// (the CLI), so they need no tokio dependency of their own.
pub fn serve_blocking(addr: &str, state: AppState, conn_limits: ConnLimits) -> std::io::Result<()> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        // The semaphore lets `cores` analyses run at once, but a finishing
        // analysis wakes the next one before its thread is idle again, so
        // tokio's default (512) would let the pool creep up by a thread now
        // and then under sustained load. A small cap keeps memory flat.
        .max_blocking_threads(cores * 4)
        .build()?
        .block_on(serve_with(addr, state, conn_limits))
}

/// Request logs as key=value lines on stderr. The level comes from
/// `RUST_LOG` (`error`, `warn`, `info` (default), `debug`, `trace`, `off`).
/// Does nothing when a subscriber is already installed.
pub fn init_logging() {
    let level = std::env::var("RUST_LOG")
        .ok()
        .and_then(|v| {
            v.trim()
                .parse::<tracing_subscriber::filter::LevelFilter>()
                .ok()
        })
        .unwrap_or(tracing_subscriber::filter::LevelFilter::INFO);
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_max_level(level)
        .try_init();
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    eprintln!("rhetor: shutting down");
}
