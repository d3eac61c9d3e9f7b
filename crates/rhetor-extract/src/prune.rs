//! Parsing less: the insides of boxes that [`crate::html`]'s clean-up
//! removes anyway, cut from the HTML text before html5ever parses it.
//!
//! On news pages a third or more of the markup is navigation, comment
//! sections, related-story lists and footers; the HTML5 parser, which
//! reads character by character, was the largest cost of `rhetor extract`
//! (about 38 % of its instructions on the bench's `sections` pages). A box
//! whose own start tag makes the clean-up remove it (`<nav>`, `<footer>`,
//! `<aside>`, `<figcaption>`, or a `div`, `section`, list, `header` or
//! `figure` with a noise class or id) is removed with all it holds, so what
//! it holds never reaches Readability. Cutting it out of the text leaves
//! the empty box, which the clean-up removes as before.
//!
//! That is only the same page if the parse of everything else does not
//! change, and HTML parsing has long-range effects: an unclosed `<p>` or
//! `<li>` closed by a later tag, a formatting element reopened after a
//! misnested end tag, a `<li>` that closes a list item outside the box,
//! foster parenting in tables, raw-text elements, foreign content. So this
//! pass is a small model of the HTML tokenizer and of the tree builder's
//! stack of open elements that only claims what it can vouch for:
//!
//! * It reads the page token by token as the HTML tokenizer does (comments
//!   and their abrupt ends, bogus comments and doctypes, quoted and
//!   unquoted attribute values, `script`, `style`, `title` and `textarea`
//!   raw text up to their appropriate end tag) and stops, cutting nothing
//!   more, at anything outside the simple subset it models: an element not
//!   on its list (tables, templates, SVG and MathML, `select`, `pre`,
//!   `noscript`, custom elements, ...), an end tag that does not close the
//!   current element (every misnesting and every implied end tag), a start
//!   tag that would close an open `p`, `li`, `dd`, `dt`, heading, `a`,
//!   `button` or `form`, a `<!--` inside a script (its escaped states), a
//!   comment holding `--!` or `<!--`. Up to the stop, the page is nested
//!   exactly as written, so the model's stack is the parser's.
//! * A box is cut only when what it holds is itself written that way (every
//!   element closed by its own end tag, inside the box), uses only simple
//!   elements (no `h1`, `time`, `meta`, `link`, `title`, `script` or
//!   `article`, which the metadata reads from the whole page), and never
//!   reaches outside the box (no `<a>` inside an open `a`, no `<li>`
//!   outside a list of its own, no tag that closes a `p` opened inside,
//!   no formatting element of a kind open outside the box, which could
//!   push that one out of the parser's list of active formatting elements).
//!   Then the parser's state after the box's end tag (its stack of open
//!   elements, its list of active formatting elements, its form pointer) is
//!   the same with or without the box's insides. The one other thing the
//!   insides change, the `frameset-ok` flag, only matters to a later
//!   `<frameset>`: a page that mentions one is not cut at all.
//!
//! Checked bit for bit against the plain parse (the cleaned tree and the
//! whole record) on every page the bench and the tests use, on pages
//! written to try the corners, and by the `extract_html` fuzz target.

use crate::name_keys::{key, lower_key};
use crate::noise_names::is_noise_name;
use memchr::{memchr, memmem};

/// An element the model knows: an index into [`TAGS`].
type Tag = u8;

/// Void elements: no content, no end tag.
const VOID: u16 = 1;
/// Their content is text up to their end tag (script data, RAWTEXT, RCDATA).
const RAW: u16 = 1 << 1;
/// Their start tag closes a `p` element in button scope.
const CLOSES_P: u16 = 1 << 2;
/// The HTML "special" elements, less `address`, `div` and `p`: where the
/// search of a `<li>`, `<dd>` or `<dt>` start tag for an open item to
/// close stops.
const STOPS_ITEM_SEARCH: u16 = 1 << 3;
/// Boxes the clean-up removes whatever their attributes.
const NOISE_BOX: u16 = 1 << 4;
/// Boxes it removes when their class or id is a noise name (all of them
/// "special" elements that close an open `p`).
const NAMED_BOX: u16 = 1 << 5;
/// What a box may hold to be cut: not what the metadata reads anywhere in
/// the page (`h1`, `time`, `meta`, `link`, `title`, `script`, `article`),
/// nor `main`, `html`, `head`, `body`, `base`.
const INSIDE_OK: u16 = 1 << 6;
const HEADING: u16 = 1 << 7;
/// Formatting elements: the parser also keeps them in its list of active
/// formatting elements, where a fourth one like three others (same name
/// and attributes) pushes the earliest out.
const FORMATTING: u16 = 1 << 8;

