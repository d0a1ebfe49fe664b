//! Invoice exports: packages split into several parts, each part encrypted separately,
//! downloaded through pre-signed URLs, decrypted, joined and unpacked (ZIP and tar.gz);
//! truncation, `onlyMetadata`, key errors, the concurrency limit and the HWM status 420.
mod support;

use std::collections::BTreeMap;
use std::io::Read;

use ksef_crypto::symmetric::SymmetricKey;
use ksef_crypto::xades::ContextIdentifier;
use ksef_emulator::EmulatorConfig;
use serde_json::{Value, json};
use support::Harness;
use support::seed::{self, rfc3339};
use time::OffsetDateTime;

fn config() -> EmulatorConfig {
    EmulatorConfig {
        rate_limits: ksef_emulator::RateLimitMode::Off,
        auth_processing_ms: 0,
        export_part_size: 4096,
        ..EmulatorConfig::default()
    }
}

async fn owner(h: &Harness, nip: &str) -> String {
    h.login_person_nip(nip, ContextIdentifier::Nip(nip.to_owned()))
        .await
}

fn filters(from: OffsetDateTime) -> Value {
    json!({"subjectType": "Subject1", "dateRange": {"dateType": "PermanentStorage", "from": rfc3339(from)}})
}

async fn start(h: &Harness, token: &str, body: Value) -> String {
    let r = h
        .checked(
            "post_invoices_exports",
            "POST",
            "/invoices/exports",
            Some(token),
            body,
        )
        .await;
    assert_eq!(r.status, 201, "{:#}", r.body);
    r.body["referenceNumber"].as_str().unwrap().to_owned()
}

/// Polls an export until its status is final.
async fn finished(h: &Harness, token: &str, reference: &str) -> Value {
    for _ in 0..500 {
        let r = h
            .checked(
                "get_invoices_exports_by_reference_number",
                "GET",
                &format!("/invoices/exports/{reference}"),
                Some(token),
                Value::Null,
            )
            .await;
        assert_eq!(r.status, 200, "{:#}", r.body);
        if r.body["status"]["code"] != 100 {
            return r.body;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("export {reference} did not finish");
}

/// Downloads every part, checks its hashes, decrypts each separately and joins them.
async fn download(h: &Harness, key: &SymmetricKey, package: &Value) -> Vec<u8> {
    let mut joined = Vec::new();
    for (i, part) in package["parts"].as_array().unwrap().iter().enumerate() {
        assert_eq!(part["ordinalNumber"], i + 1);
        assert_eq!(part["method"], "GET");
        let resp = h
            .http
            .get(part["url"].as_str().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let header = resp.headers()["x-ms-meta-hash"]
            .to_str()
            .unwrap()
            .to_owned();
        let encrypted = resp.bytes().await.unwrap();
        assert_eq!(
            encrypted.len() as u64,
            part["encryptedPartSize"].as_u64().unwrap()
        );
        let hash = ksef_emulator::storage::sha256_b64(&encrypted);
        assert_eq!(hash, part["encryptedPartHash"].as_str().unwrap());
        assert_eq!(header, hash);
        let plain = key
            .decrypt(&encrypted)
            .expect("each part decrypts on its own");
        assert_eq!(plain.len() as u64, part["partSize"].as_u64().unwrap());
        assert_eq!(
            ksef_emulator::storage::sha256_b64(&plain),
            part["partHash"].as_str().unwrap()
        );
        joined.extend(plain);
    }
    assert_eq!(joined.len() as u64, package["size"].as_u64().unwrap());
    joined
}

fn unzip(bytes: Vec<u8>) -> BTreeMap<String, Vec<u8>> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a ZIP");
    let mut files = BTreeMap::new();
    for i in 0..archive.len() {
        let mut f = archive.by_index(i).unwrap();
        let name = f.name().unwrap().into_owned();
        let mut data = Vec::new();
        f.read_to_end(&mut data).unwrap();
        files.insert(name, data);
    }
    files
}

fn untar(bytes: Vec<u8>) -> BTreeMap<String, Vec<u8>> {
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(std::io::Cursor::new(bytes)));
    let mut files = BTreeMap::new();
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let name = entry.path().unwrap().to_string_lossy().into_owned();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        files.insert(name, data);
    }
    files
}

