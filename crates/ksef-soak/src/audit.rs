//! The final audit: every invoice reported as accepted is stored with its file's hash, every
//! reused number is reported rejected and not stored, nothing is stored twice, nothing is lost,
//! and the synced folder equals the emulator's set.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use ksef::crypto::symmetric::sha256_base64;

use crate::clients::{Outcomes, Reported};

/// One invoice as the emulator stores it.
#[derive(Debug, Clone)]
pub struct Stored {
    /// SHA-256 (base64) of the stored XML.
    pub hash: String,
    /// The invoice number (`P_2`).
    pub number: String,
}

/// The soak's figures and violations.
#[derive(Debug, Default)]
pub struct Audit {
    /// Files sent (expected to be accepted).
    pub sent: usize,
    /// Of them, reported accepted with a KSeF number holding their content.
    pub accepted: usize,
    /// Files whose content KSeF does not hold.
    pub lost: usize,
    /// Invoices stored more than once (by number or by content).
    pub duplicated: usize,
    /// Reports that do not match what KSeF holds.
    pub misreported: usize,
    /// Files never settled by the clients.
    pub unsettled: usize,
    /// Files reusing a number with other content.
    pub reused: usize,
    /// Of them, reported rejected (and not stored).
    pub reused_rejected: usize,
    /// Invoices in the synced folder.
    pub synced: usize,
    /// Differences between the synced folder and the emulator's set.
    pub sync_mismatches: usize,
    /// Every violation, described.
    pub problems: Vec<String>,
}

impl Audit {
    /// Whether every promise held.
    pub fn passed(&self) -> bool {
        self.problems.is_empty()
    }

    fn problem(&mut self, text: String) {
        if self.problems.len() < 50 {
            eprintln!("VIOLATION: {text}");
        }
        self.problems.push(text);
    }
}

fn hash_of(path: &Path) -> Result<String, String> {
    std::fs::read(path)
        .map(|b| sha256_base64(&b))
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// Audits `expected` files (each must be accepted) and `reused` files (each must be rejected)
/// against the `store` (KSeF number → stored invoice) and the `synced` folder's files.
pub fn audit(
    expected: &Outcomes,
    expected_files: &[PathBuf],
    reused: &Outcomes,
    reused_files: &[PathBuf],
    store: &BTreeMap<String, Stored>,
    synced: &[PathBuf],
) -> Result<Audit, String> {
    let mut a = Audit {
        sent: expected_files.len(),
        reused: reused_files.len(),
        ..Audit::default()
    };
    let by_hash: HashMap<&str, Vec<&str>> = store.iter().fold(HashMap::new(), |mut m, (k, s)| {
        m.entry(s.hash.as_str()).or_default().push(k.as_str());
        m
    });
    let mut numbers: HashMap<&str, usize> = HashMap::new();
    for s in store.values() {
        *numbers.entry(s.number.as_str()).or_default() += 1;
    }
    for (number, count) in &numbers {
        if *count > 1 {
            a.duplicated += count - 1;
            a.problem(format!("invoice number {number} is stored {count} times"));
        }
    }
    for (hash, keys) in &by_hash {
        if keys.len() > 1 {
            a.duplicated += keys.len() - 1;
            a.problem(format!("content {hash} is stored as {keys:?}"));
        }
    }
    for file in expected_files {
        let hash = hash_of(file)?;
        if !by_hash.contains_key(hash.as_str()) {
            a.lost += 1;
            a.problem(format!("{}: KSeF does not hold it", file.display()));
        }
        match expected.get(file) {
            None => {
                a.unsettled += 1;
                a.problem(format!("{}: never settled", file.display()));
            }
            Some(Reported::Accepted(k)) => match store.get(k) {
                Some(s) if s.hash == hash => a.accepted += 1,
                Some(_) => {
                    a.misreported += 1;
                    a.problem(format!(
                        "{}: reported as {k}, which holds other content",
                        file.display()
                    ));
                }
                None => {
                    a.misreported += 1;
                    a.problem(format!(
                        "{}: reported as {k}, which KSeF does not hold",
                        file.display()
                    ));
                }
            },
            Some(Reported::Rejected(code)) => {
                a.misreported += 1;
                a.problem(format!("{}: reported rejected ({code:?})", file.display()));
            }
        }
    }
    for file in reused_files {
        let hash = hash_of(file)?;
        if by_hash.contains_key(hash.as_str()) {
            a.duplicated += 1;
            a.problem(format!("{}: a reused number was stored", file.display()));
        }
        match reused.get(file) {
            Some(Reported::Rejected(_)) => a.reused_rejected += 1,
            Some(Reported::Accepted(k)) => {
                a.misreported += 1;
                a.problem(format!(
                    "{}: reused number reported accepted as {k}",
                    file.display()
                ));
            }
            None => {
                a.unsettled += 1;
                a.problem(format!("{}: never settled", file.display()));
            }
        }
    }
    // The synced folder equals the emulator's set: same KSeF numbers, same content.
    a.synced = synced.len();
    let mut seen = BTreeSet::new();
    for file in synced {
        let number = file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let hash = hash_of(file)?;
        match store.get(&number) {
            Some(s) if s.hash == hash => {
                seen.insert(number);
            }
            _ => {
                a.sync_mismatches += 1;
                a.problem(format!("synced {} is not what KSeF holds", file.display()));
            }
        }
    }
    for number in store.keys().filter(|k| !seen.contains(*k)) {
        a.sync_mismatches += 1;
        a.problem(format!("{number} is missing from the synced folder"));
    }
    Ok(a)
}
