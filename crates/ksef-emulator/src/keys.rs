//! The emulator's own "Ministry of Finance" key pairs and certificates, served by
//! `GET /security/public-key-certificates`, with rotation; and the Ministry-like seal that signs
//! the emulator's UPOs.

use std::sync::{Arc, OnceLock, RwLock};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ksef_crypto::credentials::{Credentials, SigningKey};
use ksef_crypto::public_key::RsaDecryptionKey;
use ksef_crypto::test_certs;
use time::OffsetDateTime;

/// What a key is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Usage {
    /// Encryption of KSeF tokens for `/auth/ksef-token`.
    KsefTokenEncryption,
    /// Wrapping of session and export keys.
    SymmetricKeyEncryption,
}

impl Usage {
    /// The API value.
    pub fn as_str(self) -> &'static str {
        match self {
            Usage::KsefTokenEncryption => "KsefTokenEncryption",
            Usage::SymmetricKeyEncryption => "SymmetricKeyEncryption",
        }
    }
}

/// One key pair with its certificate.
pub struct MinistryKey {
    /// Usages.
    pub usages: Vec<Usage>,
    /// Certificate DER, base64.
    pub certificate_b64: String,
    /// `certificateId`.
    pub certificate_id: String,
    /// `publicKeyId`.
    pub public_key_id: String,
    /// Start of validity.
    pub valid_from: OffsetDateTime,
    /// End of validity.
    pub valid_to: OffsetDateTime,
    /// Whether the key was retired (still listed until it expires, but refused: 21470).
    pub retired: bool,
    /// The private key.
    pub decrypt: RsaDecryptionKey,
}

impl std::fmt::Debug for MinistryKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MinistryKey")
            .field("usages", &self.usages)
            .field("public_key_id", &self.public_key_id)
            .finish_non_exhaustive()
    }
}

/// Every key the emulator has issued.
#[derive(Debug)]
pub struct MinistryKeys {
    keys: RwLock<Vec<Arc<MinistryKey>>>,
    bits: usize,
    upo_signer: Arc<Credentials>,
}

/// The name in the emulator's UPO-signing certificate.
pub(crate) const UPO_SIGNER_NAME: &str = "Ministerstwo Finansów (ksef-emulator)";

/// The seal that signs UPOs (P-256, self-signed, valid ten years); one per process.
fn upo_signer() -> Result<Arc<Credentials>, String> {
    static SHARED: OnceLock<Result<Arc<Credentials>, String>> = OnceLock::new();
    SHARED
        .get_or_init(|| {
            let now = OffsetDateTime::now_utc();
            test_certs::self_signed_with_validity(
                &test_certs::seal_dn(UPO_SIGNER_NAME, "5260250274"),
                SigningKey::generate_p256(),
                now - time::Duration::days(1),
                now + time::Duration::days(3650),
            )
            .map(Arc::new)
            .map_err(|e| e.to_string())
        })
        .clone()
}

fn generate(
    bits: usize,
    usages: Vec<Usage>,
    valid_from: OffsetDateTime,
) -> Result<MinistryKey, String> {
    let key = SigningKey::generate_rsa(bits).map_err(|e| e.to_string())?;
    let pkcs8 = key.to_pkcs8_der().map_err(|e| e.to_string())?;
    let decrypt = RsaDecryptionKey::from_pem_or_der(&pkcs8).map_err(|e| e.to_string())?;
    let dn = test_certs::seal_dn("Ministerstwo Finansów (ksef-emulator)", "5260250274");
    let valid_to = valid_from + time::Duration::days(3650);
    let creds = test_certs::self_signed_with_validity(
        &dn,
        key,
        valid_from - time::Duration::minutes(5),
        valid_to,
    )
    .map_err(|e| e.to_string())?;
    let der = creds.certificate().der().to_vec();
    let spki = decrypt.public_key_spki_der().map_err(|e| e.to_string())?;
    Ok(MinistryKey {
        usages,
        certificate_b64: STANDARD.encode(&der),
        certificate_id: ksef_crypto::symmetric::sha256_base64(&der),
        public_key_id: ksef_crypto::symmetric::sha256_base64(&spki),
        valid_from,
        valid_to,
        retired: false,
        decrypt,
    })
}

