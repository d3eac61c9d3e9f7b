//! Hashed n-gram features for paragraphs and articles.
//!
//! A unit (paragraph or article) becomes three blocks, each raw counts:
//! * **words** — unigrams of 2+ characters and bigrams, after NFKC and
//!   lower-casing (what a TF-IDF word 1–2-gram vectoriser sees);
//! * **chars** — character 2–5-grams inside space-padded words, punctuation
//!   included, so « », “ ” and stems are caught in every script;
//! * **cues** — traces persuasion leaves: quotes and scare quotes, `?`/`!`,
//!   all-caps words, second-person address, numbers, length, position in the
//!   article, the language.
//!
//! [`vectorize`] then applies sublinear TF and IDF ([`Idf`], learned on training
//! data; features seen in fewer than two units are dropped, which keeps the
//! model sparse) and L2-normalises each block before joining them.
//!
//! Over 600 lines, as one piece: the featuriser hashes the three blocks
//! (and counts the punctuation marks) in one pass over the text, and
//! [`Idf`] and [`vectorize`] are its other half; about 100 lines are
//! tests.

use crate::charclass;
use crate::hashing::{hash_parts, Fnv};
use crate::script::fold_script;
use crate::sparse::{merge_sorted, Counts, SparseVec};
use crate::store::{SectionReader, SectionWriter};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use unicode_normalization::UnicodeNormalization;

/// Feature settings, stored in the model file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureConfig {
    /// Hash space is `2^bits` dimensions.
    pub bits: u32,
    /// Shortest character n-gram.
    pub char_min: usize,
    /// Longest character n-gram.
    pub char_max: usize,
    /// Weight of the char block relative to the word block.
    pub char_weight: f32,
    /// Weight of the cue block.
    pub cue_weight: f32,
    /// Weight of the article title's words added to each paragraph (0 = off).
    pub title_weight: f32,
    /// Featurise the text spelt in Latin letters without accents
    /// (`script::fold_script`), so that other scripts share
    /// n-grams with Latin-script cognates.
    pub fold_script: bool,
}

impl FeatureConfig {
    /// Whether two configurations produce the same raw `Blocks` (the
    /// weights only matter later, in `vectorize`), so blocks computed for
    /// one can be reused for the other.
    pub fn same_blocks(&self, other: &FeatureConfig) -> bool {
        self.bits == other.bits
            && self.char_min == other.char_min
            && self.char_max == other.char_max
            && (self.title_weight > 0.0) == (other.title_weight > 0.0)
            && self.fold_script == other.fold_script
    }
}

impl Default for FeatureConfig {
    fn default() -> Self {
        FeatureConfig {
            bits: 20,
            char_min: 2,
            char_max: 5,
            char_weight: 1.0,
            cue_weight: 0.5,
            title_weight: 0.0,
            fold_script: false,
        }
    }
}

/// Where a paragraph sits in its article.
#[derive(Debug, Clone, Copy)]
pub struct ParagraphContext<'a> {
    pub language: Option<&'a str>,
    /// 0-based index among the article's paragraphs (0 = the title line).
    pub index: usize,
    pub count: usize,
    pub title: &'a str,
}

/// Raw counts of one unit, before IDF and normalisation.
#[derive(Debug, Clone, Default)]
pub struct Blocks {
    pub words: Counts,
    pub chars: Counts,
    /// Cue features with their values, in the order they were found.
    pub cues: Vec<(u32, f32)>,
    pub title: Counts,
}

/// Lower-cased NFKC text (fast path for ASCII).
pub fn normalize(text: &str) -> String {
    if text.is_ascii() {
        text.to_ascii_lowercase()
    } else if charclass::is_nfkc_quick_yes(text) {
        // Most news text is already NFKC: skip the (slow) recomposition.
        // ASCII runs (most of the text, in most languages served) are
        // lower-cased without the Unicode tables.
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while !rest.is_empty() {
            let ascii = rest
                .bytes()
                .position(|b| !b.is_ascii())
                .unwrap_or(rest.len());
            let start = out.len();
            out.push_str(&rest[..ascii]);
            out[start..].make_ascii_lowercase();
            rest = &rest[ascii..];
            if let Some(c) = rest.chars().next() {
                charclass::push_lowercase(&mut out, c);
                rest = &rest[c.len_utf8()..];
            }
        }
        out
    } else {
        text.nfkc().flat_map(char::to_lowercase).collect()
    }
}

