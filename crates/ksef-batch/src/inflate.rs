//! Whole-entry inflate for unpacking ZIP packages: the entries of an export (invoices of up to
//! a few MB) are inflated in one call by libdeflate, into buffers each unpacking thread reuses.

use std::io::{Read, Seek};

use crate::unpack::UnpackError;

/// Entries up to this size (compressed and plain) are inflated whole by libdeflate, which is
/// about twice as fast as a streaming inflate; larger entries, and entries not deflated, stream
/// through the `zip` crate. Memory stays bounded by twice this size per thread.
pub(crate) const WHOLE_ENTRY: u64 = 4 << 20;

/// One unpacking thread's decompressor and buffers, reused for every entry.
pub(crate) struct Inflater {
    decompressor: libdeflater::Decompressor,
    compressed: Vec<u8>,
    plain: Vec<u8>,
}

impl Inflater {
    /// A decompressor; the buffers grow with the largest entry inflated.
    pub(crate) fn new() -> Self {
        Self {
            decompressor: libdeflater::Decompressor::new(),
            compressed: Vec::new(),
            plain: Vec::new(),
        }
    }

    /// Entry `i` of `zip` inflated whole and checked against its size and CRC-32, or `None`
    /// when it is to be streamed instead (not deflated, encrypted, or larger than
    /// [`WHOLE_ENTRY`]).
    pub(crate) fn inflate<R: Read + Seek>(
        &mut self,
        zip: &mut zip::ZipArchive<R>,
        i: usize,
        name: &str,
    ) -> Result<Option<&[u8]>, UnpackError> {
        let bad = |what: String| UnpackError::Archive(format!("{name}: {what}"));
        let mut raw = zip
            .by_index_raw(i)
            .map_err(|e| UnpackError::Archive(e.to_string()))?;
        let (size, crc) = (raw.size(), raw.crc32());
        let whole = raw.compression() == zip::CompressionMethod::Deflated
            && !raw.encrypted()
            && size <= WHOLE_ENTRY
            && raw.compressed_size() <= WHOLE_ENTRY;
        if !whole {
            return Ok(None);
        }
        let mut compressed = std::mem::take(&mut self.compressed);
        compressed.clear();
        raw.read_to_end(&mut compressed)
            .map_err(|e| bad(e.to_string()))?;
        let inflated = self
            .inflate_bytes(&compressed, size, crc, name)
            .map(<[u8]>::len);
        self.compressed = compressed;
        Ok(Some(&self.plain[..inflated?]))
    }

    /// The deflate stream `compressed` of entry `name` inflated whole and checked against its
    /// announced `size` and `crc` (CRC-32); `size` must be at most [`WHOLE_ENTRY`].
    pub(crate) fn inflate_bytes(
        &mut self,
        compressed: &[u8],
        size: u64,
        crc: u32,
        name: &str,
    ) -> Result<&[u8], UnpackError> {
        let bad = |what: String| UnpackError::Archive(format!("{name}: {what}"));
        let size = usize::try_from(size).map_err(|_| bad("too large".into()))?;
        if self.plain.len() < size {
            self.plain.resize(size, 0);
        }
        let plain = &mut self.plain[..size];
        let n = self
            .decompressor
            .deflate_decompress(compressed, plain)
            .map_err(|e| {
                bad(match e {
                    libdeflater::DecompressionError::InsufficientSpace => {
                        format!("inflates to more than the {size} bytes announced")
                    }
                    libdeflater::DecompressionError::BadData => "damaged deflate data".into(),
                })
            })?;
        if n != size {
            return Err(bad(format!("inflates to {n} bytes, {size} announced")));
        }
        check_crc(plain, crc, name)?;
        Ok(plain)
    }
}

/// Checks the CRC-32 of the whole entry `name`.
pub(crate) fn check_crc(plain: &[u8], crc: u32, name: &str) -> Result<(), UnpackError> {
    if libdeflater::crc32(plain) != crc {
        return Err(UnpackError::Archive(format!("{name}: CRC-32 mismatch")));
    }
    Ok(())
}

