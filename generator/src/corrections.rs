//! Known errors of Meraki's spec, corrected before lowering: `specs/corrections.json`, reviewed
//! like code. Each entry names an operation, what to correct and how, and a one-line reason with
//! its evidence:
//!
//! ```json
//! {"corrections": [
//!   {"operation": "getNetworkClients", "kind": "response-is-array",
//!    "reason": "answers an array of clients", "evidence": "..."},
//!   {"operation": "getNetworkApplianceVlan", "kind": "field-type", "field": "response/id",
//!    "schema": {"type": "integer"}, "reason": "...", "evidence": "..."}
//! ]}
//! ```
//!
//! Kinds: `response-is-array` (the declared object is one element of the list actually
//! returned), `response-is-object` (the declared list's element is what is returned),
//! `field-type` (the field's schema is replaced by `schema`), `nullable`, `missing-field` (a
//! property the spec does not declare, with its `schema`), `paginated` (the operation pages by
//! `Link` header without declaring `perPage`/`startingAfter`/`endingBefore`; `"items": "array"`
//! or `{"field": "items"}` for `{items: [...], meta: ...}` pages), and `required-parameter`.
//!
//! A field is named like a site without its operationId: `response`, `body`, then property
//! names, `[]` for list elements and `{}` for map values (`response/[]/usage/sent`).
//!
//! A correction that names nothing real (an operation, field or parameter that is not there) is
//! an error. One that changes nothing because the spec already says it is *stale*: it is
//! reported as a warning, so it can be removed.

use std::path::Path;

use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::error::{Error, Location, Result};
use crate::source::SourceOperation;

/// The corrections file's name inside a specs folder.
pub const FILE: &str = "corrections.json";

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct CorrectionsFile {
    corrections: Vec<Correction>,
}

/// One correction, as written in the file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Correction {
    pub operation: String,
    pub kind: Kind,
    /// The field a field correction applies to.
    #[serde(default)]
    pub field: Option<String>,
    /// The parameter a parameter correction applies to.
    #[serde(default)]
    pub parameter: Option<String>,
    /// The schema a `field-type` or `missing-field` correction puts in.
    #[serde(default)]
    pub schema: Option<Value>,
    /// How a `paginated` operation's pages hold their items.
    #[serde(default)]
    pub items: Option<Value>,
    pub reason: String,
    pub evidence: String,
    /// Where it sits in the file, for messages.
    #[serde(skip)]
    pub location: Option<Location>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    ResponseIsArray,
    ResponseIsObject,
    FieldType,
    Nullable,
    MissingField,
    Paginated,
    RequiredParameter,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::ResponseIsArray => "response-is-array",
            Kind::ResponseIsObject => "response-is-object",
            Kind::FieldType => "field-type",
            Kind::Nullable => "nullable",
            Kind::MissingField => "missing-field",
            Kind::Paginated => "paginated",
            Kind::RequiredParameter => "required-parameter",
        }
    }
}

impl Correction {
    /// `getNetworkClients: response/[]/firstSeen (field-type)`.
    pub fn describe(&self) -> String {
        let target = self
            .field
            .as_deref()
            .or(self.parameter.as_deref())
            .unwrap_or("response");
        format!("`{}` {target}: {}", self.operation, self.kind.as_str())
    }

    fn location(&self) -> Location {
        self.location
            .clone()
            .unwrap_or_else(|| Location::new(FILE, ""))
    }
}

/// What became of one correction.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub correction: Correction,
    /// Why it changed nothing, when it is stale.
    pub stale: Option<String>,
}

/// Reads a corrections file.
pub fn parse(file: &Path, text: &str) -> Result<Vec<Correction>> {
    let root = Location::new(file, "");
    let value: Value = serde_json::from_str(text).map_err(|e| {
        Error::input(
            &root,
            format!(
                "malformed JSON at line {}, column {}: {e}",
                e.line(),
                e.column()
            ),
        )
    })?;
    let parsed: CorrectionsFile = crate::decode::deserialize(&value, &root, "a corrections file")?;
    let mut corrections = parsed.corrections;
    for (index, correction) in corrections.iter_mut().enumerate() {
        let location = root.child("corrections").child(index);
        if correction.reason.trim().is_empty() || correction.evidence.trim().is_empty() {
            return Err(Error::input(
                &location,
                "every correction needs a reason and its evidence",
            ));
        }
        correction.location = Some(location);
    }
    Ok(corrections)
}

