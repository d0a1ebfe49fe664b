//! Serialisable session state for resuming after a crash or restart.
//!
//! The state **never contains access or refresh tokens**: resuming starts with a fresh login.
//! It does contain the session's symmetric key and IV (needed to encrypt more invoices or to
//! re-upload parts), so it is sensitive: [`BatchSessionState::save`] and
//! [`OnlineSessionState::save`] write it atomically to a file readable only by its owner
//! (mode 0600 on Unix), and `Debug` never shows the key.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ksef_crypto::symmetric::{FileDigest, SymmetricKey};
use serde::{Deserialize, Serialize};
use zeroize::Zeroize;

use super::form::InvoiceForm;
use crate::error::{Error, Result};

/// The session key and IV, base64, wiped on drop and never shown by `Debug`.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct KeyMaterial {
    key: String,
    iv: String,
}

impl KeyMaterial {
    pub(crate) fn of(key: &SymmetricKey) -> Self {
        Self {
            key: STANDARD.encode(key.key_bytes()),
            iv: STANDARD.encode(key.iv()),
        }
    }

    pub(crate) fn key(&self) -> Result<SymmetricKey> {
        SymmetricKey::from_base64(&self.key, &self.iv)
            .map_err(|e| Error::InvalidInput(format!("bad key in saved state: {e}")))
    }
}

impl Drop for KeyMaterial {
    fn drop(&mut self) {
        self.key.zeroize();
        self.iv.zeroize();
    }
}

impl std::fmt::Debug for KeyMaterial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyMaterial([redacted])")
    }
}

/// A digest as saved: base64 SHA-256 and size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SavedDigest {
    pub(crate) sha256: String,
    pub(crate) size: u64,
}

impl SavedDigest {
    pub(crate) fn of(d: &FileDigest) -> Self {
        Self {
            sha256: d.sha256_base64(),
            size: d.size,
        }
    }

    pub(crate) fn digest(&self) -> Result<FileDigest> {
        let bytes = STANDARD
            .decode(&self.sha256)
            .map_err(|_| Error::InvalidInput("bad hash in saved state".into()))?;
        let sha256: [u8; 32] = bytes
            .try_into()
            .map_err(|_| Error::InvalidInput("bad hash length in saved state".into()))?;
        Ok(FileDigest {
            sha256,
            size: self.size,
        })
    }
}

/// One invoice sent in an online session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentRecord {
    /// The invoice reference number.
    pub reference_number: String,
    /// SHA-256 of the invoice (base64).
    pub invoice_hash: String,
}

/// What is needed to continue an online session in another process.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OnlineSessionState {
    /// The session reference number.
    pub reference_number: String,
    /// The schema.
    pub form: InvoiceForm,
    pub(crate) key: KeyMaterial,
    /// Invoices sent so far.
    pub sent: Vec<SentRecord>,
    /// Until when the session accepts invoices (absent in states saved by older versions).
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub valid_until: Option<time::OffsetDateTime>,
}

/// One prepared part as saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SavedPart {
    pub(crate) ordinal: u32,
    pub(crate) file: PathBuf,
    pub(crate) plain: SavedDigest,
    pub(crate) encrypted: SavedDigest,
}

/// One invoice of a package as saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SavedInvoice {
    pub(crate) name: String,
    pub(crate) sha256: String,
    pub(crate) size: u64,
}

/// One upload URL as returned by the open response (pre-signed: no token). `Debug` hides the
/// URL's signature.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SavedUpload {
    pub(crate) ordinal: i32,
    pub(crate) method: String,
    pub(crate) url: String,
    pub(crate) headers: Vec<(String, String)>,
}

impl std::fmt::Debug for SavedUpload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SavedUpload")
            .field("ordinal", &self.ordinal)
            .field("method", &self.method)
            .field("url", &ksef_http::redact_presigned_url(&self.url))
            .field("headers", &self.headers)
            .finish()
    }
}

/// What is needed to continue a batch session in another process: the session, its key, the
/// spooled package and which parts were uploaded.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BatchSessionState {
    /// The session reference number.
    pub reference_number: String,
    /// The schema.
    pub form: InvoiceForm,
    /// Offline mode of the session.
    pub offline_mode: bool,
    pub(crate) key: KeyMaterial,
    pub(crate) spool_dir: PathBuf,
    pub(crate) tar_gz: bool,
    pub(crate) package: SavedDigest,
    pub(crate) parts: Vec<SavedPart>,
    pub(crate) invoices: Vec<SavedInvoice>,
    pub(crate) uploads: Vec<SavedUpload>,
    /// Ordinals of the parts uploaded so far.
    pub uploaded: BTreeSet<u32>,
    /// Whether the session was closed.
    pub closed: bool,
}

fn load_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T> {
    let bytes = std::fs::read(path).map_err(Error::io(path))?;
    serde_json::from_slice(&bytes)
        .map_err(|e| Error::InvalidInput(format!("bad session state {}: {e}", path.display())))
}

impl OnlineSessionState {
    /// Saves the state (atomically, mode 0600). It contains the session key: keep it private.
    pub fn save(&self, path: &Path) -> Result<()> {
        crate::fsutil::write_json(path, self, crate::fsutil::Access::OwnerOnly)
    }

    /// Loads a saved state.
    pub fn load(path: &Path) -> Result<Self> {
        load_json(path)
    }
}

impl BatchSessionState {
    /// Saves the state (atomically, mode 0600). It contains the session key: keep it private.
    pub fn save(&self, path: &Path) -> Result<()> {
        crate::fsutil::write_json(path, self, crate::fsutil::Access::OwnerOnly)
    }

    /// Loads a saved state.
    pub fn load(path: &Path) -> Result<Self> {
        load_json(path)
    }

    /// The spool directory holding the encrypted parts.
    pub fn spool_dir(&self) -> &Path {
        &self.spool_dir
    }

    /// How many parts the package has.
    pub fn parts_total(&self) -> usize {
        self.parts.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 12, defect 8: a saved state's `Debug` shows neither the key nor the upload URLs'
    /// signatures.
    #[test]
    fn debug_hides_the_key_and_the_signatures() {
        let key = KeyMaterial::of(&SymmetricKey::generate());
        let secret = key.key.clone();
        let state = BatchSessionState {
            reference_number: "20250625-SB-2C3E6C8000-B675CF5D68-07".into(),
            form: InvoiceForm::Fa3,
            offline_mode: false,
            key,
            spool_dir: PathBuf::from("spool"),
            tar_gz: false,
            package: SavedDigest {
                sha256: String::new(),
                size: 0,
            },
            parts: Vec::new(),
            invoices: Vec::new(),
            uploads: vec![SavedUpload {
                ordinal: 1,
                method: "PUT".into(),
                url: "https://storage.invalid/part-1?sv=2024&sig=SECRETSIG".into(),
                headers: Vec::new(),
            }],
            uploaded: BTreeSet::new(),
            closed: false,
        };
        let shown = format!("{state:?}");
        assert!(!shown.contains("SECRETSIG"), "{shown}");
        assert!(shown.contains("storage.invalid/part-1"));
        assert!(!shown.contains(&secret));
    }
}
