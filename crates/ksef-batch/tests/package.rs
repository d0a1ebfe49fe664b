//! Package building: round trips through decryption and unpacking, limits, bad input.

use std::io::Read;

use ksef_batch::{
    BatchError, BatchLimits, Compression, InvoiceProblem, InvoiceSource, PackageBuilder,
};
use ksef_crypto::symmetric::{FileDigest, SymmetricKey};

fn invoice(n: usize) -> Vec<u8> {
    format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Faktura><P_2>FV/{n}</P_2><Opis>{}</Opis></Faktura>", "ż".repeat(n * 7)).into_bytes()
}

fn decrypt_all(package: &ksef_batch::PreparedPackage, key: &SymmetricKey) -> Vec<u8> {
    let mut whole = Vec::new();
    for part in package.parts() {
        let encrypted = std::fs::read(&part.path).unwrap();
        assert_eq!(
            FileDigest::of(&encrypted),
            part.encrypted,
            "encrypted digest of part {}",
            part.ordinal
        );
        let plain = key.decrypt(&encrypted).unwrap();
        assert_eq!(FileDigest::of(&plain), part.plain);
        whole.extend_from_slice(&plain);
    }
    whole
}

#[test]
fn zip_round_trip_over_many_parts() {
    let key = SymmetricKey::generate();
    let invoices: Vec<InvoiceSource> = (1..=20)
        .map(|n| InvoiceSource::from_bytes(format!("dir/FV-{n}.xml"), invoice(n)))
        .collect();
    let limits = BatchLimits {
        part_size: 500,
        ..BatchLimits::default()
    };
    let package = PackageBuilder::new()
        .extend(invoices)
        .limits(limits)
        .build(&key)
        .unwrap();
    assert!(
        package.parts().len() >= 3,
        "{} parts",
        package.parts().len()
    );
    assert!(
        package
            .parts()
            .iter()
            .rev()
            .skip(1)
            .all(|p| p.plain.size == 500),
        "every part but the last is full"
    );
    let whole = decrypt_all(&package, &key);
    assert_eq!(FileDigest::of(&whole), package.package_digest());

    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(whole)).unwrap();
    assert_eq!(archive.len(), 20);
    for n in 1..=20 {
        let mut entry = archive.by_name(&format!("dir/FV-{n}.xml")).unwrap();
        let mut content = Vec::new();
        entry.read_to_end(&mut content).unwrap();
        assert_eq!(content, invoice(n));
        let recorded = package
            .invoice_by_hash(&ksef_crypto::symmetric::sha256_base64(&content))
            .unwrap();
        assert_eq!(recorded.name, format!("dir/FV-{n}.xml"));
    }

    let info = package.batch_file_info();
    assert_eq!(info.file_size as u64, package.package_digest().size);
    assert_eq!(
        info.file_hash.as_str(),
        package.package_digest().sha256_base64()
    );
    assert_eq!(info.file_parts.len(), package.parts().len());
    assert_eq!(info.file_parts[0].ordinal_number, 1);
    assert_eq!(
        info.file_parts[0].file_size as u64,
        package.parts()[0].encrypted.size
    );
    assert!(
        info.compression_type.is_none(),
        "ZIP is the default and is omitted"
    );
}

#[test]
fn tar_gz_round_trip() {
    let key = SymmetricKey::generate();
    let invoices: Vec<InvoiceSource> = (1..=5)
        .map(|n| InvoiceSource::from_bytes(format!("FV-{n}.xml"), invoice(n)))
        .collect();
    let package = PackageBuilder::new()
        .extend(invoices)
        .compression(Compression::TarGz)
        .limits(BatchLimits {
            part_size: 300,
            ..BatchLimits::default()
        })
        .build(&key)
        .unwrap();
    let whole = decrypt_all(&package, &key);
    assert_eq!(&whole[..2], &[0x1F, 0x8B], "gzip magic");
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(&whole[..]));
    let mut names = Vec::new();
    for entry in tar.entries().unwrap() {
        let mut entry = entry.unwrap();
        let name = entry.path().unwrap().to_string_lossy().into_owned();
        let mut content = Vec::new();
        entry.read_to_end(&mut content).unwrap();
        let n: usize = name
            .trim_start_matches("FV-")
            .trim_end_matches(".xml")
            .parse()
            .unwrap();
        assert_eq!(content, invoice(n));
        names.push(name);
    }
    assert_eq!(names.len(), 5);
    assert_eq!(
        package.batch_file_info().compression_type,
        Some(ksef_model::CompressionType::TarGz)
    );
}

