//! The escape hatches: responses as JSON (`send_json`, `items_json`, `pages_json`) and undecoded
//! (`send_raw`, `pages_raw`), through the same call path as `send`.

use std::time::{Duration, Instant};

use futures::TryStreamExt;
use meraki_runtime::{Error, Method, RateLimitConfig, RawResponse, Request, StatusCode};
use serde::Deserialize;
use serde_json::{json, Value};
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{builder, client, KEY};

/// A response type the server's answers below do not match: `send` fails on them.
#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Vlan {
    id: u16,
    subnet: String,
}

fn get<R>(client: &meraki_runtime::Client, route: &str) -> Request<R> {
    Request::new(client, Method::GET, route.into())
}

async fn respond(server: &MockServer, route: &str, response: ResponseTemplate) {
    Mock::given(method("GET"))
        .and(path(format!("/api/v1{route}")))
        .respond_with(response)
        .mount(server)
        .await;
}

#[tokio::test]
async fn send_json_returns_objects_and_arrays_the_response_type_cannot_hold() {
    let server = MockServer::start().await;
    let vlan = json!({"id": "not a number", "name": "Guests", "undeclared": {"nested": [1, 2]}});
    respond(
        &server,
        "/networks/N_1/appliance/vlans/5",
        ResponseTemplate::new(200).set_body_json(&vlan),
    )
    .await;
    respond(
        &server,
        "/networks/N_1/appliance/vlans",
        ResponseTemplate::new(200).set_body_json(json!([vlan, {"id": 6}])),
    )
    .await;
    respond(&server, "/networks/N_1/empty", ResponseTemplate::new(204)).await;
    let client = client(&server);

    // The typed call repairs what deviates from `Vlan` (an `id` that is no number, the
    // missing `subnet`) and drops what `Vlan` does not declare...
    let typed = get::<Vlan>(&client, "/networks/N_1/appliance/vlans/5")
        .send()
        .await
        .unwrap();
    assert_eq!((typed.id, typed.subnet.as_str()), (0, ""));
    // ...the same request as JSON keeps everything as sent, undeclared members included.
    let object = get::<Vlan>(&client, "/networks/N_1/appliance/vlans/5")
        .send_json()
        .await
        .unwrap();
    assert_eq!(object, vlan);
    assert_eq!(object["undeclared"]["nested"][1], 2);

    let array = get::<Vec<Vlan>>(&client, "/networks/N_1/appliance/vlans")
        .send_json()
        .await
        .unwrap();
    assert_eq!(array.as_array().map(Vec::len), Some(2));
    assert_eq!(array[1], json!({"id": 6}));

    // An empty body (204) is `null`, as it is for `send`.
    let empty = get::<Vlan>(&client, "/networks/N_1/empty")
        .send_json()
        .await
        .unwrap();
    assert_eq!(empty, Value::Null);
}

