//! The private-key side of RSA-OAEP, for the KSeF emulator and for tests.

use crate::random::SystemRng as OsRng;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use rsa::{Oaep, RsaPrivateKey, RsaPublicKey};
use sha2::Sha256;
use zeroize::Zeroizing;

use super::{PublicKeyError, public_key_id};
use crate::symmetric::SymmetricKey;

/// An RSA private key that unwraps AES keys and decrypts KSeF tokens (RSA-OAEP, SHA-256,
/// MGF1-SHA-256, empty label). Zeroized on drop; `Debug` shows no key material.
///
/// Decryption is blinded with fresh randomness each time, but the `rsa` crate's private-key
/// operations are still not fully hardened against timing side channels (RUSTSEC-2023-0071);
/// use it for emulators and tests, not as a production server.
#[derive(Clone)]
pub struct RsaDecryptionKey {
    key: RsaPrivateKey,
}

impl std::fmt::Debug for RsaDecryptionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RsaDecryptionKey([redacted])")
    }
}

/// A decrypted KSeF token: the token text and the challenge timestamp it was bound to.
#[derive(Clone, PartialEq, Eq)]
pub struct DecryptedToken {
    token: Zeroizing<String>,
    timestamp_ms: i64,
}

impl std::fmt::Debug for DecryptedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DecryptedToken")
            .field("token", &"[redacted]")
            .field("timestamp_ms", &self.timestamp_ms)
            .finish()
    }
}

impl DecryptedToken {
    /// The KSeF token (secret).
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The `timestampMs` of the challenge, as the client wrote it.
    pub fn timestamp_ms(&self) -> i64 {
        self.timestamp_ms
    }
}

impl RsaDecryptionKey {
    /// Generates a new key of `bits` bits (2048 or more).
    pub fn generate(bits: usize) -> Result<Self, PublicKeyError> {
        if bits < 2048 {
            return Err(PublicKeyError::RsaKey(format!(
                "{bits}-bit keys are too small; at least 2048 bits are required"
            )));
        }
        RsaPrivateKey::new(&mut OsRng, bits)
            .map(Self::from_rsa)
            .map_err(|e| PublicKeyError::RsaKey(e.to_string()))
    }

    /// Wraps an existing key.
    pub fn from_rsa(key: RsaPrivateKey) -> Self {
        Self { key }
    }

    /// Reads a PKCS#8 (`PRIVATE KEY`) or PKCS#1 (`RSA PRIVATE KEY`) key, DER or PEM.
    pub fn from_pem_or_der(data: &[u8]) -> Result<Self, PublicKeyError> {
        use rsa::pkcs1::DecodeRsaPrivateKey;
        use rsa::pkcs8::DecodePrivateKey;
        let key = match std::str::from_utf8(data) {
            Ok(text) if text.contains("-----BEGIN") => RsaPrivateKey::from_pkcs8_pem(text)
                .ok()
                .or_else(|| RsaPrivateKey::from_pkcs1_pem(text).ok()),
            _ => RsaPrivateKey::from_pkcs8_der(data)
                .ok()
                .or_else(|| RsaPrivateKey::from_pkcs1_der(data).ok()),
        };
        key.map(Self::from_rsa).ok_or_else(|| {
            PublicKeyError::RsaKey("not a PKCS#8 or PKCS#1 RSA private key (PEM or DER)".into())
        })
    }

    /// The private key.
    pub fn rsa(&self) -> &RsaPrivateKey {
        &self.key
    }

    /// The public key.
    pub fn public_key(&self) -> RsaPublicKey {
        RsaPublicKey::from(&self.key)
    }

    /// The public key as `SubjectPublicKeyInfo` DER.
    pub fn public_key_spki_der(&self) -> Result<Vec<u8>, PublicKeyError> {
        use rsa::pkcs8::EncodePublicKey;
        self.public_key()
            .to_public_key_der()
            .map(|d| d.as_bytes().to_vec())
            .map_err(|e| PublicKeyError::RsaKey(e.to_string()))
    }

    /// The API's `publicKeyId` for this key: base64 SHA-256 of the SPKI DER.
    pub fn public_key_id(&self) -> Result<String, PublicKeyError> {
        Ok(public_key_id(&self.public_key_spki_der()?))
    }

    /// RSA-OAEP decryption, blinded with fresh randomness (the result is zeroized on drop).
    pub fn decrypt_oaep(&self, ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>, PublicKeyError> {
        self.key
            .decrypt_blinded(&mut OsRng, Oaep::new::<Sha256>(), ciphertext)
            .map(Zeroizing::new)
            .map_err(|_| PublicKeyError::Decrypt)
    }

    /// Unwraps the API's `encryptedSymmetricKey` + `initializationVector` (both base64).
    pub fn unwrap_symmetric_key(
        &self,
        encrypted_key_b64: &str,
        iv_b64: &str,
    ) -> Result<SymmetricKey, PublicKeyError> {
        let wrapped = B64
            .decode(encrypted_key_b64.trim())
            .map_err(|_| PublicKeyError::Base64 {
                what: "encryptedSymmetricKey",
            })?;
        let iv = B64
            .decode(iv_b64.trim())
            .map_err(|_| PublicKeyError::Base64 {
                what: "initializationVector",
            })?;
        let key = self.decrypt_oaep(&wrapped)?;
        Ok(SymmetricKey::from_slices(&key, &iv)?)
    }

    /// Decrypts the API's `encryptedToken` (base64) and splits `"{token}|{timestampMs}"` at the
    /// last `|` (tokens themselves contain `|`).
    pub fn decrypt_ksef_token(
        &self,
        encrypted_token_b64: &str,
    ) -> Result<DecryptedToken, PublicKeyError> {
        let ct = B64
            .decode(encrypted_token_b64.trim())
            .map_err(|_| PublicKeyError::Base64 {
                what: "encryptedToken",
            })?;
        let plain = self.decrypt_oaep(&ct)?;
        let text =
            std::str::from_utf8(&plain).map_err(|_| PublicKeyError::TokenFormat("not UTF-8"))?;
        let (token, ts) = text
            .rsplit_once('|')
            .ok_or(PublicKeyError::TokenFormat("no `|` before the timestamp"))?;
        if token.is_empty() {
            return Err(PublicKeyError::TokenFormat("empty token"));
        }
        let timestamp_ms = ts
            .parse::<i64>()
            .map_err(|_| PublicKeyError::TokenFormat("the timestamp is not an integer"))?;
        Ok(DecryptedToken {
            token: Zeroizing::new(token.to_owned()),
            timestamp_ms,
        })
    }
}
