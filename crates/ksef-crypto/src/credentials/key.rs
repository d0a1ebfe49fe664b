//! Private signing keys: RSA (≥ 2048 bits) and ECDSA P-256, signing through `ring`.

use std::fmt;
use std::sync::Arc;

use der::asn1::ObjectIdentifier;
use der::{Decode, Encode};
use ring::signature::{self as sig, KeyPair as _};
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

/// A private signing key (RSA ≥ 2048 bits or ECDSA P-256). Signing runs in `ring`; `Debug`
/// never shows key material.
///
/// # Key material in memory
///
/// Every buffer of this crate that holds the private key — decoded PEM, decrypted PKCS#8,
/// re-wrapped DER, the derived PBE keys and IVs, exported PKCS#8 DER/PEM — is zeroized when
/// dropped ([`zeroize::Zeroizing`]); the DES/RC2/AES key schedules of the password-based
/// schemes are too. Two copies are outside our reach:
///
/// - `ring`'s key pairs (`RsaKeyPair`, `EcdsaKeyPair`) keep the private key in their own
///   memory for as long as the key lives, and `ring` offers no way to wipe them: the last clone
///   of a `SigningKey` frees them without zeroizing. Likewise the PKCS#8 document `ring`
///   returns from P-256 key generation is freed unwiped right after it was decoded.
/// - The PKCS#8 DER kept beside the key pair (for [`SigningKey::to_pkcs8_der`] and
///   [`SigningKey::to_pkcs8_pem`], which `ring` cannot provide) lives exactly as long as the
///   key pair, so it adds no exposure beyond `ring`'s own copy; it is zeroized on drop.
///
/// Keep keys for as short a time as the work needs; dropping the last clone ends both.
#[derive(Clone)]
pub struct SigningKey {
    inner: Inner,
    /// The key as unencrypted PKCS#8 `PrivateKeyInfo`.
    pkcs8: Arc<Zeroizing<Vec<u8>>>,
}

#[derive(Clone)]
enum Inner {
    Rsa {
        pair: Arc<sig::RsaKeyPair>,
        bits: usize,
    },
    EcdsaP256(Arc<sig::EcdsaKeyPair>),
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("algorithm", &self.algorithm())
            .field("key", &"[redacted]")
            .finish()
    }
}

fn invalid_key(e: impl fmt::Display) -> CredentialsError {
    CredentialsError::InvalidKey(e.to_string())
}

/// The number of significant bits of a big-endian unsigned integer.
pub(crate) fn bit_length(be: &[u8]) -> usize {
    let first = be.iter().position(|b| *b != 0).unwrap_or(be.len());
    match be.get(first) {
        Some(top) => (be.len() - first - 1) * 8 + (8 - top.leading_zeros() as usize),
        None => 0,
    }
}

/// Converts a raw `R||S` ECDSA signature to the DER `Ecdsa-Sig-Value` of RFC 3279.
pub(crate) fn ecdsa_raw_to_der(raw: &[u8]) -> Option<Vec<u8>> {
    let (r, s) = raw.split_at_checked(raw.len() / 2)?;
    let strip = |x: &[u8]| -> Vec<u8> {
        let first = x.iter().position(|b| *b != 0).unwrap_or(x.len());
        x.get(first..).unwrap_or_default().to_vec()
    };
    let body = [
        der::asn1::UintRef::new(&strip(r)).ok()?.to_der().ok()?,
        der::asn1::UintRef::new(&strip(s)).ok()?.to_der().ok()?,
    ]
    .concat();
    let mut out = der::Header::new(der::Tag::Sequence, body.len())
        .ok()?
        .to_der()
        .ok()?;
    out.extend_from_slice(&body);
    Some(out)
}

/// Wraps a PKCS#1 `RSAPrivateKey` or SEC1 `ECPrivateKey` into a PKCS#8 `PrivateKeyInfo`.
fn wrap_pkcs8(
    algorithm: ObjectIdentifier,
    parameters: der::asn1::AnyRef<'_>,
    private_key: &[u8],
) -> Result<Zeroizing<Vec<u8>>, CredentialsError> {
    let info = pkcs8::PrivateKeyInfo::new(
        pkcs8::AlgorithmIdentifierRef {
            oid: algorithm,
            parameters: Some(parameters),
        },
        private_key,
    );
    Ok(Zeroizing::new(info.to_der()?))
}

