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
//!   the dump in a second);
//! - `frames`: the frames head's 5-fold CV with the variants in
//!   `VARIANTS` (comma-separated; `base`, `l2=`, `ep=`, `lr=`, `nobal`,
//!   `+max` paragraph max-pooling, `+tmean`/`+tmax` the fast model's
//!   technique probabilities, `+genre` its genre probabilities, `+min1`
//!   at least one frame, `+topK` at most K);
//! - `period`: the leave-one-period-out proxy (articles whose latest
//!   written year is 2022 or later, predicted by models trained on the
//!   others) beside the same articles' 5-fold CV scores;
//! - `show FILE`: a heads file's unseen-language parameters.
use rhetor_accurate::embed::{article_embedding, DocEmbeddings, EmbeddingCache};
use rhetor_accurate::inputs::{frame_input, technique_fast, technique_input, StackConfig};
use rhetor_accurate::train::{
    fit_heads, fold_groups, held_out_fast_cached, language_groups, FastInputs,
};
use rhetor_encoder::Encoder;
use rhetor_model::train::{frame_targets, technique_targets, Silent, TrainOptions};
use serde::{Deserialize, Serialize};
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
    let dump_path = cache_dir.join("labels-lab-lolo-techniques.bin");
    let rows: Vec<TechRow> = if mode == "lolo-dump" || !dump_path.exists() {
        let encoder = Encoder::load(
            &PathBuf::from(std::env::var("HOME")?).join(".cache/rhetor/multilingual-e5-small"),
        )?;
        let mut cache = EmbeddingCache::for_encoder(&cache_dir, &encoder)?;
        let texts: Vec<&str> = docs
            .iter()
            .flat_map(|d| d.doc.paragraphs.iter().map(|p| p.text.as_str()))
            .collect();
        let vecs = cache.embed(&encoder, &texts, &|_, _| {})?;
        let mut it = vecs.into_iter();
        let emb: Vec<DocEmbeddings> = docs
            .iter()
            .map(|d| {
                let paragraphs: Vec<Vec<f32>> = it.by_ref().take(d.doc.paragraphs.len()).collect();
                let article = article_embedding(&paragraphs, encoder.dim());
                DocEmbeddings {
                    paragraphs,
                    article,
                }
            })
            .collect();
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
            let k = &mut c[r.lang];
            k[0] += d.iter().filter(|&&l| r.gold[l]).count();
            k[1] += d.len();
            k[2] += r.gold.iter().filter(|&&g| g).count();
        }
        let f = |k: &[usize; 3]| 2.0 * k[0] as f64 / (k[1] + k[2]).max(1) as f64;
        let tot = c
            .iter()
            .fold([0; 3], |a, k| [a[0] + k[0], a[1] + k[1], a[2] + k[2]]);
        let s: Vec<String> = c
            .iter()
            .zip(&folders)
            .map(|(k, n)| format!("{n} {:.3}", f(k)))
            .collect();
        println!("{name:<36} all {:.4} | {}", f(&tot), s.join(" "));
        f(&tot)
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
    let texts: Vec<&str> = docs
        .iter()
        .flat_map(|d| d.doc.paragraphs.iter().map(|p| p.text.as_str()))
        .collect();
    let vecs = cache.embed(&encoder, &texts, &|_, _| {})?;
    let mut it = vecs.into_iter();
    let emb: Vec<DocEmbeddings> = docs
        .iter()
        .map(|d| {
            let paragraphs: Vec<Vec<f32>> = it.by_ref().take(d.doc.paragraphs.len()).collect();
            let article = article_embedding(&paragraphs, encoder.dim());
            DocEmbeddings {
                paragraphs,
                article,
            }
        })
        .collect();
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
    use rhetor_accurate::dense::DenseConfig;
    use rhetor_accurate::inputs::{frame_fast, Examples, FastProbs};
    use rhetor_accurate::stack::StackedMultiLabel;
    use rhetor_model::train::fold_assignment;
    let (emb, oof, lolo) = load(docs, cache_dir)?;
    let nl = folders.len();
    let lang_all: Vec<usize> = docs
        .iter()
        .map(|d| folders.iter().position(|f| f == &d.folder).unwrap())
        .collect();
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
    let variant = std::env::var("VARIANTS").unwrap_or_else(|_| "base".into());
    for v in variant.split(',') {
        let mut l2 = 0.1f32;
        let mut epochs = 40usize;
        let mut feats: Vec<&str> = Vec::new();
        let mut lr = 2e-3f32;
        let mut balanced = true;
        for part in v.split('+') {
            if let Some(x) = part.strip_prefix("l2=") {
                l2 = x.parse()?;
            } else if let Some(x) = part.strip_prefix("ep=") {
                epochs = x.parse()?;
            } else if let Some(x) = part.strip_prefix("lr=") {
                lr = x.parse()?;
            } else if part == "nobal" {
                balanced = false;
            } else if part != "base" {
                feats.push(part);
            }
        }
        let input = |i: usize, fast: &FastProbs| -> Vec<f32> {
            let mut x = frame_input(fast, &emb[i]);
            for f in &feats {
                match *f {
                    "max" => x.extend(maxpool(&emb[i])),
                    "tmean" => x.extend(tech_mean(fast)),
                    "tmax" => x.extend(tech_max(fast)),
                    "genre" => x.extend(fast.genre.iter().copied()),
                    f if f == "min1" || f.starts_with("top") => {}
                    _ => panic!("unknown {f}"),
                }
            }
            x
        };
        let cfg = DenseConfig {
            epochs,
            l2,
            seed: 13,
            learning_rate: lr,
            balanced,
            ..DenseConfig::default()
        };
        let mut c = vec![[0usize; 3]; nl];
        let t0 = std::time::Instant::now();
        for test in &outer {
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
            let ys: Vec<Vec<bool>> = train.iter().map(|&i| frame_targets(&docs[i].doc)).collect();
            let ex = Examples {
                xs: &xs,
                unseen_fast: &un,
                unseen_rules: &ru,
                groups: &groups,
                langs: &langs,
            };
            let head = StackedMultiLabel::fit(&ex, &ys, 14, &cfg, 4, 0.0);
            for &i in test.iter().filter(|&&i| docs[i].gold.frames) {
                let x = input(i, &oof[i].probs);
                let p = head.probs(&x, false);
                let mut d = head.decide(&p, false, &[]);
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
                let k = &mut c[lang_all[i]];
                k[0] += d.iter().filter(|&&(l, _)| g[l]).count();
                k[1] += d.len();
                k[2] += g.iter().filter(|&&b| b).count();
            }
        }
        let f = |k: &[usize; 3]| 2.0 * k[0] as f64 / (k[1] + k[2]).max(1) as f64;
        let tot = c
            .iter()
            .fold([0; 3], |a, k| [a[0] + k[0], a[1] + k[1], a[2] + k[2]]);
        let s: Vec<String> = c
            .iter()
            .zip(folders)
            .map(|(k, n)| format!("{n} {:.3}", f(k)))
            .collect();
        println!(
            "frames {v:<28} all {:.4} | {} ({:.0}s)",
            f(&tot),
            s.join(" "),
            t0.elapsed().as_secs_f64()
        );
    }
    Ok(())
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