#[tokio::test]
async fn send_json_of_a_body_that_is_not_json_is_a_decode_error_with_path_and_excerpt() {
    let server = MockServer::start().await;
    respond(
        &server,
        "/organizations",
        ResponseTemplate::new(200).set_body_string(r#"[{"id": "1"}, {"id": oops}]"#),
    )
    .await;
    let error = get::<Value>(&client(&server), "/organizations")
        .send_json()
        .await
        .unwrap_err();
    let Error::Decode(decode) = &error else {
        panic!("expected a decode error, got {error:?}");
    };
    assert_eq!(decode.status, StatusCode::OK);
    assert_eq!(decode.path, "[1].id", "{decode:?}");
    assert!(decode.excerpt.contains("oops"), "{decode:?}");
}

#[tokio::test]
async fn send_raw_gives_status_headers_body_and_url() {
    let server = MockServer::start().await;
    respond(
        &server,
        "/organizations/1/inventory/export",
        ResponseTemplate::new(201)
            .insert_header("X-Request-Id", "req-123")
            .set_body_raw("serial,model\nQ2XX,MR46\n", "text/csv"),
    )
    .await;
    respond(
        &server,
        "/networks/N_1/appliance/vlans/5",
        ResponseTemplate::new(200).set_body_json(json!({"id": 5, "subnet": "10.0.5.0/24"})),
    )
    .await;
    let client = client(&server);

    let raw: RawResponse = get::<Vlan>(&client, "/organizations/1/inventory/export")
        .send_raw()
        .await
        .unwrap();
    assert_eq!(raw.status(), StatusCode::CREATED);
    assert_eq!(raw.headers()["x-request-id"], "req-123");
    assert_eq!(raw.request_id(), Some("req-123"));
    assert_eq!(raw.headers()["content-type"], "text/csv");
    assert_eq!(raw.body(), b"serial,model\nQ2XX,MR46\n");
    assert_eq!(raw.text(), "serial,model\nQ2XX,MR46\n");
    assert_eq!(raw.method(), Method::GET);
    assert_eq!(
        raw.url().as_str(),
        format!("{}/api/v1/organizations/1/inventory/export", server.uri())
    );
    assert!(!raw.is_simulated());
    // Not JSON: decoding it is the same decode error `send` gives.
    assert!(matches!(raw.json::<Value>(), Err(Error::Decode(_))));
    assert_eq!(&raw.clone().into_body()[..6], b"serial");

    // `json::<T>()` decodes as `send` does.
    let raw = get::<Value>(&client, "/networks/N_1/appliance/vlans/5")
        .send_raw()
        .await
        .unwrap();
    let vlan: Vlan = raw.json().unwrap();
    assert_eq!(vlan.id, 5);
}

#[tokio::test]
async fn debug_output_of_a_raw_response_shows_a_bounded_body() {
    let server = MockServer::start().await;
    respond(
        &server,
        "/organizations/1/devices",
        ResponseTemplate::new(200).set_body_string("x".repeat(100_000)),
    )
    .await;
    let raw = get::<Value>(&client(&server), "/organizations/1/devices")
        .send_raw()
        .await
        .unwrap();
    assert_eq!(raw.body().len(), 100_000);
    let shown = format!("{raw:?}");
    assert!(shown.contains("body_bytes: 100000"), "{shown}");
    assert!(
        shown.len() < 2 * meraki_runtime::BODY_EXCERPT_LIMIT,
        "{}",
        shown.len()
    );
}

#[tokio::test]
async fn non_success_statuses_are_http_errors_for_send_raw_and_send_json() {
    let server = MockServer::start().await;
    respond(
        &server,
        "/networks/N_404",
        ResponseTemplate::new(404)
            .insert_header("X-Request-Id", "req-404")
            .set_body_json(json!({"errors": ["Network not found"]})),
    )
    .await;
    let client = client(&server);

    for error in [
        get::<Value>(&client, "/networks/N_404")
            .send_raw()
            .await
            .unwrap_err(),
        get::<Value>(&client, "/networks/N_404")
            .send_json()
            .await
            .unwrap_err(),
        get::<Value>(&client, "/networks/N_404")
            .send()
            .await
            .unwrap_err(),
    ] {
        let Error::Http(http) = &error else {
            panic!("expected an HTTP error, got {error:?}");
        };
        assert_eq!(http.status, StatusCode::NOT_FOUND);
        assert_eq!(http.messages, ["Network not found"]);
        assert_eq!(error.request_id(), Some("req-404"));
    }
}

#[tokio::test]
async fn send_raw_is_retried_and_redirected_like_send() {
    let server = MockServer::start().await;
    // A 503 first, then a redirect to the final answer.
    Mock::given(method("GET"))
        .and(path("/api/v1/organizations/1/networks"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/organizations/1/networks"))
        .respond_with(
            ResponseTemplate::new(302).insert_header("Location", "/api/v1/shard/networks"),
        )
        .expect(1)
        .mount(&server)
        .await;
    respond(
        &server,
        "/shard/networks",
        ResponseTemplate::new(200)
            .insert_header("X-Request-Id", "req-final")
            .set_body_json(json!([{"id": "N_1"}])),
    )
    .await;

    let raw = get::<Value>(&client(&server), "/organizations/1/networks")
        .send_raw()
        .await
        .unwrap();
    assert_eq!(raw.status(), StatusCode::OK);
    assert_eq!(raw.request_id(), Some("req-final"));
    assert_eq!(raw.url().path(), "/api/v1/shard/networks");
    assert_eq!(raw.json::<Value>().unwrap(), json!([{"id": "N_1"}]));
    let received = server.received_requests().await.unwrap();
    assert_eq!(received.len(), 3);
    // The API key went with every hop (same host).
    assert!(received
        .iter()
        .all(|r| r.headers["authorization"] == format!("Bearer {KEY}").as_str()));
}

#[tokio::test]
async fn send_json_goes_through_the_rate_limiter() {
    let server = MockServer::start().await;
    respond(
        &server,
        "/organizations/1/networks",
        ResponseTemplate::new(200).set_body_string("[]"),
    )
    .await;
    // 10/s with no burst: 4 calls for one organization need at least 3 x 100 ms.
    let client = builder(&server)
        .rate_limit(
            RateLimitConfig::default()
                .per_organization(10, 1)
                .global(0, 0),
        )
        .build()
        .unwrap();
    let start = Instant::now();
    for _ in 0..2 {
        get::<Value>(&client, "/organizations/1/networks")
            .send_json()
            .await
            .unwrap();
        get::<Value>(&client, "/organizations/1/networks")
            .send_raw()
            .await
            .unwrap();
    }
    let elapsed = start.elapsed();
    assert!(elapsed >= Duration::from_millis(280), "{elapsed:?}");
}

const DEVICES: &str = "/api/v1/organizations/1/devices";

/// Two pages of devices linked by `Link: <...>; rel=next`, each with its own request id.
async fn two_pages(server: &MockServer) {
    let next = format!(
        "<{}{DEVICES}?perPage=2&startingAfter=b>; rel=next",
        server.uri()
    );
    Mock::given(method("GET"))
        .and(path(DEVICES))
        .and(query_param_is_missing("startingAfter"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("Link", next.as_str())
                .insert_header("X-Request-Id", "page-1")
                .set_body_json(json!([
                    {"serial": "a", "model": "MR46"},
                    {"serial": "b", "undeclared": true}
                ])),
        )
        .expect(1)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(DEVICES))
        .and(query_param("startingAfter", "b"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("X-Request-Id", "page-2")
                .set_body_json(json!([{"serial": "c", "model": 7}])),
        )
        .expect(1)
        .mount(server)
        .await;
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Device {
    serial: String,
    model: String,
}

fn devices(client: &meraki_runtime::Client) -> Request<Vec<Device>> {
    let mut request = Request::new(client, Method::GET, "/organizations/1/devices".into());
    request.query("perPage", &2);
    request
}

#[tokio::test]
async fn items_json_streams_array_items_across_pages() {
    let server = MockServer::start().await;
    two_pages(&server).await;
    let items: Vec<Value> = devices(&client(&server))
        .paginate_array()
        .items_json()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        items,
        [
            json!({"serial": "a", "model": "MR46"}),
            json!({"serial": "b", "undeclared": true}),
            json!({"serial": "c", "model": 7}),
        ]
    );
}

#[tokio::test]
async fn items_json_keeps_the_page_limit() {
    let server = MockServer::start().await;
    let next = format!("<{}{DEVICES}?startingAfter=b>; rel=next", server.uri());
    Mock::given(method("GET"))
        .and(path(DEVICES))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("Link", next.as_str())
                .set_body_json(json!([{"serial": "a"}])),
        )
        .expect(1)
        .mount(&server)
        .await;
    let items: Vec<Value> = devices(&client(&server))
        .paginate_array()
        .max_pages(1)
        .items_json()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items, [json!({"serial": "a"})]);
}

#[derive(Debug, Deserialize)]
struct Events {
    events: Option<Vec<Value>>,
}

#[tokio::test]
async fn items_json_of_object_pages_reads_the_member_named_by_json_items_in() {
    let server = MockServer::start().await;
    let route = "/api/v1/networks/N_1/events";
    let next = format!("<{}{route}?startingAfter=2>; rel=next", server.uri());
    Mock::given(method("GET"))
        .and(path(route))
        .and(query_param_is_missing("startingAfter"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("Link", next.as_str())
                .set_body_json(json!({"message": "partial", "events": [{"n": 1}, {"n": 2}]})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(route))
        .and(query_param("startingAfter", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"events": [{"n": 3}]})))
        .mount(&server)
        .await;
    let client = client(&server);
    let events = || get::<Events>(&client, "/networks/N_1/events");

    let items: Vec<Value> = events()
        .paginate(|page| page.events.unwrap_or_default())
        .json_items_in("events")
        .items_json()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items, [json!({"n": 1}), json!({"n": 2}), json!({"n": 3})]);

    // Without a member, each object page is one item.
    let pages: Vec<Value> = events()
        .paginate(|page| vec![page])
        .items_json()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 2);
    assert_eq!(pages[1], json!({"events": [{"n": 3}]}));

    // A member that is not an array is a decode error at that member.
    let error = events()
        .paginate(|page| page.events.unwrap_or_default())
        .json_items_in("message")
        .items_json()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    match &error {
        Error::Decode(decode) => assert_eq!(decode.path, "message"),
        other => panic!("expected a decode error, got {other:?}"),
    }
}

