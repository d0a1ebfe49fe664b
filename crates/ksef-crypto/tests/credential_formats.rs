//! Every credential format users hold, made by the `openssl` command-line tool at test time
//! (required: these tests fail, not skip, when it is missing): PKCS#12 from OpenSSL 3 defaults
//! (PBES2/AES) and `-legacy` (3DES, RC2-40, RC2-128), several certificates in one file, encrypted
//! PKCS#8 (PBKDF2-SHA256 and -SHA1), traditional PKCS#1 and SEC1 PEM, DER, certificate chains,
//! and a certificate whose signature algorithm carries explicit NULL parameters.

use std::path::PathBuf;
use std::process::Command;

use ksef_crypto::credentials::{
    Certificate, Credentials, CredentialsError, KeyAlgorithm, SigningKey, key_from_pem,
};

const PASSWORD: &str = "Zażółć-123";

struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Self {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("credential-formats-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create scratch dir");
        Dir(dir)
    }
    fn path(&self, file: &str) -> String {
        self.0.join(file).to_string_lossy().into_owned()
    }
    fn read(&self, file: &str) -> Vec<u8> {
        std::fs::read(self.0.join(file)).expect("openssl output")
    }
    fn text(&self, file: &str) -> String {
        String::from_utf8(self.read(file)).expect("PEM text")
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn openssl(dir: &Dir, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(&dir.0)
        .output()
        .unwrap_or_else(|e| {
            panic!("this test needs the `openssl` command-line tool on PATH (apt-get install openssl): {e}")
        });
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[derive(Clone, Copy, Debug)]
enum Kind {
    Rsa,
    Ec,
}

/// A CA (`ca.key`, `ca.pem`) and a leaf key (`leaf.key`, PKCS#8 PEM) with its certificate
/// (`leaf.pem`) issued by the CA; `chain.pem` holds CA first, then the leaf.
fn make_chain(dir: &Dir, kind: Kind) {
    let genkey = |out: &str| match kind {
        Kind::Rsa => openssl(
            dir,
            &[
                "genpkey",
                "-algorithm",
                "RSA",
                "-pkeyopt",
                "rsa_keygen_bits:2048",
                "-out",
                out,
            ],
        ),
        Kind::Ec => openssl(
            dir,
            &[
                "genpkey",
                "-algorithm",
                "EC",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-out",
                out,
            ],
        ),
    };
    genkey("ca.key");
    genkey("leaf.key");
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-new",
            "-key",
            "ca.key",
            "-subj",
            "/CN=Test CA/C=PL",
            "-days",
            "2",
            "-out",
            "ca.pem",
        ],
    );
    openssl(
        dir,
        &[
            "req",
            "-new",
            "-key",
            "leaf.key",
            "-subj",
            "/CN=Jan Kowalski/C=PL",
            "-out",
            "leaf.csr",
        ],
    );
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-out",
            "leaf.pem",
        ],
    );
    let chain = format!("{}{}", dir.text("ca.pem"), dir.text("leaf.pem"));
    std::fs::write(dir.path("chain.pem"), chain).expect("write chain");
}

fn expected_algorithm(kind: Kind) -> KeyAlgorithm {
    match kind {
        Kind::Rsa => KeyAlgorithm::Rsa { bits: 2048 },
        Kind::Ec => KeyAlgorithm::EcdsaP256,
    }
}

fn assert_is_leaf(dir: &Dir, creds: &Credentials, kind: Kind, what: &str) {
    let leaf = Certificate::from_pem(&dir.text("leaf.pem")).expect("leaf certificate");
    assert_eq!(
        creds.certificate(),
        &leaf,
        "{kind:?} {what}: wrong certificate"
    );
    assert_eq!(
        creds.algorithm(),
        expected_algorithm(kind),
        "{kind:?} {what}"
    );
    // The loaded key signs something the certificate verifies.
    let reloaded = Credentials::from_pem_bundle(&creds.to_pem_bundle().unwrap(), None);
    assert!(reloaded.is_ok(), "{kind:?} {what}: re-export does not load");
}

