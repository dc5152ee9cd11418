//! Checks the JSON shape of a document in one linear pass before openapiv3 reads it.
//!
//! openapiv3 reads every `$ref`-able object (schemas, parameters, responses, path items, ...)
//! through an untagged enum: when such an object is malformed, the error loses its place (it
//! names only the outermost untagged value, e.g. `/paths`) and, since a failed object is read
//! again to produce the message, a bad value deep inside nested schemas costs time exponential
//! in the depth. This pass walks every place those objects can sit and checks each keyword
//! openapiv3 reads has the JSON type it expects, naming the exact pointer of the first value
//! that does not; after it, deserialisation does not fail inside those enums. It also bounds
//! how deeply schemas nest ([`MAX_SCHEMA_DEPTH`]).

use serde_json::{Map, Value};

use crate::error::{Error, Location, Result};

/// How many schema objects may nest inside one another (properties, items, map values,
/// `allOf`/`anyOf`/`oneOf`/`not` members). Deeper nesting becomes Rust types nested so deeply
/// that rustc overflows proving their auto traits (arrays 44 deep do); 32 levels compile.
pub const MAX_SCHEMA_DEPTH: usize = 32;

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// What a keyword's value must be.
#[derive(Clone, Copy)]
enum Kind {
    String,
    Bool,
    Number,
    /// A non-negative integer (a length or count).
    Count,
    Object,
    Array,
    /// An array of strings.
    Strings,
}

impl Kind {
    fn accepts(self, value: &Value) -> bool {
        match self {
            Kind::String => value.is_string(),
            Kind::Bool => value.is_boolean(),
            Kind::Number => value.is_number(),
            Kind::Count => value.is_u64(),
            Kind::Object => value.is_object(),
            Kind::Array => value.is_array(),
            Kind::Strings => value
                .as_array()
                .is_some_and(|items| items.iter().all(Value::is_string)),
        }
    }

    fn expected(self) -> &'static str {
        match self {
            Kind::String => "a string",
            Kind::Bool => "a boolean",
            Kind::Number => "a number",
            Kind::Count => "a non-negative integer",
            Kind::Object => "an object",
            Kind::Array => "an array",
            Kind::Strings => "an array of strings",
        }
    }
}

/// A short description of a JSON value for error messages.
fn found(value: &Value) -> String {
    let text = value.to_string();
    let what = match value {
        Value::Null => return "null".into(),
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    };
    if text.chars().count() <= 40 {
        format!("{what} `{text}`")
    } else {
        what.to_string()
    }
}

fn mismatch(location: &Location, expected: &str, value: &Value) -> Error {
    Error::input(
        location,
        format!("expected {expected}, found {}", found(value)),
    )
}

/// Checks the members of `object` named in `keywords`; `null` is accepted for those openapiv3
/// reads as optional (`nullable` is false for the ones it reads as plain booleans or lists).
fn keywords(
    object: &Map<String, Value>,
    location: &Location,
    keywords: &[(&str, Kind, bool)],
) -> Result<()> {
    for &(key, kind, nullable) in keywords {
        let Some(value) = object.get(key) else {
            continue;
        };
        if (nullable && value.is_null()) || kind.accepts(value) {
            continue;
        }
        let location = location.child(key);
        if let (Kind::Strings, Some(items)) = (kind, value.as_array()) {
            if let Some((i, item)) = items.iter().enumerate().find(|(_, v)| !v.is_string()) {
                return Err(mismatch(&location.child(i), "a string", item));
            }
        }
        return Err(mismatch(&location, kind.expected(), value));
    }
    Ok(())
}

fn object<'v>(value: &'v Value, location: &Location, what: &str) -> Result<&'v Map<String, Value>> {
    value
        .as_object()
        .ok_or_else(|| mismatch(location, what, value))
}

fn required(object: &Map<String, Value>, location: &Location, key: &str, what: &str) -> Result<()> {
    match object.get(key) {
        Some(value) if value.is_string() => Ok(()),
        Some(value) => Err(mismatch(&location.child(key), what, value)),
        None => Err(Error::input(location, format!("missing `{key}` ({what})"))),
    }
}

/// `$ref` objects: the reference must be a string; openapiv3 ignores their other members.
/// Returns whether `object` is one.
fn reference(object: &Map<String, Value>, location: &Location) -> Result<bool> {
    match object.get("$ref") {
        None => Ok(false),
        Some(Value::String(_)) => Ok(true),
        Some(value) => Err(mismatch(&location.child("$ref"), "a string", value)),
    }
}

/// Each member of an optional map member `key` of `object`, with its location.
fn entries<'v>(
    object: &'v Map<String, Value>,
    location: &Location,
    key: &str,
) -> Result<Vec<(&'v String, &'v Value, Location)>> {
    let Some(value) = object.get(key) else {
        return Ok(Vec::new());
    };
    let location = location.child(key);
    let map = object_or_null(value, &location)?;
    Ok(map
        .iter()
        .map(|(name, value)| (name, value, location.child(name)))
        .collect())
}

