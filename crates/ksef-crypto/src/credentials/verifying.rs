//! Signature verification with a certificate's public key.

use der::Decode;
use rsa::traits::PublicKeyParts;
use rsa::{Pkcs1v15Sign, Pss, RsaPublicKey};
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};
use signature::hazmat::PrehashVerifier;

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
    /// Hashes `data`.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            HashAlgorithm::Sha1 => Sha1::digest(data).to_vec(),
            HashAlgorithm::Sha256 => Sha256::digest(data).to_vec(),
            HashAlgorithm::Sha384 => Sha384::digest(data).to_vec(),
            HashAlgorithm::Sha512 => Sha512::digest(data).to_vec(),
        }
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
    /// The signature value is wrong.
    #[error("invalid signature")]
    InvalidSignature,
}

enum PublicKey {
    Rsa(RsaPublicKey),
    P256(p256::ecdsa::VerifyingKey),
}

fn public_key(cert: &Certificate) -> Result<PublicKey, VerifyError> {
    let spki = &cert.x509().tbs_certificate.subject_public_key_info;
    let oid = spki.algorithm.oid;
    let key_bytes = spki
        .subject_public_key
        .as_bytes()
        .ok_or_else(|| VerifyError::UnsupportedKey("unaligned public key bit string".into()))?;
    if oid == OID_RSA_ENCRYPTION {
        let pkcs1 = pkcs1::RsaPublicKey::from_der(key_bytes)
            .map_err(|e| VerifyError::UnsupportedKey(e.to_string()))?;
        let key = RsaPublicKey::new(
            rsa::BigUint::from_bytes_be(pkcs1.modulus.as_bytes()),
            rsa::BigUint::from_bytes_be(pkcs1.public_exponent.as_bytes()),
        )
        .map_err(|e| VerifyError::UnsupportedKey(e.to_string()))?;
        let bits = key.n().bits();
        if bits < MIN_RSA_BITS {
            return Err(VerifyError::RsaKeyTooSmall { bits });
        }
        Ok(PublicKey::Rsa(key))
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
        let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(key_bytes)
            .map_err(|e| VerifyError::UnsupportedKey(e.to_string()))?;
        Ok(PublicKey::P256(key))
    } else {
        Err(VerifyError::UnsupportedKey(format!("algorithm {oid}")))
    }
}

fn rsa_verify(
    key: &RsaPublicKey,
    pss: bool,
    hash: HashAlgorithm,
    hashed: &[u8],
    sig: &[u8],
) -> Result<(), rsa::Error> {
    match (pss, hash) {
        (false, HashAlgorithm::Sha1) => key.verify(Pkcs1v15Sign::new::<Sha1>(), hashed, sig),
        (false, HashAlgorithm::Sha256) => key.verify(Pkcs1v15Sign::new::<Sha256>(), hashed, sig),
        (false, HashAlgorithm::Sha384) => key.verify(Pkcs1v15Sign::new::<Sha384>(), hashed, sig),
        (false, HashAlgorithm::Sha512) => key.verify(Pkcs1v15Sign::new::<Sha512>(), hashed, sig),
        (true, HashAlgorithm::Sha1) => key.verify(Pss::new::<Sha1>(), hashed, sig),
        (true, HashAlgorithm::Sha256) => key.verify(Pss::new::<Sha256>(), hashed, sig),
        (true, HashAlgorithm::Sha384) => key.verify(Pss::new::<Sha384>(), hashed, sig),
        (true, HashAlgorithm::Sha512) => key.verify(Pss::new::<Sha512>(), hashed, sig),
    }
}

/// Verifies `signature` over `message` with the public key of `cert`.
pub fn verify_signature(
    cert: &Certificate,
    algorithm: SignatureAlgorithm,
    message: &[u8],
    signature: &[u8],
) -> Result<(), VerifyError> {
    let key = public_key(cert)?;
    match (key, algorithm) {
        (PublicKey::Rsa(k), SignatureAlgorithm::RsaPkcs1(h)) => {
            rsa_verify(&k, false, h, &h.digest(message), signature)
                .map_err(|_| VerifyError::InvalidSignature)
        }
        (PublicKey::Rsa(k), SignatureAlgorithm::RsaPss(h)) => {
            rsa_verify(&k, true, h, &h.digest(message), signature)
                .map_err(|_| VerifyError::InvalidSignature)
        }
        (PublicKey::P256(k), SignatureAlgorithm::EcdsaP256(h)) => {
            let sig = if signature.len() == 64 {
                p256::ecdsa::Signature::from_slice(signature)
            } else {
                p256::ecdsa::Signature::from_der(signature)
            }
            .map_err(|_| VerifyError::InvalidSignature)?;
            k.verify_prehash(&h.digest(message), &sig)
                .map_err(|_| VerifyError::InvalidSignature)
        }
        _ => Err(VerifyError::AlgorithmKeyMismatch),
    }
}
