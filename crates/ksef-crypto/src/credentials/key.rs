//! Private signing keys: RSA (≥ 2048 bits) and ECDSA P-256.

use std::fmt;

use der::Decode;
use der::asn1::ObjectIdentifier;
use pkcs8::{DecodePrivateKey, EncodePrivateKey};
use rand_core::OsRng;
use rsa::traits::PublicKeyParts;
use rsa::{Pkcs1v15Sign, Pss, RsaPrivateKey, RsaPublicKey};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::error::CredentialsError;

/// OID `rsaEncryption` (1.2.840.113549.1.1.1).
pub(crate) const OID_RSA_ENCRYPTION: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
/// OID `id-ecPublicKey` (1.2.840.10045.2.1).
pub(crate) const OID_EC_PUBLIC_KEY: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
/// OID `prime256v1` / `secp256r1` (1.2.840.10045.3.1.7).
pub(crate) const OID_P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");

/// Minimum RSA modulus size accepted by KSeF.
pub const MIN_RSA_BITS: usize = 2048;

/// The kind of a key pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyAlgorithm {
    /// RSA with the given modulus size in bits.
    Rsa {
        /// Modulus size in bits.
        bits: usize,
    },
    /// ECDSA on NIST P-256 (secp256r1).
    EcdsaP256,
}

/// A private signing key. Key material is zeroized on drop; `Debug` never shows it.
#[derive(Clone)]
pub enum SigningKey {
    /// An RSA private key of at least 2048 bits.
    Rsa(Box<RsaPrivateKey>),
    /// An ECDSA P-256 private key.
    EcdsaP256(p256::ecdsa::SigningKey),
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("algorithm", &self.algorithm())
            .field("key", &"[redacted]")
            .finish()
    }
}

impl SigningKey {
    /// Generates a fresh RSA key of `bits` bits (at least 2048).
    ///
    /// Note: RSA key generation is slow in unoptimised builds (seconds).
    pub fn generate_rsa(bits: usize) -> Result<Self, CredentialsError> {
        if bits < MIN_RSA_BITS {
            return Err(CredentialsError::RsaKeyTooSmall { bits });
        }
        let key = RsaPrivateKey::new(&mut OsRng, bits)
            .map_err(|e| CredentialsError::KeyGeneration(e.to_string()))?;
        Ok(SigningKey::Rsa(Box::new(key)))
    }

    /// Generates a fresh ECDSA P-256 key.
    pub fn generate_p256() -> Self {
        SigningKey::EcdsaP256(p256::ecdsa::SigningKey::random(&mut OsRng))
    }

    /// Wraps an RSA key, checking its size.
    pub fn from_rsa(key: RsaPrivateKey) -> Result<Self, CredentialsError> {
        let bits = key.n().bits();
        if bits < MIN_RSA_BITS {
            return Err(CredentialsError::RsaKeyTooSmall { bits });
        }
        key.validate()
            .map_err(|e| CredentialsError::InvalidKey(e.to_string()))?;
        Ok(SigningKey::Rsa(Box::new(key)))
    }

    /// Decodes an unencrypted PKCS#8 `PrivateKeyInfo` (RSA or EC P-256).
    pub fn from_pkcs8_der(der_bytes: &[u8]) -> Result<Self, CredentialsError> {
        let info = pkcs8::PrivateKeyInfo::from_der(der_bytes)
            .map_err(|e| CredentialsError::InvalidKey(e.to_string()))?;
        let oid = info.algorithm.oid;
        if oid == OID_RSA_ENCRYPTION {
            let key = RsaPrivateKey::from_pkcs8_der(der_bytes)
                .map_err(|e| CredentialsError::InvalidKey(e.to_string()))?;
            Self::from_rsa(key)
        } else if oid == OID_EC_PUBLIC_KEY {
            let curve = info
                .algorithm
                .parameters_oid()
                .map_err(|e| CredentialsError::InvalidKey(e.to_string()))?;
            if curve != OID_P256 {
                return Err(CredentialsError::UnsupportedCurve(curve.to_string()));
            }
            let key = p256::SecretKey::from_pkcs8_der(der_bytes)
                .map_err(|e| CredentialsError::InvalidKey(e.to_string()))?;
            Ok(SigningKey::EcdsaP256(key.into()))
        } else {
            Err(CredentialsError::UnsupportedKeyAlgorithm(oid.to_string()))
        }
    }

