//! Retries: 429 with and without Retry-After, 5xx, connection errors, budgets and logs.

use std::time::{Duration, Instant};

use meraki_runtime::{Client, Error, Method, Request, RetryConfig, StatusCode};
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{builder, capture_logs, client, fast_retry, KEY};

const PATH: &str = "/api/v1/organizations/1/networks";

fn get(client: &Client) -> Request<Value> {
    Request::new(client, Method::GET, "/organizations/1/networks".into())
}

fn post(client: &Client) -> Request<Value> {
    let mut request = Request::new(client, Method::POST, "/organizations/1/networks".into());
    request.json_body(&json!({"name": "n"}));
    request
}

/// Mounts `first` for `times` requests, then a 200.
async fn then_ok(server: &MockServer, first: ResponseTemplate, times: u64) {
    Mock::given(path(PATH))
        .respond_with(first)
        .up_to_n_times(times)
        .with_priority(3)
        .mount(server)
        .await;
    Mock::given(path(PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true})))
        .with_priority(3)
        .mount(server)
        .await;
}

async fn requests(server: &MockServer) -> usize {
    server.received_requests().await.unwrap().len()
}

#[tokio::test]
async fn retry_after_seconds_is_honoured() {
    let server = MockServer::start().await;
    then_ok(
        &server,
        ResponseTemplate::new(429).insert_header("Retry-After", "1"),
        1,
    )
    .await;
    // The backoff would be milliseconds: only Retry-After explains a one-second pause.
    let start = Instant::now();
    let value = get(&client(&server)).send().await.unwrap();
    assert_eq!(value, json!({"ok": true}));
    assert!(
        start.elapsed() >= Duration::from_millis(950),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(requests(&server).await, 2);
}

#[tokio::test]
async fn retry_after_zero_and_http_date() {
    let server = MockServer::start().await;
    then_ok(
        &server,
        ResponseTemplate::new(429).insert_header("Retry-After", "0"),
        1,
    )
    .await;
    Mock::given(path(PATH))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    let start = Instant::now();
    get(&client(&server)).send().await.unwrap();
    assert!(start.elapsed() < Duration::from_millis(500));
    assert_eq!(requests(&server).await, 3);
}

#[tokio::test]
async fn too_many_requests_without_retry_after_backs_off() {
    let server = MockServer::start().await;
    then_ok(&server, ResponseTemplate::new(429), 3).await;
    get(&client(&server)).send().await.unwrap();
    assert_eq!(requests(&server).await, 4);
}

#[tokio::test]
async fn service_unavailable_then_success() {
    let server = MockServer::start().await;
    then_ok(&server, ResponseTemplate::new(503), 1).await;
    get(&client(&server)).send().await.unwrap();
    assert_eq!(requests(&server).await, 2);
}

#[tokio::test]
async fn each_retryable_server_error_is_retried_for_get() {
    for status in [500, 502, 504] {
        let server = MockServer::start().await;
        then_ok(&server, ResponseTemplate::new(status), 1).await;
        get(&client(&server)).send().await.unwrap();
        assert_eq!(requests(&server).await, 2, "{status}");
    }
}

#[tokio::test]
async fn retries_exhausted_reports_status_messages_and_request_id() {
    let server = MockServer::start().await;
    Mock::given(path(PATH))
        .respond_with(
            ResponseTemplate::new(503)
                .insert_header("X-Request-Id", "req-42")
                .set_body_json(json!({"errors": ["Service temporarily unavailable"]})),
        )
        .expect(3)
        .mount(&server)
        .await;
    let (logs, _guard) = capture_logs();
    let client = builder(&server)
        .retry(fast_retry().max_attempts(3))
        .build()
        .unwrap();
    let error = get(&client).send().await.unwrap_err();
    assert!(error.is_retries_exhausted());
    let Error::RetriesExhausted { attempts, .. } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(*attempts, 3);
    assert_eq!(error.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(error.messages(), ["Service temporarily unavailable"]);
    assert_eq!(error.request_id(), Some("req-42"));
    let text = error.to_string();
    for part in [
        "gave up after 3 attempt(s)",
        "503",
        "Service temporarily unavailable",
        "req-42",
    ] {
        assert!(text.contains(part), "{text}");
    }

    let lines = logs.lines();
    let retries: Vec<_> = lines.iter().filter(|l| l.contains("retrying")).collect();
    assert_eq!(retries.len(), 2, "{lines:#?}");
    for (i, line) in retries.iter().enumerate() {
        for part in [
            "status=503".to_owned(),
            format!("attempt={}", i + 1),
            "wait_ms=".to_owned(),
            "request_id=req-42".to_owned(),
        ] {
            assert!(line.contains(&part), "{part} in {line}");
        }
    }
    assert!(lines.iter().any(|l| l.contains("giving up")));
    assert!(lines.iter().all(|l| !l.contains(KEY)));
}

#[tokio::test]
async fn post_is_not_retried_on_server_errors() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(PATH))
        .respond_with(ResponseTemplate::new(500).set_body_json(json!({"errors": ["boom"]})))
        .expect(1)
        .mount(&server)
        .await;
    let error = post(&client(&server)).send().await.unwrap_err();
    assert!(matches!(error, Error::Http(_)), "{error:?}");
    assert_eq!(error.status(), Some(StatusCode::INTERNAL_SERVER_ERROR));
}

