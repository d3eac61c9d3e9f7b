//! The frozen part of the fine-tuning experiment (issue 15 item 4,
//! `bench/finetune`, docs/evaluation.md): runs the encoder's bottom
//! `12 − K` layers over every paragraph of the labelled training articles,
//! tokenised and cut into windows exactly as the accurate model's training
//! does (`passage: ` prefix, windows of 510 pieces between `<s>` and
//! `</s>`), and writes what a trainer of the top `K` layers needs:
//!
//! - `states.f16`: every window's hidden states after layer `12 − K`
//!   (f16, 384 per token, windows in the order computed);
//! - `top.f32`: the top `K` layers' weights in f32 (dequantised from the
//!   4-bit file), tensor after tensor as listed in `meta.json`;
//! - `check.f32`: the encoder's embeddings (pooled, normalised) of the
//!   first `CHECK` paragraphs, to check that the trainer's top layers start
//!   exactly from the frozen model;
//! - `meta.json`: windows (paragraph, offset in tokens, length, content
//!   length), paragraphs (article, gold techniques), articles (id, folder,
//!   the fold `rhetor train --cv 5` puts it in, gold frames and genre).
//!
//! The bottom layers run as the shipped encoder runs them (int8 on CPUs
//! with AVX-512 VNNI, else f32), the top `K` in f32 as the trainer runs
//! them; `check.f32` is made by that same mix, in Rust. Nothing here is
//! committed: the files go to
//! `~/.cache/rhetor/finetune/k{K}`.
//!
//! `cargo run --release -p rhetor-accurate --example finetune_cache -- DATA K [LIMIT]`
//! (`LIMIT`: only the first that many articles, to time it.)
//!
//! With `ids` in place of `K` (the whole encoder fine-tuned on a GPU,
//! `bench/finetune/gpu.sh`), nothing runs through the encoder's layers:
//! `~/.cache/rhetor/finetune/ids` gets `ids.u32` (every window's token ids,
//! markers included, one window after the other), `meta.json` (the same
//! fields, window offsets counting ids) and `check.f32` (the first
//! paragraphs' embeddings by the all-f32 encoder).
use rayon::prelude::*;
use rhetor_encoder::{bert, Encoder};
use rhetor_formats::atomic::AtomicFile;
use rhetor_model::train::fold_assignment;
use serde_json::json;
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