/// The elements the model knows, with what it needs to know of them,
/// sorted by name. Any other element stops it.
const TAGS: &[(&[u8], u16)] = &[
    (b"a", INSIDE_OK | FORMATTING),
    (b"abbr", INSIDE_OK),
    (b"address", CLOSES_P | INSIDE_OK),
    (b"article", CLOSES_P | STOPS_ITEM_SEARCH),
    (
        b"aside",
        CLOSES_P | STOPS_ITEM_SEARCH | NOISE_BOX | INSIDE_OK,
    ),
    (b"b", INSIDE_OK | FORMATTING),
    (b"base", VOID),
    (b"blockquote", CLOSES_P | STOPS_ITEM_SEARCH | INSIDE_OK),
    (b"body", STOPS_ITEM_SEARCH),
    (b"br", VOID | INSIDE_OK),
    (b"button", STOPS_ITEM_SEARCH | INSIDE_OK),
    (b"cite", INSIDE_OK),
    (b"dd", CLOSES_P | STOPS_ITEM_SEARCH | INSIDE_OK),
    (b"div", CLOSES_P | NAMED_BOX | INSIDE_OK),
    (b"dl", CLOSES_P | STOPS_ITEM_SEARCH | NAMED_BOX | INSIDE_OK),
    (b"dt", CLOSES_P | STOPS_ITEM_SEARCH | INSIDE_OK),
    (b"em", INSIDE_OK | FORMATTING),
    (
        b"figcaption",
        CLOSES_P | STOPS_ITEM_SEARCH | NOISE_BOX | INSIDE_OK,
    ),
    (
        b"figure",
        CLOSES_P | STOPS_ITEM_SEARCH | NAMED_BOX | INSIDE_OK,
    ),
    (
        b"footer",
        CLOSES_P | STOPS_ITEM_SEARCH | NOISE_BOX | INSIDE_OK,
    ),
    (b"form", CLOSES_P | STOPS_ITEM_SEARCH | INSIDE_OK),
    (b"h1", CLOSES_P | STOPS_ITEM_SEARCH | HEADING),
    (b"h2", CLOSES_P | STOPS_ITEM_SEARCH | INSIDE_OK | HEADING),
    (b"h3", CLOSES_P | STOPS_ITEM_SEARCH | INSIDE_OK | HEADING),
    (b"h4", CLOSES_P | STOPS_ITEM_SEARCH | INSIDE_OK | HEADING),
    (b"h5", CLOSES_P | STOPS_ITEM_SEARCH | INSIDE_OK | HEADING),
    (b"h6", CLOSES_P | STOPS_ITEM_SEARCH | INSIDE_OK | HEADING),
    (b"head", STOPS_ITEM_SEARCH),
    (
        b"header",
        CLOSES_P | STOPS_ITEM_SEARCH | NAMED_BOX | INSIDE_OK,
    ),
    (b"hr", VOID | CLOSES_P | INSIDE_OK),
    (b"html", STOPS_ITEM_SEARCH),
    (b"i", INSIDE_OK | FORMATTING),
    (b"img", VOID | INSIDE_OK),
    (b"input", VOID | INSIDE_OK),
    (b"label", INSIDE_OK),
    (b"li", CLOSES_P | STOPS_ITEM_SEARCH | INSIDE_OK),
    (b"link", VOID),
    (b"main", CLOSES_P | STOPS_ITEM_SEARCH),
    (b"mark", INSIDE_OK),
    (b"meta", VOID),
    (b"nav", CLOSES_P | STOPS_ITEM_SEARCH | NOISE_BOX | INSIDE_OK),
    (b"ol", CLOSES_P | STOPS_ITEM_SEARCH | NAMED_BOX | INSIDE_OK),
    (b"p", CLOSES_P | INSIDE_OK),
    (b"picture", INSIDE_OK),
    (b"q", INSIDE_OK),
    (b"s", INSIDE_OK | FORMATTING),
    (b"script", RAW),
    (
        b"section",
        CLOSES_P | STOPS_ITEM_SEARCH | NAMED_BOX | INSIDE_OK,
    ),
    (b"small", INSIDE_OK | FORMATTING),
    (b"source", VOID | INSIDE_OK),
    (b"span", INSIDE_OK),
    (b"strong", INSIDE_OK | FORMATTING),
    (b"style", RAW | INSIDE_OK),
    (b"sub", INSIDE_OK),
    (b"sup", INSIDE_OK),
    (b"textarea", RAW | INSIDE_OK),
    (b"time", 0),
    (b"title", RAW),
    (b"u", INSIDE_OK | FORMATTING),
    (b"ul", CLOSES_P | STOPS_ITEM_SEARCH | NAMED_BOX | INSIDE_OK),
    (b"wbr", VOID | INSIDE_OK),
];

