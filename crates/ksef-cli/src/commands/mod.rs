//! The subcommands of `ksef`, one module each.

pub mod auth;
pub mod batch;
pub mod certs;
pub mod collective;
pub mod download;
pub mod export;
pub mod filters;
pub mod invoice;
pub mod invoice_files;
pub mod lighthouse;
pub mod limits;
pub mod permissions;
pub mod qr;
pub mod query;
pub mod render;
pub mod send;
pub mod status;
pub mod sync;
pub mod testdata;
pub mod tokens;
pub mod upo;

use crate::connect::Connection;
use crate::output::Format;

/// What every command gets: the connection settings and the output format.
#[derive(Debug)]
pub struct Ctx {
    /// Connection and credentials (resolved on first use).
    pub conn: Connection,
    /// The output format.
    pub format: Format,
}

/// The longest wait any `--timeout` accepts, in seconds (7 days): longer waits are a typo, and
/// a bound keeps every deadline computed from it representable.
pub const MAX_TIMEOUT_SECS: u64 = 7 * 24 * 3600;

/// The parser of every `--timeout` in seconds: 1 to [`MAX_TIMEOUT_SECS`].
pub fn timeout_secs() -> clap::builder::RangedU64ValueParser<u64> {
    clap::value_parser!(u64).range(1..=MAX_TIMEOUT_SECS)
}
