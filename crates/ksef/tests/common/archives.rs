//! Archives built by the tests, hostile ones included.

use std::io::Write as _;

/// A ZIP of `entries` (name, data), with a symbolic link entry (name, target) at the end when
/// `symlink` is given. Names are written as given, so `..` and absolute paths get through.
pub(crate) fn zip_with(entries: &[(&str, &[u8])], symlink: Option<(&str, &str)>) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    for (name, data) in entries {
        zip.start_file(*name, options).unwrap();
        zip.write_all(data).unwrap();
    }
    if let Some((name, target)) = symlink {
        zip.add_symlink(name, target, options).unwrap();
    }
    zip.finish().unwrap().into_inner()
}
