//! Variants of the accurate model's decisions measured for issue 15
//! (docs/evaluation.md), from the caches `rhetor train --model accurate`
//! fills (`~/.cache/rhetor/train`; the encoder in
//! `~/.cache/rhetor/multilingual-e5-small`).
//!
//! `cargo run --release -p rhetor-accurate --example accurate_labels_lab -- DATA MODE`
//!
//! - `lolo-dump`, then `lolo`: leave-one-language-out techniques decisions
//!   for languages never trained on (heads fitted without the language;
//!   the parts of each rule dumped once, then every variant scored from
//!   the dump in a second; `EXTRA=1` adds the embedding term weighted
//!   more and the per-corpus label-density rule);
//! - `frames`: the frames head's 5-fold CV with the variants in
//!   `VARIANTS` (comma-separated; `base`, `l2=`, `ep=`, `lr=`, `seed=`,
//!   `nobal`, `+max` paragraph max-pooling, `+tmean`/`+tmax` the fast
//!   model's technique probabilities, `+genre` its genre probabilities,
//!   `+min1` at least one frame, `+topK` at most K; `bag=K` K models on
//!   bootstrap samples averaged, `seeds=K` on all examples with K seeds;
//!   `+title` the title's embedding, `+lead` the mean of the first three
//!   paragraphs after it, `+body` of all after it; `+knn` the frames of
//!   the `KNN_K` (20) nearest training articles; `+lang` the language as
//!   one-hot inputs; `+ffast` every fast frame log-odds as embedding-side
//!   inputs; `para` the embedding model trained on paragraphs given their
//!   article's frames (`+notitle` without titles); `+s2` a second stage
//!   on all 14 blended log-odds; `+thrT` one threshold T for every frame;
//!   `+langshift` a per-language decision shift chosen on inner folds;
//!   `mlp=H` a one-hidden-layer embedding model of H ReLU units,
//!   `drop=P` its dropout, `skip` a linear path beside it, `+avg` it and
//!   the linear model trained apart, logits averaged; `SCOPE=cv|lolo|both`
//!   5-fold CV and/or leave-one-language-out);
//! - `tech`: the techniques head with a linear or one-hidden-layer
//!   embedding model (see [`tech_mlp`]), `SCOPE=cv|lolo|both`;
//! - `period`: the leave-one-period-out proxy (articles whose latest
//!   written year is 2022 or later, predicted by models trained on the
//!   others) beside the same articles' 5-fold CV scores;
//! - `centre`: the heads' embedding inputs centred per language (or per
//!   article, standardised, or with the language subspace projected out),
//!   scored by leave-one-language-out and/or 5-fold CV (`SCOPE=lolo|cv|both`)
//!   for the variants in `VARIANTS` (`;`-separated; see [`Centring`];
//!   `TECH=SPEC`: the techniques head on centring SPEC whatever the variant);
//! - `anchor`: the techniques head's unseen-language rule read from the
//!   fast model's unseen-language decision, leave-one-language-out, for
//!   the variants in `VARIANTS` (`;`-separated: `base` as shipped;
//!   `ucal` anchored on the fast model's unseen-language calibration and
//!   thresholds; `+mix=M` the mix with the blend; `+w0` the anchor's
//!   embedding weight forced to 0; `+blendu` the blend reads the unseen
//!   calibration too; `+fth` the mixed rule decided by the anchored
//!   rule's thresholds alone; `nestrule` one of `base`, `ucal`,
//!   `ucal+w0`, `ucal+fth`, `ucal+w0+fth` chosen per held-out language
//!   by leaving each training language out in turn; `+nestmix` the mix chosen per held-out language by
//!   leave-one-language-out over the training languages);
//! - `self`: self-training on the text of a language never trained on,
//!   leave-one-language-out (see [`self_training`]; `VARIANTS`
//!   `,`-separated, `SEEDS`, `NESTED=1` the nested choice);
//! - `show FILE`: a heads file's unseen-language parameters.
use rhetor_accurate::embed::{article_embedding, DocEmbeddings, EmbeddingCache};
use rhetor_accurate::inputs::{frame_input, technique_fast, technique_input, StackConfig};
use rhetor_accurate::train::{
    fit_heads, fold_groups, held_out_fast_cached, language_groups, FastInputs,
};
use rhetor_encoder::Encoder;
use rhetor_model::train::{frame_targets, technique_targets, Silent, TrainOptions};
use serde::{Deserialize, Serialize};
use std::ops::Range;
use std::path::PathBuf;

#[derive(Serialize, Deserialize)]
struct TechRow {
    lang: usize,
    doc: usize,
    fast: Vec<f32>,
    z: Vec<f32>,
    shifted: Vec<f32>,
    th: Vec<f32>,
    gold: Vec<bool>,
    blend: Vec<f32>,
    blend_th: Vec<f32>,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let data = PathBuf::from(&args[0]);
    let mode = args[1].as_str();
    let home = PathBuf::from(std::env::var("HOME")?);
    let cache_dir = home.join(".cache/rhetor/train");
    let docs = rhetor_formats::corpus::load_dataset(&data, None)?;
    let mut folders: Vec<String> = docs.iter().map(|d| d.folder.clone()).collect();
    folders.sort();
    folders.dedup();
    if mode == "show" {
        let h = rhetor_accurate::AccurateHeads::load(std::path::Path::new(&args[2]))?;
        println!(
            "techniques mix {} anchor {} {}; frames mix {} anchor {} {}",
            h.heads.techniques.unseen_mix,
            h.heads.techniques.unseen.weight,
            h.heads.techniques.unseen.centered,
            h.heads.frames.unseen_mix,
            h.heads.frames.unseen.weight,
            h.heads.frames.unseen.centered
        );
        return Ok(());
    }
    if mode == "period" {
        return period(&docs, &cache_dir);
    }
    if mode == "frames" {
        return frames(&docs, &folders, &cache_dir);
    }
    if mode == "tech" {
        return tech_mlp(&docs, &folders, &cache_dir);
    }
    if mode == "self" {
        return self_training(&docs, &folders, &cache_dir);
    }
    if mode == "centre" {
        return centre(&docs, &folders, &cache_dir);
    }
    if mode == "anchor" {
        return anchor_variants(&docs, &folders, &cache_dir);
    }
    let dump_path = cache_dir.join("labels-lab-lolo-techniques.bin");
    let rows: Vec<TechRow> = if mode == "lolo-dump" || !dump_path.exists() {
        let encoder = Encoder::load(
            &PathBuf::from(std::env::var("HOME")?).join(".cache/rhetor/multilingual-e5-small"),
        )?;
        let mut cache = EmbeddingCache::for_encoder(&cache_dir, &encoder)?;
        let emb: Vec<DocEmbeddings> = cache.embed_corpus(&encoder, &docs, &|_, _| {})?;
        let opts = TrainOptions::default().with_seed(13);
        let groups = fold_groups(&docs, 5);
        let oof = held_out_fast_cached(&docs, &groups, &opts, Some(&cache_dir), &Silent)?;
        let lang = language_groups(&docs);
        let lolo = held_out_fast_cached(&docs, &lang, &opts, Some(&cache_dir), &Silent)?;
        let inputs = FastInputs {
            seen: &oof,
            unseen: &lolo,
        };
        let mut cfg = StackConfig::default();
        for c in [&mut cfg.techniques, &mut cfg.frames, &mut cfg.genre] {
            c.seed = 13;
        }
        let mut rows = Vec::new();
        for test in &lang {
            let mut in_test = vec![false; docs.len()];
            test.iter().for_each(|&i| in_test[i] = true);
            let train: Vec<usize> = (0..docs.len()).filter(|&i| !in_test[i]).collect();
            let t0 = std::time::Instant::now();
            let heads = fit_heads(&docs, &inputs, &emb, &train, &cfg);
            eprintln!(
                "heads in {:.1}s; anchor {:?} {}",
                t0.elapsed().as_secs_f64(),
                heads.techniques.unseen.weight,
                heads.techniques.unseen.centered
            );
            let h = &heads.techniques;
            for &i in test.iter().filter(|&&i| docs[i].gold.techniques) {
                let l = folders.iter().position(|f| f == &docs[i].folder).unwrap();
                for (p, par) in docs[i].doc.paragraphs.iter().enumerate() {
                    let x = technique_input(&cfg, &lolo[i].probs, &emb[i], p);
                    let z = h.linear.scores(&x[h.fast_dims..]);
                    let fast = technique_fast(&lolo[i].probs, p);
                    rows.push(TechRow {
                        lang: l,
                        doc: i,
                        shifted: h.unseen.shifted(&fast, &z),
                        blend: h.seen.probs(&fast, &z),
                        blend_th: h.seen.thresholds.clone(),
                        fast,
                        z,
                        th: lolo[i].rules.techniques.clone(),
                        gold: technique_targets(&par.techniques),
                    });
                }
            }
            let _ = (frame_input, frame_targets);
        }
        rhetor_formats::atomic::write_atomic(&dump_path, postcard::to_allocvec(&rows)?)?;
        rows
    } else {
        postcard::from_bytes(&std::fs::read(&dump_path)?)?
    };
    let nl = folders.len();
    let logit = |p: f32| {
        let p = p.clamp(1e-6, 1.0 - 1e-6);
        (p / (1.0 - p)).ln()
    };
    let eval = |name: &str, decide: &dyn Fn(&TechRow) -> Vec<usize>| {
        let mut c = vec![[0usize; 3]; nl];
        for r in &rows {
            let d = decide(r);
            tally(&mut c[r.lang], d.iter().copied(), &r.gold);
        }
        let (all, by_language) = micro_f1_by_language(&c, &folders);
        println!("{name:<36} all {all:.4} | {by_language}");
        all
    };
    // margin-ranked decision over scores `s` vs thresholds (logits), with shift and cap
    let decide = |s: &[f32], th: &[f32], delta: f32, cap: usize| -> Vec<usize> {
        let mut d: Vec<(usize, f32)> = (0..s.len())
            .filter(|&l| s[l] + delta >= logit(th[l]))
            .map(|l| (l, s[l] - logit(th[l])))
            .collect();
        d.sort_by(|a, b| b.1.total_cmp(&a.1));
        d.into_iter().take(cap).map(|x| x.0).collect()
    };
    eval("fast", &|r| decide(&r.fast, &r.th, 0.0, 3));
    eval("anchor (shipped rule)", &|r| {
        decide(&r.shifted, &r.th, 0.0, 3)
    });
    eval("anchor no cap", &|r| decide(&r.shifted, &r.th, 0.0, 99));
    let bl = |r: &TechRow| r.blend.iter().map(|&p| logit(p)).collect::<Vec<f32>>();
    eval("seen blend", &|r| decide(&bl(r), &r.blend_th, 0.0, 3));
    // margins of both rules, mixed
    let margins = |r: &TechRow, mix: f32| -> Vec<f32> {
        let b = bl(r);
        (0..r.fast.len())
            .map(|l| {
                (1.0 - mix) * (r.shifted[l] - logit(r.th[l])) + mix * (b[l] - logit(r.blend_th[l]))
            })
            .collect()
    };
    let zeros = [0.5f32; 23];
    for mix in [0.25f32, 0.4, 0.5, 0.6, 0.75] {
        for d in [0.0f32, 0.125, 0.25, 0.375, 0.5] {
            for cap in [3usize, 4] {
                eval(&format!("margin mix {mix} shift {d} cap {cap}"), &|r| {
                    decide(&margins(r, mix), &zeros, d, cap)
                });
            }
        }
    }
    if std::env::var_os("EXTRA").is_some() {
        // The embedding head weighted more: the anchored rule's embedding
        // term scaled by k.
        for k in [1.5f32, 2.0, 3.0] {
            let more = |r: &TechRow| -> Vec<f32> {
                (0..r.fast.len())
                    .map(|l| r.fast[l] + k * (r.shifted[l] - r.fast[l]))
                    .collect()
            };
            eval(&format!("anchor, embedding term x{k}"), &|r| {
                decide(&more(r), &r.th, 0.0, 3)
            });
            eval(&format!("anchor x{k}, mixed 0.5 with blend"), &|r| {
                let b = bl(r);
                let m = more(r);
                let s: Vec<f32> = (0..r.fast.len())
                    .map(|l| 0.5 * (m[l] - logit(r.th[l])) + 0.5 * (b[l] - logit(r.blend_th[l])))
                    .collect();
                decide(&s, &zeros, 0.0, 3)
            });
        }
        // Per-corpus label density from the scores: in each held-out
        // language, label l goes to the c × Σ p_l paragraphs with the
        // highest margin (p from the blend, the anchored rule or both).
        let margin_of = |r: &TechRow, which: usize| -> Vec<f32> {
            match which {
                0 => bl(r)
                    .iter()
                    .zip(&r.blend_th)
                    .map(|(b, t)| b - logit(*t))
                    .collect(),
                1 => r
                    .shifted
                    .iter()
                    .zip(&r.th)
                    .map(|(s, t)| s - logit(*t))
                    .collect(),
                _ => margins(r, 0.5),
            }
        };
        let prob_of = |r: &TechRow, which: usize| -> Vec<f32> {
            match which {
                0 => r.blend.clone(),
                1 => r
                    .shifted
                    .iter()
                    .map(|&s| rhetor_model::math::sigmoid(s))
                    .collect(),
                _ => {
                    let b = bl(r);
                    (0..r.fast.len())
                        .map(|l| rhetor_model::math::sigmoid(0.5 * b[l] + 0.5 * r.shifted[l]))
                        .collect()
                }
            }
        };
        for which in 0..3 {
            for c in [1.0f32, 1.5, 2.0, 2.5, 3.0] {
                // chosen[row] = labels
                let mut chosen: Vec<Vec<usize>> = vec![Vec::new(); rows.len()];
                for lang in 0..nl {
                    let idx: Vec<usize> =
                        (0..rows.len()).filter(|&i| rows[i].lang == lang).collect();
                    for l in 0..23 {
                        let expect: f32 = idx.iter().map(|&i| prob_of(&rows[i], which)[l]).sum();
                        let n = (c * expect).round() as usize;
                        let mut m: Vec<(f32, usize)> = idx
                            .iter()
                            .map(|&i| (margin_of(&rows[i], which)[l], i))
                            .collect();
                        m.sort_by(|a, b| b.0.total_cmp(&a.0));
                        for &(_, i) in m.iter().take(n) {
                            chosen[i].push(l);
                        }
                    }
                }
                let pos = std::cell::Cell::new(0usize);
                let _ = &pos;
                let lookup: std::collections::HashMap<*const TechRow, usize> = rows
                    .iter()
                    .enumerate()
                    .map(|(i, r)| (r as *const TechRow, i))
                    .collect();
                eval(&format!("density prior src {which} c {c}"), &|r| {
                    let i = lookup[&(r as *const TechRow)];
                    let mg = margin_of(r, which);
                    let mut d = chosen[i].clone();
                    d.sort_by(|a, b| mg[*b].total_cmp(&mg[*a]));
                    d.truncate(3);
                    d
                });
            }
        }
    }
    if std::env::var_os("MORE").is_none() {
        return Ok(());
    }
    for d in [-0.5f32, -0.25, 0.25, 0.5, 0.75, 1.0] {
        eval(&format!("anchor shift {d}"), &|r| {
            decide(&r.shifted, &r.th, d, 3)
        });
        eval(&format!("seen blend shift {d}"), &|r| {
            decide(&bl(r), &r.blend_th, d, 3)
        });
    }
    Ok(())
}

