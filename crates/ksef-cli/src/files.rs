//! Files: atomic writes (never a half-written file under the final name) and input lists
//! (paths, directories, glob patterns).

use std::path::{Path, PathBuf};

use ksef::fsutil::Access;

use crate::error::{CliError, CliResult};

/// Writes `bytes` to `path` through a temporary file in the same directory and a rename, so the
/// final name only ever holds complete content. Creates missing directories. The file is
/// readable by others (0644 on Unix), like any output file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> CliResult {
    write_with(path, bytes, Access::Shared)
}

/// Writes a secret (a private key, a KSeF token) like [`write_atomic`], but readable by the
/// owner only (mode 0600 on Unix, set before any byte is written).
pub fn write_secret(path: &Path, bytes: &[u8]) -> CliResult {
    write_with(path, bytes, Access::OwnerOnly)
}

fn write_with(path: &Path, bytes: &[u8], access: Access) -> CliResult {
    ksef::fsutil::write_atomic(path, bytes, access)
        .map_err(|e| CliError::failure(format!("cannot write {}: {e}", path.display())))
}

fn has_glob(text: &str) -> bool {
    text.contains(['*', '?', '['])
}

/// Expands the inputs into a sorted, de-duplicated list of files: a file stays as it is, a
/// directory gives its `*.xml` files (not recursive), a pattern with `*`, `?` or `[` is matched
/// (for shells that do not expand it). Anything that matches nothing is an error.
pub fn expand_inputs(inputs: &[String]) -> CliResult<Vec<PathBuf>> {
    let mut files = Vec::new();
    for input in inputs {
        let path = Path::new(input);
        if path.is_dir() {
            let mut found = xml_files_in(path)?;
            if found.is_empty() {
                return Err(CliError::config(format!(
                    "{input}: no .xml files in this directory"
                )));
            }
            files.append(&mut found);
        } else if path.is_file() {
            files.push(path.to_path_buf());
        } else if has_glob(input) {
            let matches = glob::glob(input)
                .map_err(|e| CliError::config(format!("bad pattern {input:?}: {e}")))?;
            let before = files.len();
            for entry in matches {
                let entry = entry.map_err(|e| CliError::config(e.to_string()))?;
                if entry.is_file() {
                    files.push(entry);
                }
            }
            if files.len() == before {
                return Err(CliError::config(format!("{input}: no files match")));
            }
        } else if path.exists() {
            return Err(CliError::config(format!(
                "{input}: not a regular file (a device, a pipe or a socket cannot be an invoice)"
            )));
        } else {
            return Err(CliError::config(format!(
                "{input}: no such file or directory"
            )));
        }
    }
    files.sort();
    files.dedup();
    Ok(files)
}

/// The `*.xml` files directly in `dir`, sorted ([`ksef::fsutil::xml_files_in`]).
pub fn xml_files_in(dir: &Path) -> CliResult<Vec<PathBuf>> {
    ksef::fsutil::xml_files_in(dir)
        .map_err(|e| CliError::config(format!("cannot read {}: {e}", dir.display())))
}

/// A file name safe on every platform for a KSeF or reference number.
pub fn safe_name(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_expand_files_directories_and_patterns() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["a.xml", "b.xml", "c.txt"] {
            std::fs::write(dir.path().join(name), b"<x/>").unwrap();
        }
        let d = dir.path().display().to_string();
        let files =
            expand_inputs(&[d.clone(), format!("{d}/a.xml"), format!("{d}/*.txt")]).unwrap();
        assert_eq!(files.len(), 3);
        assert!(expand_inputs(&[format!("{d}/*.pdf")]).is_err());
        assert!(expand_inputs(&[format!("{d}/missing.xml")]).is_err());
    }

    #[test]
    fn atomic_write_leaves_complete_files_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/upo.xml");
        write_atomic(&path, b"abc").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"abc");
        assert_eq!(
            std::fs::read_dir(dir.path().join("sub")).unwrap().count(),
            1
        );
        assert_eq!(safe_name("a/b:c"), "a_b_c");
    }
}
