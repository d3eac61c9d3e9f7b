//! Inputs a user may get wrong: a folder without articles, a UTF-16 file.

use std::process::Command;

fn analyze() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rhetor"));
    c.args(["analyze", "--model", "fast"]);
    c
}

#[test]
fn a_folder_without_articles_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.md"), "not an article").unwrap();
    let out = analyze().arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "{}: no article files (*.txt) in this folder",
            dir.path().display()
        )),
        "{stderr}"
    );
    assert!(out.stdout.is_empty() || out.stdout == b"[]\n");
}

#[test]
fn a_utf16_file_with_a_byte_order_mark_is_analysed() {
    let dir = tempfile::tempdir().unwrap();
    let text = "Un titre\r\n\r\nCes menteurs promettent encore de l'«aide» !\r\n";
    let mut bytes = vec![0xFF, 0xFE];
    for u in text.encode_utf16() {
        bytes.extend(u.to_le_bytes());
    }
    let path = dir.path().join("article5.txt");
    std::fs::write(&path, bytes).unwrap();
    let out = analyze().arg(&path).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json[0]["id"], "5");
    assert_eq!(json[0]["title"], "Un titre");
    assert_eq!(json[0]["language"], "fr");
}
