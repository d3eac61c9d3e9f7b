//! RSS 2.0, Atom (and RSS 1.0/JSON Feed, which `feed-rs` also reads): one
//! article per item. The body comes from `content:encoded` / Atom
//! `<content>`, or from the summary when that holds the body; an item whose
//! link names a page saved next to the feed is read from that page instead.

use crate::{url_id, Page, Unit};
use std::path::Path;

/// A summary shorter than this many words is a teaser, not the body.
const MIN_BODY_WORDS: usize = 40;

/// Reads a feed's items. `name` names the file in messages; `dir` is the
/// folder the feed was found in (for saved pages next to it).
pub fn read_feed(bytes: &[u8], name: &str, dir: Option<&Path>) -> Vec<Unit> {
    let feed = match feed_rs::parser::parse(bytes) {
        Ok(f) => f,
        Err(e) => {
            return vec![Unit::failed(
                name,
                format!("not a readable RSS/Atom feed: {e}"),
            )]
        }
    };
    let source = feed.title.as_ref().map(|t| t.content.trim().to_string());
    let mut units = Vec::new();
    for (i, entry) in feed.entries.into_iter().enumerate() {
        let location = format!("{name}: item {}", i + 1);
        let link = entry
            .links
            .iter()
            .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
            .or(entry.links.first())
            .map(|l| l.href.clone());
        let published = entry
            .published
            .or(entry.updated)
            .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
        let id = link
            .as_deref()
            .map(url_id)
            .unwrap_or_else(|| url_id(&format!("{name}#{}", entry.id)));
        if let (Some(dir), Some(link)) = (dir, link.as_deref()) {
            if let Some(path) = saved_page(dir, link) {
                match std::fs::read(&path) {
                    Ok(bytes) => {
                        units.push(Unit::Page(Page {
                            location: path.display().to_string(),
                            bytes,
                            id,
                            url: Some(link.to_string()),
                            published,
                            source: source.clone(),
                            http_charset: None,
                        }));
                    }
                    Err(e) => units.push(Unit::failed(path.display().to_string(), e.to_string())),
                }
                continue;
            }
        }
        let content = entry
            .content
            .and_then(|c| c.body)
            .filter(|b| !b.trim().is_empty());
        let summary = entry
            .summary
            .map(|s| s.content)
            .filter(|s| !s.trim().is_empty());
        let body = content.or_else(|| summary.filter(|s| word_count(s) >= MIN_BODY_WORDS));
        let Some(body) = body else {
            units.push(Unit::NoArticleText {
                location,
                detail: "the item holds no body and no saved page".into(),
            });
            continue;
        };
        // Item bodies are HTML fragments: wrap them as a page with the
        // item's title so the same extractor cleans them.
        let title = entry.title.map(|t| t.content).unwrap_or_default();
        let html = format!(
            "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{}</title></head><body><article><h1>{}</h1>{}</article></body></html>",
            rhetor_formats::html::escape(&title),
            rhetor_formats::html::escape(&title),
            if body.contains('<') { body } else { paragraphs_to_html(&body) }
        );
        units.push(Unit::Page(Page {
            location,
            bytes: html.into_bytes(),
            id,
            url: link,
            published,
            source: source.clone(),
            http_charset: Some("utf-8".into()),
        }));
    }
    units
}

/// The saved pages next to a feed (in `dir`) that its items link to: the
/// pages [`read_feed`] reads as those items. An unreadable feed names none.
pub fn saved_pages(bytes: &[u8], dir: &Path) -> Vec<std::path::PathBuf> {
    let Ok(feed) = feed_rs::parser::parse(bytes) else {
        return Vec::new();
    };
    feed.entries
        .iter()
        .filter_map(|entry| {
            let link = entry
                .links
                .iter()
                .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
                .or(entry.links.first())?;
            saved_page(dir, &link.href)
        })
        .collect()
}

fn word_count(html: &str) -> usize {
    html.split_whitespace().count()
}

