//! Splitting the archive stream into parts, each encrypted as it is written to its own spool
//! file, with every hash the open request needs computed in the same pass.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use ksef_crypto::symmetric::{EncryptingWriter, FileDigest, Sha256Hasher, SymmetricKey};

/// One prepared (encrypted, spooled) part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedPart {
    /// 1-based ordinal number.
    pub ordinal: u32,
    /// The spool file holding the encrypted bytes.
    pub path: PathBuf,
    /// SHA-256 and size of the part before encryption.
    pub plain: FileDigest,
    /// SHA-256 and size of the encrypted part (`fileParts[].fileHash`/`fileSize`).
    pub encrypted: FileDigest,
}

struct OpenPart {
    ordinal: u32,
    path: PathBuf,
    writer: EncryptingWriter<BufWriter<File>>,
    written: u64,
}

/// A writer that cuts the stream into parts of `part_size` plaintext bytes.
pub(crate) struct PartSplitter {
    key: SymmetricKey,
    dir: PathBuf,
    part_size: u64,
    max_parts: usize,
    max_package_size: u64,
    current: Option<OpenPart>,
    done: Vec<PreparedPart>,
    whole: Sha256Hasher,
}

/// Raised through `io::Error` when a limit is exceeded; mapped back by the builder.
#[derive(Debug, thiserror::Error)]
pub(crate) enum LimitExceeded {
    #[error("too many parts")]
    Parts,
    #[error("package too large")]
    Package,
}

impl PartSplitter {
    pub(crate) fn new(
        key: SymmetricKey,
        dir: &Path,
        part_size: u64,
        max_parts: usize,
        max_package_size: u64,
    ) -> Self {
        Self {
            key,
            dir: dir.to_path_buf(),
            part_size: part_size.max(16),
            max_parts,
            max_package_size,
            current: None,
            done: Vec::new(),
            whole: Sha256Hasher::new(),
        }
    }

    fn open_next(&mut self) -> std::io::Result<&mut OpenPart> {
        if self.current.is_none() {
            let ordinal = u32::try_from(self.done.len() + 1).unwrap_or(u32::MAX);
            if self.done.len() >= self.max_parts {
                return Err(std::io::Error::other(LimitExceeded::Parts));
            }
            let path = self.dir.join(format!("part-{ordinal:03}.aes"));
            let file = File::create(&path)?;
            let writer = EncryptingWriter::new(&self.key, BufWriter::with_capacity(1 << 20, file));
            self.current = Some(OpenPart {
                ordinal,
                path,
                writer,
                written: 0,
            });
        }
        self.current
            .as_mut()
            .ok_or_else(|| std::io::Error::other("no open part"))
    }

    fn close_current(&mut self) -> std::io::Result<()> {
        if let Some(part) = self.current.take() {
            let (mut file, digests) = part.writer.finish()?;
            file.flush()?;
            file.get_ref().sync_data()?;
            self.done.push(PreparedPart {
                ordinal: part.ordinal,
                path: part.path,
                plain: digests.plain,
                encrypted: digests.cipher,
            });
        }
        Ok(())
    }

    /// Closes the last part and returns the parts with the digest of the whole package.
    pub(crate) fn finish(mut self) -> std::io::Result<(Vec<PreparedPart>, FileDigest)> {
        self.close_current()?;
        Ok((self.done, self.whole.finish()))
    }
}

impl Write for PartSplitter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.whole.size() + buf.len() as u64 > self.max_package_size {
            return Err(std::io::Error::other(LimitExceeded::Package));
        }
        let part_size = self.part_size;
        let part = self.open_next()?;
        let room = usize::try_from(part_size - part.written).unwrap_or(usize::MAX);
        let n = room.min(buf.len());
        part.writer.write_all(&buf[..n])?;
        part.written += n as u64;
        let full = part.written >= part_size;
        self.whole.update(&buf[..n]);
        if full {
            self.close_current()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.current {
            Some(part) => part.writer.flush(),
            None => Ok(()),
        }
    }
}
