//! rhetor-extract: news as it comes (saved web pages, RSS/Atom feeds, WARC
//! files, JSON Lines, SemEval `.txt` articles) turned into [`Article`]
//! records.
//!
//! Reading happens in two steps so that the costly one runs in parallel:
//! [`Units`] walks the inputs in order (files, directories, the records of
//! a WARC file, the items of a feed) and yields [`Unit`]s; a [`Page`] unit
//! still holds raw HTML, and [`Page::extract`] (main-text extraction) can
//! run on any thread.
//!
//! Each reader is also a plain function over bytes, for fuzzing:
//! [`html::read_html`], [`feed::read_feed`], [`warc::WarcReader::from_bytes`].

#![warn(missing_docs)]

pub mod encoding;
pub mod feed;
pub mod html;
pub mod inputs;
mod name_keys;
mod noise_names;
mod prune;
pub mod warc;

pub use inputs::Units;

use rhetor_core::Document;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// One article record, as `rhetor extract` prints it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Article {
    /// The record's id: the page's file name, the JSON record's id, or one made from the URL ([`url_id`]).
    pub id: String,
    /// The canonical URL, when the page, feed or WARC record gives one.
    pub url: Option<String>,
    /// The outlet's name (`og:site_name`, the feed's title, …).
    pub source: Option<String>,
    /// ISO 8601 date or date-time.
    pub published: Option<String>,
    /// ISO 639-1 code of the body text, when it can be identified.
    pub language: Option<String>,
    /// The headline (empty when none was found).
    pub title: String,
    /// Body paragraphs, one per line, joined by `\n`.
    pub text: String,
}

impl Article {
    /// The document the models analyse: title, an empty line, the body (the
    /// layout `rhetor analyze` gives a JSON Lines record with a title).
    pub fn to_document(&self) -> Document {
        Document::from_title_and_body(self.id.clone(), &self.title, &self.text)
    }

    /// [`Article::to_document`] and [`Article::content_hash`] from one
    /// copy of the text (the hash is that of the document's text).
    pub fn document_and_hash(&self) -> (Document, String) {
        let doc = self.to_document();
        let hash = sha256_hex(doc.text.as_bytes());
        (doc, hash)
    }

    /// SHA-256 (hex) of the analysed text: articles with the same hash are
    /// the same article, whatever their id or URL.
    pub fn content_hash(&self) -> String {
        let doc_text = if self.title.is_empty() {
            self.text.clone()
        } else {
            format!("{}\n\n{}", self.title, self.text)
        };
        hex(&Sha256::digest(doc_text.as_bytes()))
    }
}

/// SHA-256 of `bytes`, in hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A stable id for a record without a file of its own (feed items, WARC
/// records): the first 16 hex digits of the SHA-256 of its URL.
pub fn url_id(url: &str) -> String {
    hex(&Sha256::digest(url.as_bytes())[..8])
}

/// An input that could not be turned into an article. `location` names the
/// file and the line, byte offset or WARC record.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{location}: {message}")]
pub struct ExtractError {
    /// The file and the line, byte offset or WARC record.
    pub location: String,
    /// What is wrong.
    pub message: String,
}

/// The message of [`Outcome::NoArticleText`] (a page or feed item that
/// yielded no article: reported, counted as skipped, not an error).
pub const NO_ARTICLE_TEXT: &str = "no article text";

/// A saved page waiting for main-text extraction, with what its container
/// (WARC record, feed item) already knows about it.
#[derive(Debug, Clone)]
pub struct Page {
    /// File, WARC record or feed item, for messages.
    pub location: String,
    /// The page's raw bytes, in whatever encoding it came in.
    pub bytes: Vec<u8>,
    /// The id its article will get.
    pub id: String,
    /// The container's URL for it (WARC-Target-URI, the feed item's link).
    pub url: Option<String>,
    /// The container's date (WARC-Date, the feed item's date); the page's
    /// own date wins when it has one.
    pub published: Option<String>,
    /// The container's source name (the feed's title); the page's own
    /// `og:site_name` wins.
    pub source: Option<String>,
    /// The charset of the HTTP response it came in.
    pub http_charset: Option<String>,
}

impl Page {
    /// Extracts the article: `Ok(None)` for a page without article text
    /// (a list page, an empty page).
    pub fn extract(&self) -> Result<Option<Article>, ExtractError> {
        html::read_page(self)
    }
}

