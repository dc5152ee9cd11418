//! Emission: turns the [`Api`] model into the files of the generated crate. Each file is built
//! with `quote!`, parsed back as a syntax tree (so invalid output is caught here, not by the
//! user's compiler) and formatted with `prettyplease`.

mod actions;
mod cli;
mod conformance;
mod crate_files;
pub(crate) mod docs;
mod operations;
mod options;
mod shared;
mod types;
mod workspace;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use proc_macro2::TokenStream;

use crate::error::Result;
use crate::model::Api;

/// The generated files, keyed by path relative to the crate root (`/`-separated), in a stable
/// order.
pub type Files = BTreeMap<String, String>;

pub use cli::{operation_table_file, FILE as CLI_TABLE_FILE, RESERVED_FLAGS};
pub use conformance::{every_operation_file, FILE as CONFORMANCE_FILE};
pub use options::EmitOptions;
use shared::format_rust;
pub use shared::{HEADER, SERDE_DESERIALIZE_FEATURE, SERDE_SERIALIZE_FEATURE};

/// The files of the crate for `api`, and the part of the time spent parsing and pretty-printing
/// the token streams (the "format" phase of the benchmarks). [`crate::generate_with`] is the
/// entry point: it adds the changelog and sets the crate version.
pub fn emit_timed(api: &Api, options: &EmitOptions) -> Result<(Files, Duration)> {
    let mut format = Duration::ZERO;
    let mut format_rust = |path: &str, tokens: TokenStream| {
        let start = Instant::now();
        let text = format_rust(path, tokens);
        format += start.elapsed();
        text
    };
    let mut files = Files::new();
    files.insert(
        crate::manifest::FILE.into(),
        crate::manifest::Manifest::from_api(api).to_json(),
    );
    files.insert("Cargo.toml".into(), crate_files::cargo_toml(api, options));
    files.insert("README.md".into(), crate_files::readme(api, options));
    files.insert(
        "src/lib.rs".into(),
        format_rust("src/lib.rs", crate_files::lib_rs(api))?,
    );
    files.insert(
        "src/client.rs".into(),
        format_rust("src/client.rs", crate_files::client_rs())?,
    );
    files.insert(
        "src/actions.rs".into(),
        format_rust("src/actions.rs", actions::actions_file(api))?,
    );
    let groups = types::type_groups(api);
    files.insert(
        "src/types/mod.rs".into(),
        format_rust("src/types/mod.rs", types::types_mod(api, &groups))?,
    );
    for (group, ids) in &groups {
        let path = format!("src/types/{group}.rs");
        let tokens = types::types_file(api, ids);
        files.insert(path.clone(), format_rust(&path, tokens)?);
    }
    for scope in api.scopes() {
        let path = format!("src/{}.rs", api.module_of(scope));
        let tokens = operations::scope_file(api, scope);
        files.insert(path.clone(), format_rust(&path, tokens)?);
    }
    Ok((files, format))
}
