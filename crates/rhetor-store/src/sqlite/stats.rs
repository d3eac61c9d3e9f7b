//! The two queries behind `rhetor stats`: the size of each group, and how
//! often each label occurs in each group.

use super::selection::{group_by_clause, group_cols, read_key, read_key_from, selection};
use super::{sql, SqliteStore};
use crate::{CorpusFilter, GroupBy, GroupTotals, LabelCount, LabelTask, StoreError};
use rusqlite::params_from_iter;
use std::collections::HashMap;

pub(super) fn group_totals(
    store: &SqliteStore,
    by: &[GroupBy],
    filter: &CorpusFilter,
) -> Result<Vec<GroupTotals>, StoreError> {
    let e = sql(&store.path);
    let (with, params) = selection(by, filter, true, true);
    let q = format!(
        "{with} SELECT {}count(*), coalesce(sum(paragraphs), 0), coalesce(sum(words), 0) FROM sel {} ORDER BY {}",
        group_cols(by),
        group_by_clause(by, ""),
        if by.is_empty() { "1".to_string() } else { (0..by.len()).map(|i| format!("g{i}")).collect::<Vec<_>>().join(", ") }
    );
    let mut stmt = store.conn.prepare(&q).map_err(&e)?;
    let n = by.len();
    let rows = stmt
        .query_map(params_from_iter(params), |r| {
            Ok(GroupTotals {
                key: read_key(r, n)?,
                articles: r.get::<_, i64>(n)? as u64,
                paragraphs: r.get::<_, i64>(n + 1)? as u64,
                words: r.get::<_, i64>(n + 2)? as u64,
            })
        })
        .map_err(&e)?;
    let out: Vec<GroupTotals> = rows.collect::<Result<_, _>>().map_err(&e)?;
    // An empty selection still has its (zero) total row without groups.
    Ok(out.into_iter().filter(|g| g.articles > 0).collect())
}

pub(super) fn label_counts(
    store: &SqliteStore,
    by: &[GroupBy],
    task: LabelTask,
    filter: &CorpusFilter,
) -> Result<Vec<LabelCount>, StoreError> {
    let e = sql(&store.path);
    // Each selected analysis's group, read from the covering index.
    let (with, params) = selection(by, filter, true, true);
    let q = format!("{with} SELECT analysis_id, {}0 FROM sel", group_cols(by));
    let mut stmt = store.conn.prepare(&q).map_err(&e)?;
    let mut rows = stmt.query(params_from_iter(params.iter())).map_err(&e)?;
    let mut keys: Vec<Vec<Option<String>>> = Vec::new();
    let mut key_index: HashMap<Vec<Option<String>>, u32> = HashMap::new();
    let mut group_of: HashMap<i64, u32> = HashMap::new();
    while let Some(r) = rows.next().map_err(&e)? {
        let key = read_key_from(r, 1, by.len()).map_err(&e)?;
        let n = keys.len() as u32;
        let g = *key_index.entry(key.clone()).or_insert_with(|| {
            keys.push(key);
            n
        });
        group_of.insert(r.get(0).map_err(&e)?, g);
    }
    drop(rows);
    drop(stmt);
    // A large selection: one pass over the label table, counted here,
    // is several times faster than SQLite's join and GROUP BY (which
    // sorts every row in a temporary B-tree). A small one: the join.
    if group_of.len() >= 5_000 {
        let scan = match task {
            LabelTask::Techniques => "SELECT analysis_id, technique FROM paragraph_techniques",
            LabelTask::Frames => "SELECT analysis_id, frame FROM analysis_frames",
            LabelTask::Genre => "SELECT id, genre FROM analyses WHERE genre IS NOT NULL",
        };
        let mut stmt = store.conn.prepare(scan).map_err(&e)?;
        let mut rows = stmt.query([]).map_err(&e)?;
        let mut counts: HashMap<(u32, String), u64> = HashMap::new();
        while let Some(r) = rows.next().map_err(&e)? {
            let analysis: i64 = r.get(0).map_err(&e)?;
            if let Some(&g) = group_of.get(&analysis) {
                let label = r.get_ref(1).map_err(&e)?.as_str().map_err(|err| {
                    sql(&store.path)(rusqlite::Error::FromSqlConversionFailure(
                        1,
                        rusqlite::types::Type::Text,
                        Box::new(err),
                    ))
                })?;
                match counts.get_mut(&(g, label.to_string())) {
                    Some(c) => *c += 1,
                    None => {
                        counts.insert((g, label.to_string()), 1);
                    }
                }
            }
        }
        let mut out: Vec<LabelCount> = counts
            .into_iter()
            .map(|((g, label), count)| LabelCount {
                key: keys[g as usize].clone(),
                label,
                count,
            })
            .collect();
        out.sort_by(|a, b| a.key.cmp(&b.key).then(a.label.cmp(&b.label)));
        return Ok(out);
    }
    let (with, params) = selection(by, filter, true, true);
    let (label, from) = match task {
        LabelTask::Techniques => (
            "t.technique",
            "sel JOIN paragraph_techniques t ON t.analysis_id = sel.analysis_id",
        ),
        LabelTask::Frames => (
            "t.frame",
            "sel JOIN analysis_frames t ON t.analysis_id = sel.analysis_id",
        ),
        LabelTask::Genre => (
            "t.genre",
            "sel JOIN analyses t ON t.id = sel.analysis_id AND t.genre IS NOT NULL",
        ),
    };
    let q = format!(
        "{with} SELECT {}{label}, count(*) FROM {from} {}",
        group_cols(by),
        group_by_clause(by, label)
    );
    let mut stmt = store.conn.prepare(&q).map_err(&e)?;
    let n = by.len();
    let rows = stmt
        .query_map(params_from_iter(params), |r| {
            Ok(LabelCount {
                key: read_key(r, n)?,
                label: r.get(n)?,
                count: r.get::<_, i64>(n + 1)? as u64,
            })
        })
        .map_err(&e)?;
    rows.collect::<Result<_, _>>().map_err(&e)
}
