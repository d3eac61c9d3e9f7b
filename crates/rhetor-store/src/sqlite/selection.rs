//! The filtered selection every corpus query starts from (`WITH sel AS
//! (...)`), with the SQL of each [`GroupBy`] and the helpers that group by
//! and read group keys.

use crate::{CorpusFilter, GroupBy};
use rusqlite::types::Value;

/// The SQL expression of a group's value.
fn group_sql(by: GroupBy) -> &'static str {
    match by {
        GroupBy::Source => "coalesce(s.name, '')",
        GroupBy::Language => "coalesce(a.language, 'und')",
        GroupBy::Month => "substr(a.published, 1, 7)",
        GroupBy::Week => "strftime('%G-W%V', substr(a.published, 1, 10))",
    }
}

/// `WITH sel AS (...)`: the filtered articles with their newest analysis
/// and group values `g0`, `g1`, … Returns the SQL and its parameters.
pub(super) fn selection(
    by: &[GroupBy],
    filter: &CorpusFilter,
    analysed_only: bool,
    article_level_techniques: bool,
) -> (String, Vec<Value>) {
    let mut params: Vec<Value> = Vec::new();
    let mut cols = String::new();
    for (i, g) in by.iter().enumerate() {
        cols.push_str(&format!(", {} AS g{i}", group_sql(*g)));
    }
    let mut wh = vec![if analysed_only {
        "a.latest_analysis IS NOT NULL".to_string()
    } else {
        "1".to_string()
    }];
    let mut any_of = |column: &str, values: Vec<Value>, params: &mut Vec<Value>| {
        if !values.is_empty() {
            let marks = vec!["?"; values.len()].join(", ");
            wh.push(format!("{column} IN ({marks})"));
            params.extend(values);
        }
    };
    any_of(
        "s.name",
        filter
            .sources
            .iter()
            .map(|s| Value::Text(s.clone()))
            .collect(),
        &mut params,
    );
    any_of(
        "coalesce(a.language, 'und')",
        filter
            .languages
            .iter()
            .map(|s| Value::Text(s.clone()))
            .collect(),
        &mut params,
    );
    if let Some(since) = &filter.since {
        wh.push("a.published >= ?".into());
        params.push(Value::Text(since.clone()));
    }
    if let Some(until) = &filter.until {
        wh.push("(a.published < ? OR substr(a.published, 1, length(?)) = ?)".into());
        for _ in 0..3 {
            params.push(Value::Text(until.clone()));
        }
    }
    if !filter.frames.is_empty() {
        let marks = vec!["?"; filter.frames.len()].join(", ");
        wh.push(format!(
            "EXISTS (SELECT 1 FROM analysis_frames fr WHERE fr.analysis_id = a.latest_analysis AND fr.frame IN ({marks}))"
        ));
        params.extend(filter.frames.iter().map(|f| Value::Text(f.as_str().into())));
    }
    if article_level_techniques && !filter.techniques.is_empty() {
        let marks = vec!["?"; filter.techniques.len()].join(", ");
        wh.push(format!(
            "EXISTS (SELECT 1 FROM paragraph_techniques pt WHERE pt.analysis_id = a.latest_analysis AND pt.technique IN ({marks}))"
        ));
        params.extend(
            filter
                .techniques
                .iter()
                .map(|t| Value::Text(t.as_str().into())),
        );
    }
    let sql = format!(
        "WITH sel AS (SELECT a.id AS article_id, a.latest_analysis AS analysis_id, a.paragraphs AS paragraphs, a.words AS words{cols} \
         FROM articles a \
         LEFT JOIN sources s ON s.id = a.source_id \
         WHERE {})",
        wh.join(" AND ")
    );
    (sql, params)
}

pub(super) fn group_cols(by: &[GroupBy]) -> String {
    (0..by.len()).map(|i| format!("g{i}, ")).collect::<String>()
}

pub(super) fn group_by_clause(by: &[GroupBy], extra: &str) -> String {
    let mut cols: Vec<String> = (0..by.len()).map(|i| format!("g{i}")).collect();
    if !extra.is_empty() {
        cols.push(extra.into());
    }
    if cols.is_empty() {
        String::new()
    } else {
        format!("GROUP BY {}", cols.join(", "))
    }
}

pub(super) fn read_key(r: &rusqlite::Row, n: usize) -> rusqlite::Result<Vec<Option<String>>> {
    read_key_from(r, 0, n)
}

pub(super) fn read_key_from(
    r: &rusqlite::Row,
    first: usize,
    n: usize,
) -> rusqlite::Result<Vec<Option<String>>> {
    (first..first + n)
        .map(|i| r.get::<_, Option<String>>(i))
        .collect()
}
