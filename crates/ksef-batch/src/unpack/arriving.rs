//! Unpacking a ZIP package while it arrives: the entries are found by walking the local file
//! headers in order (a ZIP's table of contents, the central directory, comes last) and inflated
//! and staged on all cores as soon as their bytes are there; when the whole package is there its
//! central directory is checked against what the local headers said.

use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use super::writer::{Writer, safe_path};
use super::{StagedUnpack, UnpackError, UnpackLimits, UnpackedFile, open_zip, stage_zip};
use crate::inflate::{Checked, Inflater, WHOLE_ENTRY, check_crc};
use crate::zip_stream::{
    CENTRAL_HEADER, END_OF_CENTRAL_DIRECTORY, FLAG_UTF8, LOCAL_HEADER, METHOD_DEFLATE as DEFLATED,
    ZIP64_END_OF_CENTRAL_DIRECTORY, ZIP64_EXTRA,
};

const STORED: u16 = 0;
/// General purpose flags: encrypted, sizes and CRC-32 in a data descriptor after the data.
const FLAG_ENCRYPTED: u16 = 1;
const FLAG_DATA_DESCRIPTOR: u16 = 1 << 3;

/// Bytes read from the package at a time.
const READ_BUFFER: usize = 256 * 1024;

/// Writes every entry of a ZIP package to a temporary file below `target` while the package is
/// still arriving: `reader` yields the package's bytes in order (blocking until they are there,
/// see [`crate::arrival::ArrivingReader`]) and `archive` is the file they are written to, opened
/// again once `reader` has reached its end.
///
/// The same rules as [`stage_zip`] apply (names, links, duplicates, limits, size and CRC-32 of
/// every entry). Besides, the package must be laid out plainly — entries from the first byte,
/// one after another, then the central directory — and the central directory must describe
/// exactly the entries of the local headers (names, offsets, methods, sizes, CRC-32s, in the same
/// order); anything else is [`UnpackError::Inconsistent`]. A package whose entries announce their
/// sizes only after their data (a data descriptor), or whose names are not UTF-8, is unpacked by
/// [`stage_zip`] once all of it is there.
///
/// Nothing is named before [`StagedUnpack::commit`]; the caller commits only after it has
/// verified every byte `reader` gave.
pub fn stage_zip_arriving(
    reader: impl Read,
    archive: &Path,
    target: &Path,
    limits: &UnpackLimits,
) -> Result<StagedUnpack, UnpackError> {
    let mut reader = Counted {
        inner: BufReader::with_capacity(READ_BUFFER, reader),
        position: 0,
    };
    let writer = Writer::new(target, limits)?;
    let mut locals = Vec::new();
    let produce = |send: &mut dyn FnMut(Job) -> bool| {
        let mut batches = Batches {
            send,
            pending: Vec::new(),
            bytes: 0,
        };
        let walked = walk(
            &mut reader,
            &writer,
            target,
            limits,
            &mut locals,
            &mut batches,
        )?;
        batches.flush();
        Ok(walked)
    };
    let work = |inflater: &mut Inflater, job: Job| job.run(inflater, &writer);
    let threads = super::unpacking_threads();
    let (walked, files) = crate::parallel::scatter(threads, || Ok(Inflater::new()), work, produce)?;
    let files = files.into_iter().flatten().collect();
    // The central directory, and whatever follows it, is read only once it is all there.
    std::io::copy(&mut reader, &mut std::io::sink()).map_err(truncated)?;
    match walked {
        Walked::CentralDirectory(start) => {
            cross_check(archive, &locals, start)?;
            Ok(writer.finish(files))
        }
        Walked::NeedsWholeFile => {
            // Nothing staged so far is kept: the whole-file path stages every entry again.
            drop(writer);
            stage_zip(archive, target, limits)
        }
    }
}

/// Where the walk over the local headers stopped.
enum Walked {
    /// At the central directory, which starts at this offset.
    CentralDirectory(u64),
    /// At an entry that cannot be unpacked before the whole package is there.
    NeedsWholeFile,
}

/// Small entries handed to an unpacking thread at once: one hand-over (a thread wake-up) per
/// invoice of a few KB would cost more than inflating it.
const BATCH_BYTES: usize = 256 * 1024;
/// Most entries handed over at once.
const BATCH_ENTRIES: usize = 64;

/// What an unpacking thread is handed.
enum Job {
    /// Entries held in memory, in order, to be inflated (or checked) and written.
    Entries(Vec<InMemory>),
    /// An entry too large to be held in memory, already written by the walk.
    Written(UnpackedFile),
}

impl Job {
    fn run(
        self,
        inflater: &mut Inflater,
        writer: &Writer<'_>,
    ) -> Result<Vec<UnpackedFile>, UnpackError> {
        match self {
            Job::Written(file) => Ok(vec![file]),
            Job::Entries(entries) => entries
                .into_iter()
                .map(|entry| entry.write(inflater, writer))
                .collect(),
        }
    }
}

/// An admitted entry whose compressed bytes are held in memory.
struct InMemory {
    name: String,
    path: PathBuf,
    method: u16,
    data: Vec<u8>,
    size: u64,
    crc: u32,
}

