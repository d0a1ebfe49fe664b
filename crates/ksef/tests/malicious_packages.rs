//! Export packages from a hostile or broken server, served by a test transport: each case is a
//! typed error, and nothing is written outside the target directory.

mod common;

use std::sync::Arc;

use common::archives::zip_with;
use ksef::crypto::symmetric::{FileDigest, SymmetricKey};
use ksef::http::ThrottleConfig;
use ksef::http::testing::{ReplayTransport, Reply};
use ksef::model::{CompressionType, InvoicePackage, InvoicePackagePart, Sha256HashBase64};
use ksef::retrieval::{PartProblem, download_package};
use ksef::{Client, Error};
use ksef_batch::unpack::{UnpackError, UnpackLimits};

/// A valid KSeF number of the test NIP (day `n`).
fn number(n: u8) -> String {
    let nip = ksef::crypto::identifiers::Nip::parse("5265877635").unwrap();
    let day = time::Date::from_calendar_date(2025, time::Month::August, n).unwrap();
    ksef::crypto::identifiers::KsefNumber::compose(&nip, day, [1, 0, 0, 0x1A, 0xF6, n])
        .unwrap()
        .as_str()
        .to_owned()
}

/// `_metadata.json` listing `numbers`.
fn metadata(numbers: &[&str]) -> Vec<u8> {
    let invoices: Vec<serde_json::Value> = numbers
        .iter()
        .map(|k| {
            serde_json::json!({
                "ksefNumber": k, "invoiceNumber": "FV/1", "issueDate": "2025-08-26",
                "invoicingDate": "2025-08-26T10:00:00Z", "acquisitionDate": "2025-08-26T10:00:01Z",
                "permanentStorageDate": "2025-08-26T10:00:02Z",
                "seller": {"nip": "5265877635"},
                "buyer": {"identifier": {"type": "Nip", "value": "7352765225"}},
                "netAmount": 100.0, "grossAmount": 123.0, "vatAmount": 23.0, "currency": "PLN",
                "invoicingMode": "Online", "invoiceType": "Vat",
                "formCode": {"systemCode": "FA (3)", "schemaVersion": "1-0E", "value": "FA"},
                "isSelfInvoicing": false, "hasAttachment": false,
                "invoiceHash": "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg="
            })
        })
        .collect();
    serde_json::to_vec(&serde_json::json!({ "invoices": invoices })).unwrap()
}

fn part(ordinal: i32, plain: &[u8], encrypted: &[u8]) -> InvoicePackagePart {
    let p = FileDigest::of(plain);
    let e = FileDigest::of(encrypted);
    InvoicePackagePart::new(
        ordinal,
        format!("pkg-{ordinal:03}.zip.aes"),
        "GET".into(),
        format!("https://storage.invalid/export/{ordinal}"),
        p.size as i64,
        Sha256HashBase64::new_unchecked(p.sha256_base64()),
        e.size as i64,
        Sha256HashBase64::new_unchecked(e.sha256_base64()),
        time::OffsetDateTime::now_utc() + time::Duration::hours(1),
    )
}

/// Serves `bodies[i]` for part `i + 1`.
fn serve(bodies: Vec<Vec<u8>>) -> Client {
    let replay = Arc::new(ReplayTransport::with_responder(move |req| {
        let i: usize = req
            .url
            .path()
            .rsplit('/')
            .next()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        match bodies.get(i.wrapping_sub(1)) {
            Some(b) => Reply::body(200, "application/octet-stream", b.clone()),
            None => Reply::status(404),
        }
    }));
    Client::builder()
        .base_url("https://ksef.invalid/v2")
        .transport(replay)
        .throttle(ThrottleConfig {
            enabled: false,
            share: 1.0,
        })
        .build()
        .unwrap()
}

fn package(parts: Vec<InvoicePackagePart>) -> InvoicePackage {
    InvoicePackage::new(1, 1, parts, false, CompressionType::Zip)
}

