//! What the client does when a response does not match the spec: repair the value that failed
//! and decode again, so one odd field never costs the caller the rest of the response.
//!
//! Strict decoding runs first and is all a conforming response ever costs. Only when it fails is
//! the body parsed into a `serde_json::Value`, the value at the failing path repaired, and the
//! whole decoded again, as often as there are deviations (bounded). Repairs, in order of
//! preference:
//! - **coerced**, when the value means what the spec declares: a number or boolean where a string
//!   is declared (`5` → `"5"`), an integral float or a numeric string where an integer is
//!   declared (`5.0`, `"5"` → `5`), a numeric string where a number is declared, `"true"` /
//!   `"false"` / `0` / `1` where a boolean is declared. An integer where a float is declared needs
//!   no repair: it decodes as it is.
//! - **dropped**, when it cannot be represented (`"abc"` where an integer is declared, `null`
//!   where a value is, an object where a list is): the member is removed, so an optional field
//!   decodes as `None`; an element of a list is removed from the list.
//! - **defaulted**, when the field is required and had to be dropped, or the server left out a
//!   required field: the type's empty value (`""`, `0`, `false`, `[]`, `{}`).
//!
//! Each repair is reported to the caller of [`decode`], which logs it (see `response.rs`).
//! Syntax errors (truncated or malformed JSON) are not repaired.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::json_path::{format_path, segments_at, Segment};

/// At most this many repairs per document: each one decodes the whole document again.
const MAX_REPAIRS: usize = 64;

/// One deviation from the spec that decoding repaired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repair {
    /// Path of the value, e.g. `[0].vlan` (`.` for the top level).
    pub path: String,
    /// What the server sent (at most 100 bytes of its JSON).
    pub found: String,
    /// What the spec declares, as serde describes it (`a string`, `i64`, ...).
    pub expected: String,
    pub action: Action,
}

/// How a deviating value was repaired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Converted to the declared type without loss of meaning.
    Coerced,
    /// Removed: the field decodes as `None`, or the element is left out of its list.
    Dropped,
    /// Replaced by the empty value of the declared type (a required field).
    Defaulted,
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Action::Coerced => "coerced",
            Action::Dropped => "dropped",
            Action::Defaulted => "defaulted",
        })
    }
}

/// A failed decoding: the path to where it failed and serde_json's error.
pub(crate) type Failure = (String, serde_json::Error);

/// Decodes `json` as `T`, repairing deviations from the declared types (module docs). When
/// nothing can be repaired, the error is strict decoding's, with its path.
pub(crate) fn decode<T: DeserializeOwned>(json: &[u8]) -> Result<(T, Vec<Repair>), Failure> {
    let original = match serde_json::from_slice::<T>(json) {
        Ok(value) => return Ok((value, Vec::new())),
        Err(error) => error,
    };
    let fail = |original: serde_json::Error| {
        let path = format_path(&segments_at(json, original.line(), original.column()));
        Err((path, original))
    };
    if original.is_syntax() || original.is_eof() {
        return fail(original);
    }
    let Ok(mut root) = serde_json::from_slice::<Value>(json) else {
        return fail(original);
    };
    let mut repairs = Vec::new();
    // What each dropped path was expected to be, to default it if it turns out to be required.
    let mut expected_at: BTreeMap<Vec<Segment>, String> = BTreeMap::new();
    let mut text = Vec::new();
    let mut latest: Option<serde_json::Error> = None;
    loop {
        let (segments, message) = match &latest {
            None => (
                segments_at(json, original.line(), original.column()),
                original.to_string(),
            ),
            Some(error) => (
                segments_at(&text, error.line(), error.column()),
                error.to_string(),
            ),
        };
        let repaired = repairs.len() < MAX_REPAIRS
            && repair(
                &mut root,
                &segments,
                &message,
                &mut expected_at,
                &mut repairs,
            );
        if !repaired {
            return fail(original);
        }
        text = serde_json::to_vec(&root).unwrap_or_default();
        match serde_json::from_slice::<T>(&text) {
            Ok(value) => return Ok((value, repairs)),
            Err(error) => latest = Some(error),
        }
    }
}

