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

/// Every `x-batchable-actions` entry of the shipped spec has a typed action, with the entry's
/// own `resource` and `operation`; no other operation has one (counted against the JSON, not
/// the model, and against the checked-in `actions.rs`).
#[test]
fn every_batchable_action_has_a_constructor_and_nothing_else_does() {
    let root = repo_root();
    let spec: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(full_spec()).unwrap()).unwrap();
    let entries: std::collections::BTreeSet<(String, String)> = spec["x-batchable-actions"]
        .as_array()
        .expect("the spec lists its batchable actions")
        .iter()
        .map(|e| {
            (
                e["resource"].as_str().unwrap().to_string(),
                e["operation"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(entries.len(), 193);

    let generated = generate(&root.join("specs"), &EmitOptions::default()).unwrap();
    assert!(
        generated.api.unmatched_batch_actions.is_empty(),
        "{:#?}",
        generated.api.unmatched_batch_actions
    );
    let batchable: Vec<_> = generated
        .api
        .operations
        .iter()
        .filter_map(|op| op.batch_action.as_ref().map(|a| (op, a)))
        .collect();
    let matched: std::collections::BTreeSet<(String, String)> = batchable
        .iter()
        .map(|(_, a)| (a.resource.clone(), a.operation.clone()))
        .collect();
    assert_eq!(matched, entries);
    assert_eq!(batchable.len(), 193, "one operation per entry");
    // Never guessed from the HTTP method: `update` is a PUT, `destroy` a DELETE, the others
    // what their entry names.
    for (op, action) in &batchable {
        match action.operation.as_str() {
            "create" => assert_eq!(op.http_method.as_upper(), "POST", "{}", op.operation_id),
            "update" => assert_eq!(op.http_method.as_upper(), "PUT", "{}", op.operation_id),
            "destroy" => assert_eq!(op.http_method.as_upper(), "DELETE", "{}", op.operation_id),
            // `claim`, `bind`, `aps`, ...: a POST or PUT of the resource or one segment below.
            _ => {
                let depth = |path: &str| path.trim_matches('/').split('/').count();
                let below = depth(&op.path) as i64 - depth(&action.resource) as i64;
                assert!((0..=1).contains(&below), "{}", op.operation_id);
                assert!(
                    matches!(op.http_method.as_upper(), "POST" | "PUT"),
                    "{}",
                    op.operation_id
                );
            }
        }
    }

    // The checked-in crate: one `pub fn` per batchable operation, named after it, and none for
    // the 474 others.
    let file = std::fs::read_to_string(root.join("generated-client/src/actions.rs")).unwrap();
    let functions: std::collections::BTreeSet<String> = file
        .lines()
        .filter_map(|line| line.trim_start().strip_prefix("pub fn "))
        .map(|rest| rest.split('(').next().unwrap().trim().to_string())
        .collect();
    let expected: std::collections::BTreeSet<String> = batchable
        .iter()
        .map(|(op, _)| op.method_name.clone())
        .collect();
    assert_eq!(functions, expected);
    assert_eq!(generated.api.operations.len() - functions.len(), 474);
}