#[tokio::test]
async fn pages_raw_and_pages_json_show_each_page() {
    let server = MockServer::start().await;
    two_pages(&server).await;
    let client = client(&server);

    let pages: Vec<RawResponse> = devices(&client)
        .paginate_array()
        .pages_raw()
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<_> = pages.iter().map(RawResponse::request_id).collect();
    assert_eq!(ids, [Some("page-1"), Some("page-2")]);
    assert!(pages[0].headers()["link"]
        .to_str()
        .unwrap()
        .contains("rel=next"));
    assert_eq!(pages[1].url().query(), Some("perPage=2&startingAfter=b"));
    assert_eq!(
        pages[1].json::<Value>().unwrap(),
        json!([{"serial": "c", "model": 7}])
    );

    server.reset().await;
    two_pages(&server).await;
    let pages: Vec<Value> = devices(&client)
        .paginate_array()
        .pages_json()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 2);
    assert_eq!(pages[1], json!([{"serial": "c", "model": 7}]));
}

#[tokio::test]
async fn a_failing_page_ends_the_raw_streams_with_an_http_error() {
    let server = MockServer::start().await;
    let next = format!("<{}{DEVICES}?startingAfter=a>; rel=next", server.uri());
    Mock::given(method("GET"))
        .and(path(DEVICES))
        .and(query_param_is_missing("startingAfter"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("Link", next.as_str())
                .set_body_json(json!([{"serial": "a"}])),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(DEVICES))
        .and(query_param("startingAfter", "a"))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({"errors": ["Forbidden"]})))
        .mount(&server)
        .await;
    let client = client(&server);

    let mut items = devices(&client).paginate_array().items_json();
    assert_eq!(
        items.try_next().await.unwrap(),
        Some(json!({"serial": "a"}))
    );
    let error = items.try_next().await.unwrap_err();
    assert_eq!(error.status(), Some(StatusCode::FORBIDDEN));
    assert!(items.try_next().await.unwrap().is_none());

    let mut pages = devices(&client).paginate_array().pages_raw();
    assert!(pages.try_next().await.unwrap().is_some());
    let error = pages.try_next().await.unwrap_err();
    assert!(matches!(&error, Error::Http(http) if http.messages == ["Forbidden"]));
    assert!(pages.try_next().await.unwrap().is_none());
}

