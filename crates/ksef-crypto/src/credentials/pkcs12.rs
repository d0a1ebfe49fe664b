//! PKCS#12 (`.p12` / `.pfx`) reading: PBES2 (PBKDF2 + AES-CBC) encryption and an HMAC integrity
//! check with the RFC 7292 Appendix B key derivation (what OpenSSL 3 writes by default).

use cms::content_info::ContentInfo;
use cms::encrypted_data::EncryptedData;
use der::asn1::{AnyRef, ObjectIdentifier, OctetString};
use der::{Decode, Encode};
use hmac::{Hmac, Mac};
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
const OID_PBES2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.5.13");

/// Upper bound on PBKDF/MAC iterations accepted from a file (denial-of-service guard).
const MAX_ITERATIONS: i32 = 10_000_000;

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
            decrypt_pbes2(&alg_der, ciphertext.as_bytes(), password)?
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
            let epki = pkcs8::EncryptedPrivateKeyInfo::from_der(inner).map_err(invalid)?;
            let alg_der = epki.encryption_algorithm.to_der().map_err(invalid)?;
            let plain = decrypt_pbes2(&alg_der, epki.encrypted_data, password)?;
            out.keys.push(SigningKey::from_pkcs8_der(&plain)?);
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

/// Decrypts PBES2 content; PKCS#12 PBES2 uses the password's UTF-8 bytes.
fn decrypt_pbes2(
    alg_der: &[u8],
    ciphertext: &[u8],
    password: &str,
) -> Result<Zeroizing<Vec<u8>>, CredentialsError> {
    let alg = spki::AlgorithmIdentifierRef::from_der(alg_der).map_err(invalid)?;
    if alg.oid != OID_PBES2 {
        return Err(CredentialsError::UnsupportedEncryption(format!(
            "PKCS#12 encryption {} (legacy PKCS#12 PBE such as 3DES/RC2 is not supported; \
             re-export with OpenSSL 3 defaults: PBES2/AES-256-CBC)",
            alg.oid
        )));
    }
    let scheme = pkcs5::EncryptionScheme::try_from(alg)
        .map_err(|e| CredentialsError::UnsupportedEncryption(e.to_string()))?;
    if let Some(params) = scheme.pbes2() {
        if let pkcs5::pbes2::Kdf::Pbkdf2(p) = &params.kdf {
            if p.iteration_count > MAX_ITERATIONS as u32 {
                return Err(invalid("PBKDF2 iteration count too large"));
            }
        } else {
            return Err(CredentialsError::UnsupportedEncryption(
                "PBES2 with scrypt".into(),
            ));
        }
    }
    scheme
        .decrypt(password.as_bytes(), ciphertext)
        .map(Zeroizing::new)
        .map_err(|_| CredentialsError::DecryptionFailed)
}

fn verify_mac(
    mac_data: &pkcs12::mac_data::MacData,
    content: &[u8],
    password: &str,
) -> Result<(), CredentialsError> {
    let iterations = mac_data.iterations;
    if !(1..=MAX_ITERATIONS).contains(&iterations) {
        return Err(invalid("MAC iteration count out of range"));
    }
    let salt = mac_data.mac_salt.as_bytes();
    let expected = mac_data.mac.digest.as_bytes();
    let oid = mac_data.mac.algorithm.oid;
    macro_rules! check {
        ($hash:ty, $len:expr) => {{
            let key = Zeroizing::new(
                derive_key_utf8::<$hash>(password, salt, Pkcs12KeyType::Mac, iterations, $len)
                    .map_err(invalid)?,
            );
            let mut mac = <Hmac<$hash> as Mac>::new_from_slice(&key).map_err(invalid)?;
            mac.update(content);
            mac.verify_slice(expected)
                .map_err(|_| CredentialsError::Pkcs12MacMismatch)
        }};
    }
    if oid == OID_SHA256 {
        check!(sha2::Sha256, 32)
    } else if oid == OID_SHA1 {
        check!(sha1::Sha1, 20)
    } else if oid == OID_SHA384 {
        check!(sha2::Sha384, 48)
    } else if oid == OID_SHA512 {
        check!(sha2::Sha512, 64)
    } else {
        Err(CredentialsError::UnsupportedMac(oid.to_string()))
    }
}