type Loaded = (
    Vec<DocEmbeddings>,
    Vec<rhetor_accurate::train::HeldOutFast>,
    Vec<rhetor_accurate::train::HeldOutFast>,
);

fn load(
    docs: &[rhetor_formats::corpus::LabeledDocument],
    cache_dir: &std::path::Path,
) -> Result<Loaded, Box<dyn std::error::Error>> {
    let encoder = Encoder::load(
        &PathBuf::from(std::env::var("HOME")?).join(".cache/rhetor/multilingual-e5-small"),
    )?;
    let mut cache = EmbeddingCache::for_encoder(cache_dir, &encoder)?;
    let emb: Vec<DocEmbeddings> = cache.embed_corpus(&encoder, docs, &|_, _| {})?;
    let opts = TrainOptions::default().with_seed(13);
    let oof = held_out_fast_cached(docs, &fold_groups(docs, 5), &opts, Some(cache_dir), &Silent)?;
    let lolo = held_out_fast_cached(
        docs,
        &language_groups(docs),
        &opts,
        Some(cache_dir),
        &Silent,
    )?;
    Ok((emb, oof, lolo))
}

fn frames(
    docs: &[rhetor_formats::corpus::LabeledDocument],
    folders: &[String],
    cache_dir: &std::path::Path,
) -> Result<(), Box<dyn std::error::Error>> {
    use rhetor_accurate::dense::{train_mlp_multilabel, DenseConfig, MlpConfig};
    use rhetor_accurate::inputs::{frame_fast, Examples, FastProbs};
    use rhetor_accurate::stack::StackedMultiLabel;
    use rhetor_model::train::fold_assignment;
    let (emb, oof, lolo) = load(docs, cache_dir)?;
    let nl = folders.len();
    let lang_all = language_index(docs, folders);
    let inner = fold_assignment(docs, 4);
    let outer = fold_groups(docs, 5);
    let maxpool = |e: &DocEmbeddings| -> Vec<f32> {
        let d = e.article.len();
        let mut m = vec![f32::MIN; d];
        for p in &e.paragraphs {
            for (a, b) in m.iter_mut().zip(p) {
                *a = a.max(*b);
            }
        }
        m
    };
    let tech_mean = |f: &FastProbs| -> Vec<f32> {
        let n = f.techniques.len().max(1) as f32;
        let mut m = vec![0f32; 23];
        for p in &f.techniques {
            for (a, b) in m.iter_mut().zip(p) {
                *a += b / n;
            }
        }
        m
    };
    let tech_max = |f: &FastProbs| -> Vec<f32> {
        let mut m = vec![0f32; 23];
        for p in &f.techniques {
            for (a, b) in m.iter_mut().zip(p) {
                *a = a.max(*b);
            }
        }
        m
    };
    // Mean of the first `n` paragraphs after the title (0: all after it),
    // normalised.
    let lead = |e: &DocEmbeddings, n: usize| -> Vec<f32> {
        let body = &e.paragraphs[1.min(e.paragraphs.len())..];
        let take = if n == 0 {
            body.len()
        } else {
            n.min(body.len())
        };
        let src = if take == 0 {
            &e.paragraphs[..]
        } else {
            &body[..take]
        };
        article_embedding(src, e.article.len())
    };
    let knn_k: usize = std::env::var("KNN_K")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let knn = if variant_list().contains("knn") {
        knn_votes(docs, &emb, &outer, knn_k)
    } else {
        Vec::new()
    };
    let fold_now = std::cell::Cell::new(0usize);
    let variant = variant_list();
    for v in variant.split(',') {
        let mut l2 = 0.1f32;
        let mut epochs = 40usize;
        let mut feats: Vec<&str> = Vec::new();
        let mut lr = 2e-3f32;
        let mut balanced = true;
        let (mut bags, mut bootstrap) = (1usize, true);
        let mut seed = 13u64;
        let (mut hidden, mut dropout, mut skip) = (0usize, 0f32, false);
        for part in v.split('+') {
            if let Some(x) = part.strip_prefix("mlp=") {
                hidden = x.parse()?;
            } else if let Some(x) = part.strip_prefix("drop=") {
                dropout = x.parse()?;
            } else if part == "skip" {
                skip = true;
            } else if let Some(x) = part.strip_prefix("l2=") {
                l2 = x.parse()?;
            } else if let Some(x) = part.strip_prefix("ep=") {
                epochs = x.parse()?;
            } else if let Some(x) = part.strip_prefix("lr=") {
                lr = x.parse()?;
            } else if let Some(x) = part.strip_prefix("seed=") {
                seed = x.parse()?;
            } else if let Some(x) = part.strip_prefix("bag=") {
                bags = x.parse()?;
            } else if let Some(x) = part.strip_prefix("seeds=") {
                bags = x.parse()?;
                bootstrap = false;
            } else if part == "nobal" {
                balanced = false;
            } else if part != "base" {
                feats.push(part);
            }
        }
        let skip_title = feats.contains(&"notitle");
        let lg = |p: f32| {
            let p = p.clamp(1e-6, 1.0 - 1e-6);
            (p / (1.0 - p)).ln()
        };
        let input = |i: usize, fast: &FastProbs| -> Vec<f32> {
            let mut x = frame_input(fast, &emb[i]);
            for f in &feats {
                match *f {
                    "max" => x.extend(maxpool(&emb[i])),
                    "tmean" => x.extend(tech_mean(fast)),
                    "tmax" => x.extend(tech_max(fast)),
                    "genre" => x.extend(fast.genre.iter().copied()),
                    "title" => x.extend(emb[i].paragraphs[0].iter().copied()),
                    "lang" => x.extend((0..nl).map(|l| (l == lang_all[i]) as u8 as f32)),
                    "ffast" => x.extend(frame_fast(fast)),
                    "lead" => x.extend(lead(&emb[i], 3)),
                    "body" => x.extend(lead(&emb[i], 0)),
                    "knn" => x.extend(knn[fold_now.get()][i].iter().copied()),
                    f if f == "min1"
                        || f == "s2"
                        || f == "langshift"
                        || f == "para"
                        || f == "notitle"
                        || f == "avg"
                        || f.starts_with("top")
                        || f.starts_with("thr") => {}
                    _ => panic!("unknown {f}"),
                }
            }
            x
        };
        let cfg = DenseConfig {
            epochs,
            l2,
            seed,
            learning_rate: lr,
            balanced,
            ..DenseConfig::default()
        };
        let mcfg = MlpConfig {
            dense: cfg.clone(),
            hidden,
            dropout,
            skip,
        };
        for scope in frame_scopes() {
            let lolo_scope = scope == "lolo";
            let groups_now = if lolo_scope {
                language_groups(docs)
            } else {
                outer.clone()
            };
            let test_fast = if lolo_scope { &lolo } else { &oof };
            let mut c = vec![[0usize; 3]; nl];
            let t0 = std::time::Instant::now();
            for (f, test) in groups_now.iter().enumerate() {
                fold_now.set(f);
                let mut in_test = vec![false; docs.len()];
                test.iter().for_each(|&i| in_test[i] = true);
                let train: Vec<usize> = (0..docs.len())
                    .filter(|&i| !in_test[i] && docs[i].gold.frames)
                    .collect();
                let mut tf: Vec<&str> = train.iter().map(|&i| docs[i].folder.as_str()).collect();
                tf.sort_unstable();
                tf.dedup();
                let lang_of = |i: usize| tf.binary_search(&docs[i].folder.as_str()).unwrap();
                let xs: Vec<Vec<f32>> = train.iter().map(|&i| input(i, &oof[i].probs)).collect();
                let un: Vec<Vec<f32>> = train.iter().map(|&i| frame_fast(&lolo[i].probs)).collect();
                let ru: Vec<&[f32]> = train
                    .iter()
                    .map(|&i| lolo[i].rules.frames.as_slice())
                    .collect();
                let groups: Vec<usize> = train.iter().map(|&i| inner[i]).collect();
                let langs: Vec<usize> = train.iter().map(|&i| lang_of(i)).collect();
                let ys: Vec<Vec<bool>> =
                    train.iter().map(|&i| frame_targets(&docs[i].doc)).collect();
                let ex = Examples {
                    xs: &xs,
                    unseen_fast: &un,
                    unseen_rules: &ru,
                    groups: &groups,
                    langs: &langs,
                };
                let head = if hidden > 0 && feats.contains(&"avg") {
                    FramesHead::Avg(StackedMultiLabel::fit_with(&ex, &ys, 14, 4, 0.0, |e, t| {
                        LinearAndMlp(
                            rhetor_accurate::dense::train_multilabel(e, &ys, 14, t, &cfg),
                            train_mlp_multilabel(e, &ys, 14, t, &mcfg),
                        )
                    }))
                } else if hidden > 0 {
                    FramesHead::Mlp(StackedMultiLabel::fit_with(&ex, &ys, 14, 4, 0.0, |e, t| {
                        train_mlp_multilabel(e, &ys, 14, t, &mcfg)
                    }))
                } else if feats.contains(&"para") {
                    // The embedding model trained on paragraphs, each given its
                    // article's frames, applied to the article embedding.
                    StackedMultiLabel::fit_with(&ex, &ys, 14, 4, 0.0, |_, t| {
                        let mut px = Vec::new();
                        let mut py = Vec::new();
                        for &a in t {
                            let i = train[a];
                            let n = emb[i].paragraphs.len();
                            for (p, e) in emb[i].paragraphs.iter().enumerate() {
                                if skip_title && p == 0 && n > 1 {
                                    continue;
                                }
                                px.push(e.clone());
                                py.push(ys[a].clone());
                            }
                        }
                        let all: Vec<usize> = (0..px.len()).collect();
                        rhetor_accurate::dense::train_multilabel(&px, &py, 14, &all, &cfg)
                    })
                    .into()
                } else if bags > 1 {
                    StackedMultiLabel::fit_with(&ex, &ys, 14, 4, 0.0, |e, t| {
                        bagged(e, &ys, t, &cfg, bags, bootstrap)
                    })
                    .into()
                } else {
                    StackedMultiLabel::fit(&ex, &ys, 14, &cfg, 4, 0.0).into()
                };
                // Second stage (`s2`): per label, a logistic regression on all
                // 14 blended log-odds (frames co-occur), trained on the head's
                // out-of-fold probabilities over the training articles (inner
                // folds), its thresholds tuned there for micro-F1.
                let nested = (feats.contains(&"s2") || feats.contains(&"langshift")).then(|| {
                    let mut oofp: Vec<Vec<f32>> = vec![Vec::new(); train.len()];
                    for g in 0..4 {
                        let fit_idx: Vec<usize> =
                            (0..train.len()).filter(|&a| groups[a] != g).collect();
                        let sub = |v: &[Vec<f32>]| -> Vec<Vec<f32>> {
                            fit_idx.iter().map(|&a| v[a].clone()).collect()
                        };
                        let (sx, su) = (sub(&xs), sub(&un));
                        let sr: Vec<&[f32]> = fit_idx.iter().map(|&a| ru[a]).collect();
                        let sg: Vec<usize> = fit_idx
                            .iter()
                            .map(|&a| groups[a] - (groups[a] > g) as usize)
                            .collect();
                        let sl: Vec<usize> = fit_idx.iter().map(|&a| langs[a]).collect();
                        let sy: Vec<Vec<bool>> = fit_idx.iter().map(|&a| ys[a].clone()).collect();
                        let ex2 = Examples {
                            xs: &sx,
                            unseen_fast: &su,
                            unseen_rules: &sr,
                            groups: &sg,
                            langs: &sl,
                        };
                        let h = StackedMultiLabel::fit(&ex2, &sy, 14, &cfg, 3, 0.0);
                        for a in (0..train.len()).filter(|&a| groups[a] == g) {
                            oofp[a] = h.probs(&xs[a], false).iter().map(|&p| lg(p)).collect();
                        }
                    }
                    oofp
                });
                let s2 = feats.contains(&"s2").then(|| {
                    let oofp = nested.as_ref().expect("nested");
                    let c2 = DenseConfig {
                        epochs: 60,
                        l2: 0.01,
                        balanced: false,
                        seed: 13,
                        ..DenseConfig::default()
                    };
                    let all: Vec<usize> = (0..train.len()).collect();
                    let m = rhetor_accurate::dense::train_multilabel(oofp, &ys, 14, &all, &c2);
                    let pp: Vec<Vec<f32>> = oofp
                        .iter()
                        .map(|x| {
                            m.scores(x)
                                .into_iter()
                                .map(rhetor_model::math::sigmoid)
                                .collect()
                        })
                        .collect();
                    let th = rhetor_model::calibrate::micro_thresholds(&pp, &ys, 14);
                    (m, th)
                });
                // Per training language, one log-odds shift of every frame's
                // decision (`langshift`), chosen on the inner-fold probabilities
                // of that language's training articles for its micro-F1.
                let shift_of: Vec<f32> = match (&nested, feats.contains(&"langshift")) {
                    (Some(oofp), true) => (0..tf.len())
                        .map(|lang| {
                            let rows: Vec<usize> =
                                (0..train.len()).filter(|&a| langs[a] == lang).collect();
                            let f1 = |d: f32| {
                                let (mut tp, mut np, mut ng) = (0usize, 0usize, 0usize);
                                for &a in &rows {
                                    for l in 0..14 {
                                        let on = oofp[a][l] + d >= lg(head.thresholds()[l]);
                                        np += on as usize;
                                        ng += ys[a][l] as usize;
                                        tp += (on && ys[a][l]) as usize;
                                    }
                                }
                                2.0 * tp as f64 / (np + ng).max(1) as f64
                            };
                            let grid: Vec<f32> = (-8..=8).map(|k| k as f32 * 0.125).collect();
                            let best = grid.iter().map(|&d| f1(d)).fold(f64::MIN, f64::max);
                            let ties: Vec<f32> = grid
                                .iter()
                                .copied()
                                .filter(|&d| f1(d) > best - 1e-9)
                                .collect();
                            ties[ties.len() / 2]
                        })
                        .collect(),
                    _ => Vec::new(),
                };
                if !shift_of.is_empty() {
                    eprintln!("fold shifts {tf:?} {shift_of:?}");
                }
                for &i in test.iter().filter(|&&i| docs[i].gold.frames) {
                    let x = input(i, &test_fast[i].probs);
                    let mut p = head.probs(&x, lolo_scope);
                    if !shift_of.is_empty() {
                        let d = shift_of[lang_of(i)];
                        p = p
                            .iter()
                            .map(|&v| rhetor_model::math::sigmoid(lg(v) + d))
                            .collect();
                    }
                    let mut d = if let Some((m, th)) = &s2 {
                        let z: Vec<f32> = p.iter().map(|&v| lg(v)).collect();
                        p = m
                            .scores(&z)
                            .into_iter()
                            .map(rhetor_model::math::sigmoid)
                            .collect();
                        rhetor_model::calibrate::decide_multilabel(&p, th)
                    } else if let Some(t) = feats
                        .iter()
                        .find_map(|f| f.strip_prefix("thr").and_then(|t| t.parse::<f32>().ok()))
                    {
                        // One threshold shared by every frame.
                        rhetor_model::calibrate::decide_multilabel(&p, &[t; 14])
                    } else if lolo_scope {
                        let mut d = head.decide(&p, true, &test_fast[i].rules.frames);
                        d.truncate(rhetor_model::UNSEEN_MAX_FRAMES);
                        d
                    } else {
                        head.decide(&p, false, &[])
                    };
                    if feats.contains(&"min1") && d.is_empty() {
                        let best = (0..p.len()).max_by(|&a, &b| p[a].total_cmp(&p[b])).unwrap();
                        d.push((best, p[best]));
                    }
                    if let Some(k) = feats
                        .iter()
                        .find_map(|f| f.strip_prefix("top").and_then(|k| k.parse::<usize>().ok()))
                    {
                        d.truncate(k);
                    }
                    let g = frame_targets(&docs[i].doc);
                    tally(&mut c[lang_all[i]], d.iter().map(|&(l, _)| l), &g);
                }
            }
            let (all, by_language) = micro_f1_by_language(&c, folders);
            println!(
                "frames {scope:<4} {v:<28} all {all:.4} | {by_language} ({:.0}s)",
                t0.elapsed().as_secs_f64()
            );
        }
    }
    Ok(())
}

