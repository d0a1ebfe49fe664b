//! AES-256-CBC with PKCS#7 padding, as KSeF uses it for invoices, batch parts and exports.
//!
//! One [`SymmetricKey`] (32-byte key and 16-byte IV) is generated per session or export. The IV
//! travels separately in the API's `encryption.initializationVector` field: the ciphertext is bare
//! CBC output with **no IV prefix**.
//!
//! Two ways to use it:
//! - the buffer API, [`SymmetricKey::encrypt`] and [`SymmetricKey::decrypt`], for single invoices;
//! - the streaming adapters ([`EncryptingWriter`], [`EncryptingReader`], [`DecryptingWriter`],
//!   [`DecryptingReader`]) for packages and exports of any size. They compute, in the same single
//!   pass, the SHA-256 and size of both the plaintext and the ciphertext ([`Digests`]), which is
//!   what the `invoiceHash`/`encryptedInvoiceHash` and `fileHash`/`fileParts[].fileHash` fields
//!   need.
//!
//! The adapters work in 1 MiB chunks. When encrypting, the plaintext hash is computed inside the
//! encryption loop (it fills the CPU time CBC encryption leaves idle) and, once a stream passes
//! its first chunk, the ciphertext hash moves to a helper thread. When decrypting (parallel and
//! much cheaper than encrypting), both hashes move to helper threads. Buffers are recycled from
//! small pools, so memory stays below about 10 MiB whatever the stream size.
//! [`EncryptingWriter::with_parallel_hashing`] (and its siblings) turns the threads off.

mod decrypt_stream;
mod digest;
mod engine;
mod hashing;
mod stream;

use aes::cipher::KeyIvInit;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use zeroize::{Zeroize, ZeroizeOnDrop};

pub use decrypt_stream::{DecryptingReader, DecryptingWriter, Verified};
pub use digest::{Digests, FileDigest, Sha256Hasher, sha256, sha256_base64, sha256_base64url};
pub use stream::{EncryptingReader, EncryptingWriter};

/// Length of an AES-256 key in bytes.
pub const KEY_LEN: usize = 32;
/// Length of the CBC initialization vector (one AES block) in bytes.
pub const IV_LEN: usize = 16;
/// AES block length in bytes; every ciphertext is a non-empty multiple of it.
pub const BLOCK_LEN: usize = 16;

type Aes256CbcDec = cbc::Decryptor<aes::Aes256>;

/// Wrong length of raw key material given to [`SymmetricKey::from_slices`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SymmetricKeyError {
    /// The key is not 32 bytes long.
    #[error("AES-256 key must be {KEY_LEN} bytes, got {0}")]
    KeyLength(usize),
    /// The IV is not 16 bytes long.
    #[error("AES-CBC initialization vector must be {IV_LEN} bytes, got {0}")]
    IvLength(usize),
    /// The base64 text of the key or IV could not be decoded.
    #[error("invalid base64 in {what}")]
    Base64 {
        /// Which value failed (`key` or `iv`).
        what: &'static str,
    },
}

/// Why a ciphertext could not be decrypted.
///
/// Inside the streaming adapters the error travels as an [`std::io::Error`] of kind
/// [`std::io::ErrorKind::InvalidData`]; [`DecryptError::from_io`] gets it back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecryptError {
    /// The ciphertext is empty; PKCS#7 output is at least one block.
    #[error("ciphertext is empty; AES-CBC with PKCS#7 padding produces at least one 16-byte block")]
    Empty,
    /// The ciphertext length is not a multiple of the block size.
    #[error("ciphertext length {len} is not a multiple of the 16-byte AES block")]
    NotBlockAligned {
        /// Length of the ciphertext seen.
        len: u64,
    },
    /// The last block does not end with valid PKCS#7 padding (wrong key/IV or corrupted data).
    #[error("invalid PKCS#7 padding in the last block (wrong key or IV, or corrupted data)")]
    BadPadding,
}

impl DecryptError {
    /// Extracts a `DecryptError` carried inside an I/O error produced by the streaming adapters.
    pub fn from_io(err: &std::io::Error) -> Option<&DecryptError> {
        err.get_ref().and_then(|inner| inner.downcast_ref())
    }

    pub(crate) fn into_io(self) -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::InvalidData, self)
    }
}

/// An AES-256 key and CBC IV, zeroized on drop and never printed.
#[derive(Clone)]
pub struct SymmetricKey {
    key: [u8; KEY_LEN],
    iv: [u8; IV_LEN],
}

