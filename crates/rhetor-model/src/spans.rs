//! The span tagger: which tokens of a paragraph carry a technique.
//!
//! For each technique a logistic regression scores every token of a
//! paragraph *given that the paragraph uses the technique* (it is trained
//! only on such paragraphs, which makes it small and fast). At inference it
//! runs only for the techniques the paragraph head predicted; runs of
//! tokens above the technique's threshold become character spans.

use crate::compact::CompactHead;
use crate::hashing::Fnv;
use crate::linear::{join_groups, train_group_with, LinearHead, TrainConfig};
use crate::math::sigmoid;
use crate::sparse::SparseVec;
use crate::store::{SectionReader, SectionWriter};
use rayon::prelude::*;
use rhetor_core::Technique;

/// A word token with its code-point range in the whole article text.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub start: usize,
    pub end: usize,
    pub norm: String,
    /// The character just before and just after the token (or ' ').
    pub before: char,
    pub after: char,
    /// Inside a quotation (an odd number of quote marks precede it).
    pub quoted: bool,
    pub shape: &'static str,
}

const QUOTE_MARKS: &[char] = &['"', '«', '»', '“', '”', '„', '‹', '›'];

/// Tokens of a paragraph whose first character is code point `base`.
pub fn tokenize(text: &str, base: usize) -> Vec<Token> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut quotes = 0usize;
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_alphanumeric() {
            if QUOTE_MARKS.contains(&chars[i]) {
                quotes += 1;
            }
            i += 1;
            continue;
        }
        let s = i;
        while i < chars.len() && chars[i].is_alphanumeric() {
            i += 1;
        }
        let word: String = chars[s..i].iter().collect();
        let shape = if word.chars().all(|c| c.is_ascii_digit()) {
            "d"
        } else if word.chars().all(|c| !c.is_lowercase()) && word.chars().count() > 1 {
            "X"
        } else if word.chars().next().is_some_and(|c| c.is_uppercase()) {
            "Xx"
        } else {
            "x"
        };
        out.push(Token {
            start: base + s,
            end: base + i,
            norm: crate::features::normalize(&word),
            before: if s > 0 { chars[s - 1] } else { ' ' },
            after: chars.get(i).copied().unwrap_or(' '),
            quoted: quotes % 2 == 1,
            shape,
        });
    }
    out
}

/// Hashed features of token `k` in its paragraph.
pub fn token_features(tokens: &[Token], k: usize, bits: u32) -> SparseVec {
    let mask = (1u32 << bits) - 1;
    let key = |parts: &[&str]| -> (u32, f32) {
        let mut h = Fnv::new();
        for p in parts {
            h.write(p.as_bytes());
            h.sep();
        }
        ((h.finish() as u32) & mask, 1.0)
    };
    let t = &tokens[k];
    let word = |j: isize| -> &str {
        let j = k as isize + j;
        if j < 0 || j as usize >= tokens.len() {
            "<pad>"
        } else {
            &tokens[j as usize].norm
        }
    };
    let prefix: String = t.norm.chars().take(4).collect();
    let suffix: String = t.norm.chars().rev().take(3).collect();
    let (b, a) = (t.before.to_string(), t.after.to_string());
    let rel = ((4 * k) / tokens.len().max(1)).to_string();
    let mut f = vec![
        key(&["w", &t.norm]),
        key(&["p1", word(-1)]),
        key(&["n1", word(1)]),
        key(&["p2", word(-2)]),
        key(&["n2", word(2)]),
        key(&["bp", word(-1), &t.norm]),
        key(&["bn", &t.norm, word(1)]),
        key(&["pre", &prefix]),
        key(&["suf", &suffix]),
        key(&["shape", t.shape]),
        key(&["before", &b]),
        key(&["after", &a]),
        key(&["rel", &rel]),
        key(&["bias"]),
    ];
    if t.quoted {
        f.push(key(&["quoted"]));
    }
    let mut v = SparseVec::from_pairs(f);
    v.normalize();
    v
}

