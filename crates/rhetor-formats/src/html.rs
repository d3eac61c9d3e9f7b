//! The HTML report: one standalone file (inline CSS and JS, nothing fetched)
//! showing each article's genre, frames, highlighted spans and paragraph
//! techniques.
//!
//! Two entry points, both reused by the HTTP server so the CLI and the web
//! page show the same report from one renderer:
//! * [`article_fragment`] — one article as an `<article>` element;
//! * [`render_page`] — a whole page around any number of articles
//!   (built with [`page`], which the server's web page also uses).
//!
//! Everything is rendered from `paragraphs` and `spans`, never from
//! `Document::text`, because a document read back from JSON has no raw text.
//! Span offsets are code points of the whole text; each paragraph knows its
//! code-point start, so a span is clipped to every paragraph it touches and
//! converted to bytes with [`OffsetMap`].
//!
//! Overlapping spans: each paragraph is cut at every span boundary into
//! segments; a segment is wrapped in one `<mark>` per span covering it,
//! nested in a fixed order. Every span also gets a *lane* (interval-graph
//! colouring), and its underline is drawn `lane` steps lower, so spans that
//! overlap get separate underlines and none hides another. The first
//! fragment of each span in a paragraph carries the technique's abbreviation
//! badge, is keyboard-focusable and shows the definition on focus.
//!
//! The page around the fragments (header, contents list, the streamed
//! report) is in `html/page.rs`; this file is the fragment renderer (about
//! 420 lines) and the tests of both.

mod page;

pub use page::{page, render_page, HtmlReport};
use rhetor_core::{Category, Document, Genre, OffsetMap, Paragraph, Span, Technique};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Escapes text for HTML element content and double- or single-quoted
/// attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_escaped(&mut out, s);
    out
}

fn push_escaped(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// A short, unique abbreviation of each technique, shown next to every
/// highlight so the technique is identifiable without relying on colour.
pub fn abbreviation(t: Technique) -> &'static str {
    use Technique::*;
    match t {
        AppealToAuthority => "AA",
        AppealToPopularity => "AP",
        AppealToValues => "AV",
        AppealToFearPrejudice => "AF",
        FlagWaving => "FW",
        CausalOversimplification => "CO",
        FalseDilemma => "FD",
        ConsequentialOversimplification => "CS",
        StrawMan => "SM",
        RedHerring => "RH",
        Whataboutism => "WA",
        Slogans => "SL",
        AppealToTime => "AT",
        ConversationKiller => "CK",
        LoadedLanguage => "LL",
        Repetition => "RE",
        ExaggerationMinimisation => "EM",
        ObfuscationVagueness => "OV",
        NameCallingLabeling => "NC",
        Doubt => "DO",
        GuiltByAssociation => "GA",
        AppealToHypocrisy => "AH",
        QuestioningTheReputation => "QR",
    }
}

/// A score in `[0, 1]` as a whole percentage (non-finite scores show as 0%).
fn percent(score: f32) -> u32 {
    if score.is_finite() {
        (score.clamp(0.0, 1.0) * 100.0).round() as u32
    } else {
        0
    }
}

/// The tooltip / `title` text of a technique with its score.
fn technique_tip(t: Technique, score: f32) -> String {
    format!(
        "{} ({}, {}) {}% — {}",
        t.as_str(),
        abbreviation(t),
        t.category().as_str(),
        percent(score),
        t.definition()
    )
}

/// Id of the legend entry holding a technique's definition, referenced by
/// `aria-describedby` from every highlight and chip of that technique.
fn def_id(n: usize, t: Technique) -> String {
    format!("rh{n}-def-{}", t.as_str())
}

/// One span clipped to one paragraph, in code points relative to it.
struct Piece {
    /// Index of the span in `doc.spans`.
    span: usize,
    start: usize,
    end: usize,
    lane: usize,
}

/// Assigns each valid span the lowest lane free at its start, so spans that
/// overlap never share a lane (and so never share an underline). Invalid
/// spans (empty or reversed) get `None` and are not drawn.
fn lanes(spans: &[Span]) -> Vec<Option<usize>> {
    let mut order: Vec<usize> = (0..spans.len())
        .filter(|&i| spans[i].start < spans[i].end)
        .collect();
    order.sort_by_key(|&i| (spans[i].start, std::cmp::Reverse(spans[i].end), i));
    let mut lane_ends: Vec<usize> = Vec::new();
    let mut out = vec![None; spans.len()];
    for i in order {
        let s = &spans[i];
        let lane = match lane_ends.iter().position(|&end| end <= s.start) {
            Some(l) => {
                lane_ends[l] = s.end;
                l
            }
            None => {
                lane_ends.push(s.end);
                lane_ends.len() - 1
            }
        };
        out[i] = Some(lane);
    }
    out
}

