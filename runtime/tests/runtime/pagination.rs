//! Link-header pagination.

use futures::{StreamExt, TryStreamExt};
use meraki_runtime::{Direction, Error, Method, Request};
use serde::Deserialize;
use serde_json::{json, Value};
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{auth_headers, authority, builder, client, KEY};

const DEVICES: &str = "/api/v1/organizations/1/devices";

fn page(items: Value, link: Option<String>) -> ResponseTemplate {
    let template = ResponseTemplate::new(200).set_body_json(items);
    match link {
        Some(link) => template.insert_header("Link", link.as_str()),
        None => template,
    }
}

fn identity(page: Vec<Value>) -> Vec<Value> {
    page
}

fn serials(items: Vec<Value>) -> Vec<String> {
    items
        .into_iter()
        .map(|v| v["serial"].as_str().unwrap().to_owned())
        .collect()
}

/// Three pages: the first links with an absolute URL (Meraki style, with rel=first too),
/// the second with a relative reference, the third has no next link.
async fn three_pages(server: &MockServer) {
    let base = server.uri();
    Mock::given(method("GET"))
        .and(path(DEVICES))
        .and(query_param_is_missing("startingAfter"))
        .respond_with(page(
            json!([{"serial": "a"}, {"serial": "b"}]),
            Some(format!(
                "<{base}{DEVICES}?perPage=2>; rel=first, <{base}{DEVICES}?perPage=2&startingAfter=b>; rel=next"
            )),
        ))
        .expect(1)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(DEVICES))
        .and(query_param("startingAfter", "b"))
        .respond_with(page(
            json!([{"serial": "c"}, {"serial": "d"}]),
            Some("<?perPage=2&startingAfter=d>; rel=next, </api/v1/organizations/1/devices?perPage=2>; rel=\"first\"".into()),
        ))
        .expect(1)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(DEVICES))
        .and(query_param("startingAfter", "d"))
        .respond_with(page(json!([{"serial": "e"}]), None))
        .expect(1)
        .mount(server)
        .await;
}

fn devices(client: &meraki_runtime::Client) -> Request<Vec<Value>> {
    let mut request = Request::new(client, Method::GET, "/organizations/1/devices".into());
    request.query("perPage", &2);
    request
}

#[tokio::test]
async fn follows_absolute_and_relative_next_links() {
    let server = MockServer::start().await;
    three_pages(&server).await;
    let items = devices(&client(&server))
        .paginate(identity)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(serials(items), ["a", "b", "c", "d", "e"]);
    assert!(auth_headers(&server)
        .await
        .iter()
        .all(|h| h.as_deref() == Some(&*format!("Bearer {KEY}"))));
}

#[tokio::test]
async fn pages_stream_and_lazy_fetching() {
    let server = MockServer::start().await;
    let base = server.uri();
    Mock::given(method("GET"))
        .and(path(DEVICES))
        .respond_with(page(
            json!([{"serial": "a"}]),
            Some(format!("<{base}{DEVICES}?startingAfter=x>; rel=next")),
        ))
        .expect(1)
        .mount(&server)
        .await;
    // Taking one page must not fetch the next.
    let pages: Vec<_> = devices(&client(&server))
        .paginate(identity)
        .pages()
        .take(1)
        .collect()
        .await;
    assert_eq!(pages.len(), 1);
}

#[tokio::test]
async fn page_limit_stops_an_endless_chain() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(DEVICES))
        .respond_with(move |request: &wiremock::Request| {
            let n: u32 = request
                .url
                .query_pairs()
                .find(|(k, _)| k == "startingAfter")
                .map(|(_, v)| v.parse().unwrap())
                .unwrap_or(0);
            page(
                json!([{"serial": n.to_string()}]),
                Some(format!("<{DEVICES}?startingAfter={}>; rel=next", n + 1)),
            )
        })
        .expect(3)
        .mount(&server)
        .await;
    let paginator = devices(&client(&server)).paginate(identity);
    let items = paginator.clone().max_pages(3).collect_all().await.unwrap();
    assert_eq!(serials(items), ["0", "1", "2"]);
    let none: Vec<_> = paginator.max_pages(0).pages().collect().await;
    assert!(none.is_empty());
}

