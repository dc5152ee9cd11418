//! `cargo xtask openapi`'s single document: components of the same name from several documents
//! merge when they are the same and are an error naming both documents when they differ.

use std::path::Path;

use meraki_codegen::{assemble, load, Error};
use serde_json::{json, Value};

/// A complete OpenAPI document of `version` with one operation `operation_id` answering a
/// `Device` (a `$ref` to the document's own schema), and the given `Device` schema.
fn document(version: &str, operation_id: &str, device: Value) -> Value {
    json!({
        "openapi": "3.0.1",
        "info": {"title": "Meraki Dashboard API", "version": version},
        "paths": {
            format!("/{operation_id}"): {
                "get": {
                    "operationId": operation_id,
                    "tags": ["devices"],
                    "responses": {"200": {"description": "Successful operation",
                        "content": {"application/json": {"schema":
                            {"$ref": "#/components/schemas/Device"}}}}}
                }
            }
        },
        "components": {
            "schemas": {"Device": device},
            "securitySchemes": {"meraki_api_key":
                {"type": "apiKey", "name": "X-Cisco-Meraki-API-Key", "in": "header"}}
        }
    })
}

fn device(property: &str) -> Value {
    json!({"type": "object", "properties": {property: {"type": "string"}}})
}

fn load_all(dir: &Path, documents: &[(&str, &Value)]) -> load::Specs {
    for (name, value) in documents {
        std::fs::write(dir.join(name), value.to_string()).unwrap();
    }
    load::load_specs(dir).expect("the documents load")
}

#[test]
fn identical_components_of_two_documents_are_merged() {
    let dir = tempfile::tempdir().unwrap();
    let specs = load_all(
        dir.path(),
        &[
            ("a.json", &document("1.42.0", "getDevice", device("serial"))),
            (
                "b.json",
                &document("1.42.0", "getDevices", device("serial")),
            ),
        ],
    );

    let assembled = assemble::assemble_openapi(&specs).expect("the same schema merges");

    assert_eq!(
        assembled["components"]["schemas"]["Device"],
        device("serial")
    );
    assert_eq!(
        assembled["components"]["securitySchemes"]
            .as_object()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(assembled["paths"].as_object().unwrap().len(), 2);
}

#[test]
fn different_components_of_the_same_name_are_an_error_naming_both_documents() {
    let dir = tempfile::tempdir().unwrap();
    let specs = load_all(
        dir.path(),
        &[
            ("a.json", &document("1.42.0", "getDevice", device("serial"))),
            ("b.json", &document("1.43.0", "getDevices", device("mac"))),
        ],
    );

    let error = assemble::assemble_openapi(&specs).expect_err("two different `Device` schemas");

    let Error::Conflict {
        what,
        first,
        second,
    } = &error
    else {
        panic!("expected a conflict, got {error}");
    };
    assert!(what.contains("/components/schemas/Device"), "{what}");
    assert_eq!(first.file, dir.path().join("a.json"));
    assert_eq!(first.pointer, "/components/schemas/Device");
    assert_eq!(second.file, dir.path().join("b.json"));
    assert_eq!(second.pointer, "/components/schemas/Device");
    let message = error.to_string();
    for part in ["a.json", "b.json", "/components/schemas/Device"] {
        assert!(message.contains(part), "`{part}` missing from: {message}");
    }
}

#[test]
fn a_documentation_page_security_scheme_conflict_points_into_its_meta() {
    let dir = tempfile::tempdir().unwrap();
    let page = json!({
        "type": "api",
        "meta": {
            "openapi": "3.0.1",
            "info": {"title": "Meraki Dashboard API", "version": "1.53.0"},
            "securitySchemes": {"meraki_api_key":
                {"type": "apiKey", "name": "X-Other-Header", "in": "header"}}
        },
        "spec": {
            "operationId": "getDeviceClients",
            "method": "get",
            "path": "/devices/{serial}/clients",
            "tags": ["devices"],
            "parameters": [{"name": "serial", "in": "path", "required": true,
                "schema": {"type": "string"}}],
            "responses": {"200": {"description": "Successful operation"}}
        }
    });
    let specs = load_all(
        dir.path(),
        &[
            ("a.json", &document("1.42.0", "getDevice", device("serial"))),
            ("page.json", &page),
        ],
    );

    let error = assemble::assemble_openapi(&specs).expect_err("two different API key schemes");

    let message = error.to_string();
    assert!(
        message.contains("/components/securitySchemes/meraki_api_key"),
        "{message}"
    );
    assert!(
        message.contains(&format!(
            "{} at /meta/securitySchemes/meraki_api_key",
            dir.path().join("page.json").display()
        )),
        "{message}"
    );
}
