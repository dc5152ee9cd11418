//! Operations as plain JSON for comparison: `$ref`s inlined (so a changed component shows up in
//! every operation using it), path-level parameters merged in, and a documentation-free view
//! to tell text-only changes from real ones.

use serde_json::{Map, Value};

use crate::load::{SourceOperation, Specs};

/// Keys whose values are prose or samples: changing them changes no behaviour.
pub const DOC_KEYS: [&str; 6] = [
    "description",
    "summary",
    "title",
    "example",
    "examples",
    "externalDocs",
];

/// Keys whose object values are keyed by names chosen in the spec, not by OpenAPI keywords: a
/// property called `description` is not prose.
const NAMED_MAPS: [&str; 7] = [
    "properties",
    "patternProperties",
    "responses",
    "content",
    "headers",
    "callbacks",
    "links",
];

/// The `components` of every document, as JSON to resolve references in.
pub fn components(specs: &Specs) -> Vec<Value> {
    specs
        .documents
        .iter()
        .map(|d| serde_json::to_value(&d.components).unwrap_or(Value::Null))
        .collect()
}

/// One operation with its references resolved: the operation object, plus `method`, `path` and
/// the path-level parameters merged into `parameters` (operation-level ones win). `components`
/// comes from [`components`].
pub fn resolved_operation(components: &[Value], source: &SourceOperation) -> Value {
    let components = &components[source.document];
    let mut operation = match &source.raw {
        Value::Object(map) => map.clone(),
        _ => Map::new(),
    };
    let own: Vec<Value> = operation
        .get("parameters")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let own: Vec<Value> = own
        .iter()
        .map(|p| resolve(p, components, &mut Vec::new()))
        .collect();
    let mut parameters: Vec<Value> = Vec::new();
    for shared in &source.path_parameters {
        let shared = serde_json::to_value(shared).unwrap_or(Value::Null);
        let shared = resolve(&shared, components, &mut Vec::new());
        let overridden = own
            .iter()
            .any(|p| p.get("name") == shared.get("name") && p.get("in") == shared.get("in"));
        if !overridden {
            parameters.push(shared);
        }
    }
    parameters.extend(own);
    if !parameters.is_empty() {
        operation.insert("parameters".into(), Value::Array(parameters));
    }
    let mut value = resolve(&Value::Object(operation), components, &mut Vec::new());
    if let Value::Object(map) = &mut value {
        map.insert("method".into(), Value::String(source.method.clone()));
        map.insert("path".into(), Value::String(source.path.clone()));
    }
    value
}

/// Inlines every local `$ref` (`#/components/...`). A reference met again inside itself is left
/// as it is, so recursive schemas end.
fn resolve(value: &Value, components: &Value, resolving: &mut Vec<String>) -> Value {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("$ref") {
                if let Some(target) = reference
                    .strip_prefix("#/components")
                    .and_then(|pointer| components.pointer(pointer))
                {
                    if !resolving.contains(reference) {
                        resolving.push(reference.clone());
                        let resolved = resolve(target, components, resolving);
                        resolving.pop();
                        return resolved;
                    }
                }
                return value.clone();
            }
            Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), resolve(v, components, resolving)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| resolve(v, components, resolving))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The value without documentation keys (see [`DOC_KEYS`]) at any depth.
pub fn without_docs(value: &Value) -> Value {
    strip(value, false)
}

fn strip(value: &Value, named: bool) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| named || !DOC_KEYS.contains(&k.as_str()))
                .map(|(k, v)| {
                    let child_named = !named && NAMED_MAPS.contains(&k.as_str());
                    (k.clone(), strip(v, child_named))
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(|v| strip(v, false)).collect()),
        other => other.clone(),
    }
}

/// A short rendering of a JSON value for a changelog line.
pub fn short(value: Option<&Value>) -> String {
    match value {
        None => "nothing".into(),
        Some(value) => {
            let text = value.to_string();
            if text.chars().count() > 60 {
                let cut: String = text.chars().take(57).collect();
                format!("`{cut}…`")
            } else {
                format!("`{text}`")
            }
        }
    }
}
