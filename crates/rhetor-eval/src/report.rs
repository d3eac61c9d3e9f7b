//! The result of scoring one task: headline figures, a per-class table, notes.

use std::fmt;

/// Scores of one class (a genre, frame or technique).
#[derive(Debug, Clone, PartialEq)]
pub struct ClassScore {
    /// The exact SemEval label string.
    pub label: String,
    /// Gold count: articles (genre), (article, frame) pairs (frames),
    /// (paragraph, technique) pairs (techniques), or gold spans after merging
    /// overlaps (spans).
    pub support: usize,
    /// Precision of the class (0 when nothing was predicted).
    pub precision: f64,
    /// Recall of the class (0 when it has no gold items).
    pub recall: f64,
    /// F1 of the class (0/0 is 0).
    pub f1: f64,
}

/// The scores of one task. `Display` writes the report `rhetor eval` prints.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Micro-averaged F1 (for spans: the F1 of the overall partial-credit
    /// precision and recall).
    pub micro_f1: f64,
    /// Mean of the per-class F1 over the whole inventory (3 genres, 14 frames,
    /// 23 techniques); a class with no gold and no predicted item scores 0.
    pub macro_f1: f64,
    /// Overall precision; reported for spans only.
    pub precision: Option<f64>,
    /// Overall recall; reported for spans only.
    pub recall: Option<f64>,
    /// One row per label of the inventory, in inventory order.
    pub per_class: Vec<ClassScore>,
    /// Remarks on the input (ignored rows, missing rows, merged spans, …).
    pub notes: Vec<String>,
}

impl Report {
    /// The per-class scores of `label`, if it is in the table.
    pub fn class(&self, label: &str) -> Option<&ClassScore> {
        self.per_class.iter().find(|c| c.label == label)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "micro-F1: {:.4}", self.micro_f1)?;
        writeln!(f, "macro-F1: {:.4}", self.macro_f1)?;
        if let Some(p) = self.precision {
            writeln!(f, "precision: {p:.4}")?;
        }
        if let Some(r) = self.recall {
            writeln!(f, "recall: {r:.4}")?;
        }
        writeln!(f)?;
        let w = self
            .per_class
            .iter()
            .map(|c| c.label.chars().count())
            .chain(std::iter::once("label".len()))
            .max()
            .unwrap_or(5);
        writeln!(
            f,
            "{:<w$}  {:>7}  {:>9}  {:>6}  {:>6}",
            "label", "support", "precision", "recall", "F1"
        )?;
        for c in &self.per_class {
            writeln!(
                f,
                "{:<w$}  {:>7}  {:>9.4}  {:>6.4}  {:>6.4}",
                c.label, c.support, c.precision, c.recall, c.f1
            )?;
        }
        if !self.notes.is_empty() {
            writeln!(f)?;
            for n in &self.notes {
                writeln!(f, "note: {n}")?;
            }
        }
        Ok(())
    }
}

/// `num / den`, with 0/0 (and anything over 0) defined as 0.
pub(crate) fn ratio(num: f64, den: f64) -> f64 {
    if den > 0.0 {
        num / den
    } else {
        0.0
    }
}

/// Harmonic mean of precision and recall, 0 when both are 0.
pub(crate) fn harmonic(p: f64, r: f64) -> f64 {
    ratio(2.0 * p * r, p + r)
}
