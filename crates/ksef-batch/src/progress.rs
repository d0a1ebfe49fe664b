//! Progress reporting (the CLI draws it as progress bars).

/// Receives progress events. Every method has an empty default; implement what you draw.
/// Implementations must be cheap: they are called from the preparation loop and upload tasks.
pub trait Progress: Send + Sync {
    /// `done` of `total` invoices are in the package; `bytes` of archive written so far.
    fn prepared(&self, done: usize, total: usize, bytes: u64) {
        let _ = (done, total, bytes);
    }

    /// `bytes` more bytes of part `ordinal` were sent.
    fn uploaded(&self, ordinal: u32, bytes: u64) {
        let _ = (ordinal, bytes);
    }

    /// Part `ordinal` was uploaded completely (`parts_done` of `parts_total`).
    fn part_done(&self, ordinal: u32, parts_done: usize, parts_total: usize) {
        let _ = (ordinal, parts_done, parts_total);
    }

    /// Part `ordinal` failed and will be tried again (`attempt` so far).
    fn part_retry(&self, ordinal: u32, attempt: u32) {
        let _ = (ordinal, attempt);
    }
}

/// A [`Progress`] that reports nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {}
