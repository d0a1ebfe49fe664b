//! The emulator's data, in memory (and optionally persisted as JSON, see [`crate::persist`]).
//!
//! Conventions for every area: entities are plain serde structs owned by the [`Store`]; the store
//! sits behind one mutex that is held only for short, non-async sections (crypto, parsing and
//! I/O happen outside it); timestamps are `OffsetDateTime` in UTC.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// A context or subject identifier: `(type, value)`, e.g. `("Nip", "5265877635")`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Ident {
    /// `Nip`, `InternalId`, `NipVatUe`, `PeppolId`, `Pesel`, `Fingerprint`, `Token`.
    pub kind: String,
    /// The value.
    pub value: String,
}

impl Ident {
    /// Creates an identifier.
    pub fn new(kind: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            kind: kind.into(),
            value: value.into(),
        }
    }

    /// The NIP this identifier belongs to (`Nip`, the NIP part of `InternalId`/`NipVatUe`).
    pub fn nip(&self) -> Option<&str> {
        match self.kind.as_str() {
            "Nip" => Some(&self.value),
            "InternalId" | "NipVatUe" => self.value.get(..10),
            _ => None,
        }
    }
}

/// An issued challenge.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChallengeRecord {
    /// When it was issued.
    pub issued: OffsetDateTime,
    /// `timestampMs` returned with it.
    pub timestamp_ms: i64,
    /// Whether an authentication already used it.
    pub used: bool,
}

/// The final result of an authentication operation.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum AuthOutcome {
    /// Success with the subject's permissions in the context.
    Granted(Vec<String>),
    /// Failure: status code, description, details.
    Failed(i32, String, Vec<String>),
}

/// An authentication operation (`/auth/{referenceNumber}`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuthOperation {
    /// Reference number.
    pub reference: String,
    /// Start.
    pub start: OffsetDateTime,
    /// When the status turns final.
    pub ready_at: OffsetDateTime,
    /// `AuthenticationMethod` value (`Token`, `QualifiedSeal`, …).
    pub method: String,
    /// The context.
    pub context: Ident,
    /// The authenticated subject.
    pub subject: Ident,
    /// The result.
    pub outcome: AuthOutcome,
    /// Whether the tokens were redeemed (possible once).
    pub redeemed: bool,
    /// The id of the current refresh token.
    pub refresh_jti: Option<String>,
    /// When the refresh token expires.
    pub refresh_valid_until: Option<OffsetDateTime>,
    /// Whether the session was terminated (refresh token revoked).
    pub revoked: bool,
    /// Last refresh.
    pub last_refresh: Option<OffsetDateTime>,
    /// The KSeF token used, for token authentication.
    pub ksef_token_reference: Option<String>,
}

/// A KSeF token (`/tokens`). `Debug` shows everything but the secret.
#[derive(Clone, Serialize, Deserialize)]
pub struct KsefTokenRecord {
    /// Reference number.
    pub reference: String,
    /// The secret token text.
    pub secret: String,
    /// The context it works in.
    pub context: Ident,
    /// Who generated it.
    pub author: Ident,
    /// Permissions it grants.
    pub permissions: Vec<String>,
    /// Description.
    pub description: String,
    /// `Pending`, `Active`, `Revoking`, `Revoked`, `Failed`.
    pub status: String,
    /// Creation time.
    pub created: OffsetDateTime,
    /// Last use for authentication.
    pub last_use: Option<OffsetDateTime>,
}

impl std::fmt::Debug for KsefTokenRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KsefTokenRecord")
            .field("reference", &self.reference)
            .field("secret", &"[redacted]")
            .field("context", &self.context)
            .field("author", &self.author)
            .field("permissions", &self.permissions)
            .field("description", &self.description)
            .field("status", &self.status)
            .field("created", &self.created)
            .field("last_use", &self.last_use)
            .finish()
    }
}

