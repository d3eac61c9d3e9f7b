//! The page around the articles: [`page`] (the shared style and script
//! inline), the report's header with its contents list, and the report
//! itself, whole ([`render_page`]) or streamed ([`HtmlReport`]).

use super::{article_fragment, escape, SCRIPT, STYLE};
use rhetor_core::Document;
use std::fmt::Write as _;

/// A complete standalone page: `body` inside `<main>`, the shared style and
/// script inline, then `extra_script` (trusted, never user text).
pub fn page(title: &str, body: &str, extra_script: &str) -> String {
    let mut out = page_head(title);
    out.push_str(body);
    out.push_str(&page_tail(extra_script));
    out
}

/// What [`page`] puts before the body.
fn page_head(title: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"generator\" content=\"rhetor {version}\">\
         <title>{title}</title><style>{STYLE}</style></head>\n<body><main class=\"rh-page\">\n",
        version = env!("CARGO_PKG_VERSION"),
        title = escape(title),
    )
}

/// What [`page`] puts after the body.
fn page_tail(extra_script: &str) -> String {
    format!("</main>\n<script>{SCRIPT}\n{extra_script}</script></body></html>\n")
}

/// The report's header: the article count and, for several, a contents list.
fn push_report_header<'a>(body: &mut String, names: impl ExactSizeIterator<Item = &'a str>) {
    let count = names.len();
    let _ = write!(
        body,
        "<header class=\"rh-page-head\"><h1>rhetor report</h1><p>{} article{}</p>",
        count,
        if count == 1 { "" } else { "s" }
    );
    if count > 1 {
        body.push_str("<nav class=\"rh-toc rh-noprint\"><ol>");
        for (n, name) in names.enumerate() {
            let _ = write!(body, "<li><a href=\"#rh{n}\">{}</a></li>", escape(name));
        }
        body.push_str("</ol></nav>");
    }
    body.push_str(super::CONFIDENCE_CONTROL);
    body.push_str("</header>\n");
}

/// The name a report's contents list shows for a document.
fn toc_name(d: &Document) -> &str {
    if d.title.is_empty() {
        &d.id
    } else {
        &d.title
    }
}

/// The whole report for `docs` as one standalone HTML file.
pub fn render_page(docs: &[Document]) -> String {
    let mut body = String::new();
    push_report_header(&mut body, docs.iter().map(toc_name));
    for (n, d) in docs.iter().enumerate() {
        body.push_str(&article_fragment(d, n));
    }
    if docs.is_empty() {
        body.push_str("<p class=\"rh-none\">No article.</p>");
    }
    page("rhetor report", &body, "")
}

/// [`render_page`] for a run of any length, one document at a time: each
/// article is rendered as it comes and spilled to an unnamed temporary file,
/// and only its contents-list entry (title or id) stays in memory, since the
/// page's header counts the articles and lists them before the first one.
/// [`HtmlReport::finish`] writes the header, then copies the spilled
/// articles after it. The output is byte for byte what `render_page` gives.
pub struct HtmlReport {
    spill: std::io::BufWriter<std::fs::File>,
    names: Vec<String>,
}

impl HtmlReport {
    /// A report whose articles are spilled to a temporary file in `dir`
    /// (the system's temporary folder if `None`); put it beside the output,
    /// where there is room for the output anyway.
    pub fn new(dir: Option<&std::path::Path>) -> std::io::Result<HtmlReport> {
        let spill = match dir {
            Some(dir) => tempfile::tempfile_in(dir)?,
            None => tempfile::tempfile()?,
        };
        Ok(HtmlReport {
            spill: std::io::BufWriter::new(spill),
            names: Vec::new(),
        })
    }

    /// Renders one more article.
    pub fn add(&mut self, doc: &Document) -> std::io::Result<()> {
        use std::io::Write;
        let n = self.names.len();
        self.spill.write_all(article_fragment(doc, n).as_bytes())?;
        self.names.push(toc_name(doc).to_string());
        Ok(())
    }

    /// Writes the whole page to `out`.
    pub fn finish(self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        use std::io::Seek;
        let mut head = page_head("rhetor report");
        push_report_header(&mut head, self.names.iter().map(String::as_str));
        out.write_all(head.as_bytes())?;
        let mut spill = self.spill.into_inner().map_err(|e| e.into_error())?;
        spill.rewind()?;
        std::io::copy(&mut spill, out)?;
        if self.names.is_empty() {
            out.write_all(b"<p class=\"rh-none\">No article.</p>")?;
        }
        out.write_all(page_tail("").as_bytes())
    }
}
