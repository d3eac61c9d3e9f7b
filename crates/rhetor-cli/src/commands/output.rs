//! Where `analyze -o`, `extract -o` and `export -o` write: stdout, or an
//! [`AtomicFile`] renamed over the target only when everything was written,
//! so a failed or killed run never leaves half a file behind.

use anyhow::{Context, Result};
use rhetor_formats::atomic::AtomicFile;
use std::io::{self, BufWriter, Write};
use std::path::Path;

pub enum Output {
    Stdout(BufWriter<io::StdoutLock<'static>>),
    File(AtomicFile),
}

impl Output {
    pub fn open(path: Option<&Path>) -> Result<Output> {
        Ok(match path {
            Some(path) => Output::File(
                AtomicFile::create(path)
                    .with_context(|| format!("cannot create {}", path.display()))?,
            ),
            None => Output::Stdout(BufWriter::new(io::stdout().lock())),
        })
    }

    /// Whether this writes a file (which a failed run discards) rather
    /// than stdout.
    pub fn is_file(&self) -> bool {
        matches!(self, Output::File(_))
    }

    /// Flushes stdout (a file is left to its buffer: it appears at commit).
    pub fn flush_stdout(&mut self) -> io::Result<()> {
        match self {
            Output::Stdout(w) => w.flush(),
            Output::File(_) => Ok(()),
        }
    }

    /// Flushes stdout, or commits the file (fsync and rename).
    pub fn commit(self) -> Result<()> {
        match self {
            Output::Stdout(mut w) => w.flush().context("cannot write output"),
            Output::File(f) => {
                let target = f.target().display().to_string();
                f.commit().with_context(|| format!("cannot write {target}"))
            }
        }
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Output::Stdout(w) => w.write(buf),
            Output::File(f) => f.write(buf),
        }
    }
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Output::Stdout(w) => w.write_all(buf),
            Output::File(f) => f.write_all(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Output::Stdout(w) => w.flush(),
            Output::File(f) => f.flush(),
        }
    }
}
