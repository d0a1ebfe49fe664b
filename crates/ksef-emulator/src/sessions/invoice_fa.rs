//! Reading FA(2), FA(3) and FA_RR(1) invoices (the Polish structured invoice schemas).

use ksef_model::{
    InvoiceMetadataAuthorizedSubject, InvoiceMetadataBuyer, InvoiceMetadataThirdSubject,
    InvoiceType,
};
use roxmltree::Node;

use crate::sessions::invoice::{
    Form, ParsedInvoice, Rejection, amount, at, buyer_identifier, child, date, nip, required,
    text_at, third_identifier,
};

fn check_form_code(
    root: Node<'_, '_>,
    system: &str,
    version: &str,
    value: &str,
) -> Result<(), Rejection> {
    let node = at(root, "Naglowek/KodFormularza")
        .ok_or_else(|| Rejection::new(430, "Brak wymaganego elementu Naglowek/KodFormularza."))?;
    let ok = node.attribute("kodSystemowy") == Some(system)
        && node.attribute("wersjaSchemy") == Some(version)
        && node.text().map(str::trim) == Some(value);
    if ok {
        Ok(())
    } else {
        Err(Rejection::new(
            430,
            format!(
                "Kod formularza faktury nie jest zgodny ze schematem zadeklarowanym przy otwarciu sesji ({system}/{version}/{value})."
            ),
        ))
    }
}

fn sum_elements(fa: Node<'_, '_>, prefix: &str, suffix_w: bool) -> Result<f64, Rejection> {
    let mut total = 0.0;
    for c in fa.children().filter(Node::is_element) {
        let name = c.tag_name().name();
        let Some(rest) = name.strip_prefix(prefix) else {
            continue;
        };
        if rest.is_empty() || rest.ends_with('W') {
            continue;
        }
        let text = c.text().map(str::trim).unwrap_or_default();
        let mut value = amount(text, name)?;
        if suffix_w && let Some(w) = text_at(fa, &format!("{name}W")) {
            value = amount(&w, name)?;
        }
        total += value;
    }
    Ok(total)
}

fn invoice_type(raw: &str) -> Result<InvoiceType, Rejection> {
    Ok(match raw {
        "VAT" => InvoiceType::Vat,
        "KOR" => InvoiceType::Kor,
        "ZAL" => InvoiceType::Zal,
        "ROZ" => InvoiceType::Roz,
        "UPR" => InvoiceType::Upr,
        "KOR_ZAL" => InvoiceType::KorZal,
        "KOR_ROZ" => InvoiceType::KorRoz,
        "VAT_RR" => InvoiceType::VatRr,
        "KOR_VAT_RR" => InvoiceType::KorVatRr,
        other => {
            return Err(Rejection::new(
                430,
                format!("Nieprawidłowa wartość RodzajFaktury: {other}."),
            ));
        }
    })
}

fn third_subjects(root: Node<'_, '_>) -> Vec<InvoiceMetadataThirdSubject> {
    root.children()
        .filter(|c| c.is_element() && c.tag_name().name() == "Podmiot3")
        .map(|p| {
            let role = text_at(p, "Rola")
                .and_then(|r| r.parse::<i32>().ok())
                .unwrap_or(0);
            let mut t = InvoiceMetadataThirdSubject::new(
                third_identifier(child(p, "DaneIdentyfikacyjne")),
                role,
            );
            t.name = text_at(p, "DaneIdentyfikacyjne/Nazwa");
            t
        })
        .collect()
}

fn authorized_subject(
    root: Node<'_, '_>,
) -> Result<Option<InvoiceMetadataAuthorizedSubject>, Rejection> {
    let Some(p) = child(root, "PodmiotUpowazniony") else {
        return Ok(None);
    };
    let n = nip(
        &required(p, "DaneIdentyfikacyjne/NIP")?,
        "PodmiotUpowazniony/DaneIdentyfikacyjne/NIP",
    )?;
    let role = text_at(p, "RolaPU")
        .and_then(|r| r.parse::<i32>().ok())
        .unwrap_or(1);
    let mut a = InvoiceMetadataAuthorizedSubject::new(n, role);
    a.name = text_at(p, "DaneIdentyfikacyjne/Nazwa");
    Ok(Some(a))
}