impl InMemory {
    fn write(
        self,
        inflater: &mut Inflater,
        writer: &Writer<'_>,
    ) -> Result<UnpackedFile, UnpackError> {
        let Self {
            name,
            path,
            method,
            data,
            size,
            crc,
        } = self;
        let plain = if method == DEFLATED {
            inflater.inflate_bytes(&data, size, crc, &name)?
        } else {
            if data.len() as u64 != size {
                let stored = data.len();
                return Err(UnpackError::Archive(format!(
                    "{name}: {stored} bytes stored, {size} announced"
                )));
            }
            check_crc(&data, crc, &name)?;
            &data
        };
        let size = writer.write_bytes(&name, &path, plain)?;
        Ok(UnpackedFile { name, path, size })
    }
}

/// Collects entries into [`Job::Entries`] and hands the jobs over in the order of the entries.
struct Batches<'s> {
    send: &'s mut dyn FnMut(Job) -> bool,
    pending: Vec<InMemory>,
    bytes: usize,
}

impl Batches<'_> {
    /// Adds an entry; false when an unpacking thread has failed.
    fn push(&mut self, entry: InMemory) -> bool {
        self.bytes += entry.data.len();
        self.pending.push(entry);
        self.bytes < BATCH_BYTES && self.pending.len() < BATCH_ENTRIES || self.flush()
    }

    /// Hands an entry already written over, after the entries before it.
    fn written(&mut self, file: UnpackedFile) -> bool {
        self.flush() && (self.send)(Job::Written(file))
    }

    /// Hands the pending entries over.
    fn flush(&mut self) -> bool {
        if self.pending.is_empty() {
            return true;
        }
        self.bytes = 0;
        (self.send)(Job::Entries(std::mem::take(&mut self.pending)))
    }
}

/// One entry as its local header describes it.
#[derive(Debug)]
struct Local {
    offset: u64,
    name: Vec<u8>,
    flags: u16,
    method: u16,
    crc: u32,
    compressed_size: u64,
    size: u64,
}

/// A reader that counts the bytes read through it.
struct Counted<R> {
    inner: R,
    position: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.position += n as u64;
        Ok(n)
    }
}

fn truncated(e: std::io::Error) -> UnpackError {
    if e.kind() == std::io::ErrorKind::UnexpectedEof {
        UnpackError::Archive("the package ends inside an entry".into())
    } else {
        UnpackError::Archive(e.to_string())
    }
}