impl SigningKey {
    /// Generates a fresh RSA key of `bits` bits (at least 2048).
    ///
    /// Note: RSA key generation is slow in unoptimised builds (seconds).
    #[cfg(feature = "keygen")]
    pub fn generate_rsa(bits: usize) -> Result<Self, CredentialsError> {
        if bits < MIN_RSA_BITS {
            return Err(CredentialsError::RsaKeyTooSmall { bits });
        }
        let key = rsa::RsaPrivateKey::new(&mut crate::random::SystemRng, bits)
            .map_err(|e| CredentialsError::KeyGeneration(e.to_string()))?;
        Self::from_rsa(key)
    }

    /// Generates a fresh ECDSA P-256 key.
    #[cfg(feature = "keygen")]
    pub fn generate_p256() -> Self {
        let rng = ring::rand::SystemRandom::new();
        let generated =
            sig::EcdsaKeyPair::generate_pkcs8(&sig::ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
                .ok()
                .and_then(|doc| Self::from_pkcs8_der(doc.as_ref()).ok());
        #[allow(clippy::expect_used)]
        generated.expect("the operating system's random source failed")
    }

    /// Wraps an RSA key of the `rsa` crate, checking its size (feature `public-key`, which
    /// brings `rsa`).
    #[cfg(feature = "public-key")]
    pub fn from_rsa(key: rsa::RsaPrivateKey) -> Result<Self, CredentialsError> {
        use pkcs8::EncodePrivateKey;
        let doc = key
            .to_pkcs8_der()
            .map_err(|e| CredentialsError::Encoding(e.to_string()))?;
        Self::from_pkcs8_der(doc.as_bytes())
    }

    /// Decodes an unencrypted PKCS#8 `PrivateKeyInfo` (RSA or EC P-256).
    pub fn from_pkcs8_der(der_bytes: &[u8]) -> Result<Self, CredentialsError> {
        let info = pkcs8::PrivateKeyInfo::from_der(der_bytes).map_err(invalid_key)?;
        let oid = info.algorithm.oid;
        if oid == OID_RSA_ENCRYPTION {
            let rsa = pkcs1::RsaPrivateKey::from_der(info.private_key).map_err(invalid_key)?;
            let bits = bit_length(rsa.modulus.as_bytes());
            if bits < MIN_RSA_BITS {
                return Err(CredentialsError::RsaKeyTooSmall { bits });
            }
            // ring wants the algorithm parameters to be an explicit NULL; re-wrap canonically.
            let pkcs8 = wrap_pkcs8(
                OID_RSA_ENCRYPTION,
                der::asn1::AnyRef::NULL,
                info.private_key,
            )?;
            let pair = sig::RsaKeyPair::from_pkcs8(&pkcs8).map_err(invalid_key)?;
            Ok(SigningKey {
                inner: Inner::Rsa {
                    pair: Arc::new(pair),
                    bits,
                },
                pkcs8: Arc::new(pkcs8),
            })
        } else if oid == OID_EC_PUBLIC_KEY {
            let curve = info.algorithm.parameters_oid().map_err(invalid_key)?;
            if curve != OID_P256 {
                return Err(CredentialsError::UnsupportedCurve(curve.to_string()));
            }
            Self::p256_from_sec1(info.private_key)
        } else {
            Err(CredentialsError::UnsupportedKeyAlgorithm(oid.to_string()))
        }
    }

    /// A P-256 key from the DER `ECPrivateKey` (SEC1), whose curve was already checked.
    fn p256_from_sec1(sec1_der: &[u8]) -> Result<Self, CredentialsError> {
        let key = sec1::EcPrivateKey::from_der(sec1_der).map_err(invalid_key)?;
        let public = key.public_key.ok_or_else(|| {
            invalid_key("EC private key without its public key (re-export it with OpenSSL)")
        })?;
        let rng = ring::rand::SystemRandom::new();
        let pair = sig::EcdsaKeyPair::from_private_key_and_public_key(
            &sig::ECDSA_P256_SHA256_FIXED_SIGNING,
            key.private_key,
            public,
            &rng,
        )
        .map_err(invalid_key)?;
        // Normalised PKCS#8: named curve in the algorithm, none repeated inside.
        let inner = sec1::EcPrivateKey {
            private_key: key.private_key,
            parameters: None,
            public_key: Some(public),
        };
        let inner_der = Zeroizing::new(inner.to_der()?);
        let curve = der::asn1::AnyRef::from(&OID_P256);
        let pkcs8 = wrap_pkcs8(OID_EC_PUBLIC_KEY, curve, &inner_der)?;
        Ok(SigningKey {
            inner: Inner::EcdsaP256(Arc::new(pair)),
            pkcs8: Arc::new(pkcs8),
        })
    }

    /// Decodes a PKCS#1 `RSAPrivateKey` (the body of `-----BEGIN RSA PRIVATE KEY-----`).
    pub fn from_pkcs1_der(der_bytes: &[u8]) -> Result<Self, CredentialsError> {
        pkcs1::RsaPrivateKey::from_der(der_bytes).map_err(invalid_key)?;
        let pkcs8 = wrap_pkcs8(OID_RSA_ENCRYPTION, der::asn1::AnyRef::NULL, der_bytes)?;
        Self::from_pkcs8_der(&pkcs8)
    }

    /// Decodes a SEC1 `ECPrivateKey` (the body of `-----BEGIN EC PRIVATE KEY-----`); P-256 only.
    pub fn from_sec1_der(der_bytes: &[u8]) -> Result<Self, CredentialsError> {
        let key = sec1::EcPrivateKey::from_der(der_bytes).map_err(invalid_key)?;
        if let Some(curve) = key.parameters.and_then(|p| p.named_curve())
            && curve != OID_P256
        {
            return Err(CredentialsError::UnsupportedCurve(curve.to_string()));
        }
        Self::p256_from_sec1(der_bytes)
    }

    /// Decodes an encrypted PKCS#8 `EncryptedPrivateKeyInfo` (PBES2: PBKDF2 with HMAC-SHA-1/256/
    /// 384/512 and AES-CBC; with the `pkcs12` feature also the PKCS#12 PBE schemes) with
    /// `password`. A wrong password gives [`CredentialsError::DecryptionFailed`].
    pub fn from_encrypted_pkcs8_der(
        der_bytes: &[u8],
        password: &[u8],
    ) -> Result<Self, CredentialsError> {
        let plain = super::pbe::decrypt_encrypted_private_key_info(der_bytes, password)?;
        Self::from_pkcs8_der(&plain).map_err(|e| match e {
            // Garbage that happened to unpad correctly is a wrong password, not a bad key.
            CredentialsError::InvalidKey(_) => CredentialsError::DecryptionFailed,
            other => other,
        })
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
        if super::pbe::is_encrypted_private_key_info(der_bytes) {
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
        match &self.inner {
            Inner::Rsa { bits, .. } => KeyAlgorithm::Rsa { bits: *bits },
            Inner::EcdsaP256(_) => KeyAlgorithm::EcdsaP256,
        }
    }

    /// The public key as DER `SubjectPublicKeyInfo`.
    pub fn public_key_spki_der(&self) -> Result<Vec<u8>, CredentialsError> {
        let (algorithm, key) = match &self.inner {
            Inner::Rsa { pair, .. } => (
                spki::AlgorithmIdentifierRef {
                    oid: OID_RSA_ENCRYPTION,
                    parameters: Some(der::asn1::AnyRef::NULL),
                },
                pair.public_key().as_ref(),
            ),
            Inner::EcdsaP256(pair) => (
                spki::AlgorithmIdentifierRef {
                    oid: OID_EC_PUBLIC_KEY,
                    parameters: Some(der::asn1::AnyRef::from(&OID_P256)),
                },
                pair.public_key().as_ref(),
            ),
        };
        let info = spki::SubjectPublicKeyInfoRef {
            algorithm,
            subject_public_key: der::asn1::BitStringRef::from_bytes(key)?,
        };
        Ok(info.to_der()?)
    }

    /// The private key as unencrypted PKCS#8 DER (zeroized when dropped).
    pub fn to_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>, CredentialsError> {
        Ok(Zeroizing::new(self.pkcs8.as_slice().to_vec()))
    }

    /// The private key as unencrypted PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`).
    pub fn to_pkcs8_pem(&self) -> Result<Zeroizing<String>, CredentialsError> {
        let pem = der::pem::encode_string("PRIVATE KEY", der::pem::LineEnding::LF, &self.pkcs8)
            .map_err(|e| CredentialsError::Encoding(e.to_string()))?;
        Ok(Zeroizing::new(pem))
    }

    fn sign_rsa(
        &self,
        padding: &'static dyn sig::RsaEncoding,
        message: &[u8],
    ) -> Result<Vec<u8>, CredentialsError> {
        let Inner::Rsa { pair, .. } = &self.inner else {
            return Err(CredentialsError::WrongKeyType("RSA key required"));
        };
        let rng = ring::rand::SystemRandom::new();
        let mut out = vec![0u8; pair.public().modulus_len()];
        pair.sign(padding, &rng, message, &mut out)
            .map_err(|e| CredentialsError::Signing(e.to_string()))?;
        Ok(out)
    }

    /// RSASSA-PKCS1-v1_5 with SHA-256 over `message`.
    pub fn sign_rsa_pkcs1_sha256(&self, message: &[u8]) -> Result<Vec<u8>, CredentialsError> {
        self.sign_rsa(&sig::RSA_PKCS1_SHA256, message)
    }

    /// RSASSA-PSS with SHA-256, MGF1-SHA-256 and a 32-byte salt over `message`.
    pub fn sign_rsa_pss_sha256(&self, message: &[u8]) -> Result<Vec<u8>, CredentialsError> {
        self.sign_rsa(&sig::RSA_PSS_SHA256, message)
    }

    /// ECDSA P-256 with SHA-256 over `message`, as raw 64-byte `R||S` (IEEE P1363 / RFC 4050).
    pub fn sign_ecdsa_p256_sha256_raw(&self, message: &[u8]) -> Result<Vec<u8>, CredentialsError> {
        let Inner::EcdsaP256(pair) = &self.inner else {
            return Err(CredentialsError::WrongKeyType("P-256 key required"));
        };
        let rng = ring::rand::SystemRandom::new();
        let signature = pair
            .sign(&rng, message)
            .map_err(|e| CredentialsError::Signing(e.to_string()))?;
        Ok(signature.as_ref().to_vec())
    }

    /// ECDSA P-256 with SHA-256 over `message`, DER-encoded (RFC 3279), as used in X.509 and CSRs.
    pub fn sign_ecdsa_p256_sha256_der(&self, message: &[u8]) -> Result<Vec<u8>, CredentialsError> {
        let raw = self.sign_ecdsa_p256_sha256_raw(message)?;
        ecdsa_raw_to_der(&raw)
            .ok_or_else(|| CredentialsError::Signing("bad ECDSA signature".into()))
    }

    /// Whether this key's public half equals the public key in `spki_der`.
    pub fn matches_spki(&self, spki_der: &[u8]) -> bool {
        let Ok(theirs) = spki::SubjectPublicKeyInfoRef::from_der(spki_der) else {
            return false;
        };
        let ours = match &self.inner {
            Inner::Rsa { pair, .. } => {
                if theirs.algorithm.oid != OID_RSA_ENCRYPTION {
                    return false;
                }
                pair.public_key().as_ref()
            }
            Inner::EcdsaP256(pair) => {
                if theirs.algorithm.oid != OID_EC_PUBLIC_KEY
                    || theirs.algorithm.parameters_oid().ok() != Some(OID_P256)
                {
                    return false;
                }
                pair.public_key().as_ref()
            }
        };
        theirs.subject_public_key.as_bytes() == Some(ours)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let k = SigningKey::generate_p256();
        assert_eq!(
            format!("{k:?}"),
            "SigningKey { algorithm: EcdsaP256, key: \"[redacted]\" }"
        );
    }

    #[test]
    fn bit_lengths() {
        assert_eq!(bit_length(&[0, 0x80, 0]), 16);
        assert_eq!(bit_length(&[0x01]), 1);
        assert_eq!(bit_length(&[]), 0);
    }
}
