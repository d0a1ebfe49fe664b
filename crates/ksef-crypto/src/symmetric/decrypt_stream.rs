//! `std::io` adapters that decrypt while hashing ciphertext and plaintext in one pass.

use std::io::{self, Read, Write};

use super::engine::ChunkDecryptor;
use super::hashing::ChunkHasher;
use super::stream::{CHUNK, DECRYPT_STAGING, fill_from, fill_up_to, not_at_end, poisoned, serve};
use super::{DecryptError, Digests, FileDigest, SymmetricKey};

/// Plaintext and ciphertext hashers of one adapter.
struct Hashers {
    plain: ChunkHasher,
    cipher: ChunkHasher,
}

impl Hashers {
    fn new(plain_capacity: usize, cipher_capacity: usize) -> Self {
        Self {
            plain: ChunkHasher::new(plain_capacity, true),
            cipher: ChunkHasher::new(cipher_capacity, true),
        }
    }

    fn set_parallel(&mut self, parallel: bool) {
        self.plain.set_parallel(parallel);
        self.cipher.set_parallel(parallel);
    }

    fn finish(self) -> io::Result<Digests> {
        Ok(Digests {
            plain: self.plain.finish()?,
            cipher: self.cipher.finish()?,
        })
    }
}

/// What [`DecryptingWriter::finish_verifying`] gives: the ciphertext's digest, and the inner
/// writer with the plaintext's digest unless the ciphertext does not decrypt.
pub type Verified<W> = (FileDigest, Result<(W, FileDigest), DecryptError>);

/// Decrypts everything written to it into an inner writer, hashing both sides.
///
/// The last block is held back until [`DecryptingWriter::finish`], which checks the padding and
/// returns the inner writer with the [`Digests`]. Padding is only accepted at the true end.
pub struct DecryptingWriter<W: Write> {
    inner: W,
    dec: ChunkDecryptor,
    pending: Vec<u8>,
    total: u64,
    hashers: Hashers,
    poisoned: bool,
}

impl<W: Write> std::fmt::Debug for DecryptingWriter<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DecryptingWriter").finish_non_exhaustive()
    }
}

impl<W: Write> DecryptingWriter<W> {
    /// Wraps `inner`; see [`SymmetricKey::decrypting_writer`].
    pub fn new(key: &SymmetricKey, inner: W) -> Self {
        let mut hashers = Hashers::new(CHUNK, DECRYPT_STAGING);
        let pending = hashers.cipher.take_buffer();
        Self {
            inner,
            dec: ChunkDecryptor::new(key.cbc_decryptor()),
            pending,
            total: 0,
            hashers,
            poisoned: false,
        }
    }

    /// Allows (default) or forbids hashing on helper threads for large streams.
    pub fn with_parallel_hashing(mut self, parallel: bool) -> Self {
        self.hashers.set_parallel(parallel);
        self
    }

    /// Decrypts the first `CHUNK` bytes of the staging buffer, keeping the rest.
    fn decrypt_pending(&mut self) -> io::Result<()> {
        let mut plain = self.hashers.plain.take_buffer();
        let head = self.pending.get(..CHUNK).unwrap_or_default();
        self.dec.blocks(head, &mut plain);
        self.poisoned = true;
        self.inner.write_all(&plain)?;
        self.poisoned = false;
        let mut next = self.hashers.cipher.take_buffer();
        next.extend_from_slice(self.pending.get(CHUNK..).unwrap_or_default());
        let mut full = std::mem::replace(&mut self.pending, next);
        full.truncate(CHUNK);
        self.total += full.len() as u64;
        self.hashers.cipher.submit(full);
        self.hashers.plain.submit(plain);
        Ok(())
    }

    /// Decrypts the held-back last blocks, checks the padding, flushes, and returns the inner
    /// writer and the digests. A bad length or padding gives an [`io::ErrorKind::InvalidData`]
    /// error carrying a [`DecryptError`].
    pub fn finish(self) -> io::Result<(W, Digests)> {
        let (cipher, decrypted) = self.finish_verifying()?;
        let (inner, plain) = decrypted.map_err(DecryptError::into_io)?;
        Ok((inner, Digests { plain, cipher }))
    }

