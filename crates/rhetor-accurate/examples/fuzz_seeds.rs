//! Writes the whole-model seeds of the `model_fast` and `model_accurate`
//! fuzz targets (issue 10, item 7): a bare header gets few mutations past
//! the header checks, a small but complete model file lets the fuzzer
//! start inside the section and head decoders and the checks on load.
//!
//!   cargo run --release -p rhetor-accurate --example fuzz_seeds
//!
//! Both files are written by the real writers (`FastModel::save`,
//! `AccurateHeads::save`), so they must be regenerated whenever either
//! model file's format version changes:
//! * `fuzz/corpus/model_fast/seed-model`: a fast model trained here on 24
//!   short articles written below (no dataset text), hash spaces of 2^8
//!   dimensions;
//! * `fuzz/corpus/model_accurate/seed-heads`: the shipped accurate heads
//!   cut down to 2-dimensional embeddings (each head's first inputs kept),
//!   which pass every check of `check_heads`.

use rhetor_accurate::check::check_heads;
use rhetor_accurate::dense::{DenseLinear, Scaler};
use rhetor_accurate::{shipped_heads, AccurateHeads};
use rhetor_core::{Document, Frame, Genre, GenreScores, OffsetMap, Scored, Technique};
use rhetor_formats::corpus::{Gold, LabeledDocument};
use rhetor_model::train::{train, Silent, TrainOptions};
use rhetor_model::{FastModel, FeatureConfig};
use std::path::Path;

const SENTENCES: &[&str] = &[
    "The board met on Monday to agree the plan for the harbour.",
    "Workers said the bridge would open again once the paint had dried.",
    "The survey counts the birds seen in the park each April.",
    "A spokesman said the vote had been put off until Thursday.",
];

/// Articles where "shameful" carries Loaded_Language (with its span),
/// "prices" articles the Economic frame, "goats" ones are satire.
fn articles() -> Vec<LabeledDocument> {
    (0..24)
        .map(|i| {
            let (loaded, economic, satire) = (i % 2 == 0, i % 3 == 0, i % 4 == 1);
            let mut body: Vec<String> = (0..3)
                .map(|j| SENTENCES[(i + j) % SENTENCES.len()].to_string())
                .collect();
            if loaded {
                body[1] = body[1].replacen(' ', " shameful ", 1);
            }
            if economic {
                body.push("Prices and wages and rents rose again this month.".into());
            }
            if satire {
                body.push("The goats have formed a choir and ask for a stage.".into());
            }
            let mut doc = Document::from_title_and_body(
                format!("{i}"),
                &format!("Item {i}"),
                &body.join("\n"),
            );
            doc.language = Some("en".into());
            if loaded {
                let map = OffsetMap::new(&doc.text);
                let p = doc.paragraph_at_line(4).unwrap().clone();
                let at = p.text.find("shameful").unwrap();
                let start = p.start + p.text[..at].chars().count();
                doc.paragraph_at_line_mut(4).unwrap().techniques =
                    vec![Scored::new(Technique::LoadedLanguage, 1.0)];
                doc.add_span(
                    &map,
                    Technique::LoadedLanguage,
                    start,
                    start + "shameful".len(),
                    1.0,
                );
            }
            let frame = if economic {
                Frame::Economic
            } else {
                Frame::Political
            };
            doc.frames = vec![Scored::new(frame, 1.0)];
            let genre = if satire {
                Genre::Satire
            } else {
                Genre::Reporting
            };
            doc.genre = Some(GenreScores::certain(genre));
            LabeledDocument {
                doc,
                folder: "en".into(),
                gold: Gold {
                    genre: true,
                    frames: true,
                    techniques: true,
                    spans: true,
                },
            }
        })
        .collect()
}

fn tiny_fast_model() -> FastModel {
    let tiny = FeatureConfig {
        bits: 8,
        ..FeatureConfig::default()
    };
    let opts = TrainOptions {
        inner_folds: 2,
        paragraph_features: tiny.clone(),
        article_features: tiny.clone(),
        genre_features: tiny,
        span_bits: 8,
        ..TrainOptions::default()
    };
    train(&articles(), &opts, &Silent)
}

/// The first `keep` of each row's `inputs` inputs, and of the scaler.
fn cut_linear(l: &mut DenseLinear, keep: usize) {
    let weights = l.weights.chunks_exact(l.dims).flat_map(|row| &row[..keep]);
    l.weights = weights.copied().collect();
    l.dims = keep;
    cut_scaler(&mut l.scaler, keep);
}

fn cut_scaler(s: &mut Scaler, keep: usize) {
    s.mean.truncate(keep);
    s.inv_std.truncate(keep);
}

fn tiny_heads() -> AccurateHeads {
    let mut h = shipped_heads().expect("the shipped heads load");
    let dim = 2;
    let technique_inputs = if h.heads.config.article_context {
        2 * dim
    } else {
        dim
    };
    cut_linear(&mut h.heads.techniques.linear, technique_inputs);
    cut_linear(&mut h.heads.frames.linear, dim);
    cut_linear(&mut h.heads.genre.linear, dim);
    h.dim = dim;
    // The span tagger cut alike: each head reads the first `dim` inputs.
    if let Some(spans) = h.spans.as_mut() {
        let inputs = spans.tagger.input.dims(dim);
        spans.tagger.dim = dim;
        for head in spans.tagger.heads.iter_mut().flatten() {
            *head = DenseLinear {
                scaler: Scaler {
                    mean: head.scaler.mean[..inputs].to_vec(),
                    inv_std: head.scaler.inv_std[..inputs].to_vec(),
                },
                weights: head.weights[..inputs].to_vec(),
                bias: head.bias.clone(),
                dims: inputs,
            };
        }
    }
    h.encoder = "fuzz seed".into();
    check_heads(&h.heads, h.dim).expect("the cut heads are consistent");
    h
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus");
    let fast = corpus.join("model_fast/seed-model");
    tiny_fast_model().save(&fast)?;
    // Read back as the fuzz target reads it.
    FastModel::from_bytes(&std::fs::read(&fast)?, "seed-model")?;
    let heads = corpus.join("model_accurate/seed-heads");
    tiny_heads().save(&heads)?;
    AccurateHeads::load(&heads)?;
    for path in [fast, heads] {
        println!(
            "{}: {} bytes",
            path.display(),
            std::fs::metadata(&path)?.len()
        );
    }
    Ok(())
}