    /// Decodes a PKCS#1 `RSAPrivateKey` (the body of `-----BEGIN RSA PRIVATE KEY-----`).
    pub fn from_pkcs1_der(der_bytes: &[u8]) -> Result<Self, CredentialsError> {
        use pkcs1::DecodeRsaPrivateKey;
        let key = RsaPrivateKey::from_pkcs1_der(der_bytes)
            .map_err(|e| CredentialsError::InvalidKey(e.to_string()))?;
        Self::from_rsa(key)
    }

    /// Decodes a SEC1 `ECPrivateKey` (the body of `-----BEGIN EC PRIVATE KEY-----`); P-256 only.
    pub fn from_sec1_der(der_bytes: &[u8]) -> Result<Self, CredentialsError> {
        let parsed = sec1_curve(der_bytes)?;
        if let Some(curve) = parsed
            && curve != OID_P256
        {
            return Err(CredentialsError::UnsupportedCurve(curve.to_string()));
        }
        let key = p256::SecretKey::from_sec1_der(der_bytes)
            .map_err(|e| CredentialsError::InvalidKey(e.to_string()))?;
        Ok(SigningKey::EcdsaP256(key.into()))
    }

    /// Decodes an encrypted PKCS#8 `EncryptedPrivateKeyInfo` (PBES2) with `password`.
    pub fn from_encrypted_pkcs8_der(
        der_bytes: &[u8],
        password: &[u8],
    ) -> Result<Self, CredentialsError> {
        let info = pkcs8::EncryptedPrivateKeyInfo::from_der(der_bytes)
            .map_err(|e| CredentialsError::InvalidKey(e.to_string()))?;
        if info.encryption_algorithm.pbes2().is_none() {
            return Err(CredentialsError::UnsupportedEncryption(
                info.encryption_algorithm.oid().to_string(),
            ));
        }
        let doc = info
            .decrypt(password)
            .map_err(|_| CredentialsError::DecryptionFailed)?;
        Self::from_pkcs8_der(doc.as_bytes())
    }

    /// Decodes a DER private key of any supported form (PKCS#8, PKCS#1 or SEC1), trying each.
    pub fn from_der(der_bytes: &[u8]) -> Result<Self, CredentialsError> {
        match Self::from_pkcs8_der(der_bytes) {
            Ok(k) => return Ok(k),
            Err(e @ CredentialsError::RsaKeyTooSmall { .. })
            | Err(e @ CredentialsError::UnsupportedCurve(_))
            | Err(e @ CredentialsError::UnsupportedKeyAlgorithm(_)) => return Err(e),
            Err(_) => {}
        }
        if pkcs8::EncryptedPrivateKeyInfo::from_der(der_bytes).is_ok() {
            return Err(CredentialsError::PasswordRequired);
        }
        match Self::from_pkcs1_der(der_bytes) {
            Ok(k) => return Ok(k),
            Err(e @ CredentialsError::RsaKeyTooSmall { .. }) => return Err(e),
            Err(_) => {}
        }
        Self::from_sec1_der(der_bytes)
    }

    /// The key algorithm and size.
    pub fn algorithm(&self) -> KeyAlgorithm {
        match self {
            SigningKey::Rsa(k) => KeyAlgorithm::Rsa { bits: k.n().bits() },
            SigningKey::EcdsaP256(_) => KeyAlgorithm::EcdsaP256,
        }
    }

    /// The public key as DER `SubjectPublicKeyInfo`.
    pub fn public_key_spki_der(&self) -> Result<Vec<u8>, CredentialsError> {
        use pkcs8::EncodePublicKey;
        let doc = match self {
            SigningKey::Rsa(k) => RsaPublicKey::from(k.as_ref()).to_public_key_der(),
            SigningKey::EcdsaP256(k) => k.verifying_key().to_public_key_der(),
        }
        .map_err(|e| CredentialsError::Encoding(e.to_string()))?;
        Ok(doc.as_bytes().to_vec())
    }

    /// The private key as unencrypted PKCS#8 DER (zeroized when dropped).
    pub fn to_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>, CredentialsError> {
        let doc = match self {
            SigningKey::Rsa(k) => k.to_pkcs8_der(),
            SigningKey::EcdsaP256(k) => k.to_pkcs8_der(),
        }
        .map_err(|e| CredentialsError::Encoding(e.to_string()))?;
        Ok(Zeroizing::new(doc.as_bytes().to_vec()))
    }

