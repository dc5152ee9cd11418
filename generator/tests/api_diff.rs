//! `cargo xtask diff`: the API changelog between two spec versions, locked with insta.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use meraki_codegen::diff::{ApiDiff, Status};
use meraki_codegen::load;
use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/evolution")
        .join(name)
}

fn diff(old: &Path, new: &Path) -> ApiDiff {
    let old = load::load_specs_from(&[old.to_path_buf()]).unwrap();
    let new = load::load_specs_from(&[new.to_path_buf()]).unwrap();
    meraki_codegen::compare_specs(&old, &new).unwrap()
}

/// Operations whose JSON differs, found without the generator: a plain comparison of every
/// operation object (with its path-level parameters) by operationId.
fn raw_changed_operations(old: &Path, new: &Path) -> BTreeSet<String> {
    let operations = |path: &Path| -> Vec<(String, Value)> {
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let mut out = Vec::new();
        for (route, item) in doc["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                if method == "parameters" {
                    continue;
                }
                let id = operation["operationId"].as_str().unwrap().to_string();
                let value = serde_json::json!([route, method, operation, item.get("parameters")]);
                out.push((id, value));
            }
        }
        out
    };
    let (old, new) = (operations(old), operations(new));
    let ids: BTreeSet<&String> = old.iter().chain(&new).map(|(id, _)| id).collect();
    ids.into_iter()
        .filter(|id| {
            let find = |list: &[(String, Value)]| list.iter().find(|(i, _)| i == *id).cloned();
            find(&old) != find(&new)
        })
        .cloned()
        .collect()
}

#[test]
fn meraki_1_41_to_1_42_names_exactly_the_changed_operations() {
    let test = "meraki_1_41_to_1_42_names_exactly_the_changed_operations";
    let (Some(old), Some(new)) = (
        common::spec_document("1.41.0", test),
        common::spec_document("1.42.0", test),
    ) else {
        return;
    };
    let diff = diff(&old, &new);
    let named: BTreeSet<String> = diff
        .operations
        .iter()
        .map(|op| op.operation_id.clone())
        .collect();
    let expected = raw_changed_operations(&old, &new);
    assert_eq!(
        expected.len(),
        8,
        "the two documents differ in 8 operations"
    );
    assert_eq!(named, expected);

    let docs_only: Vec<&str> = diff
        .with_status(Status::DocumentationOnly)
        .map(|op| op.operation_id.as_str())
        .collect();
    assert_eq!(
        docs_only,
        [
            "createNetworkFirmwareUpgradesStagedEvent",
            "updateNetworkApplianceVpnBgp"
        ]
    );
    for op in diff.with_status(Status::Changed) {
        assert!(
            !op.changes.is_empty(),
            "{} lists no change",
            op.operation_id
        );
    }
    insta::assert_snapshot!("meraki_1_41_to_1_42", diff.to_markdown(1));
}

#[test]
fn evolution_fixture_changelog_classifies_every_kind_of_change() {
    let diff = diff(&fixture("v1.json"), &fixture("v2.json"));
    insta::assert_snapshot!("evolution_v1_to_v2", diff.to_markdown(1));
}

#[test]
fn identical_specs_have_an_empty_diff() {
    let diff = diff(&fixture("v1.json"), &fixture("v1.json"));
    assert!(diff.is_empty());
    assert_eq!(diff.impact(), None);
}
