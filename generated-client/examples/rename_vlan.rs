//! Renames one appliance VLAN in every appliance network of an organization, many networks at a
//! time.
//!
//! ```sh
//! MERAKI_DASHBOARD_API_KEY=... MERAKI_ORGANIZATION_ID=123456 MERAKI_VLAN_ID=10 \
//!     cargo run -p meraki --example rename_vlan -- --dry-run "Guest Wi-Fi"
//! ```
//! `--dry-run` (or `MERAKI_DRY_RUN=1`) lists the networks and sends no change. `MERAKI_BASE_URL`
//! points it elsewhere, e.g. a regional API or a mock server such as Prism.

use futures::{StreamExt, TryStreamExt};
use meraki::RateLimitConfig;

/// At most this many updates in flight. It bounds open connections and memory; the pace is the
/// rate limiter's business (see `main`).
const CONCURRENCY: usize = 16;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let usage = "usage: rename_vlan [--dry-run] NEW_NAME";
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

    let client = meraki::Client::builder()
        .from_env()
        // Simulate mode sends GET requests (so the network list is real) and only logs the
        // others, answering them with an empty response: the dry run walks the same code path
        // as the real one, it just changes nothing.
        .simulate(dry_run)
        // The client paces requests itself: one token bucket per organization (Meraki's budget
        // is 10 requests/s per organization) and one for the whole client. It reads the
        // organization from `/organizations/{id}/...` paths, and a VLAN update is addressed as
        // `/networks/{id}/appliance/vlans/{id}`, so those updates would only meet the client's
        // bucket (100/s). Every request here is for one organization, so the client's bucket is
        // set to that organization's budget: 16 updates in flight, started at 10 a second after
        // a burst of 20.
        // A 429 that still comes (other programs share the budget) is retried after the
        // server's Retry-After.
        .rate_limit(RateLimitConfig::default().global(10, 20))
        .build()?;

    // VLANs only exist on networks with an appliance; the others would answer 400.
    let networks: Vec<(String, String)> = client
        .get_organization_networks(&organization_id)
        .per_page(1000)
        .items()
        .try_filter_map(|network| {
            let has_appliance = network
                .product_types
                .as_ref()
                .is_some_and(|types| types.iter().any(|t| t == "appliance"));
            let id = network.id.filter(|_| has_appliance);
            let label = network.name.or_else(|| id.clone());
            futures::future::ok(id.zip(label))
        })
        .try_collect()
        .await?;

    // Each request is built when `buffer_unordered` has room for it, and sent as it is polled;
    // results come back in completion order.
    let mut updates = futures::stream::iter(networks)
        .map(|(network_id, label)| {
            let update = client
                .update_network_appliance_vlan(&network_id, &vlan_id)
                .name(&new_name)
                .send();
            async move { (label, update.await) }
        })
        .buffer_unordered(CONCURRENCY);

    let verb = if dry_run { "would rename" } else { "renamed" };
    let (mut done, mut failed) = (0, 0);
    while let Some((network, result)) = updates.next().await {
        match result {
            Ok(_) => {
                done += 1;
                println!("{network}: {verb} VLAN {vlan_id} to {new_name:?}");
            }
            // One network refusing (VLANs disabled, no such VLAN) should not stop the rest.
            Err(error) => {
                failed += 1;
                eprintln!("{network}: {error}");
            }
        }
    }
    let outcome = if dry_run {
        "to rename (dry run)"
    } else {
        "renamed"
    };
    println!("{done} networks {outcome}, {failed} failed");
    if failed > 0 {
        std::process::exit(1);
    }
    Ok(())
}
