//! Several documents defining one operation: the newest `info.version` wins, the crate says where
//! each operation came from, and what stays ambiguous is an error naming both files.

use std::path::Path;

use meraki_codegen::{generate, EmitOptions, Generated};
use serde_json::{json, Value};

/// The getDeviceClients documentation page (info.version 1.53.0).
const SEED: &str = include_str!("../../specs/getDeviceClients.json");

fn seed_with(edit: impl FnOnce(&mut Value)) -> Value {
    let mut value: Value = serde_json::from_str(SEED).unwrap();
    edit(&mut value);
    value
}

/// A complete OpenAPI document of version `version` with a `getDeviceClients` of its own (a
/// different summary than the page's) and one operation the pages do not have.
fn full_document(version: &str) -> Value {
    let string_param = |name: &str| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}});
    json!({
        "openapi": "3.0.1",
        "info": {"title": "Meraki Dashboard API", "version": version},
        "servers": [{"url": "https://api.meraki.com/api/v1"}],
        "paths": {
            "/devices/{serial}/clients": {
                "get": {
                    "operationId": "getDeviceClients",
                    "summary": "List the clients of a device (old definition)",
                    "tags": ["devices"],
                    "parameters": [string_param("serial")],
                    "responses": {"200": {"description": "Successful operation",
                        "content": {"application/json": {"schema": {"type": "object"}}}}}
                }
            },
            "/devices/{serial}": {
                "get": {
                    "operationId": "getDevice",
                    "summary": "Return a single device",
                    "tags": ["devices"],
                    "parameters": [string_param("serial")],
                    "responses": {"200": {"description": "Successful operation",
                        "content": {"application/json": {"schema": {"type": "object",
                            "properties": {"serial": {"type": "string"}}}}}}}
                }
            }
        }
    })
}

fn generate_from(documents: &[(&str, &Value)]) -> meraki_codegen::Result<Generated> {
    let dir = tempfile::tempdir().unwrap();
    write_all(dir.path(), documents);
    generate(dir.path(), &EmitOptions::default())
}

fn write_all(dir: &Path, documents: &[(&str, &Value)]) {
    for (name, value) in documents {
        std::fs::write(dir.join(name), value.to_string()).unwrap();
    }
}

fn file<'a>(generated: &'a Generated, name: &str) -> &'a str {
    generated
        .files
        .get(name)
        .unwrap_or_else(|| panic!("no {name} in {:?}", generated.files.keys()))
}

