//! The seed operations against Prism (see `meraki_tests::prism`), read as a user would write
//! them, the example program's logic, and negative controls showing that Prism refuses what the
//! spec forbids, so the whole-API test (`prism_api.rs`) cannot pass by accident.

#[path = "../../generated-client/examples/provisioning_summary.rs"]
mod example;

use meraki::types::{
    GetOrganizationDevicesProvisioningStatusesTagsFilterType as TagsFilterType, Status,
};
use meraki_tests::prism::Prism;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_seed_operation_with_every_parameter_is_accepted() {
    let prism = Prism::start();
    let client = prism.client();

    let clients = client
        .get_device_clients("Q2XX-ABCD-1234")
        .t0("2024-12-01T00:00:00Z")
        .timespan(86400.0)
        .send()
        .await
        .expect("Prism accepts getDeviceClients with every parameter");
    assert!(
        !clients.is_empty(),
        "Prism answers with the documented example"
    );

    let statuses = client
        .get_organization_devices_provisioning_statuses("1215707")
        .per_page(1000)
        .starting_after("a")
        .ending_before("z")
        .network_ids(["N_1", "N_2"])
        .product_types(["switch", "camera"])
        .serials(["Q234-ABCD-5678"])
        .status(Status::Complete)
        .tags(["tag1", "tag2"])
        .tags_filter_type(TagsFilterType::WithAllTags)
        .send()
        .await
        .expect("Prism accepts getOrganizationDevicesProvisioningStatuses with every parameter");
    assert_eq!(statuses[0].serial.as_deref(), Some("Q234-ABCD-5678"));

    // The example program's logic, streamed through the paginator.
    let counts = example::count_by_product_type(&client, "1215707")
        .await
        .expect("the example runs against Prism");
    assert_eq!(counts.get("switch"), Some(&1), "{counts:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prism_rejects_what_the_spec_forbids() {
    // Negative controls: the conformance test above could not pass by accident.
    let prism = Prism::start();
    let client = prism.client();

    let bogus = client
        .get_organization_devices_provisioning_statuses("1")
        .status(Status::UnknownValue("bogus".into()))
        .send()
        .await;
    let error = bogus.expect_err("an enum value the spec does not list is invalid");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(422), "{error}");

    let too_long = client
        .get_device_clients("Q2XX")
        .timespan(9_999_999.0)
        .send()
        .await;
    assert_eq!(
        too_long
            .expect_err("timespan above its maximum")
            .status()
            .map(|s| s.as_u16()),
        Some(422)
    );
}
