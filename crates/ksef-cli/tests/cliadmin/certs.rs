//! `ksef certs` (enrollment, login with the new certificate, download, revocation) and KOD II
//! signed with an enrolled offline certificate.

#[cfg(unix)]
use crate::mode;
use crate::support::{self, TestEnv, assert_success};
use crate::{code, json_of, stderr};

#[test]
fn certs_enroll_writes_files_and_the_certificate_logs_in() {
    let env = TestEnv::start();
    let limits = env.json(&["certs", "limits"]);
    assert_eq!(limits["limits"]["canRequest"], true);
    let data = env.json(&["certs", "enrollment-data"]);
    assert!(data["enrollmentData"]["commonName"].is_string());

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("certs");
    let enrolled = env.json(&[
        "certs",
        "enroll",
        "--name",
        "cli admin cert",
        "--out",
        out.to_str().unwrap(),
        "--wait",
    ]);
    let serial = enrolled["serialNumber"].as_str().unwrap().to_owned();
    let cert = std::path::PathBuf::from(enrolled["certificateFile"].as_str().unwrap());
    let key = std::path::PathBuf::from(enrolled["keyFile"].as_str().unwrap());
    assert!(
        std::fs::read_to_string(&cert)
            .unwrap()
            .starts_with("-----BEGIN CERTIFICATE-----")
    );
    assert!(
        std::fs::read_to_string(&key)
            .unwrap()
            .contains("PRIVATE KEY")
    );
    #[cfg(unix)]
    assert_eq!(mode(&key), 0o600);
    assert_eq!(
        std::fs::read_dir(&out).unwrap().count(),
        2,
        "only the certificate and the key remain"
    );

    // The new certificate logs in.
    let output = env
        .bare()
        .env("KSEF_NIP", &env.nip)
        .env("KSEF_CERT", &cert)
        .env("KSEF_KEY", &key)
        .args(["--output", "json", "certs", "query", "--status", "active"])
        .output()
        .unwrap();
    assert_success(&output, &["certs", "query (certificate login)"]);
    let list = json_of(&output);
    assert!(
        list["certificates"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["certificateSerialNumber"] == serial.as_str()),
        "{list}"
    );

    let fetched = env.json(&[
        "certs",
        "download",
        &serial,
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    let file = fetched["files"][0].as_str().unwrap();
    assert_eq!(std::fs::read(file).unwrap(), std::fs::read(&cert).unwrap());

    let status = env.json(&[
        "certs",
        "status",
        enrolled["referenceNumber"].as_str().unwrap(),
    ]);
    assert_eq!(status["enrollment"]["status"]["code"], 200);

    let revoked = env.json(&["certs", "revoke", &serial, "--reason", "superseded"]);
    assert_eq!(revoked["revoked"], serial.as_str());
    let output = env
        .ksef()
        .args(["certs", "revoke", &serial])
        .output()
        .unwrap();
    assert_eq!(code(&output), Some(5), "revoked twice: {}", stderr(&output));
}

#[test]
fn kod2_is_signed_with_an_enrolled_offline_certificate() {
    let env = TestEnv::start();
    let dir = tempfile::tempdir().unwrap();
    let enrolled = env.json(&[
        "certs",
        "enroll",
        "--name",
        "cli offline cert",
        "--type",
        "offline",
        "--key-type",
        "rsa2048",
        "--out",
        dir.path().to_str().unwrap(),
        "--wait",
    ]);
    let cert = enrolled["certificateFile"].as_str().unwrap().to_owned();
    let key = enrolled["keyFile"].as_str().unwrap().to_owned();
    let invoice = dir.path().join("invoice.xml");
    std::fs::write(&invoice, support::invoice(&env.nip, "QR/2")).unwrap();
    let svg = dir.path().join("kod2.svg");
    let output = env
        .bare()
        .env("KSEF_NIP", &env.nip)
        .args([
            "--output", "json", "qr", "kod2", "--cert", &cert, "--key", &key, "--file",
        ])
        .arg(&invoice)
        .arg("--svg")
        .arg(&svg)
        .output()
        .unwrap();
    assert_success(&output, &["qr", "kod2"]);
    let report = json_of(&output);
    let url = report["url"].as_str().unwrap();
    assert!(
        url.contains(&format!("/certificate/Nip/{}/{}/", env.nip, env.nip)),
        "{url}"
    );
    assert_eq!(report["label"], "CERTYFIKAT");
    let link = ksef::crypto::qr::Kod2Link::parse(url).unwrap();
    let pem = std::fs::read_to_string(&cert).unwrap();
    let der = ksef::crypto::credentials::Certificate::from_pem(&pem).unwrap();
    link.verify(der.der())
        .expect("the KOD II signature verifies");
    assert!(
        std::fs::read_to_string(&svg)
            .unwrap()
            .contains("CERTYFIKAT")
    );

    // Without a certificate: a configuration error.
    let output = env
        .bare()
        .env("KSEF_NIP", &env.nip)
        .args(["qr", "kod2", "--file"])
        .arg(&invoice)
        .output()
        .unwrap();
    assert_eq!(code(&output), Some(3));
    assert!(stderr(&output).contains("--cert"), "{}", stderr(&output));
}
