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

/// The `*.xml` files (extension in any case) directly in `dir`, sorted by path: how a directory
/// of invoices is read by [`crate::AuthenticatedClient::submit_batch_from_paths`] and the CLI.
pub fn xml_files_in(dir: &Path) -> std::io::Result<Vec<std::path::PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let is_xml = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("xml"));
        if is_xml && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}
