//! Route handlers.

use crate::{ApiError, AppState};
use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use rhetor_core::cancel::{run_cancellable, CancelToken};
use rhetor_core::{Document, Task};
use rhetor_formats::articles::JsonArticle;
use rhetor_formats::html;
use serde::Deserialize;
use std::convert::Infallible;
use std::sync::atomic::Ordering;

/// One article to analyse: the body of `POST /v1/analyze` and `/v1/report`,
/// and one item of a batch. Read by the one article parser the CLI uses
/// ([`JsonArticle`]: a JSON object, `text` required, unknown fields
/// ignored).
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct ArticleRequest(JsonArticle);

impl ArticleRequest {
    /// Rejects an article with nothing to analyse (as the CLI rejects an
    /// empty file).
    fn check(&self, context: &str) -> Result<(), ApiError> {
        if rhetor_engine::is_blank_article(self.0.title.as_deref(), &self.0.text) {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("{context}text is empty"),
            ));
        }
        Ok(())
    }

    /// The document, laid out as the CLI lays out a JSON Lines record: the
    /// title (when given), an empty line, then the text.
    fn into_document(self, default_id: String) -> Document {
        let JsonArticle {
            id, title, text, ..
        } = self.0;
        rhetor_engine::document_from_fields(id.unwrap_or(default_id), title.as_deref(), &text)
    }
}

fn read_body(body: Result<Bytes, BytesRejection>, state: &AppState) -> Result<Bytes, ApiError> {
    body.map_err(|rej| ApiError::from_body(rej, state.limits.body_bytes))
}

/// The JSON Lines media types a batch accepts.
const JSON_LINES_TYPES: [&str; 3] = [
    "application/x-ndjson",
    "application/jsonl",
    "application/x-jsonlines",
];

/// The request's media type, lowercased, without parameters (`; charset=…`);
/// empty when there is no `Content-Type`.
fn media_type(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// 415 for a body declared as something other than JSON (or, where
/// `json_lines`, JSON Lines). No `Content-Type` at all is accepted: the body
/// is then sniffed, as before.
fn check_content_type(headers: &HeaderMap, json_lines: bool) -> Result<(), ApiError> {
    let t = media_type(headers);
    let json = t.is_empty() || t == "application/json" || t.ends_with("+json");
    if json || (json_lines && JSON_LINES_TYPES.contains(&t.as_str())) {
        return Ok(());
    }
    let expected = if json_lines {
        "application/json (an array) or application/x-ndjson"
    } else {
        "application/json"
    };
    Err(ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        format!("unsupported Content-Type {t:?}: send {expected}"),
    ))
}

fn parse_one(bytes: &[u8]) -> Result<ArticleRequest, ApiError> {
    let req: ArticleRequest =
        serde_json::from_slice(bytes).map_err(|e| ApiError::from_json(&e, ""))?;
    req.check("")?;
    Ok(req)
}

/// Texts from this size on are large: once their analysis ends, freed
/// memory is handed back to the system ([`release_memory`]).
const LARGE_TEXT: usize = 1 << 20;

/// Runs the shared annotation step on the blocking pool, at most one
/// analysis per core at a time. The analysis runs under a cancellation
/// token that dropping this future cancels (the request timed out, or its
/// client went away): the models stop at the next paragraph or window
/// instead of finishing work nobody will read.
async fn analyze_doc(
    state: &AppState,
    req: ArticleRequest,
    default_id: String,
) -> Result<Document, ApiError> {
    let permit = state
        .permits
        .clone()
        .acquire_owned()
        .await
        .map_err(|_| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "server shutting down"))?;
    let engine = state.engine.clone();
    let token = CancelToken::new();
    let _cancel_when_dropped = token.cancel_on_drop();
    tokio::task::spawn_blocking(move || {
        // Held until the analysis really ends, even if the request timed out
        // and its future was dropped: the permit counts CPU work in progress.
        let _permit = permit;
        let large = req.0.text.len() >= LARGE_TEXT;
        let evidence = req.0.evidence.unwrap_or_default();
        let mut doc = req.into_document(default_id);
        let result = run_cancellable(&token, || {
            engine.annotate_with(&mut doc, &Task::ALL, evidence)
        });
        // A failed (or cancelled) analysis drops the document here.
        let result = result.map(|()| doc);
        if large {
            // The analysis' intermediates are freed by now.
            release_memory();
        }
        result
    })
    .await
    .map_err(|e| {
        // The detector panicked: this request fails, the server goes on.
        tracing::error!(error = %e, "analysis failed");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "analysis failed")
    })?
    .map_err(|e| {
        tracing::error!(error = %e, "model error");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
    })
}

/// Hands memory the allocator keeps after a large analysis back to the
/// system (glibc keeps freed heap pages in its arenas; `malloc_trim`
/// returns them). Elsewhere, nothing to do.
pub fn release_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks glibc's own arenas under their locks;
    // it has no preconditions and frees nothing still in use.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// `GET /`: the web page.
pub async fn index(State(state): State<AppState>) -> Response {
    crate::corpus::with_csp(Html(state.index_page.to_string()).into_response())
}

