//! Client configuration: authentication, User-Agent, headers, regions, secrets.

use meraki_runtime::{Client, Error, Method, Region, Request};
use serde_json::Value;
use wiremock::matchers::{header, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{builder, client, KEY};

#[tokio::test]
async fn sends_bearer_key_user_agent_accept_and_default_headers() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/organizations"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .and(header(
            "user-agent",
            "meraki/1.2.3 Caller/(Inventory/2.0 Acme)",
        ))
        .and(header("accept", "application/json"))
        .and(header("x-custom", "yes"))
        .respond_with(ResponseTemplate::new(200).set_body_string("[]"))
        .expect(1)
        .mount(&server)
        .await;
    let client = builder(&server)
        .sdk_identity("meraki", "1.2.3")
        .caller("Inventory/2.0 Acme")
        .default_header("X-Custom", "yes")
        .build()
        .unwrap();
    assert_eq!(
        client.user_agent(),
        "meraki/1.2.3 Caller/(Inventory/2.0 Acme)"
    );
    let value: Value = Request::new(&client, Method::GET, "/organizations".into())
        .send()
        .await
        .unwrap();
    assert_eq!(value, Value::Array(vec![]));
}

#[test]
fn default_user_agent_names_the_runtime() {
    let client = Client::builder().api_key("k").build().unwrap();
    assert_eq!(
        client.user_agent(),
        format!("meraki-runtime/{}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn invalid_settings_are_config_errors() {
    let cases = [
        Client::builder().build().unwrap_err(),
        Client::builder().api_key("   ").build().unwrap_err(),
        Client::builder().api_key("bad\nkey").build().unwrap_err(),
        Client::builder()
            .api_key("k")
            .caller("no-vendor")
            .build()
            .unwrap_err(),
        Client::builder()
            .api_key("k")
            .base_url("not a url")
            .build()
            .unwrap_err(),
        Client::builder()
            .api_key("k")
            .base_url("ftp://x/api")
            .build()
            .unwrap_err(),
        Client::builder()
            .api_key("k")
            .base_url("https://x/api?q=1")
            .build()
            .unwrap_err(),
        Client::builder()
            .api_key("k")
            .default_header("bad header", "v")
            .build()
            .unwrap_err(),
        Client::builder()
            .api_key("k")
            .default_header("x", "bad\nvalue")
            .build()
            .unwrap_err(),
        Client::builder()
            .api_key("k")
            .default_header("Authorization", "Bearer other")
            .build()
            .unwrap_err(),
    ];
    for error in cases {
        assert!(matches!(error, Error::Config { .. }), "{error:?}");
        assert!(!error.to_string().contains("bad\nkey"));
    }
}

#[test]
fn regions_and_base_url() {
    let expected = [
        (Region::Global, "https://api.meraki.com/api/v1"),
        (Region::Canada, "https://api.meraki.ca/api/v1"),
        (Region::China, "https://api.meraki.cn/api/v1"),
        (Region::India, "https://api.meraki.in/api/v1"),
        (Region::FedRamp, "https://api.gov-meraki.com/api/v1"),
    ];
    for (region, url) in expected {
        assert_eq!(region.base_url(), url);
        let client = Client::builder()
            .api_key("k")
            .region(region)
            .build()
            .unwrap();
        assert_eq!(client.base_url(), url);
    }
    let client = Client::builder()
        .api_key("k")
        .base_url("http://127.0.0.1:9/api/v1/")
        .build()
        .unwrap();
    assert_eq!(client.base_url(), "http://127.0.0.1:9/api/v1");
    assert_eq!(Region::default(), Region::Global);
}

#[tokio::test]
async fn the_key_is_never_shown() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/organizations"))
        .respond_with(ResponseTemplate::new(401).set_body_string("unauthorized"))
        .mount(&server)
        .await;
    let builder = builder(&server);
    assert!(!format!("{builder:?}").contains(KEY));
    assert!(format!("{builder:?}").contains("redacted"));
    let client = builder.build().unwrap();
    let debug = format!("{client:?} {client:#?}");
    assert!(!debug.contains(KEY));
    assert!(debug.contains("<redacted>"));
    let request: Request<Value> = Request::new(&client, Method::GET, "/organizations".into());
    assert!(!format!("{request:?}").contains(KEY));
    let error = request.send().await.unwrap_err();
    assert!(!format!("{error} {error:?}").contains(KEY));
}

#[tokio::test]
async fn clones_share_configuration() {
    let server = MockServer::start().await;
    let client = client(&server);
    let clone = client.clone();
    assert_eq!(client.base_url(), clone.base_url());
    assert!(!clone.is_simulate());
}

/// Issue 12: user info in the base URL would go out as `Authorization: Basic` beside the key.
#[test]
fn a_base_url_with_user_info_is_refused() {
    let error = meraki_runtime::Client::builder()
        .api_key("k")
        .base_url("https://user:pa55word@api.meraki.com/api/v1")
        .build()
        .unwrap_err();
    let text = error.to_string();
    assert!(text.contains("user info"), "{text}");
    assert!(text.contains("https://api.meraki.com/api/v1"), "{text}");
    assert!(!text.contains("pa55word"), "{text}");
}
