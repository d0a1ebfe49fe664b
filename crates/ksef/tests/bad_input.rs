//! Issue 12: the SDK's bad-input table. One row per case — malformed invoices and files,
//! hostile packages, hostile or broken servers, unsafe settings — each answered with a typed
//! error or the documented answer: no panic, nothing written outside the target, no partial
//! file left behind.

mod common;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use common::archives::zip_with;
use futures::FutureExt as _;
use futures::future::BoxFuture;
use ksef::Error;
use ksef::batch::unpack::{UnpackError, UnpackLimits, unpack_tar_gz, unpack_zip};
use ksef::batch::{BatchLimits, InvoiceProblem, check_invoice, read_bounded};
use ksef::http::testing::{ReplayTransport, Reply};
use ksef::http::{HttpClient, ThrottleConfig, UrlRequest};
use serde_json::json;

type Outcome = Result<(), String>;

fn fixture() -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/invoices/fa3-basic.xml"),
    )
    .unwrap()
}

fn invoice_problem(bytes: Vec<u8>, expected: fn(&InvoiceProblem) -> bool) -> Outcome {
    match check_invoice(&bytes, &BatchLimits::default()) {
        Err(p) if expected(&p) => Ok(()),
        other => Err(format!("got {other:?}")),
    }
}

/// Unpacks into `root/target` and checks that nothing appeared outside it and no temporary
/// file stayed behind.
fn unpack_outcome(
    unpack: impl FnOnce(&Path) -> Result<Vec<ksef::batch::unpack::UnpackedFile>, UnpackError>,
    expected: fn(&UnpackError) -> bool,
) -> Outcome {
    let root = tempfile::tempdir().unwrap();
    let target = root.path().join("target");
    let result = unpack(&target);
    let outside: Vec<_> = std::fs::read_dir(root.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .filter(|n| n != "target" && n != "package")
        .collect();
    if !outside.is_empty() {
        return Err(format!("written outside the target: {outside:?}"));
    }
    if let Ok(entries) = std::fs::read_dir(&target) {
        for e in entries.flatten() {
            if e.file_name().to_string_lossy().starts_with(".ksef-unpack-") {
                return Err("a partial file was left behind".into());
            }
        }
    }
    match result {
        Err(e) if expected(&e) => Ok(()),
        other => Err(format!("got {:?}", other.map(|f| f.len()))),
    }
}

fn zip_row(bytes: Vec<u8>, expected: fn(&UnpackError) -> bool) -> Outcome {
    unpack_outcome(
        |target| {
            let package = target.parent().unwrap().join("package");
            std::fs::write(&package, &bytes).unwrap();
            unpack_zip(&package, target, &UnpackLimits::default())
        },
        expected,
    )
}

/// A raw tar entry header (names written as bytes, so `..` and long names get through).
fn tar_header(name: &[u8], kind: tar::EntryType, size: u64, link: Option<&str>) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    let old = h.as_old_mut();
    let n = name.len().min(100);
    old.name[..n].copy_from_slice(&name[..n]);
    h.set_entry_type(kind);
    h.set_size(size);
    h.set_mode(0o644);
    if let Some(link) = link {
        h.set_link_name(link).unwrap();
    }
    h.set_cksum();
    h
}

fn tar_gz(entries: &[(tar::Header, Vec<u8>)]) -> Vec<u8> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut builder = tar::Builder::new(gz);
    for (header, data) in entries {
        builder.append(header, data.as_slice()).unwrap();
    }
    builder.into_inner().unwrap().finish().unwrap()
}

fn file_entry(name: &str, data: &[u8]) -> (tar::Header, Vec<u8>) {
    (
        tar_header(
            name.as_bytes(),
            tar::EntryType::Regular,
            data.len() as u64,
            None,
        ),
        data.to_vec(),
    )
}

fn tar_row(entries: Vec<(tar::Header, Vec<u8>)>, expected: fn(&UnpackError) -> bool) -> Outcome {
    let bytes = tar_gz(&entries);
    unpack_outcome(
        |target| unpack_tar_gz(bytes.as_slice(), target, &UnpackLimits::default()),
        expected,
    )
}

