//! Technique spans, scored with the partial-overlap credit of SemEval-2020
//! Task 11 (Da San Martino et al.):
//!
//! ```text
//! P = (1/|S|) Σ_{s∈S, t∈T} |s∩t| / |s|      R = (1/|T|) Σ_{s∈S, t∈T} |s∩t| / |t|
//! F1 = 2PR / (P + R)
//! ```
//!
//! where S are the predicted spans, T the gold spans, and a pair (s, t) only
//! counts when both are in the same article and carry the same technique.
//! 0/0 is 0, so an empty prediction scores P = R = F1 = 0.
//!
//! Before scoring, overlapping spans of the same technique in the same
//! article are merged into one (their union), in the gold and in the
//! prediction alike, so a duplicated or nested span cannot be credited
//! twice; spans that only touch (`a.end == b.start`) stay separate. After
//! merging, the spans of one (article, technique) are disjoint, so every
//! predicted span earns at most 1 and P, R ≤ 1.
//!
//! Per technique, the same formulas restricted to that technique's spans give
//! the per-class P, R and F1; macro-F1 is the mean of the per-technique F1
//! over all 23 techniques (a technique with no gold span scores 0, as in the
//! paragraph-level macro-F1), micro-F1 is the overall F1 above.
//!
//! A gold spans file lists no row for articles without spans, so every
//! predicted span counts, including those in articles the gold does not
//! name: they are false positives (and counted in a note).

use crate::report::{harmonic, ratio, ClassScore, Report};
use rhetor_core::Technique;
use rhetor_formats::labels::SpanRow;
use std::collections::{BTreeMap, BTreeSet, HashSet};

type Key<'a> = (&'a str, usize);

/// Groups spans by (article, technique), merging overlapping ones.
/// Returns the groups and the number of spans merged away.
fn group(rows: &[SpanRow]) -> (BTreeMap<Key<'_>, Vec<(usize, usize)>>, usize) {
    let mut groups: BTreeMap<Key<'_>, Vec<(usize, usize)>> = BTreeMap::new();
    for r in rows {
        groups
            .entry((r.id.as_str(), r.technique.index()))
            .or_default()
            .push((r.start, r.end));
    }
    let mut merged_away = 0;
    for spans in groups.values_mut() {
        let before = spans.len();
        *spans = merge(std::mem::take(spans));
        merged_away += before - spans.len();
    }
    (groups, merged_away)
}

