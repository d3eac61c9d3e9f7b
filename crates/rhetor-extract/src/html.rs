//! Saved web pages: the article's main text and its metadata.
//!
//! Main-text extraction is `dom_smoothie` (a port of Mozilla's Readability
//! on the `dom_query` HTML5 tree), after a clean-up pass of our own that
//! removes what news pages wrap around the text and Readability tends to
//! keep: captions, asides, share bars, newsletter and cookie boxes, comment
//! sections, "read more" teasers. `docs/ingest.md` has the measurements
//! that chose it.
//!
//! Before the page is parsed, `prune.rs` cuts out the insides of the
//! boxes that clean-up removes anyway (where it can vouch that the rest
//! parses the same), since the HTML5 parse was the largest cost.
//!
//! Metadata comes from what pages really carry, first found wins:
//!
//! | field | from |
//! |---|---|
//! | `title` | `og:title`, `<h1>` inside the article, `<title>` (site suffix cut) |
//! | `source` | `og:site_name`, the container's (feed title), the canonical URL's host |
//! | `published` | `article:published_time`, JSON-LD `datePublished`, `<time datetime>`, the container's date |
//! | `url` | `<link rel=canonical>`, `og:url`, the container's URL |

use crate::noise_names::is_noise_name;
use crate::{encoding, Article, ExtractError, Page};
use dom_query::{Document, Matcher, NodeRef};
use std::sync::LazyLock;

/// Fewer body words than this and a page has no article (a list page, a
/// bare stub).
const MIN_WORDS: usize = 25;

/// Elements removed before extraction: they never hold article text.
/// [`is_noise`] tests these by hand; this selector form is the plain
/// version the tests check it against.
#[cfg_attr(not(test), allow(dead_code))]
const NOISE: &str = "script, style, noscript, template, iframe, svg, form, button, nav, footer, aside, figcaption, \
[role=navigation], [role=complementary], [role=contentinfo], [aria-hidden=true], [hidden]";

/// The selectors this module runs on every page, parsed once (parsing a
/// selector list costs about as much as matching it against a small page).
struct Matchers {
    // `meta`, `h1` and `title` are tested by local name alone in
    // [`Found::walk`]; their selectors are the plain version
    // ([`Found::by_selectors`]).
    meta: Matcher,
    article_h1: Matcher,
    h1: Matcher,
    title: Matcher,
    json_ld: Matcher,
    time: Matcher,
    canonical: Matcher,
    content_root: Matcher,
    link: Matcher,
}

static MATCHERS: LazyLock<Matchers> = LazyLock::new(|| {
    let m = |sel: &str| Matcher::new(sel).expect("a valid selector");
    Matchers {
        meta: m("meta"),
        article_h1: m("article h1"),
        h1: m("h1"),
        title: m("title"),
        json_ld: m("script[type=\"application/ld+json\"]"),
        time: m("time[datetime]"),
        canonical: m("link[rel=canonical]"),
        // What dom_smoothie wraps the article it keeps in.
        content_root: m("#readability-page-1"),
        link: m("a"),
    }
});

/// Reads one page held in memory (the fuzzing entry point): `Ok(None)`
/// when it holds no article text.
pub fn read_html(bytes: &[u8]) -> Result<Option<Article>, ExtractError> {
    read_page(&in_memory(bytes))
}

/// [`read_html`] the plain way: every page parsed whole (without the
/// pruning of `prune.rs`), its metadata found with one selector per kind,
/// Readability reading JSON-LD (the plain version the fuzz target and the
/// tests compare it with).
#[doc(hidden)]
pub fn read_html_unpruned(bytes: &[u8]) -> Result<Option<Article>, ExtractError> {
    read_page_as(&in_memory(bytes), false)
}

fn in_memory(bytes: &[u8]) -> Page {
    Page {
        location: "<page>".into(),
        bytes: bytes.to_vec(),
        id: "page".into(),
        url: None,
        published: None,
        source: None,
        http_charset: None,
    }
}

pub(crate) fn read_page(page: &Page) -> Result<Option<Article>, ExtractError> {
    read_page_as(page, true)
}

/// The page parsed: with `prune`, after [`crate::prune::prune`] cut what
/// the clean-up would remove anyway (the same tree after [`clean`]).
fn parse(html: &str, prune: bool) -> Document {
    let pruned = if prune {
        crate::prune::prune(html)
    } else {
        None
    };
    Document::from(pruned.as_deref().unwrap_or(html))
}

/// `fast`: [`read_page`]'s way; otherwise [`read_html_unpruned`]'s.
fn read_page_as(page: &Page, fast: bool) -> Result<Option<Article>, ExtractError> {
    let (html, _) = encoding::decode_page(&page.bytes, page.http_charset.as_deref());
    let doc = parse(&html, fast);
    let meta = if fast {
        Meta::read(&doc)
    } else {
        Found::by_selectors(&doc).meta()
    };
    clean(&doc);
    let config = dom_smoothie::Config {
        disable_json_ld: fast,
        ..readability_config()
    };
    let (paragraphs, words) =
        match dom_smoothie::Readability::with_document(doc, None, Some(config)) {
            Ok(mut r) => match r.parse() {
                Ok(article) if !content_is_mostly_links(&r.doc) => {
                    paragraphs(&article.text_content)
                }
                _ => (Vec::new(), 0),
            },
            Err(e) => {
                return Err(ExtractError {
                    location: page.location.clone(),
                    message: format!("unreadable page: {e}"),
                })
            }
        };
    if words < MIN_WORDS {
        return Ok(None);
    }
    let url = meta.url.or_else(|| page.url.clone());
    let source = meta
        .site_name
        .or_else(|| page.source.clone())
        .or_else(|| url.as_deref().and_then(host));
    let title = meta.title.unwrap_or_default();
    // The title is not body text, even where the extractor kept the h1.
    let paragraphs: Vec<String> = paragraphs.into_iter().skip_while(|p| *p == title).collect();
    Ok(Some(Article {
        id: page.id.clone(),
        url,
        source,
        published: meta.published.or_else(|| page.published.clone()),
        language: None,
        title,
        text: paragraphs.join("\n"),
    }))
}

/// How Readability runs: the text with its line breaks (one paragraph per
/// line); the content's `class` attributes kept, since only its text is
/// read (removing them is one more selector walk of the content, after the
/// article is chosen and before its text is taken, and changes no text).
/// Its JSON-LD reading is switched off: it looks for
/// `script[type="application/ld+json"]` in the tree it is given, and
/// [`clean`] has removed every `script` element by then, so it would walk
/// the whole tree to find nothing (tested: the same article, metadata and
/// all, with it on; the plain path, [`read_html_unpruned`], keeps it on).
fn readability_config() -> dom_smoothie::Config {
    dom_smoothie::Config {
        text_mode: dom_smoothie::TextMode::Formatted,
        keep_classes: true,
        disable_json_ld: true,
        ..Default::default()
    }
}

