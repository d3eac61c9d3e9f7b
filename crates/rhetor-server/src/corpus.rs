//! The corpus routes of `rhetor serve --db PATH`: `/v1/stats`,
//! `/v1/search`, `/v1/narratives`, `/v1/articles/{id}`, the article report
//! page `/articles/{id}` and the dashboard `/corpus`.
//!
//! Every list is paged (`limit`, `offset`) with a hard cap, so no route
//! returns an unbounded list. Bad parameters are JSON errors: 400 when a
//! value is malformed (a date, a number), 422 when it is well formed but
//! names nothing rhetor knows (a technique, a frame, a grouping).

use crate::{ApiError, AppState};
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use rhetor_core::{Frame, Technique};
use rhetor_corpus::stats::{compute, StatsRequest};
use rhetor_formats::html;
use rhetor_store::{CorpusFilter, CorpusStore, GroupBy, LabelTask, SqliteStore};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};

/// The database behind the corpus routes (one connection, one query at a
/// time; queries are short).
pub type SharedStore = Arc<Mutex<SqliteStore>>;

/// Most groups one `/v1/stats` page returns.
pub const MAX_GROUPS: usize = 1000;
/// Most hits one `/v1/search` page returns.
pub const MAX_HITS: usize = 100;
/// Most clusters one `/v1/narratives` page returns.
pub const MAX_CLUSTERS: usize = 100;

/// The query string's pairs (keys may repeat).
struct Params(Vec<(String, String)>);

impl Params {
    fn parse(raw: Option<String>) -> Params {
        Params(
            form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    fn one(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, v)| k == key && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }

    fn all(&self, key: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, v)| k == key && !v.is_empty())
            .map(|(_, v)| v.clone())
            .collect()
    }

    fn number(&self, key: &str, default: usize, max: usize) -> Result<usize, ApiError> {
        match self.one(key) {
            None => Ok(default),
            Some(v) => v
                .parse::<usize>()
                .map(|n| n.min(max))
                .map_err(|_| bad(format!("{key}: {v:?} is not a whole number of at least 0"))),
        }
    }

    /// The page asked for: `limit` (`default` when absent, at most `max`)
    /// and `offset`.
    fn page(&self, default: usize, max: usize) -> Result<Page, ApiError> {
        Ok(Page {
            limit: self.number("limit", default, max)?,
            offset: self.number("offset", 0, usize::MAX)?,
        })
    }

    fn date(&self, key: &str) -> Result<Option<String>, ApiError> {
        self.one(key)
            .map(|v| rhetor_corpus::check_date(v).map_err(|e| bad(format!("{key}: {e}"))))
            .transpose()
    }

    fn filter(&self) -> Result<CorpusFilter, ApiError> {
        let techniques = self
            .all("technique")
            .iter()
            .map(|t| t.parse::<Technique>().map_err(|e| unknown(e.to_string())))
            .collect::<Result<_, _>>()?;
        let frames = self
            .all("frame")
            .iter()
            .map(|f| f.parse::<Frame>().map_err(|e| unknown(e.to_string())))
            .collect::<Result<_, _>>()?;
        Ok(CorpusFilter {
            sources: self.all("source"),
            languages: self.all("language"),
            since: self.date("since")?,
            until: self.date("until")?,
            techniques,
            frames,
        })
    }
}

/// One page of a list route.
#[derive(Debug, Clone, Copy)]
struct Page {
    limit: usize,
    offset: usize,
}

impl Page {
    /// The answer of a list route: `fields` (the page's items under their
    /// name, and the total where it is known) with `offset` and `limit`.
    fn answer(self, mut fields: Value) -> Json<Value> {
        if let Some(obj) = fields.as_object_mut() {
            obj.insert("offset".into(), json!(self.offset));
            obj.insert("limit".into(), json!(self.limit));
        }
        Json(fields)
    }
}

fn bad(message: String) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, message)
}

fn unknown(message: String) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, message)
}

fn store(state: &AppState) -> Result<SharedStore, ApiError> {
    state.corpus.clone().ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "no corpus: start the server with `rhetor serve --db PATH`",
        )
    })
}

/// Runs a query on the blocking pool with the store locked.
async fn with_store<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&mut SqliteStore) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let shared = store(state)?;
    tokio::task::spawn_blocking(move || {
        let mut guard = shared
            .lock()
            .map_err(|_| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "store unavailable"))?;
        f(&mut guard)
    })
    .await
    .map_err(|_| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "query failed"))?
}

fn internal(e: impl std::fmt::Display) -> ApiError {
    tracing::error!(error = %e, "corpus query failed");
    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
}

/// `GET /v1/stats?by=source,month&task=techniques&source=…&since=…&min_articles=20&limit=&offset=`
pub async fn stats(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let p = Params::parse(raw);
    let by_text = p.one("by").unwrap_or("source");
    let by: Vec<GroupBy> = by_text
        .split(',')
        .filter(|g| *g != "none")
        .map(|g| {
            GroupBy::parse(g).ok_or_else(|| {
                unknown(format!(
                    "by: unknown group {g:?} (source, language, month, week, two of them, or none)"
                ))
            })
        })
        .collect::<Result<_, _>>()?;
    if by.len() > 2 {
        return Err(unknown("by: at most two groups".into()));
    }
    let task = match p.one("task").unwrap_or("techniques") {
        "techniques" => LabelTask::Techniques,
        "frames" => LabelTask::Frames,
        "genre" => LabelTask::Genre,
        t => {
            return Err(unknown(format!(
                "task: unknown task {t:?} (techniques, frames or genre)"
            )))
        }
    };
    let req = StatsRequest {
        by,
        task,
        filter: p.filter()?,
        min_articles: p.number("min_articles", 20, u64::MAX as usize)? as u64,
    };
    let page = p.page(100, MAX_GROUPS)?;
    with_store(&state, move |s| {
        let groups = compute(&*s, &req).map_err(internal)?;
        let total = groups.len();
        let items: Vec<_> = groups
            .into_iter()
            .skip(page.offset)
            .take(page.limit)
            .collect();
        Ok(page.answer(json!({ "total": total, "groups": items })))
    })
    .await
}