/// Runs a download into `root/target` and checks that nothing appeared in `root` besides it,
/// and that no temporary (staged, unnamed) file was left in the target — the package is
/// unpacked while its parts arrive, so a failure must remove what was staged.
async fn run(
    client: &Client,
    pkg: &InvoicePackage,
    key: &SymmetricKey,
    limits: &UnpackLimits,
) -> Result<ksef::retrieval::ExportContents, Error> {
    let root = tempfile::tempdir().unwrap();
    let target = root.path().join("target");
    let result = download_package(client, pkg, key, CompressionType::Zip, &target, limits, 2).await;
    let outside: Vec<_> = std::fs::read_dir(root.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .filter(|n| n != "target")
        .collect();
    assert!(
        outside.is_empty(),
        "written outside the target: {outside:?}"
    );
    if let Ok(entries) = std::fs::read_dir(&target) {
        for e in entries.flatten() {
            assert!(
                !e.file_name().to_string_lossy().starts_with(".ksef-"),
                "partial file left behind"
            );
        }
    }
    result
}

fn one_part(plain: &[u8], key: &SymmetricKey) -> (Client, InvoicePackage) {
    let encrypted = key.encrypt(plain);
    let p = part(1, plain, &encrypted);
    (serve(vec![encrypted]), package(vec![p]))
}

#[tokio::test]
async fn a_good_package_in_two_parts_unpacks() {
    let key = SymmetricKey::generate();
    let k = number(26);
    let plain = zip_with(
        &[
            (&format!("{k}.xml"), b"<Faktura/>"),
            ("_metadata.json", &metadata(&[&k])),
        ],
        None,
    );
    let (a, b) = plain.split_at(plain.len() / 2);
    let (ea, eb) = (key.encrypt(a), key.encrypt(b));
    let client = serve(vec![ea.clone(), eb.clone()]);
    let pkg = package(vec![part(1, a, &ea), part(2, b, &eb)]);
    let contents = run(&client, &pkg, &key, &UnpackLimits::default())
        .await
        .unwrap();
    assert_eq!(contents.files.len(), 1);
    assert_eq!(contents.metadata.len(), 1);
}

/// Issue 12, defect 2: a package is complete only when `_metadata.json` lists exactly the
/// announced invoices, each with a valid KSeF number and its file; anything else is a typed
/// error (so that sync never advances past it).
#[tokio::test]
async fn an_incomplete_package_is_a_typed_error() {
    use ksef::retrieval::PackageProblem as P;
    let (k1, k2) = (number(1), number(2));
    let x1 = format!("{k1}.xml");
    let x2 = format!("{k2}.xml");
    let bad_number = "5265877635-20250801-0100001AF601-00";
    let bad_file = format!("{bad_number}.xml");
    type Case<'a> = (&'a str, Vec<(&'a str, Vec<u8>)>, fn(&P) -> bool);
    let cases: Vec<Case<'_>> = vec![
        ("no _metadata.json", vec![(&x1, b"<F/>".to_vec())], |p| {
            matches!(p, P::MissingMetadata)
        }),
        (
            "short _metadata.json",
            vec![
                (&x1, b"<F/>".to_vec()),
                (&x2, b"<F/>".to_vec()),
                ("_metadata.json", metadata(&[&k1])),
            ],
            |p| matches!(p, P::CountMismatch { metadata: 1, .. }),
        ),
        (
            "metadata not JSON",
            vec![(&x1, b"<F/>".to_vec()), ("_metadata.json", b"{".to_vec())],
            |p| matches!(p, P::BadMetadata(_)),
        ),
        (
            "a listed invoice without its file",
            vec![
                (&x1, b"<F/>".to_vec()),
                ("other.xml", b"<F/>".to_vec()),
                ("_metadata.json", metadata(&[&k1, &k2])),
            ],
            |p| matches!(p, P::MissingFile(_)),
        ),
        (
            "an invalid KSeF number",
            vec![
                (&bad_file, b"<F/>".to_vec()),
                (&x2, b"<F/>".to_vec()),
                ("_metadata.json", metadata(&[bad_number, &k2])),
            ],
            |p| matches!(p, P::InvalidKsefNumber { .. }),
        ),
    ];
    for (what, entries, expected) in cases {
        let key = SymmetricKey::generate();
        let refs: Vec<(&str, &[u8])> = entries.iter().map(|(n, d)| (*n, d.as_slice())).collect();
        let plain = zip_with(&refs, None);
        let encrypted = key.encrypt(&plain);
        let client = serve(vec![encrypted.clone()]);
        let mut pkg = package(vec![part(1, &plain, &encrypted)]);
        pkg.invoice_count = 2;
        if what == "no _metadata.json" {
            pkg.invoice_count = 1;
        }
        match run(&client, &pkg, &key, &UnpackLimits::default()).await {
            Err(Error::ExportPackage(p)) => assert!(expected(&p), "{what}: {p:?}"),
            other => panic!(
                "{what}: expected a package error, got {:?}",
                other.map(|_| ())
            ),
        }
    }
}

/// A storage that streams zeros without end.
#[derive(Debug)]
struct EndlessStorage;

#[async_trait::async_trait]
impl ksef::http::Transport for EndlessStorage {
    async fn send(
        &self,
        _: ksef::http::HttpRequest,
    ) -> Result<ksef::http::HttpResponse, ksef::http::TransportError> {
        let chunk = bytes::Bytes::from(vec![0u8; 64 * 1024]);
        let stream = futures::stream::repeat_with(move || Ok(chunk.clone()));
        Ok(ksef::http::HttpResponse {
            status: 200,
            headers: Default::default(),
            body: ksef::http::ResponseBody::from_stream(Box::pin(stream)),
        })
    }
}

/// Issue 12, defect 7: a part longer than announced stops the download at once: its excess
/// would decrypt into the next part's place, and an endless body would fill the disk.
#[tokio::test]
async fn a_part_longer_than_announced_is_refused_at_once() {
    let key = SymmetricKey::generate();
    let plain = zip_with(&[("_metadata.json", &metadata(&[]))], None);
    let encrypted = key.encrypt(&plain);
    let client = Client::builder()
        .base_url("https://ksef.invalid/v2")
        .transport(Arc::new(EndlessStorage))
        .build()
        .unwrap();
    let pkg = package(vec![part(1, &plain, &encrypted)]);
    let limits = UnpackLimits::default();
    let outcome = tokio::time::timeout(
        std::time::Duration::from_secs(20),
        run(&client, &pkg, &key, &limits),
    )
    .await
    .expect("the download stops by itself");
    match outcome {
        Err(Error::ExportPart {
            ordinal: 1,
            problem: PartProblem::EncryptedSize { expected, actual },
        }) => assert!(actual > expected),
        other => panic!("expected a size error, got {:?}", other.map(|_| ())),
    }
}

#[tokio::test]
async fn path_traversal_is_refused() {
    let key = SymmetricKey::generate();
    for name in ["../evil.xml", "a/../../evil.xml", "/etc/evil.xml"] {
        let (client, pkg) = one_part(&zip_with(&[(name, b"x")], None), &key);
        let err = run(&client, &pkg, &key, &UnpackLimits::default())
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::Unpack(UnpackError::UnsafePath(_))),
            "{name}: {err}"
        );
    }
}

