//! XAdES / C14N / credential timings (prints numbers; no assertions).
#![allow(clippy::print_stdout, missing_docs)]

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use ksef_crypto::c14n::{self, C14nMethod};
use ksef_crypto::credentials::Credentials;
use ksef_crypto::xades::{
    self, AuthTokenRequest, ContextIdentifier, SignOptions, SubjectIdentifierType, VerifyOptions,
};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/crypto")
        .join(name)
}

fn time<T>(label: &str, budget: Duration, mut f: impl FnMut() -> T) {
    // Warm-up, then run until the budget is spent.
    black_box(f());
    let start = Instant::now();
    let mut n = 0u32;
    while start.elapsed() < budget {
        black_box(f());
        n += 1;
    }
    let per = start.elapsed() / n.max(1);
    println!(
        "{label:<44} {:>10.1} µs/op  ({n} runs)",
        per.as_secs_f64() * 1e6
    );
}

fn main() {
    let read = |n: &str| std::fs::read_to_string(fixture(n)).expect("fixture");
    let rsa = Credentials::from_pem(
        &read("rsa-person.crt.pem"),
        &read("rsa-person.key.pem"),
        None,
    )
    .expect("rsa");
    let ec = Credentials::from_pem(&read("ec-seal.crt.pem"), &read("ec-seal.key.pem"), None)
        .expect("ec");
    let req = AuthTokenRequest::new(
        "20250625-CR-20F5EE4000-DA48AE4124-46",
        ContextIdentifier::Nip("5265877635".into()),
        SubjectIdentifierType::CertificateSubject,
    );
    let budget = Duration::from_millis(700);
    let opts = SignOptions::default();

    let rsa_doc = xades::sign_auth_request(&req, &rsa, &opts).expect("sign");
    let ec_doc = xades::sign_auth_request(&req, &ec, &opts).expect("sign");
    let parsed = roxmltree::Document::parse(&rsa_doc).expect("parse");

    time("exc-c14n of a signed AuthTokenRequest", budget, || {
        c14n::canonicalize_document(&parsed, &C14nMethod::exclusive())
    });
    time("sign AuthTokenRequest (RSA-2048)", budget, || {
        xades::sign_auth_request(&req, &rsa, &opts).expect("sign")
    });
    time("sign AuthTokenRequest (P-256)", budget, || {
        xades::sign_auth_request(&req, &ec, &opts).expect("sign")
    });
    let vopts = VerifyOptions::default();
    time("verify AuthTokenRequest (RSA-2048)", budget, || {
        xades::verify_auth_request(&rsa_doc, &vopts).expect("verify")
    });
    time("verify AuthTokenRequest (P-256)", budget, || {
        xades::verify_auth_request(&ec_doc, &vopts).expect("verify")
    });
    let p12 = std::fs::read(fixture("rsa-person.p12")).expect("p12");
    time(
        "load PKCS#12 (OpenSSL 3 default, 2048 iter)",
        budget,
        || Credentials::from_pkcs12(&p12, "test123").expect("p12"),
    );
    time("RSA-PSS-SHA256 sign (KOD II)", budget, || {
        rsa.sign_rsa_pss_sha256(b"qr-test.ksef.mf.gov.pl/certificate/Nip/x")
            .expect("sign")
    });
    time("ECDSA-P256-SHA256 sign (KOD II)", budget, || {
        ec.sign_ecdsa_p256_sha256_raw(b"qr-test.ksef.mf.gov.pl/certificate/Nip/x")
            .expect("sign")
    });
}
