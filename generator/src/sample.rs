//! Sample values that a schema accepts, for conformance tests that must call every operation with
//! every input set. A value starts from the spec's own example where it has one and keeps every
//! part of it the schema accepts; what the example lacks or gets wrong (a required property
//! missing, a number out of bounds, a value outside the enum) is made up from the schema, so the
//! result always validates against the schema a validating server checks.

use serde_json::{json, Map, Value};

/// How deep a made-up value goes into optional parts of a schema, and how far `$ref`s are
/// followed: samples stay small and recursive schemas end.
const MAX_DEPTH: usize = 12;

/// Looks up `$ref`s (`#/components/...`) in one document's components.
pub struct Resolver {
    components: Value,
}

impl Resolver {
    pub fn new(components: &openapiv3::Components) -> Self {
        Self {
            components: serde_json::to_value(components).unwrap_or(Value::Null),
        }
    }

    /// The value behind `value`'s `$ref` (followed a bounded number of times), or `value`.
    pub fn resolve<'a>(&'a self, mut value: &'a Value) -> &'a Value {
        for _ in 0..MAX_DEPTH {
            let Some(reference) = value.get("$ref").and_then(Value::as_str) else {
                return value;
            };
            let Some(pointer) = reference.strip_prefix("#/components") else {
                return value;
            };
            match self.components.pointer(pointer) {
                Some(target) => value = target,
                None => return value,
            }
        }
        value
    }
}

/// A value valid for `schema`, taken from `example` as far as it is valid.
pub fn sample(resolver: &Resolver, schema: &Value, example: Option<&Value>) -> Value {
    sample_at(resolver, schema, example, 0)
}

fn sample_at(resolver: &Resolver, schema: &Value, example: Option<&Value>, depth: usize) -> Value {
    let schema = resolver.resolve(schema);
    let example = example.or_else(|| schema.get("example"));
    if depth > MAX_DEPTH {
        return example.cloned().unwrap_or(Value::Null);
    }
    if let Some(all_of) = schema.get("allOf").and_then(Value::as_array) {
        return sample_at(resolver, &merge_all_of(resolver, all_of), example, depth);
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(branches) = schema.get(key).and_then(Value::as_array) {
            // The example decides the branch where it fits one; else the first branch.
            let fitting = branches
                .iter()
                .find(|branch| example.is_some_and(|e| fits_type(resolver.resolve(branch), e)));
            return match fitting.or(branches.first()) {
                Some(branch) => sample_at(resolver, branch, example, depth + 1),
                None => example.cloned().unwrap_or(Value::Null),
            };
        }
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return match example {
            Some(e) if values.contains(e) => e.clone(),
            _ => values.first().cloned().unwrap_or(Value::Null),
        };
    }
    match schema_type(schema) {
        "object" => sample_object(resolver, schema, example, depth),
        "array" => sample_array(resolver, schema, example, depth),
        "string" => sample_string(schema, example),
        "integer" => sample_number(schema, example, true),
        "number" => sample_number(schema, example, false),
        "boolean" => match example {
            Some(Value::Bool(b)) => Value::Bool(*b),
            _ => Value::Bool(true),
        },
        _ => example.cloned().unwrap_or_else(|| json!("value")),
    }
}

/// The schema's `type`, inferred from its keywords when it has none.
fn schema_type(schema: &Value) -> &str {
    match schema.get("type").and_then(Value::as_str) {
        Some(ty) => ty,
        None if schema.get("properties").is_some()
            || schema.get("additionalProperties").is_some() =>
        {
            "object"
        }
        None if schema.get("items").is_some() => "array",
        None => "",
    }
}

fn fits_type(schema: &Value, value: &Value) -> bool {
    match (schema_type(schema), value) {
        ("object", Value::Object(_)) | ("array", Value::Array(_)) => true,
        ("string", Value::String(_)) | ("boolean", Value::Bool(_)) => true,
        ("integer", Value::Number(n)) => n.is_i64() || n.is_u64(),
        ("number", Value::Number(_)) => true,
        _ => false,
    }
}

/// One object schema from the branches of an `allOf`: their properties and required lists.
fn merge_all_of(resolver: &Resolver, branches: &[Value]) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for branch in branches {
        let branch = resolver.resolve(branch);
        if let Some(props) = branch.get("properties").and_then(Value::as_object) {
            properties.extend(props.clone());
        }
        if let Some(names) = branch.get("required").and_then(Value::as_array) {
            required.extend(names.iter().cloned());
        }
    }
    json!({"type": "object", "properties": properties, "required": required})
}

