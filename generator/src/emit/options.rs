//! The options of a generation: what the emitted crate is beyond the API itself. A leaf of
//! `emit` (its defaults come from [`super::workspace`]), so every emitter can take them.

use super::workspace;

/// What the emitted crate should look like beyond the API itself.
#[derive(Debug, Clone)]
pub struct EmitOptions {
    /// The `package.name` of the generated crate.
    pub crate_name: String,
    /// The `package.version` written into `Cargo.toml`. `generate_with` replaces it with the
    /// changelog's version (see `changelog.rs`); this value is the version of a first generation.
    pub crate_version: String,
    /// Path from the generated crate to the hand-written `meraki-runtime` crate.
    pub runtime_path: String,
    /// The `version` requirement of the `meraki-runtime` dependency (default: the runtime
    /// crate's own version, see `workspace.rs`).
    pub runtime_version: String,
    /// `package.edition`, `package.rust-version` and `package.license` (default: the
    /// workspace's `[workspace.package]`, which the runtime uses too).
    pub edition: String,
    pub rust_version: String,
    pub license: String,
    /// Whether the crate is its own workspace (generated outside of this repository's workspace).
    pub standalone: bool,
}

impl Default for EmitOptions {
    fn default() -> Self {
        Self {
            crate_name: "meraki".into(),
            crate_version: "0.1.0".into(),
            runtime_path: "../runtime".into(),
            runtime_version: workspace::runtime_version(),
            edition: workspace::edition(),
            rust_version: workspace::rust_version(),
            license: workspace::license(),
            standalone: false,
        }
    }
}