/// A client whose API answers `reply` to every session-status request.
async fn api_row(reply: Reply, expected: fn(&Error) -> bool) -> Outcome {
    let replay = common::replay_with(move |r| {
        r.url
            .path()
            .starts_with("/v2/sessions/")
            .then(|| reply.clone())
    });
    let api = common::login(&replay).await;
    let reference =
        ksef::model::ReferenceNumber::new("20250625-SO-2C3E6C8000-B675CF5D68-07").unwrap();
    match api.sessions().status(reference).send().await {
        Err(e) if expected(&e) => Ok(()),
        other => Err(format!("got {other:?}")),
    }
}

fn http_client(replay: Arc<ReplayTransport>, limit: usize) -> HttpClient {
    HttpClient::builder()
        .base_url("https://ksef.invalid/v2")
        .transport(replay)
        .max_response_bytes(limit)
        .throttle(ThrottleConfig {
            enabled: false,
            share: 1.0,
        })
        .build()
        .unwrap()
}

fn build_client(url: &str, allow: bool) -> Result<ksef::Client, Error> {
    ksef::Client::builder()
        .base_url(url)
        .allow_insecure_http(allow)
        .build()
}

fn page_row(pages: Vec<serde_json::Value>) -> BoxFuture<'static, Outcome> {
    async move {
        let pages = Arc::new(pages);
        let served = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let replay = common::replay_with(move |r| {
            (r.url.path() == "/v2/tokens").then(|| {
                let i = served.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                Reply::json(200, pages[i.min(pages.len() - 1)].clone())
            })
        });
        let api = common::login(&replay).await;
        let items: Result<Vec<_>, _> =
            futures::TryStreamExt::try_collect(api.tokens().list().items()).await;
        match items {
            Err(Error::Pagination { .. }) => Ok(()),
            other => Err(format!("got {:?}", other.map(|v| v.len()))),
        }
    }
    .boxed()
}

fn token(n: u32) -> serde_json::Value {
    json!({
        "referenceNumber": format!("20251001-EC-{n:010}-A6B7F19A95-11"),
        "authorIdentifier": {"type": "Nip", "value": "5265877635"},
        "contextIdentifier": {"type": "Nip", "value": "5265877635"},
        "description": "test token", "requestedPermissions": ["InvoiceRead"],
        "dateCreated": "2025-10-01T13:20:52+00:00", "status": "Active"
    })
}

