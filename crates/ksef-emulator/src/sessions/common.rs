//! Pieces shared by the session handlers: key unwrapping, new session records, common errors,
//! continuation tokens.

use ksef_model::{EncryptionInfo, FormCode, ReferenceNumber};
use time::OffsetDateTime;

use crate::app_state::AppState;
use crate::error::{EmuError, EmuResult};
use crate::keys::Usage;
use crate::pipeline::Caller;
use crate::sessions::invoice::Form;
use crate::sessions::model::Status;
use crate::sessions::model::{SessionKey, SessionKind, SessionRecord};
use crate::sessions::process::session_status_description;
use crate::state::Ident;

/// 400/21405 unless `reference` has the shape of a reference number.
pub(crate) fn check_reference(reference: &str) -> EmuResult<()> {
    ReferenceNumber::new(reference)
        .map(|_| ())
        .map_err(|e| EmuError::validation(format!("Nieprawidłowy numer referencyjny: {e}")))
}

/// Whether the session belongs to the caller's context.
pub(crate) fn in_context(session: &SessionRecord, caller: &Caller) -> bool {
    session.context.kind == caller.claims.ctx_type && session.context.value == caller.claims.ctx
}

/// 403 `missing-permissions` unless the caller may send invoices of `form`: PEF invoices need
/// `PefInvoiceWrite`, the others `InvoiceWrite` (or `EnforcementOperations`).
pub(crate) fn check_form_permission(caller: &Caller, form: Form) -> EmuResult<()> {
    let required: &[&str] = match form {
        Form::Pef | Form::PefKor => &["PefInvoiceWrite"],
        _ => &["InvoiceWrite", "EnforcementOperations"],
    };
    let perms = &caller.claims.perms;
    if required.iter().any(|r| perms.iter().any(|p| p == r)) {
        return Ok(());
    }
    Err(EmuError::forbidden(
        "missing-permissions",
        "Brak wymaganych uprawnień do wysyłki faktur w tym schemacie.",
        serde_json::json!({"requiredAnyOfPermissions": required, "presentPermissions": perms}),
    ))
}

/// 400/21173: no such session (for the caller's context).
pub(crate) fn no_session(reference: &str) -> EmuError {
    EmuError::bad_request(
        21173,
        "Brak sesji o wskazanym numerze referencyjnym.",
        [format!(
            "Sesja o numerze referencyjnym {reference} nie została odnaleziona."
        )],
    )
}

/// 400/21180: the session's status does not allow `what`.
pub(crate) fn session_state_error(code: i32, what: &str) -> EmuError {
    EmuError::bad_request(
        21180,
        "Status sesji nie pozwala na wykonanie operacji.",
        [format!("Status sesji {code} uniemożliwia {what}.")],
    )
}

/// Unwraps the session key with the Ministry `SymmetricKeyEncryption` key: 21470 for an
/// unknown or retired `publicKeyId`; `Ok(None)` when unwrapping fails (the session then gets
/// status 415).
pub(crate) fn unwrap_key(
    state: &AppState,
    encryption: &EncryptionInfo,
) -> EmuResult<Option<SessionKey>> {
    let keys = match &encryption.public_key_id {
        Some(id) => vec![
            state
                .keys()
                .by_id(Usage::SymmetricKeyEncryption, id.as_str())
                .ok_or_else(|| {
                    EmuError::bad_request(
                        21470,
                        "Przesłany identyfikator klucza jest nieznany lub wskazuje na wycofany klucz.",
                        [format!(
                            "Klucz o identyfikatorze {} nie jest wspierany.",
                            id.as_str()
                        )],
                    )
                })?,
        ],
        None => state.keys().usable(Usage::SymmetricKeyEncryption),
    };
    Ok(keys.iter().find_map(|k| {
        k.decrypt
            .unwrap_symmetric_key(
                encryption.encrypted_symmetric_key.as_str(),
                encryption.initialization_vector.as_str(),
            )
            .ok()
            .map(|key| SessionKey::from_key(&key))
    }))
}

/// A new session record for the caller (status 100, or 415 without a key).
pub(crate) fn new_session(
    state: &AppState,
    caller: &Caller,
    kind: SessionKind,
    form_code: FormCode,
    key: Option<SessionKey>,
    now: OffsetDateTime,
) -> SessionRecord {
    let code = if key.is_some() { 100 } else { 415 };
    let claims = &caller.claims;
    let auth_token_reference = state
        .store()
        .auth_operations
        .get(&claims.auth)
        .and_then(|op| op.ksef_token_reference.clone());
    let context = Ident::new(claims.ctx_type.clone(), claims.ctx.clone());
    let config = state.config();
    let limits = {
        let store = state.store();
        let all = crate::state::limits::effective_session_limits(&store, config, &context);
        match kind {
            SessionKind::Online => all.online,
            SessionKind::Batch => all.batch,
        }
    };
    // Overrides are in MB; without one the configured byte limits apply as they are.
    let bytes = |mb: u32, configured: u64| {
        if u64::from(mb) == configured.div_ceil(1_000_000) {
            configured
        } else {
            u64::from(mb) * 1_000_000
        }
    };
    let reference = crate::ids::reference_number(
        match kind {
            SessionKind::Online => "SO",
            SessionKind::Batch => "SB",
        },
        now,
    );
    SessionRecord {
        reference,
        kind,
        context,
        creator: Ident::new(claims.sub_type.clone(), claims.sub.clone()),
        auth_reference: claims.auth.clone(),
        auth_token_reference,
        auth_document_hash: crate::storage::sha256_b64(claims.auth.as_bytes()),
        form_code,
        key,
        created: now,
        updated: now,
        valid_until: None,
        closed: None,
        status: Status::new(code, session_status_description(kind, code)),
        invoices: Vec::new(),
        batch: None,
        upo: Vec::new(),
        invoice_limit: u64::from(limits.max_invoices),
        max_invoice_bytes: bytes(limits.max_invoice_size_mb, config.max_invoice_bytes),
        max_invoice_with_attachments_bytes: bytes(
            limits.max_invoice_with_attachment_size_mb,
            config.max_invoice_with_attachments_bytes,
        ),
    }
}

/// A continuation token for the next page starting at `offset`.
pub(crate) fn continuation_token(offset: usize) -> String {
    format!("ct-{offset:08x}")
}

/// The offset of a continuation token; 400/21418 when it is malformed.
pub(crate) fn parse_continuation(token: Option<&str>) -> EmuResult<usize> {
    let Some(token) = token.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(0);
    };
    token
        .strip_prefix("ct-")
        .and_then(|hex| usize::from_str_radix(hex, 16).ok())
        .ok_or_else(|| {
            EmuError::bad_request(
                21418,
                "Przekazany token kontynuacji ma nieprawidłowy format.",
                [],
            )
        })
}

/// `pageSize` within 10–1000 (default 10), else 400/21405.
pub(crate) fn page_size(value: Option<&str>) -> EmuResult<usize> {
    let Some(v) = value else { return Ok(10) };
    v.parse::<usize>()
        .ok()
        .filter(|n| (10..=1000).contains(n))
        .ok_or_else(|| EmuError::validation("pageSize musi mieścić się w zakresie 10–1000."))
}
