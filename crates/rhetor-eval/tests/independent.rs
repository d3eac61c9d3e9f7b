//! Independent implementation check: on the real SemEval label files, makes
//! deterministic perturbed predictions from the gold, scores them with
//! rhetor-eval and with `tools/metrics_check.py` (scikit-learn for the
//! classification tasks, a separate plain-Python span scorer), and asserts
//! that both agree to 1e-3 on every figure, for every task and language.
//!
//! Skips loudly when the data or scikit-learn is missing; under `CI=true`
//! either is a failure (`.ci/run` installs scikit-learn).

use rhetor_core::{Frame, Genre, Technique};
use rhetor_eval::{evaluate_files, Report};
use rhetor_formats::labels::{read_frames, read_genres, read_spans, read_techniques};
use rhetor_formats::Task;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const LANGS: &[&str] = &["en", "fr", "ge", "it", "po", "ru"];
const TOLERANCE: f64 = 1e-3;

fn data_dir() -> Option<PathBuf> {
    rhetor_formats::corpus::shared_data_dir().filter(|d| d.join("techniques.txt").exists())
}

fn sklearn_available() -> bool {
    Command::new("python3")
        .args(["-c", "import sklearn"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn join<T: std::fmt::Display>(items: impl Iterator<Item = T>) -> String {
    items.map(|t| t.to_string()).collect::<Vec<_>>().join(",")
}

/// A frame or technique list with every 3rd label (counted over the whole
/// file) dropped and, on every 5th row, a wrong label added.
fn perturb_list<T: Copy + PartialEq>(
    labels: &[T],
    all: &[T],
    row: usize,
    counter: &mut usize,
) -> Vec<T> {
    let mut out: Vec<T> = Vec::new();
    for &l in labels {
        *counter += 1;
        if !counter.is_multiple_of(3) {
            out.push(l);
        }
    }
    if row.is_multiple_of(5) {
        if let Some(&wrong) = (0..all.len())
            .map(|k| &all[(row / 5 + k) % all.len()])
            .find(|x| !labels.contains(x))
        {
            out.push(wrong);
        }
    }
    out
}

/// Writes a perturbed prediction of `gold` for `task` to `out`.
fn perturb(task: Task, gold: &Path, out: &Path) {
    let mut s = String::new();
    match task {
        Task::Genre => {
            for (i, r) in read_genres(gold).unwrap().iter().enumerate() {
                if i % 7 == 3 {
                    continue; // missing row
                }
                let wrong = Genre::ALL[(r.genre.index() + 1 + i % 2) % Genre::COUNT];
                if i % 13 == 5 {
                    // a repeated id: the last row wins
                    writeln!(s, "{}\t{}", r.id, wrong).unwrap();
                }
                let g = if i % 5 == 1 || i % 4 == 2 {
                    wrong
                } else {
                    r.genre
                };
                writeln!(s, "{}\t{}", r.id, g).unwrap();
            }
            s.push_str("900000001\topinion\n900000002\tsatire\n");
        }
        Task::Frames => {
            let mut counter = 0;
            for (i, r) in read_frames(gold).unwrap().iter().enumerate() {
                if i % 7 == 3 {
                    continue;
                }
                let f = perturb_list(&r.frames, Frame::ALL, i, &mut counter);
                writeln!(s, "{}\t{}", r.id, join(f.iter())).unwrap();
            }
            s.push_str("900000001\tEconomic,Political\n");
        }
        Task::Techniques => {
            let mut counter = 0;
            for (i, r) in read_techniques(gold).unwrap().iter().enumerate() {
                if i % 7 == 3 {
                    continue;
                }
                let t = perturb_list(&r.techniques, Technique::ALL, i, &mut counter);
                writeln!(s, "{}\t{}\t{}", r.id, r.line, join(t.iter())).unwrap();
            }
            s.push_str("900000001\t1\tDoubt\n");
        }
        Task::Spans => {
            for (i, r) in read_spans(gold).unwrap().iter().enumerate() {
                if i % 7 == 3 {
                    continue;
                }
                let (mut start, mut end) = (r.start, r.end);
                if i % 3 == 0 {
                    (start, end) = (start + 3, end + 3);
                }
                if i % 4 == 1 {
                    (start, end) = (
                        start.saturating_sub(2),
                        (end - 2).max(start.saturating_sub(2) + 1),
                    );
                }
                let technique = if i % 5 == 2 {
                    Technique::ALL[(r.technique.index() + 1) % Technique::COUNT]
                } else {
                    r.technique
                };
                writeln!(s, "{}\t{}\t{}\t{}", r.id, technique, start, end).unwrap();
                if i % 11 == 0 {
                    // an overlapping duplicate, merged before scoring
                    writeln!(s, "{}\t{}\t{}\t{}", r.id, technique, start + 1, end + 5).unwrap();
                }
            }
            s.push_str("900000001\tDoubt\t0\t10\n");
        }
    }
    std::fs::write(out, s).unwrap();
}

fn inventory(task: Task) -> &'static str {
    match task {
        Task::Genre => "genres.txt",
        Task::Frames => "frames.txt",
        Task::Techniques | Task::Spans => "techniques.txt",
    }
}

/// Runs the Python checker once over every job; returns each job's output.
fn run_python(jobs: &str, dir: &Path) -> Vec<String> {
    let file = dir.join("jobs.tsv");
    std::fs::write(&file, jobs).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tools/metrics_check.py");
    let out = Command::new("python3")
        .arg(script)
        .args(["--digits", "8", "--batch"])
        .arg(&file)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "python failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .split("== ")
        .skip(1)
        .map(str::to_string)
        .collect()
}

fn python_value(out: &str, name: &str) -> f64 {
    out.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}: ")))
        .unwrap_or_else(|| panic!("no {name} line in python output:\n{out}"))
        .trim()
        .parse()
        .unwrap()
}

fn figures(r: &Report) -> Vec<(&'static str, f64)> {
    let mut v = vec![("micro-F1", r.micro_f1), ("macro-F1", r.macro_f1)];
    if let (Some(p), Some(rc)) = (r.precision, r.recall) {
        v.push(("precision", p));
        v.push(("recall", rc));
    }
    v
}

#[test]
fn rust_and_python_scorers_agree_on_perturbed_real_labels() {
    let Some(data) = rhetor_testkit::need(data_dir(), rhetor_testkit::SEMEVAL_DATA) else {
        return;
    };
    if !sklearn_available() {
        rhetor_testkit::missing("python3 with scikit-learn (pip install scikit-learn)");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let mut runs: Vec<(String, Task, Report)> = Vec::new();
    let mut jobs = String::new();
    for lang in LANGS {
        let dir = data.join(lang);
        if !dir.join(Task::Spans.label_file()).exists() {
            continue;
        }
        for task in Task::ALL {
            let gold = dir.join(task.label_file());
            let pred = tmp.path().join(format!("{lang}-{task}.txt"));
            perturb(task, &gold, &pred);
            let rust = evaluate_files(task, &gold, &pred).unwrap();
            let labels = data.join(inventory(task));
            writeln!(
                jobs,
                "{task}\t{}\t{}\t{}",
                labels.display(),
                gold.display(),
                pred.display()
            )
            .unwrap();
            runs.push((lang.to_string(), task, rust));
        }
    }
    let outputs = run_python(&jobs, tmp.path());
    assert_eq!(outputs.len(), runs.len(), "one python result per job");
    let mut max_diff: f64 = 0.0;
    for ((lang, task, rust), out) in runs.iter().zip(&outputs) {
        let mut line = format!("{lang} {task:<10}");
        for (name, value) in figures(rust) {
            let py = python_value(out, name);
            let diff = (value - py).abs();
            max_diff = max_diff.max(diff);
            write!(line, "  {name} {value:.4}/{py:.4}").unwrap();
            assert!(
                diff <= TOLERANCE,
                "{lang} {task} {name}: rust {value} vs python {py}"
            );
        }
        // The perturbations must leave something to measure.
        assert!(
            rust.micro_f1 > 0.2 && rust.micro_f1 < 0.99,
            "{lang} {task}: degenerate micro-F1 {}",
            rust.micro_f1
        );
        eprintln!("{line}");
    }
    let langs = runs.len() / Task::ALL.len();
    assert!(
        langs >= 2,
        "fewer than 2 languages found in {}",
        data.display()
    );
    eprintln!("{langs} languages (rust/python), largest |rust - python| = {max_diff:.2e}");
}