fn object_or_null<'v>(value: &'v Value, location: &Location) -> Result<&'v Map<String, Value>> {
    static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
    match value {
        Value::Object(map) => Ok(map),
        Value::Null => Ok(EMPTY.get_or_init(Map::new)),
        other => Err(mismatch(location, "an object", other)),
    }
}

fn items<'v>(
    object: &'v Map<String, Value>,
    location: &Location,
    key: &str,
) -> Result<Vec<(&'v Value, Location)>> {
    let Some(value) = object.get(key) else {
        return Ok(Vec::new());
    };
    let location = location.child(key);
    match value {
        Value::Array(list) => Ok(list
            .iter()
            .enumerate()
            .map(|(i, value)| (value, location.child(i)))
            .collect()),
        Value::Null => Ok(Vec::new()),
        other => Err(mismatch(&location, "an array", other)),
    }
}

/// A complete OpenAPI document.
pub fn check_document(value: &Value, root: &Location) -> Result<()> {
    let document = object(value, root, "an OpenAPI document object")?;
    if let Some(info) = document.get("info") {
        check_info(info, &root.child("info"))?;
    }
    keywords(
        document,
        root,
        &[
            ("paths", Kind::Object, false),
            ("components", Kind::Object, true),
            ("servers", Kind::Array, false),
            ("security", Kind::Array, true),
            ("tags", Kind::Array, false),
        ],
    )?;
    for (path, item, location) in entries(document, root, "paths")? {
        if path.starts_with('/') {
            check_path_item(item, &location)?;
        }
    }
    if let Some(components) = document.get("components") {
        let location = root.child("components");
        let components = object_or_null(components, &location)?;
        for (_, schema, location) in entries(components, &location, "schemas")? {
            check_schema(schema, &location, 1)?;
        }
        for (_, parameter, location) in entries(components, &location, "parameters")? {
            check_parameter(parameter, &location)?;
        }
        for (_, response, location) in entries(components, &location, "responses")? {
            check_response(response, &location)?;
        }
        for (_, body, location) in entries(components, &location, "requestBodies")? {
            check_request_body(body, &location)?;
        }
        for (_, header, location) in entries(components, &location, "headers")? {
            check_header(header, &location)?;
        }
        for (_, example, location) in entries(components, &location, "examples")? {
            check_example(example, &location)?;
        }
        for (_, scheme, location) in entries(components, &location, "securitySchemes")? {
            object(scheme, &location, "a security scheme object")?;
        }
    }
    Ok(())
}

/// An OpenAPI Info object.
pub fn check_info(value: &Value, location: &Location) -> Result<()> {
    let info = object(value, location, "an Info object")?;
    required(info, location, "title", "the API's title, a string")?;
    required(info, location, "version", "the API's version, a string")?;
    keywords(
        info,
        location,
        &[
            ("description", Kind::String, true),
            ("termsOfService", Kind::String, true),
            ("contact", Kind::Object, true),
            ("license", Kind::Object, true),
        ],
    )
}

fn check_path_item(value: &Value, location: &Location) -> Result<()> {
    let item = object(value, location, "a path item object")?;
    if reference(item, location)? {
        return Ok(());
    }
    keywords(
        item,
        location,
        &[
            ("summary", Kind::String, true),
            ("description", Kind::String, true),
            ("servers", Kind::Array, false),
            ("parameters", Kind::Array, false),
        ],
    )?;
    for (parameter, location) in items(item, location, "parameters")? {
        check_parameter(parameter, &location)?;
    }
    for method in METHODS {
        match item.get(method) {
            None | Some(Value::Null) => {}
            Some(operation) => check_operation(operation, &location.child(method))?,
        }
    }
    Ok(())
}

/// An OpenAPI Operation object (also the `spec` of a documentation page).
pub fn check_operation(value: &Value, location: &Location) -> Result<()> {
    let operation = object(value, location, "an operation object")?;
    keywords(
        operation,
        location,
        &[
            ("tags", Kind::Strings, false),
            ("summary", Kind::String, true),
            ("description", Kind::String, true),
            ("operationId", Kind::String, true),
            ("externalDocs", Kind::Object, true),
            ("parameters", Kind::Array, false),
            ("requestBody", Kind::Object, true),
            ("responses", Kind::Object, false),
            ("callbacks", Kind::Object, false),
            ("deprecated", Kind::Bool, false),
            ("security", Kind::Array, true),
            ("servers", Kind::Array, false),
        ],
    )?;
    if !operation.contains_key("responses") {
        return Err(Error::input(
            location,
            "missing `responses` (an object of the operation's responses)",
        ));
    }
    for (parameter, location) in items(operation, location, "parameters")? {
        check_parameter(parameter, &location)?;
    }
    if let Some(body) = operation.get("requestBody").filter(|v| !v.is_null()) {
        check_request_body(body, &location.child("requestBody"))?;
    }
    for (code, response, location) in entries(operation, location, "responses")? {
        if is_status_key(code) {
            check_response(response, &location)?;
        }
    }
    Ok(())
}