impl MinistryKeys {
    /// Two fresh key pairs, one per usage. Keys of the default size are generated once per
    /// process and shared by every in-process emulator (RSA key generation is slow).
    pub fn new(bits: usize) -> Result<Self, String> {
        static SHARED: OnceLock<Result<Vec<Arc<MinistryKey>>, String>> = OnceLock::new();
        let make = || -> Result<Vec<Arc<MinistryKey>>, String> {
            let from = OffsetDateTime::now_utc() - time::Duration::days(1);
            Ok(vec![
                Arc::new(generate(bits, vec![Usage::KsefTokenEncryption], from)?),
                Arc::new(generate(bits, vec![Usage::SymmetricKeyEncryption], from)?),
            ])
        };
        let keys = if bits == 2048 {
            SHARED.get_or_init(make).clone()?
        } else {
            make()?
        };
        Ok(Self {
            keys: RwLock::new(keys),
            bits,
            upo_signer: upo_signer()?,
        })
    }

    /// The credentials UPOs are signed with.
    pub fn upo_signer(&self) -> &Credentials {
        &self.upo_signer
    }

    /// Every key, for the public-key endpoint (retired ones included until they expire).
    pub fn all(&self) -> Vec<Arc<MinistryKey>> {
        self.keys.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The key a client is expected to use for `usage` now (latest `validFrom` among the valid).
    pub fn current(&self, usage: Usage) -> Option<Arc<MinistryKey>> {
        let now = OffsetDateTime::now_utc();
        self.all()
            .into_iter()
            .filter(|k| {
                k.usages.contains(&usage) && !k.retired && k.valid_from <= now && now < k.valid_to
            })
            .max_by_key(|k| k.valid_from)
    }

    /// The key with `public_key_id` for `usage`, if it is usable (not retired, valid now).
    pub fn by_id(&self, usage: Usage, public_key_id: &str) -> Option<Arc<MinistryKey>> {
        let now = OffsetDateTime::now_utc();
        self.all().into_iter().find(|k| {
            k.public_key_id == public_key_id
                && k.usages.contains(&usage)
                && !k.retired
                && k.valid_from <= now
                && now < k.valid_to
        })
    }

    /// Every usable key for `usage` (to try decryption when no `publicKeyId` was sent).
    pub fn usable(&self, usage: Usage) -> Vec<Arc<MinistryKey>> {
        let now = OffsetDateTime::now_utc();
        self.all()
            .into_iter()
            .filter(|k| {
                k.usages.contains(&usage) && !k.retired && k.valid_from <= now && now < k.valid_to
            })
            .collect()
    }

    /// Rotates the key of `usage`: a new key valid from now is added and the previous ones
    /// are retired (listed, but refused with 21470), as after a key change at the Ministry.
    pub fn rotate(&self, usage: Usage) -> Result<(), String> {
        let fresh = Arc::new(generate(
            self.bits,
            vec![usage],
            OffsetDateTime::now_utc() - time::Duration::seconds(1),
        )?);
        let mut keys = self.keys.write().unwrap_or_else(|p| p.into_inner());
        let mut next: Vec<Arc<MinistryKey>> = Vec::new();
        for k in keys.iter() {
            if k.usages.contains(&usage) && !k.retired {
                let retired = MinistryKey {
                    usages: k.usages.clone(),
                    certificate_b64: k.certificate_b64.clone(),
                    certificate_id: k.certificate_id.clone(),
                    public_key_id: k.public_key_id.clone(),
                    valid_from: k.valid_from,
                    valid_to: k.valid_to,
                    retired: true,
                    decrypt: RsaDecryptionKey::from_rsa(k.decrypt.rsa().clone()),
                };
                next.push(Arc::new(retired));
            } else {
                next.push(k.clone());
            }
        }
        next.push(fresh);
        *keys = next;
        Ok(())
    }
}