fn rows() -> Vec<(&'static str, BoxFuture<'static, Outcome>)> {
    let sync = |f: fn() -> Outcome| async move { f() }.boxed();
    vec![
        ("empty invoice", sync(|| invoice_problem(Vec::new(), |p| matches!(p, InvoiceProblem::Empty)))),
        ("invoice with a BOM", sync(|| {
            let mut b = vec![0xEF, 0xBB, 0xBF];
            b.extend(fixture());
            invoice_problem(b, |p| matches!(p, InvoiceProblem::Bom))
        })),
        ("invoice not UTF-8", sync(|| {
            let mut b = fixture();
            b.extend([0xC3, 0x28]);
            invoice_problem(b, |p| matches!(p, InvoiceProblem::NotUtf8(_)))
        })),
        ("invoice not well-formed XML", sync(|| invoice_problem(b"<Faktura><P_2>1</Faktura>".to_vec(), |p| matches!(p, InvoiceProblem::NotXml(_))))),
        ("invoice over 3 MB", sync(|| {
            let mut s = String::from_utf8(fixture()).unwrap();
            s = s.replace("</Faktura>", &format!("<!--{}-->\n</Faktura>", "x".repeat(3_000_001)));
            invoice_problem(s.into_bytes(), |p| matches!(p, InvoiceProblem::TooLarge { .. }))
        })),
        ("invoice with a processing instruction", sync(|| {
            let s = String::from_utf8(fixture()).unwrap().replace("</Faktura>", "<?evil x?></Faktura>");
            invoice_problem(s.into_bytes(), |p| matches!(p, InvoiceProblem::ProcessingInstruction))
        })),
        ("reading /dev/zero as an invoice", sync(|| match read_bounded(Path::new("/dev/zero"), 3_000_000) {
            Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => Ok(()),
            other => Err(format!("got {:?}", other.map(|b| b.len()))),
        })),
        ("a 20 GB (sparse) invoice file", sync(|| {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("huge.xml");
            std::fs::File::create(&path).unwrap().set_len(20_000_000_000).unwrap();
            match read_bounded(&path, 3_000_000) {
                Err(e) if e.kind() == std::io::ErrorKind::InvalidData => Ok(()),
                other => Err(format!("got {:?}", other.map(|b| b.len()))),
            }
        })),
        ("a directory as an invoice file", sync(|| match read_bounded(std::env::temp_dir().as_path(), 3_000_000) {
            Err(_) => Ok(()),
            Ok(b) => Err(format!("read {} bytes", b.len())),
        })),
        ("zip: ../ path (zip-slip)", sync(|| zip_row(zip_with(&[("../evil.xml", b"x")], None), |e| matches!(e, UnpackError::UnsafePath(_))))),
        ("zip: absolute path", sync(|| zip_row(zip_with(&[("/tmp/evil.xml", b"x")], None), |e| matches!(e, UnpackError::UnsafePath(_))))),
        ("zip: symbolic link", sync(|| zip_row(zip_with(&[("a.xml", b"x")], Some(("link.xml", "/etc/passwd"))), |e| matches!(e, UnpackError::Link(_))))),
        ("zip: a.xml and ./a.xml", sync(|| zip_row(zip_with(&[("a.xml", b"x"), ("./a.xml", b"y")], None), |e| matches!(e, UnpackError::Duplicate(_) | UnpackError::UnsafePath(_))))),
        ("zip: not a zip", sync(|| zip_row(b"PK\x03\x04 broken".to_vec(), |e| matches!(e, UnpackError::Archive(_))))),
        ("tar.gz: ../ path (zip-slip)", sync(|| tar_row(vec![file_entry("../evil.xml", b"x")], |e| matches!(e, UnpackError::UnsafePath(_))))),
        ("tar.gz: symbolic link", sync(|| tar_row(vec![(tar_header(b"link.xml", tar::EntryType::Symlink, 0, Some("/etc/passwd")), Vec::new())], |e| matches!(e, UnpackError::Link(_))))),
        ("tar.gz: hard link", sync(|| tar_row(vec![(tar_header(b"link.xml", tar::EntryType::Link, 0, Some("a.xml")), Vec::new())], |e| matches!(e, UnpackError::Link(_))))),
        ("tar.gz: a.xml and ./a.xml", sync(|| tar_row(vec![file_entry("a.xml", b"x"), file_entry("./a.xml", b"y")], |e| matches!(e, UnpackError::Duplicate(_) | UnpackError::UnsafePath(_))))),
        ("tar.gz: 4 MB GNU long-name header", sync(|| tar_row(vec![(tar_header(b"././@LongLink", tar::EntryType::GNULongName, 4 << 20, None), vec![b'a'; 4 << 20])], |e| matches!(e, UnpackError::Archive(m) if m.contains("exceeds"))))),
        ("tar.gz: 4 MB PAX header", sync(|| tar_row(vec![(tar_header(b"pax", tar::EntryType::XHeader, 4 << 20, None), vec![b'a'; 4 << 20])], |e| matches!(e, UnpackError::Archive(m) if m.contains("exceeds"))))),
        ("tar.gz: not gzip", sync(|| unpack_outcome(|t| unpack_tar_gz(&b"not gzip at all"[..], t, &UnpackLimits::default()), |e| matches!(e, UnpackError::Archive(_))))),
        ("a 429 storm until the retries run out", api_row(
            Reply::json(429, json!({"status": {"code": 429, "description": "Too Many Requests", "details": []}})).header("retry-after", "1"),
            |e| e.api().is_some_and(|a| a.status == 429),
        ).boxed()),
        ("a WAF HTML page", api_row(
            Reply::body(503, "text/html", "<html><body>Request blocked by the firewall</body></html>"),
            |e| e.api().is_some_and(|a| a.html && a.status == 503),
        ).boxed()),
        ("a redirect to another host", api_row(
            Reply::status(302).header("location", "https://elsewhere.invalid/v2/sessions"),
            |e| e.api().is_some_and(|a| a.status == 302),
        ).boxed()),
        ("an expired access token (401)", api_row(
            Reply::json(401, json!({"title": "Unauthorized", "status": 401, "detail": "token expired"})),
            |e| e.api().is_some_and(|a| a.status == 401),
        ).boxed()),
        ("clock skew: Retry-After a day ahead", api_row(
            Reply::json(429, json!({"status": {"code": 429, "description": "Too Many Requests"}}))
                .header("retry-after", &httpdate_in(Duration::from_secs(86_400))),
            |e| matches!(e, Error::Http(ksef::http::Error::RateLimited { .. })),
        ).boxed()),
        ("a 2xx whose body cannot be decoded", api_row(
            Reply::body(200, "application/json", "{\"status\": 12"),
            |e| matches!(e, Error::Http(ksef::http::Error::Decode { .. })) && e.may_have_reached_server(),
        ).boxed()),
        ("a JSON 500 on a call (outcome may be unknown)", api_row(
            Reply::json(500, json!({"exception": {"exceptionDetailList": [{"exceptionCode": 0, "exceptionDescription": "error"}]}})),
            |e| e.api().is_some_and(|a| a.status == 500) && e.may_have_reached_server(),
        ).boxed()),
        ("an oversized response body", async {
            let replay = Arc::new(ReplayTransport::with_responder(|_| Reply::body(200, "application/json", vec![b' '; 64 * 1024])));
            let http = http_client(replay, 1024);
            let op = ksef::model::operations::GetSessionsByReferenceNumber::new(
                ksef::model::ReferenceNumber::new("20250625-SO-2C3E6C8000-B675CF5D68-07").unwrap(),
            );
            match http.execute(&op, Some(&ksef::http::BearerToken::new("t"))).await {
                Err(ksef::http::Error::Transport { source, .. }) if source.kind == ksef::http::TransportErrorKind::Body => Ok(()),
                other => Err(format!("got {:?}", other.map(|_| ()))),
            }
        }.boxed()),
        ("a 3xx from a pre-signed URL", async {
            let replay = Arc::new(ReplayTransport::with_responder(|_| Reply::status(307).header("location", "https://elsewhere.invalid/")));
            let http = http_client(replay, 1024);
            let result = http.send_to_url(UrlRequest {
                method: http::Method::PUT,
                url: "https://storage.invalid/part?sig=SECRET".into(),
                headers: Vec::new(),
                body: ksef::http::Body::Bytes(bytes::Bytes::from_static(b"part")),
            }).await;
            match result {
                Err(e) if e.status() == Some(307) && !e.to_string().contains("SECRET") => Ok(()),
                other => Err(format!("got {:?}", other.map(|r| r.status))),
            }
        }.boxed()),
        ("a pre-signed URL in Debug", sync(|| {
            let shown = ksef::http::redact_presigned_url("https://storage.invalid/p?sv=1&sig=SECRET");
            if shown.contains("SECRET") { Err(shown) } else { Ok(()) }
        })),
        ("plain http:// to a remote host", sync(|| match build_client("http://ksef.example.com/v2", false) {
            Err(Error::InvalidInput(m)) if m.contains("http://") => Ok(()),
            other => Err(format!("got {:?}", other.map(|_| ()))),
        })),
        ("plain http:// to loopback (the emulator)", sync(|| build_client("http://127.0.0.1:8080/v2", false).map(|_| ()).map_err(|e| e.to_string()))),
        ("plain http:// with the explicit opt-in", sync(|| build_client("http://ksef.example.com/v2", true).map(|_| ()).map_err(|e| e.to_string()))),
        ("a repeated continuation token", page_row(vec![
            json!({"tokens": [token(1)], "continuationToken": "same"}),
            json!({"tokens": [token(2)], "continuationToken": "same"}),
        ])),
        ("an empty page that announces more", page_row(vec![
            json!({"tokens": [], "continuationToken": "next"}),
        ])),
        ("an invalid KSeF number from the server", sync(|| match ksef::crypto::identifiers::KsefNumber::parse("../../etc/passwd") {
            Err(_) => Ok(()),
            Ok(k) => Err(format!("accepted {k:?}")),
        })),
        ("a wrong PKCS#12 password", sync(|| {
            let p12 = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/crypto/rsa-person.p12")).unwrap();
            match ksef::crypto::credentials::Credentials::from_pkcs12(&p12, "not the password") {
                Err(_) => Ok(()),
                Ok(_) => Err("opened with a wrong password".into()),
            }
        })),
    ]
}