/// The response keys openapiv3 reads (`default` and status codes); others it ignores.
fn is_status_key(key: &str) -> bool {
    let bytes = key.as_bytes();
    key == "default"
        || (bytes.len() == 3
            && (b'1'..=b'5').contains(&bytes[0])
            && (bytes[1..].iter().all(u8::is_ascii_digit) || &bytes[1..] == b"XX"))
}

fn check_parameter(value: &Value, location: &Location) -> Result<()> {
    let parameter = object(value, location, "a parameter object")?;
    if reference(parameter, location)? {
        return Ok(());
    }
    required(
        parameter,
        location,
        "name",
        "the parameter's name, a string",
    )?;
    let styles: &[&str] = match parameter.get("in") {
        Some(Value::String(place)) => match place.as_str() {
            "path" => &["matrix", "label", "simple"],
            "query" => &["form", "spaceDelimited", "pipeDelimited", "deepObject"],
            "header" => &["simple"],
            "cookie" => &["form"],
            other => {
                return Err(Error::input(
                    &location.child("in"),
                    format!(
                    "unknown parameter location `{other}`; expected path, query, header or cookie"
                ),
                ))
            }
        },
        Some(other) => return Err(mismatch(&location.child("in"), "a string", other)),
        None => {
            return Err(Error::input(
                location,
                "missing `in` (where the parameter goes: path, query, header or cookie)",
            ))
        }
    };
    keywords(
        parameter,
        location,
        &[
            ("description", Kind::String, true),
            ("required", Kind::Bool, false),
            ("deprecated", Kind::Bool, true),
            ("explode", Kind::Bool, true),
            ("allowEmptyValue", Kind::Bool, true),
            ("allowReserved", Kind::Bool, false),
            ("style", Kind::String, false),
            ("examples", Kind::Object, false),
            ("content", Kind::Object, false),
        ],
    )?;
    check_style(parameter, location, styles)?;
    check_schema_or_content(parameter, location)?;
    for (_, example, location) in entries(parameter, location, "examples")? {
        check_example(example, &location)?;
    }
    Ok(())
}

fn check_style(object: &Map<String, Value>, location: &Location, styles: &[&str]) -> Result<()> {
    match object.get("style").and_then(Value::as_str) {
        Some(style) if !styles.contains(&style) => Err(Error::input(
            &location.child("style"),
            format!(
                "unknown style `{style}` here; expected one of {}",
                styles.join(", ")
            ),
        )),
        _ => Ok(()),
    }
}

/// A parameter or header: described by `schema` or by `content`.
fn check_schema_or_content(object: &Map<String, Value>, location: &Location) -> Result<()> {
    match (object.get("schema"), object.get("content")) {
        (Some(schema), _) => check_schema(schema, &location.child("schema"), 1),
        (None, Some(_)) => check_content(object, location),
        (None, None) => Err(Error::input(
            location,
            "missing `schema` (or `content`) describing the value",
        )),
    }
}

fn check_header(value: &Value, location: &Location) -> Result<()> {
    let header = object(value, location, "a header object")?;
    if reference(header, location)? {
        return Ok(());
    }
    keywords(
        header,
        location,
        &[
            ("description", Kind::String, true),
            ("style", Kind::String, false),
            ("required", Kind::Bool, false),
            ("deprecated", Kind::Bool, true),
            ("examples", Kind::Object, false),
            ("content", Kind::Object, false),
        ],
    )?;
    check_style(header, location, &["simple"])?;
    check_schema_or_content(header, location)?;
    for (_, example, location) in entries(header, location, "examples")? {
        check_example(example, &location)?;
    }
    Ok(())
}

fn check_example(value: &Value, location: &Location) -> Result<()> {
    let example = object(value, location, "an example object")?;
    if reference(example, location)? {
        return Ok(());
    }
    keywords(
        example,
        location,
        &[
            ("summary", Kind::String, true),
            ("description", Kind::String, true),
            ("externalValue", Kind::String, true),
        ],
    )
}

fn check_request_body(value: &Value, location: &Location) -> Result<()> {
    let body = object(value, location, "a request body object")?;
    if reference(body, location)? {
        return Ok(());
    }
    keywords(
        body,
        location,
        &[
            ("description", Kind::String, true),
            ("content", Kind::Object, false),
            ("required", Kind::Bool, false),
        ],
    )?;
    check_content(body, location)
}