/// `SCOPE` of the `frames` mode: `cv` (5-fold CV, the default), `lolo`
/// (leave-one-language-out, the unseen-language rule) or `both`.
fn frame_scopes() -> Vec<&'static str> {
    match std::env::var("SCOPE").as_deref() {
        Ok("lolo") => vec!["lolo"],
        Ok("both") => vec!["cv", "lolo"],
        _ => vec!["cv"],
    }
}

/// A frames head with a linear or a one-hidden-layer embedding model.
enum FramesHead {
    Linear(rhetor_accurate::stack::StackedMultiLabel),
    Mlp(rhetor_accurate::stack::StackedMultiLabel<rhetor_accurate::dense::DenseMlp>),
    Avg(rhetor_accurate::stack::StackedMultiLabel<LinearAndMlp>),
}

/// `avg`: a linear model and a one-hidden-layer network trained apart on
/// the same examples, their logits averaged.
#[derive(Debug, Clone, PartialEq)]
struct LinearAndMlp(
    rhetor_accurate::dense::DenseLinear,
    rhetor_accurate::dense::DenseMlp,
);

impl rhetor_accurate::dense::EmbeddingModel for LinearAndMlp {
    fn scores(&self, x: &[f32]) -> Vec<f32> {
        let b = rhetor_accurate::dense::EmbeddingModel::scores(&self.1, x);
        self.0
            .scores(x)
            .iter()
            .zip(b)
            .map(|(a, b)| 0.5 * (a + b))
            .collect()
    }
}

impl From<rhetor_accurate::stack::StackedMultiLabel> for FramesHead {
    fn from(h: rhetor_accurate::stack::StackedMultiLabel) -> Self {
        FramesHead::Linear(h)
    }
}

impl FramesHead {
    fn probs(&self, x: &[f32], unseen: bool) -> Vec<f32> {
        match self {
            FramesHead::Linear(h) => h.probs(x, unseen),
            FramesHead::Mlp(h) => h.probs(x, unseen),
            FramesHead::Avg(h) => h.probs(x, unseen),
        }
    }

    fn decide(&self, p: &[f32], unseen: bool, fast_th: &[f32]) -> Vec<(usize, f32)> {
        match self {
            FramesHead::Linear(h) => h.decide(p, unseen, fast_th),
            FramesHead::Mlp(h) => h.decide(p, unseen, fast_th),
            FramesHead::Avg(h) => h.decide(p, unseen, fast_th),
        }
    }

    fn thresholds(&self) -> &[f32] {
        match self {
            FramesHead::Linear(h) => &h.seen.thresholds,
            FramesHead::Mlp(h) => &h.seen.thresholds,
            FramesHead::Avg(h) => &h.seen.thresholds,
        }
    }
}

