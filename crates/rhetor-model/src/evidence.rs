//! The span decision: which of the tagger's token probabilities become
//! highlights a reader sees, at each [`Evidence`] level.
//!
//! The tagger (`spans.rs`) gives every token a probability of lying
//! inside a span of each technique the paragraph head predicted. A
//! [`SpanRule`] turns them into spans: tokens at or above a threshold,
//! short gaps bridged, edge function words trimmed, every span snapped to
//! whole words (a word's apostrophes and hyphens included) and to balanced
//! quotes, scored (paragraph probability × mean token probability), and
//! kept when the score and size pass. A lone function word never survives:
//! the [`FunctionWords`] are the most frequent words of each training
//! language, plus, for languages never trained on, any word of at most
//! two characters. The three rules, one per level, were chosen by
//! cross-validation for span F1 (docs/evaluation.md) and are stored in the
//! model file with the function words.

use crate::calibrate::Platt;
use crate::tokens::Token;
use rhetor_core::Evidence;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The parameters of the span decision at one evidence level.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SpanRule {
    /// A token at or above this probability is inside a span.
    pub token: f32,
    /// Gaps of at most this many tokens between two such runs are bridged.
    pub bridge: u8,
    /// When no token passes, the best token and its near-best neighbours
    /// make one span (the paragraph head already found the technique).
    pub fallback: bool,
    /// Function words at either edge of a span are trimmed off.
    pub trim: bool,
    /// Spans of fewer tokens are dropped.
    pub min_tokens: u8,
    /// Spans scoring below this (paragraph probability × mean token
    /// probability) are dropped.
    pub min_score: f32,
    /// At most this many spans per technique and paragraph, the best
    /// scoring (0: no limit).
    pub max_spans: u8,
    /// Each span grows, a neighbouring token at a time (the likelier side
    /// first, never across a sentence end), until it is at least this
    /// fraction of the technique's typical length (0: no growth): a doubt
    /// is a clause, a loaded word is a word.
    pub grow: f32,
    /// Turns a span's score into the probability shown (that it overlaps
    /// a true span of its technique), fitted on the held-out spans of this
    /// level; `None` shows the raw score. It never changes which spans
    /// are kept.
    pub calibration: Option<Platt>,
}

/// The three rules, in [`Evidence::ALL`] order.
pub type SpanRules = [SpanRule; 3];

/// The rules the shipped model uses, chosen by 5-fold cross-validation
/// (coordinate ascent in `examples/evidence_tune.rs`; figures in
/// docs/evaluation.md): `balanced` maximises pooled span F1, `precise`
/// span precision with recall at least 0.05, `recall` F1 with recall at
/// least 0.35. Each level's calibration is the Platt scaling of its
/// held-out span scores against whether the span overlaps a true span of
/// its technique (`CALIBRATION=1 evidence_tune`).
pub const DEFAULT_RULES: SpanRules = [
    // precise: P 0.298, R 0.053, F1 0.090
    SpanRule {
        token: 0.8,
        bridge: 0,
        fallback: false,
        trim: true,
        min_tokens: 1,
        min_score: 0.4,
        max_spans: 2,
        grow: 0.75,
        calibration: Some(Platt {
            a: 2.625,
            b: -2.211,
        }),
    },
    // balanced: P 0.144, R 0.241, F1 0.181
    SpanRule {
        token: 0.6,
        bridge: 0,
        fallback: false,
        trim: true,
        min_tokens: 1,
        min_score: 0.2,
        max_spans: 0,
        grow: 0.75,
        calibration: Some(Platt {
            a: 2.900,
            b: -2.747,
        }),
    },
    // recall: P 0.092, R 0.365, F1 0.147
    SpanRule {
        token: 0.4,
        bridge: 0,
        fallback: false,
        trim: false,
        min_tokens: 1,
        min_score: 0.15,
        max_spans: 0,
        grow: 0.5,
        calibration: Some(Platt {
            a: 3.896,
            b: -3.234,
        }),
    },
];

