//! Reading stored articles back with their newest analysis
//! ([`Store::for_each_article`], one article for the corpus routes) and the
//! counts of `rhetor db info`.

use super::{sql, SqliteStore};
#[cfg(doc)]
use crate::Store;
use crate::{Filter, Info, StoreError, StoredArticle};
use rhetor_core::{GenreScores, OffsetMap, Scored};
use rhetor_extract::Article;
use rusqlite::params;
use std::collections::BTreeMap;

impl SqliteStore {
    /// [`Store::for_each_article`], optionally of one article row only.
    pub(crate) fn for_each_where(
        &self,
        filter: &Filter,
        only: Option<i64>,
        f: &mut dyn FnMut(StoredArticle) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let e = sql(&self.path);
        // One article: by its row, through the primary key (an `OR` in the
        // condition would make SQLite scan every article).
        let one = if only.is_some() {
            "a.id = ?4 AND"
        } else {
            "?4 IS NULL AND"
        };
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT a.id, a.ext_id, a.url, s.name, a.published, a.language, a.title, a.body, \
                        n.id, n.model, n.model_name, n.language, n.genre, n.genre_scores \
                 FROM articles a \
                 LEFT JOIN sources s ON s.id = a.source_id \
                 LEFT JOIN analyses n ON n.id = a.latest_analysis \
                 WHERE {one} (?1 IS NULL OR s.name = ?1) \
                   AND (?2 IS NULL OR a.published >= ?2) \
                   AND (?3 IS NULL OR a.published < ?3 OR substr(a.published, 1, length(?3)) = ?3) \
                 ORDER BY a.id"
            ))
            .map_err(&e)?;
        let mut frames = self
            .conn
            .prepare_cached(
                "SELECT frame, score FROM analysis_frames WHERE analysis_id = ?1 ORDER BY pos",
            )
            .map_err(&e)?;
        let mut techniques = self
            .conn
            .prepare_cached(
                "SELECT line, technique, score FROM paragraph_techniques WHERE analysis_id = ?1 ORDER BY line, pos",
            )
            .map_err(&e)?;
        let mut spans = self
            .conn
            .prepare_cached(
                "SELECT technique, start, \"end\", score FROM spans WHERE analysis_id = ?1 ORDER BY pos",
            )
            .map_err(&e)?;
        let mut rows = stmt
            .query(params![filter.source, filter.since, filter.until, only])
            .map_err(&e)?;
        let corrupt = |why: String| StoreError::Corrupt {
            path: self.path.clone(),
            why,
        };
        while let Some(r) = rows.next().map_err(&e)? {
            let article = Article {
                id: r.get(1).map_err(&e)?,
                url: r.get(2).map_err(&e)?,
                source: r.get(3).map_err(&e)?,
                published: r.get(4).map_err(&e)?,
                language: r.get(5).map_err(&e)?,
                title: r.get(6).map_err(&e)?,
                text: r.get(7).map_err(&e)?,
            };
            let analysis_id: Option<i64> = r.get(8).map_err(&e)?;
            let Some(analysis_id) = analysis_id else {
                f(StoredArticle {
                    article,
                    model_version: None,
                    document: None,
                })?;
                continue;
            };
            let mut doc = article.to_document();
            doc.model = r.get(10).map_err(&e)?;
            doc.language = r.get(11).map_err(&e)?;
            let genre: Option<String> = r.get(12).map_err(&e)?;
            let genre_scores: Option<String> = r.get(13).map_err(&e)?;
            if let (Some(g), Some(scores)) = (genre, genre_scores) {
                doc.genre = Some(GenreScores {
                    label: g.parse().map_err(|err| corrupt(format!("genre: {err}")))?,
                    scores: serde_json::from_str(&scores)
                        .map_err(|err| corrupt(format!("genre scores: {err}")))?,
                });
            }
            let mut fr = frames.query([analysis_id]).map_err(&e)?;
            while let Some(x) = fr.next().map_err(&e)? {
                let label: String = x.get(0).map_err(&e)?;
                let score: f64 = x.get(1).map_err(&e)?;
                doc.frames.push(Scored::new(
                    label
                        .parse()
                        .map_err(|err| corrupt(format!("frame: {err}")))?,
                    score as f32,
                ));
            }
            let mut tq = techniques.query([analysis_id]).map_err(&e)?;
            while let Some(x) = tq.next().map_err(&e)? {
                let line: i64 = x.get(0).map_err(&e)?;
                let label: String = x.get(1).map_err(&e)?;
                let score: f64 = x.get(2).map_err(&e)?;
                let technique = label
                    .parse()
                    .map_err(|err| corrupt(format!("technique: {err}")))?;
                doc.paragraph_at_line_mut(line as usize)
                    .ok_or_else(|| {
                        corrupt(format!(
                            "technique on line {line}, which the text does not have"
                        ))
                    })?
                    .techniques
                    .push(Scored::new(technique, score as f32));
            }
            let map = OffsetMap::new(&doc.text);
            let mut sq = spans.query([analysis_id]).map_err(&e)?;
            while let Some(x) = sq.next().map_err(&e)? {
                let label: String = x.get(0).map_err(&e)?;
                let (start, end): (i64, i64) = (x.get(1).map_err(&e)?, x.get(2).map_err(&e)?);
                let score: f64 = x.get(3).map_err(&e)?;
                let technique = label
                    .parse()
                    .map_err(|err| corrupt(format!("span: {err}")))?;
                doc.add_span(&map, technique, start as usize, end as usize, score as f32)
                    .ok_or_else(|| corrupt(format!("span {start}..{end} outside the text")))?;
            }
            f(StoredArticle {
                article,
                model_version: r.get(9).map_err(&e)?,
                document: Some(doc),
            })?;
        }
        Ok(())
    }

    pub(super) fn info_impl(&self) -> Result<Info, StoreError> {
        let e = sql(&self.path);
        let c = &self.conn;
        let count = |q: &str| -> Result<u64, StoreError> {
            c.query_row(q, [], |r| r.get::<_, i64>(0))
                .map(|n| n as u64)
                .map_err(sql(&self.path))
        };
        let mut analyses = BTreeMap::new();
        let mut stmt = c
            .prepare("SELECT model, count(*) FROM analyses GROUP BY model")
            .map_err(&e)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
            .map_err(&e)?;
        for row in rows {
            let (m, n) = row.map_err(&e)?;
            analyses.insert(m, n as u64);
        }
        let mut languages = BTreeMap::new();
        let mut stmt = c
            .prepare("SELECT coalesce(language, 'und'), count(*) FROM articles GROUP BY 1")
            .map_err(&e)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
            .map_err(&e)?;
        for row in rows {
            let (l, n) = row.map_err(&e)?;
            languages.insert(l, n as u64);
        }
        let (first, last): (Option<String>, Option<String>) = c
            .query_row(
                "SELECT min(published), max(published) FROM articles",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(&e)?;
        Ok(Info {
            schema_version: c
                .query_row("PRAGMA user_version", [], |r| r.get(0))
                .map_err(&e)?,
            articles: count("SELECT count(*) FROM articles")?,
            sources: count("SELECT count(*) FROM sources")?,
            analyses,
            languages,
            first_published: first,
            last_published: last,
        })
    }
}
