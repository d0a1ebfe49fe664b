//! Password-based decryption of private keys and PKCS#12 contents.
//!
//! PBES2 (RFC 8018) with PBKDF2 (HMAC-SHA-1/256/384/512, through `ring`) and AES-128/192/256-CBC
//! is always available; the parameters are decoded by `pkcs5`. With the `pkcs12` feature the
//! PKCS#12 PBE schemes (3-key 3DES, 40- and 128-bit RC2; RFC 7292 Appendix C) are added.

use std::num::NonZeroU32;

use aes::cipher::BlockDecryptMut as _;
use aes::cipher::KeyIvInit as _;
use aes::cipher::block_padding::Pkcs7;
use der::Decode;
use der::asn1::{ObjectIdentifier, OctetStringRef};
use spki::AlgorithmIdentifierRef;
use zeroize::Zeroizing;

use super::error::CredentialsError;

/// OID `id-PBES2` (1.2.840.113549.1.5.13).
const OID_PBES2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.5.13");

/// Upper bound on PBKDF iterations accepted from a file (denial-of-service guard).
pub(crate) const MAX_ITERATIONS: u32 = 10_000_000;

/// `EncryptedPrivateKeyInfo` (RFC 5958) with any encryption algorithm.
#[derive(der::Sequence)]
pub(crate) struct EncryptedPrivateKeyInfo<'a> {
    pub(crate) encryption_algorithm: AlgorithmIdentifierRef<'a>,
    pub(crate) encrypted_data: OctetStringRef<'a>,
}

/// Whether `der_bytes` is an `EncryptedPrivateKeyInfo`.
pub(crate) fn is_encrypted_private_key_info(der_bytes: &[u8]) -> bool {
    EncryptedPrivateKeyInfo::from_der(der_bytes).is_ok()
}

/// Decrypts an `EncryptedPrivateKeyInfo` to the DER `PrivateKeyInfo` inside.
pub(crate) fn decrypt_encrypted_private_key_info(
    der_bytes: &[u8],
    password: &[u8],
) -> Result<Zeroizing<Vec<u8>>, CredentialsError> {
    let info = EncryptedPrivateKeyInfo::from_der(der_bytes)
        .map_err(|e| CredentialsError::InvalidKey(e.to_string()))?;
    decrypt(
        info.encryption_algorithm,
        info.encrypted_data.as_bytes(),
        password,
    )
}

/// Decrypts `ciphertext` encrypted with the password-based scheme `alg`.
pub(crate) fn decrypt(
    alg: AlgorithmIdentifierRef<'_>,
    ciphertext: &[u8],
    password: &[u8],
) -> Result<Zeroizing<Vec<u8>>, CredentialsError> {
    if alg.oid == OID_PBES2 {
        return pbes2(alg, ciphertext, password);
    }
    #[cfg(feature = "pkcs12")]
    if let Some(plain) = super::pkcs12_pbe::decrypt(alg, ciphertext, password)? {
        return Ok(plain);
    }
    Err(CredentialsError::UnsupportedEncryption(format!(
        "password-based encryption {}{}",
        alg.oid,
        if cfg!(feature = "pkcs12") {
            ""
        } else {
            " (PKCS#12 3DES/RC2 schemes need the `pkcs12` feature)"
        }
    )))
}

fn unsupported(e: impl std::fmt::Display) -> CredentialsError {
    CredentialsError::UnsupportedEncryption(e.to_string())
}

fn pbes2(
    alg: AlgorithmIdentifierRef<'_>,
    ciphertext: &[u8],
    password: &[u8],
) -> Result<Zeroizing<Vec<u8>>, CredentialsError> {
    use pkcs5::pbes2::{EncryptionScheme, Kdf, Parameters, Pbkdf2Prf};
    let params = alg
        .parameters
        .ok_or_else(|| unsupported("PBES2 without parameters"))
        .and_then(|p| Parameters::try_from(p).map_err(|e| unsupported(format!("PBES2: {e}"))))?;
    let Kdf::Pbkdf2(kdf) = &params.kdf else {
        return Err(unsupported("PBES2 with scrypt"));
    };
    let prf = match kdf.prf {
        Pbkdf2Prf::HmacWithSha1 => ring::pbkdf2::PBKDF2_HMAC_SHA1,
        Pbkdf2Prf::HmacWithSha256 => ring::pbkdf2::PBKDF2_HMAC_SHA256,
        Pbkdf2Prf::HmacWithSha384 => ring::pbkdf2::PBKDF2_HMAC_SHA384,
        Pbkdf2Prf::HmacWithSha512 => ring::pbkdf2::PBKDF2_HMAC_SHA512,
        other => return Err(unsupported(format!("PBKDF2 with {other:?}"))),
    };
    let iterations = NonZeroU32::new(kdf.iteration_count)
        .filter(|n| n.get() <= MAX_ITERATIONS)
        .ok_or_else(|| {
            CredentialsError::InvalidKey("PBKDF2 iteration count out of range".into())
        })?;
    let (key_len, iv) = match params.encryption {
        EncryptionScheme::Aes128Cbc { iv } => (16, iv),
        EncryptionScheme::Aes192Cbc { iv } => (24, iv),
        EncryptionScheme::Aes256Cbc { iv } => (32, iv),
        // DES variants exist when another crate enables `pkcs5/3des`.
        #[allow(unreachable_patterns)]
        _ => return Err(unsupported("PBES2 with a cipher other than AES-CBC")),
    };
    if kdf.key_length.is_some_and(|l| usize::from(l) != key_len) {
        return Err(CredentialsError::InvalidKey(
            "PBKDF2 key length does not fit the cipher".into(),
        ));
    }
    let mut key = Zeroizing::new(vec![0u8; key_len]);
    ring::pbkdf2::derive(prf, iterations, kdf.salt, password, &mut key);
    let mut buf = Zeroizing::new(ciphertext.to_vec());
    let len = match key_len {
        16 => cbc_decrypt::<aes::Aes128>(&key, iv, &mut buf),
        24 => cbc_decrypt::<aes::Aes192>(&key, iv, &mut buf),
        _ => cbc_decrypt::<aes::Aes256>(&key, iv, &mut buf),
    }?;
    buf.truncate(len);
    Ok(buf)
}

/// CBC decryption with PKCS#7 padding in place; returns the plaintext length. A padding error
/// (the usual symptom of a wrong password) is [`CredentialsError::DecryptionFailed`].
pub(crate) fn cbc_decrypt<C>(
    key: &[u8],
    iv: &[u8],
    buf: &mut [u8],
) -> Result<usize, CredentialsError>
where
    C: aes::cipher::BlockDecryptMut + aes::cipher::BlockCipher + aes::cipher::KeyInit,
{
    let decryptor = cbc::Decryptor::<C>::new_from_slices(key, iv)
        .map_err(|_| CredentialsError::DecryptionFailed)?;
    decryptor
        .decrypt_padded_mut::<Pkcs7>(buf)
        .map(|plain| plain.len())
        .map_err(|_| CredentialsError::DecryptionFailed)
}
