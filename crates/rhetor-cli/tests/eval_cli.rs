//! `rhetor eval` end to end: report on stdout, exit 0; malformed input exits 2
//! with a message naming the file and line.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn eval(task: &str, gold: &Path, pred: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rhetor"))
        .args(["eval", "--task", task, "--gold"])
        .arg(gold)
        .arg("--pred")
        .arg(pred)
        .output()
        .expect("rhetor runs")
}

fn files(gold: &str, pred: &str) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let g = dir.path().join("gold.txt");
    let p = dir.path().join("pred.txt");
    std::fs::write(&g, gold).unwrap();
    std::fs::write(&p, pred).unwrap();
    (dir, g, p)
}

#[test]
fn frames_report_on_stdout() {
    // tp (a,Economic) (b,Morality); fp (b,Political) (c,Political); fn (a,Political)
    // micro-F1 = 2*2 / (2*2 + 2 + 1) = 4/7 = 0.5714; macro = 2/14 = 0.1429
    let (_dir, g, p) = files(
        "a\tEconomic,Political\nb\tMorality\nc\t\n",
        "a\tEconomic\nb\tMorality,Political\nc\tPolitical\n",
    );
    let out = eval("frames", &g, &p);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.starts_with("micro-F1: 0.5714\nmacro-F1: 0.1429\n\nlabel"),
        "{stdout}"
    );
    assert!(stdout.contains("\nEconomic "), "{stdout}");
    assert!(out.stderr.is_empty());
}

#[test]
fn spans_report_has_precision_and_recall() {
    // P = 5/5 = 1, R = 5/10 = .5, F1 = 2/3; macro = (2/3) / 23 = 0.0290
    let (_dir, g, p) = files("1\tDoubt\t0\t10\n", "1\tDoubt\t5\t10\n");
    let out = eval("spans", &g, &p);
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout
            .starts_with("micro-F1: 0.6667\nmacro-F1: 0.0290\nprecision: 1.0000\nrecall: 0.5000\n"),
        "{stdout}"
    );
}

#[test]
fn non_numeric_line_in_pred_exits_2_naming_file_and_line() {
    let (_dir, g, p) = files("1\t1\tDoubt\n1\t3\t\n", "1\t1\tDoubt\n1\tthree\t\n");
    let out = eval("techniques", &g, &p);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("{}:2:", p.display())) && stderr.contains("\"three\""),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn unknown_label_in_pred_exits_2_naming_file_and_line() {
    let (_dir, g, p) = files("a\tEconomic\n", "a\tEconomic\nb\tMoney\n");
    let out = eval("frames", &g, &p);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("rhetor: error: ")
            && stderr.contains(&format!("{}:2: unknown frame label \"Money\"", p.display())),
        "{stderr}"
    );
}

#[test]
fn missing_gold_file_exits_2_naming_it() {
    let (dir, _g, p) = files("", "a\topinion\n");
    let missing = dir.path().join("nope.txt");
    let out = eval("genre", &missing, &p);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("nope.txt"), "{stderr}");
}
