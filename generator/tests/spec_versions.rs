//! A spec bump changes the Rust API of the operations that changed, and nothing else: both
//! Meraki versions are generated into temporary folders (the second keeping the names of the
//! first, as `cargo xtask codegen` does) and compared item by item.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use meraki_codegen::manifest::Manifest;
use meraki_codegen::model::{Api, TypeId, TypeKind, TypeRef};
use meraki_codegen::{load, output, Baseline, EmitOptions, Previous};
use quote::ToTokens;
use serde_json::Value;

/// Operations whose JSON differs between the two documents, by plain comparison.
fn changed_operations(old: &Path, new: &Path) -> BTreeSet<String> {
    let operations = |path: &Path| -> BTreeMap<String, Value> {
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let mut out = BTreeMap::new();
        for (route, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let id = op["operationId"].as_str().unwrap().to_string();
                out.insert(
                    id,
                    serde_json::json!([route, method, op, item.get("parameters")]),
                );
            }
        }
        out
    };
    let (old, new) = (operations(old), operations(new));
    old.keys()
        .chain(new.keys())
        .filter(|id| old.get(*id) != new.get(*id))
        .cloned()
        .collect()
}

/// Items of the generated sources, keyed by what they belong to: `op:<operationId>` for the
/// client method and builder of an operation, `type:<Name>` for a type and its impls.
fn items_by_owner(dir: &Path, api: &Api) -> BTreeMap<String, Vec<String>> {
    let by_method: BTreeMap<&str, &str> = api
        .operations
        .iter()
        .map(|op| (op.method_name.as_str(), op.operation_id.as_str()))
        .collect();
    let by_builder: BTreeMap<&str, &str> = api
        .operations
        .iter()
        .map(|op| (op.builder_name.as_str(), op.operation_id.as_str()))
        .collect();
    let mut owners: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir.join("src")).unwrap() {
        files.push(entry.unwrap().path());
    }
    for entry in std::fs::read_dir(dir.join("src/types")).unwrap() {
        files.push(entry.unwrap().path());
    }
    files.sort();
    for file in files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "rs"))
    {
        let syntax = syn::parse_file(&std::fs::read_to_string(file).unwrap()).unwrap();
        let in_types = file.parent().is_some_and(|p| p.ends_with("types"));
        for item in syntax.items {
            let text = item.to_token_stream().to_string();
            let name = match &item {
                syn::Item::Impl(block) => {
                    let self_ty = block.self_ty.to_token_stream().to_string().replace(' ', "");
                    if self_ty == "crate::Client" {
                        let method = block.items.iter().find_map(|i| match i {
                            syn::ImplItem::Fn(f) => Some(f.sig.ident.to_string()),
                            _ => None,
                        });
                        method.and_then(|m| by_method.get(m.as_str()).map(|id| format!("op:{id}")))
                    } else {
                        Some(self_ty)
                    }
                }
                syn::Item::Struct(s) => Some(s.ident.to_string()),
                syn::Item::Enum(e) => Some(e.ident.to_string()),
                // `string_enum!(Type, ..)`, `escape_hatches!(Builder, ..)`: owned by the first name.
                syn::Item::Macro(m) => m
                    .mac
                    .tokens
                    .clone()
                    .into_iter()
                    .next()
                    .map(|t| t.to_string()),
                _ => None,
            };
            let Some(name) = name else { continue };
            let owner = if name.starts_with("op:") {
                name
            } else if in_types {
                format!("type:{name}")
            } else if let Some(id) = by_builder.get(name.as_str()) {
                format!("op:{id}")
            } else {
                continue;
            };
            owners.entry(owner).or_default().push(text);
        }
    }
    owners
}

/// For each type, the operations that use it directly or through other types.
fn type_users(api: &Api) -> BTreeMap<String, BTreeSet<String>> {
    let mut users: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for op in &api.operations {
        let mut stack: Vec<TypeRef> = op.params.iter().map(|p| p.ty.clone()).collect();
        stack.extend(op.body.iter().map(|b| b.ty.clone()));
        stack.push(op.response.ty.clone());
        let mut seen: BTreeSet<TypeId> = BTreeSet::new();
        while let Some(ty) = stack.pop() {
            let Some(id) = ty.named() else { continue };
            if !seen.insert(id) {
                continue;
            }
            let def = api.type_def(id);
            users
                .entry(def.name.clone())
                .or_default()
                .insert(op.operation_id.clone());
            match &def.kind {
                TypeKind::Struct { fields } => stack.extend(fields.iter().map(|f| f.ty.clone())),
                TypeKind::OneOf { variants } => stack.extend(variants.iter().map(|v| v.ty.clone())),
                _ => {}
            }
        }
    }
    users
}