#[tokio::test]
async fn symlink_entries_are_refused() {
    let key = SymmetricKey::generate();
    let (client, pkg) = one_part(
        &zip_with(&[("a.xml", b"x")], Some(("link.xml", "/etc/passwd"))),
        &key,
    );
    let err = run(&client, &pkg, &key, &UnpackLimits::default())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unpack(UnpackError::Link(_))), "{err}");
}

#[tokio::test]
async fn a_zip_bomb_hits_the_limits() {
    let key = SymmetricKey::generate();
    let zeros = vec![0u8; 5_000_000];
    let (client, pkg) = one_part(&zip_with(&[("bomb.xml", &zeros)], None), &key);
    let limits = UnpackLimits {
        max_entry_bytes: 1_000_000,
        ..UnpackLimits::default()
    };
    let err = run(&client, &pkg, &key, &limits).await.unwrap_err();
    assert!(
        matches!(err, Error::Unpack(UnpackError::TooLarge { .. })),
        "{err}"
    );
    let many: Vec<(String, Vec<u8>)> = (0..50).map(|i| (format!("{i}.xml"), vec![b'x'])).collect();
    let refs: Vec<(&str, &[u8])> = many
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    let (client, pkg) = one_part(&zip_with(&refs, None), &key);
    let limits = UnpackLimits {
        max_entries: 10,
        ..UnpackLimits::default()
    };
    let err = run(&client, &pkg, &key, &limits).await.unwrap_err();
    assert!(
        matches!(err, Error::Unpack(UnpackError::TooManyEntries(10))),
        "{err}"
    );
}