const HTML: Tag = 30;
const HEAD: Tag = 27;
const BODY: Tag = 8;
const SCRIPT: Tag = 46;
const P: Tag = 42;
const A: Tag = 0;
const UL: Tag = 59;
const OL: Tag = 41;
const LI: Tag = 35;
const DL: Tag = 14;
const DT: Tag = 15;
const DD: Tag = 12;
const BUTTON: Tag = 10;
const FORM: Tag = 20;

fn has(tag: Tag, flag: u16) -> bool {
    TAGS[usize::from(tag)].1 & flag != 0
}

/// The [`key`]s of [`TAGS`]' names, in its order.
const TAG_KEYS: [u128; TAGS.len()] = {
    let mut keys = [0; TAGS.len()];
    let mut i = 0;
    while i < TAGS.len() {
        keys[i] = key(TAGS[i].0);
        i += 1;
    }
    keys
};

/// The known element named `name` (in any case).
fn tag_of(name: &[u8]) -> Option<Tag> {
    let key = lower_key(name)?;
    TAG_KEYS.binary_search(&key).ok().map(|i| i as Tag)
}

/// One token of the page, as far as the model needs it.
#[derive(Debug)]
enum Token<'a> {
    /// Text, a comment, a doctype or an ignored `</>`: nothing the stack
    /// of open elements sees.
    Other,
    /// A start tag of a known element, with its first `class` and `id`
    /// values (`None` also for a value with a character reference or a
    /// NUL, which the parser rewrites: not known to be a noise name). A
    /// raw-text element's text and end tag are read with it.
    Start {
        tag: Tag,
        class: Option<&'a str>,
        id: Option<&'a str>,
    },
    /// An end tag of a known element.
    End(Tag),
    /// Something the model does not follow (an unknown element, the end of
    /// the page inside a tag): stop.
    Stop,
}

/// A tokenizer for the subset of HTML the model follows, over a page's
/// text (every delimiter it looks for is ASCII, so it cuts the text at
/// character boundaries).
struct Scanner<'a> {
    html: &'a str,
    pos: usize,
}

fn is_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | b'\x0c' | b'\r' | b' ')
}

