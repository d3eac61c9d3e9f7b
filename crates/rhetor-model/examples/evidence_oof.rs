//! Held-out scores of the fast model, computed once and cached, for tuning
//! the evidence decisions (`examples/evidence_tune.rs`, docs/evaluation.md).
//!
//! `cargo run --release -p rhetor-model --example evidence_oof -- DATA cv|lolo|lolo-unseen OUT`
//!
//! `cv`: 5-fold article-level folds ([`rhetor_model::train::fold_groups`],
//! the folds of `rhetor train --cv 5`); `lolo`: each language folder held
//! out in turn; `lolo-unseen`: the same, the techniques probabilities and
//! thresholds those of the decision for a language never trained on (what
//! `analyze` uses on the held-out language; its cap of
//! [`rhetor_model::UNSEEN_MAX_TECHNIQUES`] is the reader's to apply). For
//! every held-out article: its paragraphs' technique
//! probabilities, every token's span-tagger probability for every
//! technique, the frame and genre probabilities, and which held-out model
//! (with its thresholds and offsets) produced them.

use rhetor_model::train::{
    fold_groups, for_each_held_out, language_groups, unannotated, Silent, TrainOptions,
};
use std::path::PathBuf;

mod oof_dump;
use oof_dump::{Dump, Held, Rules};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [data, mode, out] = &args[..] else {
        return Err("usage: evidence_oof DATA cv|lolo|lolo-unseen OUT".into());
    };
    let docs = rhetor_formats::corpus::load_dataset(&PathBuf::from(data), None)?;
    let groups = match mode.as_str() {
        "cv" => fold_groups(&docs, 5),
        "lolo" | "lolo-unseen" => language_groups(&docs),
        _ => return Err("mode: cv, lolo or lolo-unseen".into()),
    };
    let unseen = mode == "lolo-unseen";
    let mut group_of = vec![0; docs.len()];
    for (g, idx) in groups.iter().enumerate() {
        for &i in idx {
            group_of[i] = g;
        }
    }
    let opts = TrainOptions::default();
    let rules = std::sync::Mutex::new(Vec::<(usize, Rules)>::new());
    let held = for_each_held_out(&docs, &groups, &opts, &Silent, |model, ld| {
        let i = docs
            .iter()
            .position(|d| std::ptr::eq(d, ld))
            .expect("a document of the dataset");
        let g = group_of[i];
        {
            let mut r = rules.lock().expect("no panic holds the lock");
            if !r.iter().any(|(k, _)| *k == g) {
                r.push((
                    g,
                    Rules {
                        technique_thresholds: if unseen {
                            model.unseen_techniques().thresholds.clone()
                        } else {
                            model.techniques().thresholds.clone()
                        },
                        frame_thresholds: model.frames().thresholds.clone(),
                        genre_offsets: model.genre().offsets.clone(),
                    },
                ));
            }
        }
        let mut doc = unannotated(&ld.doc);
        doc.language = ld.doc.language.clone();
        let techniques = if unseen {
            model.unseen_technique_probs(&doc)
        } else {
            model.technique_probs(&doc)
        };
        let tokens = doc
            .paragraphs
            .iter()
            .map(|p| {
                let (_, probs) = model.token_probs(&p.text, p.start);
                probs
                    .into_iter()
                    .map(|t| {
                        t.into_iter()
                            .map(|v| (v * 65535.0).round() as u16)
                            .collect()
                    })
                    .collect()
            })
            .collect();
        let (frames, genre) = model.article_probs(&doc);
        eprint!(".");
        Held {
            group: g,
            techniques,
            tokens,
            frames,
            genre,
        }
    });
    let mut r = rules.into_inner().expect("no panic holds the lock");
    r.sort_by_key(|(g, _)| *g);
    let dump = Dump {
        groups: r.into_iter().map(|(_, r)| r).collect(),
        docs: held,
    };
    let bytes = postcard::to_allocvec(&dump)?;
    rhetor_formats::atomic::write_atomic(std::path::Path::new(out), bytes)?;
    eprintln!("\nwrote {out}");
    Ok(())
}
