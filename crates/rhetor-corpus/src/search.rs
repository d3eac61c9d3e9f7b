//! `rhetor search`: full-text search over titles and paragraphs.
//!
//! The query is FTS5 syntax (`word`, `"a phrase"`, `a OR b`, `a NOT b`,
//! `pref*`), with case and accents folded in every script. Text that is
//! not valid FTS5 syntax (an apostrophe, a colon, a lone quote) is not an
//! error: it is searched again as its words, each quoted, all required.

use rhetor_store::{CorpusFilter, CorpusStore, SearchHit, SearchQuery, StoreError};

/// The most hits one search returns.
pub const MAX_LIMIT: usize = 1000;

/// Searches; `limit` is capped at [`MAX_LIMIT`].
pub fn search(
    store: &dyn CorpusStore,
    text: &str,
    filter: &CorpusFilter,
    limit: usize,
    offset: usize,
) -> Result<Vec<SearchHit>, SearchError> {
    let words = quoted_words(text);
    if words.is_empty() {
        return Err(SearchError::EmptyQuery);
    }
    let mut q = SearchQuery {
        text: text.to_string(),
        filter: filter.clone(),
        limit: limit.min(MAX_LIMIT),
        offset,
    };
    match store.search(&q) {
        Ok(hits) => Ok(hits),
        Err(StoreError::Sqlite { .. }) => {
            q.text = words;
            store.search(&q).map_err(SearchError::Store)
        }
        Err(e) => Err(SearchError::Store(e)),
    }
}

/// `l'Élysée: "x` → `"l" "Élysée" "x"`: the query's words, each a phrase.
pub fn quoted_words(text: &str) -> String {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| format!("\"{w}\""))
        .collect::<Vec<_>>()
        .join(" ")
}

#[derive(Debug, thiserror::Error)]
/// Why a search failed.
pub enum SearchError {
    #[error("the search query has no words")]
    /// The query has no word to look for (a 400, not a server error).
    EmptyQuery,
    #[error(transparent)]
    /// The store failed.
    Store(#[from] StoreError),
}

#[cfg(test)]
mod tests {
    #[test]
    fn quoting() {
        assert_eq!(
            super::quoted_words("l'Élysée: \"x"),
            "\"l\" \"Élysée\" \"x\""
        );
        assert_eq!(super::quoted_words(" ?! "), "");
    }
}
