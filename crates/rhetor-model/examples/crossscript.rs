//! Features that carry across scripts, measured (issue 15 item 3; the
//! shipped model is untouched; docs/evaluation.md).
//!
//! `cargo run --release -p rhetor-model --example crossscript -- DATA VARIANT...`
//!
//! For each variant, a techniques head is trained as `rhetor train` trains
//! the fast model's (same seed, inner folds, calibration, thresholds) on
//! the 5-fold article-level folds of `rhetor train --cv 5` and on each
//! language left out in turn, and its decisions scored: paragraph
//! techniques micro-F1 per language and pooled, leave-one-language-out
//! with the unseen-language cap of 3 labels per paragraph, as the shipped
//! model decides a language it was not trained on. `shipped` reproduces
//! the shipped model's figures (docs/evaluation.md).
use rhetor_formats::corpus::load_dataset;
use rhetor_model::crossscript::{techniques_held_out, Variant};
use rhetor_model::train::{fold_groups, language_groups};
use rhetor_model::UNSEEN_MAX_TECHNIQUES;
use std::path::PathBuf;
use std::time::Instant;

/// A variant by name: `+`-joined parts on top of the shipped features.
fn variant(name: &str) -> Option<Variant> {
    let mut v = Variant::default();
    if name == "shipped" {
        return Some(v);
    }
    for part in name.split('+') {
        match part {
            "fold" => v.fold_all = true,
            "nofold" => v.fold_all = false,
            "xchars" => v.folded_chars = 1.0,
            "xchars05" => v.folded_chars = 0.5,
            "cues" => v.script_cues = true,
            "nolang" => v.no_language_cue = true,
            "chars34" => (v.char_min, v.char_max) = (3, 4),
            "cw2" => v.char_weight = 2.0,
            _ => return None,
        }
    }
    Some(v)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [data, names @ ..] = args.as_slice() else {
        return Err("usage: crossscript DATA VARIANT... (shipped, or parts joined by +: fold, nofold, xchars, xchars05, cues, nolang, chars34, cw2)".into());
    };
    let docs = load_dataset(&PathBuf::from(data), None)?;
    let modes: Vec<String> = std::env::var("MODES")
        .unwrap_or_else(|_| "cv,lolo".into())
        .split(',')
        .map(String::from)
        .collect();
    for name in names {
        let v = variant(name).ok_or(format!("unknown variant {name}"))?;
        for mode in &modes {
            let t = Instant::now();
            let (groups, cap) = match mode.as_str() {
                "cv" => (fold_groups(&docs, 5), usize::MAX),
                "lolo" => (language_groups(&docs), UNSEEN_MAX_TECHNIQUES),
                _ => return Err(format!("mode {mode}: cv or lolo").into()),
            };
            let tallies = techniques_held_out(&docs, &groups, &v, cap);
            let row: Vec<String> = tallies
                .iter()
                .map(|(lang, t)| format!("{lang} {:.4}", t.f1()))
                .collect();
            println!(
                "{name}\t{mode}\t{}\t{:.0}s",
                row.join("\t"),
                t.elapsed().as_secs_f64()
            );
        }
    }
    Ok(())
}
