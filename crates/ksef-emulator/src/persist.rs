//! Directory-backed state: with `data_dir` set, the [`Store`] is loaded from `state.json` at
//! start, saved atomically (temporary file + rename) by a background task whenever it may have
//! changed (at most every `persist_interval_ms`) and once more at shutdown. Export parts are
//! kept as files under `blobs/` so packages stay downloadable after a restart.

use std::path::{Path, PathBuf};

use crate::app_state::AppState;
use crate::state::Store;
use crate::storage::Blob;

/// The state file inside the data directory.
pub(crate) const STATE_FILE: &str = "state.json";
/// The blob directory inside the data directory.
pub(crate) const BLOB_DIR: &str = "blobs";

/// Loads the store from `dir` (an empty store when there is no state file yet).
pub(crate) fn load(dir: &Path) -> Result<Store, String> {
    let path = dir.join(STATE_FILE);
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map_err(|e| format!("cannot read the saved state {}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Store::default()),
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

/// Writes `bytes` to `path` atomically and owner-only (the shared
/// [`ksef_model::rt::fs::write_atomic`]): the state holds keys and tokens of the emulated users.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    ksef_model::rt::fs::write_atomic(path, bytes, ksef_model::rt::fs::Access::OwnerOnly)
}

/// When a save happens: a background save, or the final one at shutdown after which no
/// background save writes anything.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum SaveKind {
    /// A periodic save by the background task.
    Background,
    /// The last save, at shutdown.
    Final,
}

/// Saves the whole store now (no-op without a data directory). Saves never overlap: the
/// background task's save and the shutdown save take turns. A background save that only gets
/// its turn after the final save writes nothing, so once shutdown has returned nothing touches
/// the data directory any more (a blocking save still queued when the saver task was aborted
/// would otherwise leave a temporary file behind, or write after the emulator stopped).
pub(crate) fn save(state: &AppState, kind: SaveKind) -> Result<(), String> {
    let Some(dir) = state.config().data_dir.clone() else {
        return Ok(());
    };
    let mut finished = state.save_lock();
    if *finished {
        return Ok(());
    }
    if kind == SaveKind::Final {
        *finished = true;
    }
    let bytes = {
        let store = state.store_unmarked();
        serde_json::to_vec(&*store).map_err(|e| format!("cannot serialise the state: {e}"))?
    };
    let path = dir.join(STATE_FILE);
    write_atomically(&path, &bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// The file of a blob key, if the key is a plain relative path.
fn blob_path(dir: &Path, key: &str) -> Option<PathBuf> {
    let mut path = dir.join(BLOB_DIR);
    for segment in key.split('/') {
        let safe = !segment.is_empty()
            && segment != "."
            && segment != ".."
            && segment
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        if !safe {
            return None;
        }
        path.push(segment);
    }
    Some(path)
}

/// Stores a downloadable blob (and its file, with a data directory).
pub(crate) fn put_blob(state: &AppState, key: &str, bytes: Vec<u8>) {
    if let Some(dir) = &state.config().data_dir
        && let Some(path) = blob_path(dir, key)
        && let Err(e) = write_atomically(&path, &bytes)
    {
        tracing::warn!(error = %e, key, "cannot persist a blob");
    }
    state.blobs().put(
        key,
        Blob {
            bytes: bytes.into(),
            content_type: "application/octet-stream".to_owned(),
        },
    );
}

/// Removes a blob (and its file).
pub(crate) fn remove_blob(state: &AppState, key: &str) {
    state.blobs().remove(key);
    if let Some(dir) = &state.config().data_dir
        && let Some(path) = blob_path(dir, key)
    {
        let _ = std::fs::remove_file(path);
    }
}

/// After loading a saved state: exports that were still running when the emulator stopped are
/// cancelled (status 550, as the service reports interrupted processing), and the parts of
/// built packages are reloaded into the blob store.
pub(crate) fn restore(state: &AppState) {
    let Some(dir) = state.config().data_dir.clone() else {
        return;
    };
    for export in state.store_unmarked().exports.values_mut() {
        if export.in_progress() {
            export.status = 550;
            export.description = "Operacja została anulowana przez system".to_owned();
            export.details = vec![
                "Przetwarzanie zostało przerwane z przyczyn wewnętrznych systemu. Spróbuj ponownie"
                    .to_owned(),
            ];
            export.completed = Some(time::OffsetDateTime::now_utc());
        }
    }
    let keys: Vec<String> = state
        .store_unmarked()
        .exports
        .values()
        .filter_map(|e| e.package.as_ref())
        .flat_map(|p| p.parts.iter().map(|part| part.blob_key.clone()))
        .collect();
    for key in keys {
        if let Some(path) = blob_path(&dir, &key)
            && let Ok(bytes) = std::fs::read(&path)
        {
            state.blobs().put(
                &key,
                Blob {
                    bytes: bytes.into(),
                    content_type: "application/octet-stream".to_owned(),
                },
            );
        }
    }
}

/// Starts the task that saves the store whenever it may have changed. Returns `None` without
/// a data directory.
pub(crate) fn spawn_saver(state: AppState) -> Option<tokio::task::JoinHandle<()>> {
    state.config().data_dir.as_ref()?;
    let period = std::time::Duration::from_millis(state.config().persist_interval_ms.max(10));
    Some(tokio::spawn(async move {
        let mut saved = state.generation();
        let mut ticker = tokio::time::interval(period);
        loop {
            ticker.tick().await;
            let now = state.generation();
            if now == saved {
                continue;
            }
            let worker = state.clone();
            match tokio::task::spawn_blocking(move || save(&worker, SaveKind::Background)).await {
                Ok(Ok(())) => saved = now,
                Ok(Err(e)) => tracing::warn!(error = %e, "cannot save the emulator state"),
                Err(e) => tracing::warn!(error = %e, "the save task failed"),
            }
        }
    }))
}

/// Serde adapter that keeps bytes as one base64 string (compact JSON for invoice XML).
pub(crate) mod base64_bytes {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Serialises bytes as base64.
    pub(crate) fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(bytes))
    }

    /// Reads base64 text back into bytes.
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        STANDARD.decode(text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::EmulatorConfig;

    /// A background save still queued when shutdown's final save ran writes nothing: no file
    /// (not even a temporary one) appears in the data directory after the final save.
    #[test]
    fn no_background_save_writes_after_the_final_save() {
        let dir = std::env::temp_dir().join(format!("ksef-persist-{:016x}", rand::random::<u64>()));
        std::fs::create_dir_all(&dir).expect("dir");
        let config = EmulatorConfig {
            data_dir: Some(dir.clone()),
            ..EmulatorConfig::default()
        };
        let state = AppState::new(config, Store::default()).expect("state");
        save(&state, SaveKind::Background).expect("background save");
        assert!(dir.join(STATE_FILE).exists());
        save(&state, SaveKind::Final).expect("final save");
        std::fs::remove_file(dir.join(STATE_FILE)).expect("remove");
        state.store().ksef_tokens.clear();
        save(&state, SaveKind::Background).expect("late background save");
        let left: Vec<_> = std::fs::read_dir(&dir)
            .expect("dir")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name())
            .collect();
        assert!(left.is_empty(), "written after the final save: {left:?}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
