//! Every route and every error code of the HTTP API, driven in-process with
//! `oneshot`, plus a real-socket run showing the server keeps serving after
//! bad requests.

mod common;

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, Request, StatusCode};
use axum::Router;
use common::{harbour, test_detector, FailingDetector, PanickyDetector, SlowDetector};
use rhetor_server::{router, AppState, Limits, MAX_BODY_BYTES};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use tower::ServiceExt;

fn app() -> Router {
    router(AppState::new(test_detector()))
}

async fn call(app: &Router, req: Request<Body>) -> (StatusCode, HeaderMap, Bytes) {
    let res = app.clone().oneshot(req).await.expect("infallible service");
    let status = res.status();
    let headers = res.headers().clone();
    let body = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .expect("body");
    (status, headers, body)
}

fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).unwrap()
}

fn post(uri: &str, content_type: Option<&str>, body: impl Into<Body>) -> Request<Body> {
    let mut b = Request::post(uri);
    if let Some(ct) = content_type {
        b = b.header(header::CONTENT_TYPE, ct);
    }
    b.body(body.into()).unwrap()
}

fn post_json(uri: &str, v: &Value) -> Request<Body> {
    post(uri, Some("application/json"), v.to_string())
}

fn json_of(body: &[u8]) -> Value {
    serde_json::from_slice(body)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(body)))
}

/// Asserts an error response: the status and a JSON `{"error": "..."}` body.
fn assert_error(res: &(StatusCode, HeaderMap, Bytes), status: StatusCode) -> String {
    assert_eq!(res.0, status, "body: {}", String::from_utf8_lossy(&res.2));
    assert_eq!(res.1[header::CONTENT_TYPE], "application/json");
    let v = json_of(&res.2);
    let msg = v["error"].as_str().expect("error string").to_string();
    assert!(!msg.is_empty());
    msg
}

#[tokio::test]
async fn healthz_reports_the_model() {
    let (status, _, body) = call(&app(), get("/healthz")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json_of(&body), json!({"status": "ok", "model": "test"}));
}