#[tokio::test]
async fn prev_direction_follows_rel_prev() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(DEVICES))
        .and(query_param("endingBefore", "e"))
        .respond_with(page(
            json!([{"serial": "c"}, {"serial": "d"}]),
            Some(format!(
                "<{DEVICES}?endingBefore=c>; rel=prev, <{DEVICES}?startingAfter=d>; rel=next"
            )),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(DEVICES))
        .and(query_param("endingBefore", "c"))
        .respond_with(page(
            json!([{"serial": "a"}, {"serial": "b"}]),
            Some(format!("<{DEVICES}?startingAfter=b>; rel=next")),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let mut request = devices(&client(&server));
    request.query("endingBefore", "e");
    let pages: Vec<Vec<Value>> = request
        .paginate(identity)
        .direction(Direction::Prev)
        .pages()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 2);
    assert_eq!(serials(pages[1].clone()), ["a", "b"]);
}

#[tokio::test]
async fn malformed_link_yields_the_page_then_an_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(DEVICES))
        .respond_with(page(
            json!([{"serial": "a"}]),
            Some("https://elsewhere.example/next; rel=next".into()),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let results: Vec<_> = devices(&client(&server))
        .paginate(identity)
        .items()
        .collect()
        .await;
    assert_eq!(results.len(), 2, "{results:?}");
    assert_eq!(results[0].as_ref().unwrap()["serial"], "a");
    let error = results[1].as_ref().unwrap_err();
    assert!(matches!(error, Error::Pagination { .. }), "{error:?}");
    assert!(error.to_string().contains("malformed Link header"));
}

#[tokio::test]
async fn repeated_link_ends_the_stream() {
    let server = MockServer::start().await;
    // Page 1 -> page 2 -> page 1 again: a server-side loop.
    Mock::given(method("GET"))
        .and(path(DEVICES))
        .and(query_param_is_missing("startingAfter"))
        .respond_with(page(
            json!([{"serial": "a"}]),
            Some(format!("<{DEVICES}?perPage=2&startingAfter=a>; rel=next")),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(DEVICES))
        .and(query_param("startingAfter", "a"))
        .respond_with(page(
            json!([{"serial": "b"}]),
            Some(format!("<{DEVICES}?perPage=2>; rel=next")),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let items = devices(&client(&server))
        .paginate(identity)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(serials(items), ["a", "b"]);
}

#[tokio::test]
async fn self_link_ends_the_stream() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(DEVICES))
        .respond_with(page(
            json!([{"serial": "a"}]),
            Some(format!("<{DEVICES}?perPage=2>; rel=next")),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let items = devices(&client(&server))
        .paginate(identity)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(items.len(), 1);
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct EventsPage {
    #[allow(dead_code)]
    message: Option<String>,
    page_start_at: Option<String>,
    events: Vec<Value>,
}

#[tokio::test]
async fn object_shaped_pages_stream_their_items() {
    let server = MockServer::start().await;
    let events = "/api/v1/networks/N_1/events";
    Mock::given(method("GET"))
        .and(path(events))
        .and(query_param_is_missing("startingAfter"))
        .respond_with(page(
            json!({"message": null, "pageStartAt": "2024-01-01T00:00:00Z", "pageEndAt": "x", "events": [{"type": "a"}, {"type": "b"}]}),
            Some(format!("<{events}?startingAfter=2>; rel=next")),
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(events))
        .and(query_param("startingAfter", "2"))
        .respond_with(page(
            json!({"message": "done", "pageStartAt": "y", "pageEndAt": "z", "events": [{"type": "c"}]}),
            None,
        ))
        .mount(&server)
        .await;
    let client = client(&server);
    let request: Request<EventsPage> =
        Request::new(&client, Method::GET, "/networks/N_1/events".into());
    let kinds: Vec<String> = request
        .clone()
        .paginate(|page: EventsPage| page.events)
        .items()
        .map_ok(|event| event["type"].as_str().unwrap().to_owned())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(kinds, ["a", "b", "c"]);
    let first = request
        .paginate(|p| p.events)
        .pages()
        .next()
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.page_start_at.as_deref(), Some("2024-01-01T00:00:00Z"));
}

#[tokio::test]
async fn next_link_on_another_host() {
    let first = MockServer::start().await;
    let shard = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(DEVICES))
        .respond_with(page(
            json!([{"serial": "a"}]),
            Some(format!(
                "<{}{DEVICES}?startingAfter=a>; rel=next",
                shard.uri()
            )),
        ))
        .mount(&first)
        .await;
    Mock::given(method("GET"))
        .and(path(DEVICES))
        .and(query_param("startingAfter", "a"))
        .respond_with(page(json!([{"serial": "b"}]), None))
        .mount(&shard)
        .await;

    // A trusted shard (like n123.meraki.com) gets the key.
    let trusted = builder(&first)
        .trusted_redirect_hosts([authority(&shard)])
        .build()
        .unwrap();
    let items = devices(&trusted)
        .paginate(identity)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(serials(items), ["a", "b"]);
    assert_eq!(auth_headers(&shard).await, [Some(format!("Bearer {KEY}"))]);

    // Any other host is still followed, but never sees the key.
    shard.reset().await;
    Mock::given(method("GET"))
        .and(path(DEVICES))
        .respond_with(page(json!([{"serial": "b"}]), None))
        .mount(&shard)
        .await;
    let items = devices(&client(&first))
        .paginate(identity)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(serials(items), ["a", "b"]);
    assert_eq!(auth_headers(&shard).await, [None]);
}

#[tokio::test]
async fn error_mid_walk_ends_the_stream_with_the_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(DEVICES))
        .and(query_param_is_missing("startingAfter"))
        .respond_with(page(
            json!([{"serial": "a"}]),
            Some(format!("<{DEVICES}?startingAfter=a>; rel=next")),
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(DEVICES))
        .and(query_param("startingAfter", "a"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"errors": ["bad cursor"]})))
        .expect(2)
        .mount(&server)
        .await;
    let results: Vec<_> = devices(&client(&server))
        .paginate(identity)
        .pages()
        .collect()
        .await;
    assert_eq!(results.len(), 2);
    let error = results[1].as_ref().unwrap_err();
    assert_eq!(error.messages(), ["bad cursor"]);
    assert!(devices(&client(&server))
        .paginate(identity)
        .collect_all()
        .await
        .is_err());
}

#[test]
fn streams_are_send() {
    fn assert_send<T: Send + 'static>(_: T) {}
    let client = meraki_runtime::Client::builder()
        .api_key("k")
        .build()
        .unwrap();
    let paginator = devices(&client).paginate(identity);
    assert_send(paginator.clone().pages());
    assert_send(paginator.clone().items());
    assert_send(paginator.collect_all());
    assert_send(devices(&client).send());
}

#[derive(Debug, Deserialize, PartialEq)]
struct Device {
    serial: String,
}

fn one_page(server_body: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(server_body.as_bytes().to_vec(), "application/json")
}

async fn items_of(body: &str) -> Vec<Result<String, Error>> {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(DEVICES))
        .respond_with(one_page(body))
        .mount(&server)
        .await;
    let request: Request<Vec<Device>> = Request::new(
        &client(&server),
        Method::GET,
        "/organizations/1/devices".into(),
    );
    request
        .paginate_array()
        .items()
        .map(|item| item.map(|device| device.serial))
        .collect()
        .await
}