fn u16_at(bytes: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([bytes[at], bytes[at + 1]])
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

/// Reads a local file header after its signature (`offset` is where the signature was).
fn read_local(reader: &mut impl Read, offset: u64) -> Result<Local, UnpackError> {
    let mut fixed = [0u8; 26];
    reader.read_exact(&mut fixed).map_err(truncated)?;
    let flags = u16_at(&fixed, 2);
    let method = u16_at(&fixed, 4);
    let crc = u32_at(&fixed, 10);
    let compressed_size = u32_at(&fixed, 14);
    let size = u32_at(&fixed, 18);
    let mut name = vec![0u8; usize::from(u16_at(&fixed, 22))];
    reader.read_exact(&mut name).map_err(truncated)?;
    let mut extra = vec![0u8; usize::from(u16_at(&fixed, 24))];
    reader.read_exact(&mut extra).map_err(truncated)?;
    let mut local = Local {
        offset,
        name,
        flags,
        method,
        crc,
        compressed_size: u64::from(compressed_size),
        size: u64::from(size),
    };
    if size == u32::MAX || compressed_size == u32::MAX {
        // The ZIP64 field holds the 64-bit sizes, plain first, of those the header left at
        // 0xFFFFFFFF.
        let zip64 = extra_field(&extra, ZIP64_EXTRA).ok_or_else(|| {
            UnpackError::Archive("a ZIP64 entry without its ZIP64 extra field".into())
        })?;
        let mut values = zip64
            .chunks_exact(8)
            .map(|c| u64::from_le_bytes(c.try_into().unwrap_or_default()));
        let mut next = || {
            values
                .next()
                .ok_or_else(|| UnpackError::Archive("a short ZIP64 extra field".into()))
        };
        if size == u32::MAX {
            local.size = next()?;
        }
        if compressed_size == u32::MAX {
            local.compressed_size = next()?;
        }
    }
    Ok(local)
}

/// The data of the extra field `id` in `extra`, if there is one.
fn extra_field(mut extra: &[u8], id: u16) -> Option<&[u8]> {
    while extra.len() >= 4 {
        let (field, len) = (u16_at(extra, 0), usize::from(u16_at(extra, 2)));
        let data = extra.get(4..4 + len)?;
        if field == id {
            return Some(data);
        }
        extra = &extra[4 + len..];
    }
    None
}

/// Walks the local headers in order, admitting every entry and handing it over to be written
/// (or writing it here when it is too large to be held in memory), until the central directory.
fn walk<R: Read>(
    reader: &mut Counted<R>,
    writer: &Writer<'_>,
    target: &Path,
    limits: &UnpackLimits,
    locals: &mut Vec<Local>,
    batches: &mut Batches<'_>,
) -> Result<Walked, UnpackError> {
    loop {
        let offset = reader.position;
        let mut signature = [0u8; 4];
        reader
            .read_exact(&mut signature)
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::UnexpectedEof => {
                    UnpackError::Archive("the package has no central directory".into())
                }
                _ => UnpackError::Archive(e.to_string()),
            })?;
        match u32::from_le_bytes(signature) {
            LOCAL_HEADER => {}
            CENTRAL_HEADER | END_OF_CENTRAL_DIRECTORY | ZIP64_END_OF_CENTRAL_DIRECTORY => {
                return Ok(Walked::CentralDirectory(offset));
            }
            _ => {
                return Err(UnpackError::Inconsistent(format!(
                    "bytes outside every entry at offset {offset}"
                )));
            }
        }
        let local = read_local(reader, offset)?;
        let utf8 = std::str::from_utf8(&local.name)
            .ok()
            .filter(|name| name.is_ascii() || local.flags & FLAG_UTF8 != 0);
        let Some(name) = utf8.map(str::to_owned) else {
            return Ok(Walked::NeedsWholeFile);
        };
        if local.flags & FLAG_DATA_DESCRIPTOR != 0 {
            return Ok(Walked::NeedsWholeFile);
        }
        if locals.len() >= limits.max_entries {
            return Err(UnpackError::TooManyEntries(limits.max_entries));
        }
        if local.flags & FLAG_ENCRYPTED != 0 {
            return Err(UnpackError::Archive(format!("{name}: encrypted entry")));
        }
        if local.method != STORED && local.method != DEFLATED {
            return Err(UnpackError::Archive(format!(
                "{name}: unsupported compression method {}",
                local.method
            )));
        }
        let (method, size, crc, compressed_size) =
            (local.method, local.size, local.crc, local.compressed_size);
        locals.push(local);
        let mut data = (&mut *reader).take(compressed_size);
        if name.ends_with('/') {
            safe_path(target, name.trim_end_matches('/'))?;
            std::io::copy(&mut data, &mut std::io::sink()).map_err(truncated)?;
            continue;
        }
        let path = writer.admit(&name)?;
        let handed_over = if compressed_size <= WHOLE_ENTRY && size <= WHOLE_ENTRY {
            let mut bytes = vec![0u8; usize::try_from(compressed_size).unwrap_or(0)];
            data.read_exact(&mut bytes).map_err(truncated)?;
            batches.push(InMemory {
                name,
                path,
                method,
                data: bytes,
                size,
                crc,
            })
        } else {
            let written = if method == DEFLATED {
                let inflated = flate2::read::DeflateDecoder::new(&mut data);
                writer.write(&name, &path, Checked::new(inflated, size, crc))?
            } else {
                writer.write(&name, &path, Checked::new(&mut data, size, crc))?
            };
            // The deflate stream may end before the compressed size announced.
            std::io::copy(&mut data, &mut std::io::sink()).map_err(truncated)?;
            if data.limit() != 0 {
                return Err(truncated(std::io::ErrorKind::UnexpectedEof.into()));
            }
            batches.written(UnpackedFile {
                name,
                path,
                size: written,
            })
        };
        if !handed_over {
            // An unpacking thread failed; its error is the one reported.
            return Ok(Walked::CentralDirectory(offset));
        }
    }
}

/// Checks the central directory of `archive` against the local headers walked, which ended at
/// `end` (where the central directory must start).
fn cross_check(archive: &Path, locals: &[Local], end: u64) -> Result<(), UnpackError> {
    let differ = |what: String| Err(UnpackError::Inconsistent(what));
    let zip = open_zip(archive)?;
    if zip.offset() != 0 {
        return differ(format!("{} bytes before the first entry", zip.offset()));
    }
    if zip.central_directory_start() != end {
        return differ(format!(
            "the central directory starts at {}, the entries end at {end}",
            zip.central_directory_start()
        ));
    }
    if zip.len() != locals.len() {
        return differ(format!(
            "{} entries in the central directory, {} local headers",
            zip.len(),
            locals.len()
        ));
    }
    for (i, local) in locals.iter().enumerate() {
        // The central directory's own record: no local header is read again.
        let entry = zip
            .by_index_data(i)
            .map_err(|e| UnpackError::Archive(e.to_string()))?;
        let name = String::from_utf8_lossy(&local.name).into_owned();
        let method = match entry.compression() {
            zip::CompressionMethod::Stored => STORED,
            zip::CompressionMethod::Deflated => DEFLATED,
            _ => u16::MAX,
        };
        let same = entry.name_raw() == local.name.as_slice()
            && entry.header_start() == local.offset
            && method == local.method
            && entry.compressed_size() == local.compressed_size
            && entry.size() == local.size
            && entry.crc32() == local.crc
            && !entry.encrypted();
        if !same {
            return differ(format!("entry {i} ({name:?})"));
        }
        if super::is_link(entry.unix_mode(), entry.is_symlink()) {
            return Err(UnpackError::Link(name));
        }
    }
    Ok(())
}
