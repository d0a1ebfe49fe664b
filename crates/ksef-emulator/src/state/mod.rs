//! The emulator's domain: persisted state types and the rules over them, apart from the HTTP
//! handlers (`routes`, `sessions`, `retrieval`), which decode requests, call these and encode
//! answers. Nothing here imports a handler module.

pub mod collective;
