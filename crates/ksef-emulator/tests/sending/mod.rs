//! Helpers for the sending tests: FA(3) invoices, session keys, online and batch sessions,
//! polling, and UPO validation with xmllint.
#![allow(dead_code, unreachable_pub)]

use std::path::PathBuf;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ksef_crypto::public_key::{KeyUsage, PublicKeyCertificate};
use ksef_crypto::symmetric::SymmetricKey;
use ksef_crypto::xades::ContextIdentifier;
use serde_json::{Value, json};

use crate::support::{self, Harness};

/// `FA (3)` form code.
pub fn fa3() -> Value {
    json!({"systemCode": "FA (3)", "schemaVersion": "1-0E", "value": "FA"})
}

/// Base64 SHA-256.
pub fn sha(bytes: &[u8]) -> String {
    ksef_crypto::symmetric::sha256_base64(bytes)
}

/// A valid FA(3) invoice of `seller` with number `number` issued on `date` (`YYYY-MM-DD`).
pub fn invoice(seller: &str, number: &str, date: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Faktura xmlns="http://crd.gov.pl/wzor/2025/06/25/13775/">
  <Naglowek>
    <KodFormularza kodSystemowy="FA (3)" wersjaSchemy="1-0E">FA</KodFormularza>
    <WariantFormularza>3</WariantFormularza>
    <DataWytworzeniaFa>{date}T08:00:00Z</DataWytworzeniaFa>
    <SystemInfo>ksef-rs tests</SystemInfo>
  </Naglowek>
  <Podmiot1>
    <DaneIdentyfikacyjne><NIP>{seller}</NIP><Nazwa>Sprzedawca &amp; Syn</Nazwa></DaneIdentyfikacyjne>
    <Adres><KodKraju>PL</KodKraju><AdresL1>ul. Testowa 1, 00-001 Warszawa</AdresL1></Adres>
  </Podmiot1>
  <Podmiot2>
    <DaneIdentyfikacyjne><NIP>7010002139</NIP><Nazwa>Nabywca S.A.</Nazwa></DaneIdentyfikacyjne>
    <Adres><KodKraju>PL</KodKraju><AdresL1>ul. Kupiecka 2, 30-001 Kraków</AdresL1></Adres>
    <JST>2</JST>
    <GV>2</GV>
  </Podmiot2>
  <Fa>
    <KodWaluty>PLN</KodWaluty>
    <P_1>{date}</P_1>
    <P_2>{number}</P_2>
    <P_13_1>100.00</P_13_1>
    <P_14_1>23.00</P_14_1>
    <P_15>123.00</P_15>
    <Adnotacje>
      <P_16>2</P_16><P_17>2</P_17><P_18>2</P_18><P_18A>2</P_18A>
      <Zwolnienie><P_19N>1</P_19N></Zwolnienie>
      <NoweSrodkiTransportu><P_22N>1</P_22N></NoweSrodkiTransportu>
      <P_23>2</P_23>
      <PMarzy><P_PMarzyN>1</P_PMarzyN></PMarzy>
    </Adnotacje>
    <RodzajFaktury>VAT</RodzajFaktury>
    <FaWiersz>
      <NrWierszaFa>1</NrWierszaFa><P_7>Usługa</P_7><P_8A>szt.</P_8A><P_8B>1</P_8B>
      <P_9A>100.00</P_9A><P_11>100.00</P_11><P_12>23</P_12>
    </FaWiersz>
  </Fa>
</Faktura>"#
    )
}