/// The package is unpacked while it arrives, from its local headers; a central directory that
/// lists other entries (here: without the invoice) is refused and nothing is named.
#[tokio::test]
async fn local_headers_that_disagree_with_the_central_directory_are_refused() {
    let key = SymmetricKey::generate();
    let k = number(26);
    let invoice = format!("{k}.xml");
    let plain = zip_with(
        &[
            (&invoice, b"<Faktura/>"),
            ("_metadata.json", &metadata(&[&k])),
        ],
        None,
    );
    // The central directory keeps only its second record (`_metadata.json`); the local headers
    // still hold the invoice as well.
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(plain.clone())).unwrap();
    let cd = archive.central_directory_start() as usize;
    let second = archive.by_index_raw(1).unwrap().central_header_start() as usize;
    let first_len = second - cd;
    let mut tampered = plain[..cd].to_vec();
    tampered.extend_from_slice(&plain[second..plain.len() - 22]);
    let mut eocd = plain[plain.len() - 22..].to_vec();
    eocd[8..10].copy_from_slice(&1u16.to_le_bytes());
    eocd[10..12].copy_from_slice(&1u16.to_le_bytes());
    let cd_size = u32::from_le_bytes(eocd[12..16].try_into().unwrap()) - first_len as u32;
    eocd[12..16].copy_from_slice(&cd_size.to_le_bytes());
    tampered.extend_from_slice(&eocd);
    let (a, b) = tampered.split_at(tampered.len() / 2);
    let (ea, eb) = (key.encrypt(a), key.encrypt(b));
    let client = serve(vec![ea.clone(), eb.clone()]);
    let pkg = package(vec![part(1, a, &ea), part(2, b, &eb)]);
    let root = tempfile::tempdir().unwrap();
    let target = root.path().join("target");
    let err = download_package(
        &client,
        &pkg,
        &key,
        CompressionType::Zip,
        &target,
        &UnpackLimits::default(),
        2,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, Error::Unpack(UnpackError::Inconsistent(_))),
        "{err}"
    );
    let left: Vec<_> = std::fs::read_dir(&target).unwrap().flatten().collect();
    assert!(left.is_empty(), "{left:?}");
}

/// `_metadata.json` and one invoice as a tar.gz package.
fn tar_gz_with(k: &str) -> Vec<u8> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut tar = tar::Builder::new(gz);
    let entries = [
        (format!("{k}.xml"), b"<Faktura/>".to_vec()),
        ("_metadata.json".to_owned(), metadata(&[k])),
    ];
    for (name, data) in entries {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        tar.append_data(&mut header, name, data.as_slice()).unwrap();
    }
    tar.into_inner().unwrap().finish().unwrap()
}

/// Both kinds of package are unpacked while their parts arrive; a second part that stops short
/// leaves the unpacker waiting for bytes that never come — it is woken, the part's error is
/// reported and no file is left.
#[tokio::test]
async fn a_package_read_as_it_arrives_unpacks_and_a_short_part_stops_it() {
    let key = SymmetricKey::generate();
    let k = number(26);
    for compression in [CompressionType::Zip, CompressionType::TarGz] {
        let plain = match compression {
            CompressionType::TarGz => tar_gz_with(&k),
            _ => zip_with(
                &[
                    (&format!("{k}.xml"), b"<Faktura/>"),
                    ("_metadata.json", &metadata(&[&k])),
                ],
                None,
            ),
        };
        let (a, b) = plain.split_at(plain.len() / 2);
        let (ea, eb) = (key.encrypt(a), key.encrypt(b));
        let parts = vec![part(1, a, &ea), part(2, b, &eb)];
        let pkg = InvoicePackage::new(1, 1, parts, false, compression.clone());
        let limits = UnpackLimits::default();
        for short in [false, true] {
            let second = if short { eb[..16].to_vec() } else { eb.clone() };
            let client = serve(vec![ea.clone(), second]);
            let root = tempfile::tempdir().unwrap();
            let target = root.path().join("target");
            let comp = compression.clone();
            let result = download_package(&client, &pkg, &key, comp, &target, &limits, 2).await;
            let left: Vec<_> = std::fs::read_dir(&target)
                .map(|d| d.flatten().map(|e| e.file_name()).collect())
                .unwrap_or_default();
            if !short {
                let contents = result.unwrap();
                assert_eq!((contents.files.len(), contents.metadata.len()), (1, 1));
                assert_eq!(left, [std::ffi::OsString::from(format!("{k}.xml"))]);
                continue;
            }
            let err = result.unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::ExportPart {
                        ordinal: 2,
                        problem: PartProblem::EncryptedSize { .. }
                    }
                ),
                "{compression:?}: {err}"
            );
            assert!(left.is_empty(), "{compression:?}: {left:?}");
        }
    }
}