/// Renders one paragraph's text with every span that touches it, setting
/// `drawn[i]` for each span `i` it shows.
fn push_paragraph_text(
    out: &mut String,
    n: usize,
    p: &Paragraph,
    spans: &[Span],
    lanes: &[Option<usize>],
    drawn: &mut [bool],
) {
    let map = OffsetMap::new(&p.text);
    let len = map.len_chars();
    let p_end = p.start + len;
    let mut pieces: Vec<Piece> = spans
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            let lane = lanes[i]?;
            let start = s.start.max(p.start);
            let end = s.end.min(p_end);
            (start < end).then(|| Piece {
                span: i,
                start: start - p.start,
                end: end - p.start,
                lane,
            })
        })
        .collect();
    // Nesting order: lower lanes outside, so a span's fragments always sit at
    // the same depth relative to the spans overlapping it.
    pieces.sort_by_key(|c| (c.lane, c.start, c.span));
    for c in &pieces {
        drawn[c.span] = true;
    }
    let mut bounds: Vec<usize> = vec![0, len];
    for c in &pieces {
        bounds.push(c.start);
        bounds.push(c.end);
    }
    bounds.sort_unstable();
    bounds.dedup();
    for w in bounds.windows(2) {
        let (a, b) = (w[0], w[1]);
        let covering: Vec<&Piece> = pieces
            .iter()
            .filter(|c| c.start <= a && c.end >= b)
            .collect();
        for c in &covering {
            push_mark_open(out, n, &spans[c.span], c, c.start == a);
        }
        push_escaped(out, map.slice(&p.text, a, b).unwrap_or(""));
        for _ in &covering {
            out.push_str("</mark>");
        }
    }
}

fn push_mark_open(out: &mut String, n: usize, span: &Span, piece: &Piece, first: bool) {
    let t = span.technique;
    let tip = escape(&technique_tip(t, span.score));
    let _ = write!(
        out,
        "<mark class=\"rh-span{}\" data-technique=\"{}\" data-category=\"{}\" data-abbr=\"{}\" \
         data-span=\"{n}-{}\" data-score=\"{}\" style=\"--lane:{}\" title=\"{tip}\"",
        if first { " rh-start" } else { "" },
        t.as_str(),
        t.category().as_str(),
        abbreviation(t),
        piece.span,
        percent(span.score),
        piece.lane.min(MAX_DRAWN_LANE),
    );
    if first {
        // Only the first fragment is a tab stop: one stop per span, not one
        // per segment.
        let _ = write!(
            out,
            " tabindex=\"0\" data-tip=\"{tip}\" aria-describedby=\"{}\"",
            def_id(n, t)
        );
    }
    out.push('>');
}

/// Lanes beyond this share the lowest underline (still marked and badged):
/// deeper offsets would run into the next line of text.
const MAX_DRAWN_LANE: usize = 5;

fn push_chips(out: &mut String, n: usize, p: &Paragraph) {
    if p.techniques.is_empty() {
        return;
    }
    out.push_str("<ul class=\"rh-chips\" aria-label=\"techniques in this paragraph\">");
    for s in &p.techniques {
        let t = s.label;
        let tip = escape(&technique_tip(t, s.score));
        let _ = write!(
            out,
            "<li class=\"rh-chip\" tabindex=\"0\" data-technique=\"{}\" data-category=\"{}\" \
             data-score=\"{}\" title=\"{tip}\" data-tip=\"{tip}\" aria-describedby=\"{}\">\
             <abbr>{}</abbr> {} <span class=\"rh-pct\">{}%</span></li>",
            t.as_str(),
            t.category().as_str(),
            percent(s.score),
            def_id(n, t),
            abbreviation(t),
            t.as_str(),
            percent(s.score),
        );
    }
    out.push_str("</ul>");
}