/// Reads an entry's plain bytes from `inner` and, at its end, checks them against the announced
/// size and CRC-32 (an entry streamed rather than inflated whole); more bytes than announced
/// fail as soon as they are read.
pub(crate) struct Checked<R> {
    inner: R,
    crc: libdeflater::Crc,
    size: u64,
    expected_size: u64,
    expected_crc: u32,
}

impl<R: Read> Checked<R> {
    /// Checks `inner` against `size` bytes with CRC-32 `crc`.
    pub(crate) fn new(inner: R, size: u64, crc: u32) -> Self {
        Self {
            inner,
            crc: libdeflater::Crc::new(),
            size: 0,
            expected_size: size,
            expected_crc: crc,
        }
    }
}

impl<R: Read> Read for Checked<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let bad = |what: String| std::io::Error::new(std::io::ErrorKind::InvalidData, what);
        let n = self.inner.read(buf)?;
        if n == 0 && !buf.is_empty() {
            if self.size != self.expected_size {
                let (size, expected) = (self.size, self.expected_size);
                return Err(bad(format!(
                    "inflates to {size} bytes, {expected} announced"
                )));
            }
            if self.crc.sum() != self.expected_crc {
                return Err(bad("CRC-32 mismatch".into()));
            }
            return Ok(0);
        }
        self.size += n as u64;
        if self.size > self.expected_size {
            let expected = self.expected_size;
            return Err(bad(format!(
                "inflates to more than the {expected} bytes announced"
            )));
        }
        self.crc.update(&buf[..n]);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;
    use crate::unpack::{UnpackLimits, unpack_zip};

    fn zip_of(entries: &[(&str, &[u8], zip::CompressionMethod)]) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for &(name, data, method) in entries {
            let options = zip::write::SimpleFileOptions::default().compression_method(method);
            zip.start_file(name, options).unwrap();
            zip.write_all(data).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    /// Every occurrence of `from` in `bytes` becomes `to` (the local header and the central
    /// directory both carry sizes and CRC-32s).
    fn replace_all(bytes: &mut [u8], from: &[u8], to: &[u8]) {
        let at: Vec<usize> = bytes
            .windows(from.len())
            .enumerate()
            .filter(|(_, w)| *w == from)
            .map(|(i, _)| i)
            .collect();
        assert!(!at.is_empty());
        for i in at {
            bytes[i..i + to.len()].copy_from_slice(to);
        }
    }

    #[test]
    fn entries_are_inflated_whole_or_streamed_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let text = "<a>zażółć</a>".repeat(10_000);
        let big: Vec<u8> = (0..(WHOLE_ENTRY as u32 + 1000))
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        let package = zip_of(&[
            ("a.xml", text.as_bytes(), zip::CompressionMethod::Deflated),
            ("b.xml", b"<b/>", zip::CompressionMethod::Stored),
            ("c.bin", &big, zip::CompressionMethod::Deflated),
        ]);
        let unpack = |bytes: &[u8], out: &str| {
            let archive = dir.path().join(format!("{out}.zip"));
            std::fs::write(&archive, bytes).unwrap();
            unpack_zip(&archive, &dir.path().join(out), &UnpackLimits::default())
        };
        let files = unpack(&package, "ok").unwrap();
        assert_eq!(files.len(), 3);
        assert_eq!(std::fs::read(&files[0].path).unwrap(), text.as_bytes());
        assert_eq!(std::fs::read(&files[1].path).unwrap(), b"<b/>");
        assert_eq!(std::fs::read(&files[2].path).unwrap(), big);

        let small = zip_of(&[("a.xml", text.as_bytes(), zip::CompressionMethod::Deflated)]);
        let crc = libdeflater::crc32(text.as_bytes());
        let mut bad_crc = small.clone();
        replace_all(&mut bad_crc, &crc.to_le_bytes(), &(crc ^ 1).to_le_bytes());
        let size = u32::try_from(text.len()).unwrap();
        let mut bad_size = small.clone();
        replace_all(
            &mut bad_size,
            &size.to_le_bytes(),
            &(size - 1).to_le_bytes(),
        );
        for (bytes, expected) in [(bad_crc, "CRC-32"), (bad_size, "more than")] {
            match unpack(&bytes, expected) {
                Err(UnpackError::Archive(m)) => assert!(m.contains(expected), "{m}"),
                other => panic!("{other:?}"),
            }
        }
    }
}
