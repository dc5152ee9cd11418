//! The decoding policy for responses that deviate from the spec (`lenient.rs`): a table of
//! deviations against every scalar type the generated code uses (string, integer, number,
//! boolean, string enum, integer enum, timestamp), each at every depth a response has (top-level
//! field, nested object, element of a list, list inside an object inside a list), with the rest
//! of the response checked intact.

use meraki_runtime::{Method, Request, Timestamp};
use serde::Deserialize;
use serde_json::{json, Value};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{capture_logs, client};

/// A string enum as the generator writes them.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Mode {
    Fast,
    UnknownValue(String),
}
meraki_runtime::string_enum!(Mode, UnknownValue, { "fast" => Fast });

/// An integer enum as the generator writes them.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Level {
    Two,
    UnknownValue(i64),
}
meraki_runtime::int_enum!(Level, UnknownValue, { 2 => Two });

/// Every scalar type, each optional as most response fields are, plus a required one.
#[derive(Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
struct Scalars {
    name: String,
    text: Option<String>,
    count: Option<i64>,
    ratio: Option<f64>,
    enabled: Option<bool>,
    mode: Option<Mode>,
    level: Option<Level>,
    seen: Option<Timestamp>,
}

#[derive(Debug, Deserialize, PartialEq)]
struct Inner {
    scalars: Scalars,
    list: Option<Vec<Scalars>>,
}

#[derive(Debug, Deserialize, PartialEq)]
struct Outer {
    top: Scalars,
    nested: Inner,
    items: Vec<Inner>,
}

/// A conforming value of `Scalars`.
fn conforming() -> Value {
    json!({
        "name": "kept", "text": "t", "count": 3, "ratio": 0.5, "enabled": true,
        "mode": "fast", "level": 2, "seen": "2024-01-01T00:00:00Z"
    })
}

/// (field, what the server sends, what the field must decode as) for each deviation.
fn table() -> Vec<(&'static str, Value, Value)> {
    vec![
        // A number or boolean where a string is declared: coerced.
        ("text", json!(5), json!("5")),
        ("text", json!(2.5), json!("2.5")),
        ("text", json!(true), json!("true")),
        ("text", json!(null), json!(null)),
        ("text", json!({"a": 1}), json!(null)),
        // An integral float or a numeric string where an integer is declared: coerced.
        ("count", json!(7.0), json!(7)),
        ("count", json!("7"), json!(7)),
        ("count", json!("7.0"), json!(7)),
        ("count", json!(null), json!(null)),
        ("count", json!(7.5), json!(null)),
        ("count", json!("seven"), json!(null)),
        ("count", json!([7]), json!(null)),
        // An integer where a float is declared needs nothing; a numeric string is coerced.
        ("ratio", json!(1), json!(1.0)),
        ("ratio", json!("0.25"), json!(0.25)),
        ("ratio", json!(null), json!(null)),
        ("ratio", json!("half"), json!(null)),
        // Booleans as strings or 0/1: coerced.
        ("enabled", json!("false"), json!(false)),
        ("enabled", json!(1), json!(true)),
        ("enabled", json!(null), json!(null)),
        ("enabled", json!("maybe"), json!(null)),
        // Enums keep unknown values; a number where a string enum is declared is its text.
        ("mode", json!("turbo"), json!("turbo")),
        ("mode", json!(9), json!("9")),
        ("mode", json!(null), json!(null)),
        ("mode", json!({}), json!(null)),
        ("level", json!(2.0), json!(2)),
        ("level", json!("2"), json!(2)),
        ("level", json!(null), json!(null)),
        // Timestamps: an epoch number where the spec declares a date-time keeps its text.
        ("seen", json!(1518365681), json!("1518365681")),
        ("seen", json!(null), json!(null)),
        ("seen", json!([]), json!(null)),
        // A required field: null or a value that cannot be represented gives its empty value.
        ("name", json!(null), json!("")),
        ("name", json!({"x": 1}), json!("")),
        ("name", json!(12), json!("12")),
    ]
}

/// `Scalars` as JSON the way the table states expectations (`null` for `None`).
fn as_json(s: &Scalars) -> Value {
    json!({
        "name": s.name, "text": s.text, "count": s.count, "ratio": s.ratio,
        "enabled": s.enabled, "mode": s.mode.as_ref().map(|m| m.as_str().to_string()),
        "level": s.level.as_ref().map(|l| match l { Level::Two => 2, Level::UnknownValue(v) => *v }),
        "seen": s.seen.as_ref().map(|t| t.as_str().to_string()),
    })
}

/// Reads the decoded `Scalars` back from one place in an `Outer`.
type Read = fn(&Outer) -> &Scalars;

/// The places a deviating `Scalars` can sit in an `Outer`, as JSON pointers, and how to read
/// the decoded `Scalars` back from there.
fn depths() -> Vec<(&'static str, Read)> {
    vec![
        ("/top", |o| &o.top),
        ("/nested/scalars", |o| &o.nested.scalars),
        ("/items/1/scalars", |o| &o.items[1].scalars),
        ("/items/1/list/2", |o| &o.items[1].list.as_ref().unwrap()[2]),
    ]
}