#[tokio::test]
async fn simulate_mode_answers_the_escape_hatches_without_sending() {
    let server = MockServer::start().await;
    respond(
        &server,
        "/organizations",
        ResponseTemplate::new(200).set_body_json(json!([{"id": "1"}])),
    )
    .await;
    let client = builder(&server).simulate(true).build().unwrap();
    let post = || {
        let mut request: Request<Vlan> =
            Request::new(&client, Method::POST, "/organizations".into());
        request.json_body(&json!({"name": "new"}));
        request
    };

    // Not sent: JSON `null`, and an empty simulated 200.
    assert_eq!(post().send_json().await.unwrap(), Value::Null);
    let raw = post().send_raw().await.unwrap();
    assert!(raw.is_simulated());
    assert_eq!(raw.status(), StatusCode::OK);
    assert!(raw.body().is_empty());
    assert!(raw.headers().is_empty());
    assert_eq!(raw.method(), Method::POST);
    // `send` of the same request cannot build a `Vlan` from nothing.
    assert!(matches!(post().send().await, Err(Error::Simulated { .. })));
    assert!(server.received_requests().await.unwrap().is_empty());

    // GET is still sent.
    let raw = get::<Vlan>(&client, "/organizations")
        .send_raw()
        .await
        .unwrap();
    assert!(!raw.is_simulated());
    assert_eq!(raw.json::<Value>().unwrap(), json!([{"id": "1"}]));
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}