#[test]
fn unchanged_operations_generate_identical_rust_across_a_spec_bump() {
    let test = "unchanged_operations_generate_identical_rust_across_a_spec_bump";
    let (Some(old_spec), Some(new_spec)) = (
        common::spec_document("1.41.0", test),
        common::spec_document("1.42.0", test),
    ) else {
        return;
    };
    let options = EmitOptions {
        standalone: true,
        ..EmitOptions::default()
    };
    let old_dir = tempfile::tempdir().unwrap();
    let old = meraki_codegen::generate_into(&old_spec, old_dir.path(), &options).unwrap();

    let new_dir = tempfile::tempdir().unwrap();
    let baseline = Baseline {
        manifest: Some(
            Manifest::read(&old_dir.path().join("names.json"))
                .unwrap()
                .unwrap(),
        ),
        changelog: Some(std::fs::read_to_string(old_dir.path().join("CHANGELOG.md")).unwrap()),
        previous: Some(Previous {
            specs: load::load_specs(&old_spec).unwrap(),
            manifest: None,
        }),
    };
    let new = meraki_codegen::generate_with(&new_spec, &options, &baseline).unwrap();
    output::write_atomically(new_dir.path(), &new.files).unwrap();

    let changed = changed_operations(&old_spec, &new_spec);
    assert_eq!(changed.len(), 8);

    let old_items = items_by_owner(old_dir.path(), &old.api);
    let new_items = items_by_owner(new_dir.path(), &new.api);
    let mut compared_ops = 0;
    for op in &new.api.operations {
        if changed.contains(&op.operation_id) {
            continue;
        }
        let key = format!("op:{}", op.operation_id);
        let (Some(before), Some(after)) = (old_items.get(&key), new_items.get(&key)) else {
            panic!("the items of {} are missing", op.operation_id);
        };
        assert_eq!(
            before, after,
            "the Rust of unchanged {} differs",
            op.operation_id
        );
        assert_eq!(
            after.len(),
            4,
            "method, builder, its impl and its `escape_hatches!` of {}",
            op.operation_id
        );
        compared_ops += 1;
    }
    assert_eq!(compared_ops, 667 - 8);

    // Types used only by unchanged operations are identical too (same name, same code).
    let mut compared_types = 0;
    for (name, users) in type_users(&new.api) {
        if users.iter().any(|op| changed.contains(op)) {
            continue;
        }
        let key = format!("type:{name}");
        assert_eq!(
            old_items.get(&key),
            new_items.get(&key),
            "type {name} differs"
        );
        compared_types += 1;
    }
    assert!(
        compared_types > 1000,
        "only {compared_types} types compared"
    );

    // Every schema site of 1.41 still there keeps its type's name. (When identical shapes were
    // one type, the action batches' response actions gained `body`, took the shape of the
    // request's actions and became their type: `BatchAction` -> `CreateOrganizationActionBatch
    // RequestAction`. Each site now has its own type, which grows instead.)
    let names = |api: &Api| -> BTreeMap<String, String> {
        api.types
            .iter()
            .flat_map(|t| t.sites.iter().map(|s| (s.to_string(), t.name.clone())))
            .collect()
    };
    let (old_names, new_names) = (names(&old.api), names(&new.api));
    let renamed: Vec<String> = old_names
        .iter()
        .filter(|(site, name)| new_names.get(*site).is_some_and(|new| new != *name))
        .map(|(site, name)| format!("{site}: {name} -> {}", new_names[site]))
        .collect();
    assert!(renamed.is_empty(), "renamed: {renamed:#?}");

    // The bump is breaking (untyped responses became structs): 0.1.0 becomes 0.2.0.
    assert_eq!(old.crate_version, "0.1.0");
    assert_eq!(new.crate_version, "0.2.0");
    assert!(new.files["Cargo.toml"].contains("\nversion = \"0.2.0\"\n"));
    let changelog = &new.files["CHANGELOG.md"];
    assert!(changelog.contains("## 0.2.0: Meraki API 1.42.0"));
    assert!(changelog.contains("### API changes from 1.41.0 to 1.42.0"));
    assert!(changelog.contains("## 0.1.0: Meraki API 1.41.0"));
}
