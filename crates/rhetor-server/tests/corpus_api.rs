//! The corpus routes over a real socket, on a real SQLite file built from
//! articles written for the test (planted labels, a republished story).

mod common;

use rhetor_server::{router, AppState};
use serde_json::Value;
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn start(dir: &std::path::Path) -> SocketAddr {
    let db = common::corpus_db(dir);
    let store = rhetor_store::SqliteStore::open_existing(&db).unwrap();
    let state = AppState::new(common::test_detector()).with_corpus(store);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router(state)).await });
    addr
}

/// GET over a fresh connection: (status, body as JSON or as a string).
async fn get(addr: SocketAddr, path: &str) -> (u16, Value) {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.unwrap();
    let text = String::from_utf8_lossy(&buf).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let status: u16 = head.split(' ').nth(1).unwrap().parse().unwrap();
    let value = serde_json::from_str(body).unwrap_or(Value::String(body.to_string()));
    (status, value)
}

#[tokio::test]
async fn stats_search_narratives_and_articles_over_a_socket() {
    let dir = tempfile::tempdir().unwrap();
    let addr = start(dir.path()).await;

    // Stats by source: the planted outlet's top label is the planted one,
    // its lift interval above 1.
    let (status, v) = get(addr, "/v1/stats?by=source&task=techniques").await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["total"], 3);
    let planted = v["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["group"]["source"] == "Le Planté")
        .unwrap();
    assert_eq!(planted["articles"], 25);
    assert_eq!(planted["labels"][0]["label"], "Appeal_to_Fear-Prejudice");
    assert!(planted["labels"][0]["lift_low"].as_f64().unwrap() > 1.0);
    // Paging: a limit of 1 returns one group and the total.
    let (_, v) = get(addr, "/v1/stats?by=source,month&limit=1&offset=2").await;
    assert_eq!(v["groups"].as_array().unwrap().len(), 1);
    assert_eq!(v["total"], 9);
    // Search with a filter, snippet marked.
    let (status, v) = get(addr, "/v1/search?q=ferry%20pier&source=Le%20Plant%C3%A9").await;
    assert_eq!(status, 200, "{v}");
    let hits = v["hits"].as_array().unwrap();
    assert!(!hits.is_empty());
    assert!(hits.iter().all(|h| h["id"] == "pier-1"));
    assert!(hits[0]["snippet"].as_str().unwrap().contains("[["));
    // Narratives: the story, three outlets, in date order.
    let (status, v) = get(addr, "/v1/narratives").await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["total"], 1);
    let ids: Vec<&str> = v["clusters"][0]["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["pier-0", "pier-1", "pier-2"]);
    // One article as JSON, and its HTML report page.
    let row = v["clusters"][0]["articles"][1]["article"].as_i64().unwrap();
    let (status, a) = get(addr, &format!("/v1/articles/{row}")).await;
    assert_eq!(status, 200);
    assert_eq!(a["id"], "pier-1");
    assert_eq!(a["source"], "Le Planté");
    assert!(a["paragraphs"].is_array());
    let (status, page) = get(addr, &format!("/articles/{row}")).await;
    assert_eq!(status, 200);
    assert!(page.as_str().unwrap().contains("Story pier-1"));
    // The article list pages with a hard cap.
    let (_, v) = get(addr, "/v1/articles?limit=100000&source=Evening%20Star").await;
    assert_eq!(v["total"], 25);
    assert_eq!(v["limit"], 200);
    // The dashboard page itself.
    let (status, page) = get(addr, "/corpus").await;
    assert_eq!(status, 200);
    assert!(page.as_str().unwrap().contains("id=\"cx-outlets\""));
}

#[tokio::test]
async fn bad_parameters_are_json_errors() {
    let dir = tempfile::tempdir().unwrap();
    let addr = start(dir.path()).await;
    for (path, status, words) in [
        ("/v1/stats?since=2024-13", 400, "malformed date"),
        ("/v1/stats?by=outlet", 422, "unknown group"),
        ("/v1/stats?task=moods", 422, "unknown task"),
        ("/v1/search?q=x&technique=Fear", 422, "unknown technique"),
        ("/v1/search?q=x&frame=Money", 422, "unknown frame"),
        ("/v1/search", 400, "missing"),
        ("/v1/search?q=%3F%21", 400, "no words"),
        ("/v1/narratives?limit=many", 400, "whole number"),
        ("/v1/articles/abc", 400, "positive whole number"),
        ("/v1/articles/99999", 404, "no article"),
    ] {
        let (got, v) = get(addr, path).await;
        assert_eq!(got, status, "{path}: {v}");
        assert!(v["error"].as_str().unwrap().contains(words), "{path}: {v}");
    }
}

#[tokio::test]
async fn without_a_database_the_corpus_routes_say_how_to_get_one() {
    let state = AppState::new(common::test_detector());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router(state)).await });
    let (status, v) = get(addr, "/v1/stats").await;
    assert_eq!(status, 404);
    assert!(v["error"].as_str().unwrap().contains("--db"), "{v}");
}

/// Every corpus route /openapi.json lists is served (never 404/405) when
/// the server has a database.
#[tokio::test]
async fn every_documented_corpus_route_is_served() {
    let dir = tempfile::tempdir().unwrap();
    let addr = start(dir.path()).await;
    let (_, doc) = get(addr, "/openapi.json").await;
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let summary = item["get"]["summary"].as_str().unwrap_or("");
        if !summary.contains("needs --db") {
            continue;
        }
        let url = path.replace("{id}", "1") + if path == "/v1/search" { "?q=ferry" } else { "" };
        let (status, v) = get(addr, &url).await;
        assert_eq!(status, 200, "{url}: {v}");
        checked += 1;
    }
    assert_eq!(checked, 7);
}