/// The rule of one level.
pub fn rule(rules: &SpanRules, level: Evidence) -> &SpanRule {
    &rules[level.index()]
}

/// Words that never make a highlight alone and are trimmed off a span's
/// edges: the most frequent words of the training languages, sorted.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FunctionWords(pub Vec<String>);

/// Listed words longer than this are never function words.
pub const FUNCTION_WORD_MAX_CHARS: usize = 5;

/// How many of each language's most frequent words count as function words.
pub const FUNCTION_WORDS_PER_LANGUAGE: usize = 60;

impl FunctionWords {
    /// The `per_language` most frequent token forms of each group of texts
    /// (one group per training language), ties broken by the word; the
    /// union, sorted.
    pub fn learn<'a>(
        languages: impl IntoIterator<Item = impl IntoIterator<Item = &'a str>>,
        per_language: usize,
    ) -> Self {
        let mut all: Vec<String> = Vec::new();
        for texts in languages {
            let mut counts: HashMap<String, usize> = HashMap::new();
            for text in texts {
                for t in crate::tokens::tokenize(text, 0) {
                    *counts.entry(t.norm).or_default() += 1;
                }
            }
            let mut ranked: Vec<(String, usize)> = counts.into_iter().collect();
            ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            all.extend(ranked.into_iter().take(per_language).map(|(w, _)| w));
        }
        all.sort();
        all.dedup();
        FunctionWords(all)
    }

    /// A function word: in the list and at most five characters long (a
    /// small corpus's most frequent words include content words: a word
    /// planted in every training paragraph is not a function word), or at
    /// most two characters long (the articles, prepositions and elided
    /// forms of languages never trained on: `a`, `el`, `la`, `το`, `и`,
    /// `l`, `d`), digits excepted.
    pub fn contains(&self, token: &Token) -> bool {
        let chars = token.norm.chars().count();
        let short = chars <= 2 && token.shape != "d";
        short || (chars <= FUNCTION_WORD_MAX_CHARS && self.0.binary_search(&token.norm).is_ok())
    }
}

const OPENING: &[char] = &['«', '“', '„', '‹'];
const CLOSING: &[char] = &['»', '”', '“', '›'];
const JOINERS: &[char] = &['\'', '’', '-', '‐'];

/// The paragraph a span decision reads: its characters and the code point
/// its first one has in the whole text.
pub struct ParagraphText<'a> {
    /// The paragraph's characters.
    pub chars: &'a [char],
    /// The code point of its first character in the whole text.
    pub base: usize,
}

impl ParagraphText<'_> {
    fn at(&self, offset: usize) -> Option<char> {
        offset
            .checked_sub(self.base)
            .and_then(|i| self.chars.get(i).copied())
    }
    fn end(&self) -> usize {
        self.base + self.chars.len()
    }
}

/// Extends `[s, e)` to whole words: over apostrophes and hyphens that join
/// it to letters on the other side (`d'état`, `anti-Europe`).
fn snap_words(text: &ParagraphText, mut s: usize, mut e: usize) -> (usize, usize) {
    let alnum = |o: usize| text.at(o).is_some_and(char::is_alphanumeric);
    let joiner = |o: usize| text.at(o).is_some_and(|c| JOINERS.contains(&c));
    loop {
        if s >= 2 + text.base && joiner(s - 1) && alnum(s - 2) {
            s -= 2;
            while s > text.base && alnum(s - 1) {
                s -= 1;
            }
        } else if joiner(e) && alnum(e + 1) {
            e += 2;
            while alnum(e) {
                e += 1;
            }
        } else {
            return (s, e);
        }
    }
}

