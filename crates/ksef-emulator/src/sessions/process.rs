//! Processing of one decrypted invoice (shared by online and batch sessions) and the end of a
//! session (counters, UPO generation, final status).

use std::collections::BTreeMap;

use ksef_model::{
    FormCode, InvoiceMetadata, InvoiceMetadataSeller, InvoicingMode, KsefNumber, Sha256HashBase64,
};
use time::OffsetDateTime;

use crate::app_state::AppState;
use crate::sessions::invoice::{Form, ParsedInvoice, Rejection, invoice_status_description};
use crate::sessions::model::{SessionKind, SessionRecord, Status, UpoPage};
use crate::sessions::upo;
use crate::state::{InvoiceRecord, Store};
use crate::storage::Blob;

/// How long pre-signed UPO links stay valid.
pub(crate) const UPO_LINK_TTL: time::Duration = time::Duration::hours(1);

/// What the checks of one invoice need to know about its session.
#[derive(Debug, Clone)]
pub(crate) struct InvoiceContext {
    /// Declared form.
    pub form: Form,
    /// NIP of the session context.
    pub context_nip: Option<String>,
    /// Online or batch.
    pub kind: SessionKind,
    /// Whether this is a technical correction.
    pub correction: bool,
    /// Largest invoice without attachments.
    pub max_bytes: u64,
    /// Largest invoice with attachments.
    pub max_with_attachments: u64,
    /// Whether the seller may send invoices with attachments (`/testdata/attachment`).
    pub attachments_allowed: bool,
    /// When KSeF took the invoice in.
    pub invoicing_date: OffsetDateTime,
}

/// Checks an invoice document (no store access; CPU only).
pub(crate) fn evaluate(xml: &[u8], ctx: &InvoiceContext) -> Result<ParsedInvoice, Rejection> {
    let len = xml.len() as u64;
    if len > ctx.max_with_attachments.max(ctx.max_bytes) {
        return Err(Rejection::new(
            430,
            format!("Przekroczono dopuszczalny rozmiar faktury ({len} B)."),
        ));
    }
    let parsed = crate::sessions::invoice::parse(xml, ctx.form)?;
    if parsed.has_attachment {
        if ctx.kind == SessionKind::Online && !ctx.correction {
            return Err(Rejection::new(
                415,
                "Faktura z załącznikiem może być przesłana wyłącznie w sesji wsadowej.",
            ));
        }
        if !ctx.attachments_allowed {
            return Err(Rejection::new(
                415,
                "Podmiot nie zgłosił możliwości wysyłania faktur z załącznikami.",
            ));
        }
        if len > ctx.max_with_attachments {
            return Err(Rejection::new(
                430,
                format!("Przekroczono dopuszczalny rozmiar faktury z załącznikiem ({len} B)."),
            ));
        }
    } else if len > ctx.max_bytes {
        return Err(Rejection::new(
            430,
            format!("Przekroczono dopuszczalny rozmiar faktury ({len} B)."),
        ));
    }
    if !matches!(ctx.form, Form::Pef | Form::PefKor) {
        let allowed = ctx
            .context_nip
            .as_deref()
            .is_some_and(|nip| parsed.may_be_sent_by(nip, ctx.form));
        if !allowed {
            return Err(Rejection::new(
                410,
                format!(
                    "Brak uprawnień do wystawienia faktury w imieniu podmiotu {} w bieżącym kontekście.",
                    parsed.seller_nip
                ),
            ));
        }
    }
    let earliest =
        time::Date::from_calendar_date(2006, time::Month::January, 1).unwrap_or(time::Date::MIN);
    if parsed.issue_date > warsaw_date(ctx.invoicing_date) || parsed.issue_date < earliest {
        return Err(Rejection::new(
            450,
            "Data wystawienia faktury (P_1) nie może być późniejsza niż data przyjęcia dokumentu do systemu KSeF.",
        ));
    }
    if ctx.form == Form::Fa3 {
        schema_check(xml)?;
    }
    Ok(parsed)
}

/// KSeF validates every FA(3) invoice against the schema and rejects a violation with 450 and
/// the reasons; the emulator does the same with `ksef-invoice` (schema rules only: KSeF does not
/// check totals or check digits).
fn schema_check(xml: &[u8]) -> Result<(), Rejection> {
    let details: Vec<String> = match ksef_invoice::Invoice::from_xml(xml) {
        Err(e) => vec![e.to_string()],
        Ok(invoice) => invoice
            .schema_errors()
            .iter()
            .map(ToString::to_string)
            .collect(),
    };
    if details.is_empty() {
        Ok(())
    } else {
        Err(Rejection { code: 450, details })
    }
}

fn rejected(code: i32, details: Vec<String>) -> Status {
    Status::new(code, invoice_status_description(code)).with_details(details)
}