/// `GET /v1/search?q=…&technique=…&frame=…&source=…&language=…&since=&until=&limit=&offset=`
pub async fn search(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let p = Params::parse(raw);
    let q = p
        .one("q")
        .ok_or_else(|| bad("q: the search words are missing".into()))?
        .to_string();
    let filter = p.filter()?;
    let page = p.page(20, MAX_HITS)?;
    with_store(&state, move |s| {
        let hits = rhetor_corpus::search::search(&*s, &q, &filter, page.limit, page.offset)
            .map_err(|e| match e {
                rhetor_corpus::search::SearchError::EmptyQuery => bad(format!("q: {e}")),
                e => internal(e),
            })?;
        Ok(page.answer(json!({ "query": q, "hits": hits })))
    })
    .await
}

/// `GET /v1/narratives?min_size=2&limit=&offset=`: the stored clusters
/// (brought up to date when the server starts and by `rhetor narratives`).
pub async fn narratives(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let p = Params::parse(raw);
    let min_size = p.number("min_size", 2, usize::MAX)?;
    let page = p.page(20, MAX_CLUSTERS)?;
    with_store(&state, move |s| {
        let (total, clusters) =
            rhetor_corpus::narratives::clusters(&*s, min_size, page.limit, page.offset)
                .map_err(internal)?;
        Ok(page.answer(json!({ "total": total, "clusters": clusters })))
    })
    .await
}

/// Most articles one `/v1/articles` page lists.
pub const MAX_ARTICLES: usize = 200;

/// `GET /v1/articles?source=…&technique=…&frame=…&language=…&since=&until=&limit=&offset=`:
/// matching articles, newest first (techniques and frames: any paragraph).
pub async fn articles(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let p = Params::parse(raw);
    let filter = p.filter()?;
    let page = p.page(50, MAX_ARTICLES)?;
    with_store(&state, move |s| {
        let (total, items) = s
            .list_articles(&filter, page.limit, page.offset)
            .map_err(internal)?;
        Ok(page.answer(json!({ "total": total, "articles": items })))
    })
    .await
}

fn article_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| bad(format!("article id {raw:?} is not a positive whole number")))
}

fn load_article(
    s: &SqliteStore,
    id: i64,
) -> Result<(rhetor_store::StoredArticle, rhetor_core::Document), ApiError> {
    let stored = s
        .article(id)
        .map_err(internal)?
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, format!("no article {id}")))?;
    let doc = stored
        .document
        .clone()
        .unwrap_or_else(|| stored.article.to_document());
    Ok((stored, doc))
}

/// `GET /v1/articles/{id}`: the article object of `rhetor export --format
/// jsonl` (the `analyze` object plus url, source, published), and `article`.
pub async fn article(
    State(state): State<AppState>,
    Path(raw): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = article_id(&raw)?;
    with_store(&state, move |s| {
        let (stored, doc) = load_article(s, id)?;
        let mut v = serde_json::to_value(&doc).map_err(internal)?;
        if let Some(obj) = v.as_object_mut() {
            let a = &stored.article;
            obj.insert("url".into(), json!(a.url));
            obj.insert("source".into(), json!(a.source));
            obj.insert("published".into(), json!(a.published));
            obj.insert("article".into(), json!(id));
        }
        Ok(Json(v))
    })
    .await
}

/// `GET /articles/{id}`: the article's HTML report (the renderer of
/// `rhetor analyze --format html`).
pub async fn article_page(
    State(state): State<AppState>,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    let id = article_id(&raw)?;
    let page = with_store(&state, move |s| {
        let (_, doc) = load_article(s, id)?;
        Ok(html::render_page(&[doc]))
    })
    .await?;
    Ok(with_csp(Html(page).into_response()))
}

/// `GET /corpus`: the dashboard.
pub async fn dashboard(State(state): State<AppState>) -> Result<Response, ApiError> {
    store(&state)?;
    Ok(with_csp(
        Html(html::page(
            "rhetor corpus",
            DASHBOARD_BODY,
            DASHBOARD_SCRIPT,
        ))
        .into_response(),
    ))
}

const DASHBOARD_BODY: &str = include_str!("page/corpus.html");
const DASHBOARD_SCRIPT: &str = include_str!("page/corpus.js");

/// The pages (`/`, the dashboard, reports) need nothing but this server:
/// say so to the browser.
pub(crate) fn with_csp(mut res: Response) -> Response {
    res.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; connect-src 'self'; style-src 'unsafe-inline'; \
             script-src 'unsafe-inline'; img-src 'self' data:; form-action 'none'; \
             base-uri 'none'; frame-ancestors 'none'",
        ),
    );
    res
}
