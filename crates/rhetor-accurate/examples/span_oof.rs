//! Held-out token probabilities of the encoder span tagger, in the layout
//! of the fast model's held-out dump (`rhetor-model`'s `evidence_oof`), so
//! that `evidence_tune` scores and tunes the span decision on them
//! (docs/evaluation.md).
//!
//! `cargo run --release -p rhetor-accurate --example span_oof -- DATA FAST_OOF OUT`
//!
//! FAST_OOF is the fast model's 5-fold dump (`evidence_oof DATA cv`): its
//! folds, paragraph probabilities and token probabilities are kept; the
//! token probabilities are replaced by the encoder tagger's, trained on
//! the other folds' articles with gold spans. The word states come from
//! the cache `span_states` fills. `INPUT=state|fast|ctx|ctxfast` picks
//! what the tagger reads (default `fast`: state and fast logit);
//! `AVG=w` instead writes `w × encoder + (1 − w) × fast`. `NEG=f` (a
//! variant) adds a fraction f of the paragraphs without a technique as
//! its negatives.

use rhetor_accurate::dense::DenseConfig;
use rhetor_accurate::tagger::{tagger_paragraphs, EncoderTagger, TaggerInput};
use rhetor_accurate::words::WordStateCache;
use rhetor_core::Technique;
use std::path::PathBuf;

// The held-out scores file, defined once beside its writer (evidence_oof).
#[path = "../../rhetor-model/examples/oof_dump/mod.rs"]
mod oof_dump;
use oof_dump::Dump;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [data, fast_oof, out] = &args[..] else {
        return Err("usage: span_oof DATA FAST_OOF OUT".into());
    };
    let input = match std::env::var("INPUT").as_deref().unwrap_or("fast") {
        "state" => TaggerInput {
            context: false,
            fast: false,
        },
        "fast" => TaggerInput {
            context: false,
            fast: true,
        },
        "ctx" => TaggerInput {
            context: true,
            fast: false,
        },
        "ctxfast" => TaggerInput {
            context: true,
            fast: true,
        },
        other => return Err(format!("INPUT {other}: state, fast, ctx or ctxfast").into()),
    };
    let avg: Option<f32> = std::env::var("AVG").ok().and_then(|v| v.parse().ok());
    // NEG=f: also train on a fraction f of the words of paragraphs that
    // lack the technique (all negatives); a variant, not shipped.
    let neg: f64 = std::env::var("NEG")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    let docs = rhetor_formats::corpus::load_dataset(&PathBuf::from(data), None)?;
    let mut dump: Dump = postcard::from_bytes(&std::fs::read(fast_oof)?)?;
    assert_eq!(dump.docs.len(), docs.len(), "the dump is of this dataset");
    let encoder_dir = rhetor_encoder::fetch::default_dir().ok_or("no encoder directory")?;
    let encoder = rhetor_encoder::Encoder::load(&encoder_dir)?;
    let dir = rhetor_encoder::fetch::cache_dir()
        .ok_or("no cache directory")?
        .join("train");
    let cache = WordStateCache::for_encoder(&dir, &encoder)?;
    let dim = encoder.dim();
    drop(encoder);
    // [doc][paragraph][token][technique] fast probabilities.
    let fast: Vec<Vec<Vec<Vec<f32>>>> = dump
        .docs
        .iter()
        .map(|h| {
            h.tokens
                .iter()
                .map(|p| {
                    p.iter()
                        .map(|t| t.iter().map(|&v| v as f32 / 65535.0).collect())
                        .collect()
                })
                .collect()
        })
        .collect();
    let states = |text: &str| -> &rhetor_accurate::words::WordStates {
        cache
            .get(text)
            .unwrap_or_else(|| panic!("a paragraph not in the cache: run span_states first"))
    };
    let groups = dump.groups.len();
    let cfg = DenseConfig {
        epochs: std::env::var("EPOCHS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(4),
        l2: std::env::var("L2")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1e-3),
        ..DenseConfig::default()
    };
    eprintln!("input {input:?}, {cfg:?}");
    let mut new_tokens: Vec<Option<Vec<Vec<Vec<u16>>>>> = (0..docs.len()).map(|_| None).collect();
    for g in 0..groups {
        let t0 = std::time::Instant::now();
        let idx: Vec<usize> = (0..docs.len())
            .filter(|&i| dump.docs[i].group != g)
            .collect();
        let train = tagger_paragraphs(&docs, &idx, &states, &|i, pi| {
            if input.fast {
                fast[i][pi].clone()
            } else {
                Vec::new()
            }
        });
        let mut train = train;
        if neg > 0.0 {
            // Words of paragraphs without the technique as negatives
            // (a hash-chosen fraction `neg` of each technique's).
            for &i in &idx {
                let d = &docs[i];
                if !d.gold.spans {
                    continue;
                }
                for (pi, p) in d.doc.paragraphs.iter().enumerate() {
                    let st = states(&p.text);
                    let (ps, pe) = (p.start, p.end());
                    let has: Vec<usize> = d
                        .doc
                        .spans
                        .iter()
                        .filter(|s| s.start < pe && s.end > ps)
                        .map(|s| s.technique.index())
                        .collect();
                    let gold: Vec<(usize, Vec<bool>)> = (0..Technique::COUNT)
                        .filter(|t| !has.contains(t))
                        .filter(|&t| {
                            let h = (i as u64 * 1_000_003 + pi as u64 * 7919 + t as u64)
                                .wrapping_mul(0x9E37_79B9_7F4A_7C15);
                            ((h >> 11) as f64 / (1u64 << 53) as f64) < neg
                        })
                        .map(|t| (t, vec![false; st.len()]))
                        .collect();
                    if !gold.is_empty() {
                        train.push(rhetor_accurate::tagger::TaggerParagraph {
                            states: st,
                            fast: Vec::new(),
                            gold,
                        });
                    }
                }
            }
        }
        let tagger = EncoderTagger::train(&train, input, dim, &cfg);
        drop(train);
        for (i, d) in docs.iter().enumerate() {
            if dump.docs[i].group != g {
                continue;
            }
            let toks = d
                .doc
                .paragraphs
                .iter()
                .enumerate()
                .map(|(pi, p)| {
                    let st = states(&p.text);
                    assert_eq!(st.len(), fast[i][pi].len(), "words of {}", d.doc.id);
                    let probs = tagger.token_probs(st, &fast[i][pi]);
                    probs
                        .iter()
                        .zip(&fast[i][pi])
                        .map(|(e, f)| {
                            (0..Technique::COUNT)
                                .map(|t| {
                                    let v = match avg {
                                        Some(w) => w * e[t] + (1.0 - w) * f[t],
                                        None => e[t],
                                    };
                                    (v * 65535.0).round() as u16
                                })
                                .collect()
                        })
                        .collect()
                })
                .collect();
            new_tokens[i] = Some(toks);
        }
        eprintln!("fold {g}: {:.0} s", t0.elapsed().as_secs_f64());
    }
    for (h, t) in dump.docs.iter_mut().zip(new_tokens) {
        h.tokens = t.expect("every article is in a fold");
    }
    let bytes = postcard::to_allocvec(&dump)?;
    rhetor_formats::atomic::write_atomic(std::path::Path::new(out), bytes)?;
    eprintln!("wrote {out}");
    Ok(())
}
