//! The span tagger: which tokens of a paragraph carry a technique.
//!
//! For each technique a logistic regression scores every token of a
//! paragraph *given that the paragraph uses the technique* (it is trained
//! only on such paragraphs, which makes it small and fast). At inference it
//! runs only for the techniques the paragraph head predicted; runs of
//! tokens the span decision ([`crate::evidence`]) keeps become character
//! spans.

use crate::compact::CompactHead;
use crate::evidence::{best_run, decide_spans, FunctionWords, ParagraphText, SpanRule, SpanRules};
use crate::hashing::Fnv;
use crate::linear::{join_groups, train_group_with, LinearHead, TrainConfig};
use crate::math::sigmoid;
use crate::sparse::SparseVec;
use crate::store::{SectionReader, SectionWriter};
use crate::tokens::{tokenize, Token};
use rayon::prelude::*;
use rhetor_core::Technique;

/// Hashed features of token `k` in its paragraph: the word, its
/// neighbours, prefix, suffix, shape, the characters around it, its
/// position, whether it is quoted; unit L2 norm. Hashes the parts' bytes
/// straight from the tokens, with no string built per feature (the plain
/// version, `token_features_plain` in the tests, builds each part as a
/// `String`; the two give the same bits). Prediction and training use
/// [`TokenFeaturizer`], all of a paragraph's tokens at once; this
/// one-token form is the tests' reference.
#[cfg(test)]
pub fn token_features(tokens: &[Token], k: usize, bits: u32) -> SparseVec {
    let mask = (1u32 << bits) - 1;
    // Every part followed by the separator, the last one too (unlike
    // `hash_parts`): the keys the model was trained with.
    let key = |parts: &[&[u8]]| -> u32 {
        let mut h = Fnv::new();
        for p in parts {
            h.write(p);
            h.sep();
        }
        (h.finish() as u32) & mask
    };
    let t = &tokens[k];
    let word = |j: isize| -> &[u8] {
        let j = k as isize + j;
        if j < 0 || j as usize >= tokens.len() {
            b"<pad>"
        } else {
            tokens[j as usize].norm.as_bytes()
        }
    };
    let norm = t.norm.as_bytes();
    // The first four characters; the last three, last first.
    let prefix_end = t.norm.char_indices().nth(4).map_or(norm.len(), |(i, _)| i);
    let mut suffix = [0u8; 12];
    let mut suffix_len = 0;
    for c in t.norm.chars().rev().take(3) {
        suffix_len += c.encode_utf8(&mut suffix[suffix_len..]).len();
    }
    let (mut before, mut after) = ([0u8; 4], [0u8; 4]);
    let before = t.before.encode_utf8(&mut before).as_bytes();
    let after = t.after.encode_utf8(&mut after).as_bytes();
    // k < tokens.len(), so the quarter is one digit, 0 to 3.
    let rel = [b'0' + ((4 * k) / tokens.len()) as u8];
    let mut f = [0u32; 15];
    f[..14].copy_from_slice(&[
        key(&[b"w", norm]),
        key(&[b"p1", word(-1)]),
        key(&[b"n1", word(1)]),
        key(&[b"p2", word(-2)]),
        key(&[b"n2", word(2)]),
        key(&[b"bp", word(-1), norm]),
        key(&[b"bn", norm, word(1)]),
        key(&[b"pre", &norm[..prefix_end]]),
        key(&[b"suf", &suffix[..suffix_len]]),
        key(&[b"shape", t.shape.as_bytes()]),
        key(&[b"before", before]),
        key(&[b"after", after]),
        key(&[b"rel", &rel]),
        key(&[b"bias"]),
    ]);
    let n = if t.quoted {
        f[14] = key(&[b"quoted"]);
        15
    } else {
        14
    };
    let f = &mut f[..n];
    f.sort_unstable();
    // Every feature counts 1; a repeated one (e.g. a word equal to its
    // neighbour) sums, as SparseVec::from_pairs sums it.
    let mut v = SparseVec {
        idx: Vec::with_capacity(n),
        val: Vec::with_capacity(n),
    };
    for &i in f.iter() {
        if v.idx.last() == Some(&i) {
            *v.val.last_mut().expect("val grows with idx") += 1.0;
        } else {
            v.idx.push(i);
            v.val.push(1.0);
        }
    }
    v.normalize();
    v
}

