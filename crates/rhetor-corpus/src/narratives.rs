//! `rhetor narratives`: clusters of articles that tell the same story.
//!
//! Two articles are linked when the MinHash estimate of the Jaccard
//! similarity of their 3-word shingle sets ([`rhetor_store::minhash`]) is
//! at least the threshold; only pairs sharing an LSH band are compared. A
//! cluster is a connected group of linked articles; its id is its smallest
//! article row, so it does not change when articles join it.
//!
//! Incremental: clusters are stored (`narrative_members`). An update
//! compares only the articles in no cluster yet (those ingested since the
//! last run) with everything else, and rewrites only the clusters they
//! join (two clusters one new article links are merged). Changing the
//! threshold, or asking for it, recomputes everything.

use rhetor_store::minhash::{band_key, similarity, BANDS};
use rhetor_store::{ArticleSummary, CorpusStore, Membership, StoreError};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Similarity two articles need to be linked, by default.
pub const DEFAULT_THRESHOLD: f64 = 0.5;

/// What an update did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Update {
    /// Everything was recomputed.
    pub full: bool,
    /// Articles placed in a cluster (or alone) by this update.
    pub placed: usize,
    /// Pairs of articles whose signatures were compared.
    pub compared: u64,
}

struct UnionFind(Vec<u32>);

impl UnionFind {
    fn new(n: usize) -> Self {
        UnionFind((0..n as u32).collect())
    }
    fn find(&mut self, mut x: u32) -> u32 {
        while self.0[x as usize] != x {
            let parent = self.0[self.0[x as usize] as usize];
            self.0[x as usize] = parent;
            x = parent;
        }
        x
    }
    fn union(&mut self, a: u32, b: u32) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            // The smaller index (older article) stays the root.
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.0[hi as usize] = lo;
        }
    }
}

/// Brings the stored clusters up to date with the stored articles.
pub fn update(
    store: &mut dyn CorpusStore,
    threshold: f64,
    force_full: bool,
) -> Result<Update, StoreError> {
    let sigs = store.signatures(false)?;
    let old = store.memberships()?;
    let full = force_full || old.is_empty() || store.narrative_threshold()? != Some(threshold);
    let index: HashMap<i64, u32> = sigs
        .iter()
        .enumerate()
        .map(|(i, (id, _))| (*id, i as u32))
        .collect();
    let mut uf = UnionFind::new(sigs.len());
    let mut is_new = vec![true; sigs.len()];
    if !full {
        for m in &old {
            if let (Some(&a), Some(&c)) = (index.get(&m.article), index.get(&m.cluster)) {
                is_new[a as usize] = false;
                uf.union(a, c);
            }
        }
    }
    let placed = is_new.iter().filter(|n| **n).count();
    // (band key, article index) for every band of every non-empty signature.
    let mut keys: Vec<(u64, u32)> = Vec::with_capacity(sigs.len() * BANDS);
    for (i, (_, sig)) in sigs.iter().enumerate() {
        if sig.iter().all(|v| *v == u32::MAX) {
            continue; // no words: like nothing
        }
        for band in 0..BANDS {
            keys.push((band_key(sig, band), i as u32));
        }
    }
    keys.sort_unstable();
    let mut compared = 0u64;
    let mut run_start = 0;
    while run_start < keys.len() {
        let key = keys[run_start].0;
        let mut run_end = run_start + 1;
        while run_end < keys.len() && keys[run_end].0 == key {
            run_end += 1;
        }
        let run = &keys[run_start..run_end];
        if run.len() > 1 && run.iter().any(|(_, i)| is_new[*i as usize]) {
            for (j, &(_, b)) in run.iter().enumerate() {
                for &(_, a) in &run[..j] {
                    if !is_new[a as usize] && !is_new[b as usize] {
                        continue; // two old articles: already decided
                    }
                    if uf.find(a) == uf.find(b) {
                        continue;
                    }
                    compared += 1;
                    if similarity(&sigs[a as usize].1, &sigs[b as usize].1) >= threshold {
                        uf.union(a, b);
                    }
                }
            }
        }
        run_start = run_end;
    }
    // Components that hold a new article are (re)written.
    let mut components: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for i in 0..sigs.len() as u32 {
        components.entry(uf.find(i)).or_default().push(i);
    }
    let mut members = Vec::new();
    for (root, idx) in &components {
        if !idx.iter().any(|i| is_new[*i as usize]) {
            continue;
        }
        let cluster = sigs[*root as usize].0;
        if idx.len() == 1 {
            members.push(Membership {
                article: cluster,
                cluster,
                similarity: 1.0,
            });
            continue;
        }
        let ids: Vec<i64> = idx.iter().map(|i| sigs[*i as usize].0).collect();
        let ordered = in_date_order(store.summaries(&ids)?);
        let first = index[&ordered[0].article] as usize;
        for s in &ordered {
            let i = index[&s.article] as usize;
            members.push(Membership {
                article: s.article,
                cluster,
                similarity: similarity(&sigs[first].1, &sigs[i].1),
            });
        }
    }
    store.save_memberships(threshold, full, &members)?;
    Ok(Update {
        full,
        placed,
        compared,
    })
}