/// Applies every correction to the operations it names (their definitions as written, before
/// lowering), in file order.
pub fn apply(
    operations: &mut [SourceOperation],
    corrections: &[Correction],
) -> Result<Vec<Outcome>> {
    let mut outcomes = Vec::with_capacity(corrections.len());
    for correction in corrections {
        let location = correction.location();
        let operation = operations
            .iter_mut()
            .find(|op| op.operation.operation_id.as_deref() == Some(correction.operation.as_str()))
            .ok_or_else(|| {
                Error::input(
                    &location.child("operation"),
                    format!("no operation `{}` in the specs", correction.operation),
                )
            })?;
        let stale = apply_one(&mut operation.raw, correction, &location)?;
        if stale.is_none() {
            operation.operation = serde_json::from_value(operation.raw.clone()).map_err(|e| {
                Error::input(
                    &location,
                    format!("the corrected operation is not valid OpenAPI: {e}"),
                )
            })?;
        }
        outcomes.push(Outcome {
            correction: correction.clone(),
            stale,
        });
    }
    Ok(outcomes)
}

/// Applies one correction to the raw operation; `Some(why)` when it changes nothing.
fn apply_one(
    raw: &mut Value,
    correction: &Correction,
    location: &Location,
) -> Result<Option<String>> {
    let required = |value: &Option<Value>, name: &str| {
        value.clone().ok_or_else(|| {
            Error::input(
                location,
                format!("a `{}` correction needs `{name}`", correction.kind.as_str()),
            )
        })
    };
    match correction.kind {
        Kind::ResponseIsArray | Kind::ResponseIsObject => {
            let schema = response_schema(raw).ok_or_else(|| {
                Error::input(
                    &location.child("operation"),
                    "the operation declares no JSON success response",
                )
            })?;
            let is_array = schema.get("type").and_then(Value::as_str) == Some("array");
            match (correction.kind, is_array) {
                (Kind::ResponseIsArray, true) => {
                    Ok(Some("the response is already an array".into()))
                }
                (Kind::ResponseIsArray, _) => {
                    let item = std::mem::take(schema);
                    *schema = json!({"type": "array", "items": item});
                    if let Some(example) = response_example(raw) {
                        if !example.is_array() {
                            *example = Value::Array(vec![std::mem::take(example)]);
                        }
                    }
                    Ok(None)
                }
                (_, false) => Ok(Some("the response is already not an array".into())),
                (_, true) => {
                    let item = schema.get("items").cloned().unwrap_or(json!({}));
                    *schema = item;
                    if let Some(example) = response_example(raw) {
                        if let Value::Array(items) = example {
                            *example = items.first().cloned().unwrap_or(json!({}));
                        }
                    }
                    Ok(None)
                }
            }
        }
        Kind::FieldType | Kind::Nullable | Kind::MissingField => {
            let field = required(&correction.field.clone().map(Value::String), "field")?;
            let field = field.as_str().unwrap_or_default().to_string();
            let field_location = location.child("field");
            let (parent_path, name) = match field.rsplit_once('/') {
                Some((parent, name)) => (parent.to_string(), name.to_string()),
                None => (String::new(), field.clone()),
            };
            match correction.kind {
                Kind::MissingField => {
                    let new = required(&correction.schema, "schema")?;
                    let parent = schema_at(raw, &parent_path).ok_or_else(|| {
                        Error::input(&field_location, format!("no schema at `{parent_path}`"))
                    })?;
                    let properties = parent
                        .as_object_mut()
                        .map(|p| p.entry("properties").or_insert_with(|| json!({})))
                        .and_then(Value::as_object_mut)
                        .ok_or_else(|| {
                            Error::input(
                                &field_location,
                                format!("`{parent_path}` is not an object schema"),
                            )
                        })?;
                    if properties.contains_key(&name) {
                        return Ok(Some(format!("the spec declares `{field}` now")));
                    }
                    properties.insert(name, new.clone());
                    fix_examples(raw, &field, &new);
                    Ok(None)
                }
                Kind::FieldType => {
                    let new = required(&correction.schema, "schema")?;
                    let schema = schema_at(raw, &field).ok_or_else(|| {
                        Error::input(
                            &field_location,
                            format!("no field `{field}` in the operation"),
                        )
                    })?;
                    let mut merged = schema.as_object().cloned().unwrap_or_default();
                    let before = merged.clone();
                    // The new type replaces the old one's type keywords; prose stays.
                    for key in [
                        "type",
                        "format",
                        "items",
                        "properties",
                        "enum",
                        "minimum",
                        "maximum",
                        "$ref",
                    ] {
                        merged.remove(key);
                    }
                    if let Value::Object(new) = new {
                        merged.extend(new);
                    }
                    if merged == before {
                        return Ok(Some(format!("`{field}` already has that schema")));
                    }
                    *schema = Value::Object(merged.clone());
                    fix_examples(raw, &field, &Value::Object(merged));
                    Ok(None)
                }
                _ => {
                    let schema = schema_at(raw, &field).ok_or_else(|| {
                        Error::input(
                            &field_location,
                            format!("no field `{field}` in the operation"),
                        )
                    })?;
                    if schema.get("nullable") == Some(&Value::Bool(true)) {
                        return Ok(Some(format!("`{field}` is already nullable")));
                    }
                    if let Some(object) = schema.as_object_mut() {
                        object.insert("nullable".into(), Value::Bool(true));
                    }
                    Ok(None)
                }
            }
        }
        Kind::RequiredParameter => {
            let name = required(
                &correction.parameter.clone().map(Value::String),
                "parameter",
            )?;
            let name = name.as_str().unwrap_or_default();
            let parameter = parameters(raw)
                .iter_mut()
                .find(|p| p.get("name").and_then(Value::as_str) == Some(name))
                .ok_or_else(|| {
                    Error::input(
                        &location.child("parameter"),
                        format!("no parameter `{name}` in the operation"),
                    )
                })?;
            if parameter.get("required") == Some(&Value::Bool(true)) {
                return Ok(Some(format!("`{name}` is already required")));
            }
            parameter["required"] = Value::Bool(true);
            Ok(None)
        }
        Kind::Paginated => {
            let wrapped = match &correction.items {
                None => None,
                Some(Value::String(s)) if s == "array" => None,
                Some(Value::Object(o)) => match o.get("field").and_then(Value::as_str) {
                    Some(field) => Some(field.to_string()),
                    None => {
                        return Err(Error::input(
                            &location.child("items"),
                            "expected `\"array\"` or `{\"field\": NAME}`",
                        ))
                    }
                },
                Some(_) => {
                    return Err(Error::input(
                        &location.child("items"),
                        "expected `\"array\"` or `{\"field\": NAME}`",
                    ))
                }
            };
            if let Some(field) = &wrapped {
                let schema = response_schema(raw).ok_or_else(|| {
                    Error::input(location, "the operation declares no JSON success response")
                })?;
                let has_field = schema
                    .pointer(&format!("/properties/{field}/type"))
                    .and_then(Value::as_str)
                    == Some("array");
                if !has_field {
                    return Err(Error::input(
                        &location.child("items"),
                        format!("the response has no list property `{field}` to page through"),
                    ));
                }
            }
            let added = add_page_parameters(raw);
            if added == 0 {
                return Ok(Some("the operation declares its page parameters".into()));
            }
            Ok(None)
        }
    }
}

