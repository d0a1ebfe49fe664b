//! The handle every handler of a running emulator shares ([`AppState`]): the configuration,
//! the Ministry keys, the domain's [`Store`] behind its mutex, the request limiter, the fault
//! generator and the blobs of the pre-signed object storage ([`crate::storage`]).

use std::sync::{Arc, Mutex, MutexGuard};

use crate::config::EmulatorConfig;
use crate::keys::MinistryKeys;
use crate::state::Store;

/// Everything handlers share. Cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    config: EmulatorConfig,
    keys: MinistryKeys,
    store: Mutex<Store>,
    jwt_secret: [u8; 32],
    public_url: Mutex<String>,
    limiter: crate::limiter::Limiter,
    faults: crate::faults::FaultGenerator,
    blobs: crate::storage::BlobStore,
    closed_uploads: Mutex<std::collections::HashSet<String>>,
    /// Held while the state is saved, so saves never overlap; `true` once the final save at
    /// shutdown has been written (later background saves then write nothing).
    save_lock: Mutex<bool>,
    /// Bumped on every store lock: the persistence task saves when it changed.
    generation: std::sync::atomic::AtomicU64,
}

/// Shows the settings and counters, never the token-signing secret nor the stored token secrets.
impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("config", &self.config)
            .field("keys", &self.keys)
            .field("jwt_secret", &"[redacted]")
            .field("public_url", &self.public_url)
            .field(
                "generation",
                &self.generation.load(std::sync::atomic::Ordering::Relaxed),
            )
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// Creates the state (generates or reuses the Ministry keys).
    pub fn new(config: EmulatorConfig, store: Store) -> Result<Self, String> {
        let config = config.bounded();
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
                blobs: crate::storage::BlobStore::default(),
                closed_uploads: Mutex::new(std::collections::HashSet::new()),
                save_lock: Mutex::new(false),
                generation: std::sync::atomic::AtomicU64::new(0),
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
        self.inner
            .generation
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.inner.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Locks the store without marking it as possibly changed (for the persistence task).
    pub(crate) fn store_unmarked(&self) -> MutexGuard<'_, Store> {
        self.inner.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The turn of one save of the state (see `persist::save`); the guarded flag says whether
    /// the final save has already been written.
    pub(crate) fn save_lock(&self) -> MutexGuard<'_, bool> {
        self.inner
            .save_lock
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    /// A counter that changes whenever the store may have changed.
    pub(crate) fn generation(&self) -> u64 {
        self.inner
            .generation
            .load(std::sync::atomic::Ordering::Relaxed)
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

    /// The pre-signed blob storage.
    pub fn blobs(&self) -> &crate::storage::BlobStore {
        &self.inner.blobs
    }

    /// Refuses further uploads below `prefix` (e.g. `batch/{session}/` once the session closed).
    pub fn close_uploads(&self, prefix: &str) {
        self.inner
            .closed_uploads
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(prefix.to_owned());
    }

    /// Whether an upload to `key` is still allowed.
    pub fn upload_allowed(&self, key: &str) -> bool {
        !self
            .inner
            .closed_uploads
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .any(|p| key.starts_with(p.as_str()))
    }
}
