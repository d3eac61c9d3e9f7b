//! Accepting connections, with the limits a public-facing server needs.
//!
//! `axum::serve` has no way to set them, so this is its loop with three
//! additions, all in [`ConnLimits`]:
//!
//! * **header read timeout** (hyper's, which needs a timer): a client must
//!   send a request's complete headers within it, on a new connection and on
//!   a kept-alive one between requests — so it is also the idle timeout. It
//!   defeats slowloris, which opens many connections and sends headers a
//!   byte at a time so that none ever completes;
//! * **a cap on open connections**: at the cap, new connections wait in the
//!   kernel's accept queue until one closes, so file descriptors and memory
//!   stay bounded whatever the number of clients;
//! * the body read timeout is the router's ([`crate::Limits::body_timeout`]).
//!
//! Shutdown is graceful, as with `axum::serve`: stop accepting, let requests
//! in progress finish, then return.

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};

/// Default cap on open connections: far below the usual 1024 file
/// descriptors of a process, far above what one CPU-bound server needs.
pub const MAX_CONNECTIONS: usize = 512;
/// Default time a client has to send a request's headers (and the longest a
/// kept-alive connection may sit idle).
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// Connection-level limits; see the module docs.
#[derive(Debug, Clone, Copy)]
pub struct ConnLimits {
    /// Connections open at once; beyond it, new ones wait in the kernel's
    /// accept queue.
    pub max_connections: usize,
    /// How long a client has to send a request's headers (also the idle
    /// timeout of a kept-alive connection).
    pub header_timeout: Duration,
}

impl Default for ConnLimits {
    fn default() -> Self {
        ConnLimits {
            max_connections: MAX_CONNECTIONS,
            header_timeout: HEADER_TIMEOUT,
        }
    }
}

/// Serves `app` on `listener` under `limits` until `shutdown` completes,
/// then waits for open connections to finish their requests.
pub async fn serve_connections(
    listener: TcpListener,
    app: Router,
    limits: ConnLimits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let max = limits.max_connections.max(1);
    let slots = Arc::new(Semaphore::new(max));
    // Dropping the sender tells every connection to shut down gracefully.
    let (stop_tx, stop_rx) = watch::channel(());
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            s = slots.clone().acquire_owned() => s.expect("never closed"),
            () = &mut shutdown => break,
        };
        let stream = tokio::select! {
            r = listener.accept() => match r {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors or a connection reset before
                    // accept: wait a moment rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(app.clone());
        let mut stop = stop_rx.clone();
        tokio::spawn(async move {
            let _slot = slot; // freed when the connection ends
            let mut builder = http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_timeout);
            let conn = builder.serve_connection(TokioIo::new(stream), service);
            let mut conn = std::pin::pin!(conn);
            tokio::select! {
                r = conn.as_mut() => {
                    if let Err(e) = r {
                        tracing::debug!(error = %e, "connection ended with an error");
                    }
                }
                _ = stop.changed() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
        });
    }
    drop(listener);
    drop(stop_tx);
    // Every slot back means every connection has closed.
    let _ = slots.acquire_many(max as u32).await;
    Ok(())
}
