//! Properties of the lowered model that the awkward fixture must show.

use std::path::Path;

use meraki_codegen::model::{PageItems, TypeKind, TypeRef};
use meraki_codegen::{generate, EmitOptions, Generated};

fn awkward() -> Generated {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/awkward.json");
    generate(&path, &EmitOptions::default()).expect("awkward fixture generates")
}

fn type_named<'a>(generated: &'a Generated, name: &str) -> &'a meraki_codegen::model::TypeDef {
    generated
        .api
        .types
        .iter()
        .find(|t| t.name == name)
        .unwrap_or_else(|| {
            panic!(
                "no type {name}; have {:?}",
                generated
                    .api
                    .types
                    .iter()
                    .map(|t| &t.name)
                    .collect::<Vec<_>>()
            )
        })
}

#[test]
fn awkward_enum_values_become_distinct_valid_variants() {
    let generated = awkward();
    let TypeKind::StringEnum { variants } = &type_named(&generated, "AuthMode").kind else {
        panic!("AuthMode is not an enum")
    };
    let names: Vec<&str> = variants.iter().map(|v| v.rust_name.as_str()).collect();
    assert_eq!(
        names,
        ["V802_1X", "V802_1x", "Open", "Unknown", "UnknownValue_"]
    );
    let TypeKind::StringEnum { variants } = &type_named(&generated, "Speed").kind else {
        panic!("Speed is not an enum")
    };
    let names: Vec<&str> = variants.iter().map(|v| v.rust_name.as_str()).collect();
    assert_eq!(names, ["Empty", "V1Gbps", "V2_5Gbps", "V0"]);
}

#[test]
fn each_site_has_its_own_type_and_contested_names_are_qualified() {
    let generated = awkward();
    // The create and update responses and the `status` body field have the same shape, but are
    // three places of the spec: three types, each named after its own site.
    let statuses: Vec<(&str, Vec<&str>)> = generated
        .api
        .types
        .iter()
        .filter(|t| matches!(&t.kind, TypeKind::StringEnum { variants } if variants.iter().any(|v| v.wire == "enabled")))
        .map(|t| (t.name.as_str(), t.sites.iter().map(|s| s.0.as_str()).collect()))
        .collect();
    assert_eq!(
        statuses,
        [
            (
                "CreateNetworkVlanRequestStatus",
                vec!["createNetworkVlan/body/status"]
            ),
            (
                "CreateNetworkVlanResponseStatus",
                vec!["createNetworkVlan/response/status"]
            ),
            (
                "UpdateNetworkVlanResponseStatus",
                vec!["updateNetworkVlan/response/status"]
            ),
        ]
    );
    // Four different `status` enums: none may take the bare name.
    assert!(generated.api.types.iter().all(|t| t.name != "Status"));
    let names: std::collections::BTreeSet<&str> = generated
        .api
        .types
        .iter()
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(
        names.len(),
        generated.api.types.len(),
        "type names are unique"
    );
    assert!(
        names.iter().all(|n| n.len() <= 60),
        "names stay short: {names:?}"
    );
}

#[test]
fn object_pages_stream_their_array_field() {
    let generated = awkward();
    let op = generated
        .api
        .operations
        .iter()
        .find(|op| op.operation_id == "getNetworkEvents")
        .unwrap();
    let pagination = op
        .pagination
        .as_ref()
        .expect("getNetworkEvents is paginated");
    assert!(
        matches!(&pagination.items, PageItems::Field { rust_name, .. } if rust_name == "events")
    );
    assert!(matches!(pagination.item, TypeRef::Named(_)));
}

#[test]
fn parameters_are_ordered_path_first_then_query_by_name() {
    let generated = awkward();
    let op = generated
        .api
        .operations
        .iter()
        .find(|op| op.operation_id == "getNetworkEvents")
        .unwrap();
    let order: Vec<&str> = op.params.iter().map(|p| p.wire_name.as_str()).collect();
    assert_eq!(
        order,
        [
            "networkId",
            "channels",
            "endingBefore",
            "includedEventTypes",
            "perPage",
            "productType",
            "since",
            "startingAfter",
            "type"
        ]
    );
    assert_eq!(op.params.last().unwrap().rust_name, "type_");
}