fn paragraphs_to_html(text: &str) -> String {
    text.split('\n')
        .filter(|l| !l.trim().is_empty())
        .map(|l| format!("<p>{}</p>", rhetor_formats::html::escape(l)))
        .collect()
}

/// The saved page an item's link names, next to the feed: a file named
/// like the link's last path segment, with or without `.html`/`.htm`.
fn saved_page(dir: &Path, link: &str) -> Option<std::path::PathBuf> {
    let path = link.split(['?', '#']).next()?.trim_end_matches('/');
    let last = path.rsplit('/').next()?;
    if last.is_empty() || last.contains("..") || last.contains(':') {
        return None;
    }
    let stem = last
        .strip_suffix(".html")
        .or_else(|| last.strip_suffix(".htm"))
        .unwrap_or(last);
    [
        format!("{stem}.html"),
        format!("{stem}.htm"),
        last.to_string(),
    ]
    .into_iter()
    .map(|n| dir.join(n))
    .find(|p| p.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    const RSS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>Valley News</title><link>https://valley.example/</link>
<item><title>Bridge reopens</title><link>https://valley.example/news/bridge</link>
<pubDate>Tue, 02 Jan 2024 10:00:00 +0100</pubDate>
<description>Short teaser.</description>
<content:encoded><![CDATA[<p>The bridge reopened on Monday after repairs.</p><p>Traffic is back to normal.</p>]]></content:encoded></item>
<item><title>Teaser only</title><link>https://valley.example/news/teaser</link><description>Just a line.</description></item>
<item><title>Saved</title><link>https://valley.example/news/saved-story?ref=rss</link></item>
</channel></rss>"#;

    #[test]
    fn rss_items_become_pages_with_feed_metadata() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("saved-story.html"),
            "<html><body><p>x</p></body></html>",
        )
        .unwrap();
        let units = read_feed(RSS.as_bytes(), "f.xml", Some(dir.path()));
        assert_eq!(units.len(), 3, "{units:?}");
        match &units[0] {
            Unit::Page(p) => {
                assert_eq!(p.source.as_deref(), Some("Valley News"));
                assert_eq!(p.url.as_deref(), Some("https://valley.example/news/bridge"));
                assert_eq!(p.published.as_deref(), Some("2024-01-02T09:00:00Z"));
                let html = String::from_utf8_lossy(&p.bytes);
                assert!(
                    html.contains("The bridge reopened")
                        && html.contains("<h1>Bridge reopens</h1>")
                );
            }
            u => panic!("{u:?}"),
        }
        assert!(
            matches!(&units[1], Unit::NoArticleText { location, .. } if location == "f.xml: item 2")
        );
        match &units[2] {
            Unit::Page(p) => assert!(p.location.ends_with("saved-story.html"), "{}", p.location),
            u => panic!("{u:?}"),
        }
    }

    #[test]
    fn atom_entries_are_read() {
        let atom = r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom Times</title><id>urn:x</id><updated>2024-05-01T00:00:00Z</updated>
<entry><title>One</title><id>urn:1</id><link href="https://atom.example/one"/><updated>2024-05-01T08:00:00Z</updated>
<content type="html">&lt;p&gt;Body of one.&lt;/p&gt;</content></entry></feed>"#;
        let units = read_feed(atom.as_bytes(), "a.atom", None);
        match &units[..] {
            [Unit::Page(p)] => {
                assert_eq!(p.source.as_deref(), Some("Atom Times"));
                assert!(String::from_utf8_lossy(&p.bytes).contains("<p>Body of one.</p>"));
            }
            u => panic!("{u:?}"),
        }
    }

    #[test]
    fn not_a_feed_is_one_clear_error() {
        let units = read_feed(b"<rss><channel><item>", "bad.rss", None);
        assert!(
            matches!(&units[..], [Unit::Failed(e)] if e.to_string().starts_with("bad.rss: not a readable RSS/Atom feed")),
            "{units:?}"
        );
    }
}
