//! Stable names: the names manifest keeps every type's name while its schema is still there,
//! whatever appears next to it in a new spec version.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use meraki_codegen::load;
use meraki_codegen::lower::{lower, lower_with};
use meraki_codegen::manifest::Manifest;
use meraki_codegen::model::Api;
use serde_json::{json, Value};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/evolution")
        .join(name)
}

fn read(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixture(name)).unwrap()).unwrap()
}

fn lower_value(spec: &Value, manifest: Option<&Manifest>) -> Api {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("spec.json");
    std::fs::write(&file, serde_json::to_string_pretty(spec).unwrap()).unwrap();
    let specs = load::load_specs(&file).unwrap();
    lower_with(&specs, manifest).unwrap()
}

/// Type name by site, for every site of every type.
fn names_by_site(api: &Api) -> BTreeMap<String, String> {
    api.types
        .iter()
        .flat_map(|t| t.sites.iter().map(|s| (s.to_string(), t.name.clone())))
        .collect()
}

/// `v1` plus an operation whose response has a `kind` enum of its own: it proposes `Kind`, the
/// name the traffic items' kind enum holds.
fn v1_with_colliding_neighbour() -> Value {
    let mut spec = read("v1.json");
    spec["paths"]["/networks/{networkId}/health"] = json!({
        "get": {
            "operationId": "getNetworkHealth",
            "tags": ["networks"],
            "parameters": [
                {"name": "networkId", "in": "path", "required": true, "schema": {"type": "string"}}
            ],
            "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
                "type": "object",
                "properties": {"kind": {"type": "string", "enum": ["green", "red"]}}
            }}}}}
        }
    });
    spec
}

#[test]
fn manifest_of_the_fixture_is_locked() {
    let api = lower(&load::load_specs(&fixture("v1.json")).unwrap()).unwrap();
    insta::assert_snapshot!("evolution_v1_names", Manifest::from_api(&api).to_json());
}

#[test]
fn an_unrelated_colliding_schema_renames_no_existing_type() {
    let before = lower_value(&read("v1.json"), None);
    let manifest = Manifest::from_api(&before);
    let old = names_by_site(&before);
    assert_eq!(old["getNetworkTraffic/response/[]/kind"], "Kind");

    // Without the manifest the newcomer contests `Kind`, and neither type gets it: the old
    // enum would be renamed although nothing about it changed.
    let unpinned = names_by_site(&lower_value(&v1_with_colliding_neighbour(), None));
    assert_ne!(unpinned["getNetworkTraffic/response/[]/kind"], "Kind");

    let after = lower_value(&v1_with_colliding_neighbour(), Some(&manifest));
    let new = names_by_site(&after);
    for (site, name) in &old {
        assert_eq!(&new[site], name, "the type at {site} was renamed");
    }
    assert_eq!(new["getNetworkHealth/response/kind"], "HealthKind");
    // The variants of kept enums keep their names too.
    assert_eq!(
        Manifest::from_api(&after)
            .types
            .iter()
            .find(|t| t.name == "Kind")
            .map(|t| t.variants.clone()),
        manifest
            .types
            .iter()
            .find(|t| t.name == "Kind")
            .map(|t| t.variants.clone())
    );
}

#[test]
fn a_site_that_grows_keeps_its_type_and_so_do_the_sites_of_the_same_shape() {
    let before = lower_value(&read("v1.json"), None);
    let old = names_by_site(&before);
    // The same shape in two operations, but two places: two types.
    assert_eq!(old["getNetworkDevices/response/[]"], "NetworkDevice");
    assert_eq!(
        old["getOrganizationDevices/response/[]"],
        "OrganizationDevice"
    );

    // In v2 only the network's devices gain a field: that site keeps its type, which gains a
    // field, and the organization's list keeps its own.
    let after = lower_value(&read("v2.json"), Some(&Manifest::from_api(&before)));
    let new = names_by_site(&after);
    for (site, name) in &old {
        if let Some(now) = new.get(site) {
            assert_eq!(now, name, "the type at {site} was renamed");
        }
    }
    let device = after
        .types
        .iter()
        .find(|t| t.name == "NetworkDevice")
        .unwrap();
    let meraki_codegen::model::TypeKind::Struct { fields } = &device.kind else {
        panic!("a struct")
    };
    assert!(fields.iter().any(|f| f.wire_name == "firmware"));
}

#[test]
fn regenerating_with_its_own_manifest_changes_nothing() {
    let api = lower_value(&read("v2.json"), None);
    let manifest = Manifest::from_api(&api);
    let again = lower_value(&read("v2.json"), Some(&manifest));
    assert_eq!(again, api);
}

#[test]
fn editing_a_name_in_the_manifest_renames_on_purpose() {
    let api = lower_value(&read("v1.json"), None);
    let mut manifest = Manifest::from_api(&api);
    for entry in &mut manifest.types {
        if entry.name == "NetworkDeviceStatus" {
            entry.name = "DeviceStatus".into();
            entry.variants.insert("online".into(), "Up".into());
        }
    }
    let manifest = Manifest::parse(&manifest.to_json(), Path::new("names.json")).unwrap();
    let renamed = lower_value(&read("v1.json"), Some(&manifest));
    let names = names_by_site(&renamed);
    assert_eq!(
        names["getNetworkDevices/response/[]/status"],
        "DeviceStatus"
    );
    let status = Manifest::from_api(&renamed)
        .types
        .into_iter()
        .find(|t| t.name == "DeviceStatus")
        .unwrap();
    assert_eq!(status.variants["online"], "Up");
    assert_eq!(status.variants["offline"], "Offline");
}

#[test]
fn a_broken_manifest_is_an_error_naming_file_and_pointer() {
    let api = lower_value(&read("v1.json"), None);
    let mut manifest = Manifest::from_api(&api);
    let second = manifest.types[1].name.clone();
    manifest.types[0].name = second;
    let error = Manifest::parse(&manifest.to_json(), Path::new("names.json")).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "names.json at /types/1/name: two types are named `{}`",
            manifest.types[0].name
        )
    );

    let mut manifest = Manifest::from_api(&api);
    manifest.types[2].name = "Option".into();
    let error = Manifest::parse(&manifest.to_json(), Path::new("names.json")).unwrap_err();
    assert_eq!(
        error.to_string(),
        "names.json at /types/2/name: `Option` is reserved for the generated code"
    );

    let error = Manifest::parse(
        r#"{"//": [], "spec_version": "1", "types": [{"name": 3}]}"#,
        Path::new("names.json"),
    )
    .unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("names.json at /types/0/name: "),
        "{error}"
    );
    let error = Manifest::parse("{", Path::new("names.json")).unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("names.json at /: malformed names manifest"),
        "{error}"
    );
}
