//! File-system durability helpers shared by the state files, sync and export writers.

use std::path::Path;

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