/// Balances the quote marks of `[s, e)`: an opening mark inside without
/// its closing one extends the span to it (or, with none in the
/// paragraph, the span starts after the mark); a closing mark likewise;
/// straight quotes are paired by count. A span that is exactly a quoted
/// phrase takes its quote marks (scare quotes are marked with them).
fn balance_quotes(text: &ParagraphText, mut s: usize, mut e: usize) -> (usize, usize) {
    let find_forward = |from: usize, set: &[char]| {
        (from..text.end()).find(|&o| text.at(o).is_some_and(|c| set.contains(&c)))
    };
    let find_back = |to: usize, set: &[char]| {
        (text.base..to)
            .rev()
            .find(|&o| text.at(o).is_some_and(|c| set.contains(&c)))
    };
    for _ in 0..4 {
        let mut depth: i32 = 0;
        let mut unmatched_close = None;
        let mut last_open = None;
        let mut straight = Vec::new();
        for o in s..e {
            let c = text.at(o).unwrap_or(' ');
            if c == '"' {
                straight.push(o);
            } else if OPENING.contains(&c) && !(CLOSING.contains(&c) && depth > 0) {
                depth += 1;
                last_open = Some(o);
            } else if CLOSING.contains(&c) {
                if depth == 0 {
                    unmatched_close = unmatched_close.or(Some(o));
                } else {
                    depth -= 1;
                }
            }
        }
        if depth > 0 {
            match find_forward(e, CLOSING) {
                Some(c) => e = c + 1,
                None => s = last_open.map_or(s, |o| o + 1),
            }
        } else if let Some(c) = unmatched_close {
            match find_back(s, OPENING) {
                Some(o) => s = o,
                None => e = c,
            }
        } else if straight.len() % 2 == 1 {
            match find_forward(e, &['"']) {
                Some(c) => e = c + 1,
                None => match find_back(s, &['"']) {
                    Some(o) => s = o,
                    None => e = straight[0],
                },
            }
        } else {
            break;
        }
        // Trim what the move left at the edges (spaces, a cut mark).
        while s < e && text.at(s).is_some_and(char::is_whitespace) {
            s += 1;
        }
        while e > s && text.at(e - 1).is_some_and(char::is_whitespace) {
            e -= 1;
        }
    }
    // A quoted phrase, exactly (French spacing inside the marks allowed):
    // take the marks.
    let mut o = s;
    while o > text.base && text.at(o - 1).is_some_and(char::is_whitespace) {
        o -= 1;
    }
    let mut c = e;
    while text.at(c).is_some_and(char::is_whitespace) {
        c += 1;
    }
    if o > text.base && o + 3 > s && c < e + 2 {
        if let (Some(a), Some(b)) = (text.at(o - 1), text.at(c)) {
            let pair = (OPENING.contains(&a) && CLOSING.contains(&b)) || (a == '"' && b == '"');
            if pair {
                s = o - 1;
                e = c + 1;
            }
        }
    }
    (s, e)
}

/// Whether a sentence ends between tokens `k` and `k + 1`.
fn sentence_break(tokens: &[Token], text: &ParagraphText, k: usize) -> bool {
    (tokens[k].end..tokens[k + 1].start).any(|o| {
        text.at(o)
            .is_some_and(|c| matches!(c, '.' | '!' | '?' | ';' | '…'))
    })
}

/// The tokens around the most probable one (`probs` not empty) whose
/// probability is at least 0.8 of its: the one run a paragraph keeps when
/// no token passes the threshold, as first and last index.
pub(crate) fn best_run(probs: &[f32]) -> (usize, usize) {
    let best = (0..probs.len())
        .max_by(|&a, &b| probs[a].total_cmp(&probs[b]))
        .unwrap_or(0);
    let floor = probs[best] * 0.8;
    let mut s = best;
    while s > 0 && probs[s - 1] >= floor {
        s -= 1;
    }
    let mut e = best;
    while e + 1 < probs.len() && probs[e + 1] >= floor {
        e += 1;
    }
    (s, e)
}

