//! The ZIP container of a package, around entries deflated on the worker threads.
//!
//! Entries are compressed in parallel with libdeflate (one compressor per thread, reused for
//! every invoice: whole-buffer compression suits invoices of a few KB, and at the same level it
//! is faster than zlib and its output smaller). The `zip` crate cannot take entries compressed
//! elsewhere — its prepared entries are always compressed by its own per-entry deflate state —
//! so this module writes the container itself: a local header with the sizes and CRC-32 before
//! each entry (no data descriptors), the central directory and the end record, with the ZIP64
//! records when the package passes 4 GiB or 65,535 entries (APPNOTE 6.3.10, sections 4.3 and
//! 4.5.3). Only what a package needs is written: deflated regular files, UTF-8 names, no
//! comments, no encryption. Everything written is read back by the `zip` crate in the tests.

use std::io::{self, Write};

/// A deflated entry, ready to be framed.
#[derive(Debug)]
pub(crate) struct DeflatedEntry {
    crc32: u32,
    size: u32,
    data: Vec<u8>,
}

/// One worker's compressor, reused for every entry it prepares.
pub(crate) struct Deflater(libdeflater::Compressor);

impl Deflater {
    /// A compressor at libdeflate's `level` (1–12).
    pub(crate) fn new(level: i32) -> io::Result<Self> {
        let level = libdeflater::CompressionLvl::new(level)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "bad deflate level"))?;
        Ok(Self(libdeflater::Compressor::new(level)))
    }

    /// Deflates `data` (raw deflate, as ZIP stores it) and computes its CRC-32.
    pub(crate) fn deflate(&mut self, data: &[u8]) -> io::Result<DeflatedEntry> {
        let size = u32::try_from(data.len()).map_err(|_| too_large())?;
        let mut out = vec![0u8; self.0.deflate_compress_bound(data.len())];
        let n = self
            .0
            .deflate_compress(data, &mut out)
            .map_err(|e| io::Error::other(format!("deflate: {e}")))?;
        out.truncate(n);
        Ok(DeflatedEntry {
            crc32: libdeflater::crc32(data),
            size,
            data: out,
        })
    }
}

fn too_large() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        "a ZIP entry of 4 GiB or more is not supported",
    )
}

pub(crate) const LOCAL_HEADER: u32 = 0x0403_4b50;
pub(crate) const CENTRAL_HEADER: u32 = 0x0201_4b50;
pub(crate) const END_OF_CENTRAL_DIRECTORY: u32 = 0x0605_4b50;
pub(crate) const ZIP64_END_OF_CENTRAL_DIRECTORY: u32 = 0x0606_4b50;
const ZIP64_LOCATOR: u32 = 0x0706_4b50;
/// Version 2.0: deflate.
const VERSION_DEFLATE: u16 = 20;
/// Version 4.5: ZIP64.
const VERSION_ZIP64: u16 = 45;
/// Made by: Unix (high byte 3), so the external attributes carry the file mode.
const MADE_BY: u16 = (3 << 8) | VERSION_ZIP64;
/// General purpose flag bit 11: the name is UTF-8.
pub(crate) const FLAG_UTF8: u16 = 1 << 11;
pub(crate) const METHOD_DEFLATE: u16 = 8;
/// The ZIP64 extended information extra field.
pub(crate) const ZIP64_EXTRA: u16 = 0x0001;
/// 1980-01-01 00:00:00, the earliest DOS date: entries carry no meaningful time.
const DOS_TIME: u16 = 0;
const DOS_DATE: u16 = (1 << 5) | 1;
/// A regular file, `rw-r--r--`.
const EXTERNAL_ATTRIBUTES: u32 = 0o100_644 << 16;
/// Where a 32-bit field stops and a ZIP64 field takes over.
const U32_MAX: u64 = 0xFFFF_FFFF;

/// Writes a ZIP archive front to back into `out` (which need not seek).
pub(crate) struct ZipStream<W: Write> {
    out: W,
    /// Bytes written so far: the offset of the next local header.
    offset: u64,
    /// The central directory, written at the end.
    central: Vec<u8>,
    entries: u64,
}

