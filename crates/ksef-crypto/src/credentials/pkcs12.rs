//! PKCS#12 (`.p12` / `.pfx`) reading: PBES2 (PBKDF2 + AES-CBC, what OpenSSL 3 writes by default)
//! and the legacy PKCS#12 PBE schemes (3DES, RC2-40, RC2-128: OpenSSL `-legacy`, Windows export),
//! with the HMAC integrity check (SHA-1/256/384/512) keyed by the RFC 7292 Appendix B derivation.

use cms::content_info::ContentInfo;
use cms::encrypted_data::EncryptedData;
use der::asn1::{AnyRef, ObjectIdentifier, OctetString};
use der::{Decode, Encode};
use pkcs12::kdf::{Pkcs12KeyType, derive_key_utf8};
use pkcs12::pfx::Pfx;
use pkcs12::safe_bag::SafeBag;
use zeroize::Zeroizing;

use super::certificate::Certificate;
use super::error::CredentialsError;
use super::key::SigningKey;

const OID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
const OID_ENCRYPTED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.6");
const OID_SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");
const OID_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const OID_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
const OID_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");

/// Maximum nesting of `safeContentsBag`s.
const MAX_BAG_NESTING: usize = 4;

/// What a PKCS#12 file holds: private keys and certificates (in file order).
pub(crate) struct Pkcs12Contents {
    pub(crate) keys: Vec<SigningKey>,
    pub(crate) certificates: Vec<Certificate>,
}

fn invalid(e: impl std::fmt::Display) -> CredentialsError {
    CredentialsError::InvalidPkcs12(e.to_string())
}

/// Parses and decrypts a PKCS#12 file.
pub(crate) fn parse_pkcs12(
    data: &[u8],
    password: &str,
) -> Result<Pkcs12Contents, CredentialsError> {
    let pfx = Pfx::from_der(data).map_err(invalid)?;
    if pfx.auth_safe.content_type != OID_DATA {
        return Err(CredentialsError::InvalidPkcs12(format!(
            "authSafe content type {} (public-key integrity mode is not supported)",
            pfx.auth_safe.content_type
        )));
    }
    let auth_safe_octets = pfx
        .auth_safe
        .content
        .decode_as::<OctetString>()
        .map_err(invalid)?;
    let auth_safe_bytes = auth_safe_octets.as_bytes();
    if let Some(mac_data) = &pfx.mac_data {
        verify_mac(mac_data, auth_safe_bytes, password)?;
    }
    let content_infos = Vec::<ContentInfo>::from_der(auth_safe_bytes).map_err(invalid)?;
    let mut contents = Pkcs12Contents {
        keys: Vec::new(),
        certificates: Vec::new(),
    };
    for ci in content_infos {
        let safe_contents: Zeroizing<Vec<u8>> = if ci.content_type == OID_DATA {
            let octets = ci.content.decode_as::<OctetString>().map_err(invalid)?;
            Zeroizing::new(octets.as_bytes().to_vec())
        } else if ci.content_type == OID_ENCRYPTED_DATA {
            let enc = ci.content.decode_as::<EncryptedData>().map_err(invalid)?;
            let info = enc.enc_content_info;
            let ciphertext = info
                .encrypted_content
                .ok_or_else(|| invalid("EncryptedData without content"))?;
            let alg_der = info.content_enc_alg.to_der().map_err(invalid)?;
            let alg = spki::AlgorithmIdentifierRef::from_der(&alg_der).map_err(invalid)?;
            super::pbe::decrypt(alg, ciphertext.as_bytes(), password.as_bytes())?
        } else {
            // Enveloped data and other content types carry nothing we can use.
            continue;
        };
        let bags = Vec::<SafeBag>::from_der(&safe_contents).map_err(invalid)?;
        collect_bags(&bags, password, &mut contents, 0)?;
    }
    Ok(contents)
}

fn collect_bags(
    bags: &[SafeBag],
    password: &str,
    out: &mut Pkcs12Contents,
    depth: usize,
) -> Result<(), CredentialsError> {
    if depth > MAX_BAG_NESTING {
        return Err(invalid("SafeContents nested too deeply"));
    }
    for bag in bags {
        // bagValue is `[0] EXPLICIT`: the stored TLV is the context wrapper.
        let wrapper = AnyRef::from_der(&bag.bag_value).map_err(invalid)?;
        let inner = wrapper.value();
        if bag.bag_id == pkcs12::PKCS_12_KEY_BAG_OID {
            out.keys.push(SigningKey::from_pkcs8_der(inner)?);
        } else if bag.bag_id == pkcs12::PKCS_12_PKCS8_KEY_BAG_OID {
            out.keys.push(SigningKey::from_encrypted_pkcs8_der(
                inner,
                password.as_bytes(),
            )?);
        } else if bag.bag_id == pkcs12::PKCS_12_CERT_BAG_OID {
            let cert_bag = pkcs12::cert_type::CertBag::from_der(inner).map_err(invalid)?;
            if cert_bag.cert_id == pkcs12::PKCS_12_X509_CERT_OID {
                out.certificates
                    .push(Certificate::from_der(cert_bag.cert_value.as_bytes())?);
            }
        } else if bag.bag_id == pkcs12::PKCS_12_SAFE_CONTENTS_BAG_OID {
            let nested = Vec::<SafeBag>::from_der(inner).map_err(invalid)?;
            collect_bags(&nested, password, out, depth + 1)?;
        }
        // CRL and secret bags are ignored.
    }
    Ok(())
}

fn verify_mac(
    mac_data: &pkcs12::mac_data::MacData,
    content: &[u8],
    password: &str,
) -> Result<(), CredentialsError> {
    let iterations = mac_data.iterations;
    if !(1..=super::pbe::MAX_ITERATIONS as i32).contains(&iterations) {
        return Err(invalid("MAC iteration count out of range"));
    }
    let salt = mac_data.mac_salt.as_bytes();
    let expected = mac_data.mac.digest.as_bytes();
    let oid = mac_data.mac.algorithm.oid;
    macro_rules! check {
        ($hash:ty, $len:expr, $hmac:expr) => {{
            let key = Zeroizing::new(
                derive_key_utf8::<$hash>(password, salt, Pkcs12KeyType::Mac, iterations, $len)
                    .map_err(invalid)?,
            );
            ring::hmac::verify(&ring::hmac::Key::new($hmac, &key), content, expected)
                .map_err(|_| CredentialsError::Pkcs12MacMismatch)
        }};
    }
    if oid == OID_SHA256 {
        check!(sha2::Sha256, 32, ring::hmac::HMAC_SHA256)
    } else if oid == OID_SHA1 {
        check!(sha1::Sha1, 20, ring::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY)
    } else if oid == OID_SHA384 {
        check!(sha2::Sha384, 48, ring::hmac::HMAC_SHA384)
    } else if oid == OID_SHA512 {
        check!(sha2::Sha512, 64, ring::hmac::HMAC_SHA512)
    } else {
        Err(CredentialsError::UnsupportedMac(oid.to_string()))
    }
}
