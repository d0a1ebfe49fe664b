//! Shared state of a running emulator.

use std::sync::{Arc, Mutex, MutexGuard};

use crate::config::EmulatorConfig;
use crate::keys::MinistryKeys;
use crate::store::Store;

/// Everything handlers share. Cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: EmulatorConfig,
    keys: MinistryKeys,
    store: Mutex<Store>,
    jwt_secret: [u8; 32],
    public_url: Mutex<String>,
    limiter: crate::limiter::Limiter,
    faults: crate::faults::FaultGenerator,
}

impl AppState {
    /// Creates the state (generates or reuses the Ministry keys).
    pub fn new(config: EmulatorConfig, store: Store) -> Result<Self, String> {
        let keys = MinistryKeys::new(config.rsa_bits)?;
        let jwt_secret: [u8; 32] = rand::random();
        let faults = crate::faults::FaultGenerator::new(config.faults.clone());
        let limiter = crate::limiter::Limiter::new(config.rate_limits);
        Ok(Self {
            inner: Arc::new(Inner {
                config,
                keys,
                store: Mutex::new(store),
                jwt_secret,
                public_url: Mutex::new(String::new()),
                limiter,
                faults,
            }),
        })
    }

    /// The settings.
    pub fn config(&self) -> &EmulatorConfig {
        &self.inner.config
    }

    /// The Ministry keys.
    pub fn keys(&self) -> &MinistryKeys {
        &self.inner.keys
    }

    /// Locks the store. Never hold the guard across an `.await`.
    pub fn store(&self) -> MutexGuard<'_, Store> {
        self.inner.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The secret that signs tokens.
    pub fn jwt_secret(&self) -> &[u8] {
        &self.inner.jwt_secret
    }

    /// The server's own root URL (`http://host:port`), for links it returns.
    pub fn public_url(&self) -> String {
        self.inner
            .public_url
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub(crate) fn set_public_url(&self, url: String) {
        *self
            .inner
            .public_url
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = url;
    }

    pub(crate) fn limiter(&self) -> &crate::limiter::Limiter {
        &self.inner.limiter
    }

    pub(crate) fn faults(&self) -> &crate::faults::FaultGenerator {
        &self.inner.faults
    }
}
