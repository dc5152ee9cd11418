//! Building requests: query flattening, bodies, paths, empty responses.

use meraki_runtime::{Error, Method, Request};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use wiremock::matchers::{body_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::client;

async fn raw_query(server: &MockServer) -> String {
    let received = server.received_requests().await.unwrap();
    received
        .last()
        .unwrap()
        .url
        .query()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn query_parameters_are_flattened_the_meraki_way() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/organizations/1/devices/statuses"))
        .respond_with(ResponseTemplate::new(200).set_body_string("[]"))
        .mount(&server)
        .await;
    let client = client(&server);
    let mut request: Request<Vec<Value>> = Request::new(
        &client,
        Method::GET,
        "/organizations/1/devices/statuses".into(),
    );
    request.query("productTypes", &["wireless"]);
    request.query("productTypes", &vec!["switch", "camera"]);
    request.query("perPage", &3);
    request.query("includeRemoved", &false);
    request.query("serials", &Vec::<String>::new());
    request.query("startingAfter", &Option::<String>::None);
    request.query("startDate", &json!({"lt": "2024-01-01T00:00:00+00:00"}));
    request.query("search", "a b&c");
    let url = request.url().unwrap();
    request.send().await.unwrap();
    let expected = "productTypes[]=switch&productTypes[]=camera&perPage=3&includeRemoved=false\
                    &startDate[lt]=2024-01-01T00%3A00%3A00%2B00%3A00&search=a%20b%26c";
    assert_eq!(raw_query(&server).await, expected);
    assert_eq!(url.query(), Some(expected));
}

#[tokio::test]
async fn json_body_is_sent_and_empty_bodies_decode() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/api/v1/networks/N_1"))
        .and(body_json(json!({"name": "lab", "tags": ["a"]})))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/api/v1/networks/N_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"unexpected": true})))
        .mount(&server)
        .await;
    let client = client(&server);
    let mut put: Request<()> = Request::new(&client, Method::PUT, "/networks/N_1".into());
    put.json_body(&json!({"name": "lab", "tags": ["a"]}));
    put.clone().send().await.unwrap();

    let mut optional: Request<Option<Value>> =
        Request::new(&client, Method::PUT, "/networks/N_1".into());
    optional.json_body(&json!({"name": "lab", "tags": ["a"]}));
    assert_eq!(optional.send().await.unwrap(), None);

    // `()` ignores whatever body the server sends.
    let delete: Request<()> = Request::new(&client, Method::DELETE, "/networks/N_1".into());
    delete.send().await.unwrap();
}

#[tokio::test]
async fn unserializable_values_fail_at_send() {
    let server = MockServer::start().await;
    let client = client(&server);
    let mut bad_key = BTreeMap::new();
    bad_key.insert(vec![1u8], 1);
    let mut request: Request<Value> = Request::new(&client, Method::POST, "/x".into());
    request.json_body(&bad_key);
    let error = request.send().await.unwrap_err();
    assert!(matches!(error, Error::Request { .. }), "{error:?}");
    assert!(error.to_string().contains("request body"));

    let mut request: Request<Value> = Request::new(&client, Method::GET, "/x".into());
    request.query("filter", &bad_key);
    let error = request.send().await.unwrap_err();
    assert!(
        error.to_string().contains("query parameter `filter`"),
        "{error}"
    );
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn dot_segments_in_paths_are_refused() {
    let server = MockServer::start().await;
    let client = client(&server);
    for bad in [
        "/networks/../organizations",
        "/networks/%2E%2e/x",
        "/networks/./x",
    ] {
        let request: Request<Value> = Request::new(&client, Method::GET, bad.into());
        let error = request.send().await.unwrap_err();
        assert!(matches!(error, Error::Request { .. }), "{bad}: {error:?}");
    }
    let encoded = meraki_runtime::path_segment("../x");
    let request: Request<Value> =
        Request::new(&client, Method::GET, format!("/networks/{encoded}"));
    assert!(request.url().unwrap().path().ends_with("/networks/..%2Fx"));
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Device {
    serial: String,
    model: Model,
}

/// A type with no empty value and no way to take an unknown one, so a deviation in it cannot be
/// repaired (generated enums have an `UnknownValue` variant and never fail like this).
#[derive(Debug, Deserialize)]
enum Model {
    MR,
}

#[tokio::test]
async fn decode_errors_name_the_field_and_quote_the_body() {
    let server = MockServer::start().await;
    let padding = "x".repeat(10_000);
    Mock::given(path("/api/v1/devices"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"serial": "Q1", "model": "MR"},
            {"serial": "Q2", "model": 5, "padding": padding},
        ])))
        .mount(&server)
        .await;
    let client = client(&server);
    let request: Request<Vec<Device>> = Request::new(&client, Method::GET, "/devices".into());
    let error = request.send().await.unwrap_err();
    let Error::Decode(decode) = &error else {
        panic!("{error:?}")
    };
    let (path, excerpt, status) = (&decode.path, &decode.excerpt, &decode.status);
    assert_eq!(path, "[1].model");
    assert_eq!(status.as_u16(), 200);
    assert!(excerpt.starts_with(r#"[{"serial":"Q1""#));
    assert!(excerpt.len() <= meraki_runtime::BODY_EXCERPT_LIMIT + 3);
    assert!(error.to_string().contains("[1].model"));
}
