//! File-system durability helpers shared by the state files, sync and export writers (the
//! one implementation lives in [`ksef_model::rt::fs`]).

pub use ksef_model::rt::fs::{Access, sync_dir, write_atomic};

/// The `*.xml` files (extension in any case) directly in `dir`, sorted by path: how a directory
/// of invoices is read by [`crate::AuthenticatedClient::submit_batch_from_paths`] and the CLI.
pub fn xml_files_in(dir: &std::path::Path) -> std::io::Result<Vec<std::path::PathBuf>> {
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
