//! The records of online and batch sessions, their invoices and UPO pages.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::state::Ident;

/// A session's symmetric key (base64 key and IV), kept so invoices and parts can be decrypted.
#[derive(Clone, Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
pub struct SessionKey {
    /// The 32-byte AES key, base64.
    pub key_b64: String,
    /// The 16-byte IV, base64.
    pub iv_b64: String,
}

impl std::fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionKey([redacted])")
    }
}

impl SessionKey {
    /// Keeps a key.
    pub fn from_key(key: &ksef_crypto::symmetric::SymmetricKey) -> Self {
        use base64::Engine as _;
        Self {
            key_b64: base64::engine::general_purpose::STANDARD.encode(key.key_bytes()),
            iv_b64: key.iv_base64(),
        }
    }

    /// The usable key.
    pub fn to_key(&self) -> Option<ksef_crypto::symmetric::SymmetricKey> {
        ksef_crypto::symmetric::SymmetricKey::from_base64(&self.key_b64, &self.iv_b64).ok()
    }
}

/// Online or batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SessionKind {
    /// Interactive session.
    Online,
    /// Batch session.
    Batch,
}

impl SessionKind {
    /// The API value (`SessionType`).
    pub fn as_str(self) -> &'static str {
        match self {
            SessionKind::Online => "Online",
            SessionKind::Batch => "Batch",
        }
    }
}

/// A status (of a session or an invoice) as the API reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    /// Code.
    pub code: i32,
    /// Description.
    pub description: String,
    /// Details.
    pub details: Vec<String>,
    /// Extensions (invoice statuses only, e.g. for duplicates).
    pub extensions: BTreeMap<String, String>,
}

impl Status {
    /// A status with a code and description.
    pub fn new(code: i32, description: impl Into<String>) -> Self {
        Self {
            code,
            description: description.into(),
            details: Vec::new(),
            extensions: BTreeMap::new(),
        }
    }

    /// Adds details.
    pub fn with_details(mut self, details: Vec<String>) -> Self {
        self.details = details;
        self
    }
}

/// One declared part of a batch package.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeclaredPart {
    /// `ordinalNumber`.
    pub ordinal: i32,
    /// Encrypted size.
    pub size: i64,
    /// Encrypted SHA-256, base64.
    pub hash: String,
}

/// What was declared when a batch session was opened.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BatchDeclaration {
    /// Size of the whole package before encryption.
    pub file_size: i64,
    /// SHA-256 (base64) of the whole package before encryption.
    pub file_hash: String,
    /// `Zip` or `TarGz`.
    pub compression: String,
    /// The parts.
    pub parts: Vec<DeclaredPart>,
    /// Uploads and close must happen before this.
    pub upload_deadline: OffsetDateTime,
    /// `offlineMode` of the session.
    pub offline_mode: bool,
}

/// An invoice sent in a session.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionInvoice {
    /// Position in the session (from 1).
    pub ordinal: i32,
    /// Invoice reference number.
    pub reference: String,
    /// `P_2` (once read).
    pub invoice_number: Option<String>,
    /// The KSeF number (status 200).
    pub ksef_number: Option<String>,
    /// SHA-256 (base64) of the invoice XML.
    pub invoice_hash: String,
    /// File name in the batch package.
    pub file_name: Option<String>,
    /// When KSeF took it in.
    pub invoicing_date: OffsetDateTime,
    /// When the KSeF number was assigned.
    pub acquisition_date: Option<OffsetDateTime>,
    /// When it was stored permanently.
    pub permanent_storage_date: Option<OffsetDateTime>,
    /// Whether the invoice is in offline mode.
    pub offline: bool,
    /// The status (150 while processing).
    pub status: Status,
    /// `hashOfCorrectedInvoice` of a technical correction.
    pub hash_of_corrected: Option<String>,
    /// `P_1`.
    pub issue_date: Option<time::Date>,
    /// Seller NIP from the invoice.
    pub seller_nip: Option<String>,
}

impl SessionInvoice {
    /// Whether the invoice has its final status.
    pub fn is_final(&self) -> bool {
        self.status.code >= 200
    }
}

/// One page of a session UPO.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UpoPage {
    /// UPO reference number.
    pub reference: String,
    /// The UPO XML.
    pub xml: String,
}

/// A session.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SessionRecord {
    /// Reference number.
    pub reference: String,
    /// Online or batch.
    pub kind: SessionKind,
    /// The context it was opened in.
    pub context: Ident,
    /// Who opened it.
    pub creator: Ident,
    /// The authentication operation of the opening token.
    pub auth_reference: String,
    /// The KSeF token used to authenticate, if any (UPO `NumerReferencyjnyTokenaKSeF`).
    pub auth_token_reference: Option<String>,
    /// Hash of the authentication document (UPO `SkrotDokumentuUwierzytelniajacego`).
    pub auth_document_hash: String,
    /// The declared form code.
    pub form_code: ksef_model::FormCode,
    /// The unwrapped key (none when unwrapping failed).
    pub key: Option<SessionKey>,
    /// Creation.
    pub created: OffsetDateTime,
    /// Last change.
    pub updated: OffsetDateTime,
    /// End of validity (online).
    pub valid_until: Option<OffsetDateTime>,
    /// When it was closed.
    pub closed: Option<OffsetDateTime>,
    /// Current status.
    pub status: Status,
    /// Invoices, in order.
    pub invoices: Vec<SessionInvoice>,
    /// Batch declaration.
    pub batch: Option<BatchDeclaration>,
    /// UPO pages (once generated).
    pub upo: Vec<UpoPage>,
    /// Invoice limit of the session.
    pub invoice_limit: u64,
    /// Largest invoice without attachments in the session, in bytes.
    pub max_invoice_bytes: u64,
    /// Largest invoice with attachments in the session, in bytes.
    pub max_invoice_with_attachments_bytes: u64,
}

impl SessionRecord {
    /// Invoices with status 200.
    pub fn successful(&self) -> usize {
        self.invoices
            .iter()
            .filter(|i| i.status.code == 200)
            .count()
    }

    /// Invoices with an error status.
    pub fn failed(&self) -> usize {
        self.invoices
            .iter()
            .filter(|i| i.status.code >= 400)
            .count()
    }

    /// Whether every invoice has its final status.
    pub fn all_final(&self) -> bool {
        self.invoices.iter().all(SessionInvoice::is_final)
    }
}

/// Everything about sessions (one field of [`crate::state::Store`]).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SessionStore {
    /// Sessions by reference number.
    pub sessions: BTreeMap<String, SessionRecord>,
    /// Accepted invoices by duplicate key `NIP|RodzajFaktury|P_2`: (KSeF number, session).
    pub duplicates: BTreeMap<String, (String, String)>,
    /// Hashes of accepted invoices → KSeF number.
    pub accepted_hashes: BTreeMap<String, String>,
    /// Hashes of corrected invoices that have a successful technical correction → KSeF number.
    pub corrections: BTreeMap<String, String>,
}