impl<'a> Scanner<'a> {
    /// The next token, or `None` at the end of the page.
    fn next(&mut self) -> Option<Token<'a>> {
        let s = self.html.as_bytes();
        if self.pos >= s.len() {
            return None;
        }
        let lt = match memchr(b'<', &s[self.pos..]) {
            Some(0) => self.pos,
            Some(n) => {
                self.pos += n;
                return Some(Token::Other);
            }
            None => {
                self.pos = s.len();
                return Some(Token::Other);
            }
        };
        Some(match s.get(lt + 1) {
            Some(b'!') => self.markup_declaration(lt),
            Some(b'?') => self.skip_past_gt(lt + 2),
            Some(b'/') => match s.get(lt + 2) {
                Some(c) if c.is_ascii_alphabetic() => self.tag(lt + 2, true),
                Some(b'>') => {
                    self.pos = lt + 3;
                    Token::Other
                }
                Some(_) => self.skip_past_gt(lt + 2),
                None => Token::Stop,
            },
            Some(c) if c.is_ascii_alphabetic() => self.tag(lt + 1, false),
            // A `<` that starts no tag is text.
            Some(_) => {
                self.pos = lt + 1;
                Token::Other
            }
            None => Token::Stop,
        })
    }

    /// A bogus comment (or a doctype): up to the next `>`.
    fn skip_past_gt(&mut self, from: usize) -> Token<'a> {
        match memchr(b'>', &self.html.as_bytes()[from..]) {
            Some(n) => {
                self.pos = from + n + 1;
                Token::Other
            }
            None => Token::Stop,
        }
    }

    /// `<!`: a comment, or a doctype or bogus comment up to `>`.
    fn markup_declaration(&mut self, lt: usize) -> Token<'a> {
        let s = self.html.as_bytes();
        if !s[lt + 2..].starts_with(b"--") {
            return self.skip_past_gt(lt + 2);
        }
        let body = lt + 4;
        // `<!-->` and `<!--->` end at once.
        if s[body..].starts_with(b">") {
            self.pos = body + 1;
            return Token::Other;
        }
        if s[body..].starts_with(b"->") {
            self.pos = body + 2;
            return Token::Other;
        }
        let Some(end) = memmem::find(&s[body..], b"-->") else {
            return Token::Stop;
        };
        let inside = &s[body..body + end];
        // `--!>` also ends a comment, and a nested `<!--` is a parse error
        // whose handling the model does not follow: stop at either.
        if memmem::find(inside, b"--!").is_some() || memmem::find(inside, b"<!--").is_some() {
            return Token::Stop;
        }
        self.pos = body + end + 3;
        Token::Other
    }

    /// A start or end tag whose name starts at `from`.
    fn tag(&mut self, from: usize, end: bool) -> Token<'a> {
        let s = self.html.as_bytes();
        let mut i = from;
        while i < s.len() && !is_space(s[i]) && s[i] != b'/' && s[i] != b'>' {
            i += 1;
        }
        let Some(tag) = tag_of(&s[from..i]) else {
            return Token::Stop;
        };
        let (mut class, mut id) = (None::<Option<&'a str>>, None::<Option<&'a str>>);
        // Attributes, as the tokenizer's attribute states read them.
        loop {
            while i < s.len() && (is_space(s[i]) || s[i] == b'/') {
                i += 1;
            }
            match s.get(i) {
                None => return Token::Stop,
                Some(b'>') => {
                    i += 1;
                    break;
                }
                Some(_) => {}
            }
            // The attribute's name: its first character may be `=`.
            let start = i;
            i += 1;
            while i < s.len() && !is_space(s[i]) && !matches!(s[i], b'/' | b'>' | b'=') {
                i += 1;
            }
            let attr = &s[start..i];
            while i < s.len() && is_space(s[i]) {
                i += 1;
            }
            let mut value = (i, i);
            if s.get(i) == Some(&b'=') {
                i += 1;
                while i < s.len() && is_space(s[i]) {
                    i += 1;
                }
                match s.get(i) {
                    None => return Token::Stop,
                    Some(&q @ (b'"' | b'\'')) => {
                        let Some(n) = memchr(q, &s[i + 1..]) else {
                            return Token::Stop;
                        };
                        value = (i + 1, i + 1 + n);
                        i += n + 2;
                    }
                    Some(b'>') => {}
                    Some(_) => {
                        let v = i;
                        while i < s.len() && !is_space(s[i]) && s[i] != b'>' {
                            i += 1;
                        }
                        value = (v, i);
                    }
                }
            }
            // The parser keeps the first of two attributes with one name.
            let slot = if attr.eq_ignore_ascii_case(b"class") {
                &mut class
            } else if attr.eq_ignore_ascii_case(b"id") {
                &mut id
            } else {
                continue;
            };
            if slot.is_none() {
                let value = &self.html[value.0..value.1];
                *slot = Some((!value.contains(['&', '\0'])).then_some(value));
            }
        }
        self.pos = i;
        if end {
            return Token::End(tag);
        }
        if has(tag, RAW) && !self.skip_raw_text(tag) {
            return Token::Stop;
        }
        Token::Start {
            tag,
            class: class.flatten(),
            id: id.flatten(),
        }
    }

    /// Reads a raw-text element's text and its end tag: the first `</name`
    /// (in any case) followed by white space, `/` or `>`. False when the
    /// model cannot follow it: no end tag, or a script holding `<!--`
    /// (which starts the script's escaped states).
    fn skip_raw_text(&mut self, tag: Tag) -> bool {
        let s = self.html.as_bytes();
        let name = TAGS[usize::from(tag)].0;
        let text = self.pos;
        let mut at = text;
        loop {
            let Some(n) = memmem::find(&s[at..], b"</") else {
                return false;
            };
            let close = at + n;
            let after = close + 2 + name.len();
            if s.len() > after
                && s[close + 2..after].eq_ignore_ascii_case(name)
                && (is_space(s[after]) || matches!(s[after], b'/' | b'>'))
            {
                if tag == SCRIPT && memmem::find(&s[text..close], b"<!--").is_some() {
                    return false;
                }
                return matches!(self.tag(close + 2, true), Token::End(_));
            }
            at = close + 2;
        }
    }
}

