//! Safe unpacking of packages received from the network (invoice exports).
//!
//! Archive entries are untrusted: absolute paths, `..` segments, drive prefixes, symbolic and
//! hard links are refused, the number of entries and the bytes actually written are capped
//! (zip-bomb limits), every file is written to a temporary name and renamed only when complete
//! (a crash never leaves a file that looks complete), and nothing is ever written outside the
//! target directory — not even through a symbolic link that already exists inside it.
//!
//! [`stage_zip`] unpacks a complete ZIP file through its central directory;
//! [`stage_zip_arriving`] unpacks one while it is still being written (an export's parts being
//! decrypted), from its local headers, and checks the central directory at the end;
//! [`stage_tar_gz`] reads a tar.gz stream. All three stage the files, which get their names
//! only at [`StagedUnpack::commit`].

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use ksef_model::rt::fs::DurableBatch;

use crate::inflate::Inflater;

mod arriving;
mod writer;

pub use arriving::stage_zip_arriving;
use writer::{Writer, safe_path};

/// Limits for unpacking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnpackLimits {
    /// Most entries (default 20,000: an export holds ≤ 10,000 invoices plus metadata).
    pub max_entries: usize,
    /// Most bytes written in total (default 10 GB).
    pub max_total_bytes: u64,
    /// Most bytes of one entry (default 50 MB; invoices are ≤ 3 MB, metadata is larger).
    pub max_entry_bytes: u64,
}

impl Default for UnpackLimits {
    fn default() -> Self {
        Self {
            max_entries: 20_000,
            max_total_bytes: 10_000_000_000,
            max_entry_bytes: 50_000_000,
        }
    }
}

/// Why a package could not be unpacked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UnpackError {
    /// An entry name would escape the target directory or is not a plain relative path.
    #[error("unsafe entry name {0:?}")]
    UnsafePath(String),
    /// An entry is a link.
    #[error("entry {0:?} is a link; links are not allowed in packages")]
    Link(String),
    /// Too many entries.
    #[error("the package has more than {0} entries")]
    TooManyEntries(usize),
    /// Too much data.
    #[error("the package expands beyond {limit} bytes (entry {entry:?})")]
    TooLarge {
        /// The limit hit.
        limit: u64,
        /// The entry being written.
        entry: String,
    },
    /// The same name twice.
    #[error("entry {0:?} appears twice")]
    Duplicate(String),
    /// The archive is malformed.
    #[error("malformed archive: {0}")]
    Archive(String),
    /// A ZIP's local headers (read while the package arrived) and its central directory
    /// describe different entries, or there are bytes outside every entry.
    #[error("the ZIP's local headers disagree with its central directory: {0}")]
    Inconsistent(String),
    /// Writing failed.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

/// A file written by unpacking: its data was on disk before it got its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnpackedFile {
    /// The entry name.
    pub name: String,
    /// Where it was written.
    pub path: PathBuf,
    /// Its size.
    pub size: u64,
}

/// Whether a ZIP entry with these attributes is a symbolic link (a Unix mode of type link, or
/// what the `zip` crate recognises as one).
fn is_link(unix_mode: Option<u32>, symlink: bool) -> bool {
    symlink || unix_mode.is_some_and(|m| m & 0o170000 == 0o120000)
}

fn open_zip(archive: &Path) -> Result<zip::ZipArchive<std::io::BufReader<File>>, UnpackError> {
    let file = File::open(archive).map_err(|source| UnpackError::Io {
        path: archive.to_path_buf(),
        source,
    })?;
    zip::ZipArchive::new(std::io::BufReader::new(file))
        .map_err(|e| UnpackError::Archive(e.to_string()))
}

/// Every entry of a package written to a temporary file next to its final place, none named
/// yet: [`StagedUnpack::commit`] makes them all durable at once and only then names them.
/// Dropped without a commit, the temporary files are removed.
///
/// Staging apart from committing lets the caller remove what it no longer needs first — an
/// export removes its decrypted package, so the flush does not write that to disk as well.
#[derive(Debug)]
#[must_use = "nothing is named before the commit"]
pub struct StagedUnpack {
    files: Vec<UnpackedFile>,
    batch: DurableBatch,
    target: PathBuf,
}

