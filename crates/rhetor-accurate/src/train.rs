//! Training the stacked heads, and their cross-validation.
//!
//! The heads learn from the fast model's scores, so those scores must come
//! from fast models that did not see the example (out-of-fold), or the
//! heads would learn to trust the fast model's over-confident training
//! fit. [`held_out_fast`] trains one fast model per fold and keeps its
//! probabilities, its own decisions (for reporting the fast model side by
//! side) and its span candidates for the held-out documents.

use crate::embed::DocEmbeddings;
use crate::inputs::{
    frame_fast, frame_input, genre_fast, genre_input, technique_fast, technique_input, Examples,
    FastProbs, FastRules, StackConfig,
};
pub use crate::stack::Candidates;
use crate::stack::{apply, Decisions, StackHeads, StackedMultiLabel, StackedSoftmax};
use rhetor_core::{Document, Frame, Genre, OffsetMap, Task, Technique};
use rhetor_formats::corpus::LabeledDocument;
use rhetor_model::train::{
    fold_assignment, for_each_held_out, frame_targets, technique_targets, unannotated, Progress,
    TrainOptions,
};
pub use rhetor_model::train::{fold_groups, language_groups};
use serde::{Deserialize, Serialize};

/// What a fast model that did not see a document says about it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HeldOutFast {
    /// Its calibrated probabilities.
    pub probs: FastProbs,
    /// That model's decision rules.
    pub rules: FastRules,
    /// Its span tagger's candidate spans of every technique, per paragraph.
    pub candidates: Candidates,
    /// The fast model's own annotation.
    pub prediction: FastDecisions,
}

/// A fast model's annotation of a document, compactly (label indices).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FastDecisions {
    /// Per paragraph: (technique index, probability).
    pub techniques: Vec<Vec<(usize, f32)>>,
    /// (frame index, probability).
    pub frames: Vec<(usize, f32)>,
    /// The genre index and every genre's probability.
    pub genre: Option<(usize, Vec<f32>)>,
    /// (technique, start, end, score) in code points.
    pub spans: Vec<(usize, usize, usize, f32)>,
}

impl FastDecisions {
    fn of(doc: &Document) -> Self {
        FastDecisions {
            techniques: doc
                .paragraphs
                .iter()
                .map(|p| {
                    p.techniques
                        .iter()
                        .map(|t| (t.label.index(), t.score))
                        .collect()
                })
                .collect(),
            frames: doc
                .frames
                .iter()
                .map(|f| (f.label.index(), f.score))
                .collect(),
            genre: doc.genre.as_ref().map(|g| {
                (
                    g.label.index(),
                    Genre::ALL
                        .iter()
                        .map(|k| g.scores.get(k).copied().unwrap_or(0.0))
                        .collect(),
                )
            }),
            spans: doc
                .spans
                .iter()
                .map(|s| (s.technique.index(), s.start, s.end, s.score))
                .collect(),
        }
    }

    /// The annotated document (from its unannotated original).
    pub fn to_document(&self, original: &Document) -> Document {
        let mut d = unannotated(original);
        let dec = Decisions {
            techniques: self
                .techniques
                .iter()
                .map(|ts| {
                    ts.iter()
                        .filter_map(|&(l, s)| Technique::from_index(l).map(|t| (t, s)))
                        .collect()
                })
                .collect(),
            frames: self
                .frames
                .iter()
                .filter_map(|&(l, s)| Frame::from_index(l).map(|f| (f, s)))
                .collect(),
            genre: self
                .genre
                .as_ref()
                .and_then(|(l, p)| Genre::from_index(*l).map(|g| (g, p.clone()))),
        };
        apply(&mut d, dec, None);
        let map = OffsetMap::new(&d.text);
        for &(t, s, e, score) in &self.spans {
            if let Some(t) = Technique::from_index(t) {
                d.add_span(&map, t, s, e, score);
            }
        }
        d.model = Some("fast".to_string());
        d
    }
}

/// For each group of document indices, trains the fast model on all other
/// documents and records what it says about the group's documents.
pub fn held_out_fast(
    docs: &[LabeledDocument],
    groups: &[Vec<usize>],
    opts: &TrainOptions,
    progress: &dyn Progress,
) -> Vec<HeldOutFast> {
    for_each_held_out(docs, groups, opts, progress, |model, labeled| {
        let doc = unannotated(&labeled.doc);
        let mut prediction = doc.clone();
        model.annotate_tasks(&mut prediction, &Task::ALL);
        HeldOutFast {
            probs: FastProbs::with_unseen(model, &doc),
            rules: FastRules::of(model),
            candidates: model.candidate_spans(&doc),
            prediction: FastDecisions::of(&prediction),
        }
    })
}