/// The spans `(start, end, score)` of one technique in one paragraph,
/// in offset order, from its tokens' probabilities `probs`, the
/// paragraph-level probability `p_par` and the technique's typical span
/// length in code points.
pub fn decide_spans(
    tokens: &[Token],
    probs: &[f32],
    p_par: f32,
    text: &ParagraphText,
    rule: &SpanRule,
    function_words: &FunctionWords,
    typical: usize,
) -> Vec<(usize, usize, f32)> {
    if tokens.is_empty() {
        return Vec::new();
    }
    let mut keep: Vec<bool> = probs.iter().map(|&p| p >= rule.token).collect();
    if rule.fallback && !keep.iter().any(|&k| k) {
        let (s, e) = best_run(probs);
        keep[s..=e].iter_mut().for_each(|k| *k = true);
    }
    // Runs of kept tokens, gaps of at most `bridge` tokens bridged.
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for k in (0..keep.len()).filter(|&k| keep[k]) {
        match runs.last_mut() {
            Some(r) if k - r.1 <= rule.bridge as usize + 1 => r.1 = k,
            _ => runs.push((k, k)),
        }
    }
    let trim = |a: &mut usize, b: &mut usize| {
        if rule.trim {
            while *a < *b && function_words.contains(&tokens[*a]) {
                *a += 1;
            }
            while *b > *a && function_words.contains(&tokens[*b]) {
                *b -= 1;
            }
        }
    };
    let target = (rule.grow * typical as f32) as usize;
    let mut found: Vec<(usize, usize, f32)> = Vec::new();
    for (mut a, mut b) in runs {
        trim(&mut a, &mut b);
        let n = b - a + 1;
        if n < rule.min_tokens as usize || (n == 1 && function_words.contains(&tokens[a])) {
            continue;
        }
        let mean = probs[a..=b].iter().sum::<f32>() / n as f32;
        let score = (p_par * mean).clamp(0.0, 1.0);
        if score < rule.min_score {
            continue;
        }
        if target > 0 {
            while tokens[b].end - tokens[a].start < target {
                let left = a > 0 && !sentence_break(tokens, text, a - 1);
                let right = b + 1 < tokens.len() && !sentence_break(tokens, text, b);
                match (left, right) {
                    (true, true) if probs[a - 1] >= probs[b + 1] => a -= 1,
                    (true, false) => a -= 1,
                    (_, true) => b += 1,
                    (false, false) => break,
                }
            }
            trim(&mut a, &mut b);
        }
        found.push((a, b, score));
    }
    if rule.max_spans > 0 && found.len() > rule.max_spans as usize {
        found.sort_by(|x, y| y.2.total_cmp(&x.2).then(x.0.cmp(&y.0)));
        found.truncate(rule.max_spans as usize);
    }
    let mut out: Vec<(usize, usize, f32)> = found
        .into_iter()
        .filter_map(|(a, b, score)| {
            let (s, e) = snap_words(text, tokens[a].start, tokens[b].end);
            let (s, e) = balance_quotes(text, s, e);
            let shown = rule.calibration.map_or(score, |c| c.prob(score));
            (s < e).then_some((s, e, shown))
        })
        .collect();
    out.sort_by_key(|a| (a.0, a.1));
    // Snapping can make neighbours overlap: merge them, keeping the higher score.
    let mut merged: Vec<(usize, usize, f32)> = Vec::with_capacity(out.len());
    for (s, e, score) in out {
        match merged.last_mut() {
            Some(m) if s < m.1 => {
                m.1 = m.1.max(e);
                m.2 = m.2.max(score);
            }
            _ => merged.push((s, e, score)),
        }
    }
    merged
}