fn check_files(h: &Harness, files: &BTreeMap<String, Vec<u8>>, numbers: &[String]) {
    let meta: Value = serde_json::from_slice(&files["_metadata.json"]).expect("_metadata.json");
    let listed: Vec<&str> = meta["invoices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["ksefNumber"].as_str().unwrap())
        .collect();
    assert_eq!(
        listed,
        numbers.iter().map(String::as_str).collect::<Vec<_>>()
    );
    for m in meta["invoices"].as_array().unwrap() {
        support::schema::assert_component("InvoiceMetadata", m);
    }
    assert_eq!(files.len(), numbers.len() + 1);
    let store = h.emulator.state().store();
    for n in numbers {
        assert_eq!(files[&format!("{n}.xml")], store.invoices[n].xml, "{n}");
    }
}

#[tokio::test]
async fn a_zip_export_comes_in_several_encrypted_parts() {
    let h = Harness::start(config()).await;
    let (me, partner) = (support::nip(), support::nip());
    let numbers = seed::insert(&h.emulator, seed::series(&me, &partner, 30, 1500));
    seed::insert(&h.emulator, seed::series(&partner, &me, 2, 10));
    let token = owner(&h, &me).await;
    let (key, encryption) = seed::export_key(&h).await;
    let from = OffsetDateTime::now_utc() - time::Duration::hours(1);
    let reference = start(
        &h,
        &token,
        json!({"encryption": encryption, "filters": filters(from)}),
    )
    .await;
    assert_eq!(&reference[8..12], "-EH-");
    let status = finished(&h, &token, &reference).await;
    assert_eq!(status["status"]["code"], 200, "{status:#}");
    let package = &status["package"];
    assert_eq!(package["invoiceCount"], 30);
    assert_eq!(package["isTruncated"], false);
    assert!(package["permanentStorageHwmDate"].is_string());
    assert!(package.get("lastPermanentStorageDate").is_none());
    let parts = package["parts"].as_array().unwrap();
    assert!(parts.len() >= 3, "{} parts", parts.len());
    assert_eq!(parts[0]["partName"], format!("{reference}-001.zip.aes"));
    let files = unzip(download(&h, &key, package).await);
    check_files(&h, &files, &numbers);

    // Storage URLs need their signature.
    let url = parts[0]["url"].as_str().unwrap();
    let tampered = url.replace("sig=", "sig=x");
    assert_eq!(h.http.get(tampered).send().await.unwrap().status(), 403);
}

#[tokio::test]
async fn a_tar_gz_export_and_a_truncated_one() {
    let h = Harness::start(EmulatorConfig {
        export_max_invoices: 7,
        ..config()
    })
    .await;
    let (me, partner) = (support::nip(), support::nip());
    let numbers = seed::insert(&h.emulator, seed::series(&me, &partner, 10, 1000));
    let token = owner(&h, &me).await;
    let (key, encryption) = seed::export_key(&h).await;
    let from = OffsetDateTime::now_utc() - time::Duration::hours(1);
    let reference = start(
        &h,
        &token,
        json!({"encryption": encryption, "filters": filters(from), "compressionType": "TarGz"}),
    )
    .await;
    let status = finished(&h, &token, &reference).await;
    let package = &status["package"];
    assert_eq!(package["invoiceCount"], 7);
    assert_eq!(package["isTruncated"], true);
    let last = h.emulator.state().store().invoices[&numbers[6]]
        .metadata
        .permanent_storage_date;
    let reported = OffsetDateTime::parse(
        package["lastPermanentStorageDate"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert_eq!(reported, last);
    assert!(
        package["parts"][0]["partName"]
            .as_str()
            .unwrap()
            .ends_with("-001.tar.gz.aes")
    );
    let files = untar(download(&h, &key, package).await);
    check_files(&h, &files, &numbers[..7]);

    // Only metadata.
    let (key, encryption) = seed::export_key(&h).await;
    let reference = start(
        &h,
        &token,
        json!({"encryption": encryption, "filters": filters(from), "onlyMetadata": true}),
    )
    .await;
    let status = finished(&h, &token, &reference).await;
    let files = unzip(download(&h, &key, &status["package"]).await);
    assert_eq!(files.len(), 1);
    let meta: Value = serde_json::from_slice(&files["_metadata.json"]).unwrap();
    assert_eq!(meta["invoices"].as_array().unwrap().len(), 7);
}

#[tokio::test]
async fn export_errors() {
    let h = Harness::start(EmulatorConfig {
        export_processing_ms: 3000,
        max_concurrent_exports: 2,
        ..config()
    })
    .await;
    let me = support::nip();
    let token = owner(&h, &me).await;
    let from = OffsetDateTime::now_utc() - time::Duration::hours(1);
    let (_, encryption) = seed::export_key(&h).await;

    // A key the Ministry key cannot unwrap: accepted, then status 415.
    let mut garbage = encryption.clone();
    garbage["encryptedSymmetricKey"] = json!(base64_of(&[7u8; 256]));
    let bad = start(
        &h,
        &token,
        json!({"encryption": garbage, "filters": filters(from)}),
    )
    .await;

    // Unknown key id: 21470.
    let mut unknown = encryption.clone();
    unknown["publicKeyId"] = json!(base64_of(&[1u8; 32]));
    let r = h
        .call(
            "POST",
            "/invoices/exports",
            Some(&token),
            json!({"encryption": unknown, "filters": filters(from)}),
        )
        .await;
    assert_eq!(r.exception_code(), Some(21470), "{:#}", r.body);

    // A bad IV: 21405.
    let mut short_iv = encryption.clone();
    short_iv["initializationVector"] = json!(base64_of(&[1u8; 8]));
    let r = h
        .call(
            "POST",
            "/invoices/exports",
            Some(&token),
            json!({"encryption": short_iv, "filters": filters(from)}),
        )
        .await;
    assert_eq!(r.exception_code(), Some(21405), "{:#}", r.body);

    // The concurrency limit (2 in this configuration): 21182.
    start(
        &h,
        &token,
        json!({"encryption": encryption, "filters": filters(from)}),
    )
    .await;
    let r = h
        .call(
            "POST",
            "/invoices/exports",
            Some(&token),
            json!({"encryption": encryption, "filters": filters(from)}),
        )
        .await;
    assert_eq!(r.exception_code(), Some(21182), "{:#}", r.body);

    let status = finished(&h, &token, &bad).await;
    assert_eq!(status["status"]["code"], 415, "{status:#}");
    assert!(status.get("package").is_none_or(Value::is_null));

    // `from` after the HWM with the restriction on: status 420.
    let mut late = filters(OffsetDateTime::now_utc() + time::Duration::minutes(1));
    late["dateRange"]["restrictToPermanentStorageHwmDate"] = json!(true);
    let r = start(
        &h,
        &token,
        json!({"encryption": encryption, "filters": late}),
    )
    .await;
    let status = finished(&h, &token, &r).await;
    assert_eq!(status["status"]["code"], 420, "{status:#}");

    // Unknown reference, and another context's export: 21175.
    let r = h
        .call(
            "GET",
            "/invoices/exports/20250101-EH-0000000000-0000000000-00",
            Some(&token),
            Value::Null,
        )
        .await;
    assert_eq!(r.exception_code(), Some(21175));
    let other = support::nip();
    let token2 = owner(&h, &other).await;
    let r = h
        .call(
            "GET",
            &format!("/invoices/exports/{bad}"),
            Some(&token2),
            Value::Null,
        )
        .await;
    assert_eq!(r.exception_code(), Some(21175));
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