#[test]
fn a_newer_page_replaces_the_operation_of_an_older_complete_document() {
    let page = seed_with(|_| {});
    let full = full_document("1.42.0");
    let generated = generate_from(&[("page.json", &page), ("spec3.json", &full)]).unwrap();
    let api = &generated.api;
    assert_eq!(api.operations.len(), 2);
    let clients = api
        .operations
        .iter()
        .find(|op| op.operation_id == "getDeviceClients")
        .unwrap();
    assert_eq!(
        clients.summary.as_deref(),
        page["spec"]["summary"].as_str(),
        "the page's (newer) definition is the one used"
    );
    assert_eq!(api.sources[clients.source].file, "page.json");

    // The version story: base document and newest version, never "the crate is 1.53.0".
    assert_eq!(api.version, "1.42.0");
    assert_eq!(api.newest_version, "1.53.0");
    assert_eq!(api.superseded.len(), 1);
    let lib = file(&generated, "src/lib.rs");
    assert!(lib.contains(r#"pub const SPEC_VERSION: &str = "1.42.0";"#));
    assert!(lib.contains(r#"pub const NEWEST_SPEC_VERSION: &str = "1.53.0";"#));
    assert!(lib.contains("`getDeviceClients`: v1.53.0 from `page.json` (replaces v1.42.0)"));
    let cargo = file(&generated, "Cargo.toml");
    assert!(cargo.contains("spec-version = \"1.42.0\"\nnewest-spec-version = \"1.53.0\""));
    let changelog = file(&generated, "CHANGELOG.md");
    assert!(changelog.contains("Base document: `spec3.json`, version 1.42.0"));
    assert!(changelog.contains("`getDeviceClients`: v1.53.0 from `page.json` (replaces v1.42.0)"));

    // The replacing operation says so in its own docs; the base document's do not.
    let devices = file(&generated, "src/devices.rs");
    let note = "Defined by `page.json`, version 1.53.0 of the API description, newer than the \
                crate's base version 1.42.0; it replaces the definition of v1.42.0 (`spec3.json`).";
    let wrapped: String = devices
        .lines()
        .filter_map(|l| l.trim().strip_prefix("///"))
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ");
    assert!(wrapped.contains(note), "{devices}");
    assert_eq!(wrapped.matches("Defined by").count(), 1);
}

#[test]
fn the_newest_version_wins_whatever_the_file_order() {
    // Same operation in two pages; the newer one sorts first by file name in one case and last
    // in the other.
    let older = seed_with(|v| {
        v["meta"]["info"]["version"] = "1.9.0".into();
        v["spec"]["summary"] = "Old summary".into();
    });
    let newer = seed_with(|v| {
        v["meta"]["info"]["version"] = "1.10.0".into();
        v["spec"]["summary"] = "New summary".into();
    });
    for documents in [
        [("a.json", &older), ("b.json", &newer)],
        [("a.json", &newer), ("b.json", &older)],
    ] {
        let api = generate_from(&documents).unwrap().api;
        assert_eq!(api.operations.len(), 1);
        // 1.10.0 is newer than 1.9.0: versions compare as numbers, not as text.
        assert_eq!(api.operations[0].summary.as_deref(), Some("New summary"));
        assert_eq!(api.newest_version, "1.10.0");
    }
}

#[test]
fn a_newer_definition_may_move_the_operation_to_another_route() {
    let full = full_document("1.42.0");
    let moved = seed_with(|v| v["spec"]["path"] = "/devices/{serial}/clientsList".into());
    let api = generate_from(&[("page.json", &moved), ("spec3.json", &full)])
        .unwrap()
        .api;
    let clients = api
        .operations
        .iter()
        .find(|op| op.operation_id == "getDeviceClients")
        .unwrap();
    assert_eq!(clients.path, "/devices/{serial}/clientsList");
}

#[test]
fn different_definitions_at_the_same_version_are_an_error_naming_both_files() {
    let one = seed_with(|v| v["spec"]["summary"] = "One".into());
    let other = seed_with(|v| v["spec"]["summary"] = "Other".into());
    let error = generate_from(&[("a.json", &one), ("b.json", &other)])
        .unwrap_err()
        .to_string();
    for part in [
        "a.json",
        "b.json",
        "getDeviceClients",
        "1.53.0",
        "differently",
    ] {
        assert!(error.contains(part), "`{error}` should mention `{part}`");
    }
}

#[test]
fn a_route_claimed_by_two_operations_after_the_rule_is_an_error() {
    // The newer page renames the operation; the older document's getDeviceClients stays, so two
    // operations claim GET /devices/{serial}/clients.
    let full = full_document("1.42.0");
    let renamed = seed_with(|v| v["spec"]["operationId"] = "listDeviceClients".into());
    let error = generate_from(&[("page.json", &renamed), ("spec3.json", &full)])
        .unwrap_err()
        .to_string();
    for part in ["page.json", "spec3.json", "GET /devices/{serial}/clients"] {
        assert!(error.contains(part), "`{error}` should mention `{part}`");
    }
}

#[test]
fn a_single_document_tells_a_single_version() {
    let full = full_document("1.42.0");
    let generated = generate_from(&[("spec3.json", &full)]).unwrap();
    assert_eq!(generated.api.version, "1.42.0");
    assert_eq!(generated.api.newest_version, "1.42.0");
    assert!(generated.api.superseded.is_empty());
    let lib = file(&generated, "src/lib.rs");
    assert!(lib.contains(r#"pub const NEWEST_SPEC_VERSION: &str = "1.42.0";"#));
    assert!(!lib.contains("Operations from other documents"));
}