/// A granted permission (through the permission endpoints or test data).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GrantRecord {
    /// Permission id.
    pub id: String,
    /// The context the permission applies in.
    pub context: Ident,
    /// Who holds it.
    pub subject: Ident,
    /// The permission names.
    pub permissions: Vec<String>,
    /// Description.
    pub description: String,
    /// Who granted it.
    pub granted_by: Option<Ident>,
    /// When.
    pub start: OffsetDateTime,
    /// Kind of grant (`person`, `entity`, `authorization`, `indirect`, `subunit`, `euEntity`,
    /// `euEntityAdministration`, `testdata`).
    pub kind: String,
    /// Extra data of the grant request, as received.
    pub extra: serde_json::Value,
}

/// An accepted invoice (status 200 in its session).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InvoiceRecord {
    /// The metadata exactly as the API returns it (query, export `_metadata.json`).
    pub metadata: ksef_model::InvoiceMetadata,
    /// The invoice XML as sent.
    #[serde(with = "crate::persist::base64_bytes")]
    pub xml: Vec<u8>,
    /// The session it was sent in.
    pub session_reference: String,
    /// The invoice reference number in that session.
    pub invoice_reference: String,
    /// Order of acceptance (ties of `permanentStorageDate` are broken by it).
    pub sequence: u64,
}

impl InvoiceRecord {
    /// An accepted invoice to put straight into a store, as if it had been sent: for offline
    /// development and tests that need many invoices to query, export or synchronise without
    /// sending each one. The seller is the NIP of `ksef_number`; the invoice is FA (3),
    /// VAT, in PLN, sent online, issued on the day of `stored` (its `permanentStorageDate`),
    /// invoiced 2 s and acquired 1 s before it; `gross` is split at 23 % VAT to the grosz;
    /// `buyer` is the buyer's NIP (`None`: a buyer without an identifier); the hash is the
    /// SHA-256 of `xml`. Store it with [`Store::insert_invoice`].
    pub fn accepted(
        ksef_number: &ksef_crypto::identifiers::KsefNumber,
        invoice_number: &str,
        buyer: Option<&str>,
        gross: f64,
        stored: OffsetDateTime,
        xml: Vec<u8>,
    ) -> Self {
        use ksef_model::{
            BuyerIdentifierType, FormCode, InvoiceMetadata, InvoiceMetadataBuyer,
            InvoiceMetadataBuyerIdentifier, InvoiceMetadataSeller, InvoiceType, InvoicingMode,
            Sha256HashBase64,
        };
        let kind = match buyer {
            Some(_) => BuyerIdentifierType::Nip,
            None => BuyerIdentifierType::None,
        };
        let mut identifier = InvoiceMetadataBuyerIdentifier::new(kind);
        identifier.value = buyer.map(str::to_owned);
        let net = (gross / 1.23 * 100.0).round() / 100.0;
        let metadata = InvoiceMetadata::new(
            ksef_model::KsefNumber::new_unchecked(ksef_number.as_str().to_owned()),
            invoice_number.to_owned(),
            stored.date(),
            stored - time::Duration::seconds(2),
            stored - time::Duration::seconds(1),
            stored,
            InvoiceMetadataSeller::new(ksef_model::Nip::new_unchecked(
                ksef_number.nip().to_owned(),
            )),
            InvoiceMetadataBuyer::new(identifier),
            net,
            gross,
            ((gross - net) * 100.0).round() / 100.0,
            "PLN".to_owned(),
            InvoicingMode::Online,
            InvoiceType::Vat,
            FormCode::new("FA (3)".into(), "1-0E".into(), "FA".into()),
            false,
            false,
            Sha256HashBase64::new_unchecked(ksef_crypto::symmetric::sha256_base64(&xml)),
        );
        Self {
            metadata,
            xml,
            session_reference: "20250101-SO-0000000000-0000000000-00".to_owned(),
            invoice_reference: "20250101-EE-0000000000-0000000000-00".to_owned(),
            sequence: 0,
        }
    }
}

