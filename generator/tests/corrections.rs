//! Spec corrections (`specs/corrections.json`): each kind changes what it says, a correction the
//! spec no longer needs is a warning, one naming nothing real an error naming the file and the
//! JSON pointer of the entry.

use meraki_codegen::model::{PageItems, TypeKind, TypeRef};
use meraki_codegen::{generate, EmitOptions, Generated};
use serde_json::{json, Value};

/// A small complete document: a list operation declared as one object, a VLAN with a string id,
/// an operation with an optional parameter, and a wrapped list without page parameters.
fn document() -> Value {
    let ok = |schema: Value| json!({"200": {"description": "ok", "content": {"application/json": {"schema": schema}}}});
    json!({
        "openapi": "3.0.1",
        "info": {"title": "Meraki Dashboard API", "version": "1.42.0"},
        "paths": {
            "/networks/{networkId}/clients": {"get": {
                "operationId": "getNetworkClients", "tags": ["networks"],
                "parameters": [
                    {"name": "networkId", "in": "path", "required": true, "schema": {"type": "string"}},
                    {"name": "perPage", "in": "query", "schema": {"type": "integer"}},
                    {"name": "startingAfter", "in": "query", "schema": {"type": "string"}},
                    {"name": "endingBefore", "in": "query", "schema": {"type": "string"}}
                ],
                "responses": ok(json!({"type": "object", "properties": {
                    "mac": {"type": "string"}, "firstSeen": {"type": "integer"}}}))
            }},
            "/networks/{networkId}/vlans/{vlanId}": {"get": {
                "operationId": "getNetworkVlan", "tags": ["networks"],
                "parameters": [
                    {"name": "networkId", "in": "path", "required": true, "schema": {"type": "string"}},
                    {"name": "vlanId", "in": "path", "required": true, "schema": {"type": "string"}},
                    {"name": "verbose", "in": "query", "schema": {"type": "boolean"}}
                ],
                "responses": ok(json!({"type": "object", "properties": {
                    "id": {"type": "string", "description": "The VLAN ID"}, "name": {"type": "string"}}}))
            }},
            "/organizations/{organizationId}/things": {"get": {
                "operationId": "getOrganizationThings", "tags": ["organizations"],
                "parameters": [
                    {"name": "organizationId", "in": "path", "required": true, "schema": {"type": "string"}}
                ],
                "responses": ok(json!({"type": "object", "properties": {
                    "items": {"type": "array", "items": {"type": "object", "properties": {"id": {"type": "string"}}}},
                    "meta": {"type": "object", "properties": {"count": {"type": "integer"}}}}}))
            }}
        }
    })
}

fn correction(operation: &str, kind: &str, extra: Value) -> Value {
    let mut entry = json!({
        "operation": operation, "kind": kind,
        "reason": "what the server really sends", "evidence": "a captured response"
    });
    entry
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    entry
}

fn generate_with(corrections: Vec<Value>) -> meraki_codegen::Result<Generated> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("spec.json"), document().to_string()).unwrap();
    std::fs::write(
        dir.path().join("corrections.json"),
        json!({ "corrections": corrections }).to_string(),
    )
    .unwrap();
    generate(dir.path(), &EmitOptions::default())
}

fn operation<'a>(generated: &'a Generated, id: &str) -> &'a meraki_codegen::model::Operation {
    generated
        .api
        .operations
        .iter()
        .find(|op| op.operation_id == id)
        .unwrap()
}

fn field_type(generated: &Generated, ty: &TypeRef, wire: &str) -> TypeRef {
    let TypeRef::Named(id) = ty else {
        panic!("{ty:?} is not a named type")
    };
    let TypeKind::Struct { fields } = &generated.api.type_def(*id).kind else {
        panic!("not a struct")
    };
    fields
        .iter()
        .find(|f| f.wire_name == wire)
        .unwrap_or_else(|| panic!("no field {wire}"))
        .ty
        .clone()
}

