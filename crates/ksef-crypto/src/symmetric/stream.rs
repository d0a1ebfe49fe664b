//! `std::io` adapters that encrypt or decrypt while hashing plaintext and ciphertext in one pass.

use std::io::{self, Read, Write};

use super::engine::ChunkEncryptor;
use super::hashing::ChunkHasher;
use super::{BLOCK_LEN, Digests, Sha256Hasher, SymmetricKey};

/// Bytes encrypted per call into the cipher (a multiple of the block size).
pub(super) const CHUNK: usize = 1024 * 1024;
/// A decrypting adapter keeps back one block until it knows whether the block is the last one.
pub(super) const DECRYPT_STAGING: usize = CHUNK + BLOCK_LEN;

pub(super) fn poisoned() -> io::Error {
    io::Error::other("the crypto stream adapter is unusable after an earlier I/O error")
}

pub(super) fn not_at_end() -> io::Error {
    io::Error::other("the crypto stream adapter was finished before its input was read to the end")
}

/// Copies as much of `src` as fits into `buf` (up to `limit` bytes long); returns the count.
pub(super) fn fill_up_to(buf: &mut Vec<u8>, limit: usize, src: &[u8]) -> usize {
    let take = limit.saturating_sub(buf.len()).min(src.len());
    buf.extend_from_slice(src.get(..take).unwrap_or_default());
    take
}

/// Serves bytes from `out[*pos..]` into `dst`; returns the count.
pub(super) fn serve(out: &[u8], pos: &mut usize, dst: &mut [u8]) -> usize {
    let avail = out.get(*pos..).unwrap_or_default();
    let n = avail.len().min(dst.len());
    if let (Some(d), Some(s)) = (dst.get_mut(..n), avail.get(..n)) {
        d.copy_from_slice(s);
    }
    *pos += n;
    n
}

/// Reads from `inner` until `buf` holds `limit` bytes or the input ends. Returns `true` at the end
/// of the input. Bytes read before an error stay in `buf`.
pub(super) fn fill_from<R: Read>(
    inner: &mut R,
    buf: &mut Vec<u8>,
    limit: usize,
) -> io::Result<bool> {
    let want = limit.saturating_sub(buf.len()) as u64;
    inner.by_ref().take(want).read_to_end(buf)?;
    Ok(buf.len() < limit)
}

/// Encryption state shared by the encrypting adapters: the cipher, the plaintext hash (fed
/// from inside the encryption loop) and the ciphertext hasher (a helper thread for large
/// streams, or also fed from the loop when helper threads are off).
struct EncryptCore {
    enc: Option<ChunkEncryptor>,
    plain: Sha256Hasher,
    cipher: ChunkHasher,
}

impl EncryptCore {
    fn new(key: &SymmetricKey) -> Self {
        Self {
            enc: Some(ChunkEncryptor::new(key)),
            plain: Sha256Hasher::new(),
            cipher: ChunkHasher::new(CHUNK + BLOCK_LEN, true),
        }
    }

    fn is_finished(&self) -> bool {
        self.enc.is_none()
    }

    /// Encrypts the whole blocks of `input` (and, when `last`, pads and encrypts the rest) into a
    /// fresh ciphertext buffer, hashing the plaintext on the way.
    fn encrypt(&mut self, input: &[u8], last: bool) -> Vec<u8> {
        let mut out = self.cipher.take_buffer();
        let Some(enc) = self.enc.as_mut() else {
            return out;
        };
        let used = enc.blocks_hashing(
            input,
            &mut out,
            Some(&mut self.plain),
            self.cipher.stitchable(),
        );
        if last && let Some(enc) = self.enc.take() {
            let tail = input.get(used..).unwrap_or_default();
            self.plain.update(tail);
            let start = out.len();
            enc.finish(tail, &mut out);
            if let Some(hasher) = self.cipher.stitchable() {
                hasher.update(out.get(start..).unwrap_or_default());
            }
        }
        out
    }

    /// Hands over a ciphertext buffer from [`EncryptCore::encrypt`] once it was written out.
    fn done(&mut self, buf: Vec<u8>) {
        if self.cipher.stitchable().is_some() {
            self.cipher.recycle(buf);
        } else if self.is_finished() {
            self.cipher.submit_last(buf);
        } else {
            self.cipher.submit(buf);
        }
    }

    fn finish(self) -> io::Result<Digests> {
        Ok(Digests {
            plain: self.plain.finish(),
            cipher: self.cipher.finish()?,
        })
    }
}