/// Word tokens of normalised text: maximal runs of letters and digits.
pub fn word_tokens(norm: &str) -> impl Iterator<Item = &str> {
    norm.split(|c: char| !charclass::is_alphanumeric(c))
        .filter(|t| !t.is_empty())
}

const QUOTES: &[char] = &[
    '"', '«', '»', '“', '”', '„', '‟', '‘', '’', '‚', '‹', '›', '「', '」',
];

pub(crate) fn is_quote(c: char) -> bool {
    // '"' is the only ASCII quote mark.
    c == '"' || (!c.is_ascii() && QUOTES.contains(&c))
}

/// Second-person pronouns and possessives in the languages rhetor serves.
fn is_second_person(token: &str) -> bool {
    matches!(
        token,
        "you"
            | "your"
            | "yours"
            | "yourself"
            | "vous"
            | "votre"
            | "vos"
            | "tu"
            | "toi"
            | "ton"
            | "ta"
            | "tes"
            | "du"
            | "dich"
            | "dir"
            | "dein"
            | "deine"
            | "euch"
            | "euer"
            | "eure"
            | "voi"
            | "tuo"
            | "tua"
            | "vostro"
            | "vostra"
            | "ty"
            | "wy"
            | "twój"
            | "wasz"
            | "ciebie"
            | "was"
            | "вы"
            | "ты"
            | "ваш"
            | "ваша"
            | "твой"
            | "вас"
            | "тебя"
            | "usted"
            | "ustedes"
            | "vosotros"
            | "εσύ"
            | "εσείς"
            | "σας"
            | "შენ"
            | "თქვენ"
    )
}

struct Hasher {
    mask: u32,
}

impl Hasher {
    #[inline]
    fn index(&self, h: Fnv) -> u32 {
        (h.finish() as u32) & self.mask
    }

    fn key(&self, ns: &[u8], parts: &[&str]) -> u32 {
        let h = hash_parts(std::iter::once(ns).chain(parts.iter().map(|p| p.as_bytes())));
        (h as u32) & self.mask
    }
}

/// Computes feature blocks for paragraphs and articles.
#[derive(Debug, Clone)]
pub struct Featurizer {
    pub config: FeatureConfig,
}

impl Featurizer {
    pub fn new(config: FeatureConfig) -> Self {
        Featurizer { config }
    }

    fn hasher(&self) -> Hasher {
        Hasher {
            mask: (1u32 << self.config.bits) - 1,
        }
    }

    /// Word and char n-gram counts of `norm` (already normalised, its
    /// word tokens `tokens`) into `b`.
    fn ngrams(&self, h: &Hasher, norm: &str, tokens: &[&str], b: &mut Blocks) {
        let mut keys: Vec<u32> = Vec::with_capacity(2 * tokens.len());
        let mut prev: Option<&str> = None;
        for &tok in tokens {
            if tok.chars().nth(1).is_some() {
                keys.push(h.key(b"w", &[tok]));
            }
            if let Some(p) = prev {
                keys.push(h.key(b"b", &[p, tok]));
            }
            prev = Some(tok);
        }
        b.words = Counts::from_keys(&mut keys, self.config.bits);
        keys.reserve(
            norm.len()
                * (self.config.char_max + 1 - self.config.char_min.min(self.config.char_max)),
        );
        let (lo, hi) = (self.config.char_min, self.config.char_max);
        // Each n-gram's hash continues the one a character shorter; every
        // start restarts from the hash of the namespace "c".
        let mut ns = Fnv::new();
        ns.write(b"c");
        // The space-padded word as bytes, and (for non-ASCII words) where
        // each of its characters starts, plus the end: n-grams are hashed
        // byte-wise, one character more at a time, exactly as the
        // characters' UTF-8 would be.
        let mut buf: Vec<u8> = Vec::with_capacity(64);
        let mut starts: Vec<usize> = Vec::with_capacity(64);
        for word in norm.split_whitespace() {
            buf.clear();
            buf.push(b' ');
            buf.extend_from_slice(word.as_bytes());
            buf.push(b' ');
            if word.is_ascii() {
                let m = buf.len();
                for i in 0..m {
                    let mut f = ns;
                    for (j, &byte) in buf[i..m.min(i + hi)].iter().enumerate() {
                        f.write_byte(byte);
                        if j + 1 >= lo {
                            keys.push(h.index(f));
                        }
                    }
                }
                continue;
            }
            starts.clear();
            starts.push(0);
            starts.extend(word.char_indices().map(|(o, _)| 1 + o));
            starts.push(1 + word.len());
            starts.push(buf.len());
            let chars = starts.len() - 1;
            for i in 0..chars {
                let mut f = ns;
                for j in i..chars.min(i + hi) {
                    f.write(&buf[starts[j]..starts[j + 1]]);
                    if j + 1 - i >= lo {
                        keys.push(h.index(f));
                    }
                }
            }
        }
        b.chars = Counts::from_keys(&mut keys, self.config.bits);
    }

