//! SHA-256 + size summaries of files, as the KSeF API reports them (base64 SHA-256, size in bytes).

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD as B64, URL_SAFE_NO_PAD as B64URL};

/// SHA-256 and byte count of one byte stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FileDigest {
    /// The SHA-256 of the bytes.
    pub sha256: [u8; 32],
    /// The number of bytes.
    pub size: u64,
}

impl FileDigest {
    /// Digest of an in-memory buffer.
    pub fn of(bytes: &[u8]) -> Self {
        Self {
            sha256: sha256(bytes),
            size: bytes.len() as u64,
        }
    }

    /// The SHA-256 in standard padded base64 (44 characters), as the API's `*Hash` fields expect.
    pub fn sha256_base64(&self) -> String {
        B64.encode(self.sha256)
    }

    /// The SHA-256 in unpadded base64url (43 characters), as QR verification links use it.
    pub fn sha256_base64url(&self) -> String {
        B64URL.encode(self.sha256)
    }

    /// The SHA-256 as lowercase hex.
    pub fn sha256_hex(&self) -> String {
        use std::fmt::Write as _;
        self.sha256
            .iter()
            .fold(String::with_capacity(64), |mut s, b| {
                let _ = write!(s, "{b:02x}");
                s
            })
    }
}

/// Digests of the plaintext and the ciphertext of one encryption or decryption pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Digests {
    /// SHA-256 and size of the plaintext (e.g. `invoiceHash`/`invoiceSize`).
    pub plain: FileDigest,
    /// SHA-256 and size of the ciphertext (e.g. `encryptedInvoiceHash`/`encryptedInvoiceSize`).
    pub cipher: FileDigest,
}

/// SHA-256 of a buffer.
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    to_array(ring::digest::digest(&ring::digest::SHA256, bytes))
}

fn to_array(d: ring::digest::Digest) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

/// SHA-256 of a buffer in standard padded base64 (the API's `Sha256HashBase64`).
pub fn sha256_base64(bytes: &[u8]) -> String {
    B64.encode(sha256(bytes))
}

/// SHA-256 of a buffer in unpadded base64url (the invoice hash segment of QR links).
pub fn sha256_base64url(bytes: &[u8]) -> String {
    B64URL.encode(sha256(bytes))
}

/// Incremental SHA-256 + byte counter. Implements [`std::io::Write`], so
/// `std::io::copy(&mut reader, &mut hasher)` hashes a whole stream; see also
/// [`Sha256Hasher::digest_reader`].
#[derive(Clone)]
pub struct Sha256Hasher {
    hasher: ring::digest::Context,
    size: u64,
}

impl Default for Sha256Hasher {
    fn default() -> Self {
        Self {
            hasher: ring::digest::Context::new(&ring::digest::SHA256),
            size: 0,
        }
    }
}

impl std::fmt::Debug for Sha256Hasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sha256Hasher")
            .field("size", &self.size)
            .finish_non_exhaustive()
    }
}

impl Sha256Hasher {
    /// A fresh hasher.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds bytes.
    pub fn update(&mut self, bytes: &[u8]) {
        self.hasher.update(bytes);
        self.size += bytes.len() as u64;
    }

    /// Bytes fed so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Consumes the hasher and returns the digest.
    pub fn finish(self) -> FileDigest {
        FileDigest {
            sha256: to_array(self.hasher.finish()),
            size: self.size,
        }
    }

    /// Reads `reader` to its end and returns the SHA-256 and size of what it yielded.
    pub fn digest_reader<R: std::io::Read>(mut reader: R) -> std::io::Result<FileDigest> {
        let mut hasher = Self::new();
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            match reader.read(&mut buf) {
                Ok(0) => return Ok(hasher.finish()),
                Ok(n) => hasher.update(buf.get(..n).unwrap_or_default()),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }
}

impl std::io::Write for Sha256Hasher {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_hashes() {
        // SHA-256("abc"), FIPS 180-2 test vector.
        assert_eq!(
            FileDigest::of(b"abc").sha256_hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            sha256_base64(b""),
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
        );
        assert_eq!(
            sha256_base64url(b"<root>test</root>"),
            "qrs2gCLXnTUy6--AHwHuDxFuCj0BYUGRGtBuGnJwN-c"
        );
        let d = Sha256Hasher::digest_reader(&b"abc"[..]).unwrap();
        assert_eq!(d, FileDigest::of(b"abc"));
        assert_eq!(d.size, 3);
    }
}
