//! Cross-checks against the `openssl` command-line tool (required: these tests fail, not skip,
//! when it is missing).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ksef_crypto::public_key::{KeyUsage, PublicKeyCertificate, RsaDecryptionKey};
use ksef_crypto::symmetric::{SymmetricKey, sha256_base64};

/// Runs `openssl` with `args`, feeding `stdin`, and returns stdout; panics with a clear message
/// when the tool is missing or fails.
fn openssl(args: &[&str], stdin: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut child = Command::new("openssl")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("this test needs the `openssl` command-line tool on PATH (apt-get install openssl): {e}")
        });
    let mut input = child.stdin.take().expect("stdin");
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || input.write_all(&data));
    let out = child.wait_with_output().expect("wait for openssl");
    writer
        .join()
        .expect("stdin thread")
        .expect("write to openssl");
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("ksef-crypto-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create temp dir");
        Self(dir)
    }
    fn path(&self, file: &str) -> String {
        self.0.join(file).to_string_lossy().into_owned()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn data(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 + i / 7) as u8).collect()
}

#[test]
fn aes_cbc_matches_openssl_both_ways() {
    let key = SymmetricKey::generate();
    let (k, iv) = (hex(key.key_bytes()), hex(key.iv()));
    for len in [0usize, 1, 15, 16, 17, 4096, 1_000_003] {
        let plain = data(len);
        let ours = key.encrypt(&plain);
        let theirs = openssl(&["enc", "-aes-256-cbc", "-e", "-K", &k, "-iv", &iv], &plain);
        assert_eq!(ours, theirs, "ciphertexts differ for {len} bytes");
        let decrypted_by_openssl =
            openssl(&["enc", "-aes-256-cbc", "-d", "-K", &k, "-iv", &iv], &ours);
        assert_eq!(
            decrypted_by_openssl, plain,
            "openssl could not decrypt ours ({len} B)"
        );
        assert_eq!(
            key.decrypt(&theirs).unwrap(),
            plain,
            "we could not decrypt openssl's ({len} B)"
        );
    }
}

fn make_rsa_cert(dir: &TempDir) -> (String, Vec<u8>) {
    let key = dir.path("key.pem");
    let cert = dir.path("cert.der");
    openssl(
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            &key,
            "-out",
            &cert,
            "-outform",
            "DER",
            "-subj",
            "/CN=KSeF test key",
            "-days",
            "30",
        ],
        b"",
    );
    (key, std::fs::read(&cert).expect("read cert"))
}

#[test]
fn rsa_oaep_wrap_interoperates_with_openssl() {
    let dir = TempDir::new("oaep");
    let (key_path, cert_der) = make_rsa_cert(&dir);
    let cert =
        PublicKeyCertificate::from_der(&cert_der, [KeyUsage::SymmetricKeyEncryption]).unwrap();

    // Identifiers agree with openssl's view of the certificate.
    let spki_pem = openssl(&["x509", "-inform", "DER", "-pubkey", "-noout"], &cert_der);
    let spki_der = openssl(&["pkey", "-pubin", "-outform", "DER"], &spki_pem);
    assert_eq!(cert.public_key_id(), sha256_base64(&spki_der));
    assert_eq!(cert.certificate_id(), sha256_base64(&cert_der));
    assert_eq!(cert.public_key_id().len(), 44);

    // Ours → openssl.
    let sym = SymmetricKey::generate();
    let wrapped = cert.wrap_symmetric_key(&sym).unwrap();
    assert_eq!(wrapped.public_key_id, cert.public_key_id());
    assert_eq!(B64.decode(&wrapped.iv_b64).unwrap(), sym.iv());
    let ct = B64.decode(&wrapped.encrypted_key_b64).unwrap();
    assert_eq!(ct.len(), 256);
    let oaep = [
        "-pkeyopt",
        "rsa_padding_mode:oaep",
        "-pkeyopt",
        "rsa_oaep_md:sha256",
        "-pkeyopt",
        "rsa_mgf1_md:sha256",
    ];
    let mut args = vec!["pkeyutl", "-decrypt", "-inkey", key_path.as_str()];
    args.extend(oaep);
    assert_eq!(openssl(&args, &ct), sym.key_bytes());

    // openssl → ours (emulator side), and the token format.
    let private = RsaDecryptionKey::from_pem_or_der(&std::fs::read(&key_path).unwrap()).unwrap();
    assert_eq!(private.public_key_id().unwrap(), cert.public_key_id());
    let pub_path = dir.path("pub.pem");
    std::fs::write(&pub_path, &spki_pem).unwrap();
    let mut args = vec!["pkeyutl", "-encrypt", "-pubin", "-inkey", pub_path.as_str()];
    args.extend(oaep);
    let ct = openssl(&args, b"TOKEN|with|bars|1760000000999");
    let token = private.decrypt_ksef_token(&B64.encode(ct)).unwrap();
    assert_eq!(token.token(), "TOKEN|with|bars");
    assert_eq!(token.timestamp_ms(), 1_760_000_000_999);

    // Our token encryption decrypts with openssl.
    let enc = cert.encrypt_ksef_token("abc|def", 42).unwrap();
    let mut args = vec!["pkeyutl", "-decrypt", "-inkey", key_path.as_str()];
    args.extend(oaep);
    assert_eq!(
        openssl(&args, &B64.decode(enc.encrypted_token_b64).unwrap()),
        b"abc|def|42"
    );
}

#[test]
fn recertified_key_keeps_public_key_id() {
    let dir = TempDir::new("recert");
    let (key_path, first) = make_rsa_cert(&dir);
    let second_path = dir.path("cert2.der");
    openssl(
        &[
            "req",
            "-x509",
            "-new",
            "-key",
            &key_path,
            "-out",
            &second_path,
            "-outform",
            "DER",
            "-subj",
            "/CN=KSeF test key (renewed)",
            "-days",
            "60",
        ],
        b"",
    );
    let second = std::fs::read(Path::new(&second_path)).unwrap();
    let a = PublicKeyCertificate::from_der(&first, [KeyUsage::KsefTokenEncryption]).unwrap();
    let b = PublicKeyCertificate::from_der(&second, [KeyUsage::KsefTokenEncryption]).unwrap();
    assert_eq!(a.public_key_id(), b.public_key_id());
    assert_ne!(a.certificate_id(), b.certificate_id());
    assert_eq!(a.public_key(), b.public_key());
}
