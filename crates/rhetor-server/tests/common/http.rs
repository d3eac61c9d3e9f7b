//! Calling the router in-process (`oneshot`) and reading its answers: what
//! the API tests share.

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, Request, StatusCode};
use axum::Router;
use rhetor_server::{router, AppState};
use serde_json::Value;
use tower::ServiceExt;

/// The router over the test detector, with the default limits.
pub fn app() -> Router {
    router(AppState::new(super::test_detector()))
}

/// Sends one request; the status, headers and whole body of the answer.
pub async fn call(app: &Router, req: Request<Body>) -> (StatusCode, HeaderMap, Bytes) {
    let res = app.clone().oneshot(req).await.expect("infallible service");
    let status = res.status();
    let headers = res.headers().clone();
    let body = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .expect("body");
    (status, headers, body)
}

/// A GET request.
pub fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).unwrap()
}

/// A POST request with this body and (when given) `Content-Type`.
pub fn post(uri: &str, content_type: Option<&str>, body: impl Into<Body>) -> Request<Body> {
    let mut b = Request::post(uri);
    if let Some(ct) = content_type {
        b = b.header(header::CONTENT_TYPE, ct);
    }
    b.body(body.into()).unwrap()
}

/// A POST of a JSON value.
pub fn post_json(uri: &str, v: &Value) -> Request<Body> {
    post(uri, Some("application/json"), v.to_string())
}

/// A body as JSON, or a panic showing the body.
pub fn json_of(body: &[u8]) -> Value {
    serde_json::from_slice(body)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(body)))
}

/// Asserts an error response: the status and a JSON `{"error": "..."}` body.
pub fn assert_error(res: &(StatusCode, HeaderMap, Bytes), status: StatusCode) -> String {
    assert_eq!(res.0, status, "body: {}", String::from_utf8_lossy(&res.2));
    assert_eq!(res.1[header::CONTENT_TYPE], "application/json");
    let v = json_of(&res.2);
    let msg = v["error"].as_str().expect("error string").to_string();
    assert!(!msg.is_empty());
    msg
}
