//! Headless Chromium driven through chromedriver, for the browser tests:
//! both found on `PATH` (or reported missing through `rhetor-testkit`, a
//! failure under `CI=true`), chromedriver on a free loopback port, a fresh
//! browser profile, and both killed however the test ends.

use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A WebDriver session; dropping it kills chromedriver and its browser.
pub struct Browser {
    pub client: Client,
    _driver: KillOnDrop,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts a browser with a `WIDTH,HEIGHT` window, or returns `None`
    /// after reporting chromium or chromedriver missing.
    pub async fn start(window_size: &str) -> Option<Browser> {
        let chromium = find_tool(&["chromium", "chromium-browser", "google-chrome"]);
        let driver = find_tool(&["chromedriver"]);
        let (Some(chromium), Some(driver)) = (chromium, driver) else {
            rhetor_testkit::missing(
                "chromium and chromedriver (apt-get install chromium chromium-driver)",
            );
            return None;
        };
        let port = free_port();
        let driver = KillOnDrop(
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
                    "--disable-dev-shm-usage", format!("--window-size={window_size}"),
                    format!("--user-data-dir={}", profile.path().display()),
                ]
            }
        });
        let serde_json::Value::Object(caps) = caps else {
            unreachable!("a JSON object literal")
        };
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("WebDriver session");
        Some(Browser {
            client,
            _driver: driver,
            _profile: profile,
        })
    }
}

impl Browser {
    /// Ends the WebDriver session, then stops chromedriver.
    pub async fn close(self) {
        let _ = self.client.close().await;
    }
}

/// Where a test's screenshot goes: `target/NAME`.
pub fn artefact(name: &str) -> PathBuf {
    // CARGO_TARGET_TMPDIR is <target>/tmp: keep the pictures beside it.
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap_or(Path::new("."))
        .join(name)
}

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