/// Per-technique token scorers and decision thresholds.
#[derive(Debug, Clone, PartialEq)]
pub struct SpanTagger {
    pub bits: u32,
    pub head: CompactHead,
    pub thresholds: Vec<f32>,
}

/// One training paragraph for the tagger: its tokens' features, gold
/// techniques and which tokens fall inside a gold span of each technique
/// (the tokens themselves are not kept: training holds thousands of
/// paragraphs at once).
pub struct TaggedParagraph {
    pub features: Vec<SparseVec>,
    /// `(technique, inside[k])` for each technique the paragraph has.
    pub gold: Vec<(usize, Vec<bool>)>,
}

impl TaggedParagraph {
    pub fn new(text: &str, start: usize, spans: &[(Technique, usize, usize)], bits: u32) -> Self {
        let tokens = tokenize(text, start);
        let features = (0..tokens.len())
            .map(|k| token_features(&tokens, k, bits))
            .collect();
        let mut gold: Vec<(usize, Vec<bool>)> = Vec::new();
        for &(t, s, e) in spans {
            let idx = t.index();
            let pos = match gold.iter().position(|g| g.0 == idx) {
                Some(p) => p,
                None => {
                    gold.push((idx, vec![false; tokens.len()]));
                    gold.len() - 1
                }
            };
            for (k, tok) in tokens.iter().enumerate() {
                if tok.start < e && tok.end > s {
                    gold[pos].1[k] = true;
                }
            }
        }
        TaggedParagraph { features, gold }
    }
}

