//! Test data kept by the emulator: subjects and persons created through `/testdata`, the
//! attachment permission of a NIP, and the contexts whose authentication is blocked — with the
//! rules other areas ask about (attachments allowed now, authentication blocked).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::state::{AuthOutcome, Ident, Store};

/// A subject created with `/testdata/subject`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SubjectRecord {
    /// NIP.
    pub nip: String,
    /// `EnforcementAuthority`, `VatGroup` or `JST`.
    pub subject_type: String,
    /// Description.
    pub description: String,
    /// NIPs of the subunits (VAT group members, local-government subunits).
    pub subunits: Vec<(String, String)>,
    /// Creation time.
    pub created: OffsetDateTime,
}

/// A person created with `/testdata/person`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PersonRecord {
    /// NIP.
    pub nip: String,
    /// PESEL.
    pub pesel: String,
    /// Whether the person is a court bailiff.
    pub is_bailiff: bool,
    /// Whether the person is deceased.
    pub is_deceased: bool,
    /// Description.
    pub description: String,
    /// Creation time.
    pub created: OffsetDateTime,
}

/// The attachment permission of a NIP.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AttachmentRecord {
    /// Whether invoices with attachments are allowed.
    pub allowed: bool,
    /// When the permission was (or will be) revoked.
    pub revoked: Option<OffsetDateTime>,
}

/// Whether a subject or person may be created for a NIP that holds one created at `previous`
/// (if any): a new NIP may; an existing one only by a request that dates the new record
/// (`createdDate`) after the one it holds — otherwise the service answers 30001.
pub(crate) fn may_create(
    previous: Option<OffsetDateTime>,
    created: Option<OffsetDateTime>,
) -> bool {
    match previous {
        None => true,
        Some(previous) => created.is_some_and(|c| c > previous),
    }
}

/// Everything this area keeps (`Store::testdata`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TestData {
    /// Subjects by NIP.
    pub subjects: BTreeMap<String, SubjectRecord>,
    /// Persons by NIP.
    pub persons: BTreeMap<String, PersonRecord>,
    /// Attachment permissions by NIP.
    pub attachments: BTreeMap<String, AttachmentRecord>,
    /// Contexts in which authentication is blocked.
    pub blocked: BTreeSet<Ident>,
}

/// Whether new authentications in `context` are blocked (they end with status 480).
pub(crate) fn is_blocked(store: &Store, context: &Ident) -> bool {
    store.testdata.blocked.contains(context)
}

/// Whether invoices with attachments are allowed for `nip` now.
pub(crate) fn attachments_allowed(store: &Store, nip: &str) -> bool {
    store
        .testdata
        .attachments
        .get(nip)
        .is_some_and(|a| a.allowed && a.revoked.is_none_or(|r| r > OffsetDateTime::now_utc()))
}

/// The outcome of an authentication in `context`: status 480 when the context is blocked,
/// `outcome` otherwise. Called by the authentication flow for every new operation.
pub(crate) fn unless_blocked(store: &Store, context: &Ident, outcome: AuthOutcome) -> AuthOutcome {
    if is_blocked(store, context) {
        AuthOutcome::Failed(
            480,
            "Uwierzytelnienie zablokowane".to_owned(),
            vec![
                "Podejrzenie incydentu bezpieczeństwa. Skontaktuj się z Ministerstwem Finansów przez formularz zgłoszeniowy."
                    .to_owned(),
            ],
        )
    } else {
        outcome
    }
}

#[cfg(test)]
mod tests {
    use super::may_create;
    use time::macros::datetime;

    #[test]
    fn a_record_is_replaced_only_by_a_later_dated_one() {
        let held = datetime!(2026-01-01 0:00 UTC);
        assert!(may_create(None, None));
        assert!(!may_create(Some(held), None));
        assert!(!may_create(Some(held), Some(held)));
        assert!(may_create(Some(held), Some(datetime!(2026-01-02 0:00 UTC))));
    }
}
