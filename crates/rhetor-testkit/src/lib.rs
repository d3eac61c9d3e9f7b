//! What a test does when something it needs is missing.
//!
//! rhetor's rule: a test whose tool, data set or model is missing **fails**
//! under `CI=true` (`.ci/run` installs everything, so a missing piece there
//! is a broken CI, not a reason to pass); anywhere else it skips, and says so
//! where a person sees it.
//!
//! The test runner captures `println!`/`eprintln!` of passing tests, which is
//! how earlier skip messages went unseen. [`need`] and [`cannot_run`] write
//! to the process's stderr directly (`io::stderr()`, which the runner does
//! not capture), so the line shows up in `cargo test` output between the
//! test results:
//!
//! ```text
//! test writing_gold_back_reproduces_every_label_file ... SKIPPED writing_gold_back_reproduces_every_label_file: needs the SemEval-2023 Task 3 data (…)
//! ok
//! ```
//!
//! ```no_run
//! # fn shared_data_dir() -> Option<std::path::PathBuf> { None }
//! let Some(data) = rhetor_testkit::need(shared_data_dir(), rhetor_testkit::SEMEVAL_DATA) else {
//!     return;
//! };
//! ```

#![warn(missing_docs)]

use std::fmt::Display;
use std::io::Write;

pub mod highlights;

/// What the SemEval data tests need, and how to get it.
pub const SEMEVAL_DATA: &str = "the SemEval-2023 Task 3 data \
    (shared/data/semeval2023-task3 beside the repository, or set RHETOR_DATA)";

/// What the encoder tests need, and how to get it.
pub const ENCODER: &str = "the accurate model's encoder (run `rhetor models fetch`, \
    or set RHETOR_ENCODER_DIR)";

/// True under `CI=true`, where every test must run.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

/// `found`, or — when it is `None` — a failure under CI and a loud skip
/// message elsewhere (the caller then returns). `what` names the missing
/// thing and how to get it.
#[track_caller]
pub fn need<T>(found: Option<T>, what: impl Display) -> Option<T> {
    if found.is_none() {
        missing(what);
    }
    found
}

/// Reports that `what` is missing: panics under CI, prints a loud skip line
/// otherwise. For checks that are not an `Option` (a tool that does not run,
/// a Python module that does not import).
#[track_caller]
pub fn missing(what: impl Display) {
    if in_ci() {
        panic!("CI=true but this test cannot run: it needs {what} (.ci/run installs it)");
    }
    loud(&format!("needs {what} (under CI=true this fails)"));
}

/// Reports a test that cannot run on this machine for a reason CI cannot fix
/// either (e.g. the CPU lacks an instruction set): a loud skip line, never a
/// failure.
pub fn cannot_run(why: impl Display) {
    loud(&format!("cannot run here: {why}"));
}

/// A line on the real stderr, past the test runner's capture.
fn loud(message: &str) {
    let test = std::thread::current()
        .name()
        .unwrap_or("a test")
        .to_string();
    let line = format!("\nSKIPPED {test}: {message}\n");
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    // One test for both cases: CI is process-wide state.
    #[test]
    fn missing_fails_in_ci_and_skips_elsewhere() {
        let saved = std::env::var_os("CI");
        // The crate's only test that touches the environment: no other
        // thread reads it.
        std::env::set_var("CI", "true");
        let r = std::panic::catch_unwind(|| {
            need(
                None::<u8>,
                "a unicorn (rhetor-testkit testing its own skip line)",
            )
        });
        let message = r.unwrap_err();
        let message = message.downcast_ref::<String>().unwrap();
        assert!(
            message.contains("needs a unicorn (rhetor-testkit"),
            "{message}"
        );
        assert_eq!(
            need(
                Some(3),
                "a unicorn (rhetor-testkit testing its own skip line)"
            ),
            Some(3)
        );

        std::env::set_var("CI", "false");
        assert_eq!(
            need(
                None::<u8>,
                "a unicorn (rhetor-testkit testing its own skip line)"
            ),
            None
        );
        match saved {
            Some(v) => std::env::set_var("CI", v),
            None => std::env::remove_var("CI"),
        }
    }
}