/// `bags` frames models (14 labels), each on a bootstrap sample of the
/// examples `idx` (`bootstrap`) or on all of them with its own seed, their
/// logits averaged. Each model standardises its inputs by its own sample's
/// scaler; folded into the weights, the mean of the models' logits is one
/// linear model on unscaled inputs, which costs no more to apply than one.
fn bagged(
    xs: &[Vec<f32>],
    ys: &[Vec<bool>],
    idx: &[usize],
    cfg: &rhetor_accurate::dense::DenseConfig,
    bags: usize,
    bootstrap: bool,
) -> rhetor_accurate::dense::DenseLinear {
    use rhetor_accurate::dense::{train_multilabel, DenseConfig, DenseLinear, Scaler};
    let dims = xs[0].len();
    let mut rng = rhetor_model::hashing::Rng::from_state(cfg.seed ^ 0x5bd1_e995);
    let mut weights = vec![0f32; 14 * dims];
    let mut bias = vec![0f32; 14];
    let k = 1.0 / bags as f32;
    for b in 0..bags {
        let sample: Vec<usize> = if bootstrap {
            (0..idx.len())
                .map(|_| idx[(rng.next_u64() % idx.len() as u64) as usize])
                .collect()
        } else {
            idx.to_vec()
        };
        let one = DenseConfig {
            seed: cfg.seed.wrapping_add(b as u64),
            ..cfg.clone()
        };
        let m = train_multilabel(xs, ys, 14, &sample, &one);
        for l in 0..14 {
            let row = &m.weights[l * dims..(l + 1) * dims];
            let mut shift = 0f32;
            for j in 0..dims {
                let w = row[j] * m.scaler.inv_std[j];
                weights[l * dims + j] += k * w;
                shift += w * m.scaler.mean[j];
            }
            bias[l] += k * (m.bias[l] - shift);
        }
    }
    DenseLinear {
        scaler: Scaler {
            mean: vec![0.0; dims],
            inv_std: vec![1.0; dims],
        },
        weights,
        bias,
        dims,
    }
}

fn variant_list() -> String {
    std::env::var("VARIANTS").unwrap_or_else(|_| "base".into())
}

/// Per outer fold f, each article's k nearest neighbours' frames (cosine
/// of article embeddings, similarity-weighted vote, a fraction per frame),
/// the neighbours drawn from fold f's training articles other than itself:
/// what a model trained without fold f could store and look up.
fn knn_votes(
    docs: &[rhetor_formats::corpus::LabeledDocument],
    emb: &[DocEmbeddings],
    outer: &[Vec<usize>],
    k: usize,
) -> Vec<Vec<Vec<f32>>> {
    let n = docs.len();
    let mut fold = vec![0usize; n];
    for (f, g) in outer.iter().enumerate() {
        g.iter().for_each(|&i| fold[i] = f);
    }
    let ys: Vec<Vec<bool>> = docs.iter().map(|d| frame_targets(&d.doc)).collect();
    let dot = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>();
    let sims: Vec<Vec<f32>> = (0..n)
        .map(|i| {
            (0..n)
                .map(|j| dot(&emb[i].article, &emb[j].article))
                .collect()
        })
        .collect();
    (0..outer.len())
        .map(|f| {
            (0..n)
                .map(|i| {
                    let mut near: Vec<(f32, usize)> = (0..n)
                        .filter(|&j| j != i && fold[j] != f && docs[j].gold.frames)
                        .map(|j| (sims[i][j], j))
                        .collect();
                    near.sort_by(|a, b| b.0.total_cmp(&a.0));
                    let mut v = vec![0f32; 14];
                    let mut tot = 0f32;
                    for &(s, j) in near.iter().take(k) {
                        let w = s.max(0.0);
                        tot += w;
                        for (a, &y) in v.iter_mut().zip(&ys[j]) {
                            *a += w * y as u8 as f32;
                        }
                    }
                    v.iter_mut().for_each(|a| *a /= tot.max(1e-6));
                    v
                })
                .collect()
        })
        .collect()
}

/// The latest year 2000–2029 written in the text, if any.
fn latest_year(text: &str) -> Option<u32> {
    let b = text.as_bytes();
    let mut best = None;
    for i in 0..b.len().saturating_sub(3) {
        let w = &b[i..i + 4];
        let digit = |c: u8| c.is_ascii_digit();
        if w[0] == b'2'
            && w[1] == b'0'
            && digit(w[2])
            && digit(w[3])
            && w[2] <= b'2'
            && (i == 0 || !digit(b[i - 1]))
            && (i + 4 == b.len() || !digit(b[i + 4]))
        {
            let y = 2000 + (w[2] - b'0') as u32 * 10 + (w[3] - b'0') as u32;
            best = best.max(Some(y));
        }
    }
    best
}

fn period(
    docs: &[rhetor_formats::corpus::LabeledDocument],
    cache_dir: &std::path::Path,
) -> Result<(), Box<dyn std::error::Error>> {
    use rhetor_accurate::train::predict_held_out;
    use rhetor_model::report::HeldOutReport;
    let (emb, oof, lolo) = load(docs, cache_dir)?;
    let newer: Vec<usize> = (0..docs.len())
        .filter(|&i| latest_year(&docs[i].doc.text).is_some_and(|y| y >= 2022))
        .collect();
    eprintln!("newer: {} articles", newer.len());
    let opts = TrainOptions::default().with_seed(13);
    let period_fast = held_out_fast_cached(
        docs,
        &[
            newer.clone(),
            (0..docs.len()).filter(|i| !newer.contains(i)).collect(),
        ],
        &opts,
        Some(cache_dir),
        &Silent,
    )?;
    let inputs = FastInputs {
        seen: &oof,
        unseen: &lolo,
    };
    let mut cfg = StackConfig::default();
    for c in [&mut cfg.techniques, &mut cfg.frames, &mut cfg.genre] {
        c.seed = 13;
    }
    let acc_period = predict_held_out(
        docs,
        &[
            newer.clone(),
            (0..docs.len()).filter(|i| !newer.contains(i)).collect(),
        ],
        &inputs,
        &period_fast,
        &emb,
        &cfg,
        false,
        &Silent,
    );
    let acc_cv = predict_held_out(
        docs,
        &fold_groups(docs, 5),
        &inputs,
        &oof,
        &emb,
        &cfg,
        false,
        &Silent,
    );
    let sub: Vec<rhetor_formats::corpus::LabeledDocument> =
        newer.iter().map(|&i| docs[i].clone()).collect();
    let pick = |v: &[rhetor_core::Document]| -> Vec<rhetor_core::Document> {
        newer.iter().map(|&i| v[i].clone()).collect()
    };
    let fastdocs = |h: &[rhetor_accurate::train::HeldOutFast]| -> Vec<rhetor_core::Document> {
        newer
            .iter()
            .map(|&i| h[i].prediction.to_document(&docs[i].doc))
            .collect()
    };
    for (name, preds) in [
        ("fast, 5-fold CV", fastdocs(&oof)),
        ("fast, trained on older", fastdocs(&period_fast)),
        ("accurate, 5-fold CV", pick(&acc_cv)),
        ("accurate, trained on older", pick(&acc_period)),
    ] {
        let r = HeldOutReport::new(&sub, &preds);
        let a = &r.by_language["all"];
        println!(
            "{name:<28} techniques {:.3} frames {:.3} genre {:.3} (articles {})",
            a.techniques_micro_f1, a.frames_micro_f1, a.genre_macro_f1, a.articles
        );
    }
    Ok(())
}

/// How the embeddings are centred in one variant of `centre`, parsed from
/// `+`-separated tokens: `base` (unchanged), `lang` (each language minus its
/// mean: paragraphs minus the language's paragraph mean, articles minus its
/// article mean), `a=α` (shrinkage `x − α·mean`), `tp=lang|art|glob|none`
/// (the held-out language's paragraphs: its own corpus mean, the article's
/// own paragraph mean, the training languages' mean of means, nothing),
/// `ta=lang|glob|none` (its articles likewise), `rp=lang|art|none` and
/// `ra=lang|none` (the training languages' paragraphs and articles), `std` (also divided by the language's standard
/// deviation per dimension), `sub=K` (instead of centring: the top K
/// principal directions of the language means' deviations projected out of
/// every vector, the held-out language's corpus mean among the means;
/// `st`: the training languages' means only, directions a model could ship).
#[derive(Debug, Clone)]
struct Centring {
    on: bool,
    alpha: f32,
    test_para: String,
    test_art: String,
    train_para: String,
    train_art: String,
    std: bool,
    sub: usize,
    sub_train_only: bool,
}

impl Centring {
    fn parse(spec: &str) -> Centring {
        let mut c = Centring {
            on: false,
            alpha: 1.0,
            test_para: "lang".into(),
            test_art: "lang".into(),
            train_para: "lang".into(),
            train_art: "lang".into(),
            std: false,
            sub: 0,
            sub_train_only: false,
        };
        for t in spec.split('+') {
            match t.split_once('=') {
                Some(("a", v)) => c.alpha = v.parse().expect("a=ALPHA"),
                Some(("tp", v)) => c.test_para = v.into(),
                Some(("ta", v)) => c.test_art = v.into(),
                Some(("rp", v)) => c.train_para = v.into(),
                Some(("ra", v)) => c.train_art = v.into(),
                Some(("sub", v)) => c.sub = v.parse().expect("sub=K"),
                _ if t == "lang" => c.on = true,
                _ if t == "std" => c.std = true,
                _ if t == "st" => c.sub_train_only = true,
                _ if t == "base" => {}
                _ => panic!("unknown centring token {t}"),
            }
        }
        c
    }
}

/// Per-dimension mean and standard deviation of `vs`.
fn moments<'a>(vs: impl Iterator<Item = &'a Vec<f32>>) -> (Vec<f32>, Vec<f32>) {
    let mut n = 0f64;
    let mut s: Vec<f64> = Vec::new();
    let mut q: Vec<f64> = Vec::new();
    for v in vs {
        if s.is_empty() {
            s = vec![0.0; v.len()];
            q = vec![0.0; v.len()];
        }
        n += 1.0;
        for (j, &x) in v.iter().enumerate() {
            s[j] += x as f64;
            q[j] += (x as f64) * (x as f64);
        }
    }
    let mean: Vec<f32> = s.iter().map(|&a| (a / n.max(1.0)) as f32).collect();
    let sd: Vec<f32> = s
        .iter()
        .zip(&q)
        .map(|(&a, &b)| {
            let m = a / n.max(1.0);
            ((b / n.max(1.0) - m * m).max(1e-12)).sqrt() as f32
        })
        .collect();
    (mean, sd)
}

/// The top `k` principal directions (orthonormal) of the rows `d`
/// (power iteration with deflation on their span).
fn principal(d: &[Vec<f32>], k: usize) -> Vec<Vec<f32>> {
    let dim = d[0].len();
    let mut dirs: Vec<Vec<f32>> = Vec::new();
    for r in 0..k.min(d.len()) {
        let mut v: Vec<f32> = (0..dim)
            .map(|j| ((j * 7 + r * 13) % 11) as f32 - 5.0)
            .collect();
        for _ in 0..200 {
            // v ← Dᵀ D v, minus the directions already found.
            let c: Vec<f32> = d
                .iter()
                .map(|row| row.iter().zip(&v).map(|(a, b)| a * b).sum())
                .collect();
            let mut w = vec![0f32; dim];
            for (row, &cr) in d.iter().zip(&c) {
                for (wj, &x) in w.iter_mut().zip(row) {
                    *wj += cr * x;
                }
            }
            for u in &dirs {
                let p: f32 = w.iter().zip(u).map(|(a, b)| a * b).sum();
                w.iter_mut().zip(u).for_each(|(a, b)| *a -= p * b);
            }
            let n = w.iter().map(|a| a * a).sum::<f32>().sqrt();
            if n < 1e-9 {
                break;
            }
            v = w.into_iter().map(|a| a / n).collect();
        }
        dirs.push(v);
    }
    dirs
}

