//! Resolves a model name (`auto`, `fast`, `accurate` or a model file) to a
//! detector, as `--model` does for `rhetor analyze` and `rhetor serve`.

use anyhow::{Context, Result};
use rhetor_accurate::{AccurateHeads, AccurateModel};
use rhetor_core::Detector;
use rhetor_encoder::{fetch, Encoder};
use rhetor_model::FastModel;
use std::path::{Path, PathBuf};

/// The encoder directory: the one given (`--encoder DIR`), else
/// `RHETOR_ENCODER_DIR`, else the fetch cache.
pub fn encoder_dir(arg: Option<&Path>) -> Option<PathBuf> {
    arg.map(Path::to_path_buf).or_else(fetch::default_dir)
}

/// The accurate model's encoder files are not installed. A type of its own
/// so front ends can tell it from other failures (Python raises
/// `FileNotFoundError`).
#[derive(Debug, thiserror::Error)]
#[error(
    "the accurate model needs its encoder files in {}: run `rhetor models fetch`, \
     or pass --encoder DIR\n{}",
    dir.display(),
    fetch::manual_instructions(dir)
)]
pub struct MissingEncoder {
    /// Where the encoder files were looked for.
    pub dir: PathBuf,
}

fn shipped_fast() -> Result<FastModel> {
    rhetor_model::shipped().context("the shipped fast model is unreadable")
}

/// Loads the encoder from `arg` or the default directory, or explains how
/// to install it.
pub fn load_encoder(arg: Option<&Path>) -> Result<Encoder> {
    let dir = encoder_dir(arg).context("no encoder directory: pass --encoder DIR or set HOME")?;
    if rhetor_encoder::layout(&dir).is_none() {
        return Err(MissingEncoder { dir }.into());
    }
    Ok(Encoder::load(&dir)?)
}

/// Loads the encoder and builds the accurate model from `heads`.
fn accurate(heads: AccurateHeads, encoder: Option<&Path>) -> Result<AccurateModel> {
    let encoder = load_encoder(encoder)?;
    Ok(AccurateModel::new(shipped_fast()?, encoder, heads)?)
}

/// A loaded detector, and the one-line notice to show the user when `auto`
/// fell back to the fast model (the front end decides where it goes).
pub struct Loaded {
    /// The model, ready to annotate.
    pub detector: Box<dyn Detector>,
    /// What to tell the user, if anything (e.g. that `auto` fell back).
    pub notice: Option<String>,
}

impl Loaded {
    fn quiet(detector: Box<dyn Detector>) -> Self {
        Loaded {
            detector,
            notice: None,
        }
    }
}

/// Loads the detector named by `spec`: `auto`, `fast`, `accurate`, or a
/// model file (fast model or accurate heads, told apart by their header).
pub fn load_detector(spec: &str, encoder: Option<&Path>) -> Result<Loaded> {
    match spec {
        "fast" => Ok(Loaded::quiet(Box::new(shipped_fast()?))),
        "accurate" => Ok(Loaded::quiet(Box::new(accurate(
            rhetor_accurate::shipped_heads()?,
            encoder,
        )?))),
        "auto" => {
            let present =
                encoder_dir(encoder).is_some_and(|d| rhetor_encoder::layout(&d).is_some());
            match rhetor_accurate::shipped_heads() {
                Ok(heads) if present => Ok(Loaded::quiet(Box::new(accurate(heads, encoder)?))),
                Ok(_) => Ok(Loaded {
                    detector: Box::new(shipped_fast()?),
                    notice: Some(
                        "using the fast model (the accurate model's encoder is not installed; \
                         `rhetor models fetch` installs it)"
                            .into(),
                    ),
                }),
                Err(e) => Ok(Loaded {
                    detector: Box::new(shipped_fast()?),
                    notice: Some(format!("using the fast model ({e})")),
                }),
            }
        }
        path => {
            let p = Path::new(path);
            let bytes = std::fs::read(p).with_context(|| {
                format!("cannot read model {path:?} (expected `auto`, `fast`, `accurate` or a model file)")
            })?;
            if AccurateHeads::file_version(&bytes).is_some() {
                let heads = AccurateHeads::from_bytes(&bytes, path)?;
                Ok(Loaded::quiet(Box::new(accurate(heads, encoder)?)))
            } else {
                Ok(Loaded::quiet(Box::new(FastModel::from_bytes(
                    &bytes, path,
                )?)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_model_file_says_what_was_expected_and_keeps_the_io_error() {
        let err = load_detector("/nonexistent/model.bin", None).err().unwrap();
        let msg = format!("{err:#}");
        assert!(
            msg.contains("cannot read model \"/nonexistent/model.bin\""),
            "{msg}"
        );
        assert!(
            msg.contains("`auto`, `fast`, `accurate` or a model file"),
            "{msg}"
        );
        let io = err.chain().find_map(|e| e.downcast_ref::<std::io::Error>());
        assert_eq!(io.map(|e| e.kind()), Some(std::io::ErrorKind::NotFound));
    }

    #[test]
    fn a_missing_encoder_is_its_own_error_with_install_steps() {
        let dir = std::env::temp_dir().join("rhetor-engine-no-encoder-here");
        let err = load_detector("accurate", Some(&dir)).err().unwrap();
        let missing = err
            .downcast_ref::<MissingEncoder>()
            .expect("MissingEncoder");
        assert_eq!(missing.dir, dir);
        assert!(err.to_string().contains("rhetor models fetch"));
    }

    #[test]
    fn fast_loads_without_a_notice() {
        let loaded = load_detector("fast", None).unwrap();
        assert_eq!(loaded.detector.name(), "fast");
        assert!(loaded.notice.is_none());
    }
}
