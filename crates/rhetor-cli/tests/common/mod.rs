//! What the end-to-end CLI tests share: running the binary, reading its
//! output, and the article text they ingest.

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

/// Runs the `rhetor` binary with `args`, without a `RHETOR_DB` from the
/// environment (each test names its own database).
pub fn rhetor(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rhetor"))
        .args(args)
        .env_remove("RHETOR_DB")
        .output()
        .expect("rhetor runs")
}

/// A path as a command-line argument.
pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The command's standard error, for messages and failure reports.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The command's JSON Lines output, one value a line.
pub fn jsonl(o: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// A four-paragraph news story written for these tests (a ferry pier
/// closed): the article the ingest tests extract and the corpus tests
/// republish under several outlets.
pub const FERRY_STORY: [&str; 4] = [
    "The regional council voted on Tuesday to close the old ferry pier after engineers found deep cracks in two of its concrete supports.",
    "Residents of the island, who rely on the ferry for work and school, said they had not been consulted and called the decision reckless.",
    "The council promised a temporary landing stage within six weeks and free buses to the mainland bridge until it opens.",
    "Engineers said the pier had been inspected every year, but that last winter's storms had done more damage than expected.",
];
