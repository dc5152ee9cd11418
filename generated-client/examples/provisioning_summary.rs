//! Lists every provisioning status of an organization, page after page, and prints how many
//! devices each product type has.
//!
//! ```sh
//! MERAKI_DASHBOARD_API_KEY=... MERAKI_ORGANIZATION_ID=123456 \
//!     cargo run -p meraki --example provisioning_summary
//! ```
//! `MERAKI_BASE_URL` points it elsewhere, e.g. a regional API or a mock server such as Prism.

use std::collections::BTreeMap;

use futures::TryStreamExt;

/// Devices per product type (`"unknown"` when the server does not say), following every page.
pub async fn count_by_product_type(
    client: &meraki::Client,
    organization_id: &str,
) -> meraki::Result<BTreeMap<String, usize>> {
    let mut counts = BTreeMap::new();
    let mut statuses = client
        .get_organization_devices_provisioning_statuses(organization_id)
        .per_page(1000)
        .items();
    // One page in memory at a time, however large the organization.
    while let Some(status) = statuses.try_next().await? {
        let product_type = status
            .product_type
            .as_ref()
            .map_or("unknown", |p| p.as_str())
            .to_string();
        *counts.entry(product_type).or_insert(0) += 1;
    }
    Ok(counts)
}

#[allow(dead_code)] // the conformance test includes this file for `count_by_product_type` only
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let organization_id =
        std::env::var("MERAKI_ORGANIZATION_ID").map_err(|_| "set MERAKI_ORGANIZATION_ID")?;
    // MERAKI_DASHBOARD_API_KEY, and MERAKI_BASE_URL when set.
    let client = meraki::Client::from_env()?;
    let counts = count_by_product_type(&client, &organization_id).await?;
    let total: usize = counts.values().sum();
    println!("{total} devices in organization {organization_id}");
    for (product_type, count) in &counts {
        println!("{product_type:>20}  {count}");
    }
    Ok(())
}
