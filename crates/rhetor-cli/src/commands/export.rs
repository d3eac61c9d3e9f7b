//! `rhetor export`: stored articles with their newest analyses, as JSON
//! Lines (the `analyze` object plus url/source/published), SemEval rows or
//! CSV.

use crate::cli::{ExportArgs, ExportFormat};
use crate::commands::output::Output;
use crate::EXIT_USAGE;
use anyhow::Result;
use rhetor_core::{Document, Technique};
use rhetor_formats::{semeval, Task};
use rhetor_store::{Filter, SqliteStore, Store, StoreError, StoredArticle};
use std::io::Write;

pub fn run(args: ExportArgs) -> Result<u8> {
    let task: Option<Task> = args.task;
    if args.format == ExportFormat::Semeval && task.is_none() {
        eprintln!("rhetor: error: --task is required with --format semeval");
        return Ok(EXIT_USAGE);
    }
    let store = SqliteStore::open_read_only(&args.db.db)?;
    let filter = Filter {
        source: args.source,
        since: args.since,
        until: args.until,
    };
    let mut out = Output::open(args.output.as_deref())?;
    if args.format == ExportFormat::Csv {
        write_csv_header(&mut out)?;
    }
    let io = |e: std::io::Error| StoreError::Corrupt {
        path: args.db.db.clone(),
        why: format!("cannot write output: {e}"),
    };
    store.for_each_article(&filter, &mut |stored: StoredArticle| {
        // The stored analysis as it is; a document is built only for an
        // article stored without one.
        let doc = match &stored.document {
            Some(d) => std::borrow::Cow::Borrowed(d),
            None => std::borrow::Cow::Owned(stored.article.to_document()),
        };
        match (args.format, task) {
            (ExportFormat::Jsonl, _) => write_jsonl(&mut out, &stored, &doc).map_err(io),
            (ExportFormat::Semeval, Some(t)) => semeval::write_rows(&mut out, t, &doc).map_err(io),
            (ExportFormat::Semeval, None) => Ok(()),
            (ExportFormat::Csv, _) => write_csv_row(&mut out, &stored, &doc).map_err(io),
        }
    })?;
    out.commit()?;
    Ok(0)
}

/// The `analyze` JSON object, with `url`, `source` and `published` added
/// after its own fields (so the shared fields keep `analyze`'s order).
fn write_jsonl(out: &mut Output, stored: &StoredArticle, doc: &Document) -> std::io::Result<()> {
    let object = serde_json::to_string(doc)?;
    let body = object.strip_suffix('}').unwrap_or(&object);
    let a = &stored.article;
    writeln!(
        out,
        "{body},\"url\":{},\"source\":{},\"published\":{}}}",
        serde_json::to_string(&a.url)?,
        serde_json::to_string(&a.source)?,
        serde_json::to_string(&a.published)?
    )
}

fn write_csv_header(out: &mut Output) -> std::io::Result<()> {
    let mut cols: Vec<String> = ["id", "source", "published", "language", "genre", "frames"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    cols.extend(Technique::ALL.iter().map(|t| t.as_str().to_string()));
    writeln!(out, "{}", cols.join(","))
}

fn write_csv_row(out: &mut Output, stored: &StoredArticle, doc: &Document) -> std::io::Result<()> {
    let a = &stored.article;
    let mut fields = vec![
        csv_field(&a.id),
        csv_field(a.source.as_deref().unwrap_or("")),
        csv_field(a.published.as_deref().unwrap_or("")),
        csv_field(doc.language.as_deref().unwrap_or("")),
        csv_field(doc.genre.as_ref().map(|g| g.label.as_str()).unwrap_or("")),
        csv_field(
            &doc.frames
                .iter()
                .map(|f| f.label.as_str())
                .collect::<Vec<_>>()
                .join(";"),
        ),
    ];
    // Paragraphs showing each technique.
    let mut counts = vec![0usize; Technique::ALL.len()];
    for p in &doc.paragraphs {
        for t in &p.techniques {
            counts[t.label.index()] += 1;
        }
    }
    fields.extend(counts.iter().map(|c| c.to_string()));
    writeln!(out, "{}", fields.join(","))
}

/// RFC 4180: quoted when it holds a comma, quote or line break.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn csv_quoting() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