#[test]
fn tar_names_must_fit_ustar() {
    let name = format!("{}/{}.xml", "a".repeat(160), "b".repeat(10));
    let err = PackageBuilder::new()
        .invoice(InvoiceSource::from_bytes(name, invoice(1)))
        .compression(Compression::TarGz)
        .build(&SymmetricKey::generate())
        .unwrap_err();
    assert!(matches!(err, BatchError::InvalidName { .. }), "{err}");
}

fn build(
    invoices: Vec<InvoiceSource>,
    limits: BatchLimits,
) -> Result<ksef_batch::PreparedPackage, BatchError> {
    PackageBuilder::new()
        .extend(invoices)
        .limits(limits)
        .build(&SymmetricKey::generate())
}

#[test]
fn bad_input_is_refused_before_anything_is_sent() {
    let ok = || InvoiceSource::from_bytes("a.xml", invoice(1));
    assert!(matches!(
        build(vec![], BatchLimits::default()),
        Err(BatchError::Empty)
    ));
    let many: Vec<_> = (0..4)
        .map(|n| InvoiceSource::from_bytes(format!("{n}.xml"), invoice(n)))
        .collect();
    assert!(matches!(
        build(
            many,
            BatchLimits {
                max_invoices: 3,
                ..BatchLimits::default()
            }
        ),
        Err(BatchError::TooManyInvoices { count: 4, limit: 3 })
    ));
    assert!(matches!(
        build(vec![ok(), ok()], BatchLimits::default()),
        Err(BatchError::DuplicateName(_))
    ));
    for bad in ["../x.xml", "/abs.xml", "a//b.xml", "c:\\x.xml"] {
        assert!(
            matches!(
                build(
                    vec![InvoiceSource::from_bytes(bad, invoice(1))],
                    BatchLimits::default()
                ),
                Err(BatchError::InvalidName { .. })
            ),
            "{bad}"
        );
    }
    type Check = fn(&InvoiceProblem) -> bool;
    let cases: [(&[u8], Check); 4] = [
        (b"\xEF\xBB\xBF<a/>", |p| *p == InvoiceProblem::Bom),
        (b"<a>\xC3</a>", |p| matches!(p, InvoiceProblem::NotUtf8(_))),
        (b"not xml at all", |p| {
            matches!(p, InvoiceProblem::NotXml(_))
        }),
        (b"", |p| *p == InvoiceProblem::Empty),
    ];
    for (bytes, expected) in cases {
        match build(
            vec![ok(), InvoiceSource::from_bytes("bad.xml", bytes.to_vec())],
            BatchLimits::default(),
        ) {
            Err(BatchError::InvalidInvoice { name, reason }) => {
                assert_eq!(name, "bad.xml");
                assert!(expected(&reason), "{reason}");
            }
            other => panic!("expected InvalidInvoice, got {other:?}"),
        }
    }
    let big = format!("<a>{}</a>", "x".repeat(1_000_001));
    assert!(matches!(
        build(
            vec![InvoiceSource::from_bytes("big.xml", big)],
            BatchLimits::default()
        ),
        Err(BatchError::InvalidInvoice {
            reason: InvoiceProblem::TooLarge { .. },
            ..
        })
    ));
    assert!(matches!(
        build(
            vec![InvoiceSource::from_file("/definitely/missing/invoice.xml")],
            BatchLimits::default()
        ),
        Err(BatchError::ReadInvoice { .. })
    ));
    let parts = BatchLimits {
        part_size: 100,
        max_parts: 2,
        ..BatchLimits::default()
    };
    let many: Vec<_> = (1..=10)
        .map(|n| InvoiceSource::from_bytes(format!("{n}.xml"), invoice(n)))
        .collect();
    assert!(matches!(
        build(many, parts),
        Err(BatchError::TooManyParts { max_parts: 2, .. })
    ));
}