/// Sorts half-open ranges and merges those that overlap (share a position).
pub fn merge(mut spans: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    spans.sort_unstable();
    let mut out: Vec<(usize, usize)> = Vec::with_capacity(spans.len());
    for (s, e) in spans {
        match out.last_mut() {
            Some(last) if s < last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

#[derive(Debug, Default, Clone, Copy)]
struct Acc {
    /// Σ |s∩t| / |s| over overlapping pairs.
    p_credit: f64,
    /// Σ |s∩t| / |t| over overlapping pairs.
    r_credit: f64,
    n_pred: usize,
    n_gold: usize,
}

impl Acc {
    fn precision(&self) -> f64 {
        ratio(self.p_credit, self.n_pred as f64)
    }
    fn recall(&self) -> f64 {
        ratio(self.r_credit, self.n_gold as f64)
    }
}

/// Adds the credit of two sorted lists of disjoint spans to `acc`.
fn credit(acc: &mut Acc, gold: &[(usize, usize)], pred: &[(usize, usize)]) {
    acc.n_gold += gold.len();
    acc.n_pred += pred.len();
    let (mut i, mut j) = (0, 0);
    while i < gold.len() && j < pred.len() {
        let (t, s) = (gold[i], pred[j]);
        let inter = t.1.min(s.1).saturating_sub(t.0.max(s.0));
        if inter > 0 {
            acc.p_credit += inter as f64 / (s.1 - s.0) as f64;
            acc.r_credit += inter as f64 / (t.1 - t.0) as f64;
        }
        // Advance whichever ends first; it cannot meet anything further on.
        if t.1 <= s.1 {
            i += 1;
        } else {
            j += 1;
        }
    }
}

/// Scores predicted spans against gold spans (see the module documentation).
pub fn score_spans(gold: &[SpanRow], pred: &[SpanRow]) -> Report {
    let (g, g_merged) = group(gold);
    let (p, p_merged) = group(pred);
    let mut acc = vec![Acc::default(); Technique::COUNT];
    // Sorted, so credits are summed in one order and scores are the same
    // to the last digit from run to run.
    let keys: BTreeSet<Key<'_>> = g.keys().chain(p.keys()).copied().collect();
    for key in keys {
        let gs = g.get(&key).map(Vec::as_slice).unwrap_or(&[]);
        let ps = p.get(&key).map(Vec::as_slice).unwrap_or(&[]);
        credit(&mut acc[key.1], gs, ps);
    }

    let per_class: Vec<ClassScore> = Technique::ALL
        .iter()
        .zip(&acc)
        .map(|(t, a)| {
            let (precision, recall) = (a.precision(), a.recall());
            ClassScore {
                label: t.as_str().to_string(),
                support: a.n_gold,
                precision,
                recall,
                f1: harmonic(precision, recall),
            }
        })
        .collect();
    let total = acc.iter().fold(Acc::default(), |t, a| Acc {
        p_credit: t.p_credit + a.p_credit,
        r_credit: t.r_credit + a.r_credit,
        n_pred: t.n_pred + a.n_pred,
        n_gold: t.n_gold + a.n_gold,
    });
    let (precision, recall) = (total.precision(), total.recall());
    let macro_f1 = ratio(per_class.iter().map(|c| c.f1).sum(), per_class.len() as f64);

    let mut notes = Vec::new();
    if gold.is_empty() {
        notes.push("the gold has no spans: recall and F1 are 0".to_string());
    }
    if g_merged + p_merged > 0 {
        notes.push(format!(
            "overlapping spans of the same technique and article were merged: \
             {g_merged} gold and {p_merged} predicted spans merged into others"
        ));
    }
    let gold_ids: HashSet<&str> = gold.iter().map(|r| r.id.as_str()).collect();
    let stray: Vec<&SpanRow> = pred
        .iter()
        .filter(|r| !gold_ids.contains(r.id.as_str()))
        .collect();
    if !gold.is_empty() && !stray.is_empty() {
        let articles: HashSet<&str> = stray.iter().map(|r| r.id.as_str()).collect();
        notes.push(format!(
            "{} predicted span(s) in {} article(s) without any gold span counted as false positives",
            stray.len(),
            articles.len()
        ));
    }
    Report {
        micro_f1: harmonic(precision, recall),
        macro_f1,
        precision: Some(precision),
        recall: Some(recall),
        per_class,
        notes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_joins_overlaps_but_not_touching_spans() {
        assert_eq!(
            merge(vec![(5, 8), (0, 3), (2, 4), (8, 9), (6, 7)]),
            vec![(0, 4), (5, 8), (8, 9)]
        );
        assert!(merge(Vec::new()).is_empty());
    }

    /// The sweep in `credit` against every pair, on deterministic pseudo-random spans.
    #[test]
    fn sweep_matches_all_pairs() {
        let mut x: u64 = 12345;
        let mut next = |m: usize| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 33) as usize % m
        };
        for _ in 0..200 {
            let mut spans = |n: usize| {
                merge(
                    (0..n)
                        .map(|_| {
                            let s = next(100);
                            (s, s + 1 + next(15))
                        })
                        .collect(),
                )
            };
            let (g, p) = (spans(6), spans(6));
            let mut acc = Acc::default();
            credit(&mut acc, &g, &p);
            let (mut pc, mut rc) = (0.0, 0.0);
            for t in &g {
                for s in &p {
                    let i = t.1.min(s.1).saturating_sub(t.0.max(s.0)) as f64;
                    pc += i / (s.1 - s.0) as f64;
                    rc += i / (t.1 - t.0) as f64;
                }
            }
            assert!((acc.p_credit - pc).abs() < 1e-9 && (acc.r_credit - rc).abs() < 1e-9);
            assert!(acc.p_credit <= p.len() as f64 + 1e-9);
        }
    }
}
