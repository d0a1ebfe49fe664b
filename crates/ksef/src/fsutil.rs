//! File-system durability helpers shared by the state files, sync and export writers (the
//! one implementation lives in [`ksef_model::rt::fs`]).

pub use ksef_model::rt::fs::{Access, DurableBatch, sync_dir, write_atomic};

/// Writes `value` as pretty JSON to `path` atomically (temporary file + `fsync` + rename) with
/// `access`: the SDK's state files.
pub(crate) fn write_json<T: serde::Serialize + ?Sized>(
    path: &std::path::Path,
    value: &T,
    access: Access,
) -> crate::Result<()> {
    write_atomic(path, &json_bytes(path, value)?, access).map_err(crate::Error::io(path))
}

/// Stages `value` as pretty JSON for `path` in `batch` (named, durable, at its commit): the
/// metadata of synchronised invoices, thousands at a time.
pub(crate) fn stage_json<T: serde::Serialize + ?Sized>(
    batch: &DurableBatch,
    path: &std::path::Path,
    value: &T,
    access: Access,
) -> crate::Result<()> {
    batch
        .write(path, &json_bytes(path, value)?, access)
        .map_err(crate::Error::io(path))
}

/// `value` as pretty JSON; an error names the file it was meant for.
fn json_bytes<T: serde::Serialize + ?Sized>(
    path: &std::path::Path,
    value: &T,
) -> crate::Result<Vec<u8>> {
    serde_json::to_vec_pretty(value).map_err(|source| crate::Error::Serialize {
        path: path.to_owned(),
        source,
    })
}

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
