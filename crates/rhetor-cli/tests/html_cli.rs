//! `rhetor analyze --format html` and `rhetor serve` end to end.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};

#[test]
fn format_html_writes_one_standalone_page_for_all_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("article1.txt");
    let b = dir.path().join("article2.txt");
    std::fs::write(
        &a,
        "First <script>alert(1)</script>\n\nBody of the first article.\n",
    )
    .unwrap();
    std::fs::write(&b, "Second\n\nBody of the second article.\n").unwrap();
    let out_path = dir.path().join("report.html");
    let out = Command::new(env!("CARGO_BIN_EXE_rhetor"))
        .args(["analyze", "--format", "html", "-o"])
        .arg(&out_path)
        .arg(dir.path())
        .output()
        .expect("rhetor runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(&out_path).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert_eq!(
        html.matches("<!DOCTYPE html>").count(),
        1,
        "one page per run"
    );
    assert_eq!(html.matches("<article class=\"rh-article\"").count(), 2);
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!html.contains("<script>alert"));
    assert!(!html.contains("<link") && !html.contains("src="));
}

/// `rhetor serve` prints its URL on stderr and answers on it; port 0 picks a
/// free port.
#[test]
fn serve_prints_its_url_and_answers() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rhetor"))
        .args(["serve", "--addr", "127.0.0.1:0"])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("rhetor serve starts");
    let stderr = child.stderr.take().unwrap();
    let mut url = None;
    for line in BufReader::new(stderr).lines().map_while(Result::ok) {
        if let Some(rest) = line.split("serving http://").nth(1) {
            url = rest.split('/').next().map(str::to_string);
            break;
        }
    }
    let addr = url.expect("a URL on stderr");
    let mut stream = std::net::TcpStream::connect(&addr).unwrap();
    write!(
        stream,
        "GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("\"status\":\"ok\""), "{response}");
}