#[tokio::test]
async fn index_is_a_self_contained_page_with_a_form() {
    let (status, headers, body) = call(&app(), get("/")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(headers.contains_key(header::CONTENT_SECURITY_POLICY));
    let page = String::from_utf8(body.to_vec()).unwrap();
    assert!(page.contains("<textarea id=\"rh-text\""));
    assert!(page.contains("type=\"file\""));
    assert!(page.contains("/v1/report"));
    // Nothing to fetch from elsewhere: no CDN, no external script or style.
    assert!(!page.contains("http://") && !page.contains("https://"));
    assert!(!page.contains("<link") && !page.contains("src="));
}

#[tokio::test]
async fn labels_list_every_inventory_with_definitions() {
    let (status, _, body) = call(&app(), get("/v1/labels")).await;
    assert_eq!(status, StatusCode::OK);
    let v = json_of(&body);
    assert_eq!(v["genres"].as_array().unwrap().len(), 3);
    assert_eq!(v["frames"].as_array().unwrap().len(), 14);
    assert_eq!(v["categories"].as_array().unwrap().len(), 6);
    let techniques = v["techniques"].as_array().unwrap();
    assert_eq!(techniques.len(), 23);
    for t in techniques {
        assert!(!t["definition"].as_str().unwrap().is_empty());
        assert!(!t["category"].as_str().unwrap().is_empty());
    }
    let ll = techniques
        .iter()
        .find(|t| t["label"] == "Loaded_Language")
        .unwrap();
    assert_eq!(ll["category"], "Manipulative_Wording");
}

/// The OpenAPI document is OpenAPI 3, lists every route with its methods,
/// and every operation it lists is really served.
#[tokio::test]
async fn openapi_documents_every_route() {
    let app = app();
    let (status, headers, body) = call(&app, get("/openapi.json")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "application/json");
    let doc = json_of(&body);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert!(doc["info"]["title"].is_string() && doc["info"]["version"].is_string());
    let expected: &[(&str, &[&str])] = &[
        ("/", &["get"]),
        ("/healthz", &["get"]),
        ("/openapi.json", &["get"]),
        ("/v1/labels", &["get"]),
        ("/v1/analyze", &["post"]),
        ("/v1/analyze/batch", &["post"]),
        ("/v1/report", &["post"]),
    ];
    // The corpus routes (served with --db; tested in corpus_api.rs).
    let corpus: &[(&str, &[&str])] = &[
        ("/v1/stats", &["get"]),
        ("/v1/search", &["get"]),
        ("/v1/narratives", &["get"]),
        ("/v1/articles", &["get"]),
        ("/v1/articles/{id}", &["get"]),
        ("/articles/{id}", &["get"]),
        ("/corpus", &["get"]),
    ];
    let paths = doc["paths"].as_object().unwrap();
    assert_eq!(paths.len(), expected.len() + corpus.len());
    for (path, methods) in corpus {
        let item = paths.get(*path).unwrap_or_else(|| panic!("{path} missing"));
        let listed: Vec<&str> = item
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(&listed, methods, "{path}");
    }
    for (path, methods) in expected {
        let item = paths
            .get(*path)
            .unwrap_or_else(|| panic!("{path} missing"))
            .as_object()
            .unwrap();
        let listed: Vec<&str> = item.keys().map(String::as_str).collect();
        assert_eq!(&listed, methods, "{path}");
        for m in *methods {
            assert!(item[*m]["responses"]["200"].is_object(), "{m} {path}");
            // Served: a documented operation never answers 404/405.
            let req = Request::builder()
                .method(m.to_uppercase().as_str())
                .uri(*path)
                .body(Body::from("{}"))
                .unwrap();
            let (status, _, _) = call(&app, req).await;
            assert!(
                status != StatusCode::NOT_FOUND && status != StatusCode::METHOD_NOT_ALLOWED,
                "{m} {path}: {status}"
            );
        }
    }
    // Every $ref points at a defined component.
    let text = body.to_vec();
    let text = String::from_utf8(text).unwrap();
    for part in text.split("\"$ref\": \"#/components/").skip(1) {
        let target = &part[..part.find('"').unwrap()];
        let (kind, name) = target.split_once('/').unwrap();
        assert!(doc["components"][kind][name].is_object(), "{target}");
    }
}

#[tokio::test]
async fn analyze_returns_the_json_article_object() {
    let req = json!({"text": harbour(), "id": "harbour"});
    let (status, headers, body) = call(&app(), post_json("/v1/analyze", &req)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "application/json");
    let v = json_of(&body);
    assert_eq!(v["id"], "harbour");
    assert_eq!(v["language"], "en");
    assert_eq!(v["model"], "test");
    assert_eq!(v["genre"]["label"], "opinion");
    assert_eq!(v["frames"][0]["label"], "Political");
    assert!(v["title"].as_str().unwrap().starts_with("The \"Help\""));
    let spans = v["spans"].as_array().unwrap();
    assert!(spans.iter().any(|s| s["text"] == "help"));
    assert!(spans.iter().any(|s| s["technique"] == "Doubt"));
    let p = &v["paragraphs"][1];
    assert_eq!(p["line"], 3);
    assert_eq!(p["techniques"][0]["label"], "Loaded_Language");
    // No raw text field: the same object as `rhetor analyze --format json`.
    assert!(v.get("text").is_none());
}

#[tokio::test]
async fn analyze_accepts_a_title_and_defaults_the_id() {
    let req =
        json!({"title": "Le titre", "text": "Le ministre a promis un «cadeau» aux pêcheurs."});
    let (status, _, body) = call(&app(), post("/v1/analyze", None, req.to_string())).await;
    assert_eq!(status, StatusCode::OK);
    let v = json_of(&body);
    assert_eq!(v["id"], "1");
    assert_eq!(v["title"], "Le titre");
    assert_eq!(v["language"], "fr");
    assert_eq!(v["paragraphs"][1]["line"], 3);
    // Offsets are code points of "Le titre\n\n" + text: "«" counts once.
    let span = &v["spans"][0];
    assert_eq!(span["text"], "cadeau");
    assert_eq!(span["start"], 10 + 25);
}

/// `<script>` in an article is data: JSON returns it verbatim, the HTML
/// report shows it as text.
#[tokio::test]
async fn script_tags_are_data_in_json_and_escaped_in_html() {
    let text =
        "Title <script>alert(1)</script>\n\nThe \"evil\" <script>document.title='x'</script> plan.";
    let app = app();
    let (status, _, body) = call(&app, post_json("/v1/analyze", &json!({"text": text}))).await;
    assert_eq!(status, StatusCode::OK);
    let v = json_of(&body);
    assert_eq!(v["title"], "Title <script>alert(1)</script>");
    assert_eq!(
        v["paragraphs"][1]["text"],
        "The \"evil\" <script>document.title='x'</script> plan."
    );

    let (status, headers, body) = call(&app, post_json("/v1/report", &json!({"text": text}))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = String::from_utf8(body.to_vec()).unwrap();
    assert!(!html.contains("<script"), "{html}");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("&lt;script&gt;document.title=&#39;x&#39;&lt;/script&gt;"));
}

#[tokio::test]
async fn report_is_the_html_fragment_with_marks() {
    let app = app();
    let req = json!({"text": harbour()});
    let (status, _, body) = call(&app, post_json("/v1/report", &req)).await;
    assert_eq!(status, StatusCode::OK);
    let html = String::from_utf8(body.to_vec()).unwrap();
    assert!(html.starts_with("<article class=\"rh-article\""));
    assert!(html.contains("<mark class=\"rh-span rh-start\" data-technique=\"Loaded_Language\""));
    assert!(html.contains("data-technique=\"Doubt\""));
    assert!(html.contains("data-genre=\"opinion\""));
    // Two reports on one page get distinct element ids.
    let (_, _, second) = call(&app, post_json("/v1/report", &req)).await;
    let id = |h: &str| h[..h.find('>').unwrap()].to_string();
    assert_ne!(id(&html), id(std::str::from_utf8(&second).unwrap()));
}

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
async fn batch_accepts_a_json_array_and_streams_json_lines() {
    let items = json!([
        {"text": "Title one\n\nThe \"first\" article."},
        {"text": "Title two\n\nThe second article?", "id": "b"},
        {"text": "Body", "title": "Third"}
    ]);
    let (status, headers, body) = call(&app(), post_json("/v1/analyze/batch", &items)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "application/x-ndjson");
    let text = String::from_utf8(body.to_vec()).unwrap();
    let lines: Vec<Value> = text.lines().map(|l| json_of(l.as_bytes())).collect();
    assert_eq!(lines.len(), 3);
    let ids: Vec<&str> = lines.iter().map(|v| v["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        ["1", "b", "3"],
        "input order, default ids are positions"
    );
    assert_eq!(lines[0]["spans"][0]["text"], "first");
    assert_eq!(lines[1]["spans"][0]["technique"], "Doubt");
    assert_eq!(lines[2]["title"], "Third");
}

#[tokio::test]
async fn batch_accepts_json_lines_by_content_type_or_sniffing() {
    let app = app();
    let body =
        "{\"text\": \"One\\n\\nFirst.\"}\n\n{\"text\": \"Two\\n\\nSecond.\", \"id\": \"x\"}\n";
    // text/plain is refused (415); JSON Lines under a JSON type is sniffed.
    for ct in [
        Some("application/x-ndjson"),
        Some("application/jsonl; charset=utf-8"),
        None,
        Some("application/json"),
    ] {
        let (status, _, out) = call(&app, post("/v1/analyze/batch", ct, body)).await;
        assert_eq!(status, StatusCode::OK, "{ct:?}");
        let out = String::from_utf8(out.to_vec()).unwrap();
        let ids: Vec<String> = out
            .lines()
            .map(|l| json_of(l.as_bytes())["id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(ids, ["1", "x"], "{ct:?}");
    }
    // An empty batch is an empty stream.
    let (status, _, out) = call(&app, post("/v1/analyze/batch", None, "[]")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(out.is_empty());
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

/// Says which evidence level it was asked for, as its model name.
struct EvidenceEcho;

impl rhetor_core::Detector for EvidenceEcho {
    fn name(&self) -> &str {
        "echo"
    }

    fn annotate(
        &self,
        doc: &mut rhetor_core::Document,
        tasks: &[rhetor_core::Task],
    ) -> Result<(), rhetor_core::DetectError> {
        self.annotate_with(doc, tasks, rhetor_core::Evidence::default())
    }

    fn annotate_with(
        &self,
        doc: &mut rhetor_core::Document,
        _tasks: &[rhetor_core::Task],
        evidence: rhetor_core::Evidence,
    ) -> Result<(), rhetor_core::DetectError> {
        doc.model = Some(evidence.to_string());
        Ok(())
    }
}

#[tokio::test]
async fn the_evidence_field_chooses_the_span_decision() {
    let app = router(AppState::new(Arc::new(EvidenceEcho)));
    for (req, expected) in [
        (json!({"text": "Un texte."}), "balanced"),
        (
            json!({"text": "Un texte.", "evidence": "precise"}),
            "precise",
        ),
        (json!({"text": "Un texte.", "evidence": "recall"}), "recall"),
    ] {
        let (status, _, body) = call(&app, post_json("/v1/analyze", &req)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(json_of(&body)["model"], expected, "{req}");
    }
    // Each item of a batch has its own.
    let items = json!([{"text": "a", "evidence": "recall"}, {"text": "b"}]);
    let (_, _, body) = call(&app, post_json("/v1/analyze/batch", &items)).await;
    let text = String::from_utf8(body.to_vec()).unwrap();
    let models: Vec<Value> = text
        .lines()
        .map(|l| json_of(l.as_bytes())["model"].clone())
        .collect();
    assert_eq!(models, [json!("recall"), json!("balanced")]);
    // An unknown level is the client's error, naming the levels.
    let res = call(
        &app,
        post_json("/v1/analyze", &json!({"text": "x", "evidence": "exact"})),
    )
    .await;
    let message = assert_error(&res, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(message.contains("precise"), "{message}");
}
