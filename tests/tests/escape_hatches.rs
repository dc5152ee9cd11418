//! The generated builders' escape hatches (`send_json`, `send_raw`, `items_json`, and
//! `paginate().pages_raw()`)
//! against a mock Meraki server: what the typed model cannot express stays reachable.

use futures::TryStreamExt;
use meraki::runtime::{RawResponse, StatusCode};
use meraki_tests::client_for;
use serde_json::{json, Value};
use wiremock::matchers::{body_json, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

const STATUSES: &str = "/organizations/1/devices/provisioning/statuses";

#[tokio::test]
async fn items_json_streams_every_page_as_json() {
    let server = MockServer::start().await;
    let next = format!("<{}{STATUSES}?startingAfter=Q2-A>; rel=next", server.uri());
    Mock::given(method("GET"))
        .and(path(STATUSES))
        .and(query_param("productTypes[]", "switch"))
        .and(query_param_is_missing("startingAfter"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("Link", next.as_str())
                .set_body_json(json!([
                    {"serial": "Q2-A", "status": "complete", "fromTheFuture": {"x": 1}}
                ])),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(STATUSES))
        .and(query_param("startingAfter", "Q2-A"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!([{"serial": "Q2-B", "status": 3}])),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = client_for(&server.uri());

    let items: Vec<Value> = client
        .get_organization_devices_provisioning_statuses("1")
        .product_types(["switch"])
        .items_json()
        .try_collect()
        .await
        .expect("both pages");
    assert_eq!(
        items,
        [
            json!({"serial": "Q2-A", "status": "complete", "fromTheFuture": {"x": 1}}),
            json!({"serial": "Q2-B", "status": 3}),
        ]
    );
}

#[tokio::test]
async fn send_json_and_send_raw_return_what_the_types_drop() {
    let server = MockServer::start().await;
    let vlan = json!({
        "id": 5,
        "networkId": "N_1",
        "name": "Guests",
        "subnet": "10.0.5.0/24",
        "notInTheSpec": ["kept"]
    });
    Mock::given(method("GET"))
        .and(path("/networks/N_1/appliance/vlans/5"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("X-Request-Id", "req-vlan-5")
                .set_body_json(&vlan),
        )
        .mount(&server)
        .await;
    let client = client_for(&server.uri());

    let value = client
        .get_network_appliance_vlan("N_1", "5")
        .send_json()
        .await
        .expect("JSON");
    assert_eq!(value, vlan);

    let raw: RawResponse = client
        .get_network_appliance_vlan("N_1", "5")
        .send_raw()
        .await
        .expect("raw response");
    assert_eq!(raw.status(), StatusCode::OK);
    assert_eq!(raw.headers()["x-request-id"], "req-vlan-5");
    assert_eq!(raw.url().path(), "/networks/N_1/appliance/vlans/5");
    assert_eq!(serde_json::from_slice::<Value>(raw.body()).unwrap(), vlan);
    // The typed response, decoded from the raw one as `send` would.
    let typed: meraki::types::ApplianceVlan = raw.json().expect("typed");
    assert_eq!(typed.name.as_deref(), Some("Guests"));
}

#[tokio::test]
async fn body_setters_apply_to_send_raw_and_non_success_is_an_http_error() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/networks/N_1/appliance/vlans/5"))
        .and(body_json(json!({"name": "Renamed"})))
        .respond_with(
            ResponseTemplate::new(400)
                .insert_header("X-Request-Id", "req-bad")
                .set_body_json(json!({"errors": ["Name is taken"]})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = client_for(&server.uri());

    let error = client
        .update_network_appliance_vlan("N_1", "5")
        .name("Renamed")
        .send_raw()
        .await
        .expect_err("400 is an error");
    let http = error.http().expect("an HTTP error");
    assert_eq!(http.status, StatusCode::BAD_REQUEST);
    assert_eq!(http.messages, ["Name is taken"]);
    assert_eq!(error.request_id(), Some("req-bad"));
}

#[tokio::test]
async fn object_pages_give_the_items_of_their_member() {
    let server = MockServer::start().await;
    let route = "/networks/N_1/events";
    let next = format!("<{}{route}?startingAfter=e2>; rel=next", server.uri());
    Mock::given(method("GET"))
        .and(path(route))
        .and(query_param_is_missing("startingAfter"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("Link", next.as_str())
                .insert_header("X-Request-Id", "events-1")
                .set_body_json(json!({
                    "pageStartAt": "2024-01-01T00:00:00Z",
                    "events": [{"type": "a"}, {"type": "b"}]
                })),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(route))
        .and(query_param("startingAfter", "e2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"events": [{"type": "c"}]})))
        .mount(&server)
        .await;
    let client = client_for(&server.uri());

    let items: Vec<Value> = client
        .get_network_events("N_1")
        .items_json()
        .try_collect()
        .await
        .expect("both pages");
    assert_eq!(
        items,
        [
            json!({"type": "a"}),
            json!({"type": "b"}),
            json!({"type": "c"})
        ]
    );

    let pages: Vec<RawResponse> = client
        .get_network_events("N_1")
        .paginate()
        .pages_raw()
        .try_collect()
        .await
        .expect("both pages");
    assert_eq!(pages.len(), 2);
    assert_eq!(pages[0].request_id(), Some("events-1"));
    let first: Value = pages[0].json().unwrap();
    assert_eq!(first["pageStartAt"], "2024-01-01T00:00:00Z");
}
