//! Every error code of the HTTP API (400, 413, 415, 422, 404/405, 500,
//! 503), driven in-process with `oneshot`, plus a real-socket run showing
//! the server keeps serving after bad requests.

mod common;

use axum::http::{header, StatusCode};
use common::http::{app, assert_error, call, get, json_of, post, post_json};
use common::{harbour, FailingDetector, PanickyDetector, SlowDetector};
use rhetor_server::{router, AppState, Limits, MAX_BODY_BYTES};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

#[tokio::test]
async fn malformed_json_is_400() {
    let app = app();
    for body in ["{\"text\": ", "not json", "", "{\"text\": \"a\"} trailing"] {
        let res = call(&app, post("/v1/analyze", Some("application/json"), body)).await;
        let msg = assert_error(&res, StatusCode::BAD_REQUEST);
        assert!(msg.contains("malformed JSON"), "{msg}");
    }
    // Bytes that are not UTF-8 are not JSON either.
    let res = call(
        &app,
        post("/v1/analyze", None, vec![b'"', 0xff, 0xfe, b'"']),
    )
    .await;
    assert_error(&res, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn wrong_shapes_and_types_are_422() {
    let app = app();
    for body in [
        json!({"text": 5}),
        json!({"title": "only a title field name typo", "txt": "x"}),
        json!({"text": "ok", "id": 7}),
        json!({"text": "ok", "title": ["a"]}),
        json!(["an", "array"]),
        json!("a string"),
        json!({"text": "  \n\t "}),
    ] {
        let res = call(&app, post_json("/v1/analyze", &body)).await;
        assert_error(&res, StatusCode::UNPROCESSABLE_ENTITY);
        let res = call(&app, post_json("/v1/report", &body)).await;
        assert_error(&res, StatusCode::UNPROCESSABLE_ENTITY);
    }
}

#[tokio::test]
async fn bodies_over_10_mib_are_413() {
    let app = app();
    // 11 MB of valid JSON: rejected for its size alone.
    let big = format!("{{\"text\": \"{}\"}}", "a".repeat(11 * 1024 * 1024));
    for uri in ["/v1/analyze", "/v1/analyze/batch", "/v1/report"] {
        let res = call(&app, post(uri, Some("application/json"), big.clone())).await;
        let msg = assert_error(&res, StatusCode::PAYLOAD_TOO_LARGE);
        assert!(msg.contains("too large"), "{msg}");
    }
    // Just under the limit is fine.
    let ok = format!(
        "{{\"text\": \"{}\"}}",
        "word ".repeat((MAX_BODY_BYTES - 1024) / 5)
    );
    let (status, _, _) = call(&app, post("/v1/analyze", None, ok)).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn unknown_routes_and_methods_are_json_errors() {
    let app = app();
    assert_error(&call(&app, get("/v2/nothing")).await, StatusCode::NOT_FOUND);
    let res = call(&app, get("/v1/analyze")).await;
    assert_error(&res, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(res.1[header::ALLOW], "POST");
    let res = call(&app, post("/healthz", None, "")).await;
    assert_error(&res, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn batch_errors_name_the_bad_item_before_anything_streams() {
    let app = app();
    let res = call(
        &app,
        post(
            "/v1/analyze/batch",
            Some("application/x-ndjson"),
            "{\"text\": \"fine\"}\n{\"text\": \n",
        ),
    )
    .await;
    let msg = assert_error(&res, StatusCode::BAD_REQUEST);
    assert!(msg.starts_with("line 2:"), "{msg}");

    let res = call(
        &app,
        post(
            "/v1/analyze/batch",
            None,
            "{\"text\": \"fine\"}\n{\"text\": 3}\n",
        ),
    )
    .await;
    let msg = assert_error(&res, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(msg.starts_with("line 2:"), "{msg}");

    let res = call(
        &app,
        post_json("/v1/analyze/batch", &json!([{"text": "ok"}, {"text": ""}])),
    )
    .await;
    let msg = assert_error(&res, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(msg.starts_with("item 2:"), "{msg}");

    let res = call(&app, post_json("/v1/analyze/batch", &json!([1, 2]))).await;
    let msg = assert_error(&res, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(msg.starts_with("item 1:"), "{msg}");
    let res = call(&app, post("/v1/analyze/batch", None, "[{\"text\": \"a\"}")).await;
    let msg = assert_error(&res, StatusCode::BAD_REQUEST);
    assert!(msg.starts_with("item 2:"), "{msg}");
    let res = call(
        &app,
        post("/v1/analyze/batch", None, "[{\"text\": \"a\"}] x"),
    )
    .await;
    let msg = assert_error(&res, StatusCode::BAD_REQUEST);
    assert!(msg.starts_with("malformed JSON: trailing"), "{msg}");

    // A one-line array (what a JSON encoder sends) with a bad third item:
    // the message names the item, not only "line 1 column 4012".
    let long = "x".repeat(2000);
    let body = json!([{"text": long}, {"text": long}, {"text": long, "title": 5}]);
    let res = call(&app, post_json("/v1/analyze/batch", &body)).await;
    let msg = assert_error(&res, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(msg.starts_with("item 3: invalid request"), "{msg}");
    let mut broken = serde_json::to_string(&body).unwrap();
    broken.insert(4100, '\u{1}');
    let res = call(&app, post("/v1/analyze/batch", None, broken)).await;
    let msg = assert_error(&res, StatusCode::BAD_REQUEST);
    assert!(msg.starts_with("item 3: malformed JSON"), "{msg}");
}

#[tokio::test]
async fn slow_analysis_hits_the_time_limit_with_503_then_the_server_answers() {
    let state =
        AppState::new(Arc::new(SlowDetector(Duration::from_millis(600)))).with_limits(Limits {
            timeout: Duration::from_millis(100),
            ..Limits::default()
        });
    let app = router(state);
    let res = call(&app, post_json("/v1/analyze", &json!({"text": "slow one"}))).await;
    let msg = assert_error(&res, StatusCode::SERVICE_UNAVAILABLE);
    assert!(msg.contains("time limit"), "{msg}");
    let (status, _, _) = call(&app, get("/healthz")).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_panicking_detector_costs_one_request_not_the_server() {
    let app = router(AppState::new(Arc::new(PanickyDetector)));
    let res = call(&app, post_json("/v1/analyze", &json!({"text": "boom"}))).await;
    assert_error(&res, StatusCode::INTERNAL_SERVER_ERROR);
    let (status, _, _) = call(&app, post_json("/v1/analyze", &json!({"text": "calm"}))).await;
    assert_eq!(status, StatusCode::OK);
    // In a batch, the bad item becomes an error line and the rest go on.
    let (status, _, body) = call(
        &app,
        post_json(
            "/v1/analyze/batch",
            &json!([{"text": "boom"}, {"text": "calm"}]),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let text = String::from_utf8(body.to_vec()).unwrap();
    let lines: Vec<Value> = text.lines().map(|l| json_of(l.as_bytes())).collect();
    assert_eq!(lines[0]["item"], 1);
    assert!(lines[0]["error"].is_string());
    assert_eq!(lines[1]["id"], "2");
}

#[tokio::test]
async fn a_model_error_is_a_500_naming_it_and_one_error_line_in_a_batch() {
    let app = router(AppState::new(Arc::new(FailingDetector)));
    let res = call(
        &app,
        post_json("/v1/analyze", &json!({"text": "please fail", "id": "7"})),
    )
    .await;
    let msg = assert_error(&res, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        msg.contains("\"failing\"") && msg.contains("\"7\"") && msg.contains("refused on purpose"),
        "{msg}"
    );
    let (status, _, body) = call(
        &app,
        post_json(
            "/v1/analyze/batch",
            &json!([{"text": "calm"}, {"text": "fail here"}, {"text": "calm too"}]),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let text = String::from_utf8(body.to_vec()).unwrap();
    let lines: Vec<Value> = text.lines().map(|l| json_of(l.as_bytes())).collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["id"], "1");
    assert_eq!(lines[1]["item"], 2);
    assert!(
        lines[1]["error"]
            .as_str()
            .is_some_and(|e| e.contains("refused on purpose")),
        "{}",
        lines[1]
    );
    assert_eq!(lines[2]["id"], "3");
}

/// Raw HTTP/1.1 over a real socket: status code of the response, or `None`
/// when the server closed the connection first (as it may on an oversized
/// body it stopped reading).
async fn raw_request(addr: std::net::SocketAddr, head: &str, body: &[u8]) -> Option<u16> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.ok()?;
    let request = format!(
        "{head}\r\nHost: {addr}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let (mut rd, mut wr) = stream.split();
    let write = async {
        let _ = wr.write_all(request.as_bytes()).await;
        let _ = wr.write_all(body).await;
    };
    let read = async {
        let mut buf = Vec::new();
        let _ = rd.read_to_end(&mut buf).await;
        buf
    };
    // Bounded: a test must never hang on a server that stopped answering.
    let ((), buf) =
        tokio::time::timeout(Duration::from_secs(20), async { tokio::join!(write, read) })
            .await
            .ok()?;
    let text = String::from_utf8_lossy(&buf);
    text.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_socket_server_keeps_serving_after_bad_requests() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, app()).await });

    let big = vec![b'a'; 11 * 1024 * 1024];
    let bad: Vec<(&str, Vec<u8>, Option<u16>)> = vec![
        ("POST /v1/analyze HTTP/1.1", b"{oops".to_vec(), Some(400)),
        (
            "POST /v1/analyze HTTP/1.1",
            b"{\"text\": []}".to_vec(),
            Some(422),
        ),
        (
            "POST /v1/analyze/batch HTTP/1.1",
            b"[{\"text\": 1}]".to_vec(),
            Some(422),
        ),
        ("GET /nope HTTP/1.1", Vec::new(), Some(404)),
        ("PUT /v1/analyze HTTP/1.1", Vec::new(), Some(405)),
        // The server may answer 413 or close before reading it all.
        ("POST /v1/analyze HTTP/1.1", big, None),
    ];
    for (head, body, expected) in bad {
        let got = raw_request(addr, head, &body).await;
        match expected {
            Some(code) => assert_eq!(got, Some(code), "{head}"),
            None => assert!(matches!(got, Some(413) | None), "{head}: {got:?}"),
        }
        assert_eq!(
            raw_request(addr, "GET /healthz HTTP/1.1", b"").await,
            Some(200),
            "after {head}"
        );
    }
    let ok = json!({"text": harbour()}).to_string();
    assert_eq!(
        raw_request(addr, "POST /v1/analyze HTTP/1.1", ok.as_bytes()).await,
        Some(200)
    );
    server.abort();
}

#[tokio::test]
async fn bodies_that_are_neither_json_nor_json_lines_get_415() {
    let app = app();
    let body = json!({"text": "Some text"}).to_string();
    for uri in ["/v1/analyze", "/v1/report", "/v1/analyze/batch"] {
        for ct in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
        ] {
            let res = call(&app, post(uri, Some(ct), body.clone())).await;
            let msg = assert_error(&res, StatusCode::UNSUPPORTED_MEDIA_TYPE);
            assert!(msg.contains("application/json"), "{uri} {ct}: {msg}");
        }
        // JSON with parameters, a +json type, or no type at all are fine.
        for ct in [
            Some("application/json; charset=utf-8"),
            Some("Application/JSON"),
            Some("application/vnd.example+json"),
            None,
        ] {
            let batch = if uri.ends_with("batch") {
                format!("[{body}]")
            } else {
                body.clone()
            };
            let (status, _, _) = call(&app, post(uri, ct, batch)).await;
            assert_eq!(status, StatusCode::OK, "{uri} {ct:?}");
        }
    }
    // JSON Lines only for the batch.
    let res = call(
        &app,
        post("/v1/analyze", Some("application/x-ndjson"), body.clone()),
    )
    .await;
    assert_error(&res, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let (status, _, _) = call(
        &app,
        post("/v1/analyze/batch", Some("application/x-ndjson"), body),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}
