//! The web page in a real browser: headless Chromium, driven through
//! chromedriver, pastes examples/harbour.txt, submits, and must see
//! highlighted spans and the genre. Saves a screenshot to
//! `target/browser-screenshot.png`.
//!
//! Skips with a message when chromium or chromedriver is missing, except
//! under `CI=true`, where that is a failure (`.ci/run` installs both).

mod common;

use common::browser::{artefact, Browser};
use fantoccini::Locator;
use rhetor_server::{router, AppState};
use serde_json::json;
use std::path::PathBuf;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pasting_an_article_shows_highlights_and_genre() {
    let Some(browser) = Browser::start("1280,2000").await else {
        return;
    };

    // The server, in-process on an ephemeral loopback port.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    // The real shipped fast model: what a user of `rhetor serve` gets.
    let model = rhetor_model::shipped().expect("shipped fast model");
    let app = router(AppState::new(std::sync::Arc::new(model)));
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let result = drive(&browser.client, &format!("http://{addr}/")).await;
    browser.close().await;
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

    // The confidence control: moved to the highest score's step, it hides
    // the labels and highlights under it (a chip is no longer displayed, a
    // highlight loses its colour) and keeps the others; back at 0 it shows
    // everything again.
    let hidden = client
        .execute(
            "var els = Array.from(document.querySelectorAll('#rh-report [data-score]'));\
             var max = Math.max.apply(null, els.map(function (e) { return Number(e.getAttribute('data-score')); }));\
             var v = Math.floor(max / 5) * 5;\
             var s = document.getElementById('rh-confidence');\
             s.value = String(v);\
             s.dispatchEvent(new Event('input', { bubbles: true }));\
             var low = els.filter(function (e) { return Number(e.getAttribute('data-score')) < v; });\
             var high = els.filter(function (e) { return Number(e.getAttribute('data-score')) >= v; });\
             var chipsGone = low.filter(function (e) { return e.classList.contains('rh-chip') || e.classList.contains('rh-frame'); })\
               .every(function (e) { return getComputedStyle(e).display === 'none'; });\
             var marksPlain = low.filter(function (e) { return e.tagName === 'MARK'; })\
               .every(function (e) { return getComputedStyle(e).backgroundColor === 'rgba(0, 0, 0, 0)'; });\
             var r = [v, low.length, high.length, chipsGone, marksPlain,\
               low.every(function (e) { return e.classList.contains('rh-low'); }),\
               high.every(function (e) { return !e.classList.contains('rh-low'); }),\
               document.getElementById('rh-confidence-value').textContent];\
             s.value = '0';\
             s.dispatchEvent(new Event('input', { bubbles: true }));\
             r.push(document.querySelectorAll('#rh-report .rh-low').length);\
             return r;",
            vec![],
        )
        .await
        .map_err(err("confidence control"))?;
    let ok = hidden[1].as_u64().unwrap_or(0) > 0
        && hidden[2].as_u64().unwrap_or(0) > 0
        && hidden[3] == json!(true)
        && hidden[4] == json!(true)
        && hidden[5] == json!(true)
        && hidden[6] == json!(true)
        && hidden[7].as_str() == Some(&hidden[0].to_string()[..])
        && hidden[8] == json!(0);
    if !ok {
        return Err(format!(
            "the confidence control did not hide what is under it: {hidden}"
        ));
    }
    // The evidence choice is on the page, `balanced` by default.
    let evidence = client
        .find(Locator::Css("#rh-evidence"))
        .await
        .map_err(err("find evidence choice"))?
        .prop("value")
        .await
        .map_err(err("evidence value"))?;
    if evidence.as_deref() != Some("balanced") {
        return Err(format!("evidence choice is {evidence:?}"));
    }

    let png = client.screenshot().await.map_err(err("screenshot"))?;
    let path = artefact("browser-screenshot.png");
    std::fs::write(&path, png).map_err(|e| format!("write {}: {e}", path.display()))?;
    Ok(path)
}
