//! Full-text search: the matching lines ranked by BM25, then metadata,
//! highlights and techniques for the page asked for only.

use super::selection::selection;
use super::{sql, SqliteStore};
use crate::{SearchHit, SearchQuery, StoreError};
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter};

pub(super) fn search(
    store: &SqliteStore,
    query: &SearchQuery,
) -> Result<Vec<SearchHit>, StoreError> {
    let e = sql(&store.path);
    let (with, mut params) = selection(&[], &query.filter, false, false);
    let mut line_filter = String::new();
    if !query.filter.techniques.is_empty() {
        let marks = vec!["?"; query.filter.techniques.len()].join(", ");
        line_filter = format!(
            "AND EXISTS (SELECT 1 FROM paragraph_techniques pt WHERE pt.analysis_id = sel.analysis_id \
             AND pt.line = f.line AND pt.technique IN ({marks}))"
        );
    }
    // Two steps: rank the matching lines (bm25) and keep the page,
    // then fetch metadata and highlights for that page only (computing
    // highlight() for every match was most of a common word's time).
    let unfiltered = query.filter.sources.is_empty()
        && query.filter.languages.is_empty()
        && query.filter.since.is_none()
        && query.filter.until.is_none()
        && query.filter.frames.is_empty()
        && query.filter.techniques.is_empty();
    let q = if unfiltered {
        params.clear();
        "SELECT rowid, article_id, line, rank FROM text_fts WHERE text_fts MATCH ? \
         ORDER BY rank, article_id, line LIMIT ? OFFSET ?"
            .to_string()
    } else {
        format!(
            "{with} SELECT f.rowid, f.article_id, f.line, f.rank FROM text_fts f \
             JOIN sel ON sel.article_id = f.article_id \
             WHERE text_fts MATCH ? {line_filter} \
             ORDER BY f.rank, f.article_id, f.line LIMIT ? OFFSET ?"
        )
    };
    let folded = crate::fold::fold(&query.text);
    params.push(Value::Text(folded.clone()));
    if !unfiltered {
        params.extend(
            query
                .filter
                .techniques
                .iter()
                .map(|t| Value::Text(t.as_str().into())),
        );
    }
    params.push(Value::Integer(query.limit as i64));
    params.push(Value::Integer(query.offset as i64));
    let ranked: Vec<(i64, i64, i64, f64)> = {
        let mut stmt = store.conn.prepare(&q).map_err(&e)?;
        let rows = stmt
            .query_map(params_from_iter(params), |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .map_err(&e)?;
        rows.collect::<Result<_, _>>().map_err(&e)?
    };
    let mut meta = store
        .conn
        .prepare_cached(
            "SELECT a.ext_id, s.name, a.published, a.language, a.title, a.latest_analysis \
             FROM articles a LEFT JOIN sources s ON s.id = a.source_id WHERE a.id = ?1",
        )
        .map_err(&e)?;
    let mut highlight = store
        .conn
        .prepare_cached(
            "SELECT text, highlight(text_fts, 1, char(1), char(2)) FROM text_fts \
             WHERE text_fts MATCH ?1 AND rowid = ?2",
        )
        .map_err(&e)?;
    let mut techniques = store
        .conn
        .prepare_cached(
            "SELECT technique FROM paragraph_techniques WHERE analysis_id = ?1 AND line = ?2 ORDER BY pos",
        )
        .map_err(&e)?;
    let mut hits = Vec::with_capacity(ranked.len());
    for (rowid, article, line, rank) in ranked {
        type Meta = (
            String,
            Option<String>,
            Option<String>,
            Option<String>,
            String,
            Option<i64>,
        );
        let (id, source, published, language, title, analysis): Meta = meta
            .query_row([article], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            })
            .map_err(&e)?;
        let (text, highlighted): (String, String) = highlight
            .query_row(params![folded, rowid], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(&e)?;
        let techs = match analysis {
            None => Vec::new(),
            Some(a) => techniques
                .query_map(params![a, line], |r| r.get::<_, String>(0))
                .map_err(&e)?
                .collect::<Result<_, _>>()
                .map_err(&e)?,
        };
        hits.push(SearchHit {
            article,
            id,
            source,
            published,
            language,
            title,
            line: line as u32,
            snippet: crate::fold::snippet(&text, &highlighted, 24),
            techniques: techs,
            // FTS5's rank (bm25) is lower for better matches.
            score: -rank,
        });
    }
    Ok(hits)
}
