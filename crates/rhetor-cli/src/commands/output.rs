//! Output files: written to a temporary file in the target's folder and
//! renamed over the target only when everything was written, so a failed
//! or killed run never leaves half a file behind.
//!
//! (To be replaced by `rhetor_formats::atomic::AtomicFile` once it lands.)

use anyhow::{Context, Result};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Where a command writes: stdout, or a file committed at the end.
pub struct Output {
    inner: Inner,
    /// (temporary file, target) while a file is not committed.
    paths: Option<(PathBuf, PathBuf)>,
}

enum Inner {
    Stdout(BufWriter<io::StdoutLock<'static>>),
    File(BufWriter<File>),
}

impl Output {
    pub fn open(path: Option<&Path>) -> Result<Output> {
        let Some(target) = path else {
            return Ok(Output {
                inner: Inner::Stdout(BufWriter::new(io::stdout().lock())),
                paths: None,
            });
        };
        let dir = target
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "out".into());
        let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
        let file =
            File::create(&tmp).with_context(|| format!("cannot create {}", target.display()))?;
        Ok(Output {
            inner: Inner::File(BufWriter::new(file)),
            paths: Some((tmp, target.to_path_buf())),
        })
    }

    /// Flushes; for a file, syncs it and renames it over the target.
    pub fn commit(mut self) -> Result<()> {
        self.flush()?;
        if let (Inner::File(w), Some((tmp, target))) = (&self.inner, &self.paths) {
            w.get_ref()
                .sync_all()
                .with_context(|| format!("cannot write {}", target.display()))?;
            std::fs::rename(tmp, target)
                .with_context(|| format!("cannot write {}", target.display()))?;
            self.paths = None;
        }
        Ok(())
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.inner {
            Inner::Stdout(w) => w.write(buf),
            Inner::File(w) => w.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match &mut self.inner {
            Inner::Stdout(w) => w.flush(),
            Inner::File(w) => w.flush(),
        }
    }
}

impl Drop for Output {
    fn drop(&mut self) {
        // Not committed: the target stays as it was.
        if let Some((tmp, _)) = &self.paths {
            let _ = std::fs::remove_file(tmp);
        }
    }
}