/// Paragraphs whose full-encoder embeddings are kept for the check.
const CHECK: usize = 64;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let data = PathBuf::from(args.first().ok_or("usage: DATA K [LIMIT]")?);
    let mode = args.get(1).ok_or("usage: DATA K|ids [LIMIT]")?;
    let ids_only = mode == "ids";
    let k: usize = if ids_only { 12 } else { mode.parse()? };
    let limit: Option<usize> = args.get(2).map(|s| s.parse()).transpose()?;
    let home = PathBuf::from(std::env::var("HOME")?);
    let out = home.join(format!(
        ".cache/rhetor/finetune/{}",
        if ids_only {
            "ids".to_string()
        } else {
            format!("k{k}")
        }
    ));
    std::fs::create_dir_all(&out)?;
    let dir = home.join(".cache/rhetor/multilingual-e5-small");
    let encoder = Encoder::load(&dir)?;
    let f32_encoder = Encoder::load_f32(&dir)?;
    let w = f32_encoder.weights();
    let (h, n_layers) = (w.config.hidden, w.layers.len());
    if k == 0 || k > n_layers {
        return Err(format!("K must be 1..={n_layers}").into());
    }
    let bottom = n_layers - k;
    let mut docs = rhetor_formats::corpus::load_dataset(&data, None)?;
    // Folds of the whole corpus, as `rhetor train --cv 5` assigns them.
    let folds = fold_assignment(&docs, 5);
    if let Some(n) = limit {
        docs.truncate(n);
    }

    // Articles and paragraphs with their gold labels.
    let mut articles = Vec::new();
    let mut paragraphs = Vec::new();
    let mut texts: Vec<&str> = Vec::new();
    for (a, d) in docs.iter().enumerate() {
        let first = paragraphs.len();
        for p in &d.doc.paragraphs {
            let techniques: Option<Vec<usize>> = d
                .gold
                .techniques
                .then(|| p.techniques.iter().map(|t| t.label.index()).collect());
            paragraphs.push(json!({"article": a, "techniques": techniques}));
            texts.push(p.text.as_str());
        }
        let frames: Option<Vec<usize>> = d
            .gold
            .frames
            .then(|| d.doc.frames.iter().map(|f| f.label.index()).collect());
        let genre = d
            .doc
            .genre
            .as_ref()
            .filter(|_| d.gold.genre)
            .map(|g| g.label.index());
        articles.push(json!({
            "id": d.doc.id, "folder": d.folder, "fold": folds[a],
            "paragraphs": [first, paragraphs.len()],
            "frames": frames, "genre": genre,
        }));
    }

    // Every paragraph's windows and batches, as Encoder::embed cuts them.
    let ids: Vec<Vec<u32>> = texts.par_iter().map(|t| encoder.token_ids(t)).collect();
    let (windows, batches) = encoder.windows(&ids);
    let total: usize = windows.iter().map(|w| w.1.len()).sum();
    if ids_only {
        return write_ids(&out, &f32_encoder, &windows, &paragraphs, &articles);
    }
    let int8 = &encoder.int8_layers()[..encoder.int8_layers().len().min(bottom)];
    eprintln!(
        "{} articles, {} paragraphs, {} windows, {} tokens; layers 1..={bottom} frozen, top {k} cached as f32",
        docs.len(),
        paragraphs.len(),
        windows.len(),
        total
    );

    // The bottom layers, batch by batch, streamed to states.f16.
    let start = Instant::now();
    let mut states = AtomicFile::create(out.join("states.f16"))?;
    let mut offsets = vec![0usize; windows.len()];
    let mut written = 0usize;
    let mut bytes = Vec::new();
    for group in batches.chunks(64) {
        let done: Vec<(Vec<usize>, Vec<f32>)> = group
            .par_iter()
            .map(|b| {
                let seqs: Vec<&[u32]> = b.iter().map(|&i| windows[i].1.as_slice()).collect();
                let (x, _) = bert::hidden_states_to(w, int8, &seqs, bottom);
                (b.clone(), x)
            })
            .collect();
        for (b, x) in done {
            for &i in &b {
                offsets[i] = written;
                written += windows[i].1.len();
            }
            bytes.clear();
            for v in x {
                bytes.extend_from_slice(&half::f16::from_f32(v).to_le_bytes());
            }
            states.write_all(&bytes)?;
        }
        eprint!(
            "\r{written}/{total} tokens, {:.0} s",
            start.elapsed().as_secs_f32()
        );
    }
    states.commit()?;
    eprintln!();

    // The top layers' weights.
    let mut top = AtomicFile::create(out.join("top.f32"))?;
    let mut tensors = Vec::new();
    let mut put = |name: String, v: &[f32], shape: Vec<usize>| -> std::io::Result<()> {
        for x in v {
            top.write_all(&x.to_le_bytes())?;
        }
        tensors.push(json!({"name": name, "shape": shape}));
        Ok(())
    };
    for (i, l) in w.layers.iter().enumerate().skip(bottom) {
        let lin = [
            ("query", &l.query),
            ("key", &l.key),
            ("value", &l.value),
            ("attn_out", &l.attn_out),
            ("ffn_in", &l.ffn_in),
            ("ffn_out", &l.ffn_out),
        ];
        for (name, lin) in lin {
            put(
                format!("{i}.{name}.weight"),
                &lin.weight,
                vec![lin.out, lin.inp],
            )?;
            put(format!("{i}.{name}.bias"), &lin.bias, vec![lin.out])?;
        }
        for (name, n) in [("attn_norm", &l.attn_norm), ("out_norm", &l.out_norm)] {
            put(format!("{i}.{name}.weight"), &n.weight, vec![h])?;
            put(format!("{i}.{name}.bias"), &n.bias, vec![h])?;
        }
    }
    top.commit()?;

    // The first paragraphs' embeddings by the same mix of int8 and f32
    // blocks, one window each (the check uses one-window paragraphs).
    let checked = write_check(&out, w, int8, &windows)?;

    let meta = json!({
        "k": k, "hidden": h, "heads": w.config.heads, "eps": w.config.eps,
        "bottom_layers": bottom, "tokens": total, "check": checked, "int8_layers": int8.len(),
        "seconds": start.elapsed().as_secs_f64(),
        "tensors": tensors,
    });
    write_meta(&out, meta, &windows, &offsets, &paragraphs, &articles)?;
    eprintln!(
        "wrote {} in {:.0} s",
        out.display(),
        start.elapsed().as_secs_f32()
    );
    Ok(())
}

