//! Assembles one OpenAPI 3.0 document from every document of a specs folder, so tools that
//! want a single file (a mock server such as Prism, validators) see exactly the API the client
//! was generated from.

use serde_json::{json, Map, Value};

use crate::load::Specs;

/// The merged API as an OpenAPI 3.0 document: metadata, servers and security of the base
/// document (the one most operations come from), every operation as written in the document it
/// was taken from, and the components of every document. Its `info.version` reads like the
/// crate's (`1.42.0+1.54.0` when newer pages are mixed in).
pub fn assemble_openapi(specs: &Specs) -> Value {
    let newest_version = specs.newest_operation_version();
    let mut paths: Map<String, Value> = Map::new();
    for op in &specs.operations {
        let item = paths.entry(op.path.clone()).or_insert_with(|| json!({}));
        if !op.path_parameters.is_empty() {
            item["parameters"] = serde_json::to_value(&op.path_parameters).unwrap_or(Value::Null);
        }
        item[op.method.as_str()] = op.raw.clone();
    }
    let mut components = openapiv3::Components::default();
    for document in &specs.documents {
        let c = &document.components;
        components.schemas.extend(c.schemas.clone());
        components.parameters.extend(c.parameters.clone());
        components.request_bodies.extend(c.request_bodies.clone());
        components.responses.extend(c.responses.clone());
        components
            .security_schemes
            .extend(c.security_schemes.clone());
    }
    let (info, servers, security) = match specs.base_document() {
        Some(doc) => (
            {
                let version = match newest_version {
                    Some(newest) if newest != doc.version => format!("{}+{newest}", doc.version),
                    _ => doc.version.clone(),
                };
                match &doc.description {
                    Some(description) => {
                        json!({"title": doc.title, "version": version, "description": description})
                    }
                    None => json!({"title": doc.title, "version": version}),
                }
            },
            serde_json::to_value(&doc.servers).unwrap_or(Value::Null),
            serde_json::to_value(&doc.security).unwrap_or(Value::Null),
        ),
        None => (json!({"title": "", "version": ""}), json!([]), Value::Null),
    };
    let mut document = json!({
        "openapi": "3.0.1",
        "info": info,
        "servers": servers,
        "paths": paths,
        "components": serde_json::to_value(&components).unwrap_or(Value::Null),
    });
    if !security.is_null() {
        document["security"] = security;
    }
    document
}
