//! Helpers shared by the emulator's integration tests: an HTTP client for one emulator, logins
//! (XAdES with a self-signed test certificate, KSeF token) and response-schema validation.
#![allow(dead_code, unreachable_pub)]

pub mod malformed;
pub mod schema;
pub mod seed;

use ksef_crypto::public_key::PublicKeyCertificate;
use ksef_crypto::test_certs::{PersonIdentifier, TestKeyType, person_certificate};
use ksef_crypto::xades::{
    AuthTokenRequest, ContextIdentifier, SignOptions, SubjectIdentifierType, sign_auth_request,
};
use ksef_emulator::{Emulator, EmulatorConfig};
use serde_json::{Value, json};

/// One emulator and a client for it.
pub struct Harness {
    /// The running emulator.
    pub emulator: Emulator,
    /// `http://…/v2`.
    pub base: String,
    /// The client.
    pub http: reqwest::Client,
}

/// A response: status and JSON body (`Null` when empty, a string when not JSON).
#[derive(Debug, Clone)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// Body.
    pub body: Value,
    /// Response headers.
    pub headers: reqwest::header::HeaderMap,
}

impl Reply {
    /// The first KSeF exception code of a legacy 400 body.
    pub fn exception_code(&self) -> Option<i64> {
        self.body
            .pointer("/exception/exceptionDetailList/0/exceptionCode")
            .and_then(Value::as_i64)
    }
}

impl Harness {
    /// Starts an emulator with fast settings (no request limits) unless `config` says otherwise.
    pub async fn start(config: EmulatorConfig) -> Self {
        let emulator = Emulator::start(config).await.expect("emulator starts");
        let base = emulator.base_url();
        Self {
            emulator,
            base,
            http: reqwest::Client::new(),
        }
    }

    /// A default emulator without request limits and with instant authentication.
    pub async fn fast() -> Self {
        Self::start(EmulatorConfig {
            rate_limits: ksef_emulator::RateLimitMode::Off,
            auth_processing_ms: 0,
            ..EmulatorConfig::default()
        })
        .await
    }

    /// Sends a request; `body` is sent as JSON unless `Null`.
    pub async fn call(&self, method: &str, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.call_with(method, path, token, body, &[]).await
    }