/// Repairs the value the error points at; false when nothing can be done.
fn repair(
    root: &mut Value,
    segments: &[Segment],
    message: &str,
    expected_at: &mut BTreeMap<Vec<Segment>, String>,
    repairs: &mut Vec<Repair>,
) -> bool {
    if let Some(field) = missing_field(message) {
        // `segments` names the object lacking the field.
        let mut path = segments.to_vec();
        path.push(Segment::Key(field.to_string()));
        let Some(Value::Object(object)) = value_at(root, segments) else {
            return false;
        };
        let (value, action) = match expected_at.get(&path) {
            Some(expected) => match empty_value(expected) {
                Some(value) => (value, Action::Defaulted),
                None => return false,
            },
            // Not dropped by us: the server left it out. A `null` makes the next attempt say
            // which type is expected, and that repair gives the default.
            None => {
                if object.contains_key(field) {
                    return false;
                }
                object.insert(field.to_string(), Value::Null);
                expected_at.insert(path, String::new());
                return true;
            }
        };
        object.insert(field.to_string(), value);
        expected_at.remove(&path);
        repairs.push(Repair {
            path: format_path(&path),
            found: "nothing".into(),
            expected: field.to_string(),
            action,
        });
        return true;
    }
    let Some((_, expected)) = invalid_type(message) else {
        return false;
    };
    if segments.is_empty() {
        return false;
    }
    let Some(found) = value_at(root, segments).cloned() else {
        return false;
    };
    let shown = excerpt(&found);
    // A null we put in for a field the server left out: default it at once.
    if found.is_null() && expected_at.get(segments).is_some_and(String::is_empty) {
        let Some(value) = empty_value(expected) else {
            return false;
        };
        if let Some(slot) = value_at(root, segments) {
            *slot = value;
        }
        expected_at.remove(segments);
        repairs.push(Repair {
            path: format_path(segments),
            found: "nothing".into(),
            expected: expected.to_string(),
            action: Action::Defaulted,
        });
        return true;
    }
    if let Some(value) = coerce(&found, expected) {
        if let Some(slot) = value_at(root, segments) {
            *slot = value;
        }
        repairs.push(Repair {
            path: format_path(segments),
            found: shown,
            expected: expected.to_string(),
            action: Action::Coerced,
        });
        return true;
    }
    // Dropping the same path twice would loop: the second time it is required, so default it.
    if expected_at.contains_key(segments) {
        return false;
    }
    let (parent, last) = segments.split_at(segments.len() - 1);
    let removed = match (value_at(root, parent), &last[0]) {
        (Some(Value::Object(object)), Segment::Key(key)) => object.remove(key).is_some(),
        (Some(Value::Array(items)), Segment::Index(index)) if *index < items.len() => {
            items.remove(*index);
            true
        }
        _ => false,
    };
    if !removed {
        return false;
    }
    if matches!(last[0], Segment::Key(_)) {
        expected_at.insert(segments.to_vec(), expected.to_string());
    }
    repairs.push(Repair {
        path: format_path(segments),
        found: shown,
        expected: expected.to_string(),
        action: Action::Dropped,
    });
    true
}

fn value_at<'a>(root: &'a mut Value, segments: &[Segment]) -> Option<&'a mut Value> {
    let mut value = root;
    for segment in segments {
        value = match (value, segment) {
            (Value::Object(object), Segment::Key(key)) => object.get_mut(key)?,
            (Value::Array(items), Segment::Index(index)) => items.get_mut(*index)?,
            _ => return None,
        };
    }
    Some(value)
}

/// `missing field `name`` → `name`.
fn missing_field(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("missing field `")?;
    rest.split('`').next()
}

/// `invalid type: integer `5`, expected a string at line 1 column 9` → (`integer `5``,
/// `a string`). `invalid value` (a value of the right type the type refuses, such as a
/// negative number for a `u64`) is treated the same way.
fn invalid_type(message: &str) -> Option<(&str, &str)> {
    let rest = message
        .strip_prefix("invalid type: ")
        .or_else(|| message.strip_prefix("invalid value: "))?;
    let (found, expected) = rest.split_once(", expected ")?;
    let expected = match expected.rfind(" at line ") {
        Some(at) => &expected[..at],
        None => expected,
    };
    Some((found, expected))
}