fn push_genre(out: &mut String, doc: &Document) {
    out.push_str("<div class=\"rh-genre\"><span class=\"rh-key\">Genre</span> ");
    match &doc.genre {
        Some(g) => {
            let score = g.scores.get(&g.label).copied().unwrap_or(0.0);
            let _ = write!(
                out,
                "<strong class=\"rh-genre-label\" data-genre=\"{0}\" title=\"{1}\">{0}</strong> \
                 <span class=\"rh-conf\">{2}% confidence</span>",
                g.label.as_str(),
                escape(g.label.definition()),
                percent(score),
            );
            let others: Vec<String> = Genre::ALL
                .iter()
                .filter(|&&o| o != g.label)
                .filter_map(|o| {
                    g.scores
                        .get(o)
                        .map(|s| format!("{} {}%", o.as_str(), percent(*s)))
                })
                .collect();
            if !others.is_empty() {
                let _ = write!(out, " <small>({})</small>", others.join(", "));
            }
        }
        None => out.push_str("<em>not predicted (no model)</em>"),
    }
    out.push_str("</div>");
}

fn push_frames(out: &mut String, doc: &Document) {
    out.push_str("<div class=\"rh-frames\"><h3>Frames</h3>");
    if doc.frames.is_empty() {
        out.push_str("<p class=\"rh-none\">No frame predicted.</p></div>");
        return;
    }
    out.push_str("<ul>");
    for f in &doc.frames {
        let pct = percent(f.score);
        let _ = write!(
            out,
            "<li class=\"rh-frame\" data-score=\"{pct}\" title=\"{def}\"><span class=\"rh-frame-label\">{label}</span>\
             <span class=\"rh-bar\" aria-hidden=\"true\"><span style=\"width:{pct}%\"></span></span>\
             <span class=\"rh-pct\">{pct}%</span></li>",
            def = escape(f.label.definition()),
            label = f.label.as_str(),
        );
    }
    out.push_str("</ul></div>");
}

/// Counts per technique: (spans shown in the text, paragraphs).
fn technique_counts(doc: &Document, drawn: &[bool]) -> BTreeMap<Technique, (usize, usize)> {
    let mut counts: BTreeMap<Technique, (usize, usize)> = BTreeMap::new();
    for (s, _) in doc.spans.iter().zip(drawn).filter(|(_, &d)| d) {
        counts.entry(s.technique).or_default().0 += 1;
    }
    for p in &doc.paragraphs {
        for s in &p.techniques {
            counts.entry(s.label).or_default().1 += 1;
        }
    }
    counts
}

fn push_legend(out: &mut String, n: usize, doc: &Document, drawn: &[bool]) {
    let counts = technique_counts(doc, drawn);
    out.push_str("<section class=\"rh-legend\"><h3>Techniques</h3>");
    if counts.is_empty() {
        out.push_str("<p class=\"rh-none\">No persuasion technique detected.</p></section>");
        return;
    }
    out.push_str(
        "<p class=\"rh-hint rh-noprint\">Select a technique to show only its highlights.</p><dl>",
    );
    for cat in Category::ALL {
        for t in cat.techniques() {
            let Some(&(spans, paras)) = counts.get(&t) else {
                continue;
            };
            let _ = write!(
                out,
                "<dt><button type=\"button\" class=\"rh-filter\" aria-pressed=\"false\" \
                 data-technique=\"{t}\" data-category=\"{cat}\">\
                 <span class=\"rh-swatch\">{abbr}</span> {t}</button> \
                 <span class=\"rh-cat\">{cat}</span> \
                 <span class=\"rh-count\">{spans} span{s1} · {paras} paragraph{s2}</span></dt>\
                 <dd id=\"{id}\">{def}</dd>",
                t = t.as_str(),
                cat = cat.as_str(),
                abbr = abbreviation(t),
                s1 = if spans == 1 { "" } else { "s" },
                s2 = if paras == 1 { "" } else { "s" },
                id = def_id(n, t),
                def = escape(t.definition()),
            );
        }
    }
    out.push_str("</dl></section>");
}