fn sample_object(
    resolver: &Resolver,
    schema: &Value,
    example: Option<&Value>,
    depth: usize,
) -> Value {
    let example = example.and_then(Value::as_object);
    let mut out = Map::new();
    let properties = schema.get("properties").and_then(Value::as_object);
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|names| names.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if let Some(properties) = properties {
        for (name, property) in properties {
            let given = example.and_then(|e| e.get(name));
            // Every property the example shows, and every required one; a property the
            // example leaves out stays out, so made-up values stay few.
            if given.is_some() || required.contains(&name.as_str()) {
                if resolver.resolve(property).get("readOnly") == Some(&Value::Bool(true)) {
                    continue;
                }
                out.insert(
                    name.clone(),
                    sample_at(resolver, property, given, depth + 1),
                );
            }
        }
    }
    match schema.get("additionalProperties") {
        Some(Value::Object(values)) if properties.map_or(true, Map::is_empty) => {
            let values = Value::Object(values.clone());
            match example {
                Some(entries) if !entries.is_empty() => {
                    for (key, value) in entries {
                        out.insert(
                            key.clone(),
                            sample_at(resolver, &values, Some(value), depth + 1),
                        );
                    }
                }
                _ => {
                    out.insert("key".into(), sample_at(resolver, &values, None, depth + 1));
                }
            }
        }
        _ => {}
    }
    Value::Object(out)
}

fn sample_array(
    resolver: &Resolver,
    schema: &Value,
    example: Option<&Value>,
    depth: usize,
) -> Value {
    let items = schema.get("items").cloned().unwrap_or(json!({}));
    let min = schema
        .get("minItems")
        .and_then(Value::as_u64)
        .unwrap_or(1)
        .max(1) as usize;
    let max = schema
        .get("maxItems")
        .and_then(Value::as_u64)
        .map(|m| m as usize)
        .unwrap_or(usize::MAX);
    let mut out: Vec<Value> = match example.and_then(Value::as_array) {
        Some(given) if !given.is_empty() => given
            .iter()
            .take(max)
            .map(|item| sample_at(resolver, &items, Some(item), depth + 1))
            .collect(),
        _ => Vec::new(),
    };
    while out.len() < min.min(max) {
        out.push(sample_at(resolver, &items, None, depth + 1));
    }
    if schema.get("uniqueItems") == Some(&Value::Bool(true)) {
        let mut seen = Vec::new();
        out.retain(|item| {
            let new = !seen.contains(item);
            seen.push(item.clone());
            new
        });
    }
    Value::Array(out)
}

fn sample_string(schema: &Value, example: Option<&Value>) -> Value {
    let format = schema.get("format").and_then(Value::as_str).unwrap_or("");
    let min = schema.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
    let max = schema
        .get("maxLength")
        .and_then(Value::as_u64)
        .map(|m| m as usize)
        .unwrap_or(usize::MAX);
    // A pattern is not checked here: an example is kept as the spec gives it.
    if let Some(Value::String(text)) = example {
        let length = text.chars().count();
        if length >= min && length <= max && fits_format(format, text) {
            return Value::String(text.clone());
        }
    }
    let mut text = match format {
        "date-time" => "2024-01-01T00:00:00Z".to_string(),
        "date" => "2024-01-01".to_string(),
        "email" => "user@example.com".to_string(),
        "uri" | "url" => "https://example.com/".to_string(),
        "ipv4" => "192.0.2.1".to_string(),
        "ipv6" => "2001:db8::1".to_string(),
        "uuid" => "123e4567-e89b-12d3-a456-426614174000".to_string(),
        _ => "value".to_string(),
    };
    while text.chars().count() < min {
        text.push('x');
    }
    if text.chars().count() > max {
        text = text.chars().take(max).collect();
    }
    Value::String(text)
}

/// Loose checks of the formats a validating server checks, so a malformed example is replaced.
fn fits_format(format: &str, text: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    match format {
        "date-time" => {
            text.len() >= 20 && text.as_bytes().get(10) == Some(&b'T') && digits(&text[..4])
        }
        "date" => text.len() == 10 && digits(&text[..4]) && text.as_bytes()[4] == b'-',
        "email" => text.contains('@'),
        "uri" | "url" => text.contains("://"),
        "ipv4" => text.split('.').count() == 4 && text.split('.').all(digits),
        _ => true,
    }
}

