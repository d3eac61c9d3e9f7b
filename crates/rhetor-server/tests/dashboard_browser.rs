//! The corpus dashboard in a real browser (headless Chromium through
//! chromedriver), on a real SQLite corpus written for the test: pick an
//! outlet with the keyboard, see its profile and trend chart, search, open
//! an article's report; then the same page at phone width. Screenshots go
//! to `target/dashboard-desktop.png` and `target/dashboard-phone.png`.
//!
//! Skips with a message when chromium or chromedriver is missing, except
//! under `CI=true`, where that is a failure (`.ci/run` installs both).

mod common;

use common::browser::{artefact, Browser};
use fantoccini::key::Key;
use fantoccini::Locator;
use rhetor_server::{router, AppState};
use serde_json::json;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_outlet_profile_trend_search_and_report() {
    let Some(browser) = Browser::start("1280,2400").await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = common::corpus_db(dir.path());
    let store = rhetor_store::SqliteStore::open_existing(&db).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = router(AppState::new(common::test_detector()).with_corpus(store));
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let result = drive(&browser.client, &format!("http://{addr}")).await;
    browser.close().await;
    server.abort();
    if let Err(e) = result {
        panic!("dashboard browser test failed: {e}");
    }
}

async fn drive(client: &fantoccini::Client, base: &str) -> Result<(), String> {
    let err = |what: &str| {
        let what = what.to_string();
        move |e: fantoccini::error::CmdError| format!("{what}: {e}")
    };
    client
        .goto(&format!("{base}/corpus"))
        .await
        .map_err(err("open dashboard"))?;
    client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("body[data-ready='1']"))
        .await
        .map_err(err("dashboard loads"))?;
    // Outlets table: three outlets, the planted one's top lift is fear.
    let rows = client
        .find_all(Locator::Css("#cx-outlets tbody tr"))
        .await
        .map_err(err("outlet rows"))?;
    if rows.len() != 3 {
        return Err(format!("{} outlet rows", rows.len()));
    }
    let planted_row = client
        .find(Locator::Css("#cx-outlets tr[data-source='Le Planté']"))
        .await
        .map_err(err("planted outlet row"))?
        .text()
        .await
        .map_err(err("row text"))?;
    if !planted_row.contains("Appeal_to_Fear-Prejudice") {
        return Err(format!("planted outlet row: {planted_row:?}"));
    }

    // Keyboard: Tab from the task selector reaches the outlet buttons;
    // Enter on the focused "Le Planté" button picks it.
    let picked = client
        .execute(
            "var b = document.querySelector(\"#cx-outlets tr[data-source='Le Planté'] button\"); b.focus(); return document.activeElement === b;",
            vec![],
        )
        .await
        .map_err(err("focus outlet"))?;
    if picked != json!(true) {
        return Err("the outlet button cannot take focus".into());
    }
    client
        .active_element()
        .await
        .map_err(err("active element"))?
        .send_keys(&Key::Enter.to_string())
        .await
        .map_err(err("press Enter"))?;
    client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("#cx-profile svg"))
        .await
        .map_err(err("profile chart"))?;
    let note = client
        .find(Locator::Css("#cx-profile-note"))
        .await
        .map_err(err("profile note"))?
        .text()
        .await
        .map_err(err("note text"))?;
    if !note.starts_with("Le Planté: 25 articles") {
        return Err(format!("profile note: {note:?}"));
    }
    // The trend chart: two lines (corpus and outlet), labelled axes, legend.
    client
        .find(Locator::Css("#cx-trend-label"))
        .await
        .map_err(err("trend label"))?
        .select_by_value("technique:Appeal_to_Fear-Prejudice")
        .await
        .map_err(err("choose a technique"))?;
    let chart = client
        .execute(
            "var s = document.querySelector('#cx-trend svg'); if (!s) return null;\
             var texts = Array.prototype.map.call(s.querySelectorAll('text'), function (t) { return t.textContent; });\
             return [s.querySelectorAll('path').length, texts];",
            vec![],
        )
        .await
        .map_err(err("read chart"))?;
    let texts = chart[1].as_array().cloned().unwrap_or_default();
    let has = |s: &str| texts.iter().any(|t| t == s);
    if chart[0] != json!(2)
        || !has("month")
        || !has("share of paragraphs")
        || !has("whole corpus")
        || !has("Le Planté")
        || !has("2024-03")
    {
        return Err(format!("trend chart: {chart}"));
    }
    let png = client.screenshot().await.map_err(err("screenshot"))?;
    std::fs::write(artefact("dashboard-desktop.png"), png).map_err(|e| e.to_string())?;

    // Search with a filter, then open the hit's report.
    client
        .find(Locator::Css("#cx-q"))
        .await
        .map_err(err("search box"))?
        .send_keys("ferry pier")
        .await
        .map_err(err("type query"))?;
    client
        .find(Locator::Css("#cx-source"))
        .await
        .map_err(err("source filter"))?
        .select_by_value("Le Planté")
        .await
        .map_err(err("choose source"))?;
    client
        .find(Locator::Css("#cx-go"))
        .await
        .map_err(err("search button"))?
        .click()
        .await
        .map_err(err("search"))?;
    client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("#cx-articles li mark"))
        .await
        .map_err(err("search hits"))?;
    let link = client
        .find(Locator::Css("#cx-articles li a"))
        .await
        .map_err(err("hit link"))?;
    let title = link.text().await.map_err(err("hit title"))?;
    if title != "Story pier-1" {
        return Err(format!("first hit: {title:?}"));
    }
    // Narratives as a timeline: three articles, first seen first.
    let timeline = client
        .find_all(Locator::Css("#cx-narratives .cx-timeline li"))
        .await
        .map_err(err("timeline"))?;
    if timeline.len() != 3 {
        return Err(format!("{} timeline entries", timeline.len()));
    }
    link.click().await.map_err(err("open report"))?;
    client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(".rh-article"))
        .await
        .map_err(err("report page"))?;
    let url = client.current_url().await.map_err(err("url"))?;
    if !url.path().starts_with("/articles/") {
        return Err(format!("report url {url}"));
    }

    // Phone width: nothing wider than the screen.
    client
        .set_window_size(390, 844)
        .await
        .map_err(err("phone size"))?;
    client
        .goto(&format!("{base}/corpus"))
        .await
        .map_err(err("reopen"))?;
    client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("body[data-ready='1']"))
        .await
        .map_err(err("dashboard loads on a phone"))?;
    let widths = client
        .execute(
            "var wide = Array.prototype.filter.call(document.querySelectorAll('body *'), function (e) {\
               var r = e.getBoundingClientRect(); return r.right > document.documentElement.clientWidth + 1 && !e.closest('.cx-scroll');\
             }).map(function (e) { return e.tagName + '#' + e.id + '.' + e.className; }).slice(0, 8);\
             return [Math.max(document.documentElement.scrollWidth, document.body.scrollWidth), document.documentElement.clientWidth, wide];",
            vec![],
        )
        .await
        .map_err(err("measure"))?;
    let (scroll, inner) = (
        widths[0].as_f64().unwrap_or(0.0),
        widths[1].as_f64().unwrap_or(1.0),
    );
    if scroll > inner + 1.0 || widths[2].as_array().is_none_or(|w| !w.is_empty()) {
        return Err(format!(
            "page {scroll}px wide on a {inner}px screen: {}",
            widths[2]
        ));
    }
    let png = client.screenshot().await.map_err(err("phone screenshot"))?;
    std::fs::write(artefact("dashboard-phone.png"), png).map_err(|e| e.to_string())?;
    Ok(())
}
