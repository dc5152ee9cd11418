//! The package facts the generated `Cargo.toml` shares with this repository's crates: the
//! edition, minimum Rust version and license of `[workspace.package]` and the version of the
//! `meraki-runtime` crate it depends on.
//!
//! Why read the manifests when the generator is compiled (`include_str!`) rather than have
//! `cargo xtask` pass the values in: every generation must agree, and most do not go through the
//! xtask (the freshness test of the checked-in crate, the snapshot tests and benchmarks use
//! [`super::EmitOptions::default`]), so the defaults themselves have to be the real values. The
//! generator is not published (`publish = false`), so it is only ever built inside this
//! workspace, where both files are; cargo tracks `include_str!` files, so bumping the runtime's
//! version rebuilds the generator and `cargo xtask codegen --check` then reports the crate
//! stale. A build script would read the same two files with more machinery.

const WORKSPACE_MANIFEST: &str = include_str!("../../../Cargo.toml");
const RUNTIME_MANIFEST: &str = include_str!("../../../runtime/Cargo.toml");

/// `edition` of the workspace's `[workspace.package]`.
pub fn edition() -> String {
    value(WORKSPACE_MANIFEST, "workspace.package", "edition")
}

/// `rust-version` of the workspace's `[workspace.package]`.
pub fn rust_version() -> String {
    value(WORKSPACE_MANIFEST, "workspace.package", "rust-version")
}

/// `license` of the workspace's `[workspace.package]`.
pub fn license() -> String {
    value(WORKSPACE_MANIFEST, "workspace.package", "license")
}

/// `version` of `runtime/Cargo.toml`'s `[package]`.
pub fn runtime_version() -> String {
    value(RUNTIME_MANIFEST, "package", "version")
}

/// The string value of `key = "..."` in `[table]`: just enough TOML for these two files, whose
/// values are plain one-line strings. A missing value is a bug of the generator (or of an edit
/// to those files), caught by the generator's tests, hence the panic.
fn value(manifest: &str, table: &str, key: &str) -> String {
    find(manifest, table, key)
        .unwrap_or_else(|| panic!("the workspace manifests have no string `{key}` in `[{table}]`"))
}

pub(crate) fn find(manifest: &str, table: &str, key: &str) -> Option<String> {
    let mut current = "";
    for line in manifest.lines() {
        let line = line.trim();
        if let Some(header) = line.strip_prefix('[') {
            current = header.trim_end_matches(']').trim();
            continue;
        }
        if current != table {
            continue;
        }
        let Some((name, rest)) = line.split_once('=') else {
            continue;
        };
        if name.trim() == key {
            let rest = rest.trim();
            let inner = rest.strip_prefix('"')?;
            return inner.split_once('"').map(|(value, _)| value.to_string());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::find;

    #[test]
    fn reads_a_string_of_one_table_only() {
        let manifest = "[package]\nname = \"x\"\nversion = \"1.2.3\" # comment\n\n[dependencies]\nversion = \"9\"\n";
        assert_eq!(
            find(manifest, "package", "version").as_deref(),
            Some("1.2.3")
        );
        assert_eq!(
            find(manifest, "dependencies", "version").as_deref(),
            Some("9")
        );
        assert_eq!(find(manifest, "package", "edition"), None);
    }

    #[test]
    fn the_workspace_values_are_found() {
        for value in [
            super::edition(),
            super::rust_version(),
            super::license(),
            super::runtime_version(),
        ] {
            assert!(!value.is_empty());
        }
    }
}