/// More than half of the article's text is link text: a list of
/// headlines, not an article. `doc` is Readability's document after
/// `parse`, whose `#readability-page-1` element is the article's content
/// (what `Article::content` serialises); it is read in place, not
/// serialised and parsed again (tested against that plain version).
fn content_is_mostly_links(doc: &Document) -> bool {
    let root = doc.select_single_matcher(&MATCHERS.content_root);
    let Some(root) = root.nodes().first() else {
        return false;
    };
    mostly_links(root)
}

/// More than half of the text under `root` is link text.
fn mostly_links(root: &NodeRef) -> bool {
    let (all, links) = link_text(root);
    all > 0 && links * 2 > all
}

/// The non-white-space characters of the text under `root`, and of the
/// text of its links (a link inside a link counts twice, as the selector
/// `a` finds both).
///
/// One walk of the subtree: each text node's characters count once for
/// the whole and once for each link below `root` around it (what
/// selecting the links and taking the text of each gave; tested against
/// that plain version).
fn link_text(root: &NodeRef) -> (usize, usize) {
    let (mut all, mut links) = (0, 0);
    // Nodes still to read, each with the number of links around it.
    let mut todo: Vec<(NodeRef, usize)> = Vec::new();
    fn push_children<'a>(todo: &mut Vec<(NodeRef<'a>, usize)>, node: &NodeRef<'a>, depth: usize) {
        let start = todo.len();
        let mut child = node.first_child();
        while let Some(c) = child {
            child = c.next_sibling();
            todo.push((c, depth));
        }
        todo[start..].reverse();
    }
    push_children(&mut todo, root, 0);
    while let Some((node, depth)) = todo.pop() {
        if let Some(chars) = node.query(|n| match &n.data {
            dom_query::NodeData::Text { contents } => Some(non_space_chars(contents)),
            _ => None,
        }) {
            let chars = chars.unwrap_or(0);
            all += chars;
            links += chars * depth;
        }
        let depth = depth + usize::from(node.is_element() && MATCHERS.link.match_element(&node));
        push_children(&mut todo, &node, depth);
    }
    (all, links)
}

fn non_space_chars(text: &str) -> usize {
    if text.is_ascii() {
        // ASCII's white space for `char::is_whitespace`: tab to carriage
        // return, and space. Counted over bytes, which vectorises.
        text.bytes()
            .filter(|b| !matches!(b, b'\t'..=b'\r' | b' '))
            .count()
    } else {
        text.chars().filter(|c| !c.is_whitespace()).count()
    }
}

/// One paragraph per non-blank line, white space collapsed (each line's
/// words joined by one space, without a list of them built first), and
/// the number of words in all of them (counted as they are copied, not in
/// a second pass: a paragraph's words are the words pushed into it, as
/// none holds white space; tested against counting them again).
fn paragraphs(text: &str) -> (Vec<String>, usize) {
    let mut out = Vec::new();
    let mut words = 0;
    for line in text.lines() {
        let mut p = String::with_capacity(line.len());
        for word in line.split_whitespace() {
            if !p.is_empty() {
                p.push(' ');
            }
            p.push_str(word);
            words += 1;
        }
        if !p.is_empty() {
            out.push(p);
        }
    }
    (out, words)
}

/// Removes what is never article text: the elements [`NOISE`] selects and
/// the boxes whose class or id is a noise name ([`is_noise_name`]), each
/// with all it holds.
///
/// One walk of the tree in document order that does not enter what it
/// removes. Both tests look at the element alone (no combinators), so this
/// leaves the tree that removing every [`NOISE`] match, then every noise
/// box left, gave; tested against that plain version (the selectors) on
/// every page the bench and tests use.
fn clean(doc: &Document) {
    let mut next = doc.root().first_child();
    while let Some(node) = next {
        if is_noise(&node) {
            next = following(&node);
            node.remove_from_parent();
        } else {
            next = node.first_child().or_else(|| following(&node));
        }
    }
}

/// The node after `node`'s subtree in document order.
fn following<'a>(node: &NodeRef<'a>) -> Option<NodeRef<'a>> {
    let mut node = *node;
    loop {
        if let Some(sibling) = node.next_sibling() {
            return Some(sibling);
        }
        node = node.parent()?;
    }
}

/// The tags [`NOISE`] names ([`is_noise`] holds them as atoms; a test
/// checks the two lists agree).
#[cfg_attr(not(test), allow(dead_code))]
const NOISE_TAGS: &[&str] = &[
    "script",
    "style",
    "noscript",
    "template",
    "iframe",
    "svg",
    "form",
    "button",
    "nav",
    "footer",
    "aside",
    "figcaption",
];

/// Whether [`clean`] removes this node: an element that [`NOISE`] selects
/// (its tag, or an attribute in no namespace: `role` one of three values,
/// `aria-hidden="true"`, `hidden`; values compared case-sensitively, as
/// the selectors do), or a box (an element with a `class` or `id`
/// attribute, not `html`, `body`, `main` or `article`) with a noise name.
fn is_noise(node: &NodeRef) -> bool {
    let Some(el) = node.element_ref() else {
        return false;
    };
    // Names compared as interned atoms (one integer comparison each),
    // not as strings.
    use dom_query::local_name as name;
    let no_ns = |a: &dom_query::Attr| a.name.ns.is_empty();
    let tag = &el.name.local;
    let noise_tags = [
        name!("script"),
        name!("style"),
        name!("noscript"),
        name!("template"),
        name!("iframe"),
        name!("svg"),
        name!("form"),
        name!("button"),
        name!("nav"),
        name!("footer"),
        name!("aside"),
        name!("figcaption"),
    ];
    if noise_tags.contains(tag)
        || el.attrs.iter().any(|a| {
            let attr = &a.name.local;
            no_ns(a)
                && if *attr == name!("role") {
                    matches!(&*a.value, "navigation" | "complementary" | "contentinfo")
                } else if *attr == name!("aria-hidden") {
                    &*a.value == "true"
                } else {
                    *attr == name!("hidden")
                }
        })
    {
        return true;
    }
    let is_box = el
        .attrs
        .iter()
        .any(|a| no_ns(a) && (a.name.local == name!("class") || a.name.local == name!("id")));
    if !is_box
        || [
            name!("html"),
            name!("body"),
            name!("main"),
            name!("article"),
        ]
        .contains(tag)
    {
        return false;
    }
    let class = el.attr("class").unwrap_or_default();
    let id = el.attr("id").unwrap_or_default();
    is_noise_name(&class) || is_noise_name(&id)
}

