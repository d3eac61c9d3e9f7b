//! The server under hostile clients, over real sockets: stalled connections
//! (slowloris) are closed and the server keeps answering; a body that stops
//! arriving gets 408.

mod common;

use common::test_detector;
use rhetor_server::conn::serve_connections;
use rhetor_server::{router, AppState, ConnLimits, Limits};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Starts the real connection loop on a loopback port.
async fn start(limits: Limits, conn: ConnLimits) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = router(AppState::new(test_detector()).with_limits(limits));
    tokio::spawn(serve_connections(
        listener,
        app,
        conn,
        std::future::pending(),
    ));
    addr
}

/// Sends `request` and returns the response's status code.
async fn status_of(addr: SocketAddr, request: &str) -> Option<u16> {
    let mut s = TcpStream::connect(addr).await.ok()?;
    s.write_all(request.as_bytes()).await.ok()?;
    let mut buf = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), s.read_to_end(&mut buf))
        .await
        .ok()?
        .ok()?;
    String::from_utf8_lossy(&buf)
        .strip_prefix("HTTP/1.1 ")?
        .get(..3)?
        .parse()
        .ok()
}

const HEALTHZ: &str = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";

/// Waits until the server closes `s` (read returns 0 or an error); the
/// bytes it sent first (a 408 at most) are returned.
async fn closed_by_server(mut s: TcpStream, within: Duration) -> Result<Vec<u8>, &'static str> {
    let mut buf = Vec::new();
    match tokio::time::timeout(within, s.read_to_end(&mut buf)).await {
        Ok(_) => Ok(buf),
        Err(_) => Err("still open"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundreds_of_stalled_connections_are_closed_and_the_server_still_answers() {
    let conn = ConnLimits {
        max_connections: 64,
        header_timeout: Duration::from_millis(500),
    };
    let addr = start(Limits::default(), conn).await;
    assert_eq!(status_of(addr, HEALTHZ).await, Some(200));

    // 300 clients, beyond the cap of 64: a third send nothing, a third the
    // start of a request line, a third all but the end of the headers (the
    // slowloris pattern).
    let mut stalled = Vec::new();
    for i in 0..300 {
        let mut s = TcpStream::connect(addr).await.unwrap();
        match i % 3 {
            0 => {}
            1 => s.write_all(b"POST /v1/ana").await.unwrap(),
            _ => s
                .write_all(b"POST /v1/analyze HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n")
                .await
                .unwrap(),
        }
        stalled.push(s);
    }
    let start_wait = Instant::now();
    // While they are all open, a real client is still served (once the
    // stalled ones ahead of it in the queue time out).
    assert_eq!(status_of(addr, HEALTHZ).await, Some(200));

    // Every stalled connection is closed by the server: 300 / 64 rounds of
    // 0.5 s, with a wide margin for a loaded machine.
    let mut open = 0;
    for s in stalled {
        let budget = Duration::from_secs(30).saturating_sub(start_wait.elapsed());
        match closed_by_server(s, budget.max(Duration::from_millis(1))).await {
            Ok(bytes) => {
                // Nothing, or an error status: never a 200.
                let text = String::from_utf8_lossy(&bytes);
                assert!(!text.contains(" 200 "), "{text}");
            }
            Err(_) => open += 1,
        }
    }
    assert_eq!(open, 0, "connections the server never closed");
    assert_eq!(status_of(addr, HEALTHZ).await, Some(200));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_kept_alive_connection_is_closed() {
    let conn = ConnLimits {
        max_connections: 8,
        header_timeout: Duration::from_millis(500),
    };
    let addr = start(Limits::default(), conn).await;
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    // The response arrives and the connection stays open for the next
    // request, which never comes: the server closes it.
    let started = Instant::now();
    let bytes = closed_by_server(s, Duration::from_secs(20)).await.unwrap();
    assert!(String::from_utf8_lossy(&bytes).starts_with("HTTP/1.1 200"));
    assert!(started.elapsed() >= Duration::from_millis(400));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_stops_arriving_gets_408() {
    let limits = Limits {
        body_timeout: Duration::from_millis(300),
        ..Limits::default()
    };
    let addr = start(limits, ConnLimits::default()).await;
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(
        b"POST /v1/analyze HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
          Content-Length: 100\r\nConnection: close\r\n\r\n{\"text\": \"only",
    )
    .await
    .unwrap();
    let bytes = closed_by_server(s, Duration::from_secs(20)).await.unwrap();
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("body read timeout"), "{text}");
}