impl Zeroize for SymmetricKey {
    fn zeroize(&mut self) {
        self.key.zeroize();
        self.iv.zeroize();
    }
}

impl Drop for SymmetricKey {
    fn drop(&mut self) {
        self.zeroize();
    }
}

impl ZeroizeOnDrop for SymmetricKey {}

impl std::fmt::Debug for SymmetricKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SymmetricKey([redacted])")
    }
}

impl SymmetricKey {
    /// Generates a fresh random key and IV from the operating system's CSPRNG.
    pub fn generate() -> Self {
        let mut this = Self {
            key: [0; KEY_LEN],
            iv: [0; IV_LEN],
        };
        crate::random::fill(&mut this.key);
        crate::random::fill(&mut this.iv);
        this
    }

    /// Generates a key and IV from the given cryptographic RNG (feature `public-key`, which
    /// brings `rand_core`; [`SymmetricKey::generate`] needs neither).
    #[cfg(feature = "public-key")]
    pub fn generate_with<R: rand_core::RngCore + rand_core::CryptoRng + ?Sized>(
        rng: &mut R,
    ) -> Self {
        let mut this = Self {
            key: [0; KEY_LEN],
            iv: [0; IV_LEN],
        };
        rng.fill_bytes(&mut this.key);
        rng.fill_bytes(&mut this.iv);
        this
    }

    /// Builds a key from raw arrays.
    pub fn from_parts(key: [u8; KEY_LEN], iv: [u8; IV_LEN]) -> Self {
        Self { key, iv }
    }

    /// Builds a key from raw slices, checking their lengths.
    pub fn from_slices(key: &[u8], iv: &[u8]) -> Result<Self, SymmetricKeyError> {
        let key: [u8; KEY_LEN] = key
            .try_into()
            .map_err(|_| SymmetricKeyError::KeyLength(key.len()))?;
        let iv: [u8; IV_LEN] = iv
            .try_into()
            .map_err(|_| SymmetricKeyError::IvLength(iv.len()))?;
        Ok(Self { key, iv })
    }

    /// Builds a key from base64 (standard alphabet, padded) key and IV, as a test or an emulator
    /// receives them after unwrapping.
    pub fn from_base64(key_b64: &str, iv_b64: &str) -> Result<Self, SymmetricKeyError> {
        let mut key = B64
            .decode(key_b64.trim())
            .map_err(|_| SymmetricKeyError::Base64 { what: "key" })?;
        let iv = B64
            .decode(iv_b64.trim())
            .map_err(|_| SymmetricKeyError::Base64 { what: "iv" })?;
        let result = Self::from_slices(&key, &iv);
        key.zeroize();
        result
    }

    /// The raw 32-byte key (secret: to be wrapped with RSA-OAEP, never logged).
    pub fn key_bytes(&self) -> &[u8; KEY_LEN] {
        &self.key
    }

    /// The 16-byte IV (not secret; sent in the clear next to the wrapped key).
    pub fn iv(&self) -> &[u8; IV_LEN] {
        &self.iv
    }

    /// The IV in standard base64, as `encryption.initializationVector` expects.
    pub fn iv_base64(&self) -> String {
        B64.encode(self.iv)
    }

    /// Encrypts a whole buffer (AES-256-CBC, PKCS#7). The output is `16 * (len / 16 + 1)` bytes.
    pub fn encrypt(&self, plaintext: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(plaintext.len() + BLOCK_LEN);
        let mut enc = engine::ChunkEncryptor::new(self);
        let used = enc.blocks(plaintext, &mut out);
        enc.finish(plaintext.get(used..).unwrap_or_default(), &mut out);
        out
    }

    /// Encrypts a whole buffer and returns the ciphertext with the SHA-256 and size of both sides
    /// (the `invoiceHash`/`invoiceSize` and `encryptedInvoiceHash`/`encryptedInvoiceSize` of an
    /// online invoice). Both hashes are stitched into the encryption loop (see the `engine`
    /// module), where they use the cycles the serial CBC chain leaves idle: cheaper than
    /// [`SymmetricKey::encrypt`] followed by two separate hashes.
    pub fn encrypt_with_digests(&self, plaintext: &[u8]) -> (Vec<u8>, Digests) {
        let mut out = Vec::with_capacity(plaintext.len() + BLOCK_LEN);
        let (mut plain, mut cipher) = (Sha256Hasher::new(), Sha256Hasher::new());
        let mut enc = engine::ChunkEncryptor::new(self);
        let used = enc.blocks_hashing(plaintext, &mut out, Some(&mut plain), Some(&mut cipher));
        let tail = plaintext.get(used..).unwrap_or_default();
        plain.update(tail);
        let stitched = out.len();
        enc.finish(tail, &mut out);
        cipher.update(out.get(stitched..).unwrap_or_default());
        let digests = Digests {
            plain: plain.finish(),
            cipher: cipher.finish(),
        };
        (out, digests)
    }