#[tokio::test]
async fn a_wrong_part_hash_names_the_part() {
    let key = SymmetricKey::generate();
    let plain = zip_with(&[("a.xml", b"x")], None);
    let (a, b) = plain.split_at(plain.len() / 2);
    let (ea, eb) = (key.encrypt(a), key.encrypt(b));
    let mut second = part(2, b, &eb);
    second.encrypted_part_hash =
        Sha256HashBase64::new_unchecked(FileDigest::of(b"other").sha256_base64());
    let client = serve(vec![ea.clone(), eb]);
    let err = run(
        &client,
        &package(vec![part(1, a, &ea), second]),
        &key,
        &UnpackLimits::default(),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(
            err,
            Error::ExportPart {
                ordinal: 2,
                problem: PartProblem::EncryptedHash { .. }
            }
        ),
        "{err}"
    );
    // A wrong *plain* hash (the server has been seen to send those) is caught after decryption.
    let mut first = part(1, a, &ea);
    first.part_hash = Sha256HashBase64::new_unchecked(FileDigest::of(b"other").sha256_base64());
    let client = serve(vec![ea.clone(), key.encrypt(b)]);
    let err = run(
        &client,
        &package(vec![first, part(2, b, &key.encrypt(b))]),
        &key,
        &UnpackLimits::default(),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(
            err,
            Error::ExportPart {
                ordinal: 1,
                problem: PartProblem::PlainHash { .. }
            }
        ),
        "{err}"
    );
}

#[tokio::test]
async fn a_truncated_part_is_detected() {
    let key = SymmetricKey::generate();
    let plain = zip_with(&[("a.xml", b"x")], None);
    let encrypted = key.encrypt(&plain);
    let announced = part(1, &plain, &encrypted);
    let client = serve(vec![encrypted[..encrypted.len() - 16].to_vec()]);
    let err = run(
        &client,
        &package(vec![announced]),
        &key,
        &UnpackLimits::default(),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(
            err,
            Error::ExportPart {
                ordinal: 1,
                problem: PartProblem::EncryptedSize { .. }
            }
        ),
        "{err}"
    );
}

#[tokio::test]
async fn bad_padding_is_a_decryption_error() {
    let key = SymmetricKey::generate();
    let other = SymmetricKey::generate();
    let plain = zip_with(&[("a.xml", b"x")], None);
    // Encrypted with another key: sizes and the encrypted hash match what is announced, but
    // decryption with the export key fails on the padding.
    let encrypted = other.encrypt(&plain);
    let client = serve(vec![encrypted.clone()]);
    let err = run(
        &client,
        &package(vec![part(1, &plain, &encrypted)]),
        &key,
        &UnpackLimits::default(),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(
            err,
            Error::ExportPart {
                ordinal: 1,
                problem: PartProblem::Decrypt(_)
                    | PartProblem::PlainHash { .. }
                    | PartProblem::PlainSize { .. }
            }
        ),
        "{err}"
    );
}

/// Issue 14: a part announced with a negative size is a named problem of that part, found
/// before anything is downloaded.
#[tokio::test]
async fn a_negative_announced_size_names_the_part() {
    let key = SymmetricKey::generate();
    let (client, mut pkg) = one_part(b"<Faktura/>", &key);
    if let Some(p) = pkg.parts.first_mut() {
        p.part_size = -1;
    }
    let err = run(&client, &pkg, &key, &UnpackLimits::default())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::ExportPart {
                ordinal: 1,
                problem: PartProblem::NegativeSize(-1)
            }
        ),
        "{err:?}"
    );
}
