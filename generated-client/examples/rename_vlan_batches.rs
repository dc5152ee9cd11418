//! Renames one appliance VLAN in every appliance network of an organization with action
//! batches: one typed `update` action per network, sent 100 to a batch, at most 5 batches
//! running at once, each reported as it finishes.
//!
//! ```sh
//! MERAKI_DASHBOARD_API_KEY=... MERAKI_ORGANIZATION_ID=123456 MERAKI_VLAN_ID=10 \
//!     cargo run -p meraki --example rename_vlan_batches -- "Guest Wi-Fi"
//! ```
//! `--dry-run` (or `MERAKI_DRY_RUN=1`) lists the networks and prints the batches that would be
//! sent, sending none. `MERAKI_BASE_URL` points it elsewhere, e.g. a test server.
//!
//! Against `rename_vlan` (one request per network): 500 networks are 5 requests and a few
//! polls instead of 500 requests, so they fit Meraki's budget of 10 requests a second per
//! organization, and each batch is all or nothing.

use futures::{StreamExt, TryStreamExt};
use meraki::types::UpdateNetworkApplianceVlanRequest;
use meraki::{BatchReport, BatchStatus};

/// What happened to the networks of one run.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    pub networks: usize,
    pub renamed: usize,
    /// Networks whose batch failed or was never sent (after a failure, or in a dry run).
    pub not_renamed: usize,
    /// Meraki's errors, as it gives them.
    pub errors: Vec<String>,
}

/// Renames VLAN `vlan_id` to `new_name` in every appliance network of the organization, calling
/// `progress` with each batch's report and the networks done so far.
pub async fn rename_in_batches(
    client: &meraki::Client,
    organization_id: &str,
    vlan_id: &str,
    new_name: &str,
    mut progress: impl FnMut(&BatchReport, usize, usize),
) -> meraki::Result<Outcome> {
    // VLANs only exist on networks with an appliance; Meraki would refuse the others.
    let networks: Vec<String> = client
        .get_organization_networks(organization_id)
        .per_page(1000)
        .items()
        .try_filter_map(|network| {
            let has_appliance = network
                .product_types
                .as_ref()
                .is_some_and(|types| types.iter().any(|t| t == "appliance"));
            futures::future::ok(network.id.filter(|_| has_appliance))
        })
        .try_collect()
        .await?;
    let actions = networks.iter().map(|network_id| {
        meraki::actions::update_network_appliance_vlan(
            network_id,
            vlan_id,
            UpdateNetworkApplianceVlanRequest::new().name(new_name),
        )
    });
    let mut outcome = Outcome {
        networks: networks.len(),
        ..Outcome::default()
    };
    // Batches are submitted confirmed, in order; after a failed one the rest are skipped (all
    // or nothing per batch, so the organization is never left half-renamed inside a batch).
    let mut reports = client.action_batches(organization_id).run(actions);
    let mut done = 0;
    while let Some(report) = reports.next().await {
        let report = report?;
        done += report.actions.len();
        match report.status {
            BatchStatus::Completed => outcome.renamed += report.actions.len(),
            _ => outcome.not_renamed += report.actions.len(),
        }
        outcome.errors.extend(report.errors.iter().cloned());
        progress(&report, done, outcome.networks);
    }
    Ok(outcome)
}

#[allow(dead_code)] // the action-batch test includes this file for `rename_in_batches` only
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let usage = "usage: rename_vlan_batches [--dry-run] NEW_NAME";
    let mut dry_run = std::env::var("MERAKI_DRY_RUN").is_ok_and(|v| !v.is_empty() && v != "0");
    let mut new_name = None;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--dry-run" | "-n" => dry_run = true,
            _ if new_name.is_none() && !arg.starts_with('-') => new_name = Some(arg),
            _ => return Err(usage.into()),
        }
    }
    let new_name = new_name.ok_or(usage)?;
    let organization_id =
        std::env::var("MERAKI_ORGANIZATION_ID").map_err(|_| "set MERAKI_ORGANIZATION_ID")?;
    let vlan_id = std::env::var("MERAKI_VLAN_ID").map_err(|_| "set MERAKI_VLAN_ID")?;
    // Simulate mode reads the networks for real and sends no batch: each is reported NotSent.
    let client = meraki::Client::builder()
        .from_env()
        .simulate(dry_run)
        .build()?;
    let outcome = rename_in_batches(
        &client,
        &organization_id,
        &vlan_id,
        &new_name,
        |report, done, total| {
            let id = report.id.as_deref().unwrap_or("-");
            println!(
                "batch {} ({} actions, id {id}): {:?}; {done}/{total} networks",
                report.index + 1,
                report.actions.len(),
                report.status
            );
            for error in &report.errors {
                println!("  {error}");
            }
        },
    )
    .await?;
    println!(
        "{} networks: {} renamed, {} not renamed{}",
        outcome.networks,
        outcome.renamed,
        outcome.not_renamed,
        if dry_run { " (dry run)" } else { "" }
    );
    Ok(())
}