/// Whether the page holds `<frameset` anywhere (see the module docs).
fn mentions_frameset(s: &[u8]) -> bool {
    memchr::memchr_iter(b'<', s).any(|i| {
        s.get(i + 1..i + 9)
            .is_some_and(|w| w.eq_ignore_ascii_case(b"frameset"))
    })
}

/// Open elements, with a count of each kind for the "is one open" tests.
struct Stack {
    tags: Vec<Tag>,
    open: [u16; TAGS.len()],
}

impl Default for Stack {
    fn default() -> Self {
        Stack {
            tags: Vec::new(),
            open: [0; TAGS.len()],
        }
    }
}

impl Stack {
    fn push(&mut self, tag: Tag) {
        self.tags.push(tag);
        self.open[usize::from(tag)] += 1;
    }

    fn pop(&mut self) {
        if let Some(tag) = self.tags.pop() {
            self.open[usize::from(tag)] -= 1;
        }
    }

    fn last(&self) -> Option<Tag> {
        self.tags.last().copied()
    }

    fn is_open(&self, tag: Tag) -> bool {
        self.open[usize::from(tag)] > 0
    }
}

/// The page with the insides of the boxes that the clean-up removes cut
/// out, as far as the model vouches for it; `None` when nothing was cut.
pub(crate) fn prune(html: &str) -> Option<String> {
    if mentions_frameset(html.as_bytes()) {
        return None;
    }
    let mut scanner = Scanner { html, pos: 0 };
    // The stack of open elements as the page wrote them (`html`, `head`
    // and `body` only where their tags are written).
    let mut stack = Stack::default();
    let mut out = String::new();
    let mut copied = 0;
    while let Some(token) = scanner.next() {
        match token {
            Token::Other => {}
            Token::Stop => break,
            Token::End(tag) => {
                // After `</body>` the parser does not pop `body`: stop there.
                if stack.last() != Some(tag) || tag == BODY || tag == HTML {
                    break;
                }
                stack.pop();
            }
            Token::Start { tag, class, id } => {
                if !start_is_modelled(&stack, tag) {
                    break;
                }
                if has(tag, VOID | RAW) {
                    continue;
                }
                let removed_box = has(tag, NOISE_BOX)
                    || (has(tag, NAMED_BOX)
                        && (class.is_some_and(is_noise_name) || id.is_some_and(is_noise_name)));
                stack.push(tag);
                if !removed_box {
                    continue;
                }
                let inside = scanner.pos;
                let mut ahead = Scanner { html, pos: inside };
                if let Some(end_tag) = end_of_box(&mut ahead, &stack, tag) {
                    if end_tag > inside {
                        if out.is_empty() {
                            out.reserve(html.len());
                        }
                        out.push_str(&html[copied..inside]);
                        copied = end_tag;
                    }
                    // The box's end tag is read next, by this loop.
                    scanner.pos = end_tag;
                }
            }
        }
    }
    if copied == 0 {
        return None;
    }
    out.push_str(&html[copied..]);
    Some(out)
}

