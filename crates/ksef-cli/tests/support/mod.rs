//! Shared set-up of the CLI tests: an emulator in this process, a test person in it, and the
//! `ksef` binary pointed at it with a clean environment.
#![allow(dead_code, unreachable_pub)]

use std::process::{Command, Output};

use ksef::crypto::identifiers::generate::{random_nip, random_pesel};
use ksef::model::{Nip, PersonCreateRequest, Pesel};
use serde_json::Value;

/// A running emulator with one test person (PESEL + company NIP).
pub struct TestEnv {
    /// The runtime the emulator runs on.
    pub rt: tokio::runtime::Runtime,
    /// The emulator.
    pub emulator: ksef_emulator::Emulator,
    /// The API root.
    pub base_url: String,
    /// The company NIP (the context).
    pub nip: String,
    /// The person's PESEL (the TEST certificate's identity).
    pub pesel: String,
    /// A home directory without any configuration.
    pub home: tempfile::TempDir,
}

impl TestEnv {
    /// Starts the emulator and creates the test person.
    pub fn start() -> Self {
        Self::start_with(ksef_emulator::EmulatorConfig::default())
    }

    /// Starts the emulator with `config` and creates the test person.
    pub fn start_with(config: ksef_emulator::EmulatorConfig) -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let emulator = rt.block_on(ksef_emulator::Emulator::start(config)).unwrap();
        let base_url = emulator.base_url();
        let mut rng = rand::thread_rng();
        let nip = random_nip(&mut rng).as_str().to_owned();
        let pesel = random_pesel(&mut rng).as_str().to_owned();
        rt.block_on(async {
            let client = ksef::Client::builder()
                .base_url(base_url.clone())
                .build()
                .unwrap();
            client
                .testdata()
                .create_person(PersonCreateRequest::new(
                    Nip::new(nip.as_str()).unwrap(),
                    Pesel::new(pesel.as_str()).unwrap(),
                    false,
                    "cli test".into(),
                ))
                .send()
                .await
                .unwrap();
        });
        Self {
            rt,
            emulator,
            base_url,
            nip,
            pesel,
            home: tempfile::tempdir().unwrap(),
        }
    }

    /// Logs in through the facade as the test person in the company's context (for set-up steps
    /// that the command under test should not do itself).
    pub async fn login(&self) -> ksef::AuthenticatedClient {
        use ksef::auth::{ContextIdentifier, XadesOptions};
        use ksef::crypto::test_certs::{PersonIdentifier, TestKeyType, person_certificate};
        let client = ksef::Client::builder()
            .base_url(self.base_url.clone())
            .build()
            .unwrap();
        let id = PersonIdentifier::Pesel(self.pesel.clone());
        let certificate = person_certificate("Jan", "Testowy", &id, TestKeyType::P256).unwrap();
        let context = ContextIdentifier::Nip(self.nip.clone());
        client
            .login_xades(&certificate, context, &XadesOptions::default())
            .await
            .unwrap()
    }

    /// `ksef` with a clean environment (no KSEF_* variables, an empty home) — not logged in.
    pub fn bare(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ksef"));
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("KSEF_") {
                cmd.env_remove(key);
            }
        }
        cmd.env("HOME", self.home.path())
            .env_remove("XDG_CONFIG_HOME")
            .env("KSEF_BASE_URL", &self.base_url);
        cmd
    }

    /// `ksef` pointed at the emulator, logging in as the test person in the company's context.
    pub fn ksef(&self) -> Command {
        let mut cmd = self.bare();
        cmd.env("KSEF_NIP", &self.nip)
            .env("KSEF_TEST_CERT", format!("pesel:{}", self.pesel));
        cmd
    }

    /// Runs `ksef --output json ARGS` and returns the JSON document (asserting success).
    pub fn json(&self, args: &[&str]) -> Value {
        let output = self
            .ksef()
            .arg("--output")
            .arg("json")
            .args(args)
            .output()
            .unwrap();
        assert_success(&output, args);
        serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
            panic!(
                "ksef {args:?}: stdout is not one JSON document ({e}): {}",
                String::from_utf8_lossy(&output.stdout)
            )
        })
    }
}

/// Asserts that `output` succeeded, showing stderr otherwise.
pub fn assert_success(output: &Output, args: &[&str]) {
    assert!(
        output.status.success(),
        "ksef {args:?} failed ({:?}):\nstdout: {}\nstderr: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The fixture invoice with `nip` as the seller and `number` as the invoice number.
pub fn invoice(nip: &str, number: &str) -> String {
    let template = include_str!("../../../../fixtures/invoices/fa3-basic.xml");
    let xml = template.replacen("<NIP>5265877635</NIP>", &format!("<NIP>{nip}</NIP>"), 1);
    let start = xml.find("<P_2>").map(|i| i + 5).unwrap();
    let end = start + xml[start..].find("</P_2>").unwrap();
    format!("{}{number}{}", &xml[..start], &xml[end..])
}
