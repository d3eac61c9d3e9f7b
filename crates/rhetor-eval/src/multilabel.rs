//! Genre, frames and techniques: classification scored the way the official
//! SemEval-2023 Task 3 scorers do it, i.e. scikit-learn's `f1_score` on
//! `MultiLabelBinarizer` vectors over the task's label inventory.
//!
//! * Every gold unit (an article, or a paragraph keyed by `(id, line)`) is
//!   one row; its predicted labels come from the prediction row with the same
//!   key, or are empty when the prediction has no such row.
//! * Prediction rows whose key is not in the gold are ignored (and counted in
//!   a note). When a file repeats a key, its last row wins, as it would in
//!   the dictionary the official scorer builds.
//! * Per class: P = tp/(tp+fp), R = tp/(tp+fn), F1 = 2tp/(2tp+fp+fn), each
//!   defined as 0 when its denominator is 0 — scikit-learn's default
//!   `zero_division` behaviour. A class with neither gold nor predicted
//!   items therefore scores F1 = 0 and still counts in the macro average.
//! * micro-F1 pools tp/fp/fn over all classes; macro-F1 is the plain mean of
//!   the per-class F1 over the whole inventory (3, 14 or 23 classes). For
//!   genre, when every gold article has exactly one prediction, micro-F1
//!   equals accuracy.

use crate::report::{ratio, ClassScore, Report};
use rhetor_core::{Frame, Genre, Technique};
use rhetor_formats::labels::{FramesRow, GenreRow, TechniquesRow};
use std::collections::{BTreeSet, HashMap};
use std::hash::Hash;

type Set = BTreeSet<usize>;

#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    tp: usize,
    fp: usize,
    fn_: usize,
}

impl Counts {
    fn precision(self) -> f64 {
        ratio(self.tp as f64, (self.tp + self.fp) as f64)
    }
    fn recall(self) -> f64 {
        ratio(self.tp as f64, (self.tp + self.fn_) as f64)
    }
    fn f1(self) -> f64 {
        ratio(
            2.0 * self.tp as f64,
            (2 * self.tp + self.fp + self.fn_) as f64,
        )
    }
}

/// What a keyed unit is called in notes: ("article", "articles") etc.
struct Unit {
    one: &'static str,
    many: &'static str,
}

const ARTICLE: Unit = Unit {
    one: "article id",
    many: "article ids",
};
const PARAGRAPH: Unit = Unit {
    one: "(id, line) row",
    many: "(id, line) rows",
};

fn were(n: usize) -> &'static str {
    if n == 1 {
        "was"
    } else {
        "were"
    }
}

fn plural(n: usize, u: &Unit) -> &'static str {
    if n == 1 {
        u.one
    } else {
        u.many
    }
}

/// Builds key → label set, the last row of a repeated key winning.
/// Returns the map, the keys in first-seen order, and the number of repeats.
fn index<K: Hash + Eq + Clone>(
    rows: impl Iterator<Item = (K, Set)>,
) -> (HashMap<K, Set>, Vec<K>, usize) {
    let mut map = HashMap::new();
    let mut order = Vec::new();
    let mut repeats = 0;
    for (k, s) in rows {
        if map.insert(k.clone(), s).is_some() {
            repeats += 1;
        } else {
            order.push(k);
        }
    }
    (map, order, repeats)
}