fn httpdate_in(after: Duration) -> String {
    httpdate::fmt_http_date(std::time::SystemTime::now() + after)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_bad_input_gets_a_typed_answer() {
    let rows = rows();
    assert!(rows.len() >= 30, "{} rows", rows.len());
    let mut failures = Vec::new();
    for (name, row) in rows {
        match std::panic::AssertUnwindSafe(row).catch_unwind().await {
            Ok(Ok(())) => {}
            Ok(Err(why)) => failures.push(format!("{name}: {why}")),
            Err(_) => failures.push(format!("{name}: PANICKED")),
        }
    }
    assert!(failures.is_empty(), "rows failed:\n{}", failures.join("\n"));
}

/// Issue 14: `ksef::crypto::identifiers` and `ksef::model` name the same identifier types, so a
/// checked identifier goes into a request as it is.
#[test]
fn crypto_and_model_share_the_identifier_types() {
    let nip: ksef::model::Nip = ksef::crypto::identifiers::Nip::random();
    assert!(nip.validate().is_ok());
    let number: ksef::crypto::identifiers::KsefNumber =
        ksef::model::KsefNumber::parse("5265877635-20250826-0100001AF629-AF").unwrap();
    assert_eq!(number.nip(), "5265877635");
    let _request = ksef::model::AttachmentPermissionGrantRequest::new(nip);
}

/// Issue 14: KSeF answers that lack what their own status promises are named errors (with the
/// operation and its reference number to follow it up), never `Error::Unexpected`.
#[tokio::test]
async fn answers_without_what_their_status_promises_are_named_errors() {
    let replay = common::replay_with(|r| {
        let path = r.url.path();
        if r.method == http::Method::GET
            && path.contains("/sessions/")
            && path.contains("/invoices/")
        {
            return Some(Reply::json(
                200,
                json!({
                    "ordinalNumber": 1,
                    "referenceNumber": "20250625-EE-319D7EE000-B67F415CDC-2C",
                    "invoicingDate": "2025-07-01T10:00:00+00:00",
                    "invoiceHash": "mkht+3m5trnfxlTYhq3QFn74LkEO69MFNlsMAkCDSPA=",
                    "status": {"code": 200, "description": "Sukces"}
                }),
            ));
        }
        if r.method == http::Method::GET && path.contains("/invoices/exports/") {
            return Some(Reply::json(
                200,
                json!({"status": {"code": 200, "description": "Gotowe"}}),
            ));
        }
        None
    });
    let auth = common::login(&replay).await;
    let timeout = Duration::from_secs(5);

    let session = auth.open_online(ksef::InvoiceForm::Fa3).await.unwrap();
    let sent = session.send_invoice(&fixture()).await.unwrap();
    match session.wait_for_invoice(&sent, timeout).await {
        Err(Error::IncompleteAnswer {
            operation,
            reference_number,
            status,
            missing,
        }) => {
            assert_eq!(
                (operation, status, missing),
                ("invoice status", 200, "ksefNumber")
            );
            assert_eq!(reference_number, sent.reference_number.as_str());
        }
        other => panic!("{other:?}"),
    }

    let filters = ksef::model::InvoiceQueryFilters::new(
        ksef::model::InvoiceQuerySubjectType::Subject1,
        ksef::model::InvoiceQueryDateRange::new(
            ksef::model::InvoiceQueryDateType::Issue,
            time::OffsetDateTime::now_utc() - time::Duration::days(1),
        ),
    );
    let export = auth
        .start_export(filters, false, ksef::model::CompressionType::Zip)
        .await
        .unwrap();
    let err = export.wait(timeout).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::IncompleteAnswer {
                missing: "package",
                status: 200,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string().contains(export.reference_number().as_str()),
        "{err}"
    );
}