/// The example of the JSON success response (the media type's, where Meraki puts it).
fn response_example(raw: &mut Value) -> Option<&mut Value> {
    success_media(raw)?.get_mut("example")
}

/// Makes the response example agree with a corrected field: each value at `field` (every
/// element for `[]`) becomes a sample of `schema`, keeping what already fits. A validating mock
/// server answers with the example, so it must match the corrected schema.
fn fix_examples(raw: &mut Value, field: &str, schema: &Value) {
    let Some(rest) = field.strip_prefix("response") else {
        return;
    };
    let parts: Vec<&str> = rest.split('/').filter(|p| !p.is_empty()).collect();
    let resolver = crate::sample::Resolver::new(&Default::default());
    if let Some(example) = response_example(raw) {
        fix_at(example, &parts, schema, &resolver);
    }
}

fn fix_at(value: &mut Value, parts: &[&str], schema: &Value, resolver: &crate::sample::Resolver) {
    match parts.split_first() {
        None => *value = crate::sample::sample(resolver, schema, Some(value)),
        Some((&"[]", rest)) => {
            if let Value::Array(items) = value {
                for item in items {
                    fix_at(item, rest, schema, resolver);
                }
            }
        }
        Some((&"{}", rest)) => {
            if let Value::Object(entries) = value {
                for item in entries.values_mut() {
                    fix_at(item, rest, schema, resolver);
                }
            }
        }
        Some((name, [])) => {
            if let Value::Object(object) = value {
                let given = object.get(*name).cloned();
                object.insert(
                    name.to_string(),
                    crate::sample::sample(resolver, schema, given.as_ref()),
                );
            }
        }
        Some((name, rest)) => {
            if let Some(inner) = value.get_mut(*name) {
                fix_at(inner, rest, schema, resolver);
            }
        }
    }
}