/// The embeddings as the heads see them in one fold: `train` documents
/// centred by their languages' statistics (computed on `train`), `test`
/// documents by theirs (their language's training statistics when it is
/// among the training languages, otherwise the held-out corpus's own).
fn centred(
    c: &Centring,
    emb: &[DocEmbeddings],
    lang: &[usize],
    train: &[usize],
    test: &[usize],
) -> Vec<DocEmbeddings> {
    let mut out = emb.to_vec();
    if !c.on && c.sub == 0 {
        return out;
    }
    let nl = lang.iter().max().map_or(0, |&m| m + 1);
    let mut trained = vec![false; nl];
    train.iter().for_each(|&i| trained[lang[i]] = true);
    // Statistics per language, from the training documents of a training
    // language, from all held-out documents of a held-out language.
    let members = |l: usize| -> Vec<usize> {
        if trained[l] {
            train.iter().copied().filter(|&i| lang[i] == l).collect()
        } else {
            test.iter().copied().filter(|&i| lang[i] == l).collect()
        }
    };
    let mut para = vec![(Vec::new(), Vec::new()); nl];
    let mut art = vec![(Vec::new(), Vec::new()); nl];
    let mut present = vec![false; nl];
    for l in 0..nl {
        let m = members(l);
        if m.is_empty() {
            continue;
        }
        present[l] = true;
        para[l] = moments(m.iter().flat_map(|&i| emb[i].paragraphs.iter()));
        art[l] = moments(m.iter().map(|&i| &emb[i].article));
    }
    let dim = emb[0].article.len();
    let glob = |stats: &[(Vec<f32>, Vec<f32>)]| -> Vec<f32> {
        let ls: Vec<usize> = (0..nl).filter(|&l| trained[l]).collect();
        (0..dim)
            .map(|j| ls.iter().map(|&l| stats[l].0[j]).sum::<f32>() / ls.len() as f32)
            .collect()
    };
    let (pglob, aglob) = (glob(&para), glob(&art));
    if c.sub > 0 {
        let project = |stats: &[(Vec<f32>, Vec<f32>)]| -> Vec<Vec<f32>> {
            let ls: Vec<usize> = (0..nl)
                .filter(|&l| present[l] && (trained[l] || !c.sub_train_only))
                .collect();
            let grand: Vec<f32> = (0..dim)
                .map(|j| ls.iter().map(|&l| stats[l].0[j]).sum::<f32>() / ls.len() as f32)
                .collect();
            let dev: Vec<Vec<f32>> = ls
                .iter()
                .map(|&l| stats[l].0.iter().zip(&grand).map(|(a, b)| a - b).collect())
                .collect();
            principal(&dev, c.sub)
        };
        let (pd, ad) = (project(&para), project(&art));
        let remove = |v: &mut Vec<f32>, dirs: &[Vec<f32>]| {
            for u in dirs {
                let p: f32 = v.iter().zip(u).map(|(a, b)| a * b).sum();
                v.iter_mut().zip(u).for_each(|(a, b)| *a -= c.alpha * p * b);
            }
        };
        for e in out.iter_mut() {
            e.paragraphs.iter_mut().for_each(|v| remove(v, &pd));
            remove(&mut e.article, &ad);
        }
        return out;
    }
    let shift = |v: &mut Vec<f32>, m: &[f32], sd: Option<&[f32]>| {
        for (j, x) in v.iter_mut().enumerate() {
            *x -= c.alpha * m[j];
            if let Some(s) = sd {
                *x /= s[j].max(1e-6);
            }
        }
    };
    let mut in_test = vec![false; emb.len()];
    test.iter().for_each(|&i| in_test[i] = true);
    for (i, e) in out.iter_mut().enumerate() {
        let l = lang[i];
        let held = in_test[i] && !trained[l];
        let pmode = if held { &c.test_para } else { &c.train_para };
        let amode = if held { &c.test_art } else { &c.train_art };
        let sd_p = c.std.then(|| para[l].1.as_slice());
        let sd_a = c.std.then(|| art[l].1.as_slice());
        match pmode.as_str() {
            "lang" => e
                .paragraphs
                .iter_mut()
                .for_each(|v| shift(v, &para[l].0, sd_p)),
            "glob" => e.paragraphs.iter_mut().for_each(|v| shift(v, &pglob, None)),
            "art" => {
                let (m, _) = moments(e.paragraphs.iter());
                if !m.is_empty() {
                    e.paragraphs.iter_mut().for_each(|v| shift(v, &m, None));
                }
            }
            "none" => {}
            o => panic!("unknown paragraph centring {o}"),
        }
        match amode.as_str() {
            "lang" => shift(&mut e.article, &art[l].0, sd_a),
            "glob" => shift(&mut e.article, &aglob, None),
            "none" => {}
            o => panic!("unknown article centring {o}"),
        }
    }
    out
}

/// Leave-one-language-out and/or 5-fold CV of the heads on centred
/// embeddings, per variant: techniques, frames and genre per language.
fn centre(
    docs: &[rhetor_formats::corpus::LabeledDocument],
    folders: &[String],
    cache_dir: &std::path::Path,
) -> Result<(), Box<dyn std::error::Error>> {
    use rhetor_accurate::stack::apply;
    use rhetor_model::report::HeldOutReport;
    use rhetor_model::train::unannotated;
    let (emb, oof, lolo) = load(docs, cache_dir)?;
    let lang = language_index(docs, folders);
    let inputs = FastInputs {
        seen: &oof,
        unseen: &lolo,
    };
    let mut cfg = StackConfig::default();
    for c in [&mut cfg.techniques, &mut cfg.frames, &mut cfg.genre] {
        c.seed = 13;
    }
    let scope = std::env::var("SCOPE").unwrap_or_else(|_| "lolo".into());
    let spec = std::env::var("VARIANTS").unwrap_or_else(|_| "base".into());
    let tech = std::env::var("TECH").ok().map(|t| Centring::parse(&t));
    for v in spec.split(';') {
        let c = Centring::parse(v);
        for (name, groups, test_fast, unseen) in [
            ("lolo", language_groups(docs), &lolo, true),
            ("cv", fold_groups(docs, 5), &oof, false),
        ] {
            if scope != "both" && scope != name {
                continue;
            }
            let t0 = std::time::Instant::now();
            let mut preds: Vec<Option<rhetor_core::Document>> = vec![None; docs.len()];
            for test in &groups {
                let mut in_test = vec![false; docs.len()];
                test.iter().for_each(|&i| in_test[i] = true);
                let train: Vec<usize> = (0..docs.len()).filter(|&i| !in_test[i]).collect();
                let e = centred(&c, &emb, &lang, &train, test);
                let heads = fit_heads(docs, &inputs, &e, &train, &cfg);
                // The techniques head on its own centring (`TECH`), the
                // article heads on the variant's.
                let tech = tech.as_ref().map(|tc| {
                    let et = centred(tc, &emb, &lang, &train, test);
                    let h = fit_heads(docs, &inputs, &et, &train, &cfg);
                    (et, h)
                });
                for &i in test {
                    let mut d = unannotated(&docs[i].doc);
                    let t = &test_fast[i];
                    let mut dec = heads.decide(&t.probs, &t.rules, &e[i], unseen);
                    if let Some((et, h)) = &tech {
                        dec.techniques = h.decide(&t.probs, &t.rules, &et[i], unseen).techniques;
                    }
                    apply(&mut d, dec, Some(&t.candidates));
                    preds[i] = Some(d);
                }
            }
            let preds: Vec<rhetor_core::Document> = preds.into_iter().map(Option::unwrap).collect();
            let r = HeldOutReport::new(docs, &preds);
            print_rows(&format!("{name:<4} {v:<28}"), &r, folders);
            println!("({:.0}s)", t0.elapsed().as_secs_f64());
        }
    }
    Ok(())
}

