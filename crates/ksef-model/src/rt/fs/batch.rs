//! Many files made durable together: [`DurableBatch`].

use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::{Access, parent_dir, sync_dir, temporary_for};

/// Files written under temporary names that get their final names together, after their bytes
/// are on disk ([`DurableBatch::commit`]).
///
/// [`write_atomic`](super::write_atomic) flushes each file on its own, which is right for one
/// state file and slow for the thousands of invoices of an export: every `fsync` is a round trip
/// to the disk (on a file system without a journal, also a synchronous write of the file's inode
/// block, shared with fifteen other files). A batch keeps the same guarantee — no file ever
/// appears under its final name before its bytes are durable, and a crash leaves at most
/// temporary `.ksef-*.tmp` files — with one flush per file system: on Linux one `syncfs` for all
/// the staged files (it also writes out whatever else is pending on that file system); elsewhere
/// each file is flushed as it is staged. Then every file is renamed over its final name and each
/// directory involved is flushed once.
///
/// Staging is thread-safe (several unpacking threads stage into one batch). Staged files hold no
/// open handle, so a batch of any size stays within the process's file limit. Whatever has not
/// been committed — after an error, a panic or a plain drop — is removed.
#[derive(Debug, Default)]
pub struct DurableBatch {
    staged: Mutex<Vec<(tempfile::TempPath, PathBuf)>>,
}

impl DurableBatch {
    /// An empty batch.
    pub fn new() -> Self {
        Self::default()
    }

    /// A new temporary file next to `path` with the permissions of `access`: write the content
    /// to it, then hand it back with [`DurableBatch::stage`]. The directory must exist.
    pub fn create(&self, path: &Path, access: Access) -> std::io::Result<tempfile::NamedTempFile> {
        temporary_for(path, access)
    }

    /// Adds a completely written temporary file (from [`DurableBatch::create`]) that is to
    /// become `path` at [`DurableBatch::commit`]. The file is closed; its name is kept.
    pub fn stage(&self, file: tempfile::NamedTempFile, path: PathBuf) -> std::io::Result<()> {
        #[cfg(not(target_os = "linux"))]
        file.as_file().sync_data()?;
        let tmp = file.into_temp_path();
        self.staged
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((tmp, path));
        Ok(())
    }

    /// Writes `bytes` to a staged file that becomes `path`, creating missing parent directories.
    pub fn write(&self, path: &Path, bytes: &[u8], access: Access) -> std::io::Result<()> {
        std::fs::create_dir_all(parent_dir(path))?;
        let mut file = self.create(path, access)?;
        file.write_all(bytes)?;
        self.stage(file, path.to_path_buf())
    }

    /// How many files are staged.
    pub fn len(&self) -> usize {
        self.staged.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// Whether nothing is staged.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Makes every staged file durable, renames each over its final name (replacing a file of
    /// that name) and flushes every directory involved. On an error the files not renamed yet
    /// are removed; those already renamed are complete.
    pub fn commit(self) -> std::io::Result<()> {
        let staged = self.staged.into_inner().unwrap_or_else(|p| p.into_inner());
        if staged.is_empty() {
            return Ok(());
        }
        let dirs: BTreeSet<PathBuf> = staged.iter().map(|(_, path)| parent_dir(path)).collect();
        flush_file_systems(&dirs)?;
        for (tmp, path) in staged {
            tmp.persist(&path).map_err(|e| e.error)?;
        }
        for dir in &dirs {
            sync_dir(dir)?;
        }
        Ok(())
    }
}

/// Writes out everything pending on the file systems of `dirs` (one `syncfs` each). Since
/// Linux 5.8 `syncfs` also reports write-back errors that happened since the handle was opened.
#[cfg(target_os = "linux")]
fn flush_file_systems(dirs: &BTreeSet<PathBuf>) -> std::io::Result<()> {
    use std::os::unix::fs::MetadataExt as _;
    let mut flushed = BTreeSet::new();
    for dir in dirs {
        let handle = std::fs::File::open(dir)?;
        if flushed.insert(handle.metadata()?.dev()) {
            rustix::fs::syncfs(&handle)?;
        }
    }
    Ok(())
}

/// Elsewhere each file was flushed when it was staged.
#[cfg(not(target_os = "linux"))]
fn flush_file_systems(_: &BTreeSet<PathBuf>) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn files_appear_only_at_commit_and_replace_older_ones() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("b.xml"), b"old").unwrap();
        let batch = DurableBatch::new();
        batch
            .write(&dir.path().join("a.xml"), b"first", Access::Shared)
            .unwrap();
        batch
            .write(&dir.path().join("sub/c.xml"), b"third", Access::OwnerOnly)
            .unwrap();
        let mut file = batch
            .create(&dir.path().join("b.xml"), Access::Shared)
            .unwrap();
        file.write_all(b"second").unwrap();
        batch.stage(file, dir.path().join("b.xml")).unwrap();
        assert_eq!(batch.len(), 3);
        // Before the commit only temporary names (and the old file) exist.
        assert!(!dir.path().join("a.xml").exists());
        assert_eq!(std::fs::read(dir.path().join("b.xml")).unwrap(), b"old");
        batch.commit().unwrap();
        assert_eq!(names(dir.path()), ["a.xml", "b.xml", "sub"]);
        assert_eq!(names(&dir.path().join("sub")), ["c.xml"]);
        assert_eq!(std::fs::read(dir.path().join("b.xml")).unwrap(), b"second");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&dir.path().join("a.xml")), 0o644);
            assert_eq!(mode(&dir.path().join("sub/c.xml")), 0o600);
        }
    }

    #[test]
    fn a_batch_dropped_without_commit_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let batch = DurableBatch::new();
        for n in 0..5 {
            batch
                .write(&dir.path().join(format!("{n}.xml")), b"x", Access::Shared)
                .unwrap();
        }
        assert_eq!(names(dir.path()).len(), 5, "the staged temporary files");
        drop(batch);
        assert!(names(dir.path()).is_empty());
    }

    #[test]
    fn a_failed_rename_removes_the_files_not_yet_named() {
        let dir = tempfile::tempdir().unwrap();
        let batch = DurableBatch::new();
        batch
            .write(&dir.path().join("a.xml"), b"a", Access::Shared)
            .unwrap();
        // A directory where a file should go: its rename fails.
        std::fs::create_dir(dir.path().join("b.xml")).unwrap();
        std::fs::write(dir.path().join("b.xml/inside"), b"keep").unwrap();
        batch
            .write(&dir.path().join("b.xml"), b"b", Access::Shared)
            .unwrap();
        batch
            .write(&dir.path().join("c.xml"), b"c", Access::Shared)
            .unwrap();
        assert!(batch.commit().is_err());
        assert_eq!(names(dir.path()), ["a.xml", "b.xml"]);
    }
}