/// The host of a URL (`https://www.example.org/x` → `example.org`).
fn host(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let host = rest.split(['/', '?', '#']).next()?.split('@').next_back()?;
    let host = host.split(':').next()?.trim_start_matches("www.");
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

#[derive(Debug, Default)]
struct Meta {
    title: Option<String>,
    site_name: Option<String>,
    published: Option<String>,
    url: Option<String>,
}

impl Meta {
    /// The page's metadata, from the elements [`Found::walk`] finds in one
    /// walk of the tree.
    fn read(doc: &Document) -> Meta {
        Found::walk(doc).meta()
    }
}

/// The elements the metadata is read from, found in one walk of the tree
/// in document order instead of one selector walk per kind (`meta`,
/// `article h1`, `h1`, `title`, JSON-LD scripts, `time[datetime]`,
/// `link[rel=canonical]`: seven walks, about 3 % of the instructions on
/// small pages). Each element is offered to the selector of its kind only
/// when its local name is that selector's subject's (every one of them
/// names an element: a necessary condition, compared as an interned atom
/// in any namespace, as the selectors compare it), so each list holds what
/// the selector finds, in the same order (tested against the selectors).
#[derive(Default)]
struct Found<'a> {
    metas: Vec<NodeRef<'a>>,
    article_h1: Option<NodeRef<'a>>,
    h1: Option<NodeRef<'a>>,
    title: Option<NodeRef<'a>>,
    json_ld: Vec<NodeRef<'a>>,
    times: Vec<NodeRef<'a>>,
    canonicals: Vec<NodeRef<'a>>,
}

