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
fn growing_requests_and_responses_is_additive() {
    // v3 only adds: optional body properties (one a nested object with array items), a response
    // property, enum values in a response and a request, an optional parameter, an operation.
    let diff = diff(&fixture("v2.json"), &fixture("v3.json"));
    let changes: Vec<(&str, meraki_codegen::diff::Impact)> = diff
        .operations
        .iter()
        .flat_map(|op| {
            op.changes
                .iter()
                .map(|c| (op.operation_id.as_str(), c.impact))
        })
        .collect();
    assert!(changes.len() >= 7, "{changes:?}");
    assert!(
        changes
            .iter()
            .all(|(_, impact)| *impact == meraki_codegen::diff::Impact::Additive),
        "{changes:?}"
    );
    insta::assert_snapshot!("evolution_v2_to_v3", diff.to_markdown(1));
}

#[test]
fn identical_specs_have_an_empty_diff() {
    let diff = diff(&fixture("v1.json"), &fixture("v1.json"));
    assert!(diff.is_empty());
    assert_eq!(diff.impact(), None);
}

/// A one-operation document: `PUT /things/{id}` with the given query parameters, request body
/// schema and responses.
fn document(parameters: Value, body: Value, responses: Value) -> String {
    let mut all = vec![serde_json::json!({
        "name": "id", "in": "path", "required": true, "schema": {"type": "string"}
    })];
    all.extend(parameters.as_array().cloned().unwrap_or_default());
    serde_json::json!({
        "openapi": "3.0.1",
        "info": {"title": "Drift", "version": "1.0.0"},
        "paths": {"/things/{id}": {"put": {
            "operationId": "updateThing",
            "tags": ["things"],
            "parameters": all,
            "requestBody": {"required": true, "content": {"application/json": {"schema": body}}},
            "responses": responses
        }}}
    })
    .to_string()
}

fn diff_texts(old: &str, new: &str) -> ApiDiff {
    let load = |name: &str, text: &str| {
        load::load_documents(&[(PathBuf::from(name), text.to_string())]).unwrap()
    };
    meraki_codegen::compare_specs(&load("old.json", old), &load("new.json", new)).unwrap()
}

fn lines(diff: &ApiDiff) -> Vec<String> {
    diff.operations
        .iter()
        .flat_map(|op| op.changes.iter().map(|c| c.text.clone()))
        .collect()
}

/// The changelog names the setter emit writes: a parameter that would shadow a builder method
/// becomes `.body_param()`, and a body property clashing with a parameter `.body_force()`.
#[test]
fn the_changelog_names_the_setters_the_crate_has() {
    let body = serde_json::json!({"type": "object", "properties": {"name": {"type": "string"}}});
    let responses = serde_json::json!({"200": {"description": "ok"}});
    let old = document(serde_json::json!([]), body.clone(), responses.clone());
    let mut new_body = body.clone();
    new_body["properties"]["force"] = serde_json::json!({"type": "boolean"});
    let new = document(
        serde_json::json!([
            {"name": "body", "in": "query", "schema": {"type": "string"}},
            {"name": "force", "in": "query", "schema": {"type": "boolean"}}
        ]),
        new_body,
        responses,
    );
    let text = lines(&diff_texts(&old, &new)).join("\n");
    assert!(
        text.contains("new optional query parameter `body` (`String`): setter `.body_param()`"),
        "{text}"
    );
    assert!(
        text.contains("new optional query parameter `force` (`bool`): setter `.force()`"),
        "{text}"
    );

    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("new.json");
    std::fs::write(&spec, &new).unwrap();
    let generated =
        meraki_codegen::generate(&spec, &meraki_codegen::EmitOptions::default()).unwrap();
    let code: String = generated.files.values().cloned().collect();
    for setter in ["fn body_param(", "fn force(", "fn body_force("] {
        assert!(code.contains(setter), "the crate has no `{setter}`");
    }
}

/// Lowering takes the success response from a `2XX`-style code only when it is a number: a
/// range key is not the typed response, so a change inside it is not described as one (the
/// changelog used to pick the schema itself and accepted `2XX`).
#[test]
fn a_change_the_crate_does_not_use_is_not_described_as_a_type_change() {
    let body = serde_json::json!({"type": "object", "properties": {"name": {"type": "string"}}});
    let response = |extra: bool| {
        let mut properties = serde_json::json!({"id": {"type": "string"}});
        if extra {
            properties["serial"] = serde_json::json!({"type": "string"});
        }
        serde_json::json!({"2XX": {"description": "ok", "content": {"application/json": {
            "schema": {"type": "object", "properties": properties}
        }}}})
    };
    let old = document(serde_json::json!([]), body.clone(), response(false));
    let new = document(serde_json::json!([]), body, response(true));
    let diff = diff_texts(&old, &new);
    assert_eq!(diff.operations.len(), 1, "{diff:?}");
    assert_eq!(
        lines(&diff),
        ["responses other than the success response change (the crate reports them as errors)"]
    );
}

/// A tighter bound on a request property is breaking although no Rust type changes; the bound
/// comes from the model's constraints, a `$ref`'d parameter's schema from its component.
#[test]
fn constraints_come_from_the_schemas_lowering_used() {
    let with = |max_length: u64, maximum: u64| {
        let body = serde_json::json!({"type": "object", "properties": {
            "name": {"type": "string", "maxLength": max_length}
        }});
        let mut text: Value = serde_json::from_str(&document(
            serde_json::json!([{"$ref": "#/components/parameters/perPage"}]),
            body,
            serde_json::json!({"200": {"description": "ok"}}),
        ))
        .unwrap();
        text["components"] = serde_json::json!({"parameters": {"perPage": {
            "name": "perPage", "in": "query",
            "schema": {"type": "integer", "maximum": maximum}
        }}});
        text.to_string()
    };
    let diff = diff_texts(&with(100, 1000), &with(50, 5000));
    assert_eq!(
        lines(&diff),
        [
            "query parameter `perPage`: `maximum` raised from `1000` to `5000` (the API accepts more values; the Rust API is unchanged)",
            "request body `name`: `maxLength` lowered from `100` to `50` (the API may reject values it accepted before, although the Rust API is unchanged)",
        ]
    );
}

/// A `$ref` DAG (each schema's two properties refer to the next) is compared in time linear in
/// its size: a component met along many paths is compared once, and its change reported once.
#[test]
fn a_ref_dag_is_compared_once_per_component() {
    let dag = |leaf_type: &str| {
        let mut schemas = serde_json::Map::new();
        for level in 0..24 {
            let next = serde_json::json!({"$ref": format!("#/components/schemas/S{}", level + 1)});
            schemas.insert(
                format!("S{level}"),
                serde_json::json!({"type": "object", "properties": {"a": next, "b": next}}),
            );
        }
        schemas.insert(
            "S24".into(),
            serde_json::json!({"type": "object", "properties": {"leaf": {"type": leaf_type}}}),
        );
        let mut document: Value = serde_json::from_str(&document(
            serde_json::json!([]),
            serde_json::json!({"type": "object", "properties": {"name": {"type": "string"}}}),
            serde_json::json!({"200": {"description": "ok", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/S0"}
            }}}}),
        ))
        .unwrap();
        document["components"] = serde_json::json!({ "schemas": schemas });
        document.to_string()
    };
    let started = std::time::Instant::now();
    let diff = diff_texts(&dag("string"), &dag("integer"));
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let changes = lines(&diff);
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert!(changes[0].contains("leaf"), "{changes:?}");
}
