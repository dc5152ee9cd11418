//! Every correction of `specs/corrections.json`, proven through the generated client: a realistic
//! response of the corrected operation (the shape the Dashboard really sends) decodes on a
//! loopback server, every field intact.

use std::collections::BTreeSet;

use futures::TryStreamExt;
use meraki_tests::{client_for, prism::repo_root};
use serde_json::json;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The operations this file proves a response of; the guard below keeps it complete.
const PROVEN: &[&str] = &[
    "getNetworkClients",
    "getNetworkApplianceVlans",
    "getNetworkApplianceVlan",
    "updateNetworkApplianceVlan",
    "getOrganizationClientsBandwidthUsageHistory",
];

#[test]
fn every_corrected_operation_is_proven_here() {
    let text = std::fs::read_to_string(repo_root().join("specs/corrections.json")).unwrap();
    let file: serde_json::Value = serde_json::from_str(&text).unwrap();
    let corrected: BTreeSet<&str> = file["corrections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["operation"].as_str().unwrap())
        .collect();
    assert_eq!(corrected, PROVEN.iter().copied().collect::<BTreeSet<_>>());
}

fn network_client(mac: &str) -> serde_json::Value {
    json!({
        "id": "k74272e", "mac": mac, "ip": "1.2.3.4", "description": "Miles's phone",
        "firstSeen": "2024-11-30T08:15:00Z", "lastSeen": "2024-12-01T09:00:00Z",
        "manufacturer": "Apple", "os": "iOS", "vlan": "100", "ssid": "My SSID",
        "status": "Online", "usage": {"sent": 138.0, "recv": 61.0}
    })
}

#[tokio::test]
async fn get_network_clients_is_a_paged_list_with_iso_timestamps() {
    let server = MockServer::start().await;
    let next = format!(
        "<{}/networks/N_1/clients?perPage=2&startingAfter=b>; rel=next",
        server.uri()
    );
    Mock::given(method("GET"))
        .and(path("/networks/N_1/clients"))
        .and(query_param("startingAfter", "b"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([network_client("cc")])))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/networks/N_1/clients"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("Link", next.as_str())
                .set_body_json(json!([network_client("aa"), network_client("bb")])),
        )
        .with_priority(10)
        .mount(&server)
        .await;
    let clients: Vec<_> = client_for(&server.uri())
        .get_network_clients("N_1")
        .per_page(2)
        .items()
        .try_collect()
        .await
        .unwrap();
    let macs: Vec<_> = clients.iter().map(|c| c.mac.as_deref().unwrap()).collect();
    assert_eq!(macs, ["aa", "bb", "cc"]);
    let first = &clients[0];
    assert_eq!(
        first.first_seen.as_ref().unwrap().as_str(),
        "2024-11-30T08:15:00Z"
    );
    assert!(first.last_seen.as_ref().unwrap().parse().is_some());
    assert_eq!(first.vlan.as_deref(), Some("100"));
    assert_eq!(first.usage.as_ref().and_then(|u| u.sent), Some(138.0));
}

fn vlan(id: i64) -> serde_json::Value {
    json!({
        "id": id, "networkId": "N_24329156", "interfaceId": "1284392014819", "name": "My VLAN",
        "subnet": "192.168.1.0/24", "applianceIp": "192.168.1.2", "mask": 28
    })
}

#[tokio::test]
async fn appliance_vlans_have_integer_ids_and_their_network() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/networks/N_24329156/appliance/vlans"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([vlan(1), vlan(1234)])))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/networks/N_24329156/appliance/vlans/1234"))
        .respond_with(ResponseTemplate::new(200).set_body_json(vlan(1234)))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/networks/N_24329156/appliance/vlans/1234"))
        .respond_with(ResponseTemplate::new(200).set_body_json(vlan(1234)))
        .mount(&server)
        .await;
    let client = client_for(&server.uri());
    let vlans = client
        .get_network_appliance_vlans("N_24329156")
        .send()
        .await
        .unwrap();
    assert_eq!(
        vlans.iter().map(|v| v.id).collect::<Vec<_>>(),
        [Some(1), Some(1234)]
    );
    assert_eq!(vlans[1].network_id.as_deref(), Some("N_24329156"));
    assert_eq!(vlans[1].subnet.as_deref(), Some("192.168.1.0/24"));

    let one = client
        .get_network_appliance_vlan("N_24329156", "1234")
        .send()
        .await
        .unwrap();
    assert_eq!(
        (one.id, one.network_id.as_deref()),
        (Some(1234), Some("N_24329156"))
    );

    let updated = client
        .update_network_appliance_vlan("N_24329156", "1234")
        .name("Guests")
        .send()
        .await
        .unwrap();
    assert_eq!(updated.id, Some(1234));
    assert_eq!(updated.mask, Some(28));
}

#[tokio::test]
async fn a_vlan_id_sent_as_a_string_still_decodes() {
    // Meraki sends VLAN ids as strings in some operations and as integers in others: the lenient
    // decoding (runtime `lenient.rs`) takes "1234" for the corrected integer.
    let server = MockServer::start().await;
    let mut body = vlan(0);
    body["id"] = json!("1234");
    Mock::given(path("/networks/N_24329156/appliance/vlans/1234"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;
    let one = client_for(&server.uri())
        .get_network_appliance_vlan("N_24329156", "1234")
        .send()
        .await
        .unwrap();
    assert_eq!(one.id, Some(1234));
}

#[tokio::test]
async fn bandwidth_usage_history_keeps_its_fractions() {
    let server = MockServer::start().await;
    Mock::given(path("/organizations/1234/clients/bandwidthUsageHistory"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"ts": "2021-06-20T01:00:00.000Z", "total": 345.67, "upstream": 60.25, "downstream": 285.42},
            {"ts": "2021-06-20T02:00:00.000Z", "total": 12, "upstream": 2, "downstream": 10}
        ])))
        .mount(&server)
        .await;
    let history = client_for(&server.uri())
        .get_organization_clients_bandwidth_usage_history("1234")
        .send()
        .await
        .unwrap();
    assert_eq!(history[0].total, Some(345.67));
    assert_eq!(history[0].upstream, Some(60.25));
    assert_eq!(history[0].downstream, Some(285.42));
    assert_eq!(history[1].total, Some(12.0));
}