pub fn index_page() -> String {
    // The confidence control is the report page's, from the one renderer.
    let body = INDEX_BODY.replace(
        "<div id=\"rh-confidence-slot\"></div>",
        html::CONFIDENCE_CONTROL,
    );
    html::page("rhetor", &body, INDEX_SCRIPT)
}

const INDEX_BODY: &str = include_str!("page/index.html");
const INDEX_SCRIPT: &str = include_str!("page/index.js");

/// `GET /healthz`.
pub async fn healthz(State(state): State<AppState>) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok", "model": state.engine.model_name() }))
}

/// `GET /openapi.json`: the hand-written description of these routes.
pub async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI)
}

pub const OPENAPI: &str = include_str!("openapi.json");

/// `POST /v1/analyze`: one article in, its JSON article object out.
pub async fn analyze(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    check_content_type(&headers, false)?;
    let req = parse_one(&read_body(body, &state)?)?;
    let large = req.0.text.len() >= LARGE_TEXT;
    let doc = analyze_doc(&state, req, "1".into()).await?;
    let response = Json(&doc).into_response();
    drop(doc);
    if large {
        // The document's many small allocations are freed now.
        tokio::task::spawn_blocking(release_memory);
    }
    Ok(response)
}

/// `POST /v1/report`: one article in, its HTML report fragment out (the
/// same renderer as `rhetor analyze --format html`).
pub async fn report(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Html<String>, ApiError> {
    check_content_type(&headers, false)?;
    let req = parse_one(&read_body(body, &state)?)?;
    let doc = analyze_doc(&state, req, "1".into()).await?;
    let n = state.fragments.fetch_add(1, Ordering::Relaxed);
    Ok(Html(html::article_fragment(&doc, n)))
}

/// Parses a batch body: a JSON array, or JSON Lines (by content type, or
/// when the body does not start with `[`). Every item is checked before any
/// is analysed, so a bad item is a 400/422 naming it, not a broken stream.
fn parse_batch(headers: &HeaderMap, bytes: &[u8]) -> Result<Vec<ArticleRequest>, ApiError> {
    check_content_type(headers, true)?;
    let lines_by_type = JSON_LINES_TYPES.contains(&media_type(headers).as_str());
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace()).copied();
    let items: Vec<ArticleRequest> = if !lines_by_type && first == Some(b'[') {
        parse_array(bytes)?
    } else {
        let mut items = Vec::new();
        for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let context = format!("line {}: ", i + 1);
            items
                .push(serde_json::from_slice(line).map_err(|e| ApiError::from_json(&e, &context))?);
        }
        items
    };
    for (i, item) in items.iter().enumerate() {
        item.check(&format!("item {}: ", i + 1))?;
    }
    Ok(items)
}

/// A JSON array of articles; an error names the item it is in (`item 3:
/// …`), not only a line and column of a body that may be one long line.
fn parse_array(bytes: &[u8]) -> Result<Vec<ArticleRequest>, ApiError> {
    use serde::de::{DeserializeSeed, SeqAccess, Visitor};
    use std::cell::Cell;

    /// Reads the array, keeping the number of the item being read (None
    /// once the array is closed).
    struct Items<'a>(&'a Cell<Option<usize>>);
    impl<'de> DeserializeSeed<'de> for Items<'_> {
        type Value = Vec<ArticleRequest>;
        fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_seq(self)
        }
    }
    impl<'de> Visitor<'de> for Items<'_> {
        type Value = Vec<ArticleRequest>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an array of article objects")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut items = Vec::new();
            self.0.set(Some(1));
            while let Some(item) = seq.next_element()? {
                items.push(item);
                self.0.set(Some(items.len() + 1));
            }
            self.0.set(None);
            Ok(items)
        }
    }

    let item = Cell::new(None);
    let mut de = serde_json::Deserializer::from_slice(bytes);
    Items(&item)
        .deserialize(&mut de)
        .and_then(|items| de.end().map(|()| items))
        .map_err(|e| {
            // Outside the array (bytes after `]`), the error is the body's.
            let context = item.get().map_or(String::new(), |n| format!("item {n}: "));
            ApiError::from_json(&e, &context)
        })
}

/// `POST /v1/analyze/batch`: many articles in, one JSON Lines record per
/// article streamed back in input order as each is analysed.
pub async fn analyze_batch(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let items = parse_batch(&headers, &read_body(body, &state)?)?;
    // A small buffer: analysis waits for a slow reader instead of piling up
    // results in memory.
    let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(4);
    tokio::spawn(async move {
        for (i, item) in items.into_iter().enumerate() {
            let line = match analyze_doc(&state, item, (i + 1).to_string()).await {
                Ok(doc) => serde_json::to_vec(&doc),
                Err(e) => serde_json::to_vec(&serde_json::json!({
                    "error": e.message, "item": i + 1
                })),
            };
            let mut line = match line {
                Ok(l) => l,
                Err(e) => serde_json::json!({ "error": e.to_string(), "item": i + 1 })
                    .to_string()
                    .into_bytes(),
            };
            line.push(b'\n');
            if tx.send(Bytes::from(line)).await.is_err() {
                break; // the client went away: stop analysing
            }
        }
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|b| (Ok::<_, Infallible>(b), rx))
    });
    Ok((
        [(header::CONTENT_TYPE, "application/x-ndjson")],
        Body::from_stream(stream),
    )
        .into_response())
}
