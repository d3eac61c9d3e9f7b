//! [`CorpusStore`] for [`SqliteStore`]: the stats and search queries (in
//! `stats.rs` and `search.rs`), narrative clusters and their MinHash
//! signatures, paragraph embeddings, article summaries and pages.

use super::selection::selection;
use super::{search, sql, stats, SqliteStore};
use crate::corpus::Embedded;
use crate::{
    minhash, ArticleSummary, CorpusFilter, CorpusStore, GroupBy, GroupTotals, LabelCount,
    LabelTask, Membership, SearchHit, SearchQuery, StoreError, StoredArticle,
};
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter};
use std::collections::HashMap;

impl CorpusStore for SqliteStore {
    fn group_totals(
        &self,
        by: &[GroupBy],
        filter: &CorpusFilter,
    ) -> Result<Vec<GroupTotals>, StoreError> {
        stats::group_totals(self, by, filter)
    }

    fn label_counts(
        &self,
        by: &[GroupBy],
        task: LabelTask,
        filter: &CorpusFilter,
    ) -> Result<Vec<LabelCount>, StoreError> {
        stats::label_counts(self, by, task, filter)
    }

    fn search(&self, query: &SearchQuery) -> Result<Vec<SearchHit>, StoreError> {
        search::search(self, query)
    }

    fn signatures(&self, unclustered_only: bool) -> Result<Vec<(i64, Vec<u32>)>, StoreError> {
        let e = sql(&self.path);
        let q = if unclustered_only {
            "SELECT m.article_id, m.signature FROM article_minhash m \
             WHERE NOT EXISTS (SELECT 1 FROM narrative_members n WHERE n.article_id = m.article_id) \
             ORDER BY m.article_id"
        } else {
            "SELECT article_id, signature FROM article_minhash ORDER BY article_id"
        };
        let mut stmt = self.conn.prepare(q).map_err(&e)?;
        let mut rows = stmt.query([]).map_err(&e)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(&e)? {
            let id: i64 = r.get(0).map_err(&e)?;
            let bytes: Vec<u8> = r.get(1).map_err(&e)?;
            let sig = minhash::from_bytes(&bytes).ok_or_else(|| StoreError::Corrupt {
                path: self.path.clone(),
                why: format!("article {id}: MinHash signature of {} bytes", bytes.len()),
            })?;
            out.push((id, sig));
        }
        Ok(out)
    }

    fn memberships(&self) -> Result<Vec<Membership>, StoreError> {
        let e = sql(&self.path);
        let mut stmt = self
            .conn
            .prepare(
                "SELECT article_id, cluster, similarity FROM narrative_members ORDER BY article_id",
            )
            .map_err(&e)?;
        let rows = stmt
            .query_map([], |r| {
                Ok(Membership {
                    article: r.get(0)?,
                    cluster: r.get(1)?,
                    similarity: r.get(2)?,
                })
            })
            .map_err(&e)?;
        rows.collect::<Result<_, _>>().map_err(&e)
    }

    fn narrative_threshold(&self) -> Result<Option<f64>, StoreError> {
        use rusqlite::OptionalExtension;
        let e = sql(&self.path);
        let v: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM corpus_meta WHERE key = 'narrative_threshold'",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(&e)?;
        Ok(v.and_then(|s| s.parse().ok()))
    }

    fn save_memberships(
        &mut self,
        threshold: f64,
        replace_all: bool,
        members: &[Membership],
    ) -> Result<(), StoreError> {
        let path = self.path.clone();
        let e = sql(&path);
        let tx = self.conn.transaction().map_err(&e)?;
        if replace_all {
            tx.execute("DELETE FROM narrative_members", [])
                .map_err(&e)?;
        }
        tx.execute(
            "INSERT OR REPLACE INTO corpus_meta(key, value) VALUES ('narrative_threshold', ?1)",
            [threshold.to_string()],
        )
        .map_err(&e)?;
        {
            let mut put = tx
                .prepare_cached(
                    "INSERT OR REPLACE INTO narrative_members(article_id, cluster, similarity) VALUES (?1, ?2, ?3)",
                )
                .map_err(&e)?;
            for m in members {
                put.execute(params![m.article, m.cluster, m.similarity])
                    .map_err(&e)?;
            }
        }
        tx.commit().map_err(&e)
    }