fn decode_path(result: &Result<String, Error>) -> String {
    match result {
        Err(Error::Decode(decode)) => decode.path.clone(),
        other => panic!("expected a decoding error, got {other:?}"),
    }
}

#[tokio::test]
async fn array_pages_decode_their_items_one_by_one() {
    let server = MockServer::start().await;
    three_pages(&server).await;
    let mut request: Request<Vec<Device>> = Request::new(
        &client(&server),
        Method::GET,
        "/organizations/1/devices".into(),
    );
    request.query("perPage", &2);
    let items = request.paginate_array().collect_all().await.unwrap();
    let serials: Vec<&str> = items.iter().map(|d| d.serial.as_str()).collect();
    assert_eq!(serials, ["a", "b", "c", "d", "e"]);
}

#[tokio::test]
async fn a_bad_item_ends_the_stream_after_the_good_ones() {
    // An element that is not an object at all cannot be repaired (see `lenient.rs`).
    let items = items_of(r#"[{"serial":"a"}, "not a device", {"serial":"c"}]"#).await;
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].as_ref().unwrap(), "a");
    assert_eq!(decode_path(&items[1]), "[1]");
}

#[tokio::test]
async fn an_item_with_a_repairable_deviation_is_kept() {
    // A number where the spec declares a string: coerced, and the stream goes on.
    let items = items_of(r#"[{"serial":"a"}, {"serial": 7}, {"serial":"c"}]"#).await;
    let serials: Vec<&str> = items.iter().map(|i| i.as_ref().unwrap().as_str()).collect();
    assert_eq!(serials, ["a", "7", "c"]);
}

#[tokio::test]
async fn a_truncated_array_is_a_decoding_error() {
    let items = items_of(r#"[{"serial":"a"},{"serial":"b""#).await;
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].as_ref().unwrap(), "a");
    assert!(items[1].is_err(), "{:?}", items[1]);
    let items = items_of(r#"[{"serial":"a"}] trailing"#).await;
    assert_eq!(items.len(), 2);
    assert_eq!(decode_path(&items[1]), ".");
}

#[tokio::test]
async fn a_page_that_is_not_an_array_fails_as_a_whole() {
    let items = items_of(r#"{"serial":"a"}"#).await;
    assert_eq!(items.len(), 1);
    assert_eq!(decode_path(&items[0]), ".");
    // An empty body decodes as `null`, as it does for `pages()`: not a list either.
    let items = items_of(" ").await;
    assert_eq!(items.len(), 1);
    assert!(format!("{:?}", items[0]).contains("null"), "{:?}", items[0]);
    assert!(items_of("[]").await.is_empty());
}

#[test]
fn array_streams_are_send() {
    fn assert_send<T: Send + 'static>(_: T) {}
    let client = meraki_runtime::Client::builder()
        .api_key("k")
        .build()
        .unwrap();
    let request: Request<Vec<Device>> = Request::new(&client, Method::GET, "/x".into());
    assert_send(request.clone().paginate_array().items());
    assert_send(request.paginate_array().collect_all());
}

/// Issue 12: `<?page=2#x>` and `<?page=2>` name the same page; the fragment is not part of
/// what is requested, so the second link is a repeat and page 2 is fetched once.
#[tokio::test]
async fn a_fragment_does_not_make_a_visited_page_new() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(DEVICES))
        .and(query_param_is_missing("page"))
        .respond_with(page(
            json!([{"serial": "a"}]),
            Some(format!("<{DEVICES}?page=2#x>; rel=next")),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(DEVICES))
        .and(query_param("page", "2"))
        .respond_with(page(
            json!([{"serial": "b"}]),
            Some(format!("<{DEVICES}?page=2>; rel=next")),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let request = Request::new(
        &client(&server),
        Method::GET,
        "/organizations/1/devices".into(),
    );
    let items = request.paginate(identity).collect_all().await.unwrap();
    assert_eq!(serials(items), ["a", "b"]);
    let pages = server.received_requests().await.unwrap();
    assert!(pages.iter().all(|r| r.url.fragment().is_none()));
}

/// The items of a walk whose first page carries `link`, and how many requests the server got.
async fn walk_with_link(link: &str) -> (Vec<Result<Value, Error>>, usize) {
    walk_with_link_on(&MockServer::start().await, link).await
}

/// [`walk_with_link`] on `server`.
async fn walk_with_link_on(server: &MockServer, link: &str) -> (Vec<Result<Value, Error>>, usize) {
    Mock::given(method("GET"))
        .and(path(DEVICES))
        .and(query_param_is_missing("page"))
        .respond_with(page(json!([{"serial": "a"}]), Some(link.to_owned())))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(DEVICES))
        .and(query_param("page", "2"))
        .respond_with(page(json!([{"serial": "b"}]), None))
        .mount(server)
        .await;
    let request = Request::new(
        &client(server),
        Method::GET,
        "/organizations/1/devices".into(),
    );
    let results: Vec<_> = request.paginate(identity).items().collect().await;
    let requests = server.received_requests().await.unwrap();
    assert!(
        requests.iter().all(|r| r
            .headers
            .get_all("authorization")
            .iter()
            .all(|v| !v.to_str().unwrap().starts_with("Basic"))),
        "Basic credentials sent for {link:?}"
    );
    (results, requests.len())
}

/// The first page, then `Error::Pagination` at once (the link is not requested, not retried).
fn assert_link_refused(results: &[Result<Value, Error>], requests: usize, named: &str) {
    assert_eq!(requests, 1, "{results:?}");
    assert_eq!(results.len(), 2, "{results:?}");
    assert_eq!(results[0].as_ref().unwrap()["serial"], "a");
    let error = results[1].as_ref().unwrap_err();
    assert!(matches!(error, Error::Pagination { .. }), "{error:?}");
    let text = error.to_string();
    assert!(text.contains(named), "{named:?} in {text}");
}

/// Issue 12: a link with user info would send `Authorization: Basic` beside the key; it is
/// refused, and the error names the target without its password.
#[tokio::test]
async fn a_link_with_user_info_is_refused() {
    let server = MockServer::start().await;
    let target = format!("http://user:pa55word@{}{DEVICES}?page=2", server.address());
    let (results, requests) = walk_with_link_on(&server, &format!("<{target}>; rel=next")).await;
    assert_link_refused(&results, requests, "user info");
    let text = format!("{:?} {}", results[1], results[1].as_ref().unwrap_err());
    assert!(!text.contains("pa55word"), "{text}");
    assert!(!text.contains(KEY), "{text}");
}

/// Issue 12: a link to another scheme cannot be a page: it fails at once, naming the target,
/// instead of being retried as a transport error.
#[tokio::test]
async fn a_link_to_another_scheme_fails_at_once() {
    for target in [
        "file:///etc/passwd",
        "javascript:alert(1)",
        "data:application/json,[]",
        "ftp://example.com/page2",
    ] {
        let started = std::time::Instant::now();
        let (results, requests) = walk_with_link(&format!("<{target}>; rel=next")).await;
        assert_link_refused(&results, requests, target);
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
    }
}

/// Issue 12: a target with characters a URI cannot hold (`<`, spaces) is a malformed link, not
/// something to percent-encode and follow.
#[tokio::test]
async fn a_malformed_link_target_fails_at_once() {
    for (link, named) in [
        (format!("<{DEVICES}?page=2 x>; rel=next"), "?page=2 x"),
        (format!("<<{DEVICES}?page=2>; rel=next"), "<"),
        (format!("< {DEVICES}?page=2>; rel=next"), "?page=2"),
    ] {
        let (results, requests) = walk_with_link(&link).await;
        assert_link_refused(&results, requests, named);
    }
}