/// A string, but not "an integer or a string holding one" (integer enums), which is an integer.
fn expects_string(expected: &str) -> bool {
    expected.contains("string") && !expected.contains("integer")
}

fn expects_integer(expected: &str) -> bool {
    matches!(
        expected,
        "i8" | "i16"
            | "i32"
            | "i64"
            | "i128"
            | "u8"
            | "u16"
            | "u32"
            | "u64"
            | "u128"
            | "isize"
            | "usize"
    ) || expected.contains("integer")
}

fn expects_float(expected: &str) -> bool {
    matches!(expected, "f32" | "f64")
        || expected.contains("floating point")
        || expected == "a number"
}

fn expects_boolean(expected: &str) -> bool {
    expected.contains("boolean")
}

/// The value converted to the expected type, when that loses no meaning.
fn coerce(found: &Value, expected: &str) -> Option<Value> {
    match found {
        Value::Number(number) if expects_string(expected) => {
            Some(Value::String(number.to_string()))
        }
        Value::Bool(flag) if expects_string(expected) => Some(Value::String(flag.to_string())),
        Value::Number(number) if expects_integer(expected) => {
            let float = number.as_f64()?;
            (float.fract() == 0.0 && float.abs() < 9.0e15).then(|| Value::from(float as i64))
        }
        Value::String(text) if expects_integer(expected) => {
            let text = text.trim();
            if let Ok(integer) = text.parse::<i64>() {
                return Some(Value::from(integer));
            }
            let float = text.parse::<f64>().ok()?;
            (float.fract() == 0.0 && float.abs() < 9.0e15).then(|| Value::from(float as i64))
        }
        Value::String(text) if expects_float(expected) => {
            let float = text.trim().parse::<f64>().ok().filter(|f| f.is_finite())?;
            serde_json::Number::from_f64(float).map(Value::Number)
        }
        Value::String(text) if expects_boolean(expected) => match text.trim() {
            "true" | "True" | "TRUE" => Some(Value::Bool(true)),
            "false" | "False" | "FALSE" => Some(Value::Bool(false)),
            _ => None,
        },
        Value::Number(number) if expects_boolean(expected) => match number.as_i64() {
            Some(0) => Some(Value::Bool(false)),
            Some(1) => Some(Value::Bool(true)),
            _ => None,
        },
        _ => None,
    }
}

/// The empty value of a type as serde describes it, for a required field that had to go.
fn empty_value(expected: &str) -> Option<Value> {
    if expects_string(expected) {
        Some(Value::String(String::new()))
    } else if expects_integer(expected) {
        Some(Value::from(0))
    } else if expects_float(expected) {
        Some(Value::from(0.0))
    } else if expects_boolean(expected) {
        Some(Value::Bool(false))
    } else if expected.contains("sequence") {
        Some(Value::Array(Vec::new()))
    } else if expected.contains("struct") || expected.contains("map") {
        Some(Value::Object(Map::new()))
    } else {
        None
    }
}

fn excerpt(value: &Value) -> String {
    let mut text = value.to_string();
    if text.len() > 100 {
        let mut end = 100;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push('…');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_read() {
        assert_eq!(
            invalid_type("invalid type: integer `5`, expected a string at line 1 column 9"),
            Some(("integer `5`", "a string"))
        );
        assert_eq!(
            missing_field("missing field `id` at line 1 column 2"),
            Some("id")
        );
    }

    #[test]
    fn coercions_keep_meaning_and_refuse_the_rest() {
        assert_eq!(coerce(&Value::from(5), "a string"), Some(Value::from("5")));
        assert_eq!(coerce(&Value::from(5.0), "i64"), Some(Value::from(5)));
        assert_eq!(coerce(&Value::from("7"), "i64"), Some(Value::from(7)));
        assert_eq!(coerce(&Value::from(5.5), "i64"), None);
        assert_eq!(coerce(&Value::from("abc"), "i64"), None);
        assert_eq!(coerce(&Value::from("2.5"), "f64"), Some(Value::from(2.5)));
        assert_eq!(
            coerce(&Value::from("true"), "a boolean"),
            Some(Value::Bool(true))
        );
    }
}