#[test]
fn pkcs12_default_and_legacy_with_several_certificates() {
    for kind in [Kind::Rsa, Kind::Ec] {
        let dir = Dir::new(&format!("p12-{kind:?}"));
        make_chain(&dir, kind);
        let pass = format!("pass:{PASSWORD}");
        let variants: [(&str, &[&str]); 4] = [
            ("default", &[]),
            ("legacy", &["-legacy"]),
            (
                "rc2-128",
                &[
                    "-legacy",
                    "-keypbe",
                    "PBE-SHA1-RC2-128",
                    "-certpbe",
                    "PBE-SHA1-RC2-128",
                ],
            ),
            (
                "3des",
                &[
                    "-legacy",
                    "-keypbe",
                    "PBE-SHA1-3DES",
                    "-certpbe",
                    "PBE-SHA1-3DES",
                ],
            ),
        ];
        for (name, extra) in variants {
            let file = format!("{name}.p12");
            let mut args = vec![
                "pkcs12",
                "-export",
                "-inkey",
                "leaf.key",
                "-in",
                "leaf.pem",
                "-certfile",
                "ca.pem",
                "-passout",
                &pass,
                "-out",
                &file,
            ];
            args.extend_from_slice(extra);
            openssl(&dir, &args);
            let data = dir.read(&file);
            let creds = Credentials::from_pkcs12(&data, PASSWORD)
                .unwrap_or_else(|e| panic!("{kind:?} {name}: {e}"));
            assert_is_leaf(&dir, &creds, kind, name);
            assert_eq!(
                Credentials::from_pkcs12(&data, "wrong").unwrap_err(),
                CredentialsError::Pkcs12MacMismatch,
                "{kind:?} {name}"
            );
        }
    }
}

#[test]
fn encrypted_pkcs8_pbkdf2_sha256_and_sha1() {
    for kind in [Kind::Rsa, Kind::Ec] {
        let dir = Dir::new(&format!("pkcs8-{kind:?}"));
        make_chain(&dir, kind);
        let pass = format!("pass:{PASSWORD}");
        for (name, cipher, prf) in [
            ("aes256-sha256", "aes-256-cbc", "hmacWithSHA256"),
            ("aes128-sha1", "aes-128-cbc", "hmacWithSHA1"),
            ("aes192-sha512", "aes-192-cbc", "hmacWithSHA512"),
        ] {
            let file = format!("{name}.pem");
            openssl(
                &dir,
                &[
                    "pkcs8", "-topk8", "-in", "leaf.key", "-v2", cipher, "-v2prf", prf, "-passout",
                    &pass, "-out", &file,
                ],
            );
            let key_pem = dir.text(&file);
            assert!(key_pem.contains("ENCRYPTED PRIVATE KEY"));
            let creds = Credentials::from_pem(&dir.text("chain.pem"), &key_pem, Some(PASSWORD))
                .unwrap_or_else(|e| panic!("{kind:?} {name}: {e}"));
            assert_is_leaf(&dir, &creds, kind, name);
            assert_eq!(
                key_from_pem(&key_pem, Some("wrong")).unwrap_err(),
                CredentialsError::DecryptionFailed,
                "{kind:?} {name}"
            );
            assert_eq!(
                key_from_pem(&key_pem, None).unwrap_err(),
                CredentialsError::PasswordRequired
            );
        }
        // The PKCS#12 PBE schemes inside PKCS#8 (`openssl pkcs8 -v1`).
        openssl(
            &dir,
            &[
                "pkcs8",
                "-topk8",
                "-in",
                "leaf.key",
                "-v1",
                "PBE-SHA1-3DES",
                "-passout",
                &pass,
                "-out",
                "v1.pem",
            ],
        );
        let key = key_from_pem(&dir.text("v1.pem"), Some(PASSWORD)).expect("PBE-SHA1-3DES");
        assert_eq!(key.algorithm(), expected_algorithm(kind));
        assert_eq!(
            key_from_pem(&dir.text("v1.pem"), Some("wrong")).unwrap_err(),
            CredentialsError::DecryptionFailed
        );
    }
}

