//! Query parameters flattened the way the Dashboard API expects them.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::Value;

/// RFC 3986 unreserved characters stay as they are; everything else (notably `+`, `&`, `=`, `:` in
/// timestamps) is percent-encoded so values survive any server's query parser.
const VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');
/// Names keep their brackets literal: the Dashboard documents `productTypes[]=switch`.
const NAME: &AsciiSet = &VALUE.remove(b'[').remove(b']');

/// Flattens one parameter: `null` is omitted, scalars are `name=v`, arrays `name[]=a&name[]=b`,
/// objects `name[key]=v`; nesting combines (`name[][key]`, `name[key][]`).
pub(crate) fn flatten(name: &str, value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Null => {}
        Value::Bool(b) => out.push((name.to_owned(), b.to_string())),
        Value::Number(n) => out.push((name.to_owned(), n.to_string())),
        Value::String(s) => out.push((name.to_owned(), s.clone())),
        Value::Array(items) => {
            let item_name = format!("{name}[]");
            for item in items {
                flatten(&item_name, item, out);
            }
        }
        Value::Object(fields) => {
            for (key, field) in fields {
                flatten(&format!("{name}[{key}]"), field, out);
            }
        }
    }
}

/// Percent-encodes pairs into a query string.
pub(crate) fn encode<'a>(pairs: impl IntoIterator<Item = &'a (String, String)>) -> String {
    let mut query = String::new();
    for (name, value) in pairs {
        if !query.is_empty() {
            query.push('&');
        }
        query.extend(utf8_percent_encode(name, NAME));
        query.push('=');
        query.extend(utf8_percent_encode(value, VALUE));
    }
    query
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn flat(value: Value) -> String {
        let mut pairs = Vec::new();
        flatten("p", &value, &mut pairs);
        encode(&pairs)
    }

    #[test]
    fn shapes() {
        assert_eq!(flat(json!(null)), "");
        assert_eq!(flat(json!(true)), "p=true");
        assert_eq!(flat(json!(3.5)), "p=3.5");
        assert_eq!(flat(json!("a b&c=d+e")), "p=a%20b%26c%3Dd%2Be");
        assert_eq!(flat(json!(["switch", "camera"])), "p[]=switch&p[]=camera");
        assert_eq!(flat(json!([])), "");
        assert_eq!(flat(json!([1, null, 2])), "p[]=1&p[]=2");
        assert_eq!(
            flat(json!({"lt": "2024-01-01T00:00:00+00:00"})),
            "p[lt]=2024-01-01T00%3A00%3A00%2B00%3A00"
        );
        assert_eq!(flat(json!({"a b": [1]})), "p[a%20b][]=1");
        assert_eq!(flat(json!("é")), "p=%C3%A9");
    }
}