    /// Counts of the title's words (keys `t`).
    fn title(&self, h: &Hasher, title: &str) -> Counts {
        let mut keys: Vec<u32> = word_tokens(&normalize(title))
            .map(|tok| h.key(b"t", &[tok]))
            .collect();
        Counts::from_keys(&mut keys, self.config.bits)
    }

    /// Cue counts of a raw (not normalised) text, given the word tokens of
    /// its normalised form.
    fn cues(&self, h: &Hasher, raw: &str, tokens: &[&str], b: &mut Blocks) {
        let mut count = |name: &str, n: usize| {
            if n > 0 {
                b.cues.push((h.key(b"q", &[name]), (1.0 + n as f32).ln()));
            }
        };
        let m = Marks::of(raw);
        count("quote", m.quotes);
        count("scare", m.scare);
        count("question", m.question);
        count("exclaim", m.exclaim);
        count("ellipsis", m.ellipsis);
        count("colon", m.colon);
        count("caps", m.caps);
        let second = tokens.iter().filter(|t| is_second_person(t)).count();
        let numbers = tokens
            .iter()
            .filter(|t| t.bytes().any(|c| c.is_ascii_digit()))
            .count();
        count("second_person", second);
        count("number", numbers);
        let words = tokens.len();
        let len_bucket = (usize::BITS - words.leading_zeros()).to_string();
        b.cues.push((h.key(b"q", &["len", &len_bucket]), 1.0));
    }

    /// `text` as the settings read it: folded or as it is.
    fn read<'t>(&self, text: &'t str) -> Cow<'t, str> {
        if self.config.fold_script {
            fold_script(text)
        } else {
            Cow::Borrowed(text)
        }
    }

    /// Blocks of one paragraph in its article context.
    pub fn paragraph(&self, text: &str, ctx: &ParagraphContext) -> Blocks {
        let text = &*self.read(text);
        let h = self.hasher();
        let mut b = Blocks::default();
        let norm = normalize(text);
        let tokens: Vec<&str> = word_tokens(&norm).collect();
        self.ngrams(&h, &norm, &tokens, &mut b);
        self.cues(&h, text, &tokens, &mut b);
        let pos = if ctx.index == 0 {
            "title".to_string()
        } else if ctx.index == 1 {
            "first".to_string()
        } else if ctx.index + 1 == ctx.count {
            "last".to_string()
        } else {
            format!("rel{}", (4 * ctx.index) / ctx.count.max(1))
        };
        b.cues.push((h.key(b"q", &["pos", &pos]), 1.0));
        if let Some(lang) = ctx.language {
            b.cues.push((h.key(b"q", &["lang", lang]), 1.0));
        }
        b.cues.push((h.key(b"q", &["bias"]), 1.0));
        if self.config.title_weight > 0.0 && ctx.index > 0 {
            b.title = self.title(&h, &self.read(ctx.title));
        }
        b
    }

    /// Blocks of a whole article (title and body), for genre and frames.
    pub fn article(&self, title: &str, body: &str, language: Option<&str>) -> Blocks {
        let (title, body) = (&*self.read(title), &*self.read(body));
        let h = self.hasher();
        let mut b = Blocks::default();
        let norm = normalize(body);
        let tokens: Vec<&str> = word_tokens(&norm).collect();
        self.ngrams(&h, &norm, &tokens, &mut b);
        self.cues(&h, body, &tokens, &mut b);
        b.title = self.title(&h, title);
        if let Some(lang) = language {
            b.cues.push((h.key(b"q", &["lang", lang]), 1.0));
        }
        b.cues.push((h.key(b"q", &["bias"]), 1.0));
        b
    }
}