/// The schema of the JSON success response, as written.
fn response_schema(raw: &mut Value) -> Option<&mut Value> {
    success_media(raw)?.get_mut("schema")
}

/// The JSON media type object of the first 2xx response.
fn success_media(raw: &mut Value) -> Option<&mut Value> {
    let responses = raw.get_mut("responses")?.as_object_mut()?;
    let (_, response) = responses
        .iter_mut()
        .find(|(code, _)| code.starts_with('2'))?;
    let content = response.get_mut("content")?.as_object_mut()?;
    content
        .iter_mut()
        .find(|(media, _)| media.contains("json"))
        .map(|(_, media)| media)
}

/// The schema at a field path (`response/[]/id`, `body/name`), as written.
fn schema_at<'a>(raw: &'a mut Value, field: &str) -> Option<&'a mut Value> {
    let mut parts = field.split('/');
    let mut schema = match parts.next()? {
        "response" => response_schema(raw)?,
        "body" => {
            let content = raw.pointer_mut("/requestBody/content")?.as_object_mut()?;
            let (_, media) = content
                .iter_mut()
                .find(|(media, _)| media.contains("json"))?;
            media.get_mut("schema")?
        }
        _ => return None,
    };
    for part in parts {
        schema = match part {
            "[]" => schema.get_mut("items")?,
            "{}" => schema.get_mut("additionalProperties")?,
            name => schema.get_mut("properties")?.get_mut(name)?,
        };
    }
    Some(schema)
}

fn parameters(raw: &mut Value) -> &mut Vec<Value> {
    if !raw.get("parameters").is_some_and(Value::is_array) {
        raw["parameters"] = json!([]);
    }
    match raw.get_mut("parameters") {
        Some(Value::Array(parameters)) => parameters,
        _ => unreachable!("just made an array"),
    }
}

/// Adds Meraki's page parameters the operation lacks; returns how many were added.
fn add_page_parameters(raw: &mut Value) -> usize {
    let parameters = parameters(raw);
    let mut added = 0;
    for (name, schema, description) in [
        ("perPage", json!({"type": "integer"}), "The number of entries per page returned."),
        ("startingAfter", json!({"type": "string"}), "A token used by the server to indicate the start of the page; follow the `Link` header rather than setting it."),
        ("endingBefore", json!({"type": "string"}), "A token used by the server to indicate the end of the page; follow the `Link` header rather than setting it."),
    ] {
        if !parameters.iter().any(|p| p.get("name").and_then(Value::as_str) == Some(name)) {
            let mut parameter = Map::new();
            parameter.insert("name".into(), Value::from(name));
            parameter.insert("in".into(), Value::from("query"));
            parameter.insert("description".into(), Value::from(description));
            parameter.insert("schema".into(), schema);
            parameters.push(Value::Object(parameter));
            added += 1;
        }
    }
    added
}
