//! QR codes printed on invoices.
//!
//! - KOD I, on every invoice: a link to the invoice's verification page, built from the seller's
//!   NIP, the issue date and the SHA-256 of the exact XML bytes. Labelled with the KSeF number
//!   (or `OFFLINE` for an invoice not yet sent).
//! - KOD II, on invoices issued offline: a link that proves the issuer, signed with the private
//!   key of a KSeF certificate of type `Offline`. The example enrols such a certificate (CSR
//!   with the subject data KSeF dictates → enrollment → retrieval), signs the link and verifies it.
//!
//! Both are drawn as PNG and SVG with `ksef::crypto::qr::render` (feature `qr-render` of
//! `ksef-crypto`).
//!
//! Run it with `cargo run -p ksef --example qr_codes` (embedded emulator) or set
//! `KSEF_BASE_URL` to use another server. The images are written under
//! `target/debug/examples-output/qr_codes/`.
#![allow(clippy::print_stdout)]

#[path = "common/mod.rs"]
mod common;

use std::path::Path;
use std::time::Duration;

use ksef::InvoiceForm;
use ksef::crypto::credentials::Certificate;
use ksef::crypto::qr::{self, ContextIdentifierType, Kod2Link, QrEnvironment};
use ksef::model::{KsefCertificateType, RetrieveCertificatesRequest};

/// Draws `url` with `label` as `name.png` and `name.svg` in `dir`.
fn draw(dir: &Path, name: &str, url: &str, label: &str) -> common::Result {
    let options = qr::render::RenderOptions::default();
    let png = common::write(
        dir,
        &format!("{name}.png"),
        &qr::render::render_png(url, Some(label), &options)?,
    )?;
    let svg = qr::render::render_svg(url, Some(label), &options)?;
    let svg = common::write(dir, &format!("{name}.svg"), svg.as_bytes())?;
    println!("  {}\n  {}", png.display(), svg.display());
    Ok(())
}

#[tokio::main]
async fn main() -> common::Result {
    let (server, person, session) = common::start_logged_in("example qr_codes").await?;
    let out = common::output_dir("qr_codes")?;
    let env = QrEnvironment::Test;

    // KOD I for an invoice sent online: the label is its KSeF number.
    let xml = common::invoice(&person.nip, "FV/QR/001");
    let online = session.open_online(InvoiceForm::Fa3).await?;
    let sent = online.send_invoice(&xml).await?;
    let accepted = online
        .wait_for_invoice(&sent, Duration::from_secs(120))
        .await?;
    online.close().await?;
    let url = qr::invoice_verification_url(&env, &person.nip, common::issue_date(), &xml);
    println!("KOD I: {url}");
    draw(&out, "kod1", &url, accepted.ksef_number.as_str())?;

    // KOD II needs an Offline KSeF certificate: CSR with the subject data KSeF returns…
    let (serial, csr) = common::enroll_certificate(
        &session,
        KsefCertificateType::Offline,
        "Certyfikat offline example",
    )
    .await?;
    // …and fetch it; paired with the CSR's key it can sign.
    let retrieved = session
        .certificates()
        .retrieve(RetrieveCertificatesRequest::new(vec![serial.clone()]))
        .send()
        .await?;
    let item = retrieved
        .certificates
        .first()
        .ok_or("no certificate returned")?;
    let certificate = Certificate::from_der(&item.certificate.decode()?)?;
    let der = certificate.der().to_vec();
    println!(
        "offline certificate {serial} issued, valid until {}",
        certificate.not_after()
    );
    let credentials = csr.into_credentials(certificate)?;

    // KOD II for an invoice issued offline (its own hash, label "CERTYFIKAT").
    let offline_xml = common::invoice(&person.nip, "FV/QR/OFFLINE/001");
    let url = qr::certificate_verification_url(
        &env,
        ContextIdentifierType::Nip,
        &person.nip,
        &person.nip,
        serial.as_str(),
        &qr::invoice_hash_b64url(&offline_xml),
        &credentials,
    )?;
    println!("KOD II: {url}");
    // Anyone holding the certificate can check the link's signature.
    Kod2Link::parse(&url)?.verify(&der)?;
    println!("KOD II signature verified with the certificate");
    draw(&out, "kod2", &url, "CERTYFIKAT")?;
    // The KOD I of the same offline invoice carries the label OFFLINE until it is sent.
    let url = qr::invoice_verification_url(&env, &person.nip, common::issue_date(), &offline_xml);
    draw(&out, "kod1-offline", &url, "OFFLINE")?;
    server.stop().await;
    Ok(())
}
