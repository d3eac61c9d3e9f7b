//! JSON Lines input is streamed: `analyze` reads records a batch at a time
//! and writes each batch's results before reading on, so results come out
//! while the input is still being written, and memory does not grow with
//! the input (measured in docs/reliability.md). Before, stdin and JSON Lines
//! files were read to their end before the first record was analysed.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// analyze's batch (`CHUNK` in analyze.rs): its results are written before
/// the next batch is read.
const BATCH: usize = 256;

fn record(i: usize) -> String {
    format!(
        "{{\"id\": \"r{i}\", \"title\": \"Record {i}\", \"text\": \"They say it is a disaster, number {i}.\"}}\n"
    )
}

fn spawn(args: &[&str], stdin: Stdio) -> Child {
    Command::new(env!("CARGO_BIN_EXE_rhetor"))
        .args(["analyze", "--model", "fast", "--format", "jsonl"])
        .args(args)
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// The ids of the JSON Lines results on `child`'s stdout, sent as they come.
fn results(child: &mut Child) -> mpsc::Receiver<String> {
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let v: serde_json::Value = serde_json::from_str(&line.unwrap()).unwrap();
            if tx.send(v["id"].as_str().unwrap().to_string()).is_err() {
                return;
            }
        }
    });
    rx
}

/// Writes `first` records, waits for a whole batch of results while the
/// input is still open, then writes `more` and closes it: every result in
/// order.
fn check_streams(mut input: impl Write, child: &mut Child, first: usize, more: usize) {
    let rx = results(child);
    for i in 0..first {
        input.write_all(record(i).as_bytes()).unwrap();
    }
    input.flush().unwrap();
    let mut ids = Vec::new();
    while ids.len() < BATCH {
        match rx.recv_timeout(Duration::from_secs(120)) {
            Ok(id) => ids.push(id),
            Err(_) => panic!(
                "{} result(s) after 120 s while the input stayed open: \
                 the input is read to its end before it is analysed",
                ids.len()
            ),
        }
    }
    for i in first..first + more {
        input.write_all(record(i).as_bytes()).unwrap();
    }
    drop(input);
    ids.extend(rx.iter());
    let status = child.wait().unwrap();
    assert!(status.success(), "{status}");
    let expected: Vec<String> = (0..first + more).map(|i| format!("r{i}")).collect();
    assert_eq!(ids, expected);
}

#[test]
fn stdin_json_lines_results_come_out_before_the_input_ends() {
    let mut child = spawn(&[], Stdio::piped());
    let stdin = child.stdin.take().unwrap();
    check_streams(stdin, &mut child, BATCH + 44, 10);
}

#[test]
fn a_json_lines_file_is_read_as_it_is_analysed() {
    // A named pipe stands for a JSON Lines file still being written: the
    // results of its first records must not wait for its end.
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("growing.jsonl");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let mut child = spawn(&[fifo.to_str().unwrap()], Stdio::null());
    // Opening the writing end waits until rhetor opens the reading end.
    let input = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
    check_streams(input, &mut child, BATCH + 1, BATCH + 3);
}

#[test]
fn a_bad_line_in_a_streamed_file_is_named_and_the_rest_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("in.jsonl");
    let mut text = String::new();
    for i in 0..3 {
        text.push_str(&record(i));
    }
    text.push_str("{\"text\": 5}\n\n");
    text.push_str(&record(3));
    std::fs::write(&path, text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_rhetor"))
        .args([
            "analyze",
            "--model",
            "fast",
            "--format",
            "jsonl",
            "--keep-going",
        ])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "one input failed");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("in.jsonl:4: invalid JSON Lines record"),
        "{stderr}"
    );
    let ids: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(ids, ["r0", "r1", "r2", "r3"]);
}