/// Alignment two articles in different languages need to be joined by
/// `--cross-lingual` (see [`alignment`]).
pub const CROSS_LINGUAL_THRESHOLD: f64 = 0.87;

/// Cosine of the mean embeddings below which two articles are not
/// aligned at all (a cheap first filter).
const MEAN_COSINE_FLOOR: f64 = 0.85;

fn cosine(a: &[f32], b: &[f32]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (*x as f64) * (*y as f64))
        .sum()
}

/// How well two articles' paragraphs (unit embeddings) match one for one:
/// for each paragraph of one the best cosine among the other's, averaged,
/// the smaller of the two directions. The mean embeddings of
/// multilingual-e5-small put unrelated articles on one topic close
/// (cosine ≈ 0.90) to translations (≈ 0.93); paragraph alignment keeps
/// them apart (≤ 0.85 against ≥ 0.90 on our fixtures).
pub fn alignment(a: &[Vec<f32>], b: &[Vec<f32>]) -> f64 {
    let one_way = |x: &[Vec<f32>], y: &[Vec<f32>]| {
        x.iter()
            .map(|p| y.iter().map(|q| cosine(p, q)).fold(-1.0, f64::max))
            .sum::<f64>()
            / x.len().max(1) as f64
    };
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    one_way(a, b).min(one_way(b, a))
}

fn mean_unit(paragraphs: &[Vec<f32>]) -> Vec<f32> {
    let dim = paragraphs.first().map_or(0, Vec::len);
    let mut m = vec![0f32; dim];
    for p in paragraphs {
        for (x, v) in m.iter_mut().zip(p) {
            *x += v;
        }
    }
    let norm = m.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        m.iter_mut().for_each(|x| *x /= norm);
    }
    m
}

/// `--cross-lingual`: joins the clusters of articles in different
/// languages whose paragraph [`alignment`] is at least `threshold`. Only
/// pairs with an article in `new` (embedded since the last run) are
/// compared; `None` compares every pair (after a full lexical update,
/// which forgot the links of earlier runs). Returns the number of links.
///
/// Run after [`update`], so that every article has a cluster.
pub fn join_cross_lingual(
    store: &mut dyn CorpusStore,
    new: Option<&[i64]>,
    threshold: f64,
) -> Result<usize, StoreError> {
    let vectors = store.embeddings()?;
    let means: Vec<Vec<f32>> = vectors.iter().map(|v| mean_unit(&v.2)).collect();
    let new: Option<std::collections::HashSet<i64>> = new.map(|n| n.iter().copied().collect());
    let is_new = |id: &i64| new.as_ref().is_none_or(|n| n.contains(id));
    let mut links: Vec<(i64, i64, f64)> = Vec::new();
    for (i, (a, la, pa)) in vectors.iter().enumerate() {
        for (j, (b, lb, pb)) in vectors[..i].iter().enumerate() {
            if !is_new(a) && !is_new(b) {
                continue;
            }
            if la.is_some() && la == lb {
                continue; // same language: the lexical pass decides
            }
            if cosine(&means[i], &means[j]) < MEAN_COSINE_FLOOR {
                continue;
            }
            let score = alignment(pa, pb);
            if score >= threshold {
                links.push((*a, *b, score));
            }
        }
    }
    if links.is_empty() {
        return Ok(0);
    }
    // Union of the stored clusters and the new links.
    let old = store.memberships()?;
    let ids: Vec<i64> = old.iter().map(|m| m.article).collect();
    let index: HashMap<i64, u32> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (*id, i as u32))
        .collect();
    let mut uf = UnionFind::new(ids.len());
    for m in &old {
        if let (Some(&a), Some(&c)) = (index.get(&m.article), index.get(&m.cluster)) {
            uf.union(a, c);
        }
    }
    let mut touched = Vec::new();
    for (a, b, _) in &links {
        if let (Some(&x), Some(&y)) = (index.get(a), index.get(b)) {
            uf.union(x, y);
            touched.push(x);
        }
    }
    let linked: HashMap<(i64, i64), f64> = links
        .iter()
        .flat_map(|(a, b, c)| [((*a, *b), *c), ((*b, *a), *c)])
        .collect();
    let old_sim: HashMap<i64, f64> = old.iter().map(|m| (m.article, m.similarity)).collect();
    let roots: BTreeSet<u32> = touched.iter().map(|x| uf.find(*x)).collect();
    let mut members = Vec::new();
    for root in roots {
        let idx: Vec<i64> = (0..ids.len() as u32)
            .filter(|i| uf.find(*i) == root)
            .map(|i| ids[i as usize])
            .collect();
        let cluster = *idx.iter().min().expect("a component has a member");
        let ordered = in_date_order(store.summaries(&idx)?);
        let first = ordered[0].article;
        for s in &ordered {
            // The alignment with the first article where it links them,
            // else the lexical similarity stored before.
            let sim = linked
                .get(&(first, s.article))
                .copied()
                .or_else(|| (s.article == first).then_some(1.0))
                .unwrap_or_else(|| old_sim.get(&s.article).copied().unwrap_or(0.0));
            members.push(Membership {
                article: s.article,
                cluster,
                similarity: sim,
            });
        }
    }
    let threshold_lexical = store.narrative_threshold()?.unwrap_or(DEFAULT_THRESHOLD);
    store.save_memberships(threshold_lexical, false, &members)?;
    Ok(links.len())
}