fn check_response(value: &Value, location: &Location) -> Result<()> {
    let response = object(value, location, "a response object")?;
    if reference(response, location)? {
        return Ok(());
    }
    required(
        response,
        location,
        "description",
        "the response's description, a string",
    )?;
    keywords(
        response,
        location,
        &[
            ("headers", Kind::Object, false),
            ("content", Kind::Object, false),
            ("links", Kind::Object, false),
        ],
    )?;
    for (_, header, location) in entries(response, location, "headers")? {
        check_header(header, &location)?;
    }
    check_content(response, location)
}

/// The media types of a `content` member.
fn check_content(object: &Map<String, Value>, location: &Location) -> Result<()> {
    for (_, media, location) in entries(object, location, "content")? {
        let media = self::object(media, &location, "a media type object")?;
        keywords(
            media,
            &location,
            &[
                ("examples", Kind::Object, false),
                ("encoding", Kind::Object, false),
            ],
        )?;
        if let Some(schema) = media.get("schema").filter(|v| !v.is_null()) {
            check_schema(schema, &location.child("schema"), 1)?;
        }
        for (_, example, location) in entries(media, &location, "examples")? {
            check_example(example, &location)?;
        }
    }
    Ok(())
}

/// Keywords of a schema object, with the JSON type openapiv3 reads each as.
const SCHEMA_KEYWORDS: &[(&str, Kind, bool)] = &[
    ("type", Kind::String, true),
    ("format", Kind::String, true),
    ("pattern", Kind::String, true),
    ("title", Kind::String, true),
    ("description", Kind::String, true),
    ("nullable", Kind::Bool, false),
    ("readOnly", Kind::Bool, false),
    ("writeOnly", Kind::Bool, false),
    ("deprecated", Kind::Bool, false),
    ("exclusiveMinimum", Kind::Bool, true),
    ("exclusiveMaximum", Kind::Bool, true),
    ("uniqueItems", Kind::Bool, true),
    ("multipleOf", Kind::Number, true),
    ("minimum", Kind::Number, true),
    ("maximum", Kind::Number, true),
    ("minLength", Kind::Count, true),
    ("maxLength", Kind::Count, true),
    ("minItems", Kind::Count, true),
    ("maxItems", Kind::Count, true),
    ("minProperties", Kind::Count, true),
    ("maxProperties", Kind::Count, true),
    ("required", Kind::Strings, true),
    ("enum", Kind::Array, true),
    ("properties", Kind::Object, true),
    ("allOf", Kind::Array, true),
    ("anyOf", Kind::Array, true),
    ("oneOf", Kind::Array, true),
    ("externalDocs", Kind::Object, true),
    ("discriminator", Kind::Object, true),
];

/// A schema object at `depth` levels of schema nesting (1 for one in place).
pub fn check_schema(value: &Value, location: &Location, depth: usize) -> Result<()> {
    let schema = object(value, location, "a schema object")?;
    if reference(schema, location)? {
        return Ok(());
    }
    if depth > MAX_SCHEMA_DEPTH {
        return Err(Error::input(
            location,
            format!("schemas nested more than {MAX_SCHEMA_DEPTH} levels deep are not supported"),
        ));
    }
    keywords(schema, location, SCHEMA_KEYWORDS)?;
    if let Some(docs) = schema.get("externalDocs").and_then(Value::as_object) {
        let location = location.child("externalDocs");
        required(docs, &location, "url", "a string")?;
        keywords(docs, &location, &[("description", Kind::String, true)])?;
    }
    if let Some(discriminator) = schema.get("discriminator").and_then(Value::as_object) {
        let location = location.child("discriminator");
        required(discriminator, &location, "propertyName", "a string")?;
        keywords(
            discriminator,
            &location,
            &[("mapping", Kind::Object, false)],
        )?;
        for (_, target, location) in entries(discriminator, &location, "mapping")? {
            if !target.is_string() {
                return Err(mismatch(&location, "a string", target));
            }
        }
    }
    for (_, property, location) in entries(schema, location, "properties")? {
        check_schema(property, &location, depth + 1)?;
    }
    for key in ["items", "not"] {
        if let Some(nested) = schema.get(key).filter(|v| !v.is_null()) {
            check_schema(nested, &location.child(key), depth + 1)?;
        }
    }
    match schema.get("additionalProperties") {
        None | Some(Value::Null | Value::Bool(_)) => {}
        Some(nested @ Value::Object(_)) => {
            check_schema(nested, &location.child("additionalProperties"), depth + 1)?
        }
        Some(other) => {
            return Err(mismatch(
                &location.child("additionalProperties"),
                "a boolean or a schema object",
                other,
            ))
        }
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        for (member, location) in items(schema, location, key)? {
            check_schema(member, &location, depth + 1)?;
        }
    }
    Ok(())
}