/// The `anchor` mode (see the module docs).
fn anchor_variants(
    docs: &[rhetor_formats::corpus::LabeledDocument],
    folders: &[String],
    cache_dir: &std::path::Path,
) -> Result<(), Box<dyn std::error::Error>> {
    use rhetor_accurate::stack::{apply, StackHeads};
    use rhetor_accurate::train::HeldOutFast;
    use rhetor_core::Technique;
    use rhetor_model::math::sigmoid;
    use rhetor_model::report::HeldOutReport;
    use rhetor_model::train::unannotated;
    let (emb, oof, lolo) = load(docs, cache_dir)?;
    // The same held-out scores, their techniques calibrated and decided
    // as the fast model does a language never trained on.
    let calibrated_unseen = |h: &HeldOutFast| {
        let mut h = h.clone();
        h.probs.techniques = h.probs.unseen_techniques.clone();
        h.rules.techniques = h.rules.unseen_techniques.clone();
        h
    };
    let lolo_u: Vec<HeldOutFast> = lolo.iter().map(calibrated_unseen).collect();
    let logit = |p: f32| {
        let p = p.clamp(1e-6, 1.0 - 1e-6);
        (p / (1.0 - p)).ln()
    };
    #[derive(Clone, Copy)]
    struct Rule {
        /// The anchored rule reads (and was fitted on) the unseen calibration.
        ucal: bool,
        /// The blend reads the unseen calibration.
        blendu: bool,
        /// Decided by the anchored rule's thresholds alone.
        fth: bool,
    }
    // The techniques head's unseen-language decision for one document, as
    // `StackedMultiLabel::probs`/`decide` make it (checked: `base`
    // reproduces the shipped figures), with the variant's inputs.
    let decide_techniques = |heads: &StackHeads,
                             cfg: &StackConfig,
                             i: usize,
                             rule: Rule|
     -> Vec<Vec<(Technique, f32)>> {
        let h = &heads.techniques;
        let (t, tu) = (&lolo[i], &lolo_u[i]);
        let anchor_src = if rule.ucal { tu } else { t };
        let blend_src = if rule.blendu { tu } else { t };
        let mix = h.unseen_mix;
        (0..t.probs.techniques.len())
            .map(|p| {
                let x = technique_input(cfg, &blend_src.probs, &emb[i], p);
                let z = h.linear.scores(&x[h.fast_dims..]);
                let anchored = h.unseen.shifted(&technique_fast(&anchor_src.probs, p), &z);
                let blended = h.seen.logits(&x[..h.fast_dims], &z);
                let probs: Vec<f32> = anchored
                    .iter()
                    .zip(&blended)
                    .map(|(&a, &b)| {
                        sigmoid(if mix == 0.0 {
                            a
                        } else {
                            (1.0 - mix) * a + mix * b
                        })
                    })
                    .collect();
                let fast_th = &anchor_src.rules.techniques;
                let th: Vec<f32> = if mix == 0.0 || rule.fth {
                    fast_th.clone()
                } else {
                    fast_th
                        .iter()
                        .zip(&h.seen.thresholds)
                        .map(|(&f, &s)| sigmoid((1.0 - mix) * logit(f) + mix * logit(s)))
                        .collect()
                };
                rhetor_model::calibrate::decide_multilabel(&probs, &th)
                    .into_iter()
                    .take(rhetor_model::UNSEEN_MAX_TECHNIQUES)
                    .filter_map(|(l, s)| Technique::from_index(l).map(|t| (t, s)))
                    .collect()
            })
            .collect()
    };
    let spec = variant_list();
    let groups = language_groups(docs);
    let lang_of = |i: usize| folders.iter().position(|f| f == &docs[i].folder).unwrap();
    for v in spec.split(';') {
        let parts: Vec<&str> = v.split('+').collect();
        let mut cfg = StackConfig::default();
        for c in [&mut cfg.techniques, &mut cfg.frames, &mut cfg.genre] {
            c.seed = 13;
        }
        let rule = Rule {
            ucal: parts.contains(&"ucal"),
            blendu: parts.contains(&"blendu"),
            fth: parts.contains(&"fth"),
        };
        let (w0, nestmix) = (parts.contains(&"w0"), parts.contains(&"nestmix"));
        for p in &parts {
            if let Some(m) = p.strip_prefix("mix=") {
                cfg.techniques_unseen_mix = m.parse()?;
            }
        }
        // The heads' unseen-language rule learns from the scores it will read.
        let inputs = FastInputs {
            seen: &oof,
            unseen: if rule.ucal { &lolo_u } else { &lolo },
        };
        let t0 = std::time::Instant::now();
        let mut preds: Vec<Option<rhetor_core::Document>> = vec![None; docs.len()];
        let mut chosen = Vec::new();
        if v == "fast" {
            // The fast models' own decisions, as cached.
            for (i, p) in preds.iter_mut().enumerate() {
                *p = Some(lolo[i].prediction.to_document(&docs[i].doc));
            }
        }
        if v == "nestrule" {
            // The rule chosen per held-out language among `base`, `ucal`,
            // `ucal+w0`, `ucal+fth`, `ucal+w0+fth` by leaving each training
            // language out in turn (heads on the other four, scored on it;
            // the best mean micro-F1).
            let inputs_u = FastInputs {
                seen: &oof,
                unseen: &lolo_u,
            };
            let candidates = [
                ("base", false, false, false),
                ("ucal", true, false, false),
                ("ucal+w0", true, true, false),
                ("ucal+fth", true, false, true),
                ("ucal+w0+fth", true, true, true),
            ];
            let f1_of = |h: &StackHeads, rule: Rule, idx: &[usize]| -> f64 {
                let mut c = [0usize; 3];
                for &i in idx {
                    let dec = decide_techniques(h, &cfg, i, rule);
                    for (par, ts) in docs[i].doc.paragraphs.iter().zip(&dec) {
                        let gold: Vec<Technique> = par.techniques.iter().map(|s| s.label).collect();
                        c[0] += ts.iter().filter(|(t, _)| gold.contains(t)).count();
                        c[1] += ts.len();
                        c[2] += gold.len();
                    }
                }
                2.0 * c[0] as f64 / (c[1] + c[2]).max(1) as f64
            };
            let fitted = |train: &[usize], ucal: bool, w0: bool| {
                let mut h = fit_heads(
                    docs,
                    if ucal { &inputs_u } else { &inputs },
                    &emb,
                    train,
                    &cfg,
                );
                if w0 {
                    h.techniques.unseen.weight = 0.0;
                }
                h
            };
            for test in &groups {
                let train: Vec<usize> = (0..docs.len()).filter(|i| !test.contains(i)).collect();
                let mut train_langs: Vec<usize> = train.iter().map(|&i| lang_of(i)).collect();
                train_langs.sort();
                train_langs.dedup();
                let mut score = vec![0.0f64; candidates.len()];
                for &inner in &train_langs {
                    let tr: Vec<usize> = train
                        .iter()
                        .copied()
                        .filter(|&i| lang_of(i) != inner)
                        .collect();
                    let ho: Vec<usize> = train
                        .iter()
                        .copied()
                        .filter(|&i| lang_of(i) == inner && docs[i].gold.techniques)
                        .collect();
                    let (h_old, h_new) = (fitted(&tr, false, false), fitted(&tr, true, false));
                    for (k, &(_, ucal, w0, fth)) in candidates.iter().enumerate() {
                        let mut h = if ucal { h_new.clone() } else { h_old.clone() };
                        if w0 {
                            h.techniques.unseen.weight = 0.0;
                        }
                        score[k] += f1_of(
                            &h,
                            Rule {
                                ucal,
                                blendu: false,
                                fth,
                            },
                            &ho,
                        );
                    }
                }
                let best = (0..candidates.len())
                    .max_by(|&a, &b| score[a].total_cmp(&score[b]).then(b.cmp(&a)))
                    .unwrap();
                let (name, ucal, w0, fth) = candidates[best];
                chosen.push(format!("{}: {name}", folders[lang_of(test[0])]));
                let heads = fitted(&train, ucal, w0);
                for &i in test {
                    let mut d = unannotated(&docs[i].doc);
                    let t = &lolo[i];
                    let mut dec = heads.decide(&t.probs, &t.rules, &emb[i], true);
                    dec.techniques = decide_techniques(
                        &heads,
                        &cfg,
                        i,
                        Rule {
                            ucal,
                            blendu: false,
                            fth,
                        },
                    );
                    apply(&mut d, dec, Some(&t.candidates));
                    preds[i] = Some(d);
                }
            }
        }
        for test in groups.iter().filter(|_| v != "fast" && v != "nestrule") {
            let mut in_test = vec![false; docs.len()];
            test.iter().for_each(|&i| in_test[i] = true);
            let train: Vec<usize> = (0..docs.len()).filter(|&i| !in_test[i]).collect();
            let mut heads = fit_heads(docs, &inputs, &emb, &train, &cfg);
            if w0 {
                heads.techniques.unseen.weight = 0.0;
            }
            if nestmix {
                // Each training language left out in turn: heads on the
                // other four, scored on it; the mix with the best mean F1.
                let mut train_langs: Vec<usize> = train.iter().map(|&i| lang_of(i)).collect();
                train_langs.sort();
                train_langs.dedup();
                let mixes = [0.0f32, 0.25, 0.5, 0.75, 1.0];
                let mut f1 = vec![0.0f64; mixes.len()];
                for &inner in &train_langs {
                    let tr: Vec<usize> = train
                        .iter()
                        .copied()
                        .filter(|&i| lang_of(i) != inner)
                        .collect();
                    let ho: Vec<usize> = train
                        .iter()
                        .copied()
                        .filter(|&i| lang_of(i) == inner && docs[i].gold.techniques)
                        .collect();
                    let mut h = fit_heads(docs, &inputs, &emb, &tr, &cfg);
                    if w0 {
                        h.techniques.unseen.weight = 0.0;
                    }
                    for (m, &mix) in mixes.iter().enumerate() {
                        h.techniques.unseen_mix = mix;
                        let mut c = [0usize; 3];
                        for &i in &ho {
                            let dec = decide_techniques(&h, &cfg, i, rule);
                            for (par, ts) in docs[i].doc.paragraphs.iter().zip(&dec) {
                                let gold: Vec<Technique> =
                                    par.techniques.iter().map(|s| s.label).collect();
                                c[0] += ts.iter().filter(|(t, _)| gold.contains(t)).count();
                                c[1] += ts.len();
                                c[2] += gold.len();
                            }
                        }
                        f1[m] += 2.0 * c[0] as f64 / (c[1] + c[2]).max(1) as f64;
                    }
                }
                let best = (0..mixes.len())
                    .max_by(|&a, &b| f1[a].total_cmp(&f1[b]).then(b.cmp(&a)))
                    .unwrap();
                heads.techniques.unseen_mix = mixes[best];
            }
            chosen.push(format!(
                "{}: w {} c {} mix {}",
                folders[lang_of(test[0])],
                heads.techniques.unseen.weight,
                heads.techniques.unseen.centered,
                heads.techniques.unseen_mix
            ));
            for &i in test {
                let mut d = unannotated(&docs[i].doc);
                let t = &lolo[i];
                let mut dec = heads.decide(&t.probs, &t.rules, &emb[i], true);
                dec.techniques = decide_techniques(&heads, &cfg, i, rule);
                apply(&mut d, dec, Some(&t.candidates));
                preds[i] = Some(d);
            }
        }
        let preds: Vec<rhetor_core::Document> = preds.into_iter().map(Option::unwrap).collect();
        let r = HeldOutReport::new(docs, &preds);
        print_rows(&format!("lolo {v:<28}"), &r, folders);
        println!(
            "({:.0}s)\n     {}",
            t0.elapsed().as_secs_f64(),
            chosen.join("; ")
        );
    }
    Ok(())
}

/// A variant's techniques, frames and genre scores, one line each: pooled,
/// then per language, each line starting with `label`.
/// Adds one decision to a language's counts `[true positives, predicted,
/// gold]`: the labels `decided`, against the gold flags.
fn tally(k: &mut [usize; 3], decided: impl Iterator<Item = usize>, gold: &[bool]) {
    for l in decided {
        k[0] += gold[l] as usize;
        k[1] += 1;
    }
    k[2] += gold.iter().filter(|&&g| g).count();
}

/// Pooled and per-language micro-F1 from per-language counts
/// `[true positives, predicted, gold]`: the pooled figure, and the
/// per-language figures as `"<folder> 0.123"` joined by spaces.
fn micro_f1_by_language(c: &[[usize; 3]], folders: &[String]) -> (f64, String) {
    let s: Vec<String> = c
        .iter()
        .zip(folders)
        .map(|(k, n)| format!("{n} {:.3}", f1_of(k)))
        .collect();
    (f1_of(&sum_counts(c.iter().copied())), s.join(" "))
}

/// The counts `[true positives, predicted, gold]` added up.
fn sum_counts(counts: impl Iterator<Item = [usize; 3]>) -> [usize; 3] {
    counts.fold([0; 3], |a, k| [a[0] + k[0], a[1] + k[1], a[2] + k[2]])
}

/// Index in `folders` of every article's language folder.
fn language_index(
    docs: &[rhetor_formats::corpus::LabeledDocument],
    folders: &[String],
) -> Vec<usize> {
    docs.iter()
        .map(|d| {
            folders
                .iter()
                .position(|f| f == &d.folder)
                .expect("folders lists every article's folder")
        })
        .collect()
}

fn print_rows(label: &str, r: &rhetor_model::report::HeldOutReport, folders: &[String]) {
    let row = |get: fn(&rhetor_model::report::Scores) -> f64| -> String {
        let mut s = format!("all {:.4} |", get(&r.by_language["all"]));
        for f in folders {
            s += &format!(" {f} {:.4}", get(&r.by_language[f]));
        }
        s
    };
    println!("{label} techniques {}", row(|s| s.techniques_micro_f1));
    println!("{label} frames     {}", row(|s| s.frames_micro_f1));
    println!("{label} genre      {}", row(|s| s.genre_macro_f1));
}

