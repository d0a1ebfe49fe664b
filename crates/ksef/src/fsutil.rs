//! File-system durability helpers shared by the state files, sync and export writers (the
//! one implementation lives in [`ksef_model::rt::fs`]).

pub use ksef_model::rt::fs::{Access, sync_dir, write_atomic};
