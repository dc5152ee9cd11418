//! The `rename_vlan_batches` example against the loopback action-batch server: 500 appliance
//! networks (and some without an appliance) renamed in 5 batches of 100 typed actions.

#[path = "../../generated-client/examples/rename_vlan_batches.rs"]
mod example;

use meraki_tests::action_batches::ActionBatchServer;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

#[tokio::test]
async fn the_example_renames_a_vlan_in_500_networks_in_five_batches() {
    let server = ActionBatchServer::start().await;
    let networks: Vec<_> = (0..520)
        .map(|i| {
            // Every 26th network has no appliance: no VLANs to rename there.
            let types = if i % 26 == 25 {
                json!(["wireless"])
            } else {
                json!(["appliance", "switch"])
            };
            json!({"id": format!("N_{i}"), "name": format!("Site {i}"), "productTypes": types})
        })
        .collect();
    server
        .mount(
            Mock::given(method("GET"))
                .and(path("/organizations/org_1/networks"))
                .respond_with(ResponseTemplate::new(200).set_body_json(networks)),
        )
        .await;
    let client = meraki::Client::builder()
        .api_key("test-key")
        .base_url(server.uri())
        .no_proxy()
        .build()
        .unwrap();

    let mut progress = Vec::new();
    let outcome =
        example::rename_in_batches(&client, "org_1", "10", "Voice", |report, done, total| {
            progress.push((
                report.index,
                report.actions.len(),
                report.status,
                done,
                total,
            ));
        })
        .await
        .expect("the run completes");

    assert_eq!(
        outcome,
        example::Outcome {
            networks: 500,
            renamed: 500,
            not_renamed: 0,
            errors: vec![],
        }
    );
    let mut done: Vec<usize> = progress.iter().map(|p| p.3).collect();
    done.sort();
    assert_eq!(done, [100, 200, 300, 400, 500], "{progress:?}");
    assert!(progress
        .iter()
        .all(|p| p.1 == 100 && p.2 == meraki::BatchStatus::Completed && p.4 == 500));

    // On the wire: 5 confirmed batches of 100 `update` actions, one per appliance network, in
    // order, each naming the VLAN's resource and carrying only the new name.
    let submits = server.submits();
    assert_eq!(submits.len(), 5);
    let mut resources = Vec::new();
    for submit in &submits {
        let body = submit.body.as_ref().expect("a JSON body");
        assert_eq!(body["confirmed"], json!(true));
        let actions = body["actions"].as_array().unwrap();
        assert_eq!(actions.len(), 100);
        for action in actions {
            assert_eq!(action["operation"], json!("update"));
            assert_eq!(action["body"], json!({"name": "Voice"}));
            resources.push(action["resource"].as_str().unwrap().to_string());
        }
    }
    let expected: Vec<String> = (0..520)
        .filter(|i| i % 26 != 25)
        .map(|i| format!("/networks/N_{i}/appliance/vlans/10"))
        .collect();
    assert_eq!(resources, expected);
    assert!(server.peak_running("org_1") <= 5);
}