    fn summaries(&self, articles: &[i64]) -> Result<Vec<ArticleSummary>, StoreError> {
        let e = sql(&self.path);
        let mut one = self
            .conn
            .prepare_cached(
                "SELECT a.id, a.ext_id, s.name, a.published, a.language, a.title, \
                        a.latest_analysis \
                 FROM articles a LEFT JOIN sources s ON s.id = a.source_id WHERE a.id = ?1",
            )
            .map_err(&e)?;
        let mut techs = self
            .conn
            .prepare_cached(
                "SELECT DISTINCT technique FROM paragraph_techniques WHERE analysis_id = ?1 ORDER BY technique",
            )
            .map_err(&e)?;
        let mut out = Vec::with_capacity(articles.len());
        let mut seen = HashMap::new();
        for &id in articles {
            if seen.insert(id, ()).is_some() {
                continue;
            }
            let row = {
                use rusqlite::OptionalExtension;
                one.query_row([id], |r| {
                    Ok((
                        ArticleSummary {
                            article: r.get(0)?,
                            id: r.get(1)?,
                            source: r.get(2)?,
                            published: r.get(3)?,
                            language: r.get(4)?,
                            title: r.get(5)?,
                            techniques: Vec::new(),
                        },
                        r.get::<_, Option<i64>>(6)?,
                    ))
                })
                .optional()
                .map_err(&e)?
            };
            let Some((mut summary, analysis)) = row else {
                continue;
            };
            if let Some(analysis) = analysis {
                summary.techniques = techs
                    .query_map([analysis], |r| r.get::<_, String>(0))
                    .map_err(&e)?
                    .collect::<Result<_, _>>()
                    .map_err(&e)?;
            }
            out.push(summary);
        }
        Ok(out)
    }

    fn list_articles(
        &self,
        filter: &CorpusFilter,
        limit: usize,
        offset: usize,
    ) -> Result<(u64, Vec<ArticleSummary>), StoreError> {
        let e = sql(&self.path);
        let (with, params) = selection(&[], filter, false, true);
        let total: i64 = self
            .conn
            .query_row(
                &format!("{with} SELECT count(*) FROM sel"),
                params_from_iter(params.iter()),
                |r| r.get(0),
            )
            .map_err(&e)?;
        let mut page_params = params;
        page_params.push(Value::Integer(limit as i64));
        page_params.push(Value::Integer(offset as i64));
        let mut stmt = self
            .conn
            .prepare(&format!(
                "{with} SELECT sel.article_id FROM sel JOIN articles a ON a.id = sel.article_id \
                 ORDER BY a.published DESC, a.id DESC LIMIT ? OFFSET ?"
            ))
            .map_err(&e)?;
        let ids: Vec<i64> = stmt
            .query_map(params_from_iter(page_params), |r| r.get(0))
            .map_err(&e)?
            .collect::<Result<_, _>>()
            .map_err(&e)?;
        Ok((total as u64, self.summaries(&ids)?))
    }

    fn unembedded(&self) -> Result<Vec<i64>, StoreError> {
        let e = sql(&self.path);
        let mut stmt = self
            .conn
            .prepare(
                "SELECT a.id FROM articles a WHERE NOT EXISTS \
                 (SELECT 1 FROM article_embeddings v WHERE v.article_id = a.id) ORDER BY a.id",
            )
            .map_err(&e)?;
        let rows = stmt.query_map([], |r| r.get(0)).map_err(&e)?;
        rows.collect::<Result<_, _>>().map_err(&e)
    }

    fn save_embeddings(&mut self, vectors: &[(i64, Vec<Vec<f32>>)]) -> Result<(), StoreError> {
        let path = self.path.clone();
        let e = sql(&path);
        let tx = self.conn.transaction().map_err(&e)?;
        {
            let mut put = tx
                .prepare_cached(
                    "INSERT OR REPLACE INTO article_embeddings(article_id, vector) VALUES (?1, ?2)",
                )
                .map_err(&e)?;
            for (id, paragraphs) in vectors {
                // u32 dimension, then the paragraphs' f32s one after another.
                let dim = paragraphs.first().map_or(0, Vec::len) as u32;
                let mut bytes: Vec<u8> = dim.to_le_bytes().to_vec();
                bytes.extend(paragraphs.iter().flatten().flat_map(|x| x.to_le_bytes()));
                put.execute(params![id, bytes]).map_err(&e)?;
            }
        }
        tx.commit().map_err(&e)
    }

    fn embeddings(&self) -> Result<Vec<Embedded>, StoreError> {
        let e = sql(&self.path);
        let mut stmt = self
            .conn
            .prepare(
                "SELECT v.article_id, a.language, v.vector FROM article_embeddings v \
                 JOIN articles a ON a.id = v.article_id ORDER BY v.article_id",
            )
            .map_err(&e)?;
        let rows = stmt
            .query_map([], |r| {
                let bytes: Vec<u8> = r.get(2)?;
                let dim = bytes
                    .get(..4)
                    .map_or(0, |d| u32::from_le_bytes([d[0], d[1], d[2], d[3]]) as usize);
                let values: Vec<f32> = bytes
                    .get(4..)
                    .unwrap_or_default()
                    .chunks_exact(4)
                    .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                    .collect();
                let paragraphs = if dim == 0 {
                    Vec::new()
                } else {
                    values.chunks_exact(dim).map(<[f32]>::to_vec).collect()
                };
                Ok((r.get(0)?, r.get(1)?, paragraphs))
            })
            .map_err(&e)?;
        rows.collect::<Result<_, _>>().map_err(&e)
    }

    fn article(&self, article: i64) -> Result<Option<StoredArticle>, StoreError> {
        let mut found = None;
        self.for_each_where(&crate::Filter::default(), Some(article), &mut |a| {
            found = Some(a);
            Ok(())
        })?;
        Ok(found)
    }
}
