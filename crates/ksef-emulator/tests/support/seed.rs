//! Seeding accepted invoices straight into the emulator's store (independent of the session
//! endpoints), and the encryption data of exports.
#![allow(unreachable_pub)]

use ksef_crypto::identifiers::{KsefNumber, Nip};
use ksef_crypto::public_key::{KeyUsage, PublicKeyCertificate};
use ksef_crypto::symmetric::SymmetricKey;
use ksef_emulator::{Emulator, InvoiceRecord};
use rand::Rng;
use serde_json::{Value, json};
use time::OffsetDateTime;

/// An invoice of `seller` to `buyer` stored at `stored` (issued the same day, accepted a second
/// before), with `padding` random characters in the XML (to make packages bigger).
pub fn invoice(seller: &str, buyer: &str, stored: OffsetDateTime, padding: usize) -> InvoiceRecord {
    let mut rng = rand::thread_rng();
    let nip = Nip::parse(seller).expect("seller NIP");
    let technical: [u8; 6] = rng.r#gen();
    let number = KsefNumber::compose(&nip, stored.date(), technical).expect("KSeF number");
    let invoice_number = format!("FV/{}", rng.gen_range(1..1_000_000_000u64));
    let noise: String = (0..padding)
        .map(|_| char::from(b"0123456789abcdef"[rng.gen_range(0..16)]))
        .collect();
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Faktura><NIP>{seller}</NIP><Nabywca>{buyer}</Nabywca><P_2>{invoice_number}</P_2><Uwagi>{noise}</Uwagi></Faktura>"
    )
    .into_bytes();
    let gross = f64::from(rng.gen_range(100..100_000u32));
    InvoiceRecord::accepted(&number, &invoice_number, Some(buyer), gross, stored, xml)
}

/// Stores invoices (in order, with increasing sequence numbers); returns their KSeF numbers.
pub fn insert(emulator: &Emulator, records: Vec<InvoiceRecord>) -> Vec<String> {
    let mut store = emulator.state().store();
    records
        .into_iter()
        .map(|r| store.insert_invoice(r))
        .collect()
}

/// `count` invoices of `seller` to `buyer`, one per second ending a minute ago.
pub fn series(seller: &str, buyer: &str, count: usize, padding: usize) -> Vec<InvoiceRecord> {
    let end = OffsetDateTime::now_utc() - time::Duration::minutes(1);
    (0..count)
        .map(|i| {
            let back = i64::try_from(count - i).expect("count");
            invoice(seller, buyer, end - time::Duration::seconds(back), padding)
        })
        .collect()
}

/// An RFC 3339 timestamp.
pub fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .expect("formats")
}

/// A fresh AES key wrapped with the emulator's `SymmetricKeyEncryption` key, and the
/// `encryption` object of an export request.
pub async fn export_key(harness: &super::Harness) -> (SymmetricKey, Value) {
    let keys = harness
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
        .expect("a symmetric-key key")
        .clone();
    let cert = PublicKeyCertificate::from_base64(
        key["certificate"].as_str().expect("cert"),
        [KeyUsage::SymmetricKeyEncryption],
    )
    .expect("certificate parses");
    let aes = SymmetricKey::generate();
    let wrapped = cert.wrap_symmetric_key(&aes).expect("wraps");
    let encryption = json!({
        "encryptedSymmetricKey": wrapped.encrypted_key_b64,
        "initializationVector": wrapped.iv_b64,
        "publicKeyId": wrapped.public_key_id,
    });
    (aes, encryption)
}
