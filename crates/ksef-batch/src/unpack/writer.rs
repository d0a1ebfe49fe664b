//! Writing the entries of a package: names checked against the target directory, limits
//! counted on the bytes actually written, each file staged in one [`DurableBatch`].

use std::collections::HashSet;
use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use ksef_model::rt::fs::{Access, DurableBatch};

use super::{StagedUnpack, UnpackError, UnpackLimits, UnpackedFile};

/// Checks an entry name and returns its path below `target`.
pub(super) fn safe_path(target: &Path, name: &str) -> Result<PathBuf, UnpackError> {
    let unsafe_path = || UnpackError::UnsafePath(name.to_owned());
    if name.is_empty() || name.contains('\\') || name.contains('\0') {
        return Err(unsafe_path());
    }
    let mut out = target.to_path_buf();
    let mut depth = 0;
    for component in Path::new(name).components() {
        match component {
            Component::Normal(part) => {
                out.push(part);
                depth += 1;
            }
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => {
                return Err(unsafe_path());
            }
        }
    }
    if depth == 0 {
        return Err(unsafe_path());
    }
    Ok(out)
}

/// Creates the directories of `path` below `target`, refusing any existing component that is a
/// symbolic link (which could point outside).
fn prepare_dirs(target: &Path, path: &Path, name: &str) -> Result<(), UnpackError> {
    let io = |p: &Path, source| UnpackError::Io {
        path: p.to_path_buf(),
        source,
    };
    let parent = path.parent().unwrap_or(target);
    let relative = parent
        .strip_prefix(target)
        .map_err(|_| UnpackError::UnsafePath(name.to_owned()))?;
    let mut current = target.to_path_buf();
    for part in relative.components() {
        current.push(part);
        match std::fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(UnpackError::Link(name.to_owned()));
            }
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => return Err(UnpackError::UnsafePath(name.to_owned())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir(&current).map_err(|e| io(&current, e))?
            }
            Err(e) => return Err(io(&current, e)),
        }
    }
    if let Ok(meta) = std::fs::symlink_metadata(path)
        && meta.file_type().is_symlink()
    {
        return Err(UnpackError::Link(name.to_owned()));
    }
    Ok(())
}

fn io_error(path: &Path, source: std::io::Error) -> UnpackError {
    UnpackError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes entries atomically, enforcing the limits on the bytes actually read. Entries are
/// admitted one after another ([`Writer::admit`]: count, name, duplicates, directories) and
/// may then be written from several threads at once ([`Writer::write`]). Each entry goes to a
/// temporary file of one [`DurableBatch`]; [`Writer::finish`] makes them all durable at once
/// and only then gives them their names (one file-system flush instead of an `fsync` per
/// invoice, which dominated unpacking thousands of small invoices).
pub(super) struct Writer<'a> {
    target: &'a Path,
    limits: &'a UnpackLimits,
    total: AtomicU64,
    /// The admitted names (entries are admitted by one thread at a time, while admitted ones
    /// are being written).
    admitted: Mutex<HashSet<PathBuf>>,
    batch: DurableBatch,
}

impl<'a> Writer<'a> {
    pub(super) fn new(target: &'a Path, limits: &'a UnpackLimits) -> Result<Self, UnpackError> {
        std::fs::create_dir_all(target).map_err(|source| UnpackError::Io {
            path: target.to_path_buf(),
            source,
        })?;
        Ok(Self {
            target,
            limits,
            total: AtomicU64::new(0),
            admitted: Mutex::default(),
            batch: DurableBatch::new(),
        })
    }

    /// After every entry was written (`files`): the staged result, still to be committed. After
    /// a failure the writer is dropped: nothing gets a name and the temporary files are removed.
    pub(super) fn finish(self, files: Vec<UnpackedFile>) -> StagedUnpack {
        StagedUnpack {
            files,
            batch: self.batch,
            target: self.target.to_path_buf(),
        }
    }

    /// Checks the entry `name` (count, safe name, no duplicate, no link on the way) and creates
    /// its directories; returns where it goes.
    pub(super) fn admit(&self, name: &str) -> Result<PathBuf, UnpackError> {
        let mut admitted = self.admitted.lock().unwrap_or_else(|e| e.into_inner());
        if admitted.len() >= self.limits.max_entries {
            return Err(UnpackError::TooManyEntries(self.limits.max_entries));
        }
        let path = safe_path(self.target, name)?;
        // Names that lead to the same file (`a.xml`, `./a.xml`, `d//a.xml`) are duplicates.
        if admitted.contains(&path) {
            return Err(UnpackError::Duplicate(name.to_owned()));
        }
        prepare_dirs(self.target, &path, name)?;
        admitted.insert(path.clone());
        Ok(path)
    }

    /// Writes an admitted entry to a temporary file next to `path`, staged in the batch that
    /// names it at [`Writer::finish`]. Returns its size.
    pub(super) fn write(
        &self,
        name: &str,
        path: &Path,
        mut data: impl Read,
    ) -> Result<u64, UnpackError> {
        let mut tmp = self.temporary(path)?;
        let mut buf = vec![0u8; 64 * 1024];
        let mut size = 0u64;
        loop {
            let n = data
                .read(&mut buf)
                .map_err(|e| UnpackError::Archive(format!("{name}: {e}")))?;
            if n == 0 {
                break;
            }
            size += n as u64;
            self.count(name, size, n)?;
            tmp.write_all(&buf[..n]).map_err(|e| io_error(path, e))?;
        }
        self.stage(tmp, path)?;
        Ok(size)
    }

    /// [`Writer::write`] for an entry already in memory: one write, no copy through a buffer.
    pub(super) fn write_bytes(
        &self,
        name: &str,
        path: &Path,
        data: &[u8],
    ) -> Result<u64, UnpackError> {
        let mut tmp = self.temporary(path)?;
        self.count(name, data.len() as u64, data.len())?;
        tmp.write_all(data).map_err(|e| io_error(path, e))?;
        self.stage(tmp, path)?;
        Ok(data.len() as u64)
    }

    /// A temporary file next to `path`, readable by the owner only (invoices are business data;
    /// the caller widens access if it wants).
    fn temporary(&self, path: &Path) -> Result<tempfile::NamedTempFile, UnpackError> {
        self.batch
            .create(path, Access::OwnerOnly)
            .map_err(|e| io_error(path, e))
    }

    /// Hands a written temporary file to the batch.
    fn stage(&self, tmp: tempfile::NamedTempFile, path: &Path) -> Result<(), UnpackError> {
        self.batch
            .stage(tmp, path.to_path_buf())
            .map_err(|e| io_error(path, e))
    }

    /// Counts `n` more bytes of entry `name` (`size` of it so far) against the limits.
    fn count(&self, name: &str, size: u64, n: usize) -> Result<(), UnpackError> {
        let total = self.total.fetch_add(n as u64, Ordering::Relaxed) + n as u64;
        let limit = if size > self.limits.max_entry_bytes {
            self.limits.max_entry_bytes
        } else if total > self.limits.max_total_bytes {
            self.limits.max_total_bytes
        } else {
            return Ok(());
        };
        Err(UnpackError::TooLarge {
            limit,
            entry: name.to_owned(),
        })
    }

    /// Admits and writes one entry.
    pub(super) fn entry(&self, name: &str, data: impl Read) -> Result<UnpackedFile, UnpackError> {
        let path = self.admit(name)?;
        let size = self.write(name, &path, data)?;
        Ok(UnpackedFile {
            name: name.to_owned(),
            path,
            size,
        })
    }
}
