//! `--evidence`: the span decision a reader asks for, in the CLI and the
//! HTML report (issue 15).

use std::process::Command;

const HARBOUR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/harbour.txt");

fn analyze(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_rhetor"))
        .args(["analyze", "--model", "fast"])
        .args(args)
        .output()
        .unwrap()
}

/// Highlighted code points of the example article at one level.
fn highlighted(level: &str) -> usize {
    let out = analyze(&["--evidence", level, HARBOUR]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let spans = v[0]["spans"].as_array().unwrap();
    // Listed in offset order.
    let starts: Vec<u64> = spans.iter().map(|s| s["start"].as_u64().unwrap()).collect();
    assert!(starts.windows(2).all(|w| w[0] <= w[1]), "{starts:?}");
    spans
        .iter()
        .map(|s| (s["end"].as_u64().unwrap() - s["start"].as_u64().unwrap()) as usize)
        .sum()
}

#[test]
fn the_levels_highlight_more_from_precise_to_recall() {
    let (p, b, r) = (
        highlighted("precise"),
        highlighted("balanced"),
        highlighted("recall"),
    );
    assert!(p <= b && b < r, "{p} / {b} / {r}");
    // balanced is the default.
    let out = analyze(&[HARBOUR]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let default: usize = v[0]["spans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["end"].as_u64().unwrap() - s["start"].as_u64().unwrap()) as usize)
        .sum();
    assert_eq!(default, b);
}

#[test]
fn an_unknown_level_is_a_usage_error_naming_the_levels() {
    let out = analyze(&["--evidence", "exact", HARBOUR]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("precise") && stderr.contains("recall"),
        "{stderr}"
    );
}

#[test]
fn the_html_report_has_the_confidence_control_and_scores() {
    let out = analyze(&["--format", "html", HARBOUR]);
    assert!(out.status.success());
    let html = String::from_utf8(out.stdout).unwrap();
    assert!(html.contains("id=\"rh-confidence\" type=\"range\""));
    assert!(html.contains("class=\"rh-chip\"") && html.contains("data-score=\""));
}
