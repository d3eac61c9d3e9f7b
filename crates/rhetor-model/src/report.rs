//! Cross-validation reports in the official metrics.

use rhetor_core::{Document, Scored, Span};
use rhetor_eval::{report::Report, score_documents};
use rhetor_formats::corpus::LabeledDocument;
use rhetor_formats::Task;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

/// Headline figures of one language (or all pooled).
#[derive(Debug, Clone, Serialize)]
pub struct Scores {
    /// Articles scored.
    pub articles: usize,
    /// Paragraph techniques, micro-averaged F1 (SemEval subtask 3's measure).
    pub techniques_micro_f1: f64,
    /// Paragraph techniques, macro-averaged F1 over the labels.
    pub techniques_macro_f1: f64,
    /// Genre, macro-averaged F1 (subtask 1's measure).
    pub genre_macro_f1: f64,
    /// Frames, micro-averaged F1 (subtask 2's measure).
    pub frames_micro_f1: f64,
    /// Span F1 with partial-overlap credit (SemEval-2020 Task 11), as `rhetor eval` scores it.
    pub spans_f1: f64,
    /// Span F1 of the trivial baseline: each predicted paragraph technique
    /// spans its whole paragraph.
    pub spans_whole_paragraph_f1: f64,
    /// F1 of each technique (techniques task), in inventory order.
    pub per_technique_f1: Vec<(String, f64)>,
}

/// Scores of held-out predictions, per language folder and pooled (`all`).
#[derive(Debug, Clone, Serialize)]
pub struct HeldOutReport {
    /// Scores per language folder, and `all` for every article pooled.
    pub by_language: BTreeMap<String, Scores>,
}

/// Every predicted paragraph technique turned into a whole-paragraph span.
pub fn whole_paragraph_spans(doc: &Document) -> Document {
    let mut d = doc.clone();
    d.spans = d
        .paragraphs
        .iter()
        .flat_map(|p| {
            p.techniques
                .iter()
                .map(move |t: &Scored<rhetor_core::Technique>| Span {
                    technique: t.label,
                    start: p.start,
                    end: p.end(),
                    text: String::new(),
                    score: t.score,
                })
        })
        .collect();
    d
}

fn score(task: Task, gold: &[&LabeledDocument], pred: &[&Document]) -> Report {
    let g: Vec<&Document> = gold
        .iter()
        .filter(|d| d.gold.has(task))
        .map(|d| &d.doc)
        .collect();
    score_documents(task, &g, pred)
}

fn scores_of(gold: &[&LabeledDocument], pred: &[&Document]) -> Scores {
    let tech = score(Task::Techniques, gold, pred);
    let baseline: Vec<Document> = pred.iter().map(|d| whole_paragraph_spans(d)).collect();
    let baseline_refs: Vec<&Document> = baseline.iter().collect();
    Scores {
        articles: gold.len(),
        techniques_micro_f1: tech.micro_f1,
        techniques_macro_f1: tech.macro_f1,
        genre_macro_f1: {
            let g: Vec<&LabeledDocument> = gold.iter().copied().filter(|d| d.gold.genre).collect();
            score(Task::Genre, &g, pred).macro_f1
        },
        frames_micro_f1: score(Task::Frames, gold, pred).micro_f1,
        spans_f1: score(Task::Spans, gold, pred).micro_f1,
        spans_whole_paragraph_f1: score(Task::Spans, gold, &baseline_refs).micro_f1,
        per_technique_f1: tech
            .per_class
            .iter()
            .map(|c| (c.label.clone(), c.f1))
            .collect(),
    }
}

impl HeldOutReport {
    /// Scores `pred[i]` against `gold[i]`, per language and pooled.
    /// Ids are only unique within a language, so the pooled scores are the
    /// sums of per-language counts, computed with language-prefixed ids.
    pub fn new(gold: &[LabeledDocument], pred: &[Document]) -> Self {
        let mut by_language = BTreeMap::new();
        let mut folders: Vec<&str> = gold.iter().map(|d| d.folder.as_str()).collect();
        folders.sort_unstable();
        folders.dedup();
        for f in &folders {
            let idx: Vec<usize> = (0..gold.len()).filter(|&i| gold[i].folder == *f).collect();
            let g: Vec<&LabeledDocument> = idx.iter().map(|&i| &gold[i]).collect();
            let p: Vec<&Document> = idx.iter().map(|&i| &pred[i]).collect();
            by_language.insert(f.to_string(), scores_of(&g, &p));
        }
        let prefixed = |d: &Document, f: &str| {
            let mut d = d.clone();
            d.id = format!("{f}/{}", d.id);
            d
        };
        let g_all: Vec<LabeledDocument> = gold
            .iter()
            .map(|d| LabeledDocument {
                doc: prefixed(&d.doc, &d.folder),
                ..d.clone()
            })
            .collect();
        let p_all: Vec<Document> = gold
            .iter()
            .zip(pred)
            .map(|(g, p)| prefixed(p, &g.folder))
            .collect();
        let g: Vec<&LabeledDocument> = g_all.iter().collect();
        let p: Vec<&Document> = p_all.iter().collect();
        by_language.insert("all".to_string(), scores_of(&g, &p));
        HeldOutReport { by_language }
    }
}

impl fmt::Display for HeldOutReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let langs: Vec<&String> = self.by_language.keys().collect();
        write!(f, "{:<34}", "")?;
        for l in &langs {
            write!(f, "{:>8}", l)?;
        }
        writeln!(f)?;
        type Getter = fn(&Scores) -> f64;
        let rows: [(&str, Getter); 6] = [
            ("techniques micro-F1", |s| s.techniques_micro_f1),
            ("techniques macro-F1", |s| s.techniques_macro_f1),
            ("genre macro-F1", |s| s.genre_macro_f1),
            ("frames micro-F1", |s| s.frames_micro_f1),
            ("spans F1", |s| s.spans_f1),
            ("spans F1, whole-paragraph baseline", |s| {
                s.spans_whole_paragraph_f1
            }),
        ];
        for (name, get) in rows {
            write!(f, "{name:<34}")?;
            for l in &langs {
                write!(f, "{:>8.4}", get(&self.by_language[*l]))?;
            }
            writeln!(f)?;
        }
        writeln!(f, "\nper-technique F1")?;
        let first = &self.by_language[langs[0]];
        for (i, (label, _)) in first.per_technique_f1.iter().enumerate() {
            write!(f, "  {label:<32}")?;
            for l in &langs {
                write!(f, "{:>8.3}", self.by_language[*l].per_technique_f1[i].1)?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}