    /// The private key as unencrypted PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`).
    pub fn to_pkcs8_pem(&self) -> Result<Zeroizing<String>, CredentialsError> {
        let der_bytes = self.to_pkcs8_der()?;
        let pem = der::pem::encode_string("PRIVATE KEY", der::pem::LineEnding::LF, &der_bytes)
            .map_err(|e| CredentialsError::Encoding(e.to_string()))?;
        Ok(Zeroizing::new(pem))
    }

    /// RSASSA-PKCS1-v1_5 with SHA-256 over `message`.
    pub fn sign_rsa_pkcs1_sha256(&self, message: &[u8]) -> Result<Vec<u8>, CredentialsError> {
        let SigningKey::Rsa(key) = self else {
            return Err(CredentialsError::WrongKeyType("RSA key required"));
        };
        let digest = Sha256::digest(message);
        key.sign_with_rng(&mut OsRng, Pkcs1v15Sign::new::<Sha256>(), &digest)
            .map_err(|e| CredentialsError::Signing(e.to_string()))
    }

    /// RSASSA-PSS with SHA-256, MGF1-SHA-256 and a 32-byte salt over `message`.
    pub fn sign_rsa_pss_sha256(&self, message: &[u8]) -> Result<Vec<u8>, CredentialsError> {
        let SigningKey::Rsa(key) = self else {
            return Err(CredentialsError::WrongKeyType("RSA key required"));
        };
        let digest = Sha256::digest(message);
        key.sign_with_rng(&mut OsRng, Pss::new_with_salt::<Sha256>(32), &digest)
            .map_err(|e| CredentialsError::Signing(e.to_string()))
    }

    /// ECDSA P-256 with SHA-256 over `message`, as raw 64-byte `R||S` (IEEE P1363 / RFC 4050).
    pub fn sign_ecdsa_p256_sha256_raw(&self, message: &[u8]) -> Result<Vec<u8>, CredentialsError> {
        let SigningKey::EcdsaP256(key) = self else {
            return Err(CredentialsError::WrongKeyType("P-256 key required"));
        };
        let sig: p256::ecdsa::Signature = signature::Signer::try_sign(key, message)
            .map_err(|e| CredentialsError::Signing(e.to_string()))?;
        Ok(sig.to_bytes().to_vec())
    }

    /// ECDSA P-256 with SHA-256 over `message`, DER-encoded (RFC 3279), as used in X.509 and CSRs.
    pub fn sign_ecdsa_p256_sha256_der(&self, message: &[u8]) -> Result<Vec<u8>, CredentialsError> {
        let SigningKey::EcdsaP256(key) = self else {
            return Err(CredentialsError::WrongKeyType("P-256 key required"));
        };
        let sig: p256::ecdsa::Signature = signature::Signer::try_sign(key, message)
            .map_err(|e| CredentialsError::Signing(e.to_string()))?;
        Ok(sig.to_der().as_bytes().to_vec())
    }

    /// Whether this key's public half equals the public key in `spki_der`.
    pub fn matches_spki(&self, spki_der: &[u8]) -> bool {
        use pkcs8::DecodePublicKey;
        match self {
            SigningKey::Rsa(k) => match RsaPublicKey::from_public_key_der(spki_der) {
                Ok(p) => p.n() == k.n() && p.e() == k.e(),
                Err(_) => false,
            },
            SigningKey::EcdsaP256(k) => match p256::PublicKey::from_public_key_der(spki_der) {
                Ok(p) => p == p256::PublicKey::from(k.verifying_key()),
                Err(_) => false,
            },
        }
    }
}

/// Reads the optional `parameters [0]` named curve of a SEC1 `ECPrivateKey`.
fn sec1_curve(der_bytes: &[u8]) -> Result<Option<ObjectIdentifier>, CredentialsError> {
    let key = sec1::EcPrivateKey::from_der(der_bytes)
        .map_err(|e| CredentialsError::InvalidKey(e.to_string()))?;
    Ok(key.parameters.and_then(|p| p.named_curve()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_zeroize_on_drop<T: zeroize::ZeroizeOnDrop>() {}

    #[test]
    fn key_material_is_zeroized_on_drop() {
        assert_zeroize_on_drop::<RsaPrivateKey>();
        assert_zeroize_on_drop::<p256::ecdsa::SigningKey>();
    }

    #[test]
    fn debug_is_redacted() {
        let k = SigningKey::generate_p256();
        assert_eq!(
            format!("{k:?}"),
            "SigningKey { algorithm: EcdsaP256, key: \"[redacted]\" }"
        );
    }
}
