//! Load test: 10,000 invoices through online sessions of an in-process emulator with request
//! limits off, over plain HTTP with real encryption. Prints invoices per second and the
//! process's peak resident memory.
//!
//! Run with `cargo bench -p ksef-emulator --bench online_load`. Settings (environment):
//! `LOAD_INVOICES` (default 10000), `LOAD_SESSIONS` (default 4), `LOAD_CONCURRENCY` (requests in
//! flight, default 32).
#![allow(clippy::print_stdout, missing_docs)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ksef_crypto::public_key::{KeyUsage, PublicKeyCertificate};
use ksef_crypto::symmetric::SymmetricKey;
use ksef_crypto::test_certs::{PersonIdentifier, TestKeyType, person_certificate};
use ksef_crypto::xades::{
    AuthTokenRequest, ContextIdentifier, SignOptions, SubjectIdentifierType, sign_auth_request,
};
use ksef_emulator::{Emulator, EmulatorConfig, RateLimitMode};
use serde_json::{Value, json};

type Failure = Box<dyn std::error::Error + Send + Sync>;

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn sha(bytes: &[u8]) -> String {
    ksef_crypto::symmetric::sha256_base64(bytes)
}

fn invoice(seller: &str, number: &str, date: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Faktura xmlns="http://crd.gov.pl/wzor/2025/06/25/13775/">
  <Naglowek>
    <KodFormularza kodSystemowy="FA (3)" wersjaSchemy="1-0E">FA</KodFormularza>
    <WariantFormularza>3</WariantFormularza>
    <DataWytworzeniaFa>{date}T08:00:00Z</DataWytworzeniaFa>
    <SystemInfo>ksef-rs load test</SystemInfo>
  </Naglowek>
  <Podmiot1>
    <DaneIdentyfikacyjne><NIP>{seller}</NIP><Nazwa>Sprzedawca</Nazwa></DaneIdentyfikacyjne>
    <Adres><KodKraju>PL</KodKraju><AdresL1>ul. Testowa 1, 00-001 Warszawa</AdresL1></Adres>
  </Podmiot1>
  <Podmiot2>
    <DaneIdentyfikacyjne><NIP>7010002139</NIP><Nazwa>Nabywca</Nazwa></DaneIdentyfikacyjne>
    <Adres><KodKraju>PL</KodKraju><AdresL1>ul. Kupiecka 2, 30-001 Kraków</AdresL1></Adres>
    <JST>2</JST>
    <GV>2</GV>
  </Podmiot2>
  <Fa>
    <KodWaluty>PLN</KodWaluty>
    <P_1>{date}</P_1>
    <P_2>{number}</P_2>
    <P_13_1>100.00</P_13_1>
    <P_14_1>23.00</P_14_1>
    <P_15>123.00</P_15>
    <Adnotacje>
      <P_16>2</P_16><P_17>2</P_17><P_18>2</P_18><P_18A>2</P_18A>
      <Zwolnienie><P_19N>1</P_19N></Zwolnienie>
      <NoweSrodkiTransportu><P_22N>1</P_22N></NoweSrodkiTransportu>
      <P_23>2</P_23>
      <PMarzy><P_PMarzyN>1</P_PMarzyN></PMarzy>
    </Adnotacje>
    <RodzajFaktury>VAT</RodzajFaktury>
    <FaWiersz>
      <NrWierszaFa>1</NrWierszaFa><P_7>Usługa</P_7><P_8A>szt.</P_8A><P_8B>1</P_8B>
      <P_9A>100.00</P_9A><P_11>100.00</P_11><P_12>23</P_12>
    </FaWiersz>
  </Fa>
</Faktura>"#
    )
}

struct Client {
    http: reqwest::Client,
    base: String,
}