#[test]
fn traditional_pem_der_and_chains() {
    for kind in [Kind::Rsa, Kind::Ec] {
        let dir = Dir::new(&format!("plain-{kind:?}"));
        make_chain(&dir, kind);
        // `openssl ec` writes SEC1 by default; `openssl rsa` needs `-traditional` for PKCS#1.
        let (tool, flags, label): (&str, &[&str], &str) = match kind {
            Kind::Rsa => ("rsa", &["-traditional"], "RSA PRIVATE KEY"),
            Kind::Ec => ("ec", &[], "EC PRIVATE KEY"),
        };
        let run = |out: &[&str]| {
            let mut args = vec![tool, "-in", "leaf.key"];
            args.extend_from_slice(flags);
            args.extend_from_slice(out);
            openssl(&dir, &args);
        };
        run(&["-out", "traditional.pem"]);
        let traditional = dir.text("traditional.pem");
        assert!(traditional.contains(label), "{traditional}");
        let creds = Credentials::from_pem(&dir.text("chain.pem"), &traditional, None)
            .unwrap_or_else(|e| panic!("{kind:?} traditional: {e}"));
        assert_is_leaf(&dir, &creds, kind, "traditional");

        // One file: chain and key together, the CA first.
        let bundle = format!("{}{}", dir.text("chain.pem"), dir.text("leaf.key"));
        let creds = Credentials::from_pem_bundle(&bundle, None).expect("bundle");
        assert_is_leaf(&dir, &creds, kind, "bundle");

        // DER: PKCS#8 and the traditional form.
        openssl(
            &dir,
            &[
                "pkcs8", "-topk8", "-nocrypt", "-in", "leaf.key", "-outform", "DER", "-out",
                "k8.der",
            ],
        );
        run(&["-outform", "DER", "-out", "trad.der"]);
        openssl(
            &dir,
            &[
                "x509", "-in", "leaf.pem", "-outform", "DER", "-out", "leaf.der",
            ],
        );
        for key_file in ["k8.der", "trad.der"] {
            let creds = Credentials::from_der(&dir.read("leaf.der"), &dir.read(key_file))
                .unwrap_or_else(|e| panic!("{kind:?} {key_file}: {e}"));
            assert_is_leaf(&dir, &creds, kind, key_file);
        }
        // The CA certificate with the leaf key is a typed mismatch.
        assert_eq!(
            Credentials::from_pem(&dir.text("ca.pem"), &dir.text("leaf.key"), None).unwrap_err(),
            CredentialsError::KeyCertificateMismatch
        );
    }
}

/// Re-encodes `leaf.pem` so that both signature `AlgorithmIdentifier`s carry explicit NULL
/// parameters (as MF-issued KSeF test certificates do, also for ECDSA), re-signed by the CA.
fn with_explicit_null(dir: &Dir, ca_key: &SigningKey) -> Vec<u8> {
    use der::{Decode, Encode};
    let leaf = Certificate::from_pem(&dir.text("leaf.pem")).expect("leaf");
    let mut cert = x509_cert::Certificate::from_der(leaf.der()).expect("decode");
    let null = Some(der::Any::null());
    cert.signature_algorithm.parameters = null.clone();
    cert.tbs_certificate.signature.parameters = null;
    let tbs = cert.tbs_certificate.to_der().expect("tbs");
    let signature = match ca_key.algorithm() {
        KeyAlgorithm::Rsa { .. } => ca_key.sign_rsa_pkcs1_sha256(&tbs),
        KeyAlgorithm::EcdsaP256 => ca_key.sign_ecdsa_p256_sha256_der(&tbs),
    }
    .expect("sign");
    cert.signature = der::asn1::BitString::from_bytes(&signature).expect("bit string");
    cert.to_der().expect("encode")
}

#[test]
fn certificate_with_explicit_null_signature_parameters_loads() {
    for kind in [Kind::Rsa, Kind::Ec] {
        let dir = Dir::new(&format!("null-{kind:?}"));
        make_chain(&dir, kind);
        let ca_key = key_from_pem(&dir.text("ca.key"), None).expect("CA key");
        let der_cert = with_explicit_null(&dir, &ca_key);
        std::fs::write(dir.path("null.der"), &der_cert).expect("write");
        // OpenSSL agrees the re-encoded certificate is intact and signed by the CA.
        openssl(
            &dir,
            &[
                "x509", "-inform", "DER", "-in", "null.der", "-out", "null.pem",
            ],
        );
        openssl(&dir, &["verify", "-CAfile", "ca.pem", "null.pem"]);
        let key = key_from_pem(&dir.text("leaf.key"), None).expect("leaf key");
        let creds = Credentials::new(key, Certificate::from_der(&der_cert).expect("loads"))
            .expect("credentials");
        assert_eq!(creds.algorithm(), expected_algorithm(kind));
        let creds = Credentials::from_pem(&dir.text("null.pem"), &dir.text("leaf.key"), None)
            .expect("from PEM");
        assert_eq!(creds.certificate().der(), der_cert.as_slice());
    }
}

#[test]
fn pkcs12_password_with_spaces_and_polish_letters() {
    let dir = Dir::new("password");
    make_chain(&dir, Kind::Ec);
    let pass = "pass:z ź ż ó";
    openssl(
        &dir,
        &[
            "pkcs12", "-export", "-inkey", "leaf.key", "-in", "leaf.pem", "-passout", pass, "-out",
            "p.p12",
        ],
    );
    let creds = Credentials::from_pkcs12(&dir.read("p.p12"), "z ź ż ó").expect("loads");
    assert_is_leaf(&dir, &creds, Kind::Ec, "spaces");
}
