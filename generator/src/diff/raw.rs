//! The spec as written, read only through the JSON pointers lowering recorded in the model
//! (which parameter, body, response and schema objects it used), to see the keywords the model
//! does not carry (bounds, patterns, prose) and to notice anything else that changed. No
//! choosing happens here: which object counts is lowering's decision.

use std::borrow::Cow;
use std::collections::BTreeSet;

use serde_json::{Map, Value};

use crate::load::{SourceOperation, Specs};
use crate::model::{Operation, SchemaUse};

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

/// Keys that only lead lowering to another object, which the recorded pointers already name.
const LINKS: [&str; 2] = ["$ref", "allOf"];

/// The `components` of every document, as JSON.
pub fn components(specs: &Specs) -> Vec<Value> {
    specs
        .documents
        .iter()
        .map(|d| serde_json::to_value(&d.components).unwrap_or(Value::Null))
        .collect()
}

/// One operation's definition as written, and the components of its document.
pub struct RawOperation<'a> {
    source: &'a SourceOperation,
    components: &'a Value,
    /// The path item's pointer (`/paths/~1networks`), for path-level parameters.
    path_item: String,
}

impl<'a> RawOperation<'a> {
    /// `components` comes from [`components`].
    pub fn new(components: &'a [Value], source: &'a SourceOperation) -> Self {
        let components = &components[source.document];
        let pointer = &source.location.pointer;
        let path_item = pointer
            .rsplit_once('/')
            .map(|(parent, _)| parent.to_string())
            .unwrap_or_default();
        Self {
            source,
            components,
            path_item,
        }
    }

    /// The value at a pointer lowering recorded for this operation.
    pub fn at(&self, pointer: &str) -> Option<Cow<'_, Value>> {
        if let Some(rest) = pointer.strip_prefix("/components") {
            return self.components.pointer(rest).map(Cow::Borrowed);
        }
        let own = &self.source.location.pointer;
        if pointer == own {
            return Some(Cow::Borrowed(&self.source.raw));
        }
        if let Some(rest) = pointer
            .strip_prefix(own.as_str())
            .filter(|r| r.starts_with('/'))
        {
            return self.source.raw.pointer(rest).map(Cow::Borrowed);
        }
        let shared = pointer
            .strip_prefix(self.path_item.as_str())
            .and_then(|rest| rest.strip_prefix("/parameters/"))?;
        let (index, rest) = match shared.split_once('/') {
            Some((index, rest)) => (index, format!("/{rest}")),
            None => (shared, String::new()),
        };
        let parameter = self
            .source
            .path_parameters
            .get(index.parse::<usize>().ok()?)?;
        let parameter = serde_json::to_value(parameter).ok()?;
        parameter.pointer(&rest).cloned().map(Cow::Owned)
    }

    /// The operation object.
    pub fn operation(&self) -> Map<String, Value> {
        self.source.raw.as_object().cloned().unwrap_or_default()
    }

    /// The keywords of the objects at `pointers` (a place and the `$ref` or `allOf` targets
    /// lowering followed from it), as one object: the outermost says what a keyword is.
    pub fn merged(&self, pointers: &[String]) -> Map<String, Value> {
        let mut merged = Map::new();
        for pointer in pointers.iter().rev() {
            if let Some(Value::Object(map)) = self.at(pointer).as_deref() {
                for (key, value) in map {
                    if !LINKS.contains(&key.as_str()) {
                        merged.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        merged
    }

    /// Everything lowering read for `op`, in a fixed order, to tell whether two definitions are
    /// the same: the operation object, and every parameter, body, response and schema object
    /// through its recorded pointers (so a changed component counts wherever it is used).
    pub fn fingerprint(&self, op: &Operation) -> Vec<(String, Value)> {
        let mut pointers: BTreeSet<String> = BTreeSet::new();
        let mut shared = BTreeSet::new();
        pointers.insert(op.origin.clone());
        for param in &op.params {
            pointers.extend(param.pointers.iter().cloned());
            schema_pointers(&param.schema, &mut shared, &mut pointers);
        }
        if let Some(body) = &op.body {
            pointers.extend(body.pointers.iter().cloned());
            schema_pointers(&body.schema, &mut shared, &mut pointers);
        }
        pointers.extend(op.response.pointers.iter().cloned());
        schema_pointers(&op.response.schema, &mut shared, &mut pointers);
        pointers
            .into_iter()
            .map(|pointer| {
                let value = self
                    .at(&pointer)
                    .map(Cow::into_owned)
                    .unwrap_or(Value::Null);
                (pointer, value)
            })
            .collect()
    }
}

/// Every pointer a recorded schema was read from, children shared by a `$ref` visited once (a
/// DAG of components costs its size, not its paths).
fn schema_pointers(used: &SchemaUse, shared: &mut BTreeSet<usize>, out: &mut BTreeSet<String>) {
    out.extend(used.pointers.iter().cloned());
    if used.children.is_empty() || !shared.insert(std::sync::Arc::as_ptr(&used.children) as usize) {
        return;
    }
    for child in used.children.iter() {
        schema_pointers(&child.schema, shared, out);
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