fn buyer(root: Node<'_, '_>) -> Result<(InvoiceMetadataBuyer, Option<String>), Rejection> {
    let p2 = child(root, "Podmiot2")
        .ok_or_else(|| Rejection::new(430, "Brak wymaganego elementu Podmiot2."))?;
    let ids = child(p2, "DaneIdentyfikacyjne");
    let mut b = InvoiceMetadataBuyer::new(buyer_identifier(ids));
    b.name = text_at(p2, "DaneIdentyfikacyjne/Nazwa");
    let buyer_nip = ids.and_then(|i| text_at(i, "NIP"));
    Ok((b, buyer_nip))
}

/// Reads an FA(2) or FA(3) invoice.
pub(crate) fn parse_fa(root: Node<'_, '_>, form: Form) -> Result<ParsedInvoice, Rejection> {
    let system = if form == Form::Fa2 {
        "FA (2)"
    } else {
        "FA (3)"
    };
    check_form_code(root, system, "1-0E", "FA")?;
    let seller = nip(
        &required(root, "Podmiot1/DaneIdentyfikacyjne/NIP")?,
        "Podmiot1/DaneIdentyfikacyjne/NIP",
    )?;
    let (buyer, buyer_nip) = buyer(root)?;
    let fa =
        child(root, "Fa").ok_or_else(|| Rejection::new(430, "Brak wymaganego elementu Fa."))?;
    let currency = required(fa, "KodWaluty")?;
    let issue_date = date(&required(fa, "P_1")?, "Fa/P_1")?;
    let number = required(fa, "P_2")?;
    let kind_raw = required(fa, "RodzajFaktury")?;
    let invoice_type = invoice_type(&kind_raw)?;
    let gross = amount(&required(fa, "P_15")?, "Fa/P_15")?;
    let net = sum_elements(fa, "P_13_", false)?;
    let vat = sum_elements(fa, "P_14_", currency != "PLN")?;
    let is_self_invoicing = text_at(fa, "Adnotacje/P_17").as_deref() == Some("1");
    let third = third_subjects(root);
    Ok(ParsedInvoice {
        seller_nip: seller.as_str().to_owned(),
        seller_name: text_at(root, "Podmiot1/DaneIdentyfikacyjne/Nazwa"),
        buyer,
        buyer_nip,
        net,
        gross,
        vat,
        currency,
        invoice_type,
        kind_raw,
        invoice_number: number,
        issue_date,
        has_attachment: child(root, "Zalacznik").is_some(),
        is_self_invoicing,
        third_subjects: third,
        authorized_subject: authorized_subject(root)?,
    })
}

/// Reads an FA_RR(1) invoice (issued by the buyer of agricultural products).
pub(crate) fn parse_fa_rr(root: Node<'_, '_>) -> Result<ParsedInvoice, Rejection> {
    check_form_code(root, "FA_RR (1)", "1-1E", "FA_RR")?;
    let seller = nip(
        &required(root, "Podmiot1/DaneIdentyfikacyjne/NIP")?,
        "Podmiot1/DaneIdentyfikacyjne/NIP",
    )?;
    let (buyer, buyer_nip) = buyer(root)?;
    let fa = child(root, "FakturaRR")
        .ok_or_else(|| Rejection::new(430, "Brak wymaganego elementu FakturaRR."))?;
    let currency = text_at(fa, "KodWaluty").unwrap_or_else(|| "PLN".to_owned());
    let issue_date = date(&required(fa, "P_4B")?, "FakturaRR/P_4B")?;
    let number = required(fa, "P_4C")?;
    let kind_raw = required(fa, "RodzajFaktury")?;
    let invoice_type = invoice_type(&kind_raw)?;
    let net = amount(&required(fa, "P_11_1")?, "FakturaRR/P_11_1")?;
    let vat = text_at(fa, "P_11_2")
        .map(|t| amount(&t, "FakturaRR/P_11_2"))
        .transpose()?
        .unwrap_or(0.0);
    let gross = text_at(fa, "P_12_1")
        .map(|t| amount(&t, "FakturaRR/P_12_1"))
        .transpose()?
        .unwrap_or(net + vat);
    Ok(ParsedInvoice {
        seller_nip: seller.as_str().to_owned(),
        seller_name: text_at(root, "Podmiot1/DaneIdentyfikacyjne/Nazwa"),
        buyer,
        buyer_nip,
        net,
        gross,
        vat,
        currency,
        invoice_type,
        kind_raw,
        invoice_number: number,
        issue_date,
        has_attachment: child(root, "Zalacznik").is_some(),
        is_self_invoicing: false,
        third_subjects: third_subjects(root),
        authorized_subject: None,
    })
}