/// The `tech` mode: the techniques head with a linear (`base`) or a
/// one-hidden-layer embedding model (`mlp=H`, `drop=P`, `skip`, `l2=`,
/// `ep=`, `lr=`, `seed=`; `+`-joined, variants `,`-separated in
/// `VARIANTS`), refitted as `rhetor train --model accurate` fits it, scored
/// by paragraph micro-F1 in 5-fold CV and/or leave-one-language-out
/// (`SCOPE=cv|lolo|both`; the unseen-language rule and cap as shipped).
fn tech_mlp(
    docs: &[rhetor_formats::corpus::LabeledDocument],
    folders: &[String],
    cache_dir: &std::path::Path,
) -> Result<(), Box<dyn std::error::Error>> {
    use rhetor_accurate::dense::{train_mlp_multilabel, train_multilabel, MlpConfig};
    use rhetor_accurate::stack::StackedMultiLabel;
    use rhetor_model::train::fold_assignment;
    let (emb, oof, lolo) = load(docs, cache_dir)?;
    let nl = folders.len();
    let lang_all = language_index(docs, folders);
    let mut scfg = StackConfig::default();
    scfg.techniques.seed = 13;
    let inner = fold_assignment(docs, scfg.inner_folds);
    let scopes: Vec<&str> = match std::env::var("SCOPE").as_deref() {
        Ok("cv") => vec!["cv"],
        Ok("both") => vec!["cv", "lolo"],
        _ => vec!["lolo"],
    };
    for v in variant_list().split(',') {
        let mut cfg = scfg.techniques.clone();
        let (mut hidden, mut dropout, mut skip) = (0usize, 0f32, false);
        for part in v.split('+') {
            if let Some(x) = part.strip_prefix("mlp=") {
                hidden = x.parse()?;
            } else if let Some(x) = part.strip_prefix("drop=") {
                dropout = x.parse()?;
            } else if part == "skip" {
                skip = true;
            } else if let Some(x) = part.strip_prefix("l2=") {
                cfg.l2 = x.parse()?;
            } else if let Some(x) = part.strip_prefix("ep=") {
                cfg.epochs = x.parse()?;
            } else if let Some(x) = part.strip_prefix("lr=") {
                cfg.learning_rate = x.parse()?;
            } else if let Some(x) = part.strip_prefix("seed=") {
                cfg.seed = x.parse()?;
            } else if part != "base" {
                return Err(format!("unknown {part}").into());
            }
        }
        let mcfg = MlpConfig {
            dense: cfg.clone(),
            hidden,
            dropout,
            skip,
        };
        for &scope in &scopes {
            let unseen = scope == "lolo";
            let groups = if unseen {
                language_groups(docs)
            } else {
                fold_groups(docs, 5)
            };
            let test_fast = if unseen { &lolo } else { &oof };
            let t0 = std::time::Instant::now();
            let mut c = vec![[0usize; 3]; nl];
            for test in &groups {
                let mut in_test = vec![false; docs.len()];
                test.iter().for_each(|&i| in_test[i] = true);
                let train: Vec<usize> = (0..docs.len())
                    .filter(|&i| !in_test[i] && docs[i].gold.techniques)
                    .collect();
                let set = TechSet::new(docs, &scfg, &emb, &oof, &lolo, &inner, &train);
                let (ex, ys) = (set.examples(), &set.ys);
                let k = scfg.inner_folds;
                let mix = scfg.techniques_unseen_mix;
                type Decide<'a> = Box<dyn Fn(&[f32], &[f32]) -> Vec<(usize, f32)> + 'a>;
                let decide: Decide = if hidden > 0 {
                    let h = StackedMultiLabel::fit_with(&ex, ys, 23, k, mix, |e, t| {
                        train_mlp_multilabel(e, ys, 23, t, &mcfg)
                    });
                    Box::new(move |x, th| h.decide(&h.probs(x, unseen), unseen, th))
                } else {
                    let h = StackedMultiLabel::fit_with(&ex, ys, 23, k, mix, |e, t| {
                        train_multilabel(e, ys, 23, t, &cfg)
                    });
                    Box::new(move |x, th| h.decide(&h.probs(x, unseen), unseen, th))
                };
                for &i in test.iter().filter(|&&i| docs[i].gold.techniques) {
                    for (p, par) in docs[i].doc.paragraphs.iter().enumerate() {
                        let x = technique_input(&scfg, &test_fast[i].probs, &emb[i], p);
                        let mut d = decide(&x, &test_fast[i].rules.techniques);
                        if unseen {
                            d.truncate(rhetor_model::UNSEEN_MAX_TECHNIQUES);
                        }
                        let g = technique_targets(&par.techniques);
                        tally(&mut c[lang_all[i]], d.iter().map(|&(l, _)| l), &g);
                    }
                }
            }
            let (all, by_language) = micro_f1_by_language(&c, folders);
            println!(
                "techniques {scope:<4} {v:<28} all {all:.4} | {by_language} ({:.0}s)",
                t0.elapsed().as_secs_f64()
            );
        }
    }
    Ok(())
}

/// A techniques head's training examples, built as `rhetor train --model
/// accurate` builds them: one per paragraph of the articles `train`, the
/// fast model's out-of-fold scores (`oof`) and, for the unseen-language
/// rule, those of models without the article's language (`lolo`).
struct TechSet<'a> {
    xs: Vec<Vec<f32>>,
    un: Vec<Vec<f32>>,
    ru: Vec<&'a [f32]>,
    ys: Vec<Vec<bool>>,
    gs: Vec<usize>,
    ls: Vec<usize>,
}

impl<'a> TechSet<'a> {
    fn new(
        docs: &[rhetor_formats::corpus::LabeledDocument],
        scfg: &StackConfig,
        emb: &[DocEmbeddings],
        oof: &[rhetor_accurate::train::HeldOutFast],
        lolo: &'a [rhetor_accurate::train::HeldOutFast],
        inner: &[usize],
        train: &[usize],
    ) -> Self {
        let mut tf: Vec<&str> = train.iter().map(|&i| docs[i].folder.as_str()).collect();
        tf.sort_unstable();
        tf.dedup();
        let mut set = TechSet {
            xs: vec![],
            un: vec![],
            ru: vec![],
            ys: vec![],
            gs: vec![],
            ls: vec![],
        };
        for &i in train {
            for (p, par) in docs[i].doc.paragraphs.iter().enumerate() {
                set.xs
                    .push(technique_input(scfg, &oof[i].probs, &emb[i], p));
                set.un.push(technique_fast(&lolo[i].probs, p));
                set.ru.push(lolo[i].rules.techniques.as_slice());
                set.ys.push(technique_targets(&par.techniques));
                set.gs.push(inner[i]);
                set.ls
                    .push(tf.binary_search(&docs[i].folder.as_str()).unwrap());
            }
        }
        set
    }

    fn examples(&self) -> rhetor_accurate::inputs::Examples<'_> {
        rhetor_accurate::inputs::Examples {
            xs: &self.xs,
            unseen_fast: &self.un,
            unseen_rules: &self.ru,
            groups: &self.gs,
            langs: &self.ls,
        }
    }
}

/// Pseudo-labels of the held-out language's paragraphs, from the
/// unseen-language decision (see [`self_training`]).
#[derive(Clone, Copy, PartialEq, Debug)]
enum Pseudo {
    /// The decision's labels (capped), every label of every paragraph.
    Decided,
    /// Per technique, the top fraction of the decided paragraphs by margin
    /// (target 1) and the same fraction of the others from the bottom
    /// (target 0); every other (paragraph, technique) left out.
    Confident(f32),
    /// σ(margin): 0.5 on the decision's threshold.
    Soft,
}

/// How the embedding model is refitted on the pseudo-labels.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Refit {
    /// Variant A: from scratch on the five languages' gold labels and the
    /// held-out language's pseudo-labels, these weighted `w`; the inputs
    /// standardised on all of them, or (`keep`) on the five languages as
    /// the five-language model is.
    Full {
        w: f32,
        keep: bool,
        /// Only this many of the training paragraphs (a seeded random
        /// sample, what a model file could carry), on their scaler.
        sub: Option<usize>,
    },
    /// Variant B: from the five-language model, a few Adam epochs on the
    /// pseudo-labelled paragraphs only, the L2 penalty `pull` toward the
    /// starting weights.
    Adapt { epochs: usize, pull: f32, lr: f32 },
}

#[derive(Clone, Copy, Debug)]
struct SelfVariant {
    pseudo: Pseudo,
    refit: Refit,
    /// Pseudo-label, refit, re-score: this many times.
    rounds: usize,
    /// Adapt on each article alone (what one article analysed alone
    /// could do), not on the language's whole corpus.
    per_article: bool,
    /// Added to every label's unseen-language margin after the refits (a
    /// label-density control: `shift=S+rounds=0`).
    shift: f32,
}

/// `base`, or `+`-joined: `dec` | `conf=F` | `soft`; `full` (with `w=W`)
/// (`keep`: the five-language scaler; `sub=N`: N training paragraphs
/// only, on that scaler) | `adapt` (with `ep=E`, `pull=λ`,
/// `lr=`; `art`: on each article alone); `rounds=R`; `shift=S` every
/// margin moved by S after the refits.
fn parse_self_variant(v: &str) -> Result<Option<SelfVariant>, Box<dyn std::error::Error>> {
    if v == "base" {
        return Ok(None);
    }
    let (mut pseudo, mut full, mut w, mut keep) = (Pseudo::Decided, true, 1.0f32, false);
    let (mut epochs, mut pull, mut lr, mut rounds) = (5usize, 0.1f32, 2e-3f32, 1usize);
    let (mut per_article, mut shift, mut sub) = (false, 0f32, None);
    for part in v.split('+') {
        let (key, val) = part.split_once('=').unwrap_or((part, ""));
        match key {
            "dec" => pseudo = Pseudo::Decided,
            "conf" => pseudo = Pseudo::Confident(val.parse()?),
            "soft" => pseudo = Pseudo::Soft,
            "full" => full = true,
            "adapt" => full = false,
            "w" => w = val.parse()?,
            "keep" => keep = true,
            "sub" => sub = Some(val.parse()?),
            "ep" => epochs = val.parse()?,
            "pull" => pull = val.parse()?,
            "lr" => lr = val.parse()?,
            "rounds" => rounds = val.parse()?,
            "art" => per_article = true,
            "shift" => shift = val.parse()?,
            _ => return Err(format!("unknown {part}").into()),
        }
    }
    if full && per_article {
        return Err("art: for adapt only".into());
    }
    let refit = if full {
        Refit::Full {
            w,
            keep: keep || sub.is_some(),
            sub,
        }
    } else {
        Refit::Adapt { epochs, pull, lr }
    };
    Ok(Some(SelfVariant {
        pseudo,
        refit,
        rounds,
        per_article,
        shift,
    }))
}

/// Targets and weights (each `w`) of the held-out paragraphs from their
/// margins under the unseen-language rule and the capped decisions.
fn pseudo_labels(
    pseudo: Pseudo,
    margins: &[Vec<f32>],
    decided: &[Vec<usize>],
    w: f32,
) -> (Vec<Vec<f32>>, Vec<Vec<f32>>) {
    let n = margins.len();
    let labels = margins.first().map_or(0, |m| m.len());
    let mut t = vec![vec![0f32; labels]; n];
    let mut wt = vec![vec![w; labels]; n];
    for (ti, d) in t.iter_mut().zip(decided) {
        d.iter().for_each(|&l| ti[l] = 1.0);
    }
    match pseudo {
        Pseudo::Decided => {}
        Pseudo::Soft => {
            for (ti, m) in t.iter_mut().zip(margins) {
                for (a, &b) in ti.iter_mut().zip(m) {
                    *a = rhetor_model::math::sigmoid(b);
                }
            }
        }
        Pseudo::Confident(f) => {
            for l in 0..labels {
                for positive in [true, false] {
                    let mut side: Vec<usize> =
                        (0..n).filter(|&i| (t[i][l] > 0.5) == positive).collect();
                    // The most confident first: highest margins of the
                    // decided, lowest of the others.
                    side.sort_by(|&a, &b| {
                        let (x, y) = (margins[a][l], margins[b][l]);
                        if positive {
                            y.total_cmp(&x)
                        } else {
                            x.total_cmp(&y)
                        }
                    });
                    let keep = (f * side.len() as f32).ceil() as usize;
                    for &i in &side[keep.min(side.len())..] {
                        wt[i][l] = 0.0;
                    }
                }
            }
        }
    }
    (t, wt)
}

/// What every run of the `self` mode reads.
struct SelfLab<'a> {
    docs: &'a [rhetor_formats::corpus::LabeledDocument],
    emb: &'a [DocEmbeddings],
    oof: &'a [rhetor_accurate::train::HeldOutFast],
    lolo: &'a [rhetor_accurate::train::HeldOutFast],
    /// Language index of every article.
    lang_all: Vec<usize>,
    /// Inner-fold group of every article.
    inner: Vec<usize>,
}

