//! Assembles one OpenAPI 3.0 document from every document of a specs folder, so tools that
//! want a single file (a mock server such as Prism, validators) see exactly the API the client
//! was generated from.

use indexmap::IndexMap;
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::error::{Error, Result};
use crate::load::{Document, Specs};

/// The merged API as an OpenAPI 3.0 document: metadata, servers and security of the base
/// document (the one most operations come from), every operation as written in the document it
/// was taken from, and the components of every document. Its `info.version` reads like the
/// crate's (`1.42.0+1.54.0` when newer pages are mixed in).
///
/// Components are merged by name: the same definition in several documents is kept once, two
/// different definitions under one name are an [`Error::Conflict`] naming the component
/// (`/components/schemas/Foo`) and where each document defines it, since one would silently
/// replace the other and `$ref`s of the other document would point at the wrong definition.
pub fn assemble_openapi(specs: &Specs) -> Result<Value> {
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
    let mut merger = Merger::default();
    for document in &specs.documents {
        let c = &document.components;
        merger.merge(document, "schemas", &c.schemas, &mut components.schemas)?;
        merger.merge(
            document,
            "parameters",
            &c.parameters,
            &mut components.parameters,
        )?;
        merger.merge(
            document,
            "requestBodies",
            &c.request_bodies,
            &mut components.request_bodies,
        )?;
        merger.merge(
            document,
            "responses",
            &c.responses,
            &mut components.responses,
        )?;
        merger.merge(
            document,
            "securitySchemes",
            &c.security_schemes,
            &mut components.security_schemes,
        )?;
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
    Ok(document)
}

/// Which document each merged component came from, by kind and name.
#[derive(Default)]
struct Merger<'a> {
    owners: std::collections::BTreeMap<(&'static str, String), &'a Document>,
}

impl<'a> Merger<'a> {
    /// Adds the components of `kind` that `document` defines to `merged`, checking each name
    /// defined before is defined the same way (compared as JSON, as written).
    fn merge<T: Clone + Serialize>(
        &mut self,
        document: &'a Document,
        kind: &'static str,
        components: &IndexMap<String, T>,
        merged: &mut IndexMap<String, T>,
    ) -> Result<()> {
        for (name, definition) in components {
            match merged.get(name) {
                None => {
                    merged.insert(name.clone(), definition.clone());
                    self.owners.insert((kind, name.clone()), document);
                }
                Some(earlier) if same_json(earlier, definition) => {}
                Some(_) => {
                    let owner = self.owners[&(kind, name.clone())];
                    return Err(Error::Conflict {
                        what: format!(
                            "the component `/components/{kind}/{}`",
                            crate::error::escape_pointer_token(name)
                        ),
                        first: owner.component_location(kind, name),
                        second: document.component_location(kind, name),
                    });
                }
            }
        }
        Ok(())
    }
}

fn same_json<T: Serialize>(a: &T, b: &T) -> bool {
    match (serde_json::to_value(a), serde_json::to_value(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}