/// Records the outcome of invoice `index` of session `reference`: a rejection, a duplicate
/// (440), or acceptance (KSeF number, an `InvoiceRecord`, status 200).
#[allow(clippy::too_many_arguments)]
pub(crate) fn register(
    state: &AppState,
    reference: &str,
    index: usize,
    outcome: Result<ParsedInvoice, Rejection>,
    xml: Vec<u8>,
    offline_requested: bool,
) {
    let now = OffsetDateTime::now_utc();
    let mut store = state.store();
    let store = &mut *store;
    let Some(session) = store.sessions.sessions.get(reference) else {
        return;
    };
    let form_code = session.form_code.clone();
    let Some(inv) = session.invoices.get(index).cloned() else {
        return;
    };
    let parsed = match outcome {
        Ok(p) => p,
        Err(r) => {
            set_invoice(store, reference, index, |i| {
                i.status = rejected(r.code, r.details.clone());
            });
            return;
        }
    };
    let dup_key = format!(
        "{}|{}|{}",
        parsed.seller_nip, parsed.kind_raw, parsed.invoice_number
    );
    if let Some((original_ksef, original_session)) =
        store.sessions.duplicates.get(&dup_key).cloned()
    {
        set_invoice(store, reference, index, |i| {
            i.invoice_number = Some(parsed.invoice_number.clone());
            i.status = rejected(
                440,
                vec![format!(
                    "Duplikat faktury. Faktura o numerze KSeF: {original_ksef} została już prawidłowo przesłana do systemu w sesji: {original_session}"
                )],
            );
            i.status.extensions = BTreeMap::from([
                (
                    "originalSessionReferenceNumber".to_owned(),
                    original_session.clone(),
                ),
                ("originalKsefNumber".to_owned(), original_ksef.clone()),
            ]);
        });
        return;
    }
    if let Some(original) = &inv.hash_of_corrected
        && store.sessions.corrections.contains_key(original)
    {
        set_invoice(store, reference, index, |i| {
            i.status = rejected(
                450,
                vec!["Faktura posiada już przetworzoną prawidłowo korektę techniczną.".into()],
            );
        });
        return;
    }
    let Some(ksef_number) = crate::ids::ksef_number(&parsed.seller_nip, now) else {
        set_invoice(store, reference, index, |i| {
            i.status = rejected(430, vec!["Nieprawidłowy NIP sprzedawcy.".into()]);
        });
        return;
    };
    let offline = offline_requested || parsed.issue_date < warsaw_date(inv.invoicing_date);
    let storage = now + time::Duration::milliseconds(5);
    let metadata = metadata(
        &parsed,
        &ksef_number,
        &inv.invoice_hash,
        inv.invoicing_date,
        now,
        storage,
        offline,
        form_code,
        inv.hash_of_corrected.clone(),
    );
    store
        .sessions
        .duplicates
        .insert(dup_key, (ksef_number.clone(), reference.to_owned()));
    store
        .sessions
        .accepted_hashes
        .insert(inv.invoice_hash.clone(), ksef_number.clone());
    if let Some(original) = &inv.hash_of_corrected {
        store
            .sessions
            .corrections
            .insert(original.clone(), ksef_number.clone());
    }
    store.insert_invoice(InvoiceRecord {
        metadata,
        xml,
        session_reference: reference.to_owned(),
        invoice_reference: inv.reference.clone(),
        sequence: 0,
    });
    set_invoice(store, reference, index, |i| {
        i.invoice_number = Some(parsed.invoice_number.clone());
        i.ksef_number = Some(ksef_number.clone());
        i.acquisition_date = Some(now);
        i.permanent_storage_date = Some(storage);
        i.offline = offline;
        i.issue_date = Some(parsed.issue_date);
        i.seller_nip = Some(parsed.seller_nip.clone());
        i.status = Status::new(200, invoice_status_description(200));
    });
    if let Some(session) = store.sessions.sessions.get(reference)
        && let Some(inv) = session.invoices.get(index)
        && let Some(xml) = upo::invoice_upo(session, inv, state.keys().upo_signer())
    {
        state.blobs().put(
            &invoice_upo_key(reference, &inv.reference),
            Blob {
                bytes: xml.into_bytes().into(),
                content_type: "application/xml".into(),
            },
        );
    }
}

/// The blob key of an invoice UPO.
pub(crate) fn invoice_upo_key(session: &str, invoice: &str) -> String {
    format!("upo/{session}/invoices/{invoice}")
}

/// The blob key of a session UPO page.
pub(crate) fn session_upo_key(session: &str, upo: &str) -> String {
    format!("upo/{session}/{upo}")
}