/// Trains the heads on documents `train` from out-of-fold fast scores
/// (`fast.seen`), scores of fast models that had not seen each document's
/// language (`fast.unseen`), and embeddings.
pub fn fit_heads(
    docs: &[LabeledDocument],
    fast: &FastInputs,
    emb: &[DocEmbeddings],
    train: &[usize],
    cfg: &StackConfig,
) -> StackHeads {
    let (seen, unseen) = (fast.seen, fast.unseen);
    let k = cfg.inner_folds.max(2);
    let groups_all = fold_assignment(docs, k);
    let mut folders: Vec<&str> = train.iter().map(|&i| docs[i].folder.as_str()).collect();
    folders.sort_unstable();
    folders.dedup();
    let lang_of = |i: usize| {
        folders
            .binary_search(&docs[i].folder.as_str())
            .expect("the folder of a training document")
    };

    // Techniques: one example per paragraph of documents with labels.
    let (mut xs, mut un, mut rules, mut ys, mut groups, mut langs) = (
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    for &i in train.iter().filter(|&&i| docs[i].gold.techniques) {
        for (p, par) in docs[i].doc.paragraphs.iter().enumerate() {
            xs.push(technique_input(cfg, &seen[i].probs, &emb[i], p));
            un.push(technique_fast(&unseen[i].probs, p));
            rules.push(unseen[i].rules.techniques.as_slice());
            ys.push(technique_targets(&par.techniques));
            groups.push(groups_all[i]);
            langs.push(lang_of(i));
        }
    }
    let ex = Examples {
        xs: &xs,
        unseen_fast: &un,
        unseen_rules: &rules,
        groups: &groups,
        langs: &langs,
    };
    let techniques = StackedMultiLabel::fit(
        &ex,
        &ys,
        Technique::COUNT,
        &cfg.techniques,
        k,
        cfg.techniques_unseen_mix,
    );
    drop((xs, un, rules, ys));

    let frame_docs: Vec<usize> = train
        .iter()
        .copied()
        .filter(|&i| docs[i].gold.frames)
        .collect();
    // Article-level inputs of the documents `sel`: with seen fast scores,
    // unseen fast scores (`fast_part` of them) and rules, folds and
    // languages.
    type Input = fn(&FastProbs, &DocEmbeddings) -> Vec<f32>;
    type FastPart = fn(&FastProbs) -> Vec<f32>;
    type Rules = fn(&FastRules) -> &[f32];
    let articles = |sel: &[usize], input: Input, fast_part: FastPart, rules: Rules| {
        let xs: Vec<Vec<f32>> = sel
            .iter()
            .map(|&i| input(&seen[i].probs, &emb[i]))
            .collect();
        let un: Vec<Vec<f32>> = sel.iter().map(|&i| fast_part(&unseen[i].probs)).collect();
        let ru: Vec<&[f32]> = sel.iter().map(|&i| rules(&unseen[i].rules)).collect();
        let groups: Vec<usize> = sel.iter().map(|&i| groups_all[i]).collect();
        let langs: Vec<usize> = sel.iter().map(|&i| lang_of(i)).collect();
        (xs, un, ru, groups, langs)
    };
    let (frame_xs, frame_unseen, frame_rules, frame_groups, frame_langs) =
        articles(&frame_docs, frame_input, frame_fast, |r| &r.frames);
    let frame_ys: Vec<Vec<bool>> = frame_docs
        .iter()
        .map(|&i| frame_targets(&docs[i].doc))
        .collect();
    let ex = Examples {
        xs: &frame_xs,
        unseen_fast: &frame_unseen,
        unseen_rules: &frame_rules,
        groups: &frame_groups,
        langs: &frame_langs,
    };
    let frames = StackedMultiLabel::fit(
        &ex,
        &frame_ys,
        Frame::COUNT,
        &cfg.frames,
        k,
        cfg.frames_unseen_mix,
    );

    let genre_docs: Vec<usize> = train
        .iter()
        .copied()
        .filter(|&i| docs[i].gold.genre && docs[i].doc.genre.is_some())
        .collect();
    let (genre_xs, genre_unseen, genre_rules, genre_groups, genre_langs) =
        articles(&genre_docs, genre_input, genre_fast, |r| &r.genre);
    let genre_ys: Vec<usize> = genre_docs
        .iter()
        .map(|&i| docs[i].doc.genre.as_ref().map_or(0, |g| g.label.index()))
        .collect();
    let ex = Examples {
        xs: &genre_xs,
        unseen_fast: &genre_unseen,
        unseen_rules: &genre_rules,
        groups: &genre_groups,
        langs: &genre_langs,
    };
    let genre = StackedSoftmax::fit(&ex, &genre_ys, Genre::COUNT, &cfg.genre, k);
    StackHeads {
        config: cfg.clone(),
        techniques,
        frames,
        genre,
    }
}

/// Fast-model inputs of the heads' training: out-of-fold scores (`seen`)
/// and scores from models that had not seen the document's language.
pub struct FastInputs<'a> {
    /// Out-of-fold fast scores of every training document.
    pub seen: &'a [HeldOutFast],
    /// Scores from fast models that had not seen the document's language.
    pub unseen: &'a [HeldOutFast],
}

