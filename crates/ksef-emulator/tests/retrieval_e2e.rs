//! Retrieval of invoices that went through an online session (not seeded): download, metadata
//! query by the seller and by the buyer, and an export of the buyer's invoices.
mod sending;
mod support;

use std::io::Read;

use ksef_crypto::symmetric::SymmetricKey;
use ksef_crypto::xades::ContextIdentifier;
use sending::*;
use serde_json::{Value, json};
use support::seed::{self, rfc3339};
use time::OffsetDateTime;

/// The buyer NIP of the `sending::invoice` template.
const BUYER: &str = "7010002139";

#[tokio::test]
async fn invoices_sent_online_can_be_downloaded_queried_and_exported() {
    let (h, nip, token) = owner().await;
    let key = SymmetricKey::generate();
    let session = open_online(&h, &token, &key).await;
    let mut sent = Vec::new();
    for _ in 0..3 {
        let number = unique_number("FV/RET");
        let xml = invoice(&nip, &number, &today());
        let reference = send(&h, &token, &session, &key, xml.as_bytes()).await;
        sent.push((reference, number, xml));
    }
    let mut numbers = Vec::new();
    for (reference, _, xml) in &sent {
        let st = invoice_status(&h, &token, &session, reference).await;
        assert_eq!(st["status"]["code"], 200, "{st:#}");
        let ksef = st["ksefNumber"].as_str().expect("ksefNumber").to_owned();
        let resp = h
            .http
            .get(format!("{}/invoices/ksef/{ksef}", h.base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let hash = resp.headers()["x-ms-meta-hash"]
            .to_str()
            .unwrap()
            .to_owned();
        let body = resp.bytes().await.unwrap();
        assert_eq!(body.as_ref(), xml.as_bytes());
        assert_eq!(hash, sha(xml.as_bytes()));
        numbers.push(ksef);
    }

    let from = OffsetDateTime::now_utc() - time::Duration::hours(1);
    let range = json!({"dateType": "Invoicing", "from": rfc3339(from)});
    let r = h
        .checked(
            "post_invoices_query_metadata",
            "POST",
            "/invoices/query/metadata?pageSize=10",
            Some(&token),
            json!({"subjectType": "Subject1", "dateRange": range}),
        )
        .await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    let listed = r.body["invoices"].as_array().unwrap();
    assert_eq!(listed.len(), 3);
    for (meta, (number, (_, invoice_number, xml))) in listed.iter().zip(numbers.iter().zip(&sent)) {
        assert_eq!(meta["ksefNumber"], number.as_str());
        assert_eq!(meta["invoiceNumber"], invoice_number.as_str());
        assert_eq!(meta["invoiceHash"], sha(xml.as_bytes()));
        assert_eq!(meta["grossAmount"], 123.0);
        assert_eq!(meta["seller"]["nip"], nip.as_str());
        assert_eq!(meta["buyer"]["identifier"]["value"], BUYER);
    }

    // The buyer sees them as Subject2 and can export them.
    let buyer = h
        .login_person_nip(BUYER, ContextIdentifier::Nip(BUYER.to_owned()))
        .await;
    let r = h
        .call(
            "POST",
            "/invoices/query/metadata?pageSize=10",
            Some(&buyer),
            json!({"subjectType": "Subject2", "dateRange": range}),
        )
        .await;
    assert_eq!(r.body["invoices"].as_array().unwrap().len(), 3);
    let (aes, encryption) = seed::export_key(&h).await;
    let r = h
        .call(
            "POST",
            "/invoices/exports",
            Some(&buyer),
            json!({"encryption": encryption, "filters": {"subjectType": "Subject2", "dateRange": range}}),
        )
        .await;
    assert_eq!(r.status, 201, "{:#}", r.body);
    let export = r.body["referenceNumber"].as_str().unwrap().to_owned();
    let mut status = Value::Null;
    for _ in 0..200 {
        status = h
            .call(
                "GET",
                &format!("/invoices/exports/{export}"),
                Some(&buyer),
                Value::Null,
            )
            .await
            .body;
        if status["status"]["code"] != 100 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(status["status"]["code"], 200, "{status:#}");
    assert!(status["package"].get("permanentStorageHwmDate").is_none());
    let mut zip_bytes = Vec::new();
    for part in status["package"]["parts"].as_array().unwrap() {
        let (code, _, body) = download(&h, part["url"].as_str().unwrap()).await;
        assert_eq!(code, 200);
        zip_bytes.extend(aes.decrypt(&body).unwrap());
    }
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip_bytes)).unwrap();
    for (number, (_, _, xml)) in numbers.iter().zip(&sent) {
        let mut file = archive.by_name(&format!("{number}.xml")).unwrap();
        let mut data = String::new();
        file.read_to_string(&mut data).unwrap();
        assert_eq!(&data, xml);
    }
}