impl StagedUnpack {
    /// The files, in archive order, as they will be named.
    pub fn files(&self) -> &[UnpackedFile] {
        &self.files
    }

    /// Makes every file durable and gives it its name (see [`DurableBatch::commit`]).
    pub fn commit(self) -> Result<Vec<UnpackedFile>, UnpackError> {
        let Self {
            files,
            batch,
            target,
        } = self;
        batch.commit().map_err(|source| UnpackError::Io {
            path: target,
            source,
        })?;
        Ok(files)
    }
}

/// Unpacks a ZIP file (seekable) into `target`: [`stage_zip`], then [`StagedUnpack::commit`].
pub fn unpack_zip(
    archive: &Path,
    target: &Path,
    limits: &UnpackLimits,
) -> Result<Vec<UnpackedFile>, UnpackError> {
    stage_zip(archive, target, limits)?.commit()
}

/// Unpacks a tar.gz stream into `target`: [`stage_tar_gz`], then [`StagedUnpack::commit`].
pub fn unpack_tar_gz(
    reader: impl Read,
    target: &Path,
    limits: &UnpackLimits,
) -> Result<Vec<UnpackedFile>, UnpackError> {
    stage_tar_gz(reader, target, limits)?.commit()
}

/// Writes every entry of a ZIP file (seekable) to a temporary file below `target`. Every entry
/// is checked first (names, links, duplicates, count), in order; then the entries are inflated
/// and written on all cores, each thread reading the archive through its own handle.
pub fn stage_zip(
    archive: &Path,
    target: &Path,
    limits: &UnpackLimits,
) -> Result<StagedUnpack, UnpackError> {
    let archive_err = |e: zip::result::ZipError| UnpackError::Archive(e.to_string());
    let mut zip = open_zip(archive)?;
    if zip.len() > limits.max_entries {
        return Err(UnpackError::TooManyEntries(limits.max_entries));
    }
    let writer = Writer::new(target, limits)?;
    let mut admitted = Vec::new();
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i).map_err(archive_err)?;
        let name = entry.name().map_err(archive_err)?.into_owned();
        if entry.is_dir() {
            safe_path(target, name.trim_end_matches('/'))?;
            continue;
        }
        if is_link(entry.unix_mode(), entry.is_symlink()) {
            return Err(UnpackError::Link(name));
        }
        let path = writer.admit(&name)?;
        admitted.push((i, name, path));
    }
    let threads = unpacking_threads().clamp(1, admitted.len().max(1));
    let init = || Ok((open_zip(archive)?, Inflater::new()));
    let write = |zip: &mut zip::ZipArchive<_>,
                 inflater: &mut Inflater,
                 (i, name, path): &(usize, String, PathBuf)| {
        let size = match inflater.inflate(zip, *i, name)? {
            Some(plain) => writer.write_bytes(name, path, plain)?,
            None => {
                let entry = zip.by_index(*i).map_err(archive_err)?;
                writer.write(name, path, entry)?
            }
        };
        Ok(UnpackedFile {
            name: name.clone(),
            path: path.clone(),
            size,
        })
    };
    // A few entries per hand-over: one thread wake-up per small invoice would cost more than
    // writing it.
    let work = |(zip, inflater): &mut (zip::ZipArchive<_>, Inflater),
                items: &[(usize, String, PathBuf)]| {
        items
            .iter()
            .map(|item| write(zip, inflater, item))
            .collect::<Result<Vec<_>, _>>()
    };
    let ((), files) = crate::parallel::scatter(threads, init, work, |send| {
        for items in admitted.chunks(16) {
            if !send(items) {
                break;
            }
        }
        Ok(())
    })?;
    Ok(writer.finish(files.into_iter().flatten().collect()))
}

/// Threads that inflate and write entries: one per core.
fn unpacking_threads() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// The most bytes the tar reader may consume between two entries: headers, GNU long names,
/// PAX extended headers and padding. The `tar` crate reads long-name and PAX bodies wholly into
/// memory, so an unbounded one would be a memory bomb.
pub const TAR_HEADER_BUDGET: u64 = 1 << 20;