    /// [`DecryptingWriter::finish`] that gives the ciphertext's digest even when it does not
    /// decrypt: the outer result fails only on I/O, the inner one on a bad length or padding. A
    /// caller that checks the ciphertext against an announced hash first can so tell damaged
    /// bytes from a wrong key, without hashing the ciphertext a second time.
    pub fn finish_verifying(mut self) -> io::Result<Verified<W>> {
        if self.poisoned {
            return Err(poisoned());
        }
        let total = self.total + self.pending.len() as u64;
        let mut plain = self.hashers.plain.take_buffer();
        if let Err(e) = self.dec.finish(&self.pending, &mut plain, total) {
            self.hashers.cipher.submit_last(self.pending);
            return Ok((self.hashers.cipher.finish()?, Err(e)));
        }
        self.inner.write_all(&plain)?;
        self.inner.flush()?;
        self.hashers.cipher.submit_last(self.pending);
        self.hashers.plain.submit_last(plain);
        let Digests { plain, cipher } = self.hashers.finish()?;
        Ok((cipher, Ok((self.inner, plain))))
    }
}

impl<W: Write> Write for DecryptingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.poisoned {
            return Err(poisoned());
        }
        let mut rest = buf;
        while !rest.is_empty() {
            let took = fill_up_to(&mut self.pending, DECRYPT_STAGING, rest);
            rest = rest.get(took..).unwrap_or_default();
            if self.pending.len() >= DECRYPT_STAGING {
                self.decrypt_pending()?;
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Reads ciphertext from an inner reader and yields the plaintext, hashing both sides.
///
/// The padding is checked when the inner reader ends; a bad length or padding gives an
/// [`io::ErrorKind::InvalidData`] error carrying a [`DecryptError`] (and keeps giving it).
/// After end-of-file, [`DecryptingReader::finish`] gives the [`Digests`].
pub struct DecryptingReader<R: Read> {
    inner: R,
    dec: Option<ChunkDecryptor>,
    staging: Vec<u8>,
    total: u64,
    out: Vec<u8>,
    out_pos: usize,
    failed: Option<DecryptError>,
    hashers: Hashers,
}

impl<R: Read> std::fmt::Debug for DecryptingReader<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DecryptingReader").finish_non_exhaustive()
    }
}

impl<R: Read> DecryptingReader<R> {
    /// Wraps `inner`; see [`SymmetricKey::decrypting_reader`].
    pub fn new(key: &SymmetricKey, inner: R) -> Self {
        let mut hashers = Hashers::new(CHUNK, DECRYPT_STAGING);
        let staging = hashers.cipher.take_buffer();
        let out = hashers.plain.take_buffer();
        Self {
            inner,
            dec: Some(ChunkDecryptor::new(key.cbc_decryptor())),
            staging,
            total: 0,
            out,
            out_pos: 0,
            failed: None,
            hashers,
        }
    }

    /// Allows (default) or forbids hashing on helper threads for large streams.
    pub fn with_parallel_hashing(mut self, parallel: bool) -> Self {
        self.hashers.set_parallel(parallel);
        self
    }

    fn refill(&mut self) -> io::Result<()> {
        let eof = fill_from(&mut self.inner, &mut self.staging, DECRYPT_STAGING)?;
        if eof {
            let Some(dec) = self.dec.take() else {
                return Ok(());
            };
            let total = self.total + self.staging.len() as u64;
            if let Err(e) = dec.finish(&self.staging, &mut self.out, total) {
                self.failed = Some(e.clone());
                return Err(e.into_io());
            }
            self.total = total;
            let full = std::mem::take(&mut self.staging);
            self.hashers.cipher.submit_last(full);
        } else if let Some(dec) = self.dec.as_mut() {
            dec.blocks(self.staging.get(..CHUNK).unwrap_or_default(), &mut self.out);
            let mut next = self.hashers.cipher.take_buffer();
            next.extend_from_slice(self.staging.get(CHUNK..).unwrap_or_default());
            let mut full = std::mem::replace(&mut self.staging, next);
            full.truncate(CHUNK);
            self.total += full.len() as u64;
            self.hashers.cipher.submit(full);
        }
        Ok(())
    }

    /// Returns the inner reader and the digests. Fails unless the plaintext was read to its end.
    pub fn finish(mut self) -> io::Result<(R, Digests)> {
        if let Some(e) = self.failed {
            return Err(e.into_io());
        }
        if self.dec.is_some() || self.out_pos < self.out.len() {
            return Err(not_at_end());
        }
        self.hashers.plain.submit_last(self.out);
        Ok((self.inner, self.hashers.finish()?))
    }
}

impl<R: Read> Read for DecryptingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(e) = &self.failed {
            return Err(e.clone().into_io());
        }
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            if self.out_pos < self.out.len() {
                return Ok(serve(&self.out, &mut self.out_pos, buf));
            }
            if self.dec.is_none() {
                return Ok(0);
            }
            if !self.out.is_empty() {
                let next = self.hashers.plain.take_buffer();
                let done = std::mem::replace(&mut self.out, next);
                self.hashers.plain.submit(done);
            }
            self.out_pos = 0;
            self.refill()?;
        }
    }
}
