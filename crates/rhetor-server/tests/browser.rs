//! The web page in a real browser: headless Chromium, driven through
//! chromedriver, pastes examples/harbour.txt, submits, and must see
//! highlighted spans and the genre. Saves a screenshot to
//! `target/browser-screenshot.png`.
//!
//! Skips with a message when chromium or chromedriver is missing, except
//! under `CI=true`, where that is a failure (`.ci/run` installs both).

mod common;

use fantoccini::{ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use rhetor_server::{router, AppState};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The first executable called one of `names` on `PATH`.
fn find_tool(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    names.iter().find_map(|name| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

/// Kills chromedriver (and with it the browser) however the test ends.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

async fn wait_for_port(port: u16, limit: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pasting_an_article_shows_highlights_and_genre() {
    let chromium = find_tool(&["chromium", "chromium-browser", "google-chrome"]);
    let driver = find_tool(&["chromedriver"]);
    let (chromium, driver) = match (chromium, driver) {
        (Some(c), Some(d)) => (c, d),
        _ => {
            rhetor_testkit::missing(
                "chromium and chromedriver (apt-get install chromium chromium-driver)",
            );
            return;
        }
    };

    // The server, in-process on an ephemeral loopback port.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    // The real shipped fast model: what a user of `rhetor serve` gets.
    let model = rhetor_model::shipped().expect("shipped fast model");
    let app = router(AppState::new(std::sync::Arc::new(model)));
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let port = free_port();
    let _driver = KillOnDrop(
        Command::new(&driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver"),
    );
    assert!(
        wait_for_port(port, Duration::from_secs(30)).await,
        "chromedriver did not listen on port {port}"
    );

    // A fresh profile, no network beyond loopback, nothing phoning home.
    let profile = tempfile::tempdir().unwrap();
    let caps = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": chromium,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,2000",
                format!("--user-data-dir={}", profile.path().display()),
            ]
        }
    });
    let caps = match caps {
        serde_json::Value::Object(m) => m,
        _ => unreachable!("a JSON object literal"),
    };
    let client = ClientBuilder::new(HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("WebDriver session");

    let result = drive(&client, &format!("http://{addr}/")).await;
    let _ = client.close().await;
    server.abort();
    let shot = result.unwrap_or_else(|e| panic!("browser test failed: {e}"));
    println!("screenshot: {}", shot.display());
}

/// The user's steps; returns the screenshot path.
async fn drive(client: &fantoccini::Client, url: &str) -> Result<PathBuf, String> {
    let err = |what: &str| {
        let what = what.to_string();
        move |e: fantoccini::error::CmdError| format!("{what}: {e}")
    };
    client.goto(url).await.map_err(err("open page"))?;
    let text = common::harbour();
    client
        .find(Locator::Css("#rh-text"))
        .await
        .map_err(err("find textarea"))?
        .send_keys(&text)
        .await
        .map_err(err("type article"))?;
    client
        .find(Locator::Css("#rh-submit"))
        .await
        .map_err(err("find submit"))?
        .click()
        .await
        .map_err(err("submit"))?;
    client
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css("#rh-report mark[data-technique]"))
        .await
        .map_err(err("wait for highlights"))?;

    let marks = client
        .find_all(Locator::Css("#rh-report mark[data-technique]"))
        .await
        .map_err(err("find marks"))?;
    let mut techniques = Vec::new();
    for m in &marks {
        if let Ok(Some(t)) = m.attr("data-technique").await {
            techniques.push(t);
        }
    }
    // The example's scare quotes ("partners", "help") are what the fast
    // model marks most surely.
    if !techniques.iter().any(|t| t == "Loaded_Language") || techniques.len() < 2 {
        return Err(format!(
            "expected several marks, Loaded_Language among them, got {techniques:?}"
        ));
    }
    let genre = client
        .find(Locator::Css("#rh-report .rh-genre-label"))
        .await
        .map_err(err("find genre"))?
        .text()
        .await
        .map_err(err("genre text"))?;
    if genre.to_lowercase() != "opinion" {
        return Err(format!("genre shown as {genre:?}"));
    }
    // The pasted text arrived intact (typed into the page, not injected).
    let body = client
        .find(Locator::Css("#rh-report .rh-text"))
        .await
        .map_err(err("find text"))?
        .text()
        .await
        .map_err(err("report text"))?;
    if !body.contains("Councillor Maria Vand") {
        return Err(format!("report text missing: {body:?}"));
    }

    // Keyboard: the first highlight takes focus and names its definition.
    let described = client
        .execute(
            "var m = document.querySelector('#rh-report mark.rh-start');\
             m.focus();\
             var d = document.getElementById(m.getAttribute('aria-describedby'));\
             return [document.activeElement === m, d ? d.textContent : null, m.getAttribute('data-tip')];",
            vec![],
        )
        .await
        .map_err(err("focus a highlight"))?;
    if described[0] != json!(true) || !described[1].is_string() || !described[2].is_string() {
        return Err(format!("highlight not focusable/described: {described}"));
    }

    let png = client.screenshot().await.map_err(err("screenshot"))?;
    // CARGO_TARGET_TMPDIR is <target>/tmp: keep the picture beside it.
    let path = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap_or(Path::new("."))
        .join("browser-screenshot.png");
    std::fs::write(&path, png).map_err(|e| format!("write {}: {e}", path.display()))?;
    Ok(path)
}