/// Punctuation and capitals of a raw text, counted in one pass.
#[derive(Debug, Default, PartialEq)]
struct Marks {
    /// Quote marks.
    quotes: usize,
    /// Quoted stretches of one to three words: « aider », "service".
    scare: usize,
    question: usize,
    exclaim: usize,
    /// `…` characters, plus `...` (non-overlapping: a run of n dots has n/3).
    ellipsis: usize,
    colon: usize,
    /// Words (maximal runs of letters) of 3+ letters, all upper-case.
    caps: usize,
}

impl Marks {
    fn of(raw: &str) -> Marks {
        let mut m = Marks::default();
        // Byte offset just after an opening quote mark.
        let mut open: Option<usize> = None;
        let mut dots = 0usize;
        let (mut letters, mut upper) = (0usize, true);
        for (i, c) in raw.char_indices() {
            if c == '.' {
                dots += 1;
            } else {
                m.ellipsis += dots / 3;
                dots = 0;
            }
            if charclass::is_alphabetic(c) {
                letters += 1;
                upper &= charclass::is_uppercase(c);
                continue;
            }
            if letters >= 3 && upper {
                m.caps += 1;
            }
            (letters, upper) = (0, true);
            match c {
                '?' => m.question += 1,
                '!' => m.exclaim += 1,
                ':' => m.colon += 1,
                '…' => m.ellipsis += 1,
                c if is_quote(c) => {
                    m.quotes += 1;
                    match open.take() {
                        Some(s) => {
                            let words = raw[s..i].split_whitespace().take(4).count();
                            if (1..=3).contains(&words) {
                                m.scare += 1;
                            }
                        }
                        None => open = Some(i + c.len_utf8()),
                    }
                }
                _ => {}
            }
        }
        m.ellipsis += dots / 3;
        if letters >= 3 && upper {
            m.caps += 1;
        }
        m
    }
}

/// Quoted stretches of at most three words: « aider », "service" (what
/// the tests check the one-pass count against).
#[cfg(test)]
fn scare_quotes(raw: &str) -> usize {
    Marks::of(raw).scare
}

/// Inverse document frequencies over the hash space, learned on training
/// units. Dimensions seen in fewer than `min_df` units get 0: they are
/// dropped, as a vocabulary with `min_df` would drop them.
#[derive(Debug, Clone, PartialEq)]
pub struct Idf {
    /// IDF × 16, rounded (0 = dropped); u8 keeps the model file small.
    q: Vec<u8>,
}

