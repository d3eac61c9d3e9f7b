//! Output files are never lost: `analyze -o` replaces the old file only when
//! the run completes (an input error or `kill -9` midway leaves it intact).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn rhetor() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rhetor"));
    // The fast model, whatever is installed: these tests are about files.
    c.args(["analyze", "--model", "fast"]);
    c
}

const OLD: &str = "[{\"id\": \"previous results, which must survive\"}]\n";

/// Temporaries AtomicFile would leave beside `target` (only after a kill).
fn temporaries(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".tmp"))
        .collect()
}

#[test]
fn a_missing_input_leaves_the_old_output_file_intact() {
    let dir = tempfile::tempdir().unwrap();
    let results = dir.path().join("results.json");
    std::fs::write(&results, OLD).unwrap();
    let out = rhetor()
        .arg(dir.path().join("missing.txt"))
        .arg("-o")
        .arg(&results)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("missing.txt"), "{stderr}");
    assert!(stderr.contains("left unchanged"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&results).unwrap(), OLD);
    assert!(temporaries(dir.path()).is_empty());

    // A new output file is not created at all by a failed run.
    let fresh = dir.path().join("fresh.json");
    let out = rhetor()
        .arg(dir.path().join("missing.txt"))
        .arg("-o")
        .arg(&fresh)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!fresh.exists());
}

#[test]
fn an_input_error_after_good_articles_leaves_the_old_file_intact() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.txt"), "Title\n\nSome text here.\n").unwrap();
    std::fs::write(dir.path().join("b.txt"), b"abc\x00binary").unwrap();
    let results = dir.path().join("results.json");
    std::fs::write(&results, OLD).unwrap();
    let out = rhetor()
        .arg(dir.path().join("a.txt"))
        .arg(dir.path().join("b.txt"))
        .arg("-o")
        .arg(&results)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(&results).unwrap(), OLD);

    // With --keep-going the run produces output: the file is replaced.
    let out = rhetor()
        .arg("--keep-going")
        .arg(dir.path().join("a.txt"))
        .arg(dir.path().join("b.txt"))
        .arg("-o")
        .arg(&results)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&results).unwrap()).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 1);
}

#[test]
fn kill_9_during_analyze_leaves_the_old_output_file_intact() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    // Enough articles that the run lasts well past the moment its output
    // starts reaching the disk.
    let body = "The minister promised again that nothing would change. \
                These so-called experts always lie to us! "
        .repeat(20);
    for i in 0..20_000 {
        std::fs::write(
            input.join(format!("article{i}.txt")),
            format!("Title {i}\n\n{body}\n\n{body}\n"),
        )
        .unwrap();
    }
    let results = dir.path().join("results.json");
    std::fs::write(&results, OLD).unwrap();
    let mut child = rhetor()
        .arg(&input)
        .arg("-o")
        .arg(&results)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();

    // Wait until the new output is being written (its temporary holds bytes).
    let start = Instant::now();
    loop {
        let written = temporaries(dir.path())
            .iter()
            .any(|t| std::fs::metadata(t).map(|m| m.len() > 0).unwrap_or(false));
        if written {
            break;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("rhetor finished ({status}) before it could be killed mid-write");
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "no output written after 120 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        child.try_wait().unwrap().is_none(),
        "rhetor finished before the kill"
    );
    child.kill().unwrap(); // SIGKILL: no destructor runs
    child.wait().unwrap();
    assert_eq!(std::fs::read_to_string(&results).unwrap(), OLD);
}

/// `extract -o` treats its file as `analyze -o` does: an input error
/// without `--keep-going` leaves the old file (or no file) in place.
#[test]
fn extract_input_error_leaves_the_old_output_file_intact() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.txt"), "Title\n\nSome text here.\n").unwrap();
    std::fs::write(dir.path().join("b.txt"), b"abc\x00binary").unwrap();
    let extract = |keep_going: bool, target: &Path| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_rhetor"));
        c.arg("extract");
        if keep_going {
            c.arg("--keep-going");
        }
        c.arg(dir.path().join("a.txt"))
            .arg(dir.path().join("b.txt"))
            .arg("-o")
            .arg(target)
            .output()
            .unwrap()
    };
    let results = dir.path().join("records.jsonl");
    std::fs::write(&results, OLD).unwrap();
    let out = extract(false, &results);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("b.txt: looks like a binary file"),
        "{stderr}"
    );
    assert!(stderr.contains("left unchanged"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&results).unwrap(), OLD);
    assert!(temporaries(dir.path()).is_empty());
    let fresh = dir.path().join("fresh.jsonl");
    assert_eq!(extract(false, &fresh).status.code(), Some(2));
    assert!(!fresh.exists());

    // With --keep-going the good record is written and the file replaced.
    let out = extract(true, &results);
    assert_eq!(out.status.code(), Some(1));
    let text = std::fs::read_to_string(&results).unwrap();
    let records: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 1, "{text}");
    assert_eq!(records[0]["title"], "Title");
}
