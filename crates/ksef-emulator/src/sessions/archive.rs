//! Safe unpacking of batch packages (ZIP or tar.gz) from a seekable source (the decrypted
//! package in a temporary file): an entry-count limit, a cap on every entry and on the whole
//! decompressed size, and decompression-bomb detection. For tar.gz the decompressed stream is
//! read through a byte budget, and extension headers (GNU long names, PAX records), which the
//! `tar` crate reads whole into memory, are measured first in a raw pass and refused when
//! larger than [`MAX_EXTENSION_HEADER`].

use std::io::{Read, Seek, SeekFrom};

/// Why a package could not be unpacked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ArchiveError {
    /// More entries than allowed (session status 420).
    #[error("the package holds more than {0} files")]
    TooManyEntries(usize),
    /// Not a readable archive, or a decompression bomb (session status 430).
    #[error("cannot decompress the package: {0}")]
    Corrupt(String),
}

/// One file of a package.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    /// Path inside the package.
    pub name: String,
    /// Content (at most `max_entry + 1` bytes; longer content is cut and `oversized` is set).
    pub bytes: Vec<u8>,
    /// Whether the file was larger than `max_entry`.
    pub oversized: bool,
}

/// Limits for unpacking.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
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

/// Largest GNU long-name / long-link or PAX extension header accepted in a tar.gz package.
pub(crate) const MAX_EXTENSION_HEADER: u64 = 64 * 1024;

/// Unpacks a package; `compression` is `Zip` or `TarGz`.
pub(crate) fn unpack<R: Read + Seek>(
    mut data: R,
    compression: &str,
    limits: Limits,
) -> Result<Vec<Entry>, ArchiveError> {
    let len = data
        .seek(SeekFrom::End(0))
        .and_then(|len| data.rewind().map(|()| len))
        .map_err(|e| ArchiveError::Corrupt(e.to_string()))?;
    match compression {
        "TarGz" => unpack_tar_gz(data, len, limits),
        _ => unpack_zip(data, limits),
    }
}

/// A reader that fails once more than its budget of bytes has been read through it.
struct Budget<R> {
    inner: R,
    left: u64,
}

impl<R: Read> Read for Budget<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.left = self.left.checked_sub(n as u64).ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "decompressed size exceeds the limit",
            )
        })?;
        Ok(n)
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

