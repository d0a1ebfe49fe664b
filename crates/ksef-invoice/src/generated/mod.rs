//! Code generated from the official FA(3) schema by `cargo xtask regen` (never edited by hand).

pub mod fa3;