impl<W: Write> ZipStream<W> {
    pub(crate) fn new(out: W) -> Self {
        Self {
            out,
            offset: 0,
            central: Vec::new(),
            entries: 0,
        }
    }

    /// Appends an entry named `name` (a relative path with `/` separators).
    pub(crate) fn add(&mut self, name: &str, entry: &DeflatedEntry) -> io::Result<()> {
        let name_len = u16::try_from(name.len())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "entry name too long"))?;
        let compressed = u32::try_from(entry.data.len()).map_err(|_| too_large())?;
        let flags = if name.is_ascii() { 0 } else { FLAG_UTF8 };

        let mut local = Vec::with_capacity(30 + name.len());
        put32(&mut local, LOCAL_HEADER);
        put16(&mut local, VERSION_DEFLATE);
        put16(&mut local, flags);
        put16(&mut local, METHOD_DEFLATE);
        put16(&mut local, DOS_TIME);
        put16(&mut local, DOS_DATE);
        put32(&mut local, entry.crc32);
        put32(&mut local, compressed);
        put32(&mut local, entry.size);
        put16(&mut local, name_len);
        put16(&mut local, 0);
        local.extend_from_slice(name.as_bytes());
        self.out.write_all(&local)?;
        self.out.write_all(&entry.data)?;

        // Only the offset can pass 4 GiB (entries are smaller): then it moves to a ZIP64 extra
        // field.
        let zip64_offset = self.offset >= U32_MAX;
        let c = &mut self.central;
        put32(c, CENTRAL_HEADER);
        put16(c, MADE_BY);
        put16(
            c,
            if zip64_offset {
                VERSION_ZIP64
            } else {
                VERSION_DEFLATE
            },
        );
        put16(c, flags);
        put16(c, METHOD_DEFLATE);
        put16(c, DOS_TIME);
        put16(c, DOS_DATE);
        put32(c, entry.crc32);
        put32(c, compressed);
        put32(c, entry.size);
        put16(c, name_len);
        put16(c, if zip64_offset { 12 } else { 0 });
        put16(c, 0); // comment length
        put16(c, 0); // disk number
        put16(c, 0); // internal attributes
        put32(c, EXTERNAL_ATTRIBUTES);
        put32(c, clamp32(self.offset));
        c.extend_from_slice(name.as_bytes());
        if zip64_offset {
            put16(c, ZIP64_EXTRA);
            put16(c, 8);
            put64(c, self.offset);
        }

        self.offset += (local.len() + entry.data.len()) as u64;
        self.entries += 1;
        Ok(())
    }

    /// Writes the central directory and the end records; returns the writer.
    pub(crate) fn finish(mut self) -> io::Result<W> {
        let start = self.offset;
        let size = self.central.len() as u64;
        self.out.write_all(&self.central)?;
        let end = start + size;
        let mut tail = Vec::with_capacity(98);
        let zip64 = self.entries >= 0xFFFF || start >= U32_MAX || size >= U32_MAX;
        if zip64 {
            put32(&mut tail, ZIP64_END_OF_CENTRAL_DIRECTORY);
            put64(&mut tail, 44); // size of the rest of this record
            put16(&mut tail, MADE_BY);
            put16(&mut tail, VERSION_ZIP64);
            put32(&mut tail, 0); // this disk
            put32(&mut tail, 0); // disk of the central directory
            put64(&mut tail, self.entries);
            put64(&mut tail, self.entries);
            put64(&mut tail, size);
            put64(&mut tail, start);
            put32(&mut tail, ZIP64_LOCATOR);
            put32(&mut tail, 0); // disk of the ZIP64 end record
            put64(&mut tail, end);
            put32(&mut tail, 1); // disks
        }
        let entries16 = u16::try_from(self.entries)
            .ok()
            .filter(|&n| n != 0xFFFF)
            .unwrap_or(0xFFFF);
        put32(&mut tail, END_OF_CENTRAL_DIRECTORY);
        put16(&mut tail, 0);
        put16(&mut tail, 0);
        put16(&mut tail, entries16);
        put16(&mut tail, entries16);
        put32(&mut tail, clamp32(size));
        put32(&mut tail, clamp32(start));
        put16(&mut tail, 0); // comment length
        self.out.write_all(&tail)?;
        Ok(self.out)
    }
}