/// Encrypts everything written to it into an inner writer, hashing both sides.
///
/// Call [`EncryptingWriter::finish`] at the end: it writes the padded last block and returns the
/// inner writer with the [`Digests`]. Dropping the adapter without `finish` leaves the ciphertext
/// truncated. [`Write::flush`] flushes the inner writer but cannot emit a partial block.
pub struct EncryptingWriter<W: Write> {
    inner: W,
    core: EncryptCore,
    pending: Vec<u8>,
    poisoned: bool,
}

impl<W: Write> std::fmt::Debug for EncryptingWriter<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EncryptingWriter").finish_non_exhaustive()
    }
}

impl<W: Write> EncryptingWriter<W> {
    /// Wraps `inner`; see [`SymmetricKey::encrypting_writer`].
    pub fn new(key: &SymmetricKey, inner: W) -> Self {
        Self {
            inner,
            core: EncryptCore::new(key),
            pending: Vec::new(),
            poisoned: false,
        }
    }

    /// Allows (default) or forbids hashing on a helper thread for large streams. Set it before
    /// writing; with `false` everything runs on the caller's thread.
    pub fn with_parallel_hashing(mut self, parallel: bool) -> Self {
        self.core.cipher.set_parallel(parallel);
        self
    }

    fn encrypt_pending(&mut self) -> io::Result<()> {
        let cipher = self.core.encrypt(&self.pending, false);
        self.poisoned = true;
        self.inner.write_all(&cipher)?;
        self.poisoned = false;
        self.pending.clear();
        self.core.done(cipher);
        Ok(())
    }

    /// Writes the padded final block, flushes, and returns the inner writer and the digests.
    pub fn finish(mut self) -> io::Result<(W, Digests)> {
        if self.poisoned {
            return Err(poisoned());
        }
        let cipher = self.core.encrypt(&self.pending, true);
        self.inner.write_all(&cipher)?;
        self.inner.flush()?;
        self.core.done(cipher);
        Ok((self.inner, self.core.finish()?))
    }
}

impl<W: Write> Write for EncryptingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.poisoned {
            return Err(poisoned());
        }
        let mut rest = buf;
        while !rest.is_empty() {
            let took = fill_up_to(&mut self.pending, CHUNK, rest);
            rest = rest.get(took..).unwrap_or_default();
            if self.pending.len() >= CHUNK {
                self.encrypt_pending()?;
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Reads plaintext from an inner reader and yields its ciphertext, hashing both sides.
///
/// After the reader returned end-of-file, [`EncryptingReader::finish`] gives the [`Digests`].
pub struct EncryptingReader<R: Read> {
    inner: R,
    core: EncryptCore,
    staging: Vec<u8>,
    out: Vec<u8>,
    out_pos: usize,
}

impl<R: Read> std::fmt::Debug for EncryptingReader<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EncryptingReader").finish_non_exhaustive()
    }
}

impl<R: Read> EncryptingReader<R> {
    /// Wraps `inner`; see [`SymmetricKey::encrypting_reader`].
    pub fn new(key: &SymmetricKey, inner: R) -> Self {
        Self {
            inner,
            core: EncryptCore::new(key),
            staging: Vec::new(),
            out: Vec::new(),
            out_pos: 0,
        }
    }

    /// Allows (default) or forbids hashing on a helper thread for large streams.
    pub fn with_parallel_hashing(mut self, parallel: bool) -> Self {
        self.core.cipher.set_parallel(parallel);
        self
    }

    /// Returns the inner reader and the digests. Fails unless the ciphertext was read to its end.
    pub fn finish(mut self) -> io::Result<(R, Digests)> {
        if !self.core.is_finished() || self.out_pos < self.out.len() {
            return Err(not_at_end());
        }
        self.core.done(self.out);
        Ok((self.inner, self.core.finish()?))
    }
}

impl<R: Read> Read for EncryptingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            if self.out_pos < self.out.len() {
                return Ok(serve(&self.out, &mut self.out_pos, buf));
            }
            if self.core.is_finished() {
                return Ok(0);
            }
            // Bytes read before an error stay staged for the next call.
            let eof = fill_from(&mut self.inner, &mut self.staging, CHUNK)?;
            let served = std::mem::take(&mut self.out);
            if !served.is_empty() {
                self.core.done(served);
            }
            self.out = self.core.encrypt(&self.staging, eof);
            self.out_pos = 0;
            self.staging.clear();
        }
    }
}
