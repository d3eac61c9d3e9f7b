//! One error shape for the whole API: a status and `{"error": "..."}`.

use crate::Limits;
use axum::body::Body;
use axum::extract::rejection::BytesRejection;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

/// An error answered as `{"error": message}` with `status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status answered.
    pub status: StatusCode,
    /// What went wrong, for the client.
    pub message: String,
}

impl ApiError {
    /// An error answering `status` with `message`.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
        }
    }

    /// A JSON parse error: 400 when the bytes are not JSON at all, 422 when
    /// they are JSON of the wrong shape (missing field, wrong type).
    pub fn from_json(err: &serde_json::Error, context: &str) -> Self {
        use serde_json::error::Category;
        match err.classify() {
            Category::Data => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("{context}invalid request: {err}"),
            ),
            Category::Syntax | Category::Eof | Category::Io => Self::new(
                StatusCode::BAD_REQUEST,
                format!("{context}malformed JSON: {err}"),
            ),
        }
    }

    /// Reading the body failed; over the size limit (`limit` bytes) this
    /// is 413.
    pub fn from_body(rej: BytesRejection, limit: usize) -> Self {
        let status = rej.status();
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            return Self::new(status, too_large(limit));
        }
        // A client that stopped sending its body (RequestBodyTimeoutLayer).
        let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&rej);
        while let Some(e) = cause {
            if e.is::<tower_http::timeout::TimeoutError>() {
                return Self::new(
                    StatusCode::REQUEST_TIMEOUT,
                    "the request body stopped arriving (body read timeout)",
                );
            }
            cause = e.source();
        }
        Self::new(status, rej.body_text())
    }
}

fn too_large(limit: usize) -> String {
    format!("request body too large (limit {limit} bytes)")
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(serde_json::json!({ "error": self.message })),
        )
            .into_response()
    }
}

/// Gives the framework's bodiless error responses (unknown route, wrong
/// method, time limit) a JSON error body, keeping status and headers (such
/// as `Allow` on 405). Responses that already have a content type pass
/// through untouched.
pub(crate) async fn json_errors(mut res: Response, limits: Limits) -> Response {
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error())
        || res.headers().contains_key(header::CONTENT_TYPE)
    {
        return res;
    }
    let message = match status {
        StatusCode::NOT_FOUND => "no such route (see /openapi.json)".to_string(),
        StatusCode::METHOD_NOT_ALLOWED => "method not allowed on this route".to_string(),
        StatusCode::SERVICE_UNAVAILABLE => format!(
            "request took longer than the time limit ({} s)",
            limits.timeout.as_secs_f32()
        ),
        StatusCode::PAYLOAD_TOO_LARGE => too_large(limits.body_bytes),
        s => s.canonical_reason().unwrap_or("error").to_string(),
    };
    let body = serde_json::json!({ "error": message }).to_string();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    res.headers_mut().remove(header::CONTENT_LENGTH);
    *res.body_mut() = Body::from(body);
    res
}