/// Held-out predictions of the stacked model: for each group, heads are
/// trained on the other documents and applied to the group, reading
/// `test_fast` (scores of fast models that did not see the group).
/// `unseen_language`: the groups are whole languages (use the heads'
/// unseen-language rules).
#[allow(clippy::too_many_arguments)]
pub fn predict_held_out(
    docs: &[LabeledDocument],
    groups: &[Vec<usize>],
    train_fast: &FastInputs,
    test_fast: &[HeldOutFast],
    emb: &[DocEmbeddings],
    cfg: &StackConfig,
    unseen_language: bool,
    progress: &dyn Progress,
) -> Vec<Document> {
    let mut out: Vec<Option<Document>> = vec![None; docs.len()];
    for test in groups {
        let mut in_test = vec![false; docs.len()];
        test.iter().for_each(|&i| in_test[i] = true);
        let train: Vec<usize> = (0..docs.len()).filter(|&i| !in_test[i]).collect();
        let heads = fit_heads(docs, train_fast, emb, &train, cfg);
        for &i in test {
            let mut d = unannotated(&docs[i].doc);
            let t = &test_fast[i];
            let dec = heads.decide(&t.probs, &t.rules, &emb[i], unseen_language);
            apply(&mut d, dec, Some(&test_fast[i].candidates));
            out[i] = Some(d);
        }
        progress.step("heads");
    }
    out.into_iter()
        .map(|d| d.expect("every document is in exactly one group"))
        .collect()
}

/// Runs [`held_out_fast`] unless a file in `cache_dir` already holds its
/// result for the same documents, groups and options, from the same fast
/// model code (`fast_model_fingerprint`).
pub fn held_out_fast_cached(
    docs: &[LabeledDocument],
    groups: &[Vec<usize>],
    opts: &TrainOptions,
    cache_dir: Option<&std::path::Path>,
    progress: &dyn Progress,
) -> std::io::Result<Vec<HeldOutFast>> {
    let Some(dir) = cache_dir else {
        return Ok(held_out_fast(docs, groups, opts, progress));
    };
    let path = held_out_cache_path(dir, docs, groups, opts, &fast_model_fingerprint());
    if let Some(v) = read_cached(&path, docs.len()) {
        return Ok(v);
    }
    let v = held_out_fast(docs, groups, opts, progress);
    std::fs::create_dir_all(dir)?;
    let bytes = postcard::to_allocvec(&v).map_err(std::io::Error::other)?;
    rhetor_formats::atomic::write_atomic(&path, bytes)?;
    Ok(v)
}

/// The held-out fast scores of `n` documents cached in `path`, if it
/// holds them.
fn read_cached(path: &std::path::Path, n: usize) -> Option<Vec<HeldOutFast>> {
    let bytes = std::fs::read(path).ok()?;
    match postcard::take_from_bytes::<Vec<HeldOutFast>>(&bytes) {
        Ok((v, [])) if v.len() == n => Some(v),
        _ => None,
    }
}

/// What identifies the fast model's training and decisions: its file
/// format version and a hash of the shipped `models/fast.bin`. That file
/// is rebuilt bit for bit by `rhetor train` from the training code, so a
/// change to how the fast model trains, calibrates or decides changes it
/// (and with it every cache key of [`held_out_fast_cached`]); a change
/// elsewhere leaves the caches valid. Not covered: a change to inference
/// code whose parameters are not in the file (e.g. how spans are decided
/// from the tagger's probabilities) changes the cached decisions without
/// changing the file; such a change bumps the layout number in
/// [`held_out_cache_path`].
fn fast_model_fingerprint() -> Vec<u8> {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(rhetor_model::FORMAT_VERSION.to_le_bytes());
    h.update(rhetor_model::shipped_bytes());
    h.finalize().to_vec()
}

