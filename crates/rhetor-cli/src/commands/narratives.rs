//! `rhetor narratives`: brings the stored clusters up to date (only new
//! articles are placed), then prints them (`rhetor_corpus::narratives`).

use crate::cli::{HitsFormat, NarrativesArgs};
use anyhow::{bail, Result};
use rhetor_corpus::narratives::{clusters, update};
use std::io::Write;

pub fn run(args: NarrativesArgs) -> Result<u8> {
    if !(0.0..=1.0).contains(&args.threshold) || args.threshold.is_nan() {
        bail!("--threshold {} is not between 0 and 1", args.threshold);
    }
    let mut store = super::open_corpus(&args.db.db)?;
    let done = update(&mut store, args.threshold, args.full)?;
    if args.cross_lingual {
        super::narratives_cross::run(&mut store, args.encoder.as_deref(), done.full)?;
    }
    let (total, found) = clusters(&store, args.min_size, args.limit.unwrap_or(usize::MAX), 0)?;
    eprintln!(
        "rhetor: narratives: {} ({} article(s) placed, {} pair(s) compared); {total} cluster(s) of {} or more",
        if done.full { "recomputed" } else { "updated" },
        done.placed,
        done.compared,
        args.min_size.max(1)
    );
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for c in &found {
        match args.format {
            HitsFormat::Jsonl => writeln!(out, "{}", serde_json::to_string(c)?)?,
            HitsFormat::Table => {
                writeln!(
                    out,
                    "cluster {} · {} articles · {}",
                    c.cluster,
                    c.size,
                    c.languages.join(", ")
                )?;
                for a in &c.articles {
                    writeln!(
                        out,
                        "  {}  {:.2}  {}  {}  {}  {}",
                        a.published.as_deref().unwrap_or("-"),
                        a.similarity,
                        a.language.as_deref().unwrap_or("und"),
                        a.source.as_deref().unwrap_or("-"),
                        a.id,
                        a.title
                    )?;
                }
                if !c.techniques_added.is_empty() || !c.techniques_dropped.is_empty() {
                    writeln!(
                        out,
                        "  techniques added: {}; dropped: {}",
                        list(&c.techniques_added),
                        list(&c.techniques_dropped)
                    )?;
                }
                writeln!(out)?;
            }
        }
    }
    Ok(0)
}

fn list(v: &[String]) -> String {
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}