impl Client {
    async fn json(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Result<(u16, Value), Failure> {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = req.send().await?;
        let status = resp.status().as_u16();
        let text = resp.text().await?;
        let value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Ok((status, value))
    }

    async fn login(&self, nip: &str) -> Result<String, Failure> {
        let (_, challenge) = self
            .json(reqwest::Method::POST, "/auth/challenge", None, None)
            .await?;
        let value = challenge["challenge"].as_str().ok_or("no challenge")?;
        let creds = person_certificate(
            "Jan",
            "Obciążeniowy",
            &PersonIdentifier::Nip(nip.to_owned()),
            TestKeyType::P256,
        )?;
        let request = AuthTokenRequest::new(
            value,
            ContextIdentifier::Nip(nip.to_owned()),
            SubjectIdentifierType::CertificateSubject,
        );
        let xml = sign_auth_request(&request, &creds, &SignOptions::default())?;
        let resp = self
            .http
            .post(format!("{}/auth/xades-signature", self.base))
            .header("content-type", "application/xml")
            .body(xml)
            .send()
            .await?;
        let init: Value = resp.json().await?;
        let reference = init["referenceNumber"].as_str().ok_or("no reference")?;
        let op = init["authenticationToken"]["token"]
            .as_str()
            .ok_or("no operation token")?;
        loop {
            let (_, st) = self
                .json(
                    reqwest::Method::GET,
                    &format!("/auth/{reference}"),
                    Some(op),
                    None,
                )
                .await?;
            match st["status"]["code"].as_i64() {
                Some(100) => tokio::time::sleep(Duration::from_millis(10)).await,
                Some(200) => break,
                _ => return Err(format!("authentication failed: {st}").into()),
            }
        }
        let (_, tokens) = self
            .json(reqwest::Method::POST, "/auth/token/redeem", Some(op), None)
            .await?;
        Ok(tokens["accessToken"]["token"]
            .as_str()
            .ok_or("no access token")?
            .to_owned())
    }

    async fn session_certificate(&self) -> Result<PublicKeyCertificate, Failure> {
        let (_, keys) = self
            .json(
                reqwest::Method::GET,
                "/security/public-key-certificates",
                None,
                None,
            )
            .await?;
        let key = keys
            .as_array()
            .and_then(|list| {
                list.iter().find(|k| {
                    k["usage"]
                        .as_array()
                        .is_some_and(|u| u.iter().any(|x| x == "SymmetricKeyEncryption"))
                })
            })
            .ok_or("no SymmetricKeyEncryption key")?;
        Ok(PublicKeyCertificate::from_base64(
            key["certificate"].as_str().ok_or("no certificate")?,
            [KeyUsage::SymmetricKeyEncryption],
        )?)
    }
}

/// Peak resident set size of this process in kB (`VmHWM`).
fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

async fn run() -> Result<(), Failure> {
    let total = env_number("LOAD_INVOICES", 10_000);
    let sessions = env_number("LOAD_SESSIONS", 4).max(1);
    let concurrency = env_number("LOAD_CONCURRENCY", 32).max(1);
    let emulator = Emulator::start(EmulatorConfig {
        rate_limits: RateLimitMode::Off,
        auth_processing_ms: 0,
        ..EmulatorConfig::default()
    })
    .await?;
    let client = Arc::new(Client {
        http: reqwest::Client::builder()
            .pool_max_idle_per_host(concurrency)
            .build()?,
        base: emulator.base_url(),
    });
    let nip = ksef_crypto::identifiers::generate::random_nip(&mut rand::thread_rng())
        .as_str()
        .to_owned();
    let token = Arc::new(client.login(&nip).await?);
    let cert = client.session_certificate().await?;
    let today = {
        // The Warsaw date: KSeF compares the issue date with it (online, not offline).
        let d = ksef_model::rt::datetime::warsaw_today();
        format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
    };

    let mut open = Vec::new();
    for _ in 0..sessions {
        let key = SymmetricKey::generate();
        let wrapped = cert.wrap_symmetric_key(&key)?;
        let body = json!({
            "formCode": {"systemCode": "FA (3)", "schemaVersion": "1-0E", "value": "FA"},
            "encryption": {
                "encryptedSymmetricKey": wrapped.encrypted_key_b64,
                "initializationVector": wrapped.iv_b64,
                "publicKeyId": wrapped.public_key_id,
            },
        });
        let (status, r) = client
            .json(
                reqwest::Method::POST,
                "/sessions/online",
                Some(&token),
                Some(&body),
            )
            .await?;
        if status != 201 {
            return Err(format!("opening a session failed ({status}): {r}").into());
        }
        let reference = r["referenceNumber"]
            .as_str()
            .ok_or("no session reference")?
            .to_owned();
        open.push((reference, Arc::new(key)));
    }

    let started = Instant::now();
    let semaphore = Arc::new(tokio::sync::Semaphore::new(concurrency));
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..total {
        let (session, key) = open[i % sessions].clone();
        let xml =
            invoice(&nip, &format!("LOAD/{i}/{}", rand::random::<u32>()), &today).into_bytes();
        let client = client.clone();
        let token = token.clone();
        let permit = semaphore.clone().acquire_owned().await?;
        tasks.spawn(async move {
            let _permit = permit;
            let enc = key.encrypt(&xml);
            let body = json!({
                "invoiceHash": sha(&xml),
                "invoiceSize": xml.len(),
                "encryptedInvoiceHash": sha(&enc),
                "encryptedInvoiceSize": enc.len(),
                "encryptedInvoiceContent": B64.encode(&enc),
            });
            let path = format!("/sessions/online/{session}/invoices");
            let (status, r) = client
                .json(reqwest::Method::POST, &path, Some(&token), Some(&body))
                .await?;
            if status != 202 {
                return Err::<(), Failure>(format!("send failed ({status}): {r}").into());
            }
            Ok(())
        });
        while let Some(done) = tasks.try_join_next() {
            done??;
        }
    }
    while let Some(done) = tasks.join_next().await {
        done??;
    }
    let sent = started.elapsed();

    // Wait until every invoice has a final status (accepted or not).
    let mut accepted = 0u64;
    for (session, _) in &open {
        let (status, _) = client
            .json(
                reqwest::Method::POST,
                &format!("/sessions/online/{session}/close"),
                Some(&token),
                None,
            )
            .await?;
        if status != 204 {
            return Err(format!("closing {session} failed ({status})").into());
        }
    }
    for (session, _) in &open {
        loop {
            let (_, st) = client
                .json(
                    reqwest::Method::GET,
                    &format!("/sessions/{session}"),
                    Some(&token),
                    None,
                )
                .await?;
            let count = st["invoiceCount"].as_u64().unwrap_or(0);
            let ok = st["successfulInvoiceCount"].as_u64().unwrap_or(0);
            let failed = st["failedInvoiceCount"].as_u64().unwrap_or(0);
            let code = st["status"]["code"].as_i64().unwrap_or(0);
            if code != 100 && code != 170 && ok + failed >= count {
                accepted += ok;
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    let processed = started.elapsed();
    let stored = emulator.state().store().invoices.len();

    let rate = |d: Duration| total as f64 / d.as_secs_f64().max(1e-9);
    println!("online_load: {total} invoices, {sessions} sessions, {concurrency} in flight");
    println!(
        "  sent (202) in {:.2} s: {:.0} invoices/s",
        sent.as_secs_f64(),
        rate(sent)
    );
    println!(
        "  processed in {:.2} s: {:.0} invoices/s; accepted {accepted}, stored {stored}",
        processed.as_secs_f64(),
        rate(processed)
    );
    match peak_rss_kb() {
        Some(kb) => println!("  peak RSS (VmHWM): {:.1} MB", kb as f64 / 1024.0),
        None => println!("  peak RSS: unavailable (no /proc/self/status)"),
    }
    emulator.shutdown().await;
    Ok(())
}

fn main() -> Result<(), Failure> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run())
}