impl Idf {
    pub fn fit<'b>(bits: u32, units: impl Iterator<Item = &'b Blocks>, min_df: u32) -> Self {
        let dims = 1usize << bits;
        let mut df = vec![0u32; dims];
        let mut n = 0u32;
        let mut seen: Vec<u32> = Vec::new();
        for b in units {
            n += 1;
            seen.clear();
            seen.extend(
                b.words
                    .indices()
                    .chain(b.chars.indices())
                    .chain(b.title.indices()),
            );
            seen.sort_unstable();
            seen.dedup();
            for &i in &seen {
                df[i as usize] += 1;
            }
        }
        let q = df
            .iter()
            .map(|&d| {
                if d < min_df {
                    0
                } else {
                    let idf = ((1.0 + n as f32) / (1.0 + d as f32)).ln() + 1.0;
                    (idf * 16.0).round().clamp(1.0, 255.0) as u8
                }
            })
            .collect();
        Idf { q }
    }

    #[inline]
    pub fn get(&self, i: u32) -> f32 {
        self.q[i as usize] as f32 / 16.0
    }

    /// The stored value of dimension `d`: IDF × 16, rounded (0 = dropped).
    #[inline]
    pub fn raw(&self, d: usize) -> u8 {
        self.q[d]
    }

    /// Appends the IDF table to a model-file section.
    pub fn store<'a>(&'a self, w: &mut SectionWriter<'a>) {
        w.array(&self.q[..], 1);
    }

    /// Reads a table written by [`Idf::store`] for a `2^bits` hash space.
    pub fn load(r: &mut SectionReader, bits: u32) -> Result<Self, String> {
        let q = r.array()?.into_owned();
        if bits > 26 || q.len() != 1usize << bits {
            return Err("IDF table of a wrong size".into());
        }
        Ok(Idf { q })
    }

    /// Number of dimensions kept (seen often enough).
    #[cfg(test)]
    pub fn kept(&self) -> usize {
        self.q.iter().filter(|&&v| v > 0).count()
    }
}

/// Turns blocks into the model's input vector: per block, sublinear TF ×
/// IDF (dimensions without IDF dropped), L2-normalised and weighted; then
/// the blocks and the weighted cues summed into one sorted vector.
pub fn vectorize(cfg: &FeatureConfig, idf: &Idf, b: &Blocks) -> SparseVec {
    let mut all: Vec<(u32, f32)> = Vec::new();
    let mut part: Vec<(u32, f32)> = Vec::new();
    let mut merged: Vec<(u32, f32)> = Vec::new();
    let mut add = |part: &[(u32, f32)], all: &mut Vec<(u32, f32)>| {
        merge_sorted(all, part, &mut merged);
        std::mem::swap(all, &mut merged);
    };
    tf_idf_block(idf, &b.words, 1.0, &mut all);
    tf_idf_block(idf, &b.chars, cfg.char_weight, &mut part);
    add(&part, &mut all);
    if cfg.title_weight > 0.0 {
        tf_idf_block(idf, &b.title, cfg.title_weight, &mut part);
        add(&part, &mut all);
    }
    part.clear();
    part.extend(b.cues.iter().map(|&(i, v)| (i, v * cfg.cue_weight)));
    part.sort_by_key(|p| p.0);
    add(&part, &mut all);
    let (idx, val) = all.into_iter().unzip();
    SparseVec { idx, val }
}