impl SelfLab<'_> {
    /// The techniques head fitted on the articles of every language but
    /// those in `out`, as `rhetor train --model accurate` fits it; the
    /// language `test` (one of `out`) pseudo-labelled, refitted and decided
    /// under every variant (`None`: the head as fitted). Per variant: the
    /// counts `[true positives, predicted, gold]` on `test`, and the
    /// seconds spent pseudo-labelling and refitting.
    fn run(
        &self,
        scfg: &StackConfig,
        out: &[usize],
        test: usize,
        variants: &[Option<SelfVariant>],
    ) -> Vec<([usize; 3], f64)> {
        use rhetor_accurate::dense::{train_soft_multilabel, DenseLinear, SoftTargets};
        use rhetor_accurate::stack::StackedMultiLabel;
        const LABELS: usize = 23;
        let (docs, lolo) = (self.docs, self.lolo);
        let cfg = &scfg.techniques;
        let train: Vec<usize> = (0..docs.len())
            .filter(|&i| !out.contains(&self.lang_all[i]) && docs[i].gold.techniques)
            .collect();
        let set = TechSet::new(docs, scfg, self.emb, self.oof, lolo, &self.inner, &train);
        let (k, mix) = (scfg.inner_folds, scfg.techniques_unseen_mix);
        let h0 = StackedMultiLabel::fit(&set.examples(), &set.ys, LABELS, cfg, k, mix);
        // The held-out language: every paragraph of its articles, read as
        // text only (inputs and the fast model's unseen-language rules).
        let rows: Vec<(usize, usize)> = (0..docs.len())
            .filter(|&i| self.lang_all[i] == test)
            .flat_map(|i| (0..docs[i].doc.paragraphs.len()).map(move |p| (i, p)))
            .collect();
        let xl: Vec<Vec<f32>> = rows
            .iter()
            .map(|&(i, p)| technique_input(scfg, &lolo[i].probs, &self.emb[i], p))
            .collect();
        let th = |r: usize| lolo[rows[r].0].rules.techniques.as_slice();
        let decide = |h: &StackedMultiLabel, r: usize| -> Vec<usize> {
            let mut d = h.decide(&h.probs(&xl[r], true), true, th(r));
            d.truncate(rhetor_model::UNSEEN_MAX_TECHNIQUES);
            d.into_iter().map(|(l, _)| l).collect()
        };
        // Embedding inputs: the training paragraphs, then the held-out ones.
        let n_train = set.xs.len();
        let emb_rows: Vec<Vec<f32>> = set
            .xs
            .iter()
            .chain(&xl)
            .map(|x| x[LABELS..].to_vec())
            .collect();
        let gold_t: Vec<Vec<f32>> = set
            .ys
            .iter()
            .map(|y| y.iter().map(|&b| b as u8 as f32).collect())
            .collect();
        // The embedding model refitted on the pseudo-labels of the rows
        // `g` (all of them for a full refit).
        let refit = |h: &StackedMultiLabel, v: &SelfVariant, g: Range<usize>| -> DenseLinear {
            let margins: Vec<Vec<f32>> =
                g.clone().map(|r| h.unseen_margins(&xl[r], th(r))).collect();
            let decided: Vec<Vec<usize>> = g.clone().map(|r| decide(h, r)).collect();
            match v.refit {
                Refit::Full { w, keep, sub } => {
                    let (t, wt) = pseudo_labels(v.pseudo, &margins, &decided, w);
                    let targets = [gold_t.as_slice(), &t].concat();
                    let weights: Vec<Vec<f32>> =
                        (0..n_train).map(|_| vec![1.0; LABELS]).chain(wt).collect();
                    let soft = SoftTargets {
                        targets: &targets,
                        weights: &weights,
                    };
                    let mut all: Vec<usize> = (0..n_train).collect();
                    if let Some(n) = sub {
                        rhetor_model::hashing::Rng::from_state(cfg.seed).shuffle(&mut all);
                        all.truncate(n);
                        all.sort_unstable();
                    }
                    all.extend(n_train..emb_rows.len());
                    // From zero weights on the training languages' scaler:
                    // training from scratch on it.
                    let zero = DenseLinear {
                        weights: vec![0.0; h.linear.weights.len()],
                        bias: vec![0.0; LABELS],
                        ..h.linear.clone()
                    };
                    let start = keep.then_some(&zero);
                    train_soft_multilabel(&emb_rows, soft, LABELS, &all, cfg, start)
                }
                Refit::Adapt { epochs, pull, lr } => {
                    let (t, wt) = pseudo_labels(v.pseudo, &margins, &decided, 1.0);
                    let acfg = rhetor_accurate::dense::DenseConfig {
                        epochs,
                        l2: pull,
                        learning_rate: lr,
                        ..cfg.clone()
                    };
                    let soft = SoftTargets {
                        targets: &t,
                        weights: &wt,
                    };
                    let idx: Vec<usize> = (0..g.len()).collect();
                    let held_out = &emb_rows[n_train + g.start..n_train + g.end];
                    train_soft_multilabel(held_out, soft, LABELS, &idx, &acfg, Some(&h.linear))
                }
            }
        };
        // Each article's rows (they are consecutive).
        let mut articles: Vec<Range<usize>> = Vec::new();
        for (r, &(i, _)) in rows.iter().enumerate() {
            match articles.last_mut() {
                Some(a) if rows[a.start].0 == i => a.end = r + 1,
                _ => articles.push(r..r + 1),
            }
        }
        variants
            .iter()
            .map(|v| {
                // One head per adaptation group: the corpus, or each article.
                let groups = match v {
                    Some(v) if v.per_article => articles.clone(),
                    _ => std::iter::once(0..rows.len()).collect(),
                };
                let mut hs = vec![h0.clone(); groups.len()];
                let t1 = std::time::Instant::now();
                for v in v.iter().flat_map(|v| std::iter::repeat_n(v, v.rounds)) {
                    for (h, g) in hs.iter_mut().zip(&groups) {
                        h.linear = refit(h, v, g.clone());
                    }
                }
                let secs = t1.elapsed().as_secs_f64();
                // The margin is the mix of the anchored rule's and the
                // blend's: moving the blend's bias by S / mix moves it by S.
                let shift = v.map_or(0.0, |v| v.shift) / scfg.techniques_unseen_mix;
                for h in hs.iter_mut().filter(|_| shift != 0.0) {
                    h.seen.weights.iter_mut().for_each(|w| w[2] += shift);
                }
                let mut c = [0usize; 3];
                for (h, g) in hs.iter().zip(&groups) {
                    for r in g.clone() {
                        let (i, p) = rows[r];
                        if docs[i].gold.techniques {
                            let gold = technique_targets(&docs[i].doc.paragraphs[p].techniques);
                            tally(&mut c, decide(h, r).into_iter(), &gold);
                        }
                    }
                }
                (c, secs)
            })
            .collect()
    }
}

/// Micro-F1 from counts `[true positives, predicted, gold]`.
fn f1_of(k: &[usize; 3]) -> f64 {
    2.0 * k[0] as f64 / (k[1] + k[2]).max(1) as f64
}

/// Index of the variant with the best pooled micro-F1 over the counts
/// `c[variant][language]` of the languages `langs` (ties: the first).
fn best_variant(c: &[Vec<[usize; 3]>], langs: impl Iterator<Item = usize> + Clone) -> usize {
    let pooled = |vi: usize| f1_of(&sum_counts(langs.clone().map(|o| c[vi][o])));
    (0..c.len())
        .max_by(|&a, &b| pooled(a).total_cmp(&pooled(b)).then(b.cmp(&a)))
        .unwrap_or(0)
}

/// The `self` mode: self-training on the text of a language never trained
/// on (issue 15, item 3). Leave-one-language-out, for each seed in
/// `SEEDS` (`,`-separated; default 13): the techniques head fitted on the
/// other five languages as `rhetor train --model accurate` fits it; every
/// paragraph of the held-out language's articles scored by the
/// unseen-language rule (its gold labels are never read there) and turned
/// into pseudo-labels; the embedding model refitted on them
/// ([`SelfVariant`], variants `,`-separated in `VARIANTS`); the held-out
/// language decided again by the same rule and cap, and scored against
/// its gold labels. The blend and the anchor stay those of the
/// five-language head. Also prints, per seed, the variant chosen for each
/// language by the other five languages' pooled micro-F1 (their heads
/// were trained with its labels), and with `NESTED=1` the variant chosen by
/// nested leave-one-language-out (heads on four languages, each of the
/// other five scored in turn; the fast scores as in the outer loop).
fn self_training(
    docs: &[rhetor_formats::corpus::LabeledDocument],
    folders: &[String],
    cache_dir: &std::path::Path,
) -> Result<(), Box<dyn std::error::Error>> {
    use rhetor_model::train::fold_assignment;
    let (emb, oof, lolo) = load(docs, cache_dir)?;
    let nl = folders.len();
    let mut scfg = StackConfig::default();
    let lab = SelfLab {
        docs,
        emb: &emb,
        oof: &oof,
        lolo: &lolo,
        lang_all: language_index(docs, folders),
        inner: fold_assignment(docs, scfg.inner_folds),
    };
    let names: Vec<String> = variant_list().split(',').map(str::to_string).collect();
    let variants = names
        .iter()
        .map(|v| parse_self_variant(v))
        .collect::<Result<Vec<_>, _>>()?;
    let seeds: Vec<u64> = std::env::var("SEEDS")
        .unwrap_or_else(|_| "13".into())
        .split(',')
        .map(str::parse)
        .collect::<Result<_, _>>()?;
    let nested = std::env::var_os("NESTED").is_some();
    // Pooled micro-F1 summed over seeds: per variant, then the two choices.
    let mut mean = vec![0f64; variants.len() + 2];
    for &seed in &seeds {
        scfg.techniques.seed = seed;
        let t0 = std::time::Instant::now();
        // c[variant][language], secs[variant]
        let mut c = vec![vec![[0usize; 3]; nl]; variants.len()];
        let mut secs = vec![0f64; variants.len()];
        for (l, runs) in (0..nl).map(|l| (l, lab.run(&scfg, &[l], l, &variants))) {
            for (vi, (k, t)) in runs.into_iter().enumerate() {
                c[vi][l] = k;
                secs[vi] += t;
            }
        }
        for (vi, name) in names.iter().enumerate() {
            let (all, by_language) = micro_f1_by_language(&c[vi], folders);
            mean[vi] += all / seeds.len() as f64;
            let [_, pred, gold] = sum_counts(c[vi].iter().copied());
            println!(
                "self seed {seed:<3} {name:<36} all {all:.4} | {by_language} | labels/gold {:.2} | {:.1}s per language",
                pred as f64 / gold.max(1) as f64,
                secs[vi] / nl as f64
            );
        }
        let mut choices = vec![(
            "chosen on the other languages",
            (0..nl)
                .map(|l| best_variant(&c, (0..nl).filter(move |&o| o != l)))
                .collect::<Vec<usize>>(),
        )];
        if nested {
            let by_nested = (0..nl)
                .map(|l| {
                    // inner[variant][language]: heads without l and it.
                    let mut inner = vec![vec![[0usize; 3]; nl]; variants.len()];
                    for o in (0..nl).filter(|&o| o != l) {
                        for (vi, (k, _)) in lab
                            .run(&scfg, &[l, o], o, &variants)
                            .into_iter()
                            .enumerate()
                        {
                            inner[vi][o] = k;
                        }
                    }
                    best_variant(&inner, (0..nl).filter(move |&o| o != l))
                })
                .collect();
            choices.push(("chosen by nested LOLO", by_nested));
        }
        for (ci, (label, chosen)) in choices.iter().enumerate() {
            let counts: Vec<[usize; 3]> =
                chosen.iter().enumerate().map(|(l, &v)| c[v][l]).collect();
            let (all, by_language) = micro_f1_by_language(&counts, folders);
            mean[variants.len() + ci] += all / seeds.len() as f64;
            let picks: Vec<String> = chosen
                .iter()
                .zip(folders)
                .map(|(&v, f)| format!("{f}: {}", names[v]))
                .collect();
            println!(
                "self seed {seed:<3} {label:<36} all {all:.4} | {by_language} ({:.0}s)\n     {}",
                t0.elapsed().as_secs_f64(),
                picks.join("; ")
            );
        }
    }
    if seeds.len() > 1 {
        let labels = ["chosen on the other languages", "chosen by nested LOLO"];
        let n = variants.len() + if nested { 2 } else { 1 };
        for (name, m) in names
            .iter()
            .map(String::as_str)
            .chain(labels)
            .zip(&mean[..n])
        {
            println!("self mean of {} seeds {name:<36} all {m:.4}", seeds.len());
        }
    }
    Ok(())
}
