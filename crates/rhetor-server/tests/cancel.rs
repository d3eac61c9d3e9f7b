//! A request that times out stops its analysis (issue 10: the server kept
//! analysing a 5 MB text for 15 s after answering 503). The detector here
//! counts the steps it takes between the checks every model makes
//! ([`rhetor_core::cancel::cancelled`]); after the 503 the count must stop
//! growing. Without cancellation it would keep counting for 20 s.

use rhetor_core::cancel::{cancelled, CANCELLED};
use rhetor_core::{DetectError, Detector, Document, Task};
use rhetor_server::conn::serve_connections;
use rhetor_server::{router, AppState, ConnLimits, Limits};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Works in steps of 1 ms, as a model works paragraph by paragraph, until
/// cancelled or 20 s have passed.
#[derive(Default)]
struct Slow {
    steps: AtomicUsize,
    stopped_early: AtomicBool,
    finished: AtomicBool,
}

impl Detector for Slow {
    fn name(&self) -> &str {
        "slow"
    }

    fn annotate(&self, doc: &mut Document, _tasks: &[Task]) -> Result<(), DetectError> {
        let start = Instant::now();
        let result = loop {
            if cancelled() {
                self.stopped_early.store(true, Ordering::SeqCst);
                break Err(DetectError::new(self, doc, CANCELLED));
            }
            if start.elapsed() > Duration::from_secs(20) {
                break Ok(());
            }
            self.steps.fetch_add(1, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(1));
        };
        self.finished.store(true, Ordering::SeqCst);
        result
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_that_times_out_stops_its_analysis() {
    let slow = Arc::new(Slow::default());
    let limits = Limits {
        timeout: Duration::from_millis(300),
        ..Limits::default()
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = router(AppState::new(slow.clone()).with_limits(limits));
    tokio::spawn(serve_connections(
        listener,
        app,
        ConnLimits::default(),
        std::future::pending(),
    ));

    let body = r#"{"text": "A paragraph that takes long."}"#;
    let request = format!(
        "POST /v1/analyze HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut response))
        .await
        .expect("an answer within the timeout")
        .unwrap();
    let text = String::from_utf8_lossy(&response);
    assert!(text.starts_with("HTTP/1.1 503"), "{text}");

    // The analysis notices at its next step and ends.
    let deadline = Instant::now() + Duration::from_secs(5);
    while !slow.finished.load(Ordering::SeqCst) {
        assert!(
            Instant::now() < deadline,
            "the analysis still runs 5 s after its 503"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(slow.stopped_early.load(Ordering::SeqCst));
    let steps = slow.steps.load(Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        slow.steps.load(Ordering::SeqCst),
        steps,
        "no work after the stop"
    );
    // Some work was done before the timeout (about 300 steps of 1 ms).
    assert!(steps > 10, "{steps}");
}
