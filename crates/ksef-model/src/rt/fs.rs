//! Crash-safe file writing shared by every crate that saves files (the SDK's state and sync
//! files, the CLI's outputs, the emulator's persisted state). Feature `fs`.
//!
//! [`write_atomic`] never leaves a half-written file under the final name: the bytes go to a
//! uniquely named temporary file in the same directory, which is flushed to disk and renamed over
//! the target; then the directory itself is flushed so that the rename survives a power cut.
//! [`DurableBatch`] keeps the same guarantee for thousands of files at once (unpacked invoices,
//! their metadata) with one flush of the file system instead of one per file.

use std::io::Write as _;
use std::path::{Path, PathBuf};

mod batch;
pub use batch::DurableBatch;

/// Who may read a file written by [`write_atomic`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Access {
    /// Readable by others (`0644` on Unix), like any output file.
    #[default]
    Shared,
    /// Readable by the owner only (`0600` on Unix, set before any byte is written): key
    /// material, KSeF tokens, state that holds a session key.
    OwnerOnly,
}

/// Writes `bytes` to `path` atomically (see the module documentation), creating missing parent
/// directories.
pub fn write_atomic(path: &Path, bytes: &[u8], access: Access) -> std::io::Result<()> {
    let dir = parent_dir(path);
    std::fs::create_dir_all(&dir)?;
    let mut tmp = temporary_for(path, access)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    sync_dir(&dir)
}

/// A new, uniquely named temporary file in the directory of `path` (so that renaming it over
/// `path` is atomic) with the permissions of `access`. The file is created owner-only; a shared
/// file is widened before any byte is written.
fn temporary_for(path: &Path, access: Access) -> std::io::Result<tempfile::NamedTempFile> {
    let tmp = tempfile::Builder::new()
        .prefix(".ksef-")
        .suffix(".tmp")
        .tempfile_in(parent_dir(path))?;
    #[cfg(unix)]
    if access == Access::Shared {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    #[cfg(not(unix))]
    let _ = access;
    Ok(tmp)
}

/// Flushes a directory's entries to disk, so that a file renamed into it survives a power cut
/// (on Unix a rename is durable only once its directory is synced; elsewhere a no-op).
pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        std::fs::File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// The directory a file lives in (`.` for a bare file name).
fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_complete_files_with_the_asked_access() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/dir/out.json");
        write_atomic(&path, b"first", Access::Shared).unwrap();
        write_atomic(&path, b"second", Access::OwnerOnly).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        // No temporary file is left behind.
        let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("out.json")]);
    }

    #[test]
    fn a_missing_directory_that_cannot_be_made_is_an_io_error() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("plain");
        std::fs::write(&file, b"x").unwrap();
        let err = write_atomic(&file.join("below/out"), b"y", Access::Shared).unwrap_err();
        assert_ne!(err.kind(), std::io::ErrorKind::NotFound, "{err}");
    }
}