/// Writes `check.f32`: the embeddings (pooled, normalised) of the first
/// [`CHECK`] paragraphs that fit in one window, by the encoder `w` with the
/// int8 blocks `int8`; returns those paragraphs.
fn write_check(
    out: &std::path::Path,
    w: &rhetor_encoder::weights::BertWeights,
    int8: &[rhetor_encoder::qgemm::QLayer],
    windows: &[rhetor_encoder::Window],
) -> Result<Vec<usize>, Box<dyn std::error::Error>> {
    let h = w.config.hidden;
    let mut cf = AtomicFile::create(out.join("check.f32"))?;
    let mut checked = Vec::new();
    for (i, (p, seq)) in windows.iter().enumerate() {
        if checked.len() == CHECK {
            break;
        }
        if windows.get(i + 1).is_some_and(|n| n.0 == *p) || (i > 0 && windows[i - 1].0 == *p) {
            continue;
        }
        let (x, bounds) = bert::hidden_states(w, int8, &[seq.as_slice()]);
        let mut v = bert::mean_rows(&x, bounds[0].0, bounds[0].1, h);
        rhetor_encoder::normalize(&mut v);
        for x in &v {
            cf.write_all(&x.to_le_bytes())?;
        }
        checked.push(*p);
    }
    cf.commit()?;
    Ok(checked)
}

/// The `ids` mode: token ids, labels and folds for fine-tuning the whole
/// encoder elsewhere, and the all-f32 encoder's check embeddings.
fn write_ids(
    out: &std::path::Path,
    encoder: &Encoder,
    windows: &[rhetor_encoder::Window],
    paragraphs: &[serde_json::Value],
    articles: &[serde_json::Value],
) -> Result<(), Box<dyn std::error::Error>> {
    let w = encoder.weights();
    let mut f = AtomicFile::create(out.join("ids.u32"))?;
    let mut offsets = Vec::with_capacity(windows.len());
    let mut at = 0usize;
    for (_, seq) in windows {
        offsets.push(at);
        at += seq.len();
        for id in seq {
            f.write_all(&id.to_le_bytes())?;
        }
    }
    f.commit()?;
    let checked = write_check(out, w, &[], windows)?;
    let meta = json!({
        "hidden": w.config.hidden, "heads": w.config.heads, "eps": w.config.eps,
        "tokens": at, "check": checked,
    });
    write_meta(out, meta, windows, &offsets, paragraphs, articles)?;
    eprintln!("wrote {} ({at} token ids)", out.display());
    Ok(())
}

/// Writes `meta.json`: the mode's own fields in `meta`, then the windows
/// (paragraph, offset, length), paragraphs and articles both modes share.
fn write_meta(
    out: &std::path::Path,
    mut meta: serde_json::Value,
    windows: &[rhetor_encoder::Window],
    offsets: &[usize],
    paragraphs: &[serde_json::Value],
    articles: &[serde_json::Value],
) -> Result<(), Box<dyn std::error::Error>> {
    meta["windows"] = windows
        .iter()
        .zip(offsets)
        .map(|((p, seq), off)| json!([p, off, seq.len()]))
        .collect();
    meta["paragraphs"] = json!(paragraphs);
    meta["articles"] = json!(articles);
    let mut mf = AtomicFile::create(out.join("meta.json"))?;
    mf.write_all(serde_json::to_string(&meta)?.as_bytes())?;
    mf.commit()?;
    Ok(())
}