/// Renders one article as a self-contained `<article>` element. `n`
/// distinguishes the element ids of articles shown on the same page.
pub fn article_fragment(doc: &Document, n: usize) -> String {
    let mut out = String::with_capacity(4096 + doc.paragraphs.len() * 512);
    let lanes = lanes(&doc.spans);
    let mut drawn = vec![false; doc.spans.len()];
    let _ = write!(out, "<article class=\"rh-article\" id=\"rh{n}\"");
    if let Some(lang) = &doc.language {
        let _ = write!(out, " lang=\"{}\"", escape(lang));
    }
    out.push_str("><header>");

    // Line 1 is the title and may carry spans and techniques of its own.
    let title_para = doc.paragraphs.first().filter(|p| p.line == 1);
    out.push_str("<h2 class=\"rh-title\">");
    match title_para {
        Some(p) => push_paragraph_text(&mut out, n, p, &doc.spans, &lanes, &mut drawn),
        None if !doc.title.is_empty() => push_escaped(&mut out, &doc.title),
        None => {
            out.push_str("Article ");
            push_escaped(&mut out, &doc.id);
        }
    }
    out.push_str("</h2>");
    if let Some(p) = title_para {
        push_chips(&mut out, n, p);
    }
    out.push_str("<p class=\"rh-meta\">id <code>");
    push_escaped(&mut out, &doc.id);
    out.push_str("</code> · language <b class=\"rh-lang\">");
    push_escaped(&mut out, doc.language.as_deref().unwrap_or("unknown"));
    out.push_str("</b>");
    if let Some(model) = &doc.model {
        out.push_str(" · model <b>");
        push_escaped(&mut out, model);
        out.push_str("</b>");
    }
    out.push_str("</p></header><section class=\"rh-summary\">");
    push_genre(&mut out, doc);
    push_frames(&mut out, doc);
    out.push_str("</section><section class=\"rh-text\">");
    let mut any = false;
    for p in doc.paragraphs.iter().filter(|p| p.line > 1) {
        any = true;
        let _ = write!(out, "<div class=\"rh-para\" data-line=\"{}\"><p>", p.line);
        push_paragraph_text(&mut out, n, p, &doc.spans, &lanes, &mut drawn);
        out.push_str("</p>");
        push_chips(&mut out, n, p);
        out.push_str("</div>");
    }
    if !any {
        out.push_str("<p class=\"rh-none\">(no body text)</p>");
    }
    out.push_str("</section>");
    push_legend(&mut out, n, doc, &drawn);
    out.push_str("</article>\n");
    out
}

/// The reader's confidence threshold: techniques, frames and highlights
/// scoring under it are hidden (each carries its score as `data-score`, a
/// whole percentage; the shared script does the hiding). On the report
/// page and the server's web page.
pub const CONFIDENCE_CONTROL: &str = "<div class=\"rh-confidence rh-noprint\">\
<label for=\"rh-confidence\">Hide labels and highlights under \
<output id=\"rh-confidence-value\" for=\"rh-confidence\">0</output>% confidence</label> \
<input id=\"rh-confidence\" type=\"range\" min=\"0\" max=\"100\" step=\"5\" value=\"0\"></div>";

/// The stylesheet shared by the report file and the server's web page.
pub const STYLE: &str = include_str!("html/report.css");

/// Behaviour shared by the report file and the web page: linking a span's
/// fragments on hover/focus, legend filters, Escape to leave a tooltip.
pub const SCRIPT: &str = include_str!("html/report.js");

#[cfg(test)]
mod tests {
    use super::*;
    use rhetor_core::{Frame, GenreScores, Scored};
    use std::collections::HashSet;