fn score_keyed<K: Hash + Eq + Clone>(
    labels: &[&str],
    unit: &Unit,
    gold: impl Iterator<Item = (K, Set)>,
    pred: impl Iterator<Item = (K, Set)>,
) -> Report {
    let (gold, gold_order, gold_repeats) = index(gold);
    let (pred, pred_order, pred_repeats) = index(pred);
    let empty = Set::new();
    let mut counts = vec![Counts::default(); labels.len()];
    let mut missing = 0;
    for key in &gold_order {
        let g = &gold[key];
        let p = pred.get(key).unwrap_or_else(|| {
            missing += 1;
            &empty
        });
        for &c in g.union(p) {
            match (g.contains(&c), p.contains(&c)) {
                (true, true) => counts[c].tp += 1,
                (false, true) => counts[c].fp += 1,
                (true, false) => counts[c].fn_ += 1,
                (false, false) => unreachable!(),
            }
        }
    }
    let extra = pred_order.iter().filter(|k| !gold.contains_key(k)).count();

    let total = counts.iter().fold(Counts::default(), |a, c| Counts {
        tp: a.tp + c.tp,
        fp: a.fp + c.fp,
        fn_: a.fn_ + c.fn_,
    });
    let per_class: Vec<ClassScore> = labels
        .iter()
        .zip(&counts)
        .map(|(l, c)| ClassScore {
            label: l.to_string(),
            support: c.tp + c.fn_,
            precision: c.precision(),
            recall: c.recall(),
            f1: c.f1(),
        })
        .collect();
    let macro_f1 = ratio(per_class.iter().map(|c| c.f1).sum(), per_class.len() as f64);

    let mut notes = Vec::new();
    if gold_order.is_empty() {
        notes.push("the gold has no rows: every score is 0".to_string());
    }
    if missing > 0 {
        notes.push(format!(
            "{missing} gold {} missing from the prediction {} scored as predicting no label",
            plural(missing, unit),
            were(missing)
        ));
    }
    if extra > 0 {
        notes.push(format!(
            "{extra} predicted {} not in gold {} ignored",
            plural(extra, unit),
            were(extra)
        ));
    }
    for (n, which) in [(gold_repeats, "gold"), (pred_repeats, "predicted")] {
        if n > 0 {
            notes.push(format!(
                "{n} repeated {which} {}: the last row of each was used",
                plural(n, unit)
            ));
        }
    }
    Report {
        micro_f1: total.f1(),
        macro_f1,
        precision: None,
        recall: None,
        per_class,
        notes,
    }
}

fn strs<T: Copy>(all: &[T], f: impl Fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|&t| f(t)).collect()
}

/// Subtask 1: macro-F1 over the three genres (the official metric), micro-F1
/// over articles. See the module documentation for the conventions.
pub fn score_genre(gold: &[GenreRow], pred: &[GenreRow]) -> Report {
    let rows = |rows: &[GenreRow]| {
        rows.iter()
            .map(|r| (r.id.clone(), Set::from([r.genre.index()])))
            .collect::<Vec<_>>()
    };
    score_keyed(
        &strs(Genre::ALL, Genre::as_str),
        &ARTICLE,
        rows(gold).into_iter(),
        rows(pred).into_iter(),
    )
}

/// Subtask 2: micro-F1 over (article, frame) pairs (the official metric),
/// macro-F1 over the 14 frames.
pub fn score_frames(gold: &[FramesRow], pred: &[FramesRow]) -> Report {
    let rows = |rows: &[FramesRow]| {
        rows.iter()
            .map(|r| {
                let s: Set = r.frames.iter().map(|f| f.index()).collect();
                (r.id.clone(), s)
            })
            .collect::<Vec<_>>()
    };
    score_keyed(
        &strs(Frame::ALL, Frame::as_str),
        &ARTICLE,
        rows(gold).into_iter(),
        rows(pred).into_iter(),
    )
}

/// Subtask 3 (paragraph level): micro-F1 and macro-F1 (over the 23
/// techniques) of (paragraph, technique) pairs, paragraphs keyed by `(id, line)`.
pub fn score_techniques(gold: &[TechniquesRow], pred: &[TechniquesRow]) -> Report {
    let rows = |rows: &[TechniquesRow]| {
        rows.iter()
            .map(|r| {
                let s: Set = r.techniques.iter().map(|t| t.index()).collect();
                ((r.id.clone(), r.line), s)
            })
            .collect::<Vec<_>>()
    };
    score_keyed(
        &strs(Technique::ALL, Technique::as_str),
        &PARAGRAPH,
        rows(gold).into_iter(),
        rows(pred).into_iter(),
    )
}
