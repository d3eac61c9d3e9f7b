//! `rhetor stats`: label rates per group, with intervals and lift.
//!
//! For each group the denominators are its articles (frames, genre) or its
//! paragraphs (techniques: the share of paragraphs carrying the technique;
//! the title line counts as a paragraph, as in SemEval). Each rate comes
//! with its Wilson 95 % interval, its count per 1,000 words, and its lift
//! against the rest of the filtered corpus (the other groups together)
//! with a Katz log interval ([`crate::interval`]). A group with fewer
//! articles than `min_articles` is flagged `small`.

use crate::interval::{lift, wilson};
use rhetor_store::{CorpusFilter, CorpusStore, GroupBy, LabelTask, StoreError};
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use std::collections::{BTreeMap, HashMap};

/// What to compute.
#[derive(Debug, Clone)]
pub struct StatsRequest {
    /// What to group by (none: one group, the whole selection).
    pub by: Vec<GroupBy>,
    /// Which labels to count.
    pub task: LabelTask,
    /// Which articles to count.
    pub filter: CorpusFilter,
    /// Groups with fewer articles are flagged `small`.
    pub min_articles: u64,
}

/// A group's key: `{"source": …, "month": …}` in the order asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupKey(pub Vec<(&'static str, Option<String>)>);

impl Serialize for GroupKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl GroupKey {
    /// `source=Le Matin, month=2024-03`-like text for tables.
    pub fn display(&self) -> String {
        self.0
            .iter()
            .map(|(_, v)| v.as_deref().unwrap_or("-"))
            .collect::<Vec<_>>()
            .join(" · ")
    }
}

/// One label's figures in one group.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LabelStats {
    /// `techniques`, `frames` or `genre` ([`task_name`]).
    pub task: &'static str,
    /// The label's SemEval name.
    pub label: String,
    /// Paragraphs (techniques) or articles (frames, genre) of the group carrying it.
    pub count: u64,
    /// `count` over the group's paragraphs (techniques) or articles.
    pub rate: f64,
    /// Lower end of the rate's Wilson 95 % interval.
    pub rate_low: f64,
    /// Upper end of the rate's Wilson 95 % interval.
    pub rate_high: f64,
    /// `count` per 1,000 words of the group (0 for a group without words).
    pub per_1k_words: f64,
    /// `null` when there is no rest of the corpus to compare with.
    pub lift: Option<f64>,
    /// Lower end of the lift's Katz 95 % interval.
    pub lift_low: Option<f64>,
    /// Upper end of the lift's Katz 95 % interval.
    pub lift_high: Option<f64>,
}

/// One group.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GroupStats {
    /// The group's values, in the order asked for.
    pub group: GroupKey,
    /// Analysed articles in the group.
    pub articles: u64,
    /// Their paragraphs (title lines included).
    pub paragraphs: u64,
    /// Their words.
    pub words: u64,
    /// Fewer articles than [`StatsRequest::min_articles`]: read its figures with care.
    pub small: bool,
    /// Highest lift first.
    pub labels: Vec<LabelStats>,
}

/// The name of a label task in the output (`techniques`, `frames`, `genre`).
pub fn task_name(task: LabelTask) -> &'static str {
    match task {
        LabelTask::Techniques => "techniques",
        LabelTask::Frames => "frames",
        LabelTask::Genre => "genre",
    }
}

/// Computes the statistics; groups in key order.
pub fn compute(store: &dyn CorpusStore, req: &StatsRequest) -> Result<Vec<GroupStats>, StoreError> {
    let totals = store.group_totals(&req.by, &req.filter)?;
    let counts = store.label_counts(&req.by, req.task, &req.filter)?;
    let per_paragraph = req.task == LabelTask::Techniques;
    let size = |articles: u64, paragraphs: u64| if per_paragraph { paragraphs } else { articles };
    let corpus_size: u64 = totals.iter().map(|g| size(g.articles, g.paragraphs)).sum();
    let mut corpus_counts: BTreeMap<&str, u64> = BTreeMap::new();
    let mut by_group: HashMap<&[Option<String>], Vec<(&str, u64)>> = HashMap::new();
    for c in &counts {
        *corpus_counts.entry(c.label.as_str()).or_default() += c.count;
        by_group
            .entry(c.key.as_slice())
            .or_default()
            .push((c.label.as_str(), c.count));
    }
    let mut out = Vec::with_capacity(totals.len());
    for g in &totals {
        let n = size(g.articles, g.paragraphs);
        let here: HashMap<&str, u64> = by_group
            .get(g.key.as_slice())
            .map(|v| v.iter().copied().collect())
            .unwrap_or_default();
        let mut labels = Vec::with_capacity(corpus_counts.len());
        for (&label, &all) in &corpus_counts {
            let k = here.get(label).copied().unwrap_or(0);
            let (rate_low, rate_high) = wilson(k, n);
            let l = lift(k, n, all - k, corpus_size - n);
            labels.push(LabelStats {
                task: task_name(req.task),
                label: label.to_string(),
                count: k,
                rate: if n == 0 { 0.0 } else { k as f64 / n as f64 },
                rate_low,
                rate_high,
                per_1k_words: if g.words == 0 {
                    0.0
                } else {
                    k as f64 * 1000.0 / g.words as f64
                },
                lift: l.map(|x| x.0),
                lift_low: l.map(|x| x.1),
                lift_high: l.map(|x| x.2),
            });
        }
        labels.sort_by(by_lift);
        out.push(GroupStats {
            group: GroupKey(
                req.by
                    .iter()
                    .map(|b| b.name())
                    .zip(g.key.iter().cloned())
                    .collect(),
            ),
            articles: g.articles,
            paragraphs: g.paragraphs,
            words: g.words,
            small: g.articles < req.min_articles,
            labels,
        });
    }
    Ok(out)
}

/// Highest lift first (no lift last), then highest count, then label.
pub fn by_lift(a: &LabelStats, b: &LabelStats) -> std::cmp::Ordering {
    let la = a.lift.unwrap_or(f64::NEG_INFINITY);
    let lb = b.lift.unwrap_or(f64::NEG_INFINITY);
    lb.total_cmp(&la)
        .then(b.count.cmp(&a.count))
        .then(a.label.cmp(&b.label))
}

/// The numbers of a [`LabelStats`] under their JSON names, in the order
/// the `csv` format prints them after the group's columns.
pub const LABEL_NUMBERS: [&str; 8] = [
    "count",
    "rate",
    "rate_low",
    "rate_high",
    "per_1k_words",
    "lift",
    "lift_low",
    "lift_high",
];

/// Every (group, label) pair with at least one occurrence, highest lift
/// first: the rows of the `table` and `csv` formats.
pub fn ranked_rows(groups: &[GroupStats]) -> Vec<(&GroupStats, &LabelStats)> {
    let mut rows: Vec<(&GroupStats, &LabelStats)> = groups
        .iter()
        .flat_map(|g| g.labels.iter().filter(|l| l.count > 0).map(move |l| (g, l)))
        .collect();
    rows.sort_by(|a, b| by_lift(a.1, b.1).then(a.0.group.display().cmp(&b.0.group.display())));
    rows
}
