//! The checked-in generated client is what the generator makes of `specs/` today, and the
//! generator handles the complete Meraki API.

use std::path::{Path, PathBuf};

use meraki_codegen::{generate, generate_with, output, Baseline, EmitOptions};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

#[test]
fn checked_in_client_is_fresh() {
    let root = repo_root();
    let (specs, out) = (root.join("specs"), root.join("generated-client"));
    // As `cargo xtask codegen` does: keep the manifest's names, extend the changelog.
    let (baseline, _) = Baseline::for_output(&out, &specs).expect("baseline reads");
    let generated =
        generate_with(&specs, &EmitOptions::default(), &baseline).expect("specs generate");
    let differences = output::check(&out, &generated.files).unwrap();
    assert!(
        differences.is_empty(),
        "generated-client/ is stale; run `cargo xtask codegen` and commit:\n{}",
        differences
            .iter()
            .map(|d| format!("  {d}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// The complete v1.42.0 document, committed in `specs/` (so a plain clone has it).
fn full_spec() -> PathBuf {
    let path = repo_root().join("specs/spec3-v1.42.0.json");
    assert!(
        path.is_file(),
        "{} is missing: the full-spec test reads the v1.42.0 document of specs/",
        path.display()
    );
    path
}

/// Whether generation is deterministic is not asked here: `checked_in_client_is_fresh` compares
/// a generation with the bytes another process (`cargo xtask codegen`) wrote, which catches
/// anything a second generation in this process could, and
/// `generator/tests/determinism.rs` moves the documents and their file order.
#[test]
fn full_spec_generates_every_operation() {
    let path = full_spec();
    let generated = generate(&path, &EmitOptions::default()).expect("v1.42.0 generates");
    assert_eq!(generated.api.operations.len(), 667);
    assert_eq!(generated.api.version, "1.42.0");
    let longest = generated
        .api
        .types
        .iter()
        .map(|t| t.name.len())
        .max()
        .unwrap();
    // Each site has its own type, so the request and the response of one operation, often
    // of one structure, contest every short name and their deepest types take the whole path
    // (`naming::NameHint::candidates`): 47 of 3,140 names are over 90 characters.
    assert!(
        longest <= 130,
        "type names stay readable (longest {longest})"
    );
}
