//! `rhetor stats`: label rates per group with intervals and lift
//! (`rhetor_corpus::stats`); one printer per format below.

use crate::cli::{StatsArgs, StatsFormat, StatsTask};
use crate::commands::output::Output;
use anyhow::Result;
use rhetor_corpus::stats::{compute, ranked_rows, GroupStats, StatsRequest, LABEL_NUMBERS};
use rhetor_store::{CorpusFilter, LabelTask};
use std::io::Write;

pub fn run(args: StatsArgs) -> Result<u8> {
    let store = super::open_corpus(&args.db.db)?;
    let req = StatsRequest {
        by: args.by.0.clone(),
        task: match args.task {
            StatsTask::Techniques => LabelTask::Techniques,
            StatsTask::Frames => LabelTask::Frames,
            StatsTask::Genre => LabelTask::Genre,
        },
        filter: CorpusFilter {
            sources: args.source,
            languages: args.language,
            since: args.since,
            until: args.until,
            ..Default::default()
        },
        min_articles: args.min_articles,
    };
    let groups = compute(&store, &req)?;
    if groups.is_empty() {
        eprintln!("rhetor: no analysed article matches these filters");
    }
    let mut out = Output::open(args.output.as_deref())?;
    match args.format {
        StatsFormat::Json => {
            serde_json::to_writer(&mut out, &groups)?;
            writeln!(out)?;
        }
        StatsFormat::Csv => write_csv(&mut out, &groups, &req)?,
        StatsFormat::Table => write_table(&mut out, &groups, &req)?,
    }
    out.commit()?;
    Ok(0)
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn num(x: Option<f64>) -> String {
    x.map(|v| format!("{v:.6}")).unwrap_or_default()
}

fn write_csv(out: &mut Output, groups: &[GroupStats], req: &StatsRequest) -> std::io::Result<()> {
    let mut head: Vec<&str> = req.by.iter().map(|b| b.name()).collect();
    head.extend(["articles", "paragraphs", "words", "small", "task", "label"]);
    head.extend(LABEL_NUMBERS);
    writeln!(out, "{}", head.join(","))?;
    for (g, l) in ranked_rows(groups) {
        let mut row: Vec<String> = g
            .group
            .0
            .iter()
            .map(|(_, v)| csv_field(v.as_deref().unwrap_or("")))
            .collect();
        row.extend([
            g.articles.to_string(),
            g.paragraphs.to_string(),
            g.words.to_string(),
            g.small.to_string(),
            l.task.to_string(),
            csv_field(&l.label),
            l.count.to_string(),
            num(Some(l.rate)),
            num(Some(l.rate_low)),
            num(Some(l.rate_high)),
            num(Some(l.per_1k_words)),
            num(l.lift),
            num(l.lift_low),
            num(l.lift_high),
        ]);
        writeln!(out, "{}", row.join(","))?;
    }
    Ok(())
}

/// Columns padded to their widest cell (counted in characters).
fn write_table(out: &mut Output, groups: &[GroupStats], req: &StatsRequest) -> std::io::Result<()> {
    let share = if req.task == LabelTask::Techniques {
        "of paragraphs"
    } else {
        "of articles"
    };
    let mut rows: Vec<Vec<String>> = vec![vec![
        req.by
            .iter()
            .map(|b| b.name())
            .collect::<Vec<_>>()
            .join(" · "),
        "articles".into(),
        "label".into(),
        "count".into(),
        format!("rate {share} [95% CI]"),
        "per 1k words".into(),
        "lift [95% CI]".into(),
    ]];
    let mut any_small = false;
    for (g, l) in ranked_rows(groups) {
        any_small |= g.small;
        rows.push(vec![
            format!("{}{}", g.group.display(), if g.small { " *" } else { "" }),
            g.articles.to_string(),
            l.label.clone(),
            l.count.to_string(),
            format!(
                "{:.1}% [{:.1}–{:.1}]",
                l.rate * 100.0,
                l.rate_low * 100.0,
                l.rate_high * 100.0
            ),
            format!("{:.2}", l.per_1k_words),
            match (l.lift, l.lift_low, l.lift_high) {
                (Some(x), Some(lo), Some(hi)) => format!("{x:.2} [{lo:.2}–{hi:.2}]"),
                _ => "-".into(),
            },
        ]);
    }
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    for r in &rows {
        let line: Vec<String> = r
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (cell, w))| {
                let pad = w - cell.chars().count();
                // Numbers right-aligned, text left-aligned.
                if matches!(i, 1 | 3 | 5) {
                    format!("{}{cell}", " ".repeat(pad))
                } else {
                    format!("{cell}{}", " ".repeat(pad))
                }
            })
            .collect();
        writeln!(out, "{}", line.join("  ").trim_end())?;
    }
    if any_small {
        writeln!(
            out,
            "* fewer than {} articles: read with care (see the interval)",
            req.min_articles
        )?;
    }
    Ok(())
}