/// The typical (median) length in code points of each technique's gold
/// spans, `None` for a technique without any; what [`SpanRule::grow`]
/// scales.
pub fn typical_lengths(spans: impl IntoIterator<Item = (usize, usize)>) -> Vec<u16> {
    let mut by: Vec<Vec<usize>> = vec![Vec::new(); rhetor_core::Technique::COUNT];
    for (t, len) in spans {
        if let Some(v) = by.get_mut(t) {
            v.push(len);
        }
    }
    by.into_iter()
        .map(|mut v| {
            if v.is_empty() {
                return 0;
            }
            v.sort_unstable();
            v[v.len() / 2].min(u16::MAX as usize) as u16
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokens::tokenize;

    fn spans_of(text: &str, hot: &[&str], rule: &SpanRule) -> Vec<String> {
        let tokens = tokenize(text, 0);
        let probs: Vec<f32> = tokens
            .iter()
            .map(|t| {
                if hot.contains(&t.norm.as_str()) {
                    0.9
                } else {
                    0.1
                }
            })
            .collect();
        let chars: Vec<char> = text.chars().collect();
        let fw = FunctionWords(vec!["de".into(), "et".into(), "la".into(), "les".into()]);
        let para = ParagraphText {
            chars: &chars,
            base: 0,
        };
        decide_spans(&tokens, &probs, 1.0, &para, rule, &fw, 0)
            .into_iter()
            .map(|(s, e, _)| chars[s..e].iter().collect())
            .collect()
    }

    const PLAIN: SpanRule = SpanRule {
        token: 0.5,
        bridge: 1,
        fallback: false,
        trim: true,
        min_tokens: 1,
        min_score: 0.0,
        max_spans: 0,
        grow: 0.0,
        calibration: None,
    };

    #[test]
    fn lone_function_words_never_make_a_span_and_edges_are_trimmed() {
        // "de" alone is in the list; "a" is two characters or fewer.
        assert!(spans_of("le prix de la paix", &["de"], &PLAIN).is_empty());
        assert!(spans_of("dire a tout le monde", &["a"], &PLAIN).is_empty());
        // "du Conseil de" → "Conseil": the edges are trimmed ("du" is short).
        assert_eq!(
            spans_of(
                "la décision du Conseil de sécurité",
                &["du", "conseil", "de"],
                &PLAIN
            ),
            vec!["Conseil"]
        );
    }

    #[test]
    fn spans_are_whole_words_with_their_apostrophes_and_hyphens() {
        // The tokenizer splits "d'état"; the span takes the whole word.
        assert_eq!(
            spans_of("un coup d'état manqué", &["état"], &PLAIN),
            vec!["d'état"]
        );
        assert_eq!(
            spans_of("une ligne anti-Europe assumée", &["anti"], &PLAIN),
            vec!["anti-Europe"]
        );
    }

    #[test]
    fn quotes_are_balanced_and_a_quoted_phrase_takes_its_marks() {
        // An opening mark inside the span: extended to its closing mark.
        assert_eq!(
            spans_of(
                "vanter les « mérites » du plan",
                &["vanter", "mérites"],
                &PLAIN
            ),
            vec!["vanter les « mérites »"]
        );
        // Exactly the quoted words: the marks are added (scare quotes).
        assert_eq!(
            spans_of("ils veulent « aider » encore", &["aider"], &PLAIN),
            vec!["« aider »"]
        );
        assert_eq!(
            spans_of("a so-called \"peace\" plan", &["peace"], &PLAIN),
            vec!["\"peace\""]
        );
        // No closing mark in the paragraph: the span starts after the mark.
        assert_eq!(
            spans_of("les « mérites supposés", &["les", "mérites"], &PLAIN),
            vec!["mérites"]
        );
    }

    #[test]
    fn spans_come_in_offset_order_and_scores_gate_them() {
        let got = spans_of(
            "traidor y lacayos de las élites",
            &["traidor", "lacayos"],
            &PLAIN,
        );
        assert_eq!(got, vec!["traidor y lacayos"]);
        let strict = SpanRule { bridge: 0, ..PLAIN };
        assert_eq!(
            spans_of(
                "traidor y lacayos de las élites",
                &["traidor", "lacayos"],
                &strict
            ),
            vec!["traidor", "lacayos"]
        );
        let gated = SpanRule {
            min_score: 0.95,
            ..PLAIN
        };
        assert!(spans_of("traidor y lacayos", &["traidor"], &gated).is_empty());
    }

    #[test]
    fn function_words_are_the_most_frequent_of_each_language() {
        let fw = FunctionWords::learn(
            [
                vec!["the cat and the dog", "the end"],
                vec!["der Hund und der Hund"],
            ],
            1,
        );
        assert_eq!(fw.0, vec!["der".to_string(), "the".to_string()]);
    }
}