fn conforming_outer() -> Value {
    let inner =
        || json!({"scalars": conforming(), "list": [conforming(), conforming(), conforming()]});
    json!({"top": conforming(), "nested": inner(), "items": [inner(), inner(), inner()]})
}

#[tokio::test]
async fn every_deviation_of_the_table_decodes_with_the_rest_intact() {
    let server = MockServer::start().await;
    let client = client(&server);
    let expected_rest: Outer = serde_json::from_value(conforming_outer()).unwrap();
    let mut checked = 0;
    for (field, sent, expected) in table() {
        for (pointer, read) in depths() {
            let mut body = conforming_outer();
            *body.pointer_mut(pointer).unwrap().get_mut(field).unwrap() = sent.clone();
            server.reset().await;
            Mock::given(path("/api/v1/thing"))
                .respond_with(ResponseTemplate::new(200).set_body_json(&body))
                .mount(&server)
                .await;
            let request: Request<Outer> = Request::new(&client, Method::GET, "/thing".into());
            let decoded = request
                .send()
                .await
                .unwrap_or_else(|e| panic!("{field} = {sent} at {pointer}: {e}"));
            let mut want = as_json(read(&expected_rest));
            want[field] = expected.clone();
            assert_eq!(
                as_json(read(&decoded)),
                want,
                "{field} = {sent} at {pointer}"
            );
            // Everything else is as sent: put the deviating part back and compare the whole.
            let mut decoded_json = outer_json(&decoded);
            *decoded_json.pointer_mut(pointer).unwrap() = as_json(read(&expected_rest));
            assert_eq!(
                decoded_json,
                outer_json(&expected_rest),
                "{field} = {sent} at {pointer}"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, table().len() * depths().len());
}

fn outer_json(o: &Outer) -> Value {
    let inner = |i: &Inner| json!({"scalars": as_json(&i.scalars), "list": i.list.as_ref().map(|l| l.iter().map(as_json).collect::<Vec<_>>())});
    json!({"top": as_json(&o.top), "nested": inner(&o.nested), "items": o.items.iter().map(inner).collect::<Vec<_>>()})
}

#[tokio::test]
async fn many_deviations_at_once_and_a_missing_required_field() {
    let server = MockServer::start().await;
    let mut body = conforming_outer();
    body["top"]["count"] = json!("12");
    body["top"]["ratio"] = json!("x");
    body["nested"]["scalars"]
        .as_object_mut()
        .unwrap()
        .remove("name");
    body["items"][2]["list"][0]["enabled"] = json!("true");
    Mock::given(path("/api/v1/thing"))
        .respond_with(ResponseTemplate::new(200).set_body_json(&body))
        .mount(&server)
        .await;
    let request: Request<Outer> = Request::new(&client(&server), Method::GET, "/thing".into());
    let decoded = request.send().await.unwrap();
    assert_eq!(decoded.top.count, Some(12));
    assert_eq!(decoded.top.ratio, None);
    assert_eq!(decoded.nested.scalars.name, "");
    assert_eq!(
        decoded.items[2].list.as_ref().unwrap()[0].enabled,
        Some(true)
    );
    assert_eq!(decoded.items[1].scalars.name, "kept");
}

#[tokio::test]
async fn a_deviation_is_logged_with_operation_field_and_value_once_per_call_site() {
    let server = MockServer::start().await;
    let items: Vec<Value> = (0..5)
        .map(|i| {
            let mut item = conforming();
            item["count"] = json!(format!("{i}"));
            item
        })
        .collect();
    Mock::given(path("/api/v1/networks/N_77/widgets"))
        .respond_with(ResponseTemplate::new(200).set_body_json(&items))
        .mount(&server)
        .await;
    let (logs, _guard) = capture_logs();
    let request: Request<Vec<Scalars>> = Request::new(
        &client(&server),
        Method::GET,
        "/networks/N_77/widgets".into(),
    );
    let decoded = request.send().await.unwrap();
    assert_eq!(
        decoded.iter().map(|s| s.count).collect::<Vec<_>>(),
        [Some(0), Some(1), Some(2), Some(3), Some(4)]
    );
    let warnings: Vec<String> = logs
        .lines()
        .into_iter()
        .filter(|l| l.contains("WARN"))
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    let warning = &warnings[0];
    for part in [
        "/api/v1/networks/N_77/widgets",
        "[0].count",
        "\"0\"",
        "i64",
        "coerced",
    ] {
        assert!(warning.contains(part), "`{part}` in {warning}");
    }
}

#[tokio::test]
async fn what_cannot_be_repaired_is_still_an_error_with_path_and_body() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/thing"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"top": [1, 2]})))
        .mount(&server)
        .await;
    let request: Request<Outer> = Request::new(&client(&server), Method::GET, "/thing".into());
    let error = request.send().await.unwrap_err();
    let meraki_runtime::Error::Decode(decode) = &error else {
        panic!("{error:?}")
    };
    // serde reads a struct from a list positionally, so the first element is where it fails.
    assert_eq!(decode.path, "top[0]");
    assert!(decode.excerpt.contains("[1,2]"), "{}", decode.excerpt);
}