/// The features of every token of a paragraph at once: bit for bit what
/// [`token_features`] gives token by token, for less work. The states of
/// FNV after each feature's name are computed once; the features that do
/// not depend on the token (padding neighbours, shape, position quarter,
/// bias, quoted) are hashed once; each word is hashed once per paragraph
/// under the five names it appears under (itself, and as the neighbour
/// `p1`, `n1`, `p2`, `n2` of the tokens around it), the five hashes side by
/// side in one pass over its bytes; each pair of neighbours once under
/// `bp` and `bn` together. The vectors and the scratch buffers are reused
/// from paragraph to paragraph.
#[derive(Debug, Clone)]
pub struct TokenFeaturizer {
    mask: u32,
    /// FNV after `name` and the separator, for `w p1 n1 p2 n2`.
    word_ns: [Fnv; 5],
    /// The same for `bp bn`.
    pair_ns: [Fnv; 2],
    pre_ns: Fnv,
    suf_ns: Fnv,
    before_ns: Fnv,
    after_ns: Fnv,
    /// `p1 n1 p2 n2` of `<pad>` (no token there).
    pad: [u32; 4],
    /// `bp` with no token before: FNV after `bp`, `<pad>` and separators.
    bp_pad: Fnv,
    /// `shape` of `d X Xx x`.
    shapes: [u32; 4],
    /// `rel` of quarters 0 to 3.
    rel: [u32; 4],
    bias: u32,
    quoted: u32,
    /// Per token: the word's hashes as `w p1 n1 p2 n2`.
    words: Vec<[u32; 5]>,
    /// Per token: `bp` (with the token before) and `bn` (with the one after).
    pairs: Vec<[u32; 2]>,
}

const SHAPES: [&str; 4] = ["d", "X", "Xx", "x"];

impl TokenFeaturizer {
    pub fn new(bits: u32) -> Self {
        let mask = (1u32 << bits) - 1;
        let ns = |name: &[u8]| {
            let mut h = Fnv::new();
            h.write(name);
            h.sep();
            h
        };
        let fin = |h: Fnv| (h.finish() as u32) & mask;
        let key = |name: &[u8], part: &[u8]| {
            let mut h = ns(name);
            h.write(part);
            h.sep();
            fin(h)
        };
        let word_names: [&[u8]; 5] = [b"w", b"p1", b"n1", b"p2", b"n2"];
        let pad = [
            key(b"p1", b"<pad>"),
            key(b"n1", b"<pad>"),
            key(b"p2", b"<pad>"),
            key(b"n2", b"<pad>"),
        ];
        let mut bp_pad = ns(b"bp");
        bp_pad.write(b"<pad>");
        bp_pad.sep();
        TokenFeaturizer {
            mask,
            word_ns: word_names.map(ns),
            pair_ns: [ns(b"bp"), ns(b"bn")],
            pre_ns: ns(b"pre"),
            suf_ns: ns(b"suf"),
            before_ns: ns(b"before"),
            after_ns: ns(b"after"),
            pad,
            bp_pad,
            shapes: SHAPES.map(|s| key(b"shape", s.as_bytes())),
            rel: [b"0", b"1", b"2", b"3"].map(|r| key(b"rel", r)),
            bias: fin(ns(b"bias")),
            quoted: fin(ns(b"quoted")),
            words: Vec::new(),
            pairs: Vec::new(),
        }
    }

    #[inline]
    fn fin(&self, h: Fnv) -> u32 {
        (h.finish() as u32) & self.mask
    }