    /// Sends a request with extra headers.
    pub async fn call_with(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Value,
        headers: &[(&str, &str)],
    ) -> Reply {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self.http.request(method, format!("{}{}", self.base, path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if !body.is_null() {
            req = req.json(&body);
        }
        let resp = req.send().await.expect("request sent");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await.expect("body read");
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Reply {
            status,
            body,
            headers,
        }
    }

    /// Sends a request and checks the answer against the spec's schema for `operation`.
    pub async fn checked(
        &self,
        operation: &str,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Value,
    ) -> Reply {
        let reply = self.call(method, path, token, body).await;
        schema::assert_valid(operation, reply.status, &reply.body);
        reply
    }

    /// Like [`Harness::checked`] with extra request headers.
    pub async fn checked_with(
        &self,
        operation: &str,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Value,
        headers: &[(&str, &str)],
    ) -> Reply {
        let reply = self.call_with(method, path, token, body, headers).await;
        schema::assert_valid(operation, reply.status, &reply.body);
        reply
    }

    /// XAdES login of a person with `nip` (in the certificate) in `context`; returns the
    /// access token (panics if the authentication does not succeed).
    pub async fn login_person_nip(&self, nip: &str, context: ContextIdentifier) -> String {
        self.login(PersonIdentifier::Nip(nip.to_owned()), context)
            .await
            .expect("authentication succeeds")
    }

    /// XAdES login of a person identified by `id` in `context`; `Err(status)` when the
    /// authentication ends with another status than 200.
    pub async fn login(
        &self,
        id: PersonIdentifier,
        context: ContextIdentifier,
    ) -> Result<String, Value> {
        let (reference, token) = self.start_xades_as(id, context).await;
        self.finish(&reference, &token).await
    }

    /// Starts a XAdES authentication of a person with `nip`; returns (reference, operation
    /// token).
    pub async fn start_xades(&self, nip: &str, context: ContextIdentifier) -> (String, String) {
        self.start_xades_as(PersonIdentifier::Nip(nip.to_owned()), context)
            .await
    }

    /// Starts a XAdES authentication of a person identified by `id`; returns (reference,
    /// operation token).
    pub async fn start_xades_as(
        &self,
        id: PersonIdentifier,
        context: ContextIdentifier,
    ) -> (String, String) {
        let challenge = self
            .call("POST", "/auth/challenge", None, Value::Null)
            .await;
        assert_eq!(challenge.status, 200, "{:?}", challenge.body);
        let value = challenge.body["challenge"].as_str().expect("challenge");
        let creds =
            person_certificate("Jan", "Testowy", &id, TestKeyType::P256).expect("test certificate");
        let request =
            AuthTokenRequest::new(value, context, SubjectIdentifierType::CertificateSubject);
        let xml = sign_auth_request(&request, &creds, &SignOptions::default()).expect("signed");
        let resp = self
            .http
            .post(format!("{}/auth/xades-signature", self.base))
            .header("content-type", "application/xml")
            .body(xml)
            .send()
            .await
            .expect("sent");
        let status = resp.status().as_u16();
        let body: Value = resp.json().await.expect("json");
        assert_eq!(status, 202, "{body:#}");
        (
            body["referenceNumber"].as_str().expect("ref").to_owned(),
            body["authenticationToken"]["token"]
                .as_str()
                .expect("token")
                .to_owned(),
        )
    }

    /// Polls an authentication to its final status; redeems the tokens on 200. `Err(status
    /// body)` when it ends in another status.
    pub async fn finish(&self, reference: &str, operation_token: &str) -> Result<String, Value> {
        for _ in 0..200 {
            let st = self
                .call(
                    "GET",
                    &format!("/auth/{reference}"),
                    Some(operation_token),
                    Value::Null,
                )
                .await;
            assert_eq!(st.status, 200, "{:#}", st.body);
            let code = st.body["status"]["code"].as_i64().unwrap_or(0);
            if code == 100 {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                continue;
            }
            if code != 200 {
                return Err(st.body["status"].clone());
            }
            let redeemed = self
                .call(
                    "POST",
                    "/auth/token/redeem",
                    Some(operation_token),
                    Value::Null,
                )
                .await;
            assert_eq!(redeemed.status, 200, "{:#}", redeemed.body);
            return Ok(redeemed.body["accessToken"]["token"]
                .as_str()
                .expect("access token")
                .to_owned());
        }
        panic!("authentication {reference} did not finish");
    }

    /// KSeF-token login in `context` (`Nip`/`InternalId`/…); `Err(status)` when it fails.
    pub async fn login_ksef_token(
        &self,
        token: &str,
        context_type: &str,
        context_value: &str,
    ) -> Result<String, Value> {
        self.login_ksef_token_skewed(token, context_type, context_value, 0)
            .await
    }

    /// Like [`Harness::login_ksef_token`] with the encrypted timestamp off the challenge's by
    /// `skew_ms` (a client whose clock is wrong).
    pub async fn login_ksef_token_skewed(
        &self,
        token: &str,
        context_type: &str,
        context_value: &str,
        skew_ms: i64,
    ) -> Result<String, Value> {
        let keys = self
            .call(
                "GET",
                "/security/public-key-certificates",
                None,
                Value::Null,
            )
            .await;
        let key = keys
            .body
            .as_array()
            .expect("key list")
            .iter()
            .find(|k| {
                k["usage"]
                    .as_array()
                    .is_some_and(|u| u.iter().any(|x| x == "KsefTokenEncryption"))
            })
            .expect("a token key");
        let cert = PublicKeyCertificate::from_base64(
            key["certificate"].as_str().expect("cert"),
            [ksef_crypto::public_key::KeyUsage::KsefTokenEncryption],
        )
        .expect("key parses");
        let challenge = self
            .call("POST", "/auth/challenge", None, Value::Null)
            .await;
        let ts = challenge.body["timestampMs"].as_i64().expect("timestampMs");
        let enc = cert
            .encrypt_ksef_token(token, ts + skew_ms)
            .expect("encrypts");
        let init = self
            .call(
                "POST",
                "/auth/ksef-token",
                None,
                json!({
                    "challenge": challenge.body["challenge"],
                    "contextIdentifier": {"type": context_type, "value": context_value},
                    "encryptedToken": enc.encrypted_token_b64,
                }),
            )
            .await;
        assert_eq!(init.status, 202, "{:#}", init.body);
        let reference = init.body["referenceNumber"]
            .as_str()
            .expect("ref")
            .to_owned();
        let op_token = init.body["authenticationToken"]["token"]
            .as_str()
            .expect("op token")
            .to_owned();
        self.finish(&reference, &op_token).await
    }
}

/// The CSR subject for enrollment data (`GET /certificates/enrollments/data`).
pub fn dn_from(data: &Value) -> ksef_crypto::csr::DnAttributes {
    let s = |k: &str| data.get(k).and_then(Value::as_str).map(str::to_owned);
    ksef_crypto::csr::DnAttributes {
        common_name: s("commonName"),
        country_name: s("countryName"),
        given_name: s("givenName"),
        surname: s("surname"),
        serial_number: s("serialNumber"),
        unique_identifier: s("uniqueIdentifier"),
        organization_name: s("organizationName"),
        organization_identifier: s("organizationIdentifier"),
    }
}

/// A random valid NIP (correct check digit).
pub fn nip() -> String {
    ksef_crypto::identifiers::generate::random_nip(&mut rand::thread_rng())
        .as_str()
        .to_owned()
}

/// A random valid PESEL.
pub fn pesel() -> String {
    ksef_crypto::identifiers::generate::random_pesel(&mut rand::thread_rng())
        .as_str()
        .to_owned()
}