/// Today in Poland as `YYYY-MM-DD`: KSeF compares an invoice's issue date (`P_1`) with the
/// Warsaw date, so an invoice dated with the UTC date would count as issued offline between
/// midnight in Warsaw and midnight UTC.
pub fn today() -> String {
    let d = ksef_model::rt::datetime::warsaw_today();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// A unique invoice number.
pub fn unique_number(prefix: &str) -> String {
    format!("{prefix}/{}", rand::random::<u64>())
}

/// A logged-in owner of a fresh NIP: (harness, nip, token).
pub async fn owner() -> (Harness, String, String) {
    let h = Harness::fast().await;
    let nip = support::nip();
    let token = h
        .login_person_nip(&nip, ContextIdentifier::Nip(nip.clone()))
        .await;
    (h, nip, token)
}

/// The Ministry certificate for session keys.
pub async fn session_certificate(h: &Harness) -> PublicKeyCertificate {
    let keys = h
        .call(
            "GET",
            "/security/public-key-certificates",
            None,
            Value::Null,
        )
        .await;
    let key = keys
        .body
        .as_array()
        .expect("key list")
        .iter()
        .find(|k| {
            k["usage"]
                .as_array()
                .is_some_and(|u| u.iter().any(|x| x == "SymmetricKeyEncryption"))
        })
        .expect("a SymmetricKeyEncryption key")
        .clone();
    PublicKeyCertificate::from_base64(
        key["certificate"].as_str().expect("certificate"),
        [KeyUsage::SymmetricKeyEncryption],
    )
    .expect("certificate parses")
}

/// The `encryption` object for `key`.
pub async fn encryption(h: &Harness, key: &SymmetricKey) -> Value {
    let cert = session_certificate(h).await;
    let wrapped = cert.wrap_symmetric_key(key).expect("wraps");
    json!({
        "encryptedSymmetricKey": wrapped.encrypted_key_b64,
        "initializationVector": wrapped.iv_b64,
        "publicKeyId": wrapped.public_key_id,
    })
}

/// Opens an FA(3) online session; returns its reference.
pub async fn open_online(h: &Harness, token: &str, key: &SymmetricKey) -> String {
    let body = json!({"formCode": fa3(), "encryption": encryption(h, key).await});
    let r = h
        .checked(
            "post_sessions_online",
            "POST",
            "/sessions/online",
            Some(token),
            body,
        )
        .await;
    assert_eq!(r.status, 201, "{:#}", r.body);
    r.body["referenceNumber"].as_str().expect("ref").to_owned()
}

/// The send request for `xml` encrypted with `key`.
pub fn send_body(key: &SymmetricKey, xml: &[u8]) -> Value {
    let enc = key.encrypt(xml);
    json!({
        "invoiceHash": sha(xml),
        "invoiceSize": xml.len(),
        "encryptedInvoiceHash": sha(&enc),
        "encryptedInvoiceSize": enc.len(),
        "encryptedInvoiceContent": B64.encode(&enc),
    })
}

/// Sends a request body to the session's invoice endpoint.
pub async fn send_raw(h: &Harness, token: &str, session: &str, body: Value) -> support::Reply {
    h.call(
        "POST",
        &format!("/sessions/online/{session}/invoices"),
        Some(token),
        body,
    )
    .await
}

/// Sends an invoice; returns the invoice reference (asserts 202).
pub async fn send(
    h: &Harness,
    token: &str,
    session: &str,
    key: &SymmetricKey,
    xml: &[u8],
) -> String {
    let r = h
        .checked(
            "post_sessions_online_by_reference_number_invoices",
            "POST",
            &format!("/sessions/online/{session}/invoices"),
            Some(token),
            send_body(key, xml),
        )
        .await;
    assert_eq!(r.status, 202, "{:#}", r.body);
    r.body["referenceNumber"].as_str().expect("ref").to_owned()
}

/// Polls an invoice until its status is final; returns the status response.
pub async fn invoice_status(h: &Harness, token: &str, session: &str, invoice: &str) -> Value {
    for _ in 0..300 {
        let r = h
            .checked(
                "get_sessions_by_reference_number_invoices_by_invoice_reference_number",
                "GET",
                &format!("/sessions/{session}/invoices/{invoice}"),
                Some(token),
                Value::Null,
            )
            .await;
        assert_eq!(r.status, 200, "{:#}", r.body);
        let code = r.body["status"]["code"].as_i64().unwrap_or(0);
        if code >= 200 {
            return r.body;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("invoice {invoice} did not finish");
}

/// Polls a session until its status code is not in `transient`; returns the status response.
pub async fn session_status(h: &Harness, token: &str, session: &str, transient: &[i64]) -> Value {
    for _ in 0..500 {
        let r = h
            .checked(
                "get_sessions_by_reference_number",
                "GET",
                &format!("/sessions/{session}"),
                Some(token),
                Value::Null,
            )
            .await;
        assert_eq!(r.status, 200, "{:#}", r.body);
        let code = r.body["status"]["code"].as_i64().unwrap_or(0);
        if !transient.contains(&code) {
            return r.body;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("session {session} stayed in {transient:?}");
}

/// Downloads a pre-signed URL without a token: (status, x-ms-meta-hash, body).
pub async fn download(h: &Harness, url: &str) -> (u16, Option<String>, Vec<u8>) {
    let resp = h.http.get(url).send().await.expect("download");
    let status = resp.status().as_u16();
    let hash = resp
        .headers()
        .get("x-ms-meta-hash")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = resp.bytes().await.expect("body").to_vec();
    (status, hash, body)
}

/// The official docs directory (`KSEF_DOCS_DIR`, else next to the workspace).
fn docs_dir() -> PathBuf {
    if let Ok(p) = std::env::var("KSEF_DOCS_DIR") {
        return PathBuf::from(p);
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/ksef-docs")
}

/// Validates a UPO document against `upo-v4-3.xsd` with xmllint; panics with xmllint's output.
///
/// KSeF UPOs carry an enveloped XAdES `ds:Signature` as the last child of the root, which the
/// schema does not declare; what the signature covers (the document without it) is validated.
pub fn assert_valid_upo(xml: &[u8]) {
    let text = String::from_utf8_lossy(xml);
    let unsigned = match (text.find("<ds:Signature"), text.rfind("</ds:Signature>")) {
        (Some(start), Some(end)) => format!(
            "{}{}",
            &text[..start],
            &text[end + "</ds:Signature>".len()..]
        ),
        _ => text.into_owned(),
    };
    let xml = unsigned.as_bytes();
    let xsd = docs_dir().join("faktury/upo/schemy/upo-v4-3.xsd");
    assert!(
        xsd.exists(),
        "the UPO schema {} is missing (set KSEF_DOCS_DIR to the ksef-docs directory)",
        xsd.display()
    );
    let dir = std::env::temp_dir().join(format!("ksef-emu-upo-{}", rand::random::<u64>()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("upo.xml");
    std::fs::write(&file, xml).expect("write UPO");
    let out = std::process::Command::new("xmllint")
        .arg("--noout")
        .arg("--nonet")
        .arg("--schema")
        .arg(&xsd)
        .arg(&file)
        .output();
    let _ = std::fs::remove_dir_all(&dir);
    let out = out.unwrap_or_else(|e| {
        panic!("xmllint is required to validate UPO documents (apt-get install libxml2-utils): {e}")
    });
    assert!(
        out.status.success(),
        "UPO does not validate against upo-v4-3.xsd:\n{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(xml)
    );
}
