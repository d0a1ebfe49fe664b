//! Signature verification with a certificate's public key (through `ring`).

use der::Decode;
use ring::signature::{self as sig, UnparsedPublicKey, VerificationAlgorithm};

use super::certificate::Certificate;
use super::key::{MIN_RSA_BITS, OID_EC_PUBLIC_KEY, OID_P256, OID_RSA_ENCRYPTION};

/// Hash function of a signature algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HashAlgorithm {
    /// SHA-1 (legacy; still accepted by KSeF).
    Sha1,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl HashAlgorithm {
    fn ring(self) -> &'static ring::digest::Algorithm {
        match self {
            HashAlgorithm::Sha1 => &ring::digest::SHA1_FOR_LEGACY_USE_ONLY,
            HashAlgorithm::Sha256 => &ring::digest::SHA256,
            HashAlgorithm::Sha384 => &ring::digest::SHA384,
            HashAlgorithm::Sha512 => &ring::digest::SHA512,
        }
    }

    /// Hashes `data`.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        ring::digest::digest(self.ring(), data).as_ref().to_vec()
    }
}

/// A signature algorithm a signature can be verified with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignatureAlgorithm {
    /// RSASSA-PKCS1-v1_5 with the given hash.
    RsaPkcs1(HashAlgorithm),
    /// RSASSA-PSS with the given hash, MGF1 with the same hash and salt length = hash length.
    RsaPss(HashAlgorithm),
    /// ECDSA on P-256 with the given hash; the signature may be raw `R||S` (64 bytes) or DER.
    EcdsaP256(HashAlgorithm),
}

/// Why a signature did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The certificate's public key is not RSA or EC P-256, or cannot be decoded.
    #[error("unsupported or invalid public key: {0}")]
    UnsupportedKey(String),
    /// The RSA key is shorter than 2048 bits.
    #[error("RSA key too small: {bits} bits")]
    RsaKeyTooSmall {
        /// Modulus size in bits.
        bits: usize,
    },
    /// The signature algorithm does not fit the key type.
    #[error("signature algorithm does not match the key type")]
    AlgorithmKeyMismatch,
    /// The combination of key type and hash is not supported (RSA-PSS with SHA-1, ECDSA P-256
    /// with SHA-1 or SHA-512).
    #[error("unsupported signature algorithm {0:?}")]
    UnsupportedAlgorithm(SignatureAlgorithm),
    /// The signature value is wrong.
    #[error("invalid signature")]
    InvalidSignature,
}

enum PublicKey<'a> {
    /// DER `RSAPublicKey` (PKCS#1).
    Rsa(&'a [u8]),
    /// Uncompressed SEC1 point.
    P256(&'a [u8]),
}

fn public_key(cert: &Certificate) -> Result<PublicKey<'_>, VerifyError> {
    let spki = &cert.x509().tbs_certificate.subject_public_key_info;
    let oid = spki.algorithm.oid;
    let key_bytes = spki
        .subject_public_key
        .as_bytes()
        .ok_or_else(|| VerifyError::UnsupportedKey("unaligned public key bit string".into()))?;
    if oid == OID_RSA_ENCRYPTION {
        let pkcs1 = pkcs1::RsaPublicKey::from_der(key_bytes)
            .map_err(|e| VerifyError::UnsupportedKey(e.to_string()))?;
        let bits = super::key::bit_length(pkcs1.modulus.as_bytes());
        if bits < MIN_RSA_BITS {
            return Err(VerifyError::RsaKeyTooSmall { bits });
        }
        Ok(PublicKey::Rsa(key_bytes))
    } else if oid == OID_EC_PUBLIC_KEY {
        let curve = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.decode_as::<der::asn1::ObjectIdentifier>().ok())
            .ok_or_else(|| VerifyError::UnsupportedKey("EC key without named curve".into()))?;
        if curve != OID_P256 {
            return Err(VerifyError::UnsupportedKey(format!("curve {curve}")));
        }
        Ok(PublicKey::P256(key_bytes))
    } else {
        Err(VerifyError::UnsupportedKey(format!("algorithm {oid}")))
    }
}

/// Verifies `signature` over `message` with the public key of `cert`.
pub fn verify_signature(
    cert: &Certificate,
    algorithm: SignatureAlgorithm,
    message: &[u8],
    signature: &[u8],
) -> Result<(), VerifyError> {
    use HashAlgorithm as H;
    use SignatureAlgorithm as S;
    let key = public_key(cert)?;
    let check = |alg: &'static dyn VerificationAlgorithm, key: &[u8], signature: &[u8]| {
        UnparsedPublicKey::new(alg, key)
            .verify(message, signature)
            .map_err(|_| VerifyError::InvalidSignature)
    };
    match (key, algorithm) {
        (PublicKey::Rsa(k), S::RsaPkcs1(h)) => {
            let alg: &'static sig::RsaParameters = match h {
                H::Sha1 => &sig::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY,
                H::Sha256 => &sig::RSA_PKCS1_2048_8192_SHA256,
                H::Sha384 => &sig::RSA_PKCS1_2048_8192_SHA384,
                H::Sha512 => &sig::RSA_PKCS1_2048_8192_SHA512,
            };
            check(alg, k, signature)
        }
        (PublicKey::Rsa(k), S::RsaPss(h)) => {
            let alg: &'static sig::RsaParameters = match h {
                H::Sha256 => &sig::RSA_PSS_2048_8192_SHA256,
                H::Sha384 => &sig::RSA_PSS_2048_8192_SHA384,
                H::Sha512 => &sig::RSA_PSS_2048_8192_SHA512,
                H::Sha1 => return Err(VerifyError::UnsupportedAlgorithm(algorithm)),
            };
            check(alg, k, signature)
        }
        (PublicKey::P256(k), S::EcdsaP256(h)) => match (h, signature.len()) {
            (H::Sha256, 64) => check(&sig::ECDSA_P256_SHA256_FIXED, k, signature),
            (H::Sha256, _) => check(&sig::ECDSA_P256_SHA256_ASN1, k, signature),
            (H::Sha384, 64) => {
                let der =
                    super::key::ecdsa_raw_to_der(signature).ok_or(VerifyError::InvalidSignature)?;
                check(&sig::ECDSA_P256_SHA384_ASN1, k, &der)
            }
            (H::Sha384, _) => check(&sig::ECDSA_P256_SHA384_ASN1, k, signature),
            (H::Sha1 | H::Sha512, _) => Err(VerifyError::UnsupportedAlgorithm(algorithm)),
        },
        _ => Err(VerifyError::AlgorithmKeyMismatch),
    }
}