/// The cache file of [`held_out_fast_cached`] for these documents,
/// groups, options and fast model (`fingerprint`).
fn held_out_cache_path(
    dir: &std::path::Path,
    docs: &[LabeledDocument],
    groups: &[Vec<usize>],
    opts: &TrainOptions,
    fingerprint: &[u8],
) -> std::path::PathBuf {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    // The layout of what is cached (2: with the fast model's rules; 3:
    // postcard; 4: with the fast model's unseen-language techniques
    // calibration and thresholds, and keyed by the fast model).
    h.update(4u32.to_le_bytes());
    h.update(fingerprint);
    h.update(format!("{opts:?}").as_bytes());
    for g in groups {
        for &i in g {
            let d = &docs[i];
            h.update(format!("{}/{}:{};", d.folder, d.doc.id, d.doc.text.len()).as_bytes());
        }
        h.update(b"|");
    }
    let tag: String = h.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    dir.join(format!("fast-held-out-{tag}.bin"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rhetor_formats::corpus::Gold;

    fn doc(id: &str, folder: &str) -> LabeledDocument {
        LabeledDocument {
            doc: Document::from_title_and_body(id, "A title", "One paragraph.\nAnother one."),
            folder: folder.into(),
            gold: Gold {
                genre: true,
                frames: true,
                techniques: true,
                spans: false,
            },
        }
    }

    fn held_out(p: f32) -> HeldOutFast {
        HeldOutFast {
            probs: FastProbs {
                techniques: vec![vec![p; 23]; 3],
                unseen_techniques: vec![vec![p / 2.0; 23]; 3],
                frames: vec![p; 14],
                genre: vec![1.0 / 3.0; 3],
            },
            rules: FastRules {
                techniques: vec![0.5; 23],
                unseen_techniques: vec![0.4; 23],
                frames: vec![0.5; 14],
                genre: vec![0.0; 3],
            },
            candidates: vec![vec![Vec::new(); 23]; 3],
            prediction: FastDecisions {
                techniques: vec![Vec::new(); 3],
                frames: Vec::new(),
                genre: None,
                spans: Vec::new(),
            },
        }
    }

    #[test]
    fn a_changed_fast_model_misses_the_cache() {
        let dir = tempfile::tempdir().unwrap();
        let docs = vec![doc("1", "en"), doc("2", "fr")];
        let groups = language_groups(&docs);
        let opts = TrainOptions::default();
        let key = |fingerprint: &[u8]| {
            held_out_cache_path(dir.path(), &docs, &groups, &opts, fingerprint)
        };
        let old = key(b"fast model A");
        let cached = vec![held_out(0.25), held_out(0.75)];
        rhetor_formats::atomic::write_atomic(&old, postcard::to_allocvec(&cached).unwrap())
            .unwrap();
        // The same fast model reads its entry back, whole.
        assert_eq!(key(b"fast model A"), old);
        let back = read_cached(&old, docs.len()).expect("the entry just written");
        assert_eq!(back[1].probs, cached[1].probs);
        assert_eq!(back[1].rules, cached[1].rules);
        // Another fast model (retrained, or decided differently) has
        // another entry, not yet written: the scores are computed again,
        // and the old entry stays for the old model.
        let new = key(b"fast model B");
        assert_ne!(new, old);
        assert!(read_cached(&new, docs.len()).is_none());
        assert!(read_cached(&old, docs.len()).is_some());
        // Other groups or options are other entries too; an entry for
        // another number of documents is refused.
        let one = vec![vec![0, 1]];
        assert_ne!(
            held_out_cache_path(dir.path(), &docs, &one, &opts, b"fast model A"),
            old
        );
        let seeded = TrainOptions::default().with_seed(7);
        assert_ne!(
            held_out_cache_path(dir.path(), &docs, &groups, &seeded, b"fast model A"),
            old
        );
        assert!(read_cached(&old, 3).is_none());
        // The shipped model's fingerprint is stable within a build.
        assert_eq!(fast_model_fingerprint(), fast_model_fingerprint());
        assert_eq!(fast_model_fingerprint().len(), 32);
    }
}
