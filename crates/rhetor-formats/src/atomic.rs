//! Writing a file so that a reader never sees half of it.
//!
//! [`AtomicFile`] writes into a temporary file in the target's own folder
//! (same file system, so the final rename is atomic) and only
//! [`AtomicFile::commit`] puts it in place: flush, fsync the data, rename over
//! the target, fsync the folder so the rename itself survives a power cut.
//! Dropped without a commit (an error, a panic, an early return) the
//! temporary is removed and the target is untouched. Killed outright
//! (`kill -9`), the target is untouched too; only a hidden
//! `.NAME.XXXXXX.tmp` may be left beside it.
//!
//! Every file rhetor writes goes through here: `analyze -o`, `train --out`,
//! `--report`, the HTML report, model files and caches.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// A file being written; see the module docs.
pub struct AtomicFile {
    /// `None` only while committing.
    out: Option<BufWriter<tempfile::NamedTempFile>>,
    target: PathBuf,
}

/// Adds the path to an I/O error, so a message says which file failed.
fn with_path(path: &Path, e: io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}

impl AtomicFile {
    /// Starts writing `path`. Nothing at `path` changes until
    /// [`commit`](Self::commit). A symbolic link is followed, so the file it
    /// points to is the one replaced. An existing file's permissions are kept;
    /// a new file gets the usual ones (0666 less the umask).
    pub fn create(path: impl AsRef<Path>) -> io::Result<Self> {
        let path = path.as_ref();
        let target = match fs::symlink_metadata(path) {
            Ok(m) if m.file_type().is_symlink() => {
                fs::canonicalize(path).map_err(|e| with_path(path, e))?
            }
            _ => path.to_path_buf(),
        };
        let dir = match target.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = target
            .file_name()
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("{}: not a file name", path.display()),
                )
            })?
            .to_string_lossy()
            .into_owned();
        let mut builder = tempfile::Builder::new();
        let prefix = format!(".{name}.");
        builder.prefix(&prefix).suffix(".tmp");
        let permissions = match fs::metadata(&target) {
            Ok(m) => Some(m.permissions()),
            Err(_) => default_permissions(),
        };
        if let Some(p) = permissions {
            builder.permissions(p);
        }
        let tmp = builder.tempfile_in(&dir).map_err(|e| with_path(path, e))?;
        Ok(AtomicFile {
            out: Some(BufWriter::with_capacity(1 << 16, tmp)),
            target,
        })
    }

    /// The file that [`commit`](Self::commit) will replace.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Makes the written bytes the target's content: flush, fsync, rename
    /// over the target, fsync its folder. On error the target is untouched
    /// and the temporary removed.
    pub fn commit(mut self) -> io::Result<()> {
        let target = self.target.clone();
        let fail = |e| with_path(&target, e);
        let out = self.out.take().expect("committed once");
        let tmp = out.into_inner().map_err(|e| fail(e.into_error()))?;
        tmp.as_file().sync_all().map_err(fail)?;
        tmp.persist(&target).map_err(|e| fail(e.error))?;
        sync_folder(&target).map_err(fail)
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.out.as_mut().expect("not committed").write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.out.as_mut().expect("not committed").write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.as_mut().expect("not committed").flush()
    }
}

// Dropping `out` drops the NamedTempFile, which deletes the temporary.

/// Writes `bytes` to `path` atomically.
pub fn write_atomic(path: impl AsRef<Path>, bytes: impl AsRef<[u8]>) -> io::Result<()> {
    let mut f = AtomicFile::create(path)?;
    f.write_all(bytes.as_ref())?;
    f.commit()
}

#[cfg(unix)]
fn default_permissions() -> Option<fs::Permissions> {
    // The kernel applies the umask to the mode given at creation, as it does
    // for File::create; tempfile's own default (0600) would surprise users.
    use std::os::unix::fs::PermissionsExt;
    Some(fs::Permissions::from_mode(0o666))
}

#[cfg(not(unix))]
fn default_permissions() -> Option<fs::Permissions> {
    None
}

/// Makes a rename in `target`'s folder durable.
#[cfg(unix)]
fn sync_folder(target: &Path) -> io::Result<()> {
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_folder(_target: &Path) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leftovers(dir: &Path) -> Vec<String> {
        fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect()
    }

    #[test]
    fn commit_replaces_the_target() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.json");
        fs::write(&path, "old").unwrap();
        let mut f = AtomicFile::create(&path).unwrap();
        f.write_all(b"new content").unwrap();
        // Not visible before the commit.
        assert_eq!(fs::read_to_string(&path).unwrap(), "old");
        f.commit().unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new content");
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn dropped_without_commit_leaves_the_target_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.json");
        fs::write(&path, "old").unwrap();
        {
            let mut f = AtomicFile::create(&path).unwrap();
            f.write_all(&vec![b'x'; 1 << 20]).unwrap();
            assert_eq!(leftovers(dir.path()).len(), 1);
        }
        assert_eq!(fs::read_to_string(&path).unwrap(), "old");
        assert!(leftovers(dir.path()).is_empty());
        // A target that did not exist is not created either.
        let fresh = dir.path().join("fresh.json");
        drop(AtomicFile::create(&fresh).unwrap());
        assert!(!fresh.exists());
    }

    #[test]
    fn a_missing_folder_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("no/such/folder/out.json");
        let e = AtomicFile::create(&path).err().unwrap();
        assert!(e.to_string().contains("out.json"), "{e}");
    }

    #[test]
    fn a_relative_name_without_folder_works() {
        // "out.json" has an empty parent: the temporary goes in ".".
        let dir = tempfile::tempdir().unwrap();
        let f = AtomicFile::create(dir.path().join("x")).unwrap();
        assert_eq!(f.target(), dir.path().join("x"));
        let rel = AtomicFile::create("rhetor-atomic-relative-test.tmp-target").unwrap();
        drop(rel);
        assert!(!Path::new("rhetor-atomic-relative-test.tmp-target").exists());
    }

    #[cfg(unix)]
    #[test]
    fn permissions_are_kept_or_usual() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model.bin");
        fs::write(&path, "old").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        write_atomic(&path, "new").unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
        let fresh = dir.path().join("fresh.bin");
        write_atomic(&fresh, "new").unwrap();
        let plain = dir.path().join("plain.bin");
        fs::write(&plain, "new").unwrap();
        // Whatever File::create gives under this umask, not tempfile's 0600.
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&fresh), mode(&plain));
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_is_followed_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.json");
        let link = dir.path().join("link.json");
        fs::write(&real, "old").unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write_atomic(&link, "new").unwrap();
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(fs::read_to_string(&real).unwrap(), "new");
    }
}
