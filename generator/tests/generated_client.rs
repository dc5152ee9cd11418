//! The checked-in crate: its names manifest and changelog exist and are covered by the same
//! freshness check as its sources (`cargo xtask codegen --check`).

use std::path::{Path, PathBuf};

use meraki_codegen::output::{self, Difference};
use meraki_codegen::{Baseline, EmitOptions};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// What `cargo xtask codegen` generates for `specs/` into `generated-client/`.
fn fresh() -> meraki_codegen::Files {
    let (out, specs) = (root().join("generated-client"), root().join("specs"));
    let (baseline, _) = Baseline::for_output(&out, &specs).unwrap();
    meraki_codegen::generate_with(&specs, &EmitOptions::default(), &baseline)
        .unwrap()
        .files
}

#[test]
fn checked_in_crate_has_a_manifest_and_a_changelog_that_check_covers() {
    // Freshness of the whole crate is tested in `tests/tests/generated.rs`; here: both files
    // exist and belong to the generated set, so `--check` compares them.
    let out = root().join("generated-client");
    let files = fresh();
    for file in ["names.json", "CHANGELOG.md"] {
        assert!(
            out.join(file).is_file(),
            "generated-client/{file} is missing"
        );
        assert!(files.contains_key(file), "{file} is not generated");
    }
}

#[test]
fn check_catches_a_stale_or_missing_manifest() {
    let files = fresh();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("client");
    output::write_atomically(&out, &files).unwrap();
    assert!(output::check(&out, &files).unwrap().is_empty());

    let manifest = out.join("names.json");
    let edited = std::fs::read_to_string(&manifest)
        .unwrap()
        .replace("\"Network\"", "\"Net\"");
    std::fs::write(&manifest, edited).unwrap();
    assert_eq!(
        output::check(&out, &files).unwrap(),
        [Difference::Stale("names.json".into())]
    );
    std::fs::remove_file(&manifest).unwrap();
    assert_eq!(
        output::check(&out, &files).unwrap(),
        [Difference::Missing("names.json".into())]
    );
}