impl SpanTagger {
    /// Appends the tagger to a model-file section.
    pub fn store<'a>(&'a self, w: &mut SectionWriter<'a>) -> Result<(), String> {
        w.small(&(self.bits, &self.thresholds))?;
        self.head.store(w)
    }

    pub fn load(r: &mut SectionReader) -> Result<Self, String> {
        let (bits, thresholds): (u32, Vec<f32>) = r.small()?;
        let head = CompactHead::load(r)?;
        if bits > 26 || thresholds.len() != head.labels || head.dims() != 1usize << bits {
            return Err("inconsistent span tagger".into());
        }
        Ok(SpanTagger {
            bits,
            head,
            thresholds,
        })
    }

    /// Trains one token scorer per technique on the paragraphs that have it.
    pub fn train(paragraphs: &[TaggedParagraph], bits: u32, cfg: &TrainConfig) -> Self {
        let dims = 1usize << bits;
        let groups: Vec<Vec<usize>> = (0..Technique::COUNT).map(|t| vec![t]).collect();
        let heads: Vec<LinearHead> = groups
            .par_iter()
            .map(|g| {
                let t = g[0];
                // The tokens of the paragraphs that have the technique, by
                // reference, and whether each lies inside one of its spans.
                let mut xs: Vec<&SparseVec> = Vec::new();
                let mut inside: Vec<bool> = Vec::new();
                for p in paragraphs {
                    if let Some((_, ins)) = p.gold.iter().find(|g| g.0 == t) {
                        xs.extend(p.features.iter());
                        inside.extend_from_slice(ins);
                    }
                }
                if xs.is_empty() {
                    let mut h = LinearHead::zeros(dims, 1);
                    h.bias[0] = -10.0;
                    return h;
                }
                let rows: Vec<usize> = (0..xs.len()).collect();
                train_group_with(dims, &xs, |k, _| inside[k], &rows, &[t], cfg)
            })
            .collect();
        let head = join_groups(dims, Technique::COUNT, &groups, &heads);
        SpanTagger {
            bits,
            head,
            thresholds: vec![0.5; Technique::COUNT],
        }
    }

    /// Spans `(start, end, score)` of `technique` in a paragraph, given the
    /// paragraph-level probability `p_par`. Runs of tokens at or above the
    /// threshold (gaps of one token bridged) become spans; when no token
    /// passes, the best token and its strong neighbours do, since the
    /// paragraph head already decided the technique is there.
    pub fn spans(
        &self,
        tokens: &[Token],
        features: &[SparseVec],
        technique: usize,
        p_par: f32,
    ) -> Vec<(usize, usize, f32)> {
        if tokens.is_empty() {
            return Vec::new();
        }
        let probs: Vec<f32> = features
            .iter()
            .map(|x| sigmoid(self.head.score_label(x, technique)))
            .collect();
        self.spans_from_probs(tokens, &probs, technique, p_par)
    }

    /// The spans of every technique at once, as if each were predicted
    /// with probability 1 (scale the scores by the paragraph probability);
    /// scores each token once instead of once per technique.
    pub fn candidate_spans(
        &self,
        tokens: &[Token],
        features: &[SparseVec],
    ) -> Vec<Vec<(usize, usize, f32)>> {
        let labels = self.thresholds.len();
        if tokens.is_empty() {
            return vec![Vec::new(); labels];
        }
        let all: Vec<Vec<f32>> = features.iter().map(|x| self.head.scores(x)).collect();
        (0..labels)
            .map(|t| {
                let probs: Vec<f32> = all.iter().map(|s| sigmoid(s[t])).collect();
                self.spans_from_probs(tokens, &probs, t, 1.0)
            })
            .collect()
    }

    /// Spans from per-token probabilities of one technique.
    fn spans_from_probs(
        &self,
        tokens: &[Token],
        probs: &[f32],
        technique: usize,
        p_par: f32,
    ) -> Vec<(usize, usize, f32)> {
        let mut keep: Vec<bool> = probs
            .iter()
            .map(|&p| p >= self.thresholds[technique])
            .collect();
        if !keep.iter().any(|&k| k) {
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
            for k in keep.iter_mut().take(e + 1).skip(s) {
                *k = true;
            }
        }
        // Bridge one-token gaps.
        for k in 1..keep.len().saturating_sub(1) {
            if !keep[k] && keep[k - 1] && keep[k + 1] {
                keep[k] = true;
            }
        }
        let mut out = Vec::new();
        let mut k = 0;
        while k < keep.len() {
            if !keep[k] {
                k += 1;
                continue;
            }
            let s = k;
            while k < keep.len() && keep[k] {
                k += 1;
            }
            let mean = probs[s..k].iter().sum::<f32>() / (k - s) as f32;
            out.push((
                tokens[s].start,
                tokens[k - 1].end,
                (p_par * mean).clamp(0.0, 1.0),
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_carry_code_point_offsets_and_quote_state() {
        let toks = tokenize("Les « aider » 2024 US", 10);
        let words: Vec<&str> = toks.iter().map(|t| t.norm.as_str()).collect();
        assert_eq!(words, vec!["les", "aider", "2024", "us"]);
        assert_eq!((toks[1].start, toks[1].end), (16, 21));
        assert!(toks[1].quoted && !toks[0].quoted && !toks[2].quoted);
        assert_eq!(toks[2].shape, "d");
        assert_eq!(toks[3].shape, "X");
    }

    #[test]
    fn tagger_learns_to_mark_a_planted_word() {
        // "awful" is always inside a Loaded_Language span.
        let mut paragraphs = Vec::new();
        let fillers = [
            "the plan",
            "their offer",
            "this deal",
            "that vote",
            "the mayor",
        ];
        for i in 0..60 {
            let text = format!(
                "{} is awful and {} stays",
                fillers[i % 5],
                fillers[(i + 2) % 5]
            );
            let s = text.find("awful").unwrap();
            let spans = [(Technique::LoadedLanguage, s, s + 5)];
            paragraphs.push(TaggedParagraph::new(&text, 0, &spans, 14));
        }
        let tagger = SpanTagger::train(&paragraphs, 14, &TrainConfig::default());
        let text = "the vote is awful and the plan stays";
        let p = TaggedParagraph::new(text, 0, &[], 14);
        let spans = tagger.spans(
            &tokenize(text, 0),
            &p.features,
            Technique::LoadedLanguage.index(),
            0.9,
        );
        assert_eq!(spans.len(), 1, "{spans:?}");
        assert_eq!((spans[0].0, spans[0].1), (12, 17));
    }
}