impl<'a> Found<'a> {
    fn walk(doc: &'a Document) -> Found<'a> {
        use dom_query::local_name as name;
        let mut found = Found::default();
        for node in doc.root().descendants_it() {
            let local = match node.element_ref() {
                Some(el) => el.name.local.clone(),
                None => continue,
            };
            if local == name!("meta") {
                found.metas.push(node);
            } else if local == name!("h1") {
                if found.h1.is_none() {
                    found.h1 = Some(node);
                }
                if found.article_h1.is_none() && MATCHERS.article_h1.match_element(&node) {
                    found.article_h1 = Some(node);
                }
            } else if local == name!("title") {
                if found.title.is_none() {
                    found.title = Some(node);
                }
            } else if local == name!("script") {
                if MATCHERS.json_ld.match_element(&node) {
                    found.json_ld.push(node);
                }
            } else if local == name!("time") {
                if MATCHERS.time.match_element(&node) {
                    found.times.push(node);
                }
            } else if local == name!("link") && MATCHERS.canonical.match_element(&node) {
                found.canonicals.push(node);
            }
        }
        found
    }

    /// What [`Found::walk`] finds, found with the selectors it replaced:
    /// one walk of the tree per kind (the plain version, which
    /// [`read_html_unpruned`] runs).
    fn by_selectors(doc: &'a Document) -> Found<'a> {
        let all = |m: &Matcher| doc.select_matcher(m).nodes().to_vec();
        let first = |m: &Matcher| doc.select_single_matcher(m).nodes().first().copied();
        Found {
            metas: all(&MATCHERS.meta),
            article_h1: first(&MATCHERS.article_h1),
            h1: first(&MATCHERS.h1),
            title: first(&MATCHERS.title),
            json_ld: all(&MATCHERS.json_ld),
            times: all(&MATCHERS.time),
            canonicals: all(&MATCHERS.canonical),
        }
    }

    /// The metadata, first found wins (the table in the module docs).
    fn meta(&self) -> Meta {
        let tags = MetaTags::read(&self.metas);
        let meta = |key: &str| tags.get(key);
        let text_of = |node: Option<NodeRef>| -> Option<String> {
            let t = node?.text();
            let t = t.split_whitespace().collect::<Vec<_>>().join(" ");
            (!t.is_empty()).then_some(t)
        };
        let site_name = meta("og:site_name").or_else(|| meta("application-name"));
        let title = meta("og:title")
            .or_else(|| meta("twitter:title"))
            .or_else(|| text_of(self.article_h1))
            .or_else(|| text_of(self.h1))
            .or_else(|| text_of(self.title).map(|t| cut_site_suffix(&t, site_name.as_deref())));
        let published = meta("article:published_time")
            .or_else(|| meta("datePublished"))
            .or_else(|| json_ld_date(&self.json_ld))
            .or_else(|| meta("date"))
            .or_else(|| meta("dc.date"))
            .or_else(|| {
                self.times
                    .iter()
                    .filter_map(|t| t.attr("datetime"))
                    .map(|d| d.trim().to_string())
                    .find(|d| d.len() >= 10)
            });
        let url = self
            .canonicals
            .iter()
            .filter_map(|l| l.attr("href"))
            .map(|h| h.trim().to_string())
            .find(|h| h.contains("://"))
            .or_else(|| meta("og:url"));
        Meta {
            title,
            site_name,
            published,
            url,
        }
    }
}

/// The page's `<meta>` tags read in one pass: for each name (a
/// `property`, `name` or `itemprop` value), the trimmed `content` of the
/// first tag in document order that has it and a non-blank content (what
/// the selector `meta[property=K], meta[name=K], meta[itemprop=K]` would
/// find first, without a walk of the tree per key).
struct MetaTags(std::collections::HashMap<String, String>);

impl MetaTags {
    fn read(metas: &[NodeRef]) -> Self {
        let mut tags = std::collections::HashMap::new();
        for m in metas {
            let Some(content) = m.attr("content") else {
                continue;
            };
            let content = content.trim();
            if content.is_empty() {
                continue;
            }
            for attr in ["property", "name", "itemprop"] {
                if let Some(key) = m.attr(attr) {
                    tags.entry(key.to_string())
                        .or_insert_with(|| content.to_string());
                }
            }
        }
        MetaTags(tags)
    }

    fn get(&self, key: &str) -> Option<String> {
        self.0.get(key).cloned()
    }
}

/// `datePublished` from the page's JSON-LD blocks (a NewsArticle, or an
/// object in an `@graph`).
fn json_ld_date(scripts: &[NodeRef]) -> Option<String> {
    fn find(v: &serde_json::Value) -> Option<String> {
        match v {
            serde_json::Value::Object(m) => {
                if let Some(serde_json::Value::String(d)) = m.get("datePublished") {
                    return Some(d.trim().to_string());
                }
                m.values().find_map(find)
            }
            serde_json::Value::Array(a) => a.iter().find_map(find),
            _ => None,
        }
    }
    scripts
        .iter()
        .filter_map(|s| serde_json::from_str::<serde_json::Value>(s.text().trim()).ok())
        .find_map(|v| find(&v))
}

/// `Title | Site` → `Title` (also ` - `, ` — `, ` · `).
fn cut_site_suffix(title: &str, site: Option<&str>) -> String {
    for sep in [" | ", " - ", " — ", " – ", " · "] {
        if let Some((head, tail)) = title.rsplit_once(sep) {
            if site.is_none_or(|s| tail.trim().eq_ignore_ascii_case(s))
                && head.split_whitespace().count() >= 3
            {
                return head.trim().to_string();
            }
        }
    }
    title.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::noise_names::{NOISE_KEYS, NOISE_WORDS};
    use dom_query::Selection;

    /// `is_noise_name` decides as lowering each token and looking its
    /// parts up in the list did (the plain version it replaced).
    #[test]
    fn noise_names_as_the_plain_lookup() {
        let plain = |value: &str| {
            value.split_whitespace().any(|token| {
                let token = token.to_ascii_lowercase();
                NOISE_WORDS.contains(&token.as_str())
                    || token
                        .split(['-', '_'])
                        .any(|part| NOISE_WORDS.contains(&part))
            })
        };
        assert!(NOISE_WORDS.windows(2).all(|w| w[0] < w[1]));
        assert!(NOISE_KEYS.windows(2).all(|w| w[0] < w[1]));
        let mut values: Vec<String> = NOISE_WORDS
            .iter()
            .flat_map(|w| {
                [
                    w.to_string(),
                    w.to_uppercase(),
                    format!("x-{w}_y"),
                    format!("{w}s"),
                    format!("a {w}"),
                ]
            })
            .collect();
        values.extend(
            [
                "",
                " ",
                "c-article__par",
                "AD",
                "Ad_box",
                "more-stories-x",
                "read_more",
                "Şhare",
                "share\u{a0}x",
                "comment\u{130}",
                "commentsss",
                "a--b__",
                "ÄD",
                "kicker-teaser-TEXT",
                "recommendedx",
                "newsletters",
                "ad\0",
                "more-stories-and-more-x",
            ]
            .map(String::from),
        );
        // Around the shape test of `is_noise_word`: each word cut short,
        // with its first letter changed or in upper case, after a digit.
        for w in NOISE_WORDS {
            let (head, tail) = w.split_at(1);
            values.push(w[..w.len() - 1].to_string());
            values.push(format!("{}{tail}", head.to_uppercase()));
            values.push(format!("z{tail}"));
            values.push(format!("9{w}"));
            values.push(format!("{w}-x"));
        }
        // And every class and id of every page.
        for (_, bytes) in every_page() {
            let (html, _) = encoding::decode_page(&bytes, None);
            let doc = Document::from(html.as_str());
            for node in doc.select("[class], [id]").nodes() {
                values.extend(node.attr("class").map(|v| v.to_string()));
                values.extend(node.attr("id").map(|v| v.to_string()));
            }
        }
        let mut seen = [0, 0];
        for v in &values {
            assert_eq!(is_noise_name(v), plain(v), "{v:?}");
            seen[usize::from(plain(v))] += 1;
        }
        assert!(seen[0] > 10 && seen[1] > 100, "{seen:?}");
    }

    const PARA: &str = "The council met on Monday evening and decided, after a long debate, to keep the library open on Sundays for another year.";

    #[test]
    fn metadata_from_json_ld_time_and_canonical() {
        let page = format!(
            r#"<html><head><title>Library stays open | Town Post</title>
<script type="application/ld+json">{{"@graph":[{{"@type":"WebSite"}},{{"@type":"NewsArticle","datePublished":"2024-04-02T10:00:00Z"}}]}}</script>
<link rel="canonical" href="https://www.townpost.example/library"></head>
<body><article><p>{PARA}</p><p>{PARA}</p></article></body></html>"#
        );
        let a = read_html(page.as_bytes()).unwrap().unwrap();
        assert_eq!(a.title, "Library stays open");
        assert_eq!(a.published.as_deref(), Some("2024-04-02T10:00:00Z"));
        assert_eq!(
            a.url.as_deref(),
            Some("https://www.townpost.example/library")
        );
        assert_eq!(a.source.as_deref(), Some("townpost.example"));
        assert_eq!(a.text, format!("{PARA}\n{PARA}"));
    }

    #[test]
    fn list_pages_and_stubs_have_no_article_text() {
        let links: String = (0..40)
            .map(|i| {
                format!(
                    "<li><a href=\"/n{i}\">Another headline about the council, number {i}</a></li>"
                )
            })
            .collect();
        let list = format!("<html><body><ul>{links}</ul></body></html>");
        assert!(read_html(list.as_bytes()).unwrap().is_none());
        assert!(read_html(b"<html><body><p>Too short.</p></body></html>")
            .unwrap()
            .is_none());
        assert!(read_html(b"").unwrap().is_none());
    }

    #[test]
    fn hosts_and_titles() {
        assert_eq!(
            host("https://www.Example.org:443/a?b").as_deref(),
            Some("example.org")
        );
        assert_eq!(host("not a url"), None);
        assert_eq!(
            cut_site_suffix("Big news today here | The Paper", Some("The Paper")),
            "Big news today here"
        );
        assert_eq!(cut_site_suffix("A - B", None), "A - B");
    }

    /// What [`link_text`] counted before its one walk: the text of the
    /// root, and of every link the selector `a` finds under it.
    fn link_text_selected(root: &NodeRef) -> (usize, usize) {
        let all = non_space_chars(&root.text());
        let links = Selection::from(*root)
            .select_matcher(&MATCHERS.link)
            .nodes()
            .iter()
            .map(|a| non_space_chars(&a.text()))
            .sum();
        (all, links)
    }

    /// The one walk counts what selecting the links did, under every
    /// element of every page (Readability's content root among them).
    #[test]
    fn link_text_in_one_walk_is_the_selected_links() {
        let mut pages = every_page();
        pages.push(("noise corners".into(), NOISE_CORNERS.as_bytes().to_vec()));
        pages.push((
            "links in links".into(),
            b"<div><a href=x>one <a href=y>two <b>three</b></a> four</a><svg><a>in svg</a></svg><math><a>m</a></math> tail <a>x<!-- c --></a></div>".to_vec(),
        ));
        let (mut roots, mut with_links) = (0, 0);
        for (name, bytes) in pages {
            let (html, _) = encoding::decode_page(&bytes, None);
            let doc = Document::from(html.as_str());
            for node in doc.select("*").nodes() {
                let plain = link_text_selected(node);
                assert_eq!(link_text(node), plain, "{name}: {}", node.html());
                roots += 1;
                with_links += usize::from(plain.1 > 0);
            }
        }
        assert!(
            with_links > 100 && roots > 2 * with_links,
            "{with_links} of {roots}"
        );
    }

    /// What `mostly_links` counted before: the article's HTML
    /// (`Article::content`) parsed again as a page of its own.
    fn link_text_plain(content_html: &str) -> (usize, usize) {
        let doc = Document::from(content_html);
        let all = non_space_chars(&doc.select("body").text());
        let links = doc
            .select("a")
            .iter()
            .map(|a| non_space_chars(&a.text()))
            .sum();
        (all, links)
    }

    /// Every HTML page the bench and the tests use, as (name, bytes): the
    /// bench's pages and held-out pages, the examples, the fuzzing seeds,
    /// and link lists of our own (the other side of `mostly_links`).
    fn every_page() -> Vec<(String, Vec<u8>)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut pages = Vec::new();
        for dir in [
            "bench/extract/pages",
            "bench/extract/heldout",
            "examples/news",
            "fuzz/corpus/extract_html",
            "fuzz/corpus/extract_inputs",
        ] {
            let mut files: Vec<_> = std::fs::read_dir(root.join(dir))
                .unwrap_or_else(|e| panic!("{dir}: {e}"))
                .map(|f| f.unwrap().path())
                .collect();
            files.sort();
            for f in files {
                let bytes = std::fs::read(&f).unwrap();
                if bytes.windows(5).any(|w| w.eq_ignore_ascii_case(b"<html")) {
                    pages.push((f.display().to_string(), bytes));
                }
            }
        }
        assert!(pages.len() >= 26, "{} pages", pages.len());
        for links in [0, 3, 10, 40] {
            let items: String = (0..links)
                .map(|i| format!("<li><a href=\"/n{i}\">Another headline about the council, number {i}</a> and a word</li>"))
                .collect();
            let page = format!("<html><body><article><p>{PARA}</p><ul>{items}</ul><p><a href=\"/x\">{PARA} <a href=\"/y\">nested</a></a></p></article></body></html>");
            pages.push((format!("links-{links}"), page.into_bytes()));
        }
        pages
    }

    /// What [`clean`] did before: every [`NOISE`] match removed, then every
    /// noise box left.
    fn clean_plain(doc: &Document) {
        doc.select(NOISE).remove();
        let boxes = doc.select("[class], [id]");
        for node in boxes.nodes() {
            let tag = node.node_name().unwrap_or_default();
            if matches!(&*tag, "html" | "body" | "main" | "article") {
                continue;
            }
            let class = node.attr("class").unwrap_or_default();
            let id = node.attr("id").unwrap_or_default();
            if is_noise_name(&class) || is_noise_name(&id) {
                node.remove_from_parent();
            }
        }
    }

    /// [`is_noise`]'s atoms are [`NOISE_TAGS`]: an element of each of those
    /// tags is noise, one of other tags is not.
    #[test]
    fn noise_tags_as_atoms() {
        for tag in NOISE_TAGS
            .iter()
            .chain(&["p", "div", "section", "header", "main", "span"])
        {
            let doc =
                Document::from(format!("<html><body><{tag}>x</{tag}></body></html>").as_str());
            let el = doc.select(tag);
            let node = el.nodes().first().unwrap_or_else(|| panic!("{tag}"));
            assert_eq!(is_noise(node), NOISE_TAGS.contains(tag), "{tag}");
        }
    }

    /// Pages that try the corners of [`NOISE`]: values in other cases,
    /// attributes in a namespace (MathML's `xlink:role`), SVG, templates,
    /// boxes inside removed boxes, the tags a box may be and not removed.
    const NOISE_CORNERS: &str = r#"<html class="ad"><body id="comments"><main class="meta">
<nav>n</nav><NAV>N</NAV><div role="navigation">r</div><div role="Navigation">R</div>
<div role="complementary contentinfo">two</div><p aria-hidden="TRUE">t</p><p aria-hidden="true">T</p>
<p hidden="">h</p><p HIDDEN>H</p><svg><title>s</title><g class="share"><text>x</text></g></svg>
<math><mi xlink:role="navigation" xlink:href="x">m</mi><mi class="promo">p</mi></math>
<template><p class="ad">in template</p></template><article class="sidebar"><div class="related">
<div class="comment">nested</div></div><p id="read-more_box">rm</p><p class="Commentary">kept</p>
<section class="x  Cookie">c</section><form><p>f</p></form></article></main></body></html>"#;

    /// The one-walk [`clean`] leaves the tree the two selector passes left,
    /// and decides as the selectors do on every element, on every page.
    #[test]
    fn clean_in_one_walk_is_the_two_selector_passes() {
        let noise = Matcher::new(NOISE).unwrap();
        let boxes = Matcher::new("[class], [id]").unwrap();
        let mut pages = every_page();
        pages.push(("noise corners".into(), NOISE_CORNERS.as_bytes().to_vec()));
        let (mut elements, mut removed) = (0, 0);
        for (name, bytes) in pages {
            let (html, _) = encoding::decode_page(&bytes, None);
            let doc = Document::from(html.as_str());
            for node in doc.select("*").nodes() {
                let tag = node.node_name().unwrap_or_default();
                let plain = noise.match_element(node)
                    || (boxes.match_element(node)
                        && !matches!(&*tag, "html" | "body" | "main" | "article")
                        && (is_noise_name(&node.attr("class").unwrap_or_default())
                            || is_noise_name(&node.attr("id").unwrap_or_default())));
                assert_eq!(is_noise(node), plain, "{name}: {}", node.html());
                elements += 1;
                removed += usize::from(plain);
            }
            let plain = Document::from(html.as_str());
            clean_plain(&plain);
            clean(&doc);
            assert_eq!(doc.html(), plain.html(), "{name}");
        }
        assert!(
            removed > 100 && elements > 5 * removed,
            "{removed} of {elements}"
        );
    }

    /// Pages written to try the corners of [`crate::prune`]: boxes whose
    /// insides reach outside them, markup hidden in scripts, comments,
    /// attributes and raw text, misnesting, tables, SVG, a frameset.
    fn prune_corners() -> Vec<(String, String)> {
        let body = |inner: &str| {
            format!(
                "<!DOCTYPE html><html><head><title>T</title></head><body><main><p>{PARA}</p>{inner}<p>{PARA} {PARA}</p></main></body></html>"
            )
        };
        let corners = [
            r#"<li><div class="share"><li>x</li></div></li>"#,
            r#"<ul><li><div class="share"><p>a</p></div><li>b</li></ul>"#,
            r#"<p>open p<div class="ad"><span>x</span></div>"#,
            r#"<a href="x"><nav><a href="y">y</a></nav></a>"#,
            r#"<b><nav><p>x</b>y</p></nav>z"#,
            r#"<nav><b>x</nav>after the box"#,
            r#"<script>var a = "<nav class=ad><p>x</p></nav>";</script><nav><p>n</p></nav>"#,
            r#"<script><!-- <script></script> --></script><nav><p>n</p></nav>"#,
            r#"<!-- <nav>x</nav> --><nav><p>n</p></nav><!--><nav><p>m</p></nav><!---><nav>o</nav>"#,
            r#"<!-- a --!> <nav>in</nav> --><nav><p>n</p></nav>"#,
            r#"<nav title="a>b" data-x='c>d' e=f><p>x</p></nav>"#,
            r#"<div class="ad"><table><tr><td>x</td></tr></table></div><nav>n</nav>"#,
            r#"<table><tr><td><nav><p>x</p></nav></td></tr></table><nav>m</nav>"#,
            r#"<nav><h1>Another title</h1></nav><aside><time datetime="2020-01-01">d</time></aside>"#,
            r#"<ul class="related"><li>a<li>b</ul><aside><ul><li>c</li></ul></aside>"#,
            r#"<div class="ad"><svg><p>x</p></svg></div><nav><p>y</p></nav>"#,
            r#"<textarea><nav class=ad>x</nav></textarea><nav><p>y</p></nav>"#,
            r#"<div class="ad"><style>p{color:red}</style><form><input name=q><button>b</button><textarea>t</textarea></form></div>"#,
            r#"<div class="ad&amp;x"><p>a</p></div><div class="x&#32;ad"><p>b</p></div>"#,
            r#"<DIV CLASS="AD"><P>x</P></DIV><Nav ><p>y</p></NAV ><footer><p>z</p></footer	>"#,
            r#"<nav/>text after a self-closed nav<p>para</p>"#,
            r#"<div class="ad" class="x"><p>a</p></div><div class="x" class="ad"><p>b</p></div><div id=comments class=story><p>c</p></div>"#,
            r#"<nav><script>var x = 1;</script></nav><aside><p>a</p><h2>h</h2><h3>i</h3></aside>"#,
            r#"<h2>head<nav><p>x</p></nav></h2><nav><h2>a<h3>b</h3></h2></nav>"#,
            r#"<nav><p>a<p>b</nav><nav><p>a<div>b</div></p></nav>"#,
            "<nav>\r\n<p>a</p>\r</nav><aside>\r<ul>\r\n<li>x</li></ul></aside>",
            r#"<form><nav><form><p>x</p></form></nav></form><nav><button><button>b</button></button></nav>"#,
            r#"<dl><nav><dd>x</dd></nav></dl><nav><dl><dt>a</dt><dd>b</dd></dl></nav><dl class="ad"><dd>c</dd></dl>"#,
            r#"<nav><noscript><p>x</p></noscript></nav><nav><template><p>t</p></template></nav>"#,
            r#"<nav><p>unclosed"#,
            r#"<nav><a href="x">unclosed a</nav><p>after</p>"#,
            r#"<aside><img src="x.png" alt="<p>"><br/><hr></aside><nav><input value='a"b'></nav>"#,
            r#"<nav><![CDATA[ <p>x</p> ]]></nav><nav><?php echo 1 ?><p>x</p></nav><nav></ x><p>y</p></nav><nav></><p>z</p></nav>"#,
            r#"<nav><p>x</p></nav></body><nav><p>after body</p></nav>"#,
            r#"<frameset><frame></frameset><nav><p>x</p></nav>"#,
            r#"<a href="x">A<nav><a href="y">y</a></nav>B</a>"#,
            r#"<div><b x><b x><b x><nav><b x>y</b></nav></div><p>after the box</p>"#,
            r#"<script type="application/ld+json">{"datePublished": "2020-01-01<!--<script></script><nav><p>x</p></nav>-->"}</script>"#,
            r#"<div class="ad"><div><span><em>deep <strong>nest</strong></em></span></div></div><section class="comments"><h2>c</h2><div class="comment"><p>x</p><a href="/r">r</a></div></section>"#,
        ];
        let mut pages: Vec<(String, String)> = corners
            .iter()
            .enumerate()
            .map(|(i, c)| (format!("prune corner {i}"), body(c)))
            .collect();
        // Text in the box is what says "no frameset" before one comes.
        pages.push((
            "frameset after a box".into(),
            "<nav><p>x</p></nav><frameset><frame src=a></frameset>".into(),
        ));
        // The same corners without the page around them (head, body
        // implied), and cut short.
        for (i, c) in corners.iter().enumerate() {
            pages.push((
                format!("bare corner {i}"),
                format!("<p>{PARA}</p>{c}<p>{PARA}</p>"),
            ));
            let page = body(c);
            let cut = page.len() / 2;
            let cut = (0..=cut).rev().find(|&i| page.is_char_boundary(i)).unwrap();
            pages.push((format!("cut corner {i}"), page[..cut].to_string()));
        }
        pages
    }

    /// Parsing the pruned page leaves, after the clean-up, the tree that
    /// parsing the whole page left, and the same record (or error), on
    /// every page the bench and the tests use and on the corners.
    #[test]
    fn pruned_parse_is_the_plain_parse_after_the_clean_up() {
        let mut pages: Vec<(String, String)> = every_page()
            .into_iter()
            .map(|(name, bytes)| (name, encoding::decode_page(&bytes, None).0))
            .collect();
        let bench_pages = pages.len();
        pages.push(("noise corners".into(), NOISE_CORNERS.into()));
        pages.extend(prune_corners());
        let (mut pruned, mut bench_pruned, mut cut_bytes) = (0, 0, 0);
        for (i, (name, html)) in pages.iter().enumerate() {
            let plain = parse(html, false);
            clean(&plain);
            let fewer = parse(html, true);
            clean(&fewer);
            assert_eq!(fewer.html(), plain.html(), "{name}");
            let records = |prune| format!("{:?}", read_page_as(&in_memory(html.as_bytes()), prune));
            assert_eq!(records(true), records(false), "{name}");
            if let Some(p) = crate::prune::prune(html) {
                pruned += 1;
                bench_pruned += usize::from(i < bench_pages);
                cut_bytes += html.len() - p.len();
            }
        }
        // The pass does cut: most bench pages, and a good share of them.
        assert!(
            bench_pruned * 2 > bench_pages,
            "{bench_pruned} of {bench_pages}"
        );
        assert!(
            pruned > bench_pruned + 10 && cut_bytes > 10_000,
            "{pruned}, {cut_bytes} bytes"
        );
    }

    /// Pages mutated at random (a fixed seed): markup fragments inserted,
    /// ranges deleted or doubled, where they can most confuse a model of
    /// the parser. The pruned parse must leave the plain parse's cleaned
    /// tree on every variant, and cut something on many of them.
    #[test]
    fn pruned_parse_is_the_plain_parse_on_mutated_pages() {
        const FRAGMENTS: &[&str] = &[
            "<p>",
            "</p>",
            "<li>",
            "</li>",
            "<ul>",
            "</ul>",
            "<ol>",
            "<nav>",
            "</nav>",
            "<div class=ad>",
            "<div class=\"share\">",
            "</div>",
            "<a href=x>",
            "</a>",
            "<b>",
            "</b>",
            "<b x>",
            "<em>",
            "</em>",
            "<table>",
            "<td>",
            "<tr>",
            "<!--",
            "-->",
            "--!>",
            "<script>",
            "</script>",
            "<svg>",
            "</svg>",
            "<math>",
            "<textarea>",
            "</textarea>",
            "<h1>",
            "<h2>",
            "</h2>",
            "<h3>",
            "<form>",
            "</form>",
            "<button>",
            "</button>",
            "<template>",
            "<frameset>",
            "\"",
            "'",
            ">",
            "<",
            "=",
            "&amp;",
            "&",
            "<aside class='x'>",
            "</aside>",
            "<footer>",
            "</footer>",
            "<section class=\"comments\">",
            "</section>",
            "<dl>",
            "<dd>",
            "<dt>",
            "</dl>",
            "<body>",
            "</body>",
            "<html>",
            "</html>",
            "<head>",
            "</head>",
            "<title>",
            "</title>",
            "<style>",
            "</style>",
            "<noscript>",
            "<br/>",
            "<img src=a>",
            "<main>",
            "</main>",
            "<article>",
            "</article>",
            "<time datetime=x>",
            "<!DOCTYPE html>",
            "<?x?>",
            "</>",
            "</ x>",
            "<![CDATA[",
            "]]>",
            "\r",
            "\0",
            " ",
            "<nav/>",
            "<select>",
            "<pre>",
            "<hr>",
            "<input>",
            "<span>",
            "</span>",
            "<figcaption>",
        ];
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        let mut pages: Vec<String> = every_page()
            .into_iter()
            .map(|(_, bytes)| encoding::decode_page(&bytes, None).0)
            .collect();
        pages.extend(prune_corners().into_iter().map(|(_, p)| p));
        let boundary = |s: &str, mut i: usize| {
            while !s.is_char_boundary(i) {
                i -= 1;
            }
            i
        };
        let (mut variants, mut pruned) = (0, 0);
        for round in 0..40 {
            for page in &pages {
                let mut page = page.clone();
                for _ in 0..1 + next(4) {
                    let at = boundary(&page, next(page.len() + 1));
                    match next(4) {
                        0 | 1 => page.insert_str(at, FRAGMENTS[next(FRAGMENTS.len())]),
                        2 => {
                            let end = boundary(&page, (at + 1 + next(40)).min(page.len()));
                            page.replace_range(at..end.max(at), "");
                        }
                        _ => {
                            let end = boundary(&page, (at + 1 + next(200)).min(page.len()));
                            let copy = page[at..end.max(at)].to_string();
                            page.insert_str(at, &copy);
                        }
                    }
                }
                let plain = parse(&page, false);
                clean(&plain);
                let fewer = parse(&page, true);
                clean(&fewer);
                assert_eq!(fewer.html(), plain.html(), "round {round}: {page:?}");
                variants += 1;
                pruned += usize::from(crate::prune::prune(&page).is_some());
            }
        }
        assert!(
            pruned * 5 > variants,
            "{pruned} of {variants} variants pruned"
        );
    }

    /// The article's link text, read in Readability's tree, is what
    /// parsing its serialised HTML again gave, on every page.
    #[test]
    fn link_text_in_place_is_that_of_the_content_parsed_again() {
        let mut lists = 0;
        for (name, bytes) in every_page() {
            let (html, _) = encoding::decode_page(&bytes, None);
            let doc = Document::from(html.as_str());
            clean(&doc);
            let mut r =
                dom_smoothie::Readability::with_document(doc, None, Some(readability_config()))
                    .unwrap();
            let Ok(article) = r.parse() else {
                continue;
            };
            let root = r.doc.select_single_matcher(&MATCHERS.content_root);
            let root = root.nodes().first().expect("the content root");
            let plain = link_text_plain(&article.content);
            assert_eq!(link_text(root), plain, "{name}");
            assert!(plain.0 > 0, "{name}");
            lists += usize::from(mostly_links(root));
        }
        // Both answers were seen.
        assert!(lists >= 1, "no page was a list of links");
    }

    /// `non_space_chars` counts what filtering the characters did.
    #[test]
    fn non_space_chars_as_the_char_filter() {
        let plain = |t: &str| t.chars().filter(|c| !c.is_whitespace()).count();
        let all_ascii: String = (0u8..128).map(char::from).collect();
        for t in [
            "",
            " ",
            "a b\tc\nd\x0be\x0cf\rg",
            "\x1c\x1d\x1e\x1fx",
            "é \u{a0}x\u{85}\u{2003}",
            &all_ascii,
        ] {
            assert_eq!(non_space_chars(t), plain(t), "{t:?}");
        }
        assert_eq!(non_space_chars(&all_ascii), 128 - 6);
    }

    /// `paragraphs` is what joining each line's words with `join` gave.
    #[test]
    fn paragraphs_are_the_joined_words_of_each_line() {
        let plain = |text: &str| -> Vec<String> {
            text.lines()
                .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
                .filter(|l| !l.is_empty())
                .collect()
        };
        // The plain count: the words of each paragraph, counted again.
        let count =
            |ps: &[String]| -> usize { ps.iter().map(|p| p.split_whitespace().count()).sum() };
        let text = "  Le  conseil\u{a0}a voté.\n\n \t \r\nSecond\tline  \u{2003}x\r\nlast";
        assert_eq!(paragraphs(text).0, plain(text));
        assert_eq!(paragraphs(text).0.len(), 3);
        // Le, conseil, a (after a no-break space), voté; Second, line, x; last.
        assert_eq!(paragraphs(text).1, 8);
        let mut texts: Vec<String> = ["", "\n\n", " one ", "a\u{85}b", "x\u{2028}y z\u{1680}w"]
            .iter()
            .map(|t| t.to_string())
            .collect();
        // And the text of every page's article.
        for (_, bytes) in every_page() {
            let (html, _) = encoding::decode_page(&bytes, None);
            let doc = parse(&html, true);
            clean(&doc);
            let mut r =
                dom_smoothie::Readability::with_document(doc, None, Some(readability_config()))
                    .unwrap();
            if let Ok(article) = r.parse() {
                texts.push(article.text_content.to_string());
            }
        }
        assert!(texts.len() > 25, "{}", texts.len());
        for t in &texts {
            let (ps, words) = paragraphs(t);
            assert_eq!(ps, plain(t), "{t:?}");
            assert_eq!(words, count(&ps), "{t:?}");
        }
    }

    /// The one-pass reading of `<meta>` tags finds what one selector per
    /// key finds (the plain version it replaced).
    #[test]
    fn meta_tags_in_one_pass_are_what_selectors_find() {
        let page = r#"<html><head>
<meta name="og:title" content="  ">
<meta property="og:title" content=" First title ">
<meta name="og:title" content="Second title">
<meta itemprop="datePublished" property="article:published_time" content="2024-03-01">
<meta name="date" content="2024-03-02"><meta name="DATE" content="upper">
<meta property="og:site_name"><meta property="og:site_name" content="The Site">
</head><body><p>x</p></body></html>"#;
        let doc = Document::from(page);
        let tags = MetaTags::read(doc.select_matcher(&MATCHERS.meta).nodes());
        for key in [
            "og:title",
            "datePublished",
            "article:published_time",
            "date",
            "DATE",
            "og:site_name",
            "missing",
        ] {
            let sel =
                format!("meta[property=\"{key}\"], meta[name=\"{key}\"], meta[itemprop=\"{key}\"]");
            let plain = doc
                .select(&sel)
                .iter()
                .filter_map(|m| m.attr("content"))
                .map(|c| c.trim().to_string())
                .find(|c| !c.is_empty());
            assert_eq!(tags.get(key), plain, "{key}");
        }
        assert_eq!(tags.get("og:title").as_deref(), Some("First title"));
    }

    /// Pages that try the corners of [`Found::walk`]: the elements it looks
    /// for inside SVG and MathML (other namespaces, which the selectors
    /// match too), in templates, in upper case, attribute values in other
    /// cases (`type` and `rel` compare ASCII case-insensitively on HTML
    /// elements only), nested articles, an `h1` before and inside one.
    const META_CORNERS: &[&str] = &[
        r#"<html><head><TITLE> First  title </TITLE><title>Second</title>
<META name="og:title" content="x"><LINK REL="CANONICAL" HREF="https://a.example/1">
<link rel="Canonical" href="https://a.example/2"><link rel="canonical stylesheet" href="https://a.example/3">
<script TYPE="Application/LD+JSON">{"datePublished":"2024-01-02"}</script>
<script type="application/ld+json ">{"datePublished":"2024-01-03"}</script></head>
<body><h1>Outside</h1><article><div><H1>Inside <b>one</b></H1></div><article><h1>Nested</h1></article></article>
<svg><title>svg title</title><script type="application/ld+json">{"datePublished":"2024-01-04"}</script>
<time datetime="2024-01-05T00:00">t</time><link rel="canonical" href="https://svg.example/"><h1>breaks out</h1></svg>
<math><mi><time datetime="2024-01-06">m</time></mi></math>
<template><h1>in template</h1><time datetime="2024-01-07">x</time><meta name="a" content="b"></template>
<TIME DATETIME="2024-01-08">T</TIME><time>no attribute</time><p>text</p></body></html>"#,
        r#"<html><body><svg><title>only an svg title</title></svg><p>x</p><time datetime="">e</time></body></html>"#,
        "<p>no head, no body</p><h1>late</h1>",
        "",
    ];

    /// The one walk finds what each selector finds, in the same order, so
    /// the metadata is the same, on every page and corner page.
    #[test]
    fn metadata_elements_in_one_walk_are_what_the_selectors_find() {
        let mut pages = every_page();
        for (i, page) in META_CORNERS.iter().enumerate() {
            pages.push((format!("meta corner {i}"), page.as_bytes().to_vec()));
        }
        let ids = |nodes: &[NodeRef]| nodes.iter().map(|n| n.id).collect::<Vec<_>>();
        let (mut found_any, mut corners_found) = (0, 0);
        for (name, bytes) in pages {
            let (html, _) = encoding::decode_page(&bytes, None);
            let doc = Document::from(html.as_str());
            let walked = Found::walk(&doc);
            let plain = Found::by_selectors(&doc);
            assert_eq!(ids(&walked.metas), ids(&plain.metas), "{name}: meta");
            assert_eq!(
                walked.article_h1.map(|n| n.id),
                plain.article_h1.map(|n| n.id),
                "{name}"
            );
            assert_eq!(
                walked.h1.map(|n| n.id),
                plain.h1.map(|n| n.id),
                "{name}: h1"
            );
            assert_eq!(
                walked.title.map(|n| n.id),
                plain.title.map(|n| n.id),
                "{name}"
            );
            assert_eq!(ids(&walked.json_ld), ids(&plain.json_ld), "{name}: json-ld");
            assert_eq!(ids(&walked.times), ids(&plain.times), "{name}: time");
            assert_eq!(ids(&walked.canonicals), ids(&plain.canonicals), "{name}");
            assert_eq!(
                format!("{:?}", walked.meta()),
                format!("{:?}", plain.meta()),
                "{name}"
            );
            let n = walked.metas.len() + walked.json_ld.len() + walked.times.len();
            found_any += usize::from(n > 0 && walked.h1.is_some());
            if name.starts_with("meta corner 0") {
                corners_found = walked.json_ld.len() + walked.times.len() + walked.canonicals.len();
                // The corners are really there: SVG's title is not the first.
                assert_eq!(walked.title.unwrap().text().trim(), "First  title");
            }
        }
        assert!(found_any >= 10, "{found_any}");
        assert!(corners_found >= 6, "{corners_found}");
    }

    /// After [`clean`] no `script` element is left, so Readability's JSON-LD
    /// reading, switched off in [`readability_config`], would find nothing:
    /// the article is the same, metadata and all, with it on.
    #[test]
    fn readability_finds_no_json_ld_after_the_clean_up() {
        let mut pages = every_page();
        for (i, page) in META_CORNERS.iter().enumerate() {
            pages.push((format!("meta corner {i}"), page.as_bytes().to_vec()));
        }
        let mut with_json_ld = 0;
        for (name, bytes) in pages {
            let (html, _) = encoding::decode_page(&bytes, None);
            with_json_ld += usize::from(html.contains("application/ld+json"));
            let article = |json_ld: bool| {
                let doc = parse(&html, true);
                clean(&doc);
                assert!(doc.select("script").is_empty(), "{name}");
                let config = dom_smoothie::Config {
                    disable_json_ld: !json_ld,
                    ..readability_config()
                };
                let mut r = dom_smoothie::Readability::with_document(doc, None, Some(config))
                    .expect("no URL to refuse");
                format!("{:?}", r.parse())
            };
            assert_eq!(article(false), article(true), "{name}");
        }
        assert!(with_json_ld >= 3, "{with_json_ld}");
    }
}