/// Whether the model follows this start tag where the page's open
/// elements are `stack`: one that closes nothing open.
fn start_is_modelled(stack: &Stack, tag: Tag) -> bool {
    match tag {
        HTML => return stack.tags.is_empty(),
        HEAD => return stack.tags == [HTML],
        BODY => return stack.tags == [HTML] || stack.tags == [HTML, HEAD],
        _ => {}
    }
    if has(tag, CLOSES_P) && stack.is_open(P) {
        return false;
    }
    if matches!(tag, LI | DD | DT) {
        for &open in stack.tags.iter().rev() {
            if open == tag || (tag != LI && matches!(open, DD | DT)) {
                return false;
            }
            if has(open, STOPS_ITEM_SEARCH) {
                break;
            }
        }
    }
    if has(tag, HEADING) && stack.last().is_some_and(|t| has(t, HEADING)) {
        return false;
    }
    !(matches!(tag, A | BUTTON | FORM) && stack.is_open(tag))
}

/// Reads what the box `the_box` just opened (the last of `stack`) holds,
/// and returns where its end tag starts when it may be cut: written
/// nested as it is parsed, of [`INSIDE_OK`] elements only, reaching
/// nothing outside the box.
fn end_of_box(scanner: &mut Scanner, stack: &Stack, the_box: Tag) -> Option<usize> {
    let mut inner = Stack::default();
    loop {
        let at = scanner.pos;
        match scanner.next()? {
            Token::Other => {}
            Token::Stop => return None,
            Token::End(tag) => match inner.last() {
                None => return (tag == the_box).then_some(at),
                Some(open) if open == tag => inner.pop(),
                Some(_) => return None,
            },
            Token::Start { tag, .. } => {
                let parent = inner.last().unwrap_or(the_box);
                let allowed = has(tag, INSIDE_OK)
                    && !(has(tag, CLOSES_P) && inner.is_open(P))
                    && match tag {
                        LI => matches!(parent, UL | OL),
                        DD | DT => parent == DL,
                        BUTTON | FORM => !inner.is_open(tag) && !stack.is_open(tag),
                        // An `<a>` closes an open `a`; a formatting element
                        // like ones open outside could push one of them out
                        // of the list of active formatting elements.
                        _ if has(tag, FORMATTING) => {
                            !(stack.is_open(tag) || (tag == A && inner.is_open(A)))
                        }
                        _ => !(has(tag, HEADING) && has(parent, HEADING)),
                    };
                if !allowed {
                    return None;
                }
                if !has(tag, VOID | RAW) {
                    inner.push(tag);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tables are sorted, their keys too, and every name is found
    /// (in any case), nothing else.
    #[test]
    fn tag_lookup_finds_the_known_names_only() {
        assert!(TAGS.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(TAG_KEYS.windows(2).all(|w| w[0] < w[1]));
        for (i, (name, _)) in TAGS.iter().enumerate() {
            assert_eq!(tag_of(name), Some(i as Tag));
            assert_eq!(tag_of(&name.to_ascii_uppercase()), Some(i as Tag));
            let mut longer = name.to_vec();
            longer.push(b'x');
            assert_ne!(tag_of(&longer), Some(i as Tag));
            longer.pop();
            longer.push(0);
            assert_eq!(tag_of(&longer), None);
        }
        for other in [
            &b""[..],
            b"svg",
            b"table",
            b"blockquotes",
            b"\xc3\xa4",
            b"abcdefghijklmnopq",
        ] {
            assert_eq!(tag_of(other), None, "{other:?}");
        }
        for (tag, name) in [
            (HTML, "html"),
            (HEAD, "head"),
            (BODY, "body"),
            (SCRIPT, "script"),
            (P, "p"),
            (A, "a"),
            (UL, "ul"),
            (OL, "ol"),
            (LI, "li"),
            (DL, "dl"),
            (DT, "dt"),
            (DD, "dd"),
            (BUTTON, "button"),
            (FORM, "form"),
        ] {
            assert_eq!(TAGS[usize::from(tag)].0, name.as_bytes());
        }
    }
}
