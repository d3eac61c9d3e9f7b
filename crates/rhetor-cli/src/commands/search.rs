//! `rhetor search`: full-text search (`rhetor_corpus::search`).

use crate::cli::{HitsFormat, SearchArgs};
use anyhow::Result;
use rhetor_corpus::search::search;
use rhetor_store::CorpusFilter;
use std::io::Write;

pub fn run(args: SearchArgs) -> Result<u8> {
    let store = super::open_corpus(&args.db.db)?;
    let filter = CorpusFilter {
        sources: args.source,
        languages: args.language.into_iter().collect(),
        since: args.since,
        until: args.until,
        techniques: args.technique,
        frames: args.frame,
    };
    if args.limit > rhetor_corpus::search::MAX_LIMIT {
        eprintln!(
            "rhetor: notice: --limit {} lowered to {}",
            args.limit,
            rhetor_corpus::search::MAX_LIMIT
        );
    }
    let hits = search(&store, &args.query, &filter, args.limit, 0)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for h in &hits {
        match args.format {
            HitsFormat::Jsonl => {
                let v = serde_json::json!({
                    "id": h.id,
                    "source": h.source,
                    "published": h.published,
                    "line": h.line,
                    "snippet": h.snippet,
                    "techniques": h.techniques,
                    "score": h.score,
                    "article": h.article,
                });
                writeln!(out, "{v}")?;
            }
            HitsFormat::Table => {
                writeln!(
                    out,
                    "{}  {}  {}  line {}  score {:.2}  {}",
                    h.id,
                    h.source.as_deref().unwrap_or("-"),
                    h.published.as_deref().unwrap_or("-"),
                    h.line,
                    h.score,
                    if h.techniques.is_empty() {
                        String::new()
                    } else {
                        format!("[{}]", h.techniques.join(", "))
                    }
                )?;
                writeln!(out, "    {}", h.snippet)?;
            }
        }
    }
    if hits.is_empty() {
        eprintln!("rhetor: no match");
    }
    Ok(0)
}