#[tokio::test]
async fn post_is_retried_on_too_many_requests() {
    let server = MockServer::start().await;
    then_ok(
        &server,
        ResponseTemplate::new(429).insert_header("Retry-After", "0"),
        2,
    )
    .await;
    post(&client(&server)).send().await.unwrap();
    let received = server.received_requests().await.unwrap();
    assert_eq!(received.len(), 3);
    assert!(received.iter().all(|r| r.body == br#"{"name":"n"}"#));
}

#[tokio::test]
async fn connection_failures_are_retried_even_for_post() {
    // A port nobody listens on: every attempt fails before anything is sent.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = Client::builder()
        .api_key(KEY)
        .base_url(format!("http://127.0.0.1:{port}/api/v1"))
        .retry(fast_retry().max_attempts(3))
        .no_proxy()
        .build()
        .unwrap();
    let error = post(&client).send().await.unwrap_err();
    let Error::RetriesExhausted { attempts, last } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(*attempts, 3);
    assert!(matches!(**last, Error::Transport { .. }), "{last:?}");
    assert!(!error.to_string().contains(KEY));
}

#[tokio::test]
async fn total_wait_cap_stops_before_a_long_wait() {
    let server = MockServer::start().await;
    Mock::given(path(PATH))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "100"))
        .expect(1)
        .mount(&server)
        .await;
    let client = builder(&server)
        .retry(fast_retry().max_total_wait(Duration::from_secs(1)))
        .build()
        .unwrap();
    let start = Instant::now();
    let error = get(&client).send().await.unwrap_err();
    assert!(start.elapsed() < Duration::from_secs(1));
    assert!(error.is_retries_exhausted());
    assert_eq!(error.status(), Some(StatusCode::TOO_MANY_REQUESTS));
    assert_eq!(
        error.http().unwrap().retry_after,
        Some(Duration::from_secs(100))
    );
}

#[tokio::test]
async fn disabled_retries_send_once() {
    let server = MockServer::start().await;
    Mock::given(path(PATH))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount(&server)
        .await;
    let client = builder(&server)
        .retry(RetryConfig::disabled())
        .build()
        .unwrap();
    let error = get(&client).send().await.unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    let server = MockServer::start().await;
    Mock::given(path(PATH))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"errors": ["Not found"]})))
        .expect(1)
        .mount(&server)
        .await;
    let error = get(&client(&server)).send().await.unwrap_err();
    assert!(matches!(error, Error::Http(_)));
}

#[tokio::test]
async fn timeouts_are_reported_and_retried_for_get() {
    let server = MockServer::start().await;
    then_ok(
        &server,
        ResponseTemplate::new(200).set_delay(Duration::from_secs(2)),
        1,
    )
    .await;
    let client = builder(&server)
        .timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    get(&client).send().await.unwrap();

    let once = builder(&server)
        .timeout(Duration::from_millis(100))
        .retry(RetryConfig::disabled())
        .build()
        .unwrap();
    server.reset().await;
    Mock::given(path(PATH))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(2)))
        .mount(&server)
        .await;
    let error = get(&once).send().await.unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
    let mut request = get(&client);
    request.timeout(Duration::from_millis(50));
    let error = request.send().await.unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
}

/// Issue 12: a `Retry-After` beyond what a duration holds is the longest wait, not no wait:
/// the call gives up at once, as it does for one slightly smaller, and the error shows it.
#[tokio::test]
async fn an_absurd_retry_after_gives_up_at_once() {
    for value in [
        "18446744073709551616",
        "1e308",
        "99999999999999999999999999",
        "18446744073709551615",
    ] {
        let server = MockServer::start().await;
        Mock::given(path(PATH))
            .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", value))
            .mount(&server)
            .await;
        let error = get(&client(&server)).send().await.unwrap_err();
        assert_eq!(requests(&server).await, 1, "{value}: {error}");
        assert!(
            matches!(error, Error::RetriesExhausted { attempts: 1, .. }),
            "{value}: {error:?}"
        );
        // The largest whole number of seconds still fits; beyond it, the longest wait.
        let longest = match value {
            "18446744073709551615" => Duration::from_secs(u64::MAX),
            _ => Duration::MAX,
        };
        assert_eq!(error.http().unwrap().retry_after, Some(longest), "{value}");
        let text = error.to_string();
        assert!(text.contains(&format!("Retry-After {value}")), "{text}");
    }
}