fn unpack_zip<R: Read + Seek>(data: R, limits: Limits) -> Result<Vec<Entry>, ArchiveError> {
    let mut archive =
        zip::ZipArchive::new(data).map_err(|e| ArchiveError::Corrupt(e.to_string()))?;
    if archive.len() > limits.max_entries {
        return Err(ArchiveError::TooManyEntries(limits.max_entries));
    }
    let mut out = Vec::new();
    let mut total = 0u64;
    for i in 0..archive.len() {
        let mut file = archive
            .by_index(i)
            .map_err(|e| ArchiveError::Corrupt(e.to_string()))?;
        // Directories and symbolic links are not invoices (as in tar.gz packages).
        if file.is_dir() || file.is_symlink() {
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

/// Room for the headers of one tar entry in the byte budget (its 512-byte header, a typical
/// PAX record and padding).
const HEADER_ALLOWANCE: u64 = 4096;

/// The decompressed tar stream of a gzip file, within the budget of `limits`: the whole
/// decompressed size plus [`HEADER_ALLOWANCE`] for each of `max_entries` entries.
fn tar_stream<R: Read>(
    data: R,
    limits: Limits,
) -> tar::Archive<Budget<flate2::read::GzDecoder<R>>> {
    let headers = (limits.max_entries as u64)
        .saturating_add(16)
        .saturating_mul(HEADER_ALLOWANCE)
        .saturating_add(MAX_EXTENSION_HEADER);
    tar::Archive::new(Budget {
        inner: flate2::read::GzDecoder::new(data),
        left: limits.max_total.saturating_add(headers),
    })
}

/// First pass: refuses extension headers larger than [`MAX_EXTENSION_HEADER`] before the
/// second pass lets the `tar` crate read them into memory.
fn check_extension_headers<R: Read>(data: R, limits: Limits) -> Result<(), ArchiveError> {
    let corrupt = |e: std::io::Error| ArchiveError::Corrupt(e.to_string());
    let mut archive = tar_stream(data, limits);
    let mut entries = archive.entries().map_err(corrupt)?.raw(true);
    entries.try_for_each(|entry| {
        let entry = entry.map_err(corrupt)?;
        let kind = entry.header().entry_type();
        if (kind.is_gnu_longname()
            || kind.is_gnu_longlink()
            || kind.is_pax_local_extensions()
            || kind.is_pax_global_extensions())
            && entry.size() > MAX_EXTENSION_HEADER
        {
            return Err(ArchiveError::Corrupt(format!(
                "an extension header of {} bytes exceeds the limit of {MAX_EXTENSION_HEADER}",
                entry.size()
            )));
        }
        Ok(())
    })
}

fn unpack_tar_gz<R: Read + Seek>(
    mut data: R,
    compressed_len: u64,
    limits: Limits,
) -> Result<Vec<Entry>, ArchiveError> {
    let corrupt = |e: std::io::Error| ArchiveError::Corrupt(e.to_string());
    check_extension_headers(&mut data, limits)?;
    data.rewind().map_err(corrupt)?;
    let mut archive = tar_stream(data, limits);
    let entries = archive.entries().map_err(corrupt)?;
    let mut out = Vec::new();
    let mut total = 0u64;
    let mut count = 0usize;
    for entry in entries {
        let mut entry = entry.map_err(corrupt)?;
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
        accept(
            &mut out,
            &mut total,
            name,
            bytes,
            size,
            compressed_len.max(1),
            limits,
        )?;
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
        let garbage = || std::io::Cursor::new(b"not an archive".to_vec());
        assert!(matches!(
            unpack(garbage(), "Zip", LIMITS),
            Err(ArchiveError::Corrupt(_))
        ));
        assert!(matches!(
            unpack(garbage(), "TarGz", LIMITS),
            Err(ArchiveError::Corrupt(_))
        ));
    }

    /// A tar.gz with one extension entry of `kind` and `size` bytes, then `a.xml`.
    fn tar_gz_with_header(kind: tar::EntryType, size: usize) -> Vec<u8> {
        let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let mut builder = tar::Builder::new(gz);
        let mut ext = tar::Header::new_gnu();
        ext.set_entry_type(kind);
        ext.set_size(size as u64);
        ext.set_cksum();
        builder
            .append(&ext, std::io::repeat(b'a').take(size as u64))
            .unwrap();
        let mut file = tar::Header::new_gnu();
        file.set_size(5);
        file.set_mode(0o644);
        file.set_cksum();
        builder
            .append_data(&mut file, "a.xml", &b"<a/>\n"[..])
            .unwrap();
        builder.into_inner().unwrap().finish().unwrap()
    }

    #[test]
    fn huge_extension_headers_are_refused_before_being_read() {
        let limits = Limits {
            max_entries: 10,
            max_entry: 1000,
            max_total: 100_000_000,
        };
        for kind in [
            tar::EntryType::GNULongName,
            tar::EntryType::XHeader,
            tar::EntryType::XGlobalHeader,
        ] {
            let bomb = tar_gz_with_header(kind, 20_000_000);
            let err = unpack(std::io::Cursor::new(bomb), "TarGz", limits).unwrap_err();
            assert!(
                matches!(&err, ArchiveError::Corrupt(d) if d.contains("extension header")),
                "{kind:?}: {err:?}"
            );
        }
        // A small long-name header is fine.
        let fine = tar_gz_with_header(tar::EntryType::GNULongName, 300);
        let entries = unpack(std::io::Cursor::new(fine), "TarGz", limits).unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].name.len(), 300);
    }

    #[test]
    fn the_byte_budget_stops_a_long_stream_of_headers() {
        // Directories count toward no limit but the budget: 2,000 of them exceed the header
        // allowance of a 3-entry package.
        let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let mut builder = tar::Builder::new(gz);
        for i in 0..2000 {
            let mut dir = tar::Header::new_gnu();
            dir.set_entry_type(tar::EntryType::Directory);
            dir.set_size(0);
            dir.set_mode(0o755);
            dir.set_cksum();
            builder
                .append_data(&mut dir, format!("d{i}/"), std::io::empty())
                .unwrap();
        }
        let bytes = builder.into_inner().unwrap().finish().unwrap();
        let err = unpack(std::io::Cursor::new(bytes), "TarGz", LIMITS).unwrap_err();
        assert!(matches!(err, ArchiveError::Corrupt(_)), "{err:?}");
    }
}