#[test]
fn each_kind_changes_what_it_says() {
    let generated = generate_with(vec![
        correction("getNetworkClients", "response-is-array", json!({})),
        correction(
            "getNetworkClients",
            "field-type",
            json!({"field": "response/[]/firstSeen", "schema": {"type": "string", "format": "date-time"}}),
        ),
        correction(
            "getNetworkVlan",
            "field-type",
            json!({"field": "response/id", "schema": {"type": "integer"}}),
        ),
        correction(
            "getNetworkVlan",
            "missing-field",
            json!({"field": "response/networkId", "schema": {"type": "string"}}),
        ),
        correction("getNetworkVlan", "nullable", json!({"field": "response/name"})),
        correction(
            "getNetworkVlan",
            "required-parameter",
            json!({"parameter": "verbose"}),
        ),
        correction(
            "getOrganizationThings",
            "paginated",
            json!({"items": {"field": "items"}}),
        ),
    ])
    .unwrap();
    assert!(
        generated.warnings().is_empty(),
        "{:?}",
        generated.warnings()
    );

    let clients = operation(&generated, "getNetworkClients");
    let TypeRef::Vec(item) = &clients.response.ty else {
        panic!("the response is a list now: {:?}", clients.response.ty)
    };
    assert_eq!(
        clients.pagination.as_ref().map(|p| &p.items),
        Some(&PageItems::Array)
    );
    assert_eq!(
        field_type(&generated, item, "firstSeen"),
        TypeRef::Timestamp
    );

    let vlan = operation(&generated, "getNetworkVlan");
    assert_eq!(
        field_type(&generated, &vlan.response.ty, "id"),
        TypeRef::Integer
    );
    assert_eq!(
        field_type(&generated, &vlan.response.ty, "networkId"),
        TypeRef::String
    );
    let verbose = vlan
        .params
        .iter()
        .find(|p| p.wire_name == "verbose")
        .unwrap();
    assert!(verbose.required);

    let things = operation(&generated, "getOrganizationThings");
    let page_params: Vec<&str> = things.params.iter().map(|p| p.wire_name.as_str()).collect();
    assert!(page_params.contains(&"perPage") && page_params.contains(&"startingAfter"));
    assert!(matches!(
        things.pagination.as_ref().map(|p| &p.items),
        Some(PageItems::Field { .. })
    ));

    // The operation's docs and the crate docs say what was corrected and why.
    let networks = &generated.files["src/networks.rs"];
    assert!(networks.contains("Corrected from the API description"));
    assert!(generated.files["src/lib.rs"].contains("Spec corrections applied"));
}

#[test]
fn a_correction_the_spec_no_longer_needs_is_a_warning() {
    let generated = generate_with(vec![
        // Already a string: nothing to change.
        correction(
            "getNetworkVlan",
            "field-type",
            json!({"field": "response/id", "schema": {"type": "string"}}),
        ),
        // Already has its page parameters.
        correction("getNetworkClients", "paginated", json!({"items": "array"})),
        correction(
            "getNetworkVlan",
            "missing-field",
            json!({"field": "response/name", "schema": {"type": "string"}}),
        ),
    ])
    .unwrap();
    let warnings = generated.warnings();
    assert_eq!(warnings.len(), 3, "{warnings:?}");
    assert!(warnings[0].contains("getNetworkVlan") && warnings[0].contains("no longer applies"));
    assert!(warnings[1].contains("page parameters"));
    assert!(warnings[2].contains("declares `response/name`"));
}

#[test]
fn a_correction_naming_nothing_real_is_an_error_with_file_and_pointer() {
    let cases = [
        (
            correction(
                "getNoSuchThing",
                "nullable",
                json!({"field": "response/id"}),
            ),
            vec![
                "corrections.json",
                "/corrections/0/operation",
                "getNoSuchThing",
            ],
        ),
        (
            correction(
                "getNetworkVlan",
                "nullable",
                json!({"field": "response/nope"}),
            ),
            vec!["corrections.json", "/corrections/0/field", "response/nope"],
        ),
        (
            correction(
                "getNetworkVlan",
                "required-parameter",
                json!({"parameter": "nope"}),
            ),
            vec!["/corrections/0/parameter", "nope"],
        ),
        (
            correction(
                "getNetworkVlan",
                "field-type",
                json!({"field": "response/id"}),
            ),
            vec!["/corrections/0", "needs `schema`"],
        ),
        (
            correction(
                "getOrganizationThings",
                "paginated",
                json!({"items": {"field": "rows"}}),
            ),
            vec!["/corrections/0/items", "rows"],
        ),
        (
            json!({"operation": "getNetworkVlan", "kind": "rename", "reason": "r", "evidence": "e"}),
            vec!["/corrections/0/kind", "rename"],
        ),
        (
            json!({"operation": "getNetworkVlan", "kind": "nullable", "field": "response/id", "reason": "r", "evidence": " "}),
            vec!["/corrections/0", "evidence"],
        ),
    ];
    for (entry, parts) in cases {
        let error = generate_with(vec![entry.clone()]).unwrap_err().to_string();
        for part in parts {
            assert!(
                error.contains(part),
                "`{error}` should mention `{part}` for {entry}"
            );
        }
    }
}