#[test]
fn spool_is_removed_on_drop_and_kept_on_request() {
    let key = SymmetricKey::generate();
    let package = PackageBuilder::new()
        .invoice(InvoiceSource::from_bytes("a.xml", invoice(1)))
        .build(&key)
        .unwrap();
    let dir = package.dir().to_path_buf();
    assert!(dir.exists());
    drop(package);
    assert!(!dir.exists());

    let mut package = PackageBuilder::new()
        .invoice(InvoiceSource::from_bytes("a.xml", invoice(1)))
        .build(&key)
        .unwrap();
    let kept = package.keep();
    let (digest, parts, invoices) = (
        package.package_digest(),
        package.parts().to_vec(),
        package.invoices().to_vec(),
    );
    drop(package);
    assert!(kept.exists());
    let reopened = ksef_batch::PreparedPackage::reopen(
        kept.clone(),
        Compression::Zip,
        digest,
        parts.clone(),
        invoices.clone(),
    )
    .unwrap();
    assert_eq!(reopened.parts(), &parts[..]);
    // A changed part is detected.
    std::fs::write(&parts[0].path, b"tampered").unwrap();
    drop(reopened);
    assert!(matches!(
        ksef_batch::PreparedPackage::reopen(
            kept.clone(),
            Compression::Zip,
            digest,
            parts,
            invoices
        ),
        Err(BatchError::PartChanged { ordinal: 1, .. })
    ));
    std::fs::remove_dir_all(kept).unwrap();
}

#[test]
fn zip_entries_compressed_in_parallel_stay_in_order() {
    use std::sync::{Arc, Mutex};
    #[derive(Default)]
    struct Seen(Mutex<Vec<usize>>);
    impl ksef_batch::Progress for Seen {
        fn prepared(&self, done: usize, _total: usize, _bytes: u64) {
            self.0.lock().unwrap().push(done);
        }
    }
    let key = SymmetricKey::generate();
    let count = 300;
    for threads in [1, 4] {
        let seen = Arc::new(Seen::default());
        let package = PackageBuilder::new()
            .extend((0..count).map(|n| InvoiceSource::from_bytes(format!("{n}.xml"), invoice(n))))
            .threads(threads)
            .progress(seen.clone())
            .build(&key)
            .unwrap();
        assert_eq!(*seen.0.lock().unwrap(), (1..=count).collect::<Vec<_>>());
        let whole = decrypt_all(&package, &key);
        // Sizes and CRC are in the local headers (no data descriptor, general flag bit 3).
        assert_eq!(&whole[..4], b"PK\x03\x04");
        assert_eq!(u16::from_le_bytes([whole[6], whole[7]]) & 0x08, 0);
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(whole)).unwrap();
        assert_eq!(archive.len(), count);
        for n in 0..count {
            let mut entry = archive.by_index(n).unwrap();
            assert_eq!(entry.name().unwrap(), format!("{n}.xml"));
            assert_eq!(entry.compression(), zip::CompressionMethod::Deflated);
            let mut content = Vec::new();
            entry.read_to_end(&mut content).unwrap();
            assert_eq!(content, invoice(n));
            assert_eq!(package.invoices()[n].name, format!("{n}.xml"));
        }

        // The first bad invoice in package order is the one reported, whichever thread saw it.
        let mut invoices: Vec<_> = (0..count)
            .map(|n| InvoiceSource::from_bytes(format!("{n}.xml"), invoice(n)))
            .collect();
        invoices[150] = InvoiceSource::from_bytes("150.xml", b"<a>".to_vec());
        invoices[151] = InvoiceSource::from_bytes("151.xml", b"".to_vec());
        match PackageBuilder::new()
            .extend(invoices)
            .threads(threads)
            .build(&key)
        {
            Err(BatchError::InvalidInvoice { name, .. }) => assert_eq!(name, "150.xml"),
            other => panic!("expected InvalidInvoice, got {other:?}"),
        }
    }
}