/// One step of reading the inputs.
#[derive(Debug)]
pub enum Unit {
    /// A record that needed no HTML extraction (JSON Lines, SemEval text,
    /// a feed item whose content is the body).
    Article(Article),
    /// HTML still to extract (see [`Page::extract`]).
    Page(Page),
    /// A feed item with no body and no saved page: reported as
    /// [`NO_ARTICLE_TEXT`] (`detail` says why) and counted as skipped.
    NoArticleText {
        /// The feed and item.
        location: String,
        /// Why it has no text.
        detail: String,
    },
    /// Passed over on purpose and counted, quietly: a non-HTML WARC
    /// response, a non-article file in a directory.
    Skipped {
        /// The file or record.
        location: String,
        /// Why it was passed over.
        reason: String,
    },
    /// Bad input: the message names the file and where.
    Failed(ExtractError),
}

impl Unit {
    /// A [`Unit::Failed`] with this location and message.
    pub fn failed(location: impl Into<String>, message: impl Into<String>) -> Unit {
        Unit::Failed(ExtractError {
            location: location.into(),
            message: message.into(),
        })
    }
}

/// Identifies the language of an article's text (ISO 639-1), with the same
/// identifier `rhetor analyze` uses, so the record says what the models see
/// (`identify_document` of [`Article::to_document`], read from the title and
/// the text without building that document).
pub fn identify_language(
    lid: &rhetor_core::lang::LanguageIdentifier,
    article: &Article,
) -> Option<String> {
    rhetor_core::lang::identify_title_and_body(lid, &article.title, &article.text)
        .map(str::to_string)
}

/// A [`Unit`] after extraction: what a reader finally made of it.
#[derive(Debug)]
pub enum Outcome {
    /// An article, ready to print or store.
    Article(Article),
    /// A page (or feed item) without article text, such as a list of
    /// links: worth a message to the user (`reason` starts with
    /// [`NO_ARTICLE_TEXT`]), counted as skipped, not an error.
    NoArticleText {
        /// The page or feed item.
        location: String,
        /// [`NO_ARTICLE_TEXT`] and why.
        reason: String,
    },
    /// Passed over on purpose and counted, without a message (a WARC's
    /// images and redirects, a non-article file in a folder).
    Skipped {
        /// The file or record.
        location: String,
        /// Why it was passed over.
        reason: String,
    },
    /// Bad input, with its location.
    Failed(ExtractError),
}

/// Finishes a unit: extracts a page's main text and identifies the
/// language of every article that does not say it. Runs on any thread.
pub fn finish(unit: Unit, lid: &rhetor_core::lang::LanguageIdentifier) -> Outcome {
    match extract(unit) {
        Outcome::Article(mut article) => {
            if article.language.is_none() {
                article.language = identify_language(lid, &article);
            }
            Outcome::Article(article)
        }
        other => other,
    }
}

/// [`finish`] without the language identification: what `ingest` runs
/// before it knows whether the article is new (a stored one needs no
/// language). Runs on any thread.
pub fn extract(unit: Unit) -> Outcome {
    let article = match unit {
        Unit::Article(a) => a,
        Unit::Page(page) => match page.extract() {
            Ok(Some(a)) => a,
            Ok(None) => {
                return Outcome::NoArticleText {
                    location: page.location,
                    reason: NO_ARTICLE_TEXT.into(),
                }
            }
            Err(e) => return Outcome::Failed(e),
        },
        Unit::NoArticleText { location, detail } => {
            return Outcome::NoArticleText {
                location,
                reason: format!("{NO_ARTICLE_TEXT} ({detail})"),
            }
        }
        Unit::Skipped { location, reason } => return Outcome::Skipped { location, reason },
        Unit::Failed(e) => return Outcome::Failed(e),
    };
    Outcome::Article(article)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_and_its_hash_are_those_of_the_article() {
        for title in ["Le pont rouvre", ""] {
            let a = Article {
                id: "x".into(),
                url: None,
                source: None,
                published: None,
                language: None,
                title: title.into(),
                text: "Le pont a rouvert lundi.\nLa circulation est normale.".into(),
            };
            let (doc, hash) = a.document_and_hash();
            assert_eq!(doc, a.to_document());
            assert_eq!(hash, a.content_hash());
        }
    }
}