/// `value`, or 0xFFFFFFFF (see the ZIP64 record) when it does not fit 32 bits.
fn clamp32(value: u64) -> u32 {
    u32::try_from(value)
        .ok()
        .filter(|&v| u64::from(v) != U32_MAX)
        .unwrap_or(u32::MAX)
}

fn put16(buf: &mut Vec<u8>, v: u16) {
    buf.extend_from_slice(&v.to_le_bytes());
}

fn put32(buf: &mut Vec<u8>, v: u32) {
    buf.extend_from_slice(&v.to_le_bytes());
}

fn put64(buf: &mut Vec<u8>, v: u64) {
    buf.extend_from_slice(&v.to_le_bytes());
}

#[cfg(test)]
mod tests {
    use std::io::{Cursor, Read};

    use super::*;

    fn archive(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
        let mut deflater = Deflater::new(6).unwrap();
        let mut zip = ZipStream::new(Vec::new());
        for (name, data) in entries {
            zip.add(name, &deflater.deflate(data).unwrap()).unwrap();
        }
        zip.finish().unwrap()
    }

    fn read_back(bytes: Vec<u8>) -> Vec<(String, Vec<u8>)> {
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        (0..zip.len())
            .map(|i| {
                let mut f = zip.by_index(i).unwrap();
                assert_eq!(f.compression(), zip::CompressionMethod::Deflated);
                assert_eq!(f.unix_mode(), Some(0o100_644));
                let mut data = Vec::new();
                // Reading to the end checks the CRC-32.
                f.read_to_end(&mut data).unwrap();
                (f.name().unwrap().into_owned(), data)
            })
            .collect()
    }

    #[test]
    fn the_zip_crate_reads_what_is_written() {
        let entries: Vec<(String, Vec<u8>)> = vec![
            ("a.xml".into(), b"<Faktura/>".to_vec()),
            (
                "dir/faktura-żółć.xml".into(),
                "<a>zażółć</a>".repeat(500).into(),
            ),
            ("empty.xml".into(), Vec::new()),
            (
                "noise.xml".into(),
                (0..70_000u32)
                    .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
                    .collect(),
            ),
        ];
        assert_eq!(read_back(archive(&entries)), entries);
    }

    #[test]
    fn more_than_65535_entries_get_the_zip64_end_records() {
        let entries: Vec<(String, Vec<u8>)> = (0..70_000)
            .map(|i| (format!("{i}.xml"), format!("<a>{i}</a>").into_bytes()))
            .collect();
        let bytes = archive(&entries);
        let eocd = &bytes[bytes.len() - 22..];
        assert_eq!(&eocd[..4], &END_OF_CENTRAL_DIRECTORY.to_le_bytes());
        assert_eq!(&eocd[8..10], &[0xFF, 0xFF]);
        assert_eq!(read_back(bytes), entries);
    }

    #[test]
    fn an_offset_past_4_gib_moves_to_a_zip64_extra_field() {
        let mut deflater = Deflater::new(6).unwrap();
        let mut zip = ZipStream::new(Vec::new());
        zip.offset = 5_000_000_000;
        zip.add("a.xml", &deflater.deflate(b"<a/>").unwrap())
            .unwrap();
        let central = &zip.central;
        assert_eq!(&central[42..46], &u32::MAX.to_le_bytes());
        assert_eq!(&central[30..32], &12u16.to_le_bytes());
        let extra = &central[46 + 5..];
        assert_eq!(&extra[..4], &[1, 0, 8, 0]);
        assert_eq!(&extra[4..], &5_000_000_000u64.to_le_bytes());
        let tail = zip.finish().unwrap();
        let locator = &tail[tail.len() - 22 - 20..tail.len() - 22];
        assert_eq!(&locator[..4], &ZIP64_LOCATOR.to_le_bytes());
    }
}
