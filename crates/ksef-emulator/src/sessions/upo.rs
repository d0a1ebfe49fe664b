//! UPO documents (official receipt, schema `upo-v4-3.xsd`): per invoice and per session page,
//! signed (enveloped XAdES) with the emulator's Ministry-like seal as KSeF signs its UPOs.

use ksef_crypto::credentials::Credentials;
use ksef_crypto::markup::escape_markup;
use ksef_crypto::xades::{SignOptions, sign_enveloped};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::sessions::invoice::Form;
use crate::sessions::model::{SessionInvoice, SessionRecord};

/// The UPO namespace.
pub(crate) const UPO_NAMESPACE: &str = "http://upo.schematy.mf.gov.pl/KSeF/v4-3";

/// Invoices per session UPO page.
pub(crate) const PAGE_SIZE: usize = 10_000;

fn timestamp(t: OffsetDateTime) -> String {
    let ms = t
        .replace_nanosecond(t.millisecond() as u32 * 1_000_000)
        .unwrap_or(t);
    ms.format(&Rfc3339).unwrap_or_default()
}

fn header(session: &SessionRecord) -> String {
    let ctx_element = match session.context.kind.as_str() {
        "InternalId" => "IdWewnetrzny",
        "NipVatUe" => "IdZlozonyVatUE",
        "PeppolId" => "IdDostawcyUslugPeppol",
        _ => "Nip",
    };
    let proof = match &session.auth_token_reference {
        Some(r) => format!(
            "<NumerReferencyjnyTokenaKSeF>{}</NumerReferencyjnyTokenaKSeF>",
            escape_markup(r)
        ),
        None => format!(
            "<SkrotDokumentuUwierzytelniajacego>{}</SkrotDokumentuUwierzytelniajacego>",
            escape_markup(&session.auth_document_hash)
        ),
    };
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Potwierdzenie xmlns=\"{UPO_NAMESPACE}\">\
         <NazwaPodmiotuPrzyjmujacego>Ministerstwo Finansów</NazwaPodmiotuPrzyjmujacego>\
         <NumerReferencyjnySesji>{}</NumerReferencyjnySesji>\
         <Uwierzytelnienie><IdKontekstu><{ctx_element}>{}</{ctx_element}></IdKontekstu>{proof}</Uwierzytelnienie>",
        escape_markup(&session.reference),
        escape_markup(&session.context.value),
    )
}

fn form_part(session: &SessionRecord) -> String {
    let xsd = Form::from_code(&session.form_code).map_or("Schemat_FA(3)_v1-0E.xsd", Form::xsd_name);
    format!(
        "<NazwaStrukturyLogicznej>{}</NazwaStrukturyLogicznej><KodFormularza>{}</KodFormularza>",
        escape_markup(xsd),
        escape_markup(&session.form_code.system_code)
    )
}

fn document(inv: &SessionInvoice) -> Option<String> {
    let ksef = inv.ksef_number.as_deref()?;
    let issue = inv.issue_date?;
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    Some(format!(
        "<Dokument><NipSprzedawcy>{}</NipSprzedawcy><NumerKSeFDokumentu>{}</NumerKSeFDokumentu>\
         <NumerFaktury>{}</NumerFaktury><DataWystawieniaFaktury>{}</DataWystawieniaFaktury>\
         <DataPrzeslaniaDokumentu>{}</DataPrzeslaniaDokumentu><DataNadaniaNumeruKSeF>{}</DataNadaniaNumeruKSeF>\
         <SkrotDokumentu>{}</SkrotDokumentu><TrybWysylki>{}</TrybWysylki></Dokument>",
        escape_markup(inv.seller_nip.as_deref().unwrap_or_default()),
        escape_markup(ksef),
        escape_markup(inv.invoice_number.as_deref().unwrap_or_default()),
        issue.format(&fmt).unwrap_or_default(),
        timestamp(inv.invoicing_date),
        timestamp(inv.acquisition_date.unwrap_or(inv.invoicing_date)),
        escape_markup(&inv.invoice_hash),
        if inv.offline { "Offline" } else { "Online" },
    ))
}

/// `xml` with an enveloped XAdES signature by `signer`. Signing our own well-formed UPO cannot
/// fail in practice; should it, the UPO is served unsigned and the failure logged.
pub(crate) fn sign(xml: String, signer: &Credentials) -> String {
    match sign_enveloped(&xml, signer, &SignOptions::default()) {
        Ok(signed) => signed,
        Err(e) => {
            tracing::error!(error = %e, "signing a UPO failed; serving it unsigned");
            xml
        }
    }
}

/// The UPO of one accepted invoice, signed by `signer` (none when the invoice has no KSeF
/// number).
pub(crate) fn invoice_upo(
    session: &SessionRecord,
    inv: &SessionInvoice,
    signer: &Credentials,
) -> Option<String> {
    let doc = document(inv)?;
    let xml = format!(
        "{}{}{doc}</Potwierdzenie>",
        header(session),
        form_part(session)
    );
    Some(sign(xml, signer))
}

/// The session UPO pages of the accepted invoices, at most [`PAGE_SIZE`] invoices each, not yet
/// signed (see [`sign`]).
pub(crate) fn session_upo_pages(session: &SessionRecord) -> Vec<String> {
    let docs: Vec<String> = session.invoices.iter().filter_map(document).collect();
    let total = docs.len();
    let pages = total.div_ceil(PAGE_SIZE);
    docs.chunks(PAGE_SIZE)
        .enumerate()
        .map(|(i, chunk)| {
            let from = i * PAGE_SIZE + 1;
            let to = from + chunk.len() - 1;
            format!(
                "{}<OpisPotwierdzenia><Strona>{}</Strona><LiczbaStron>{pages}</LiczbaStron>\
                 <ZakresDokumentowOd>{from}</ZakresDokumentowOd><ZakresDokumentowDo>{to}</ZakresDokumentowDo>\
                 <CalkowitaLiczbaDokumentow>{total}</CalkowitaLiczbaDokumentow></OpisPotwierdzenia>{}{}</Potwierdzenie>",
                header(session),
                i + 1,
                form_part(session),
                chunk.concat()
            )
        })
        .collect()
}
