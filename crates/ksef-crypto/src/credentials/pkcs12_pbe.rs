//! The PKCS#12 password-based encryption schemes (RFC 7292 Appendix C) that legacy exports use:
//! `pbeWithSHAAnd3-KeyTripleDES-CBC`, `pbeWithSHAAnd128BitRC2-CBC` and
//! `pbeWithSHAAnd40BitRC2-CBC` (OpenSSL `-legacy`, Windows certificate export). Keys and IVs
//! come from the RFC 7292 Appendix B derivation with SHA-1 (`pkcs12::kdf`).

use aes::cipher::block_padding::Pkcs7;
use aes::cipher::{BlockDecryptMut as _, InnerIvInit as _};
use der::asn1::ObjectIdentifier;
use pkcs12::kdf::{Pkcs12KeyType, derive_key_utf8};
use pkcs12::pbe_params::Pkcs12PbeParams;
use spki::AlgorithmIdentifierRef;
use zeroize::Zeroizing;

use super::error::CredentialsError;
use super::pbe::{MAX_ITERATIONS, cbc_decrypt};

enum Cipher {
    TripleDes,
    Rc2 { effective_bits: usize },
}

fn scheme(oid: ObjectIdentifier) -> Option<(Cipher, usize)> {
    if oid == pkcs12::PKCS_12_PBE_WITH_SHAAND3_KEY_TRIPLE_DES_CBC {
        Some((Cipher::TripleDes, 24))
    } else if oid == pkcs12::PKCS_12_PBE_WITH_SHAAND128_BIT_RC2_CBC {
        Some((
            Cipher::Rc2 {
                effective_bits: 128,
            },
            16,
        ))
    } else if oid == pkcs12::PKCS_12_PBEWITH_SHAAND40_BIT_RC2_CBC {
        Some((Cipher::Rc2 { effective_bits: 40 }, 5))
    } else {
        None
    }
}

/// Decrypts with a PKCS#12 PBE scheme; `Ok(None)` when `alg` is not one of them.
pub(super) fn decrypt(
    alg: AlgorithmIdentifierRef<'_>,
    ciphertext: &[u8],
    password: &[u8],
) -> Result<Option<Zeroizing<Vec<u8>>>, CredentialsError> {
    let Some((cipher, key_len)) = scheme(alg.oid) else {
        return Ok(None);
    };
    let invalid = |e: &dyn std::fmt::Display| CredentialsError::InvalidPkcs12(e.to_string());
    let params: Pkcs12PbeParams = alg
        .parameters
        .ok_or_else(|| invalid(&"PKCS#12 PBE without parameters"))?
        .decode_as()
        .map_err(|e| invalid(&e))?;
    if !(1..=MAX_ITERATIONS as i32).contains(&params.iterations) {
        return Err(invalid(&"PKCS#12 PBE iteration count out of range"));
    }
    // These schemes use the password as a BMPString; a non-UTF-8 password cannot be right.
    let password = std::str::from_utf8(password).map_err(|_| CredentialsError::DecryptionFailed)?;
    let salt = params.salt.as_bytes();
    let derive = |kind, len| {
        derive_key_utf8::<sha1::Sha1>(password, salt, kind, params.iterations, len)
            .map(Zeroizing::new)
            .map_err(|e| invalid(&e))
    };
    let key = derive(Pkcs12KeyType::EncryptionKey, key_len)?;
    let iv = derive(Pkcs12KeyType::Iv, 8)?;
    let mut buf = Zeroizing::new(ciphertext.to_vec());
    let len = match cipher {
        Cipher::TripleDes => cbc_decrypt::<des::TdesEde3>(&key, &iv, &mut buf)?,
        Cipher::Rc2 { effective_bits } => {
            let rc2 = rc2::Rc2::new_with_eff_key_len(&key, effective_bits);
            cbc::Decryptor::inner_iv_slice_init(rc2, &iv)
                .map_err(|_| CredentialsError::DecryptionFailed)?
                .decrypt_padded_mut::<Pkcs7>(&mut buf)
                .map_err(|_| CredentialsError::DecryptionFailed)?
                .len()
        }
    };
    buf.truncate(len);
    Ok(Some(buf))
}