    /// The features of `tokens` (one paragraph's, in order) into `out`,
    /// one vector per token, reusing the vectors already there.
    pub fn features_into(&mut self, tokens: &[Token], out: &mut Vec<SparseVec>) {
        let n = tokens.len();
        out.truncate(n);
        out.resize_with(n, || SparseVec {
            idx: Vec::with_capacity(15),
            val: Vec::with_capacity(15),
        });
        self.words.clear();
        for t in tokens {
            let mut h = self.word_ns;
            for &b in t.norm.as_bytes() {
                for l in h.iter_mut() {
                    l.write_byte(b);
                }
            }
            self.words.push(h.map(|mut l| {
                l.sep();
                self.fin(l)
            }));
        }
        // pairs[k] = [bp of k (k-1, k), bn of k (k, k+1)].
        self.pairs.clear();
        self.pairs.resize(n, [0, 0]);
        for k in 0..n {
            let w = tokens[k].norm.as_bytes();
            if k == 0 {
                let mut h = self.bp_pad;
                h.write(w);
                h.sep();
                self.pairs[0][0] = self.fin(h);
            }
            let mut h = self.pair_ns;
            for l in h.iter_mut() {
                l.write(w);
                l.sep();
            }
            let next: &[u8] = match tokens.get(k + 1) {
                Some(t) => t.norm.as_bytes(),
                None => b"<pad>",
            };
            for &b in next {
                for l in h.iter_mut() {
                    l.write_byte(b);
                }
            }
            let [bp, bn] = h.map(|mut l| {
                l.sep();
                self.fin(l)
            });
            self.pairs[k][1] = bn;
            if k + 1 < n {
                self.pairs[k + 1][0] = bp;
            }
        }
        for (k, (t, v)) in tokens.iter().zip(out.iter_mut()).enumerate() {
            let norm = t.norm.as_bytes();
            let prefix_end = t.norm.char_indices().nth(4).map_or(norm.len(), |(i, _)| i);
            let mut pre = self.pre_ns;
            pre.write(&norm[..prefix_end]);
            pre.sep();
            let mut suf = self.suf_ns;
            for c in t.norm.chars().rev().take(3) {
                suf.write(c.encode_utf8(&mut [0u8; 4]).as_bytes());
            }
            suf.sep();
            let mut before = self.before_ns;
            before.write(t.before.encode_utf8(&mut [0u8; 4]).as_bytes());
            before.sep();
            let mut after = self.after_ns;
            after.write(t.after.encode_utf8(&mut [0u8; 4]).as_bytes());
            after.sep();
            let shape = SHAPES.iter().position(|&s| s == t.shape).map_or_else(
                || self.key_of(b"shape", t.shape.as_bytes()),
                |i| self.shapes[i],
            );
            let word = |j: isize, lane: usize, pad: usize| -> u32 {
                let j = k as isize + j;
                if j < 0 || j as usize >= n {
                    self.pad[pad]
                } else {
                    self.words[j as usize][lane]
                }
            };
            let mut f = [0u32; 15];
            f[..14].copy_from_slice(&[
                self.words[k][0],
                word(-1, 1, 0),
                word(1, 2, 1),
                word(-2, 3, 2),
                word(2, 4, 3),
                self.pairs[k][0],
                self.pairs[k][1],
                self.fin(pre),
                self.fin(suf),
                shape,
                self.fin(before),
                self.fin(after),
                // k < n, so the quarter is 0 to 3.
                self.rel[(4 * k) / n],
                self.bias,
            ]);
            let m = if t.quoted {
                f[14] = self.quoted;
                15
            } else {
                14
            };
            let f = &mut f[..m];
            f.sort_unstable();
            v.idx.clear();
            v.val.clear();
            for &i in f.iter() {
                if v.idx.last() == Some(&i) {
                    *v.val.last_mut().expect("val grows with idx") += 1.0;
                } else {
                    v.idx.push(i);
                    v.val.push(1.0);
                }
            }
            v.normalize();
        }
    }