fn sample_number(schema: &Value, example: Option<&Value>, integer: bool) -> Value {
    let bound = |key: &str| schema.get(key).and_then(Value::as_f64);
    let exclusive = |key: &str| schema.get(key) == Some(&Value::Bool(true));
    let (min, max) = (bound("minimum"), bound("maximum"));
    let accepts = |x: f64| {
        (!integer || x.fract() == 0.0)
            && min.map_or(true, |m| {
                if exclusive("exclusiveMinimum") {
                    x > m
                } else {
                    x >= m
                }
            })
            && max.map_or(true, |m| {
                if exclusive("exclusiveMaximum") {
                    x < m
                } else {
                    x <= m
                }
            })
    };
    // A number written as a string (`"1234"` for an id corrected to an integer) keeps its value.
    let given = example.and_then(|e| e.as_f64().or_else(|| e.as_str()?.trim().parse().ok()));
    if let Some(x) = given.filter(|x| accepts(*x)) {
        return match example {
            Some(Value::Number(_)) => example.cloned().unwrap_or(Value::Null),
            _ if integer => json!(x as i64),
            _ => json!(x),
        };
    }
    let step = if integer { 1.0 } else { 0.5 };
    let mut candidates = vec![1.0];
    if let Some(m) = min {
        candidates.push(if integer { m.ceil() } else { m });
        candidates.push(if integer { m.floor() + 1.0 } else { m + step });
    }
    if let Some(m) = max {
        candidates.push(if integer { m.floor() } else { m });
        candidates.push(if integer { m.ceil() - 1.0 } else { m - step });
    }
    let x = candidates.into_iter().find(|x| accepts(*x)).unwrap_or(1.0);
    if integer {
        json!(x as i64)
    } else {
        json!(x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolver() -> Resolver {
        Resolver::new(&openapiv3::Components::default())
    }

    #[test]
    fn keeps_what_the_example_gets_right_and_repairs_the_rest() {
        let schema = json!({
            "type": "object",
            "required": ["name", "mode"],
            "properties": {
                "name": {"type": "string"},
                "mode": {"type": "string", "enum": ["a", "b"]},
                "count": {"type": "integer", "minimum": 3, "maximum": 10},
                "ratio": {"type": "number", "maximum": 1},
                "tags": {"type": "array", "items": {"type": "string"}},
                "unused": {"type": "string"}
            }
        });
        let example = json!({"mode": "zzz", "count": 50, "ratio": 0.25, "tags": ["x"]});
        assert_eq!(
            sample(&resolver(), &schema, Some(&example)),
            json!({"name": "value", "mode": "a", "count": 3, "ratio": 0.25, "tags": ["x"]})
        );
    }

    #[test]
    fn bounds_and_formats_are_met_without_an_example() {
        let exclusive = json!({"type": "integer", "minimum": 5, "exclusiveMinimum": true});
        assert_eq!(sample(&resolver(), &exclusive, None), json!(6));
        let small = json!({"type": "number", "maximum": 0.5});
        assert_eq!(sample(&resolver(), &small, None), json!(0.5));
        let when = json!({"type": "string", "format": "date-time"});
        assert_eq!(
            sample(&resolver(), &when, Some(&json!("yesterday"))),
            json!("2024-01-01T00:00:00Z")
        );
        let list = json!({"type": "array", "minItems": 2, "items": {"type": "boolean"}});
        assert_eq!(sample(&resolver(), &list, None), json!([true, true]));
    }

    #[test]
    fn one_of_follows_the_example_and_refs_resolve() {
        let mut components = openapiv3::Components::default();
        components.schemas.insert(
            "Thing".into(),
            serde_json::from_value(json!({"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}})).unwrap(),
        );
        let resolver = Resolver::new(&components);
        let schema = json!({"oneOf": [{"type": "string"}, {"$ref": "#/components/schemas/Thing"}]});
        assert_eq!(
            sample(&resolver, &schema, Some(&json!({"id": 7}))),
            json!({"id": 7})
        );
        assert_eq!(sample(&resolver, &schema, None), json!("value"));
    }
}
