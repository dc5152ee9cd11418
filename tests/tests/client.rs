//! The generated client for `specs/` against a mock Meraki server on loopback: wire encoding,
//! decoding with unknown values, errors.

use futures::TryStreamExt;
use meraki::types::{ProductType, ProvisioningStatus, ProvisioningStatusStatus, Status};
use meraki_tests::client_for;
use serde_json::json;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

fn status_page() -> serde_json::Value {
    json!([
        {
            "mac": "00:11:22:33:44:55",
            "name": "My AP",
            "network": {"id": "N_24329156"},
            "productType": "switch",
            "serial": "Q234-ABCD-5678",
            "status": "complete",
            "tags": ["tag1", "tag2"]
        },
        {
            "serial": "Q234-ABCD-0000",
            "productType": "quantumRouter",
            "status": "halfProvisioned",
            "aFieldFromTheFuture": {"nested": [1, 2, 3]}
        }
    ])
}

#[tokio::test]
async fn decodes_unknown_enum_values_and_ignores_unknown_fields() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/organizations/123/devices/provisioning/statuses"))
        .and(header("authorization", "Bearer test-key"))
        .respond_with(ResponseTemplate::new(200).set_body_json(status_page()))
        .mount(&server)
        .await;
    let client = client_for(&server.uri());

    let statuses: Vec<ProvisioningStatus> = client
        .get_organization_devices_provisioning_statuses("123")
        .send()
        .await
        .expect("page decodes");

    assert_eq!(statuses.len(), 2);
    assert_eq!(statuses[0].product_type, Some(ProductType::Switch));
    assert_eq!(statuses[0].status, Some(ProvisioningStatusStatus::Complete));
    assert_eq!(
        statuses[0].network.as_ref().and_then(|n| n.id.as_deref()),
        Some("N_24329156")
    );
    assert_eq!(
        statuses[1].product_type,
        Some(ProductType::UnknownValue("quantumRouter".into()))
    );
    assert_eq!(
        statuses[1].status,
        Some(ProvisioningStatusStatus::UnknownValue(
            "halfProvisioned".into()
        ))
    );
    // Unknown values go back on the wire unchanged.
    assert_eq!(
        statuses[1].product_type.as_ref().unwrap().as_str(),
        "quantumRouter"
    );
    assert_eq!(
        serde_json::to_value(&statuses[1].status).unwrap(),
        json!("halfProvisioned")
    );
}

#[tokio::test]
async fn array_query_parameters_use_meraki_brackets() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/organizations/123/devices/provisioning/statuses"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;
    let client = client_for(&server.uri());

    client
        .get_organization_devices_provisioning_statuses("123")
        .product_types(["switch", "camera"])
        .status(Status::Incomplete)
        .per_page(500)
        .send()
        .await
        .unwrap();

    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    // The raw query as sent: brackets stay literal, as the Dashboard documents them.
    let query = requests[0].url.query().unwrap_or_default();
    assert!(
        query.contains("productTypes[]=switch&productTypes[]=camera"),
        "query on the wire: {query}"
    );
    assert!(query.contains("status=incomplete"), "{query}");
    assert!(query.contains("perPage=500"), "{query}");
}

#[tokio::test]
async fn a_decoded_status_is_passed_on_as_the_filter_by_its_wire_value() {
    // The response field and the query parameter are two places of the spec, so two types
    // (a bump that grows one leaves the other alone); their wire values are the bridge.
    let decoded: ProvisioningStatus =
        serde_json::from_value(json!({"status": "unprovisioned"})).unwrap();
    let field = decoded.status.unwrap();
    assert_eq!(field, ProvisioningStatusStatus::Unprovisioned);
    let filter: Status = field.to_string().parse().unwrap();
    assert_eq!(filter, Status::Unprovisioned);
    assert_eq!(filter.to_string(), "unprovisioned");
    assert_eq!("complete".parse::<Status>().unwrap(), Status::Complete);
}

#[tokio::test]
async fn path_parameters_and_float_queries() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/devices/Q2XX-AB%2FC/clients"))
        .and(query_param("timespan", "86400.5"))
        .and(query_param("t0", "2024-01-01T00:00:00Z"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"id": "k74272e", "mac": "22:33:44:55:66:77", "usage": {"sent": 138, "recv": 61.5}, "switchport": null}
        ])))
        .mount(&server)
        .await;
    let client = client_for(&server.uri());

    let clients = client
        .get_device_clients("Q2XX-AB/C")
        .timespan(86400.5)
        .t0("2024-01-01T00:00:00Z")
        .send()
        .await
        .unwrap();

    assert_eq!(clients[0].usage.as_ref().unwrap().recv, Some(61.5));
    assert_eq!(clients[0].switchport, None);
}

#[tokio::test]
async fn meraki_errors_show_status_and_messages() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(400)
                .insert_header("X-Request-Id", "req-42")
                .set_body_json(json!({"errors": ["'perPage' must be between 3 and 1000"]})),
        )
        .mount(&server)
        .await;
    let client = client_for(&server.uri());

    let error = client
        .get_organization_devices_provisioning_statuses("123")
        .per_page(1)
        .send()
        .await
        .unwrap_err();

    let shown = error.to_string();
    assert!(shown.contains("400"), "{shown}");
    assert!(
        shown.contains("'perPage' must be between 3 and 1000"),
        "{shown}"
    );
    assert_eq!(error.messages(), ["'perPage' must be between 3 and 1000"]);
    assert_eq!(error.request_id(), Some("req-42"));
    assert!(!format!("{error:?}").contains("test-key"));
}

#[tokio::test]
async fn items_stream_follows_link_headers() {
    let server = MockServer::start().await;
    let base = server.uri();
    Mock::given(method("GET"))
        .and(path("/organizations/123/devices/provisioning/statuses"))
        .and(query_param("startingAfter", "page2"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([{"serial": "B", "productType": "camera"}])),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/organizations/123/devices/provisioning/statuses"))
        .and(|request: &Request| !request.url.query().unwrap_or_default().contains("startingAfter"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header(
                    "Link",
                    format!("<{base}/organizations/123/devices/provisioning/statuses?perPage=1&startingAfter=page2>; rel=next").as_str(),
                )
                .set_body_json(json!([{"serial": "A", "productType": "switch"}])),
        )
        .mount(&server)
        .await;
    let client = client_for(&server.uri());

    let items: Vec<ProvisioningStatus> = client
        .get_organization_devices_provisioning_statuses("123")
        .per_page(1)
        .items()
        .try_collect()
        .await
        .unwrap();

    let serials: Vec<&str> = items.iter().filter_map(|i| i.serial.as_deref()).collect();
    assert_eq!(serials, ["A", "B"]);
}