fn set_invoice(
    store: &mut Store,
    reference: &str,
    index: usize,
    f: impl FnOnce(&mut crate::sessions::model::SessionInvoice),
) {
    if let Some(session) = store.sessions.sessions.get_mut(reference) {
        session.updated = OffsetDateTime::now_utc();
        if let Some(inv) = session.invoices.get_mut(index) {
            f(inv);
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn metadata(
    p: &ParsedInvoice,
    ksef: &str,
    hash: &str,
    invoicing: OffsetDateTime,
    acquisition: OffsetDateTime,
    storage: OffsetDateTime,
    offline: bool,
    form_code: FormCode,
    corrected: Option<String>,
) -> InvoiceMetadata {
    let mut seller =
        InvoiceMetadataSeller::new(ksef_model::Nip::new_unchecked(p.seller_nip.clone()));
    seller.name = p.seller_name.clone();
    let mut m = InvoiceMetadata::new(
        KsefNumber::new_unchecked(ksef),
        p.invoice_number.clone(),
        p.issue_date,
        invoicing,
        acquisition,
        storage,
        seller,
        p.buyer.clone(),
        p.net,
        p.gross,
        p.vat,
        p.currency.clone(),
        if offline {
            InvoicingMode::Offline
        } else {
            InvoicingMode::Online
        },
        p.invoice_type.clone(),
        form_code,
        p.is_self_invoicing,
        p.has_attachment,
        Sha256HashBase64::new_unchecked(hash),
    );
    m.hash_of_corrected_invoice = corrected.map(Sha256HashBase64::new_unchecked);
    m.third_subjects = (!p.third_subjects.is_empty()).then(|| p.third_subjects.clone());
    m.authorized_subject = p.authorized_subject.clone();
    m
}

/// The session status description of a code.
pub(crate) fn session_status_description(kind: SessionKind, code: i32) -> &'static str {
    match (kind, code) {
        (SessionKind::Online, 100) => "Sesja interaktywna otwarta",
        (SessionKind::Batch, 100) => "Sesja wsadowa rozpoczęta",
        (_, 150) => "Trwa przetwarzanie",
        (_, 170) => "Sesja interaktywna zamknięta",
        (SessionKind::Online, 200) => "Sesja interaktywna przetworzona pomyślnie",
        (SessionKind::Batch, 200) => "Sesja wsadowa przetworzona pomyślnie",
        (_, 405) => "Błąd weryfikacji poprawności dostarczonych elementów paczki",
        (_, 415) => "Błąd odszyfrowania dostarczonego klucza",
        (_, 420) => "Przekroczony limit faktur w sesji",
        (_, 430) => "Błąd dekompresji pierwotnego archiwum",
        (_, 435) => "Błąd odszyfrowania zaszyfrowanych części archiwum",
        (_, 440) => "Sesja anulowana",
        (_, 445) => "Błąd weryfikacji, brak poprawnych faktur",
        _ => "Nieznany błąd",
    }
}

/// Sets a session's status.
pub(crate) fn set_session_status(session: &mut SessionRecord, code: i32, details: Vec<String>) {
    session.status =
        Status::new(code, session_status_description(session.kind, code)).with_details(details);
    session.updated = OffsetDateTime::now_utc();
}

/// Ends a session whose invoices are all processed: 440 without invoices, 445 without a valid
/// one, otherwise the UPO pages are generated and the status becomes 200.
pub(crate) fn finish(state: &AppState, session: &mut SessionRecord) {
    if session.invoices.is_empty() {
        set_session_status(session, 440, vec!["Nie przesłano faktur".into()]);
        return;
    }
    if session.successful() == 0 {
        set_session_status(session, 445, Vec::new());
        return;
    }
    let now = OffsetDateTime::now_utc();
    session.upo = upo::session_upo_pages(session)
        .into_iter()
        .map(|xml| UpoPage {
            reference: crate::ids::reference_number("EU", now),
            xml: upo::sign(xml, state.keys().upo_signer()),
        })
        .collect();
    for page in &session.upo {
        state.blobs().put(
            &session_upo_key(&session.reference, &page.reference),
            Blob {
                bytes: page.xml.clone().into_bytes().into(),
                content_type: "application/xml".into(),
            },
        );
    }
    set_session_status(session, 200, Vec::new());
}

/// Invoices still unprocessed after the processing time plus this margin are cancelled by the
/// system (550).
const PROCESSING_MARGIN: std::time::Duration = std::time::Duration::from_secs(60);

/// Waits (in the background) until every invoice of the session is processed, then finishes it.
pub(crate) fn finish_when_processed(state: AppState, reference: String) {
    let deadline = std::time::Instant::now()
        + std::time::Duration::from_millis(state.config().invoice_processing_ms)
        + PROCESSING_MARGIN;
    tokio::spawn(async move {
        loop {
            {
                let mut store = state.store();
                let Some(session) = store.sessions.sessions.get_mut(&reference) else {
                    return;
                };
                if std::time::Instant::now() >= deadline {
                    for inv in session.invoices.iter_mut().filter(|i| !i.is_final()) {
                        inv.status = Status::new(550, invoice_status_description(550))
                            .with_details(vec![
                                "Przetwarzanie zostało przerwane z przyczyn wewnętrznych systemu. Spróbuj ponownie".into(),
                            ]);
                    }
                }
                if session.all_final() {
                    finish(&state, session);
                    return;
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    });
}

use ksef_model::rt::datetime::warsaw_date;