/// One block's TF-IDF values into `out` (cleared first), in index order,
/// scaled to L2 norm `weight`.
fn tf_idf_block(idf: &Idf, counts: &Counts, weight: f32, out: &mut Vec<(u32, f32)>) {
    out.clear();
    for (i, n) in counts.iter() {
        let w = idf.get(i);
        if w > 0.0 {
            // Sublinear TF: 1 + ln(n), and ln(1) = 0 exactly.
            let tf = if n == 1 { 1.0 } else { 1.0 + (n as f32).ln() };
            out.push((i, tf * w));
        }
    }
    let norm: f32 = out.iter().map(|p| p.1 * p.1).sum::<f32>().sqrt();
    if norm > 0.0 {
        for p in out.iter_mut() {
            p.1 *= weight / norm;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> ParagraphContext<'static> {
        ParagraphContext {
            language: Some("fr"),
            index: 2,
            count: 5,
            title: "Titre",
        }
    }

    #[test]
    fn normalisation_folds_case_and_compatibility_forms() {
        assert_eq!(normalize("ÉCOLE ﬁne"), "école fine");
        assert_eq!(
            word_tokens("l'aide « aider »").collect::<Vec<_>>(),
            vec!["l", "aide", "aider"]
        );
    }

    #[test]
    fn marks_count_what_their_plain_definitions_count() {
        for raw in [
            "",
            "Vraiment ? Non ! Ah : « aider », “partenaires”... et…",
            "....  ...... .. . ...x...",
            "The USA and the UN, NATO's \"plan\" (EU) ABC",
            "США и НАТО: «помощь» — ГДЕ?!",
            "«un» «deux mots» «trois mots ici» «quatre mots bien comptés» «",
            "\"\" \" \" ÉTATS-UNIS Ça ÇA",
        ] {
            let plain = Marks {
                quotes: raw.chars().filter(|c| QUOTES.contains(c)).count(),
                scare: {
                    let chars: Vec<char> = raw.chars().collect();
                    let (mut n, mut open) = (0, None);
                    for (i, &c) in chars.iter().enumerate() {
                        if QUOTES.contains(&c) {
                            match open.take() {
                                Some(s) => {
                                    let inner: String = chars[s + 1..i].iter().collect();
                                    n += (1..=3).contains(&inner.split_whitespace().count())
                                        as usize;
                                }
                                None => open = Some(i),
                            }
                        }
                    }
                    n
                },
                question: raw.matches('?').count(),
                exclaim: raw.matches('!').count(),
                ellipsis: raw.matches('…').count() + raw.matches("...").count(),
                colon: raw.matches(':').count(),
                caps: raw
                    .split(|c: char| !c.is_alphabetic())
                    .filter(|w| w.chars().count() >= 3 && w.chars().all(|c| c.is_uppercase()))
                    .count(),
            };
            assert_eq!(Marks::of(raw), plain, "{raw:?}");
        }
    }

    #[test]
    fn scare_quotes_count_short_quoted_stretches() {
        assert_eq!(scare_quotes("les « partenaires » et leur \"aide\""), 2);
        assert_eq!(
            scare_quotes("He said \"this is a long quotation indeed\"."),
            0
        );
    }

    #[test]
    fn same_text_same_features_and_quotes_matter() {
        let f = Featurizer::new(FeatureConfig::default());
        let a = f.paragraph("Les Américains veulent « aider ».", &ctx());
        let b = f.paragraph("Les Américains veulent « aider ».", &ctx());
        assert_eq!(a.words, b.words);
        assert_eq!(a.chars, b.chars);
        let c = f.paragraph("Les Américains veulent aider.", &ctx());
        assert!(a.cues.len() > c.cues.len(), "quotes add cue features");
    }

    #[test]
    fn folded_features_read_other_scripts_as_their_latin_spelling() {
        let folded = Featurizer::new(FeatureConfig {
            fold_script: true,
            ..FeatureConfig::default()
        });
        let plain = Featurizer::new(FeatureConfig::default());
        let (ru, latin) = ("Это «ПРОПАГАНДА»!", "Eto «PROPAGANDA»!");
        let (a, b) = (
            folded.paragraph(ru, &ctx()),
            folded.paragraph(latin, &ctx()),
        );
        assert_eq!(a.words, b.words);
        assert_eq!(a.chars, b.chars);
        assert_eq!(a.cues, b.cues, "quotes, caps and '!' survive folding");
        let (c, d) = (plain.paragraph(ru, &ctx()), plain.paragraph(latin, &ctx()));
        assert_ne!(c.words, d.words);
        // Accents too: "État" and "Etat" are one word once folded.
        assert_eq!(
            folded.paragraph("État", &ctx()).words,
            folded.paragraph("Etat", &ctx()).words
        );
    }

    #[test]
    fn idf_drops_rare_features_and_vectors_are_normalised() {
        let f = Featurizer::new(FeatureConfig {
            bits: 16,
            ..FeatureConfig::default()
        });
        let units: Vec<Blocks> = ["the cat sat", "the cat ran", "a dog barked"]
            .iter()
            .map(|t| f.paragraph(t, &ctx()))
            .collect();
        let idf = Idf::fit(16, units.iter(), 2);
        assert!(idf.kept() > 0);
        let v = vectorize(&f.config, &idf, &units[2]);
        // "dog"/"barked" occur once: only cue features and shared char n-grams survive.
        let w = f.hasher().key(b"w", &["dog"]);
        assert!(!v.idx.contains(&w));
        let cat = f.hasher().key(b"w", &["cat"]);
        let v0 = vectorize(&f.config, &idf, &units[0]);
        assert!(v0.idx.contains(&cat));
    }
}