    /// `name` and `part` hashed as a feature (a shape [`tokenize`] never
    /// gives; kept so that any `Token` is featurised as the plain way does).
    fn key_of(&self, name: &[u8], part: &[u8]) -> u32 {
        let mut h = Fnv::new();
        h.write(name);
        h.sep();
        h.write(part);
        h.sep();
        self.fin(h)
    }
}

/// The features of every token of a paragraph ([`TokenFeaturizer`]).
pub fn paragraph_token_features(tokens: &[Token], bits: u32) -> Vec<SparseVec> {
    let mut out = Vec::with_capacity(tokens.len());
    TokenFeaturizer::new(bits).features_into(tokens, &mut out);
    out
}

/// Per-technique token scorers and the span decision's rules.
#[derive(Debug, Clone, PartialEq)]
pub struct SpanTagger {
    pub bits: u32,
    pub(crate) head: CompactHead,
    /// One rule per evidence level ([`rhetor_core::Evidence::ALL`] order).
    pub rules: SpanRules,
    /// Words that never make a highlight alone.
    pub function_words: FunctionWords,
    /// Each technique's typical gold span length in code points (the
    /// median; 0 where training had none), which spans grow towards.
    pub lengths: Vec<u16>,
}

/// The token threshold of [`SpanTagger::candidate_spans`] (the decision
/// the accurate model's cross-validation reads).
const CANDIDATE_THRESHOLD: f32 = 0.5;

/// One training paragraph for the tagger: its tokens' features, gold
/// techniques and which tokens fall inside a gold span of each technique
/// (the tokens themselves are not kept: training holds thousands of
/// paragraphs at once).
pub(crate) struct TaggedParagraph {
    pub features: Vec<SparseVec>,
    /// `(technique, inside[k])` for each technique the paragraph has.
    pub gold: Vec<(usize, Vec<bool>)>,
}

impl TaggedParagraph {
    pub fn new(text: &str, start: usize, spans: &[(Technique, usize, usize)], bits: u32) -> Self {
        let tokens = tokenize(text, start);
        let features = paragraph_token_features(&tokens, bits);
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
    pub(crate) fn store<'a>(&'a self, w: &mut SectionWriter<'a>) -> Result<(), String> {
        w.small(&(self.bits, &self.rules, &self.function_words, &self.lengths))?;
        self.head.store(w)
    }

    pub(crate) fn load(r: &mut SectionReader) -> Result<Self, String> {
        let (bits, rules, function_words, lengths): (u32, SpanRules, FunctionWords, Vec<u16>) =
            r.small()?;
        let head = CompactHead::load(r)?;
        if bits > 26 || head.dims() != 1usize << bits || lengths.len() != head.labels {
            return Err("inconsistent span tagger".into());
        }
        if !function_words.0.windows(2).all(|w| w[0] < w[1]) {
            return Err("span tagger: function words not sorted".into());
        }
        if rules
            .iter()
            .any(|r| !(0.0..=1.0).contains(&r.token) || !(0.0..=1.0).contains(&r.min_score))
        {
            return Err("span tagger: a rule's threshold is outside [0, 1]".into());
        }
        if rules.iter().any(|r| {
            r.calibration
                .is_some_and(|c| !c.a.is_finite() || !c.b.is_finite())
                || !r.grow.is_finite()
        }) {
            return Err("span tagger: a rule's calibration or growth is not finite".into());
        }
        Ok(SpanTagger {
            bits,
            head,
            rules,
            function_words,
            lengths,
        })
    }

