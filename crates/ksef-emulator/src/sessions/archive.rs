//! Safe unpacking of batch packages (ZIP or tar.gz) in memory: an entry-count limit, a cap on
//! every entry and on the whole decompressed size, and decompression-bomb detection.

use std::io::Read;

/// Why a package could not be unpacked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArchiveError {
    /// More entries than allowed (session status 420).
    #[error("the package holds more than {0} files")]
    TooManyEntries(usize),
    /// Not a readable archive, or a decompression bomb (session status 430).
    #[error("cannot decompress the package: {0}")]
    Corrupt(String),
}

/// One file of a package.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Path inside the package.
    pub name: String,
    /// Content (at most `max_entry + 1` bytes; longer content is cut and `oversized` is set).
    pub bytes: Vec<u8>,
    /// Whether the file was larger than `max_entry`.
    pub oversized: bool,
}

/// Limits for unpacking.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Most files.
    pub max_entries: usize,
    /// Largest file kept in full.
    pub max_entry: u64,
    /// Largest total decompressed size.
    pub max_total: u64,
}

/// Ratio of decompressed to compressed size above which an oversized entry counts as a bomb.
const BOMB_RATIO: u64 = 100;

fn read_capped(reader: &mut dyn Read, cap: u64) -> Result<(Vec<u8>, u64), ArchiveError> {
    let mut bytes = Vec::new();
    reader
        .take(cap + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| ArchiveError::Corrupt(e.to_string()))?;
    // Count (without keeping) what lies beyond the cap, in bounded chunks.
    let mut extra: u64 = 0;
    let mut buf = [0u8; 8192];
    if bytes.len() as u64 > cap {
        loop {
            let n = reader
                .read(&mut buf)
                .map_err(|e| ArchiveError::Corrupt(e.to_string()))?;
            if n == 0 || extra > cap.saturating_mul(BOMB_RATIO) {
                break;
            }
            extra += n as u64;
        }
    }
    let total = bytes.len() as u64 + extra;
    Ok((bytes, total))
}

/// Unpacks a package; `compression` is `Zip` or `TarGz`.
pub fn unpack(data: &[u8], compression: &str, limits: Limits) -> Result<Vec<Entry>, ArchiveError> {
    match compression {
        "TarGz" => unpack_tar_gz(data, limits),
        _ => unpack_zip(data, limits),
    }
}

fn accept(
    out: &mut Vec<Entry>,
    total: &mut u64,
    name: String,
    bytes: Vec<u8>,
    size: u64,
    compressed: u64,
    limits: Limits,
) -> Result<(), ArchiveError> {
    *total += size;
    if *total > limits.max_total {
        return Err(ArchiveError::Corrupt(
            "decompressed size exceeds the limit".into(),
        ));
    }
    let oversized = size > limits.max_entry;
    if oversized && size / compressed.max(1) > BOMB_RATIO {
        return Err(ArchiveError::Corrupt(format!(
            "entry {name} looks like a decompression bomb"
        )));
    }
    out.push(Entry {
        name,
        bytes,
        oversized,
    });
    Ok(())
}

fn unpack_zip(data: &[u8], limits: Limits) -> Result<Vec<Entry>, ArchiveError> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(data))
        .map_err(|e| ArchiveError::Corrupt(e.to_string()))?;
    if archive.len() > limits.max_entries {
        return Err(ArchiveError::TooManyEntries(limits.max_entries));
    }
    let mut out = Vec::new();
    let mut total = 0u64;
    for i in 0..archive.len() {
        let mut file = archive
            .by_index(i)
            .map_err(|e| ArchiveError::Corrupt(e.to_string()))?;
        if file.is_dir() {
            continue;
        }
        let name = file
            .name()
            .map(|n| n.into_owned())
            .unwrap_or_else(|_| format!("entry-{}", i + 1));
        let compressed = file.compressed_size();
        let (bytes, size) = read_capped(&mut file, limits.max_entry)?;
        accept(&mut out, &mut total, name, bytes, size, compressed, limits)?;
    }
    Ok(out)
}

fn unpack_tar_gz(data: &[u8], limits: Limits) -> Result<Vec<Entry>, ArchiveError> {
    let gz = flate2::read::GzDecoder::new(data);
    let mut archive = tar::Archive::new(gz);
    let entries = archive
        .entries()
        .map_err(|e| ArchiveError::Corrupt(e.to_string()))?;
    let mut out = Vec::new();
    let mut total = 0u64;
    let mut count = 0usize;
    for entry in entries {
        let mut entry = entry.map_err(|e| ArchiveError::Corrupt(e.to_string()))?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        count += 1;
        if count > limits.max_entries {
            return Err(ArchiveError::TooManyEntries(limits.max_entries));
        }
        let name = entry
            .path()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_else(|_| format!("entry-{count}"));
        let (bytes, size) = read_capped(&mut entry, limits.max_entry)?;
        // A tar member is stored uncompressed; the gzip ratio applies to the whole stream.
        let compressed = (data.len() as u64).max(1);
        accept(&mut out, &mut total, name, bytes, size, compressed, limits)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits {
        max_entries: 3,
        max_entry: 1000,
        max_total: 10_000,
    };

    #[test]
    fn garbage_is_corrupt() {
        assert!(matches!(
            unpack(b"not an archive", "Zip", LIMITS),
            Err(ArchiveError::Corrupt(_))
        ));
        assert!(matches!(
            unpack(b"not an archive", "TarGz", LIMITS),
            Err(ArchiveError::Corrupt(_))
        ));
    }
}