/// Everything the emulator knows.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Store {
    /// Issued challenges by value.
    pub challenges: HashMap<String, ChallengeRecord>,
    /// Authentication operations by reference number.
    pub auth_operations: BTreeMap<String, AuthOperation>,
    /// KSeF tokens by reference number.
    pub ksef_tokens: BTreeMap<String, KsefTokenRecord>,
    /// Permission grants.
    pub grants: Vec<GrantRecord>,
    /// Accepted invoices by KSeF number.
    pub invoices: BTreeMap<String, InvoiceRecord>,
    /// The next invoice sequence number.
    pub next_invoice_sequence: u64,
    /// Invoice exports by reference number.
    #[serde(default)]
    pub exports: BTreeMap<String, crate::state::exports::ExportRecord>,
    /// Online and batch sessions with their invoices.
    #[serde(default)]
    pub sessions: crate::state::sessions::SessionStore,
    /// Test data: subjects, persons, attachment permissions, blocked contexts.
    #[serde(default)]
    pub testdata: crate::state::testdata::TestData,
    /// Asynchronous permission operations by reference number.
    #[serde(default)]
    pub permission_operations: crate::state::permissions::PermissionOperations,
    /// Overridden session and subject limits (`/testdata/limits/...`).
    #[serde(default)]
    pub limits: crate::state::limits::LimitOverrides,
    /// KSeF certificates and their enrollments.
    #[serde(default)]
    pub certificates: crate::state::certificates::CertificateStore,
    /// Collective identifiers by number (API 2.9).
    #[serde(default)]
    pub collective: crate::state::collective::CollectiveStore,
}

/// The permissions an owner of a context has (a subject whose NIP is the context's NIP).
pub(crate) const OWNER_PERMISSIONS: &[&str] = &[
    "InvoiceWrite",
    "InvoiceRead",
    "Introspection",
    "CredentialsManage",
    "CredentialsRead",
    "SubunitManage",
    "VatUeManage",
    "CollectiveIdentifierManage",
];

impl Store {
    /// Stores an accepted invoice under its KSeF number as the latest one accepted: its
    /// `sequence` (which breaks ties of `permanentStorageDate`) is assigned here. Returns the
    /// KSeF number.
    pub fn insert_invoice(&mut self, mut record: InvoiceRecord) -> String {
        record.sequence = self.next_invoice_sequence;
        self.next_invoice_sequence += 1;
        let number = record.metadata.ksef_number.as_str().to_owned();
        self.invoices.insert(number.clone(), record);
        number
    }

    /// Whether `subject` owns `context`: its NIP is the context's NIP (not a VAT-UE context).
    pub fn is_owner(context: &Ident, subject: &Ident) -> bool {
        match (context.nip(), subject.kind.as_str()) {
            (Some(ctx_nip), "Nip") => context.kind != "NipVatUe" && ctx_nip == subject.value,
            _ => false,
        }
    }

    /// The owner permissions `subject` has in `context` (`ownerPermissions` of the personal
    /// permission query, API 2.9): the owner's permissions the spec names as owner scopes.
    pub fn owner_permissions(context: &Ident, subject: &Ident) -> Vec<&'static str> {
        if !Self::is_owner(context, subject) {
            return Vec::new();
        }
        OWNER_PERMISSIONS
            .iter()
            .copied()
            .filter(|p| ksef_model::OwnerPermissionScope::KNOWN.contains(p))
            .collect()
    }

    /// The permissions `subject` has in `context`: everything an owner has when the subject's
    /// NIP is the context's NIP, plus every grant held in the context.
    pub fn permissions_of(&self, context: &Ident, subject: &Ident) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        if Self::is_owner(context, subject) {
            out.extend(OWNER_PERMISSIONS.iter().map(|p| (*p).to_owned()));
        }
        for g in &self.grants {
            if g.context == *context && g.subject == *subject {
                out.extend(g.permissions.iter().cloned());
            }
        }
        out.sort();
        out.dedup();
        out
    }
}