    /// Decrypts a whole buffer, checking block alignment and the PKCS#7 padding.
    pub fn decrypt(&self, ciphertext: &[u8]) -> Result<Vec<u8>, DecryptError> {
        let mut out = Vec::with_capacity(ciphertext.len());
        engine::ChunkDecryptor::new(self.cbc_decryptor()).finish(
            ciphertext,
            &mut out,
            ciphertext.len() as u64,
        )?;
        Ok(out)
    }

    /// Wraps a writer: plaintext written in comes out encrypted into `inner`.
    pub fn encrypting_writer<W: std::io::Write>(&self, inner: W) -> EncryptingWriter<W> {
        EncryptingWriter::new(self, inner)
    }

    /// Wraps a reader of plaintext: reading yields the ciphertext.
    pub fn encrypting_reader<R: std::io::Read>(&self, inner: R) -> EncryptingReader<R> {
        EncryptingReader::new(self, inner)
    }

    /// Wraps a writer: ciphertext written in comes out decrypted into `inner`.
    pub fn decrypting_writer<W: std::io::Write>(&self, inner: W) -> DecryptingWriter<W> {
        DecryptingWriter::new(self, inner)
    }

    /// Wraps a reader of ciphertext: reading yields the plaintext.
    pub fn decrypting_reader<R: std::io::Read>(&self, inner: R) -> DecryptingReader<R> {
        DecryptingReader::new(self, inner)
    }

    pub(crate) fn cbc_decryptor(&self) -> Aes256CbcDec {
        Aes256CbcDec::new(&self.key.into(), &self.iv.into())
    }
}

/// Size of the ciphertext for a plaintext of `plain_len` bytes (PKCS#7 always adds 1..=16 bytes).
pub const fn encrypted_len(plain_len: u64) -> u64 {
    (plain_len / BLOCK_LEN as u64 + 1) * BLOCK_LEN as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SymmetricKey {
        SymmetricKey::from_parts([7; 32], [9; 16])
    }

    #[test]
    fn roundtrip_sizes() {
        // Around the 64-byte units the hashes are stitched in, and a 10 KB invoice.
        for len in [
            0usize, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 1000, 10_301,
        ] {
            let data: Vec<u8> = (0..len).map(|i| (i * 7 + i / 251) as u8).collect();
            let ct = key().encrypt(&data);
            assert_eq!(ct.len() as u64, encrypted_len(len as u64));
            let (ct2, d) = key().encrypt_with_digests(&data);
            assert_eq!(ct2, ct);
            assert_eq!(d.plain, FileDigest::of(&data));
            assert_eq!(d.cipher, FileDigest::of(&ct));
            assert_eq!(key().decrypt(&ct).unwrap(), data);
        }
    }

    #[test]
    fn decrypt_errors() {
        assert_eq!(key().decrypt(&[]), Err(DecryptError::Empty));
        assert_eq!(
            key().decrypt(&[0; 17]),
            Err(DecryptError::NotBlockAligned { len: 17 })
        );
        let mut ct = key().encrypt(b"hello");
        if let Some(last) = ct.last_mut() {
            *last ^= 0x55;
        }
        assert_eq!(key().decrypt(&ct), Err(DecryptError::BadPadding));
    }

    #[test]
    fn key_lengths_and_debug() {
        assert_eq!(
            SymmetricKey::from_slices(&[0; 31], &[0; 16]).unwrap_err(),
            SymmetricKeyError::KeyLength(31)
        );
        assert_eq!(
            SymmetricKey::from_slices(&[0; 32], &[0; 15]).unwrap_err(),
            SymmetricKeyError::IvLength(15)
        );
        let k = SymmetricKey::generate();
        assert_eq!(format!("{k:?}"), "SymmetricKey([redacted])");
        assert_ne!(k.key_bytes(), SymmetricKey::generate().key_bytes());
        let again = SymmetricKey::from_base64(&B64.encode(k.key_bytes()), &k.iv_base64()).unwrap();
        assert_eq!(again.key_bytes(), k.key_bytes());
    }
}