/// A reader over the decompressed tar stream with a byte allowance that the unpacking loop sets:
/// [`TAR_HEADER_BUDGET`] while the next entry's headers are read, unbounded while an entry's
/// body (capped by the writer's own limits) is copied out. Reading past the allowance fails.
struct BudgetReader<R> {
    inner: R,
    allowance: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl<R: Read> Read for BudgetReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let left = self.allowance.load(Ordering::Relaxed);
        if left == 0 && !buf.is_empty() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("an entry header (GNU long name or PAX) exceeds {TAR_HEADER_BUDGET} bytes"),
            ));
        }
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        if left != u64::MAX {
            self.allowance.store(left - n as u64, Ordering::Relaxed);
        }
        Ok(n)
    }
}

/// Writes every entry of a tar.gz stream to a temporary file below `target` (see
/// [`stage_zip`]).
pub fn stage_tar_gz(
    reader: impl Read,
    target: &Path,
    limits: &UnpackLimits,
) -> Result<StagedUnpack, UnpackError> {
    let allowance = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(TAR_HEADER_BUDGET));
    let mut archive = tar::Archive::new(BudgetReader {
        inner: flate2::read::GzDecoder::new(reader),
        allowance: allowance.clone(),
    });
    let writer = Writer::new(target, limits)?;
    let mut files = Vec::new();
    let mut entries = archive
        .entries()
        .map_err(|e| UnpackError::Archive(e.to_string()))?;
    loop {
        allowance.store(TAR_HEADER_BUDGET, Ordering::Relaxed);
        let Some(entry) = entries.next() else {
            break;
        };
        let entry = entry.map_err(|e| UnpackError::Archive(e.to_string()))?;
        allowance.store(u64::MAX, Ordering::Relaxed);
        let name = entry
            .path()
            .map_err(|e| UnpackError::Archive(e.to_string()))?
            .to_string_lossy()
            .into_owned();
        match entry.header().entry_type() {
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                files.push(writer.entry(&name, entry)?);
            }
            tar::EntryType::Directory => {
                safe_path(target, name.trim_end_matches('/'))?;
            }
            tar::EntryType::Symlink | tar::EntryType::Link => return Err(UnpackError::Link(name)),
            other => {
                return Err(UnpackError::Archive(format!(
                    "entry {name:?} has unsupported type {other:?}"
                )));
            }
        }
    }
    Ok(writer.finish(files))
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use super::*;

    fn listing(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// Staged entries have only temporary names until the commit; a staged unpack that is
    /// dropped leaves nothing behind.
    #[test]
    fn entries_get_their_names_only_at_the_commit() {
        let dir = tempfile::tempdir().unwrap();
        let archive = dir.path().join("p.zip");
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&archive).unwrap());
        for name in ["a.xml", "b.xml"] {
            zip.start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap();
            zip.write_all(format!("<{name}/>").as_bytes()).unwrap();
        }
        zip.finish().unwrap();
        let limits = UnpackLimits::default();

        let dropped = dir.path().join("dropped");
        let staged = stage_zip(&archive, &dropped, &limits).unwrap();
        assert_eq!(staged.files().len(), 2);
        assert!(listing(&dropped).iter().all(|n| n.starts_with(".ksef-")));
        drop(staged);
        assert!(listing(&dropped).is_empty());

        let kept = dir.path().join("kept");
        let staged = stage_zip(&archive, &kept, &limits).unwrap();
        assert!(!kept.join("a.xml").exists());
        let files = staged.commit().unwrap();
        assert_eq!(listing(&kept), ["a.xml", "b.xml"]);
        assert_eq!(files[1].path, kept.join("b.xml"));
        assert_eq!(std::fs::read(kept.join("b.xml")).unwrap(), b"<b.xml/>");
    }

    #[test]
    fn names() {
        let t = Path::new("/t");
        assert_eq!(safe_path(t, "a/b.xml").unwrap(), Path::new("/t/a/b.xml"));
        for bad in ["../x", "/etc/passwd", "a/../../x", "", "a\\b", "."] {
            assert!(safe_path(t, bad).is_err(), "{bad}");
        }
    }
}