/// Articles by publication date (undated last), then row.
fn in_date_order(mut v: Vec<ArticleSummary>) -> Vec<ArticleSummary> {
    v.sort_by(|a, b| {
        (a.published.is_none(), &a.published, a.article).cmp(&(
            b.published.is_none(),
            &b.published,
            b.article,
        ))
    });
    v
}

/// One article of a cluster.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ClusterArticle {
    /// The article's own id (file name, record id or URL hash).
    pub id: String,
    /// The article's row (what `/v1/articles/{n}` takes).
    pub article: i64,
    /// The outlet's name.
    pub source: Option<String>,
    /// The publication date, ISO 8601.
    pub published: Option<String>,
    /// The article's language code.
    pub language: Option<String>,
    /// The article's headline.
    pub title: String,
    /// Estimated similarity to the cluster's first article.
    pub similarity: f64,
}

/// A cluster as `narratives` prints it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Cluster {
    /// The cluster's id: the smallest article row in it.
    pub cluster: i64,
    /// How many articles it holds.
    pub size: usize,
    /// In the order they first appear.
    pub languages: Vec<String>,
    /// In date order: the first is the first seen.
    pub articles: Vec<ClusterArticle>,
    /// Techniques later versions show that the first does not.
    pub techniques_added: Vec<String>,
    /// Techniques of the first version that some later version lacks.
    pub techniques_dropped: Vec<String>,
}

/// The stored clusters of at least `min_size` articles, largest first
/// (then oldest cluster id), `offset` skipped, at most `limit`.
pub fn clusters(
    store: &dyn CorpusStore,
    min_size: usize,
    limit: usize,
    offset: usize,
) -> Result<(usize, Vec<Cluster>), StoreError> {
    let mut by_cluster: BTreeMap<i64, Vec<Membership>> = BTreeMap::new();
    for m in store.memberships()? {
        by_cluster.entry(m.cluster).or_default().push(m);
    }
    let mut big: Vec<(i64, Vec<Membership>)> = by_cluster
        .into_iter()
        .filter(|(_, v)| v.len() >= min_size.max(1))
        .collect();
    big.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(&b.0)));
    let total = big.len();
    let mut out = Vec::new();
    for (cluster, ms) in big.into_iter().skip(offset).take(limit) {
        let sim: HashMap<i64, f64> = ms.iter().map(|m| (m.article, m.similarity)).collect();
        let ids: Vec<i64> = ms.iter().map(|m| m.article).collect();
        let ordered = in_date_order(store.summaries(&ids)?);
        out.push(describe(cluster, &ordered, &sim));
    }
    Ok((total, out))
}

fn describe(cluster: i64, ordered: &[ArticleSummary], sim: &HashMap<i64, f64>) -> Cluster {
    let mut languages: Vec<String> = Vec::new();
    for a in ordered {
        let l = a.language.clone().unwrap_or_else(|| "und".into());
        if !languages.contains(&l) {
            languages.push(l);
        }
    }
    let first: BTreeSet<&String> = ordered
        .first()
        .map(|a| a.techniques.iter().collect())
        .unwrap_or_default();
    let mut added = BTreeSet::new();
    let mut dropped = BTreeSet::new();
    for later in ordered.iter().skip(1) {
        let here: BTreeSet<&String> = later.techniques.iter().collect();
        added.extend(here.difference(&first).map(|s| s.to_string()));
        dropped.extend(first.difference(&here).map(|s| s.to_string()));
    }
    Cluster {
        cluster,
        size: ordered.len(),
        languages,
        articles: ordered
            .iter()
            .map(|a| ClusterArticle {
                id: a.id.clone(),
                article: a.article,
                source: a.source.clone(),
                published: a.published.clone(),
                language: a.language.clone(),
                title: a.title.clone(),
                similarity: sim.get(&a.article).copied().unwrap_or(1.0),
            })
            .collect(),
        techniques_added: added.into_iter().collect(),
        techniques_dropped: dropped.into_iter().collect(),
    }
}