    /// Trains one token scorer per technique on the paragraphs that have
    /// it; the decision uses `rules` and `function_words`.
    pub(crate) fn train(
        paragraphs: &[TaggedParagraph],
        bits: u32,
        cfg: &TrainConfig,
        rules: SpanRules,
        function_words: FunctionWords,
        lengths: Vec<u16>,
    ) -> Self {
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
            rules,
            function_words,
            lengths,
        }
    }

    /// Spans `(start, end, score)` of `technique` in a paragraph (its
    /// text `text`, its tokens and their features), given the
    /// paragraph-level probability `p_par`, decided by `rule`; in offset
    /// order.
    pub(crate) fn spans(
        &self,
        text: &ParagraphText,
        tokens: &[Token],
        features: &[SparseVec],
        technique: usize,
        p_par: f32,
        rule: &SpanRule,
    ) -> Vec<(usize, usize, f32)> {
        let probs: Vec<f32> = features
            .iter()
            .map(|x| sigmoid(self.head.score_label(x, technique)))
            .collect();
        decide_spans(
            tokens,
            &probs,
            p_par,
            text,
            rule,
            &self.function_words,
            self.lengths[technique] as usize,
        )
    }

    /// The spans of several techniques found in one paragraph, each with
    /// its paragraph-level probability: what [`SpanTagger::spans`] gives for
    /// each. With two or more, each token's features are looked up once for
    /// all of them (`CompactHead::score_labels`, the same numbers to the
    /// bit as `score_label` technique by technique).
    pub(crate) fn spans_of(
        &self,
        text: &ParagraphText,
        tokens: &[Token],
        features: &[SparseVec],
        techniques: &[(usize, f32)],
        rule: &SpanRule,
    ) -> Vec<Vec<(usize, usize, f32)>> {
        if techniques.len() < 2 || tokens.is_empty() {
            return techniques
                .iter()
                .map(|&(t, p)| self.spans(text, tokens, features, t, p, rule))
                .collect();
        }
        let labels: Vec<usize> = techniques.iter().map(|&(t, _)| t).collect();
        // probs[j][k]: technique j's probability at token k.
        let mut probs = vec![Vec::with_capacity(features.len()); labels.len()];
        let mut scores = Vec::with_capacity(labels.len());
        for x in features {
            self.head.score_labels(x, &labels, &mut scores);
            for (p, &s) in probs.iter_mut().zip(&scores) {
                p.push(sigmoid(s));
            }
        }
        techniques
            .iter()
            .zip(&probs)
            .map(|(&(t, p_par), probs)| {
                let typical = self.lengths[t] as usize;
                decide_spans(
                    tokens,
                    probs,
                    p_par,
                    text,
                    rule,
                    &self.function_words,
                    typical,
                )
            })
            .collect()
    }

    /// Each token's probability of each technique of `labels`
    /// (`[technique][token]`), each token's features looked up once: the
    /// numbers [`SpanTagger::spans_of`] decides on.
    pub(crate) fn probs_of(&self, features: &[SparseVec], labels: &[usize]) -> Vec<Vec<f32>> {
        let mut probs = vec![Vec::with_capacity(features.len()); labels.len()];
        let mut scores = Vec::with_capacity(labels.len());
        for x in features {
            self.head.score_labels(x, labels, &mut scores);
            for (p, &s) in probs.iter_mut().zip(&scores) {
                p.push(sigmoid(s));
            }
        }
        probs
    }

    /// The spans of every technique at once, as if each were predicted
    /// with probability 1 (scale the scores by the paragraph probability);
    /// scores each token once instead of once per technique.
    pub(crate) fn candidate_spans(
        &self,
        tokens: &[Token],
        features: &[SparseVec],
    ) -> Vec<Vec<(usize, usize, f32)>> {
        let labels = self.head.labels;
        if tokens.is_empty() {
            return vec![Vec::new(); labels];
        }
        let all: Vec<Vec<f32>> = features.iter().map(|x| self.head.scores(x)).collect();
        (0..labels)
            .map(|t| {
                let probs: Vec<f32> = all.iter().map(|s| sigmoid(s[t])).collect();
                candidate_runs(tokens, &probs)
            })
            .collect()
    }

    /// Every token's probability of lying inside a span of each technique
    /// (`[token][technique]`), as if each were predicted: what the span
    /// decision reads ([`crate::evidence`]).
    pub(crate) fn token_probs(&self, features: &[SparseVec]) -> Vec<Vec<f32>> {
        features
            .iter()
            .map(|x| self.head.scores(x).into_iter().map(sigmoid).collect())
            .collect()
    }
}

