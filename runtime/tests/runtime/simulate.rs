//! Simulate (dry-run) mode.

use meraki_runtime::{Error, Method, Request};
use serde::Deserialize;
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{builder, capture_logs};

#[derive(Debug, Deserialize, PartialEq)]
struct Optional {
    id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Required {
    id: String,
}

fn post<R>(client: &meraki_runtime::Client) -> Request<R> {
    let mut request = Request::new(client, Method::POST, "/organizations".into());
    request.json_body(&json!({"name": "new"}));
    request
}

#[tokio::test]
async fn non_get_requests_are_logged_not_sent() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/organizations"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([{"id": "1"}])))
        .expect(1)
        .mount(&server)
        .await;
    let client = builder(&server).simulate(true).build().unwrap();
    assert!(client.is_simulate());
    let (logs, _guard) = capture_logs();

    let unit: Request<()> = post(&client);
    unit.send().await.unwrap();
    let option: Request<Option<Value>> = post(&client);
    assert_eq!(option.send().await.unwrap(), None);
    let value: Request<Value> = post(&client);
    assert_eq!(value.send().await.unwrap(), Value::Null);
    let optional: Request<Optional> = post(&client);
    assert_eq!(optional.send().await.unwrap(), Optional { id: None });
    let list: Request<Vec<Required>> =
        Request::new(&client, Method::DELETE, "/organizations/1".into());
    assert!(list.send().await.unwrap().is_empty());
    let required: Request<Required> = post(&client);
    let error = required.send().await.unwrap_err();
    assert!(matches!(error, Error::Simulated { .. }), "{error:?}");
    assert!(error.to_string().contains("simulate mode"));

    // GET is still sent.
    let get: Request<Vec<Value>> = Request::new(&client, Method::GET, "/organizations".into());
    assert_eq!(get.send().await.unwrap().len(), 1);

    let received = server.received_requests().await.unwrap();
    assert_eq!(received.len(), 1);
    let lines = logs.lines();
    let simulated: Vec<_> = lines
        .iter()
        .filter(|l| l.contains("simulate mode"))
        .collect();
    assert_eq!(simulated.len(), 6, "{lines:#?}");
    assert!(simulated[0].contains("method=POST"));
    assert!(simulated[0].contains("/api/v1/organizations"));
    assert!(lines.iter().any(|l| l.contains(r#"{"name":"new"}"#)));
}
