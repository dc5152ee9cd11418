//! The generated crate's frame: `Cargo.toml` takes its edition, minimum Rust version, license
//! and runtime dependency version from this workspace, and the README names only modules the
//! crate has.

use std::path::{Path, PathBuf};

use meraki_codegen::{generate, EmitOptions, Files};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The string `key = "..."` of `[table]` in the manifest at `path`, read here independently of
/// the generator's own reader.
fn manifest_value(path: &Path, table: &str, key: &str) -> String {
    let text = format!("\n{}", std::fs::read_to_string(path).unwrap());
    let start = text
        .find(&format!("\n[{table}]\n"))
        .unwrap_or_else(|| panic!("no [{table}] in {}", path.display()));
    let body = &text[start + table.len() + 4..];
    let body = &body[..body.find("\n[").unwrap_or(body.len())];
    let prefix = format!("{key} = \"");
    let line = body
        .lines()
        .find(|line| line.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no {key} in [{table}] of {}", path.display()));
    line[prefix.len()..].split('"').next().unwrap().to_string()
}

fn cargo_toml(files: &Files) -> &str {
    &files["Cargo.toml"]
}

#[test]
fn cargo_toml_takes_edition_rust_version_license_and_runtime_version_from_the_workspace() {
    let root = repo_root();
    let workspace = root.join("Cargo.toml");
    let generated = generate(&fixture("page_form.json"), &EmitOptions::default()).unwrap();
    let toml = cargo_toml(&generated.files);

    for (key, value) in [
        (
            "edition",
            manifest_value(&workspace, "workspace.package", "edition"),
        ),
        (
            "rust-version",
            manifest_value(&workspace, "workspace.package", "rust-version"),
        ),
        (
            "license",
            manifest_value(&workspace, "workspace.package", "license"),
        ),
    ] {
        let line = format!("\n{key} = \"{value}\"\n");
        assert!(
            toml.contains(&line),
            "`{}` missing from:\n{toml}",
            line.trim()
        );
    }
    let runtime_version = manifest_value(&root.join("runtime/Cargo.toml"), "package", "version");
    let dependency = format!(
        "\nmeraki-runtime = {{ path = \"../runtime\", version = \"{runtime_version}\" }}\n"
    );
    assert!(
        toml.contains(&dependency),
        "{dependency} missing from:\n{toml}"
    );
}

#[test]
fn the_runtime_version_option_is_the_dependency_requirement() {
    let options = EmitOptions {
        runtime_version: "7.8.9".into(),
        ..EmitOptions::default()
    };
    let generated = generate(&fixture("page_form.json"), &options).unwrap();

    assert!(
        cargo_toml(&generated.files)
            .contains("\nmeraki-runtime = { path = \"../runtime\", version = \"7.8.9\" }\n"),
        "{}",
        cargo_toml(&generated.files)
    );
}

/// The modules the README's scope sentence names (`each scope (`a`, `b`, …) is a module`).
fn readme_modules(readme: &str) -> Vec<String> {
    let start = readme
        .find("each scope (")
        .expect("the README describes the scope modules")
        + "each scope (".len();
    let list = &readme[start..start + readme[start..].find(')').unwrap()];
    list.split(", ")
        .filter(|item| *item != "…")
        .map(|item| item.trim_matches('`').to_string())
        .collect()
}

fn assert_readme_modules_exist(readme: &str, module_exists: impl Fn(&str) -> bool, what: &str) {
    let modules = readme_modules(readme);
    assert!(!modules.is_empty(), "{what}: the README names no module");
    for module in modules {
        assert!(
            module_exists(&module),
            "{what}: the README names `{module}`, which is not a module of the crate"
        );
    }
}

#[test]
fn every_module_the_readme_names_is_generated() {
    for name in ["awkward.json", "page_form.json", "evolution/v1.json"] {
        let generated = generate(&fixture(name), &EmitOptions::default()).unwrap();
        let files = &generated.files;
        assert_readme_modules_exist(
            &files["README.md"],
            |module| {
                files.contains_key(&format!("src/{module}.rs"))
                    && files["src/lib.rs"].contains(&format!("pub mod {module};"))
            },
            name,
        );
    }
}

#[test]
fn every_module_the_checked_in_readme_names_exists() {
    let client = repo_root().join("generated-client");
    let readme = std::fs::read_to_string(client.join("README.md")).unwrap();
    let lib = std::fs::read_to_string(client.join("src/lib.rs")).unwrap();
    assert_readme_modules_exist(
        &readme,
        |module| {
            client.join(format!("src/{module}.rs")).is_file()
                && lib.contains(&format!("pub mod {module};"))
        },
        "generated-client",
    );
}
