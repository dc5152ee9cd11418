//! Redirects keep the key only for trusted hosts.

use meraki_runtime::{Client, Error, Method, Request, StatusCode};
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{auth_headers, authority, builder, client, KEY};

fn redirect(status: u16, location: String) -> ResponseTemplate {
    ResponseTemplate::new(status).insert_header("Location", location.as_str())
}

fn ok() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"ok": true}))
}

fn get(client: &Client) -> Request<Value> {
    Request::new(client, Method::GET, "/organizations".into())
}

#[tokio::test]
async fn redirect_to_a_trusted_host_keeps_the_key_and_the_body() {
    let origin = MockServer::start().await;
    let shard = MockServer::start().await;
    Mock::given(path("/api/v1/organizations"))
        .respond_with(redirect(
            308,
            format!("{}/api/v1/organizations", shard.uri()),
        ))
        .mount(&origin)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/organizations"))
        .respond_with(ok())
        .expect(1)
        .mount(&shard)
        .await;
    let client = builder(&origin)
        .trusted_redirect_hosts([authority(&shard)])
        .build()
        .unwrap();
    let mut request: Request<Value> = Request::new(&client, Method::POST, "/organizations".into());
    request.json_body(&json!({"name": "x"}));
    assert_eq!(request.send().await.unwrap(), json!({"ok": true}));
    assert_eq!(auth_headers(&shard).await, [Some(format!("Bearer {KEY}"))]);
    let received = shard.received_requests().await.unwrap();
    assert_eq!(received[0].body, br#"{"name":"x"}"#);
}

/// A redirect to a host that may not have the key is not followed: that host gets no request
/// (neither the key nor anything else), and the error names it and how to trust it, instead of
/// the `401 Invalid API key` a request without the key would draw.
#[tokio::test]
async fn redirect_to_an_untrusted_host_is_an_error_and_the_host_gets_nothing() {
    let origin = MockServer::start().await;
    let elsewhere = MockServer::start().await;
    Mock::given(path("/api/v1/organizations"))
        .respond_with(redirect(307, format!("{}/landing", elsewhere.uri())))
        .mount(&origin)
        .await;
    Mock::given(path("/landing"))
        .respond_with(ok())
        .mount(&elsewhere)
        .await;
    let error = get(&client(&origin)).send().await.unwrap_err();
    let host = authority(&elsewhere);
    assert!(
        matches!(&error, Error::UntrustedRedirect { host: named, .. } if *named == host),
        "{error:?}"
    );
    let text = error.to_string();
    assert!(
        text.contains(&format!("redirect to {host} not followed")),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            r#"ClientBuilder::trusted_redirect_hosts(["{host}"])"#
        )),
        "{text}"
    );
    assert!(!format!("{error} {error:?}").contains(KEY));
    // Not retried: one request to the origin, none to the target.
    assert_eq!(auth_headers(&origin).await, [Some(format!("Bearer {KEY}"))]);
    assert!(elsewhere.received_requests().await.unwrap().is_empty());

    // The remedy the error names works: trusted, the host gets the request with the key.
    let trusting = builder(&origin)
        .trusted_redirect_hosts([host])
        .build()
        .unwrap();
    assert_eq!(get(&trusting).send().await.unwrap(), json!({"ok": true}));
    assert_eq!(
        auth_headers(&elsewhere).await,
        [Some(format!("Bearer {KEY}"))]
    );
}

#[tokio::test]
async fn relative_redirect_on_the_base_host_keeps_the_key() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/organizations"))
        .respond_with(redirect(307, "/shard/api/v1/organizations".into()))
        .mount(&server)
        .await;
    Mock::given(path("/shard/api/v1/organizations"))
        .respond_with(ok())
        .mount(&server)
        .await;
    get(&client(&server)).send().await.unwrap();
    assert_eq!(
        auth_headers(&server).await,
        [Some(format!("Bearer {KEY}")), Some(format!("Bearer {KEY}"))]
    );
}

#[tokio::test]
async fn see_other_turns_post_into_get() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/organizations"))
        .respond_with(redirect(303, "/api/v1/result".into()))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/result"))
        .respond_with(ok())
        .expect(1)
        .mount(&server)
        .await;
    let mut request: Request<Value> =
        Request::new(&client(&server), Method::POST, "/organizations".into());
    request.json_body(&json!({"name": "x"}));
    request.send().await.unwrap();
    let received = server.received_requests().await.unwrap();
    assert!(received[1].body.is_empty());
}

#[tokio::test]
async fn redirect_loops_are_bounded() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/organizations"))
        .respond_with(redirect(307, "/api/v1/organizations".into()))
        .mount(&server)
        .await;
    let client = builder(&server).max_redirects(3).build().unwrap();
    let error = get(&client).send().await.unwrap_err();
    assert!(matches!(error, Error::Redirect { .. }), "{error:?}");
    assert!(error.to_string().contains("too many redirects"));
    assert_eq!(server.received_requests().await.unwrap().len(), 4);

    let no_follow = builder(&server).max_redirects(0).build().unwrap();
    let error = get(&no_follow).send().await.unwrap_err();
    assert!(matches!(error, Error::Redirect { .. }), "{error:?}");
}

#[tokio::test]
async fn redirect_without_location_is_an_http_error() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/organizations"))
        .respond_with(ResponseTemplate::new(302))
        .mount(&server)
        .await;
    let error = get(&client(&server)).send().await.unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::FOUND));
}

#[tokio::test]
async fn post_answered_with_see_other_is_never_repeated() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/organizations"))
        .respond_with(redirect(303, "/api/v1/result".into()))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/result"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "0"))
        .expect(1)
        .mount(&server)
        .await;
    let request: Request<Value> =
        Request::new(&client(&server), Method::POST, "/organizations".into());
    let error = request.send().await.unwrap_err();
    assert!(matches!(error, Error::Http(_)), "{error:?}");
    assert_eq!(error.status(), Some(StatusCode::TOO_MANY_REQUESTS));
}

/// Issue 12: a `Location` with user info would send `Authorization: Basic` beside the key; the
/// redirect is refused and the error names the target without its password.
#[tokio::test]
async fn a_redirect_with_user_info_is_refused() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/organizations"))
        .respond_with(redirect(
            307,
            format!("http://user:pa55word@{}/api/v1/landing", server.address()),
        ))
        .mount(&server)
        .await;
    Mock::given(path("/api/v1/landing"))
        .respond_with(ok())
        .mount(&server)
        .await;
    let error = get(&client(&server)).send().await.unwrap_err();
    assert!(matches!(error, Error::Redirect { .. }), "{error:?}");
    let text = format!("{error} {error:?}");
    assert!(text.contains("user info"), "{text}");
    assert!(text.contains("/api/v1/landing"), "{text}");
    assert!(!text.contains("pa55word") && !text.contains(KEY), "{text}");
    let received = server.received_requests().await.unwrap();
    assert_eq!(received.len(), 1, "the target was requested");
    assert!(received
        .iter()
        .all(|r| r.headers.get("authorization").unwrap() == &*format!("Bearer {KEY}")));
}