    /// The visible text of some HTML: tags dropped, entities decoded.
    fn text_of(html: &str) -> String {
        let mut out = String::new();
        let mut in_tag = false;
        for c in html.chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                c if !in_tag => out.push(c),
                _ => {}
            }
        }
        out.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&amp;", "&")
    }

    fn sample() -> Document {
        let mut doc = Document::from_title_and_body(
            "7",
            "Les «aides» 😀",
            "Un «cadeau» empoisonné, vraiment.\nSecond paragraphe <script>alert(1)</script> fin.",
        );
        let map = OffsetMap::new(&doc.text);
        // "cadeau" (inside the guillemets) and an overlapping span around it.
        let cadeau = doc.text.find("cadeau").unwrap();
        let cs = map.char_at_byte(cadeau).unwrap();
        doc.add_span(&map, Technique::LoadedLanguage, cs, cs + 6, 0.9)
            .unwrap();
        doc.add_span(&map, Technique::Doubt, cs - 4, cs + 18, 0.5)
            .unwrap();
        // A span crossing from paragraph 2 into paragraph 3.
        doc.add_span(&map, Technique::Repetition, cs + 20, cs + 40, 0.4)
            .unwrap();
        // "aides" in the title.
        doc.add_span(&map, Technique::NameCallingLabeling, 5, 10, 0.7)
            .unwrap();
        doc.genre = Some(GenreScores::certain(Genre::Opinion));
        doc.frames.push(Scored::new(Frame::Political, 0.92));
        doc.paragraphs[1]
            .techniques
            .push(Scored::new(Technique::LoadedLanguage, 0.74));
        doc.language = Some("fr".into());
        doc
    }

    #[test]
    fn abbreviations_are_unique() {
        let set: HashSet<&str> = Technique::ALL.iter().map(|&t| abbreviation(t)).collect();
        assert_eq!(set.len(), Technique::COUNT);
    }

    #[test]
    fn user_text_is_escaped() {
        let html = article_fragment(&sample(), 0);
        assert!(!html.contains("<script>alert"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        let page = render_page(&[sample()]);
        assert_eq!(page.matches("<script>").count(), 1, "only our own script");
    }

    #[test]
    fn every_span_is_marked_once_as_start_and_text_is_kept() {
        let doc = sample();
        let html = article_fragment(&doc, 3);
        for i in 0..doc.spans.len() {
            let attr = format!("data-span=\"3-{i}\"");
            assert!(html.contains(&attr), "span {i} missing");
        }
        // Span 0 and 1 are in one paragraph: one start each. Span 2 crosses a
        // paragraph boundary: one start per paragraph it touches.
        assert_eq!(html.matches("rh-span rh-start").count(), 5);
        // No character lost or duplicated: paragraph text survives intact.
        for p in &doc.paragraphs {
            assert!(text_of(&html).contains(&p.text), "{}", p.text);
        }
        // Exact code-point slices despite multi-byte characters before them.
        assert!(html.contains(">aides</mark>"));
        assert!(html.contains(">cadeau</mark>"));
    }

    #[test]
    fn overlapping_spans_get_different_lanes() {
        let doc = sample();
        let l = lanes(&doc.spans);
        assert_ne!(l[0], l[1]);
        let html = article_fragment(&doc, 0);
        assert!(html.contains("data-technique=\"Doubt\""));
        assert!(html.contains("data-technique=\"Loaded_Language\""));
    }

    #[test]
    fn renders_the_same_from_json_without_raw_text() {
        let doc = sample();
        let json = serde_json::to_string(&doc).unwrap();
        let back: Document = serde_json::from_str(&json).unwrap();
        assert!(back.text.is_empty());
        assert_eq!(article_fragment(&back, 0), article_fragment(&doc, 0));
    }

    #[test]
    fn summary_legend_and_chips() {
        let html = article_fragment(&sample(), 0);
        assert!(html.contains("data-genre=\"opinion\""));
        assert!(html.contains("100% confidence"));
        assert!(html.contains("Political</span>"));
        assert!(html.contains("width:92%"));
        assert!(html.contains("class=\"rh-chip\""));
        assert!(html.contains("74%"));
        // Legend: Loaded_Language has 1 span and 1 paragraph label.
        assert!(html.contains("1 span · 1 paragraph"));
        assert!(html.contains("id=\"rh0-def-Loaded_Language\""));
        assert!(html.contains("aria-describedby=\"rh0-def-Doubt\""));
    }

    #[test]
    fn bad_spans_do_not_panic_and_are_not_drawn() {
        let mut doc = sample();
        let t = Technique::Slogans;
        doc.spans.push(Span {
            technique: t,
            start: 9,
            end: 3,
            text: String::new(),
            score: f32::NAN,
        });
        doc.spans.push(Span {
            technique: t,
            start: 10_000,
            end: 10_010,
            text: String::new(),
            score: 2.0,
        });
        let html = article_fragment(&doc, 0);
        assert!(!html.contains("Slogans"), "neither drawn nor counted");
    }

    #[test]
    fn page_is_standalone() {
        let page = render_page(&[sample(), Document::from_text("b", "Only a title")]);
        assert!(page.starts_with("<!DOCTYPE html>"));
        assert!(!page.contains("<link"));
        assert!(!page.contains("src="));
        assert!(!page.contains("http://") && !page.contains("https://"));
        assert!(page.contains("@media print"));
        assert!(page.contains("@media (max-width"));
        assert!(page.contains("href=\"#rh1\""));
        assert!(page.contains("No persuasion technique detected."));
        assert!(render_page(&[]).contains("No article."));
    }

    #[test]
    fn the_streamed_report_is_the_rendered_page_byte_for_byte() {
        let docs = [
            sample(),
            Document::from_text("b", "Only a title"),
            Document::from_text("c", ""),
        ];
        for n in 0..=docs.len() {
            let dir = tempfile::tempdir().unwrap();
            let mut report = HtmlReport::new(Some(dir.path())).unwrap();
            for d in &docs[..n] {
                report.add(d).unwrap();
            }
            let mut out = Vec::new();
            report.finish(&mut out).unwrap();
            assert_eq!(
                String::from_utf8(out).unwrap(),
                render_page(&docs[..n]),
                "{n} documents"
            );
            // The spill file has no name: nothing is left in the folder.
            assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        }
    }
}
