//! The Ministry of Finance public keys (`GET /security/public-key-certificates`), cached.

use ksef_crypto::public_key::{KeyUsage, PublicKeyCertificate, select_certificate};
use ksef_model::operations::GetSecurityPublicKeyCertificates;
use time::OffsetDateTime;
use tokio::sync::RwLock;

use crate::client::Client;
use crate::error::{Error, Result};

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

async fn fetch(client: &Client) -> Result<Vec<PublicKeyCertificate>> {
    let list = client
        .call(GetSecurityPublicKeyCertificates::new())
        .send()
        .await?;
    let mut out = Vec::new();
    for item in list {
        let usages: Vec<KeyUsage> = item
            .usage
            .iter()
            .map(|u| KeyUsage::from_api(u.as_str()))
            .collect();
        match PublicKeyCertificate::from_base64(item.certificate.as_str(), usages) {
            Ok(cert) => out.push(cert.with_validity(item.valid_from, item.valid_to)),
            Err(e) => tracing::warn!(error = %e, "skipping an unreadable public-key certificate"),
        }
    }
    if out.is_empty() {
        return Err(Error::Unexpected(
            "the server returned no usable public-key certificate".into(),
        ));
    }
    Ok(out)
}
