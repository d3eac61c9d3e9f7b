//! Any bytes as the body of `POST /v1/analyze`, `/v1/analyze/batch` (JSON
//! and JSON Lines) and `/v1/report`, through the real router (no model:
//! the parsing, checks and error responses are what is fuzzed). Every
//! answer is a status the API documents, never a panic.
#![no_main]
use axum::body::Body;
use axum::http::Request;
use libfuzzer_sys::fuzz_target;
use std::sync::{Arc, OnceLock};
use tower::ServiceExt;

static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let rt = RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    });
    let app = rhetor_server::router(rhetor_server::AppState::new(Arc::new(rhetor_core::detector::NoModel)));
    for (uri, ctype) in [
        ("/v1/analyze", "application/json"),
        ("/v1/analyze/batch", "application/json"),
        ("/v1/analyze/batch", "application/x-ndjson"),
        ("/v1/report", "application/json"),
    ] {
        let req = Request::post(uri)
            .header("content-type", ctype)
            .body(Body::from(data.to_vec()))
            .unwrap();
        let res = rt.block_on(app.clone().oneshot(req)).unwrap();
        let status = res.status().as_u16();
        assert!([200, 400, 413, 415, 422].contains(&status), "{uri}: {status}");
        // Read the whole (possibly streamed) body.
        let _ = rt.block_on(axum::body::to_bytes(res.into_body(), usize::MAX));
    }
});
