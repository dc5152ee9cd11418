//! `meraki`, the command-line tool: every operation of the Dashboard API as
//! `meraki <scope> <operation> [flags]`, built at run time from the operation table that
//! `cargo xtask codegen` emits from the same lowered model as the `meraki` crate
//! (`src/generated/operations.rs`), and sent through `meraki-runtime`.

pub mod command;
pub mod config;
#[path = "generated/operations.rs"]
pub mod operations;
pub mod output;
pub mod run;
pub mod table;

pub use run::run;