#[test]
fn the_two_seed_pages_merge_into_one_api() {
    let seeds = tempfile::tempdir().unwrap();
    let specs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs");
    for page in [
        "getDeviceClients.json",
        "getOrganizationDevicesProvisioningStatuses.json",
    ] {
        std::fs::copy(specs.join(page), seeds.path().join(page)).unwrap();
    }
    let generated = generate(seeds.path(), &EmitOptions::default()).unwrap();
    // One operation each: the base is the older page, the newest version the other's.
    assert_eq!(generated.api.version, "1.53.0");
    assert_eq!(generated.api.newest_version, "1.54.0");
    assert_eq!(generated.api.operations.len(), 2);
    // The `status` query parameter and the `status` response field: two places, two enums of
    // the same values.
    let op = generated
        .api
        .operations
        .iter()
        .find(|op| op.operation_id == "getOrganizationDevicesProvisioningStatuses")
        .unwrap();
    let param = op.params.iter().find(|p| p.wire_name == "status").unwrap();
    let item = &op.pagination.as_ref().unwrap().item;
    let TypeRef::Named(item) = item else {
        panic!("item is a struct")
    };
    let TypeKind::Struct { fields } = &generated.api.type_def(*item).kind else {
        panic!("item is a struct")
    };
    let field = fields.iter().find(|f| f.wire_name == "status").unwrap();
    assert_ne!(param.ty, field.ty);
    let sites = |ty: &TypeRef| -> Vec<String> {
        let def = generated.api.type_def(ty.named().unwrap());
        def.sites.iter().map(|s| s.0.clone()).collect()
    };
    assert_eq!(
        sites(&param.ty),
        ["getOrganizationDevicesProvisioningStatuses/query/status"]
    );
    assert_eq!(
        sites(&field.ty),
        ["getOrganizationDevicesProvisioningStatuses/response/[]/status"]
    );
}

#[test]
fn batchable_actions_match_their_operation_or_warn() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("api.json");
    let write = |op: &str, method: &str, path: &str| {
        serde_json::json!({"operationId": op, "tags": ["things"], "summary": format!("{method} {path}"),
            "responses": {"204": {"description": "done"}}})
    };
    let doc = serde_json::json!({
        "openapi": "3.0.1",
        "info": {"title": "t", "version": "1.0.0"},
        "paths": {
            "/things/{thingId}": {
                "put": write("updateThing", "put", "/things/{thingId}"),
                "delete": write("deleteThing", "delete", "/things/{thingId}"),
                "parameters": [{"name": "thingId", "in": "path", "required": true, "schema": {"type": "string"}}]
            },
            "/things/{thingId}/reboot": {
                "post": write("rebootThing", "post", "/things/{thingId}/reboot"),
                "parameters": [{"name": "thingId", "in": "path", "required": true, "schema": {"type": "string"}}]
            }
        },
        "x-batchable-actions": [
            {"resource": "/things/{id}", "operation": "update"},
            {"resource": "/things/{id}", "operation": "reboot"},
            {"resource": "/things/{id}", "operation": "create"}
        ]
    });
    std::fs::write(&file, doc.to_string()).unwrap();
    let generated =
        meraki_codegen::generate(&file, &meraki_codegen::EmitOptions::default()).unwrap();
    let actions: Vec<(&str, &str, &str)> = generated
        .api
        .operations
        .iter()
        .filter_map(|op| {
            op.batch_action.as_ref().map(|a| {
                (
                    op.operation_id.as_str(),
                    a.operation.as_str(),
                    a.resource.as_str(),
                )
            })
        })
        .collect();
    // By position, not name: `{id}` is `{thingId}`; `reboot` is the POST one segment below;
    // the DELETE is not batchable here, and `create` (a POST of `/things/{id}`) matches nothing.
    assert_eq!(
        actions,
        [
            ("rebootThing", "reboot", "/things/{id}"),
            ("updateThing", "update", "/things/{id}"),
        ]
    );
    let warnings = generated.warnings();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("/x-batchable-actions/2")
            && warnings[0].contains("`create` of `/things/{id}` matches no operation"),
        "{warnings:?}"
    );
    assert!(!generated.files["src/actions.rs"].contains("delete_thing"));
    assert!(generated.files["src/actions.rs"].contains("pub fn reboot_thing("));
}
