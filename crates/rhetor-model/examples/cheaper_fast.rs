//! What a cheaper fast model would buy and cost (issue 12, a study: the
//! shipped model and its defaults are untouched; docs/ingest.md).
//!
//! `cargo run --release -p rhetor-model --example cheaper_fast -- DATA OUTDIR VARIANT...`
//!
//! For each variant: 5-fold cross-validated scores on the folds of
//! `rhetor train --cv 5` (techniques and frames micro-F1, genre macro-F1,
//! span F1), then a model trained on every article written to
//! `OUTDIR/VARIANT.bin` so `analyze`/`ingest --model OUTDIR/VARIANT.bin`
//! can time it beside the shipped model. `shipped` is
//! `TrainOptions::default()` (its model is `models/fast.bin`, bit for bit);
//! the others change only the feature settings named below.
use rhetor_formats::corpus::load_dataset;
use rhetor_model::report::HeldOutReport;
use rhetor_model::train::{cross_validate, train, Silent, TrainOptions};
use std::path::PathBuf;
use std::time::Instant;

/// The options of a variant, by name.
fn variant(name: &str) -> Option<TrainOptions> {
    let mut o = TrainOptions::default().with_seed(13);
    let all = |o: &mut TrainOptions, f: &dyn Fn(&mut rhetor_model::FeatureConfig)| {
        f(&mut o.paragraph_features);
        f(&mut o.article_features);
        f(&mut o.genre_features);
    };
    match name {
        "shipped" => {}
        // Character 3–4-grams instead of 2–5: half the char features.
        "chars34" => all(&mut o, &|f| {
            f.char_min = 3;
            f.char_max = 4;
        }),
        // Hash spaces 4× smaller (paragraphs 2^18, articles 2^17, span
        // tagger 2^16): tables that fit the caches better, more collisions.
        "bits-2" => {
            all(&mut o, &|f| f.bits -= 2);
            o.span_bits -= 2;
        }
        // Both.
        "chars34-bits-2" => {
            all(&mut o, &|f| {
                f.char_min = 3;
                f.char_max = 4;
                f.bits -= 2;
            });
            o.span_bits -= 2;
        }
        _ => return None,
    }
    Some(o)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [data, out, names @ ..] = args.as_slice() else {
        return Err(
            "usage: cheaper_fast DATA OUTDIR VARIANT... (shipped, chars34, bits-2, chars34-bits-2)"
                .into(),
        );
    };
    let docs = load_dataset(&PathBuf::from(data), None)?;
    std::fs::create_dir_all(out)?;
    println!("variant\ttechniques_micro_f1\tframes_micro_f1\tgenre_macro_f1\tspans_f1\tcv_s\ttrain_s\tmodel_bytes");
    for name in names {
        let opts = variant(name).ok_or(format!("unknown variant {name}"))?;
        let t = Instant::now();
        let preds = cross_validate(&docs, 5, &opts, &Silent);
        let cv_s = t.elapsed().as_secs_f64();
        let s = &HeldOutReport::new(&docs, &preds).by_language["all"];
        let t = Instant::now();
        let path = PathBuf::from(out).join(format!("{name}.bin"));
        train(&docs, &opts, &Silent).save(&path)?;
        let train_s = t.elapsed().as_secs_f64();
        println!(
            "{name}\t{:.4}\t{:.4}\t{:.4}\t{:.4}\t{cv_s:.0}\t{train_s:.0}\t{}",
            s.techniques_micro_f1,
            s.frames_micro_f1,
            s.genre_macro_f1,
            s.spans_f1,
            std::fs::metadata(&path)?.len()
        );
    }
    Ok(())
}
