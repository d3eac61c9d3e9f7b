//! Every route of the HTTP API answering well-formed requests, driven
//! in-process with `oneshot`; the error codes are in `api_errors.rs`.

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::harbour;
use common::http::{app, assert_error, call, get, json_of, post, post_json};
use rhetor_server::{router, AppState};
use serde_json::{json, Value};
use std::sync::Arc;

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