/// The accurate model's span candidates from per-token probabilities of one
/// technique (the decision of format version 3, which its cached
/// cross-validation reads): tokens at or above 0.5, one-token gaps bridged,
/// the best run when none passes.
fn candidate_runs(tokens: &[Token], probs: &[f32]) -> Vec<(usize, usize, f32)> {
    let p_par = 1.0f32;
    let mut keep: Vec<bool> = probs.iter().map(|&p| p >= CANDIDATE_THRESHOLD).collect();
    if !keep.iter().any(|&k| k) {
        let (s, e) = best_run(probs);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokens::QUOTE_MARKS;

    /// The plain version of [`token_features`]: each part a `String`.
    fn token_features_plain(tokens: &[Token], k: usize, bits: u32) -> SparseVec {
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

    /// The plain version of [`tokenize`]: the paragraph as `char`s, each
    /// word collected into a `String` before it is normalised.
    fn tokenize_plain(text: &str, base: usize) -> Vec<Token> {
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

    fn value_bits(v: &SparseVec) -> Vec<u32> {
        v.val.iter().map(|x| x.to_bits()).collect()
    }

    /// `tokenize` and the paragraph featuriser against their plain
    /// versions on `text`, with one featuriser reused across calls (as an
    /// article's paragraphs reuse it).
    fn check_against_plain(
        text: &str,
        base: usize,
        f: &mut TokenFeaturizer,
        out: &mut Vec<SparseVec>,
        bits: u32,
    ) -> usize {
        let tokens = tokenize(text, base);
        assert_eq!(tokens, tokenize_plain(text, base), "{text:?}");
        f.features_into(&tokens, out);
        assert_eq!(out.len(), tokens.len());
        for (k, v) in out.iter().enumerate() {
            let plain = token_features_plain(&tokens, k, bits);
            assert_eq!(v.idx, plain.idx, "{text:?} token {k}");
            assert_eq!(value_bits(v), value_bits(&plain), "{text:?} token {k}");
            let one = token_features(&tokens, k, bits);
            assert_eq!(one.idx, plain.idx, "{text:?} token {k}");
            assert_eq!(value_bits(&one), value_bits(&plain), "{text:?} token {k}");
        }
        tokens.len()
    }

    /// On every paragraph (title included) of every SemEval article, train
    /// and unlabeled folders of the six languages: the same tokens as the
    /// plain tokeniser and, at the shipped tagger's hash size, the same
    /// feature bits as the plain featuriser. The featuriser is reused over
    /// all of a folder's paragraphs, so stale buffers would show.
    #[test]
    fn tokens_and_paragraph_features_are_the_plain_ones_on_the_semeval_articles() {
        let Some(data) = rhetor_testkit::need(
            rhetor_formats::corpus::shared_data_dir(),
            rhetor_testkit::SEMEVAL_DATA,
        ) else {
            return;
        };
        let bits = crate::shipped().unwrap().spans().bits;
        let (mut paragraphs, mut tokens) = (0usize, 0usize);
        for (_, dir) in rhetor_formats::corpus::language_folders(&data).unwrap() {
            let mut f = TokenFeaturizer::new(bits);
            let mut out = Vec::new();
            for sub in ["train-articles", "unlabeled-articles"] {
                let Ok(paths) = rhetor_formats::articles::list_articles(&dir.join(sub)) else {
                    continue;
                };
                for path in paths {
                    let doc = rhetor_formats::articles::read_article_file(&path).unwrap();
                    for p in &doc.paragraphs {
                        tokens += check_against_plain(&p.text, p.start, &mut f, &mut out, bits);
                        paragraphs += 1;
                    }
                }
            }
        }
        assert!(
            paragraphs > 20_000 && tokens > 500_000,
            "{paragraphs} paragraphs, {tokens} tokens"
        );
    }

    /// Paragraphs with what token features depend on: neighbours at the
    /// edges, repeated words, quotes, digits, capitals, scripts with
    /// multi-byte characters, one-token and one-letter words.
    const TEXTS: &[&str] = &[
        "Les Américains veulent « aider » leurs « partenaires », 2024.",
        "the the the vote vote is AWFUL and \"scare\" stays",
        "США и НАТО: «помощь» — ГДЕ?! Это ужасно.",
        "Żółć gęślą jaźń, „cytat” i ‹coś› 42 x",
        "a",
        "Straße Öl ÄÖÜ ß 1 2 3 ab",
        "日本語 テキスト and émojis 🙂 here",
    ];

    #[test]
    fn token_features_are_bit_for_bit_the_plain_ones() {
        for bits in [14, 20] {
            let mut f = TokenFeaturizer::new(bits);
            let mut out = Vec::new();
            for (n, text) in TEXTS.iter().chain(&["", " « » ", "x"]).enumerate() {
                check_against_plain(text, 3 * n, &mut f, &mut out, bits);
            }
            for (n, text) in TEXTS.iter().enumerate() {
                let tokens = tokenize(text, 7 * n);
                assert!(!tokens.is_empty());
                for k in 0..tokens.len() {
                    let (fast, plain) = (
                        token_features(&tokens, k, bits),
                        token_features_plain(&tokens, k, bits),
                    );
                    assert_eq!(fast.idx, plain.idx, "{text:?} token {k}");
                    let bits_of =
                        |v: &SparseVec| v.val.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                    assert_eq!(bits_of(&fast), bits_of(&plain), "{text:?} token {k}");
                }
            }
        }
    }

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
        let tagger = SpanTagger::train(
            &paragraphs,
            14,
            &TrainConfig::default(),
            crate::evidence::DEFAULT_RULES,
            FunctionWords::default(),
            vec![5; Technique::COUNT],
        );
        let text = "the vote is awful and the plan stays";
        let p = TaggedParagraph::new(text, 0, &[], 14);
        let chars: Vec<char> = text.chars().collect();
        let para = ParagraphText {
            chars: &chars,
            base: 0,
        };
        let spans = tagger.spans(
            &para,
            &tokenize(text, 0),
            &p.features,
            Technique::LoadedLanguage.index(),
            0.9,
            &tagger.rules[rhetor_core::Evidence::Balanced.index()],
        );
        assert_eq!(spans.len(), 1, "{spans:?}");
        assert_eq!((spans[0].0, spans[0].1), (12, 17));
    }

    #[test]
    fn spans_of_several_techniques_are_those_of_each_alone() {
        let model = crate::shipped().unwrap();
        let tagger = model.spans();
        for (n, text) in TEXTS.iter().enumerate() {
            let tokens = tokenize(text, n);
            let chars: Vec<char> = text.chars().collect();
            let para = ParagraphText {
                chars: &chars,
                base: n,
            };
            let rule = &tagger.rules[rhetor_core::Evidence::Recall.index()];
            let feats: Vec<SparseVec> = (0..tokens.len())
                .map(|k| token_features(&tokens, k, tagger.bits))
                .collect();
            let techniques: Vec<(usize, f32)> = (0..Technique::COUNT)
                .map(|t| (t, 0.3 + 0.03 * t as f32))
                .collect();
            for wanted in [&techniques[..], &techniques[3..5], &techniques[7..8]] {
                let together = tagger.spans_of(&para, &tokens, &feats, wanted, rule);
                let alone: Vec<_> = wanted
                    .iter()
                    .map(|&(t, p)| tagger.spans(&para, &tokens, &feats, t, p, rule))
                    .collect();
                let bits = |v: &Vec<Vec<(usize, usize, f32)>>| {
                    v.iter()
                        .map(|s| {
                            s.iter()
                                .map(|&(a, b, x)| (a, b, x.to_bits()))
                                .collect::<Vec<_>>()
                        })
                        .collect::<Vec<_>>()
                };
                assert_eq!(bits(&together), bits(&alone), "{text:?}");
            }
        }
    }
}
