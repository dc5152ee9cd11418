//! What HTTP errors carry and show.

use meraki_runtime::{Error, Method, Request, StatusCode};
use serde_json::{json, Value};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::client;

async fn error_for(response: ResponseTemplate) -> Error {
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/organizations/1"))
        .respond_with(response)
        .mount(&server)
        .await;
    let request: Request<Value> =
        Request::new(&client(&server), Method::GET, "/organizations/1".into());
    request.send().await.unwrap_err()
}

#[tokio::test]
async fn meraki_errors_are_shown_with_status_and_request_id() {
    let error = error_for(
        ResponseTemplate::new(400)
            .insert_header("X-Request-Id", "abc123")
            .set_body_json(json!({"errors": ["'perPage' must be less than 1000", "second"]})),
    )
    .await;
    assert_eq!(error.status(), Some(StatusCode::BAD_REQUEST));
    assert_eq!(
        error.messages(),
        ["'perPage' must be less than 1000", "second"]
    );
    assert_eq!(error.request_id(), Some("abc123"));
    let http = error.http().unwrap();
    assert_eq!(http.body, None);
    let text = error.to_string();
    assert!(text.contains("HTTP 400 Bad Request"), "{text}");
    assert!(
        text.contains("'perPage' must be less than 1000; second"),
        "{text}"
    );
    assert!(text.contains("request id abc123"), "{text}");
    assert!(text.contains("/api/v1/organizations/1"), "{text}");
}

#[tokio::test]
async fn non_json_bodies_are_kept_raw() {
    let error =
        error_for(ResponseTemplate::new(404).set_body_string("<html>Not Found</html>")).await;
    let http = error.http().unwrap();
    assert!(http.messages.is_empty());
    assert_eq!(http.body.as_deref(), Some("<html>Not Found</html>"));
    assert!(error.to_string().contains("<html>Not Found</html>"));
    assert!(!error.is_timeout());
    assert!(!error.is_retries_exhausted());
}

#[tokio::test]
async fn long_bodies_are_cut() {
    let error = error_for(ResponseTemplate::new(403).set_body_string("é".repeat(5000))).await;
    let body = error.http().unwrap().body.clone().unwrap();
    assert!(body.len() <= meraki_runtime::BODY_EXCERPT_LIMIT + 3);
    assert!(body.ends_with("..."));
    assert!(!body.contains('\u{FFFD}'));
}
