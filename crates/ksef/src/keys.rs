//! The Ministry of Finance public keys (`GET /security/public-key-certificates`), cached, and
//! the one place that reacts to a key KSeF no longer accepts (exception 21470).

use std::future::Future;

use ksef_crypto::public_key::{KeyUsage, PublicKeyCertificate, select_certificate};
use ksef_crypto::symmetric::SymmetricKey;
use ksef_model::EncryptionInfo;
use ksef_model::operations::GetSecurityPublicKeyCertificates;
use ksef_model::rt::Base64Data;
use time::OffsetDateTime;
use tokio::sync::RwLock;

use crate::client::Client;
use crate::error::Result;

/// Keys are fetched once and re-fetched after an hour or when the server says a key is unknown
/// (21470).
#[derive(Debug, Default)]
pub(crate) struct KeyCache {
    cached: RwLock<Option<(OffsetDateTime, Vec<PublicKeyCertificate>)>>,
}

const MAX_AGE: time::Duration = time::Duration::hours(1);

impl KeyCache {
    /// The certificate to use for `usage` now.
    pub(crate) async fn get(
        &self,
        client: &Client,
        usage: KeyUsage,
    ) -> Result<PublicKeyCertificate> {
        let now = OffsetDateTime::now_utc();
        {
            let cached = self.cached.read().await;
            if let Some((fetched, certs)) = cached.as_ref()
                && now - *fetched < MAX_AGE
                && let Ok(cert) = select_certificate(certs, &usage, now)
            {
                return Ok(cert.clone());
            }
        }
        let certs = fetch(client).await?;
        let chosen = select_certificate(&certs, &usage, now)?.clone();
        *self.cached.write().await = Some((now, certs));
        Ok(chosen)
    }

    /// Forgets the cached keys (after 21470).
    pub(crate) async fn invalidate(&self) {
        *self.cached.write().await = None;
    }
}

impl Client {
    /// The Ministry of Finance public key to use for `usage` now: fetched once, re-fetched after
    /// an hour or after KSeF refused a key (21470).
    pub async fn public_key(&self, usage: KeyUsage) -> Result<PublicKeyCertificate> {
        self.keys().get(self, usage).await
    }

    /// The `encryption` of an open-session or export request: `key` wrapped with the current
    /// `SymmetricKeyEncryption` public key (RSA-OAEP SHA-256), with the key's id.
    pub async fn session_encryption(&self, key: &SymmetricKey) -> Result<EncryptionInfo> {
        let public = self.public_key(KeyUsage::SymmetricKeyEncryption).await?;
        let wrapped = public.wrap_symmetric_key(key)?;
        let mut info = EncryptionInfo::new(
            Base64Data::from_text(wrapped.encrypted_key_b64),
            Base64Data::from_text(wrapped.iv_b64),
        );
        info.public_key_id = Some(Base64Data::from_text(wrapped.public_key_id));
        Ok(info)
    }

    /// Runs `attempt` (a request encrypted with a public key fetched through
    /// [`Client::public_key`]); when KSeF answers 21470 (the key is unknown or retired: the
    /// Ministry changed keys since they were cached) forgets the cached keys and runs it once
    /// more, with freshly fetched ones. A 21470 is answered before anything is created, so the
    /// repeat is safe.
    pub(crate) async fn with_current_keys<T, F, Fut>(&self, mut attempt: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        match attempt().await {
            Err(e) if e.has_code(ksef_model::ExceptionCode::UnknownPublicKey) => {
                tracing::info!("public key unknown to the server (21470): re-fetching keys");
                self.keys().invalidate().await;
                attempt().await
            }
            other => other,
        }
    }
}

async fn fetch(client: &Client) -> Result<Vec<PublicKeyCertificate>> {
    let list = client
        .call(GetSecurityPublicKeyCertificates::new())
        .send()
        .await?;
    let (mut out, mut unreadable) = (Vec::new(), None);
    for item in list {
        let usages: Vec<KeyUsage> = item
            .usage
            .iter()
            .map(|u| KeyUsage::from_api(u.as_str()))
            .collect();
        match PublicKeyCertificate::from_base64(item.certificate.as_str(), usages) {
            Ok(cert) => out.push(cert.with_validity(item.valid_from, item.valid_to)),
            Err(e) => {
                tracing::warn!(error = %e, "skipping an unreadable public-key certificate");
                unreadable = Some(e);
            }
        }
    }
    // None readable: say why the last one was not; an empty list is the caller's
    // `NoUsableCertificate` (no certificate with the usage).
    match unreadable {
        Some(e) if out.is_empty() => Err(e.into()),
        _ => Ok(out),
    }
}
