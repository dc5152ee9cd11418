//! Every client seen on a network during the last day, printed as the pages arrive.
//!
//! ```sh
//! MERAKI_DASHBOARD_API_KEY=... MERAKI_NETWORK_ID=N_123456 \
//!     cargo run -p meraki --example network_clients
//! ```
//! `MERAKI_BASE_URL` points it elsewhere, e.g. a regional API or a mock server such as Prism.

use futures::TryStreamExt;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let network_id = std::env::var("MERAKI_NETWORK_ID").map_err(|_| "set MERAKI_NETWORK_ID")?;
    let client = meraki::Client::from_env()?;

    // The last day, in seconds; and the largest page, for fewer requests against the rate limit.
    // `.items()` streams every page (following the `Link` header), one item at a time: nothing
    // is held whole, and output starts with the first page rather than after the last. (The
    // v1.42.0 description declares one client object here; `specs/corrections.json` corrects it
    // to the list the Dashboard sends, which is what makes this operation pageable.)
    let mut clients = client
        .get_network_clients(&network_id)
        .timespan(86_400.0)
        .per_page(1000)
        .items();

    let mut total = 0usize;
    while let Some(seen) = clients.try_next().await? {
        total += 1;
        let (sent, received) = seen
            .usage
            .as_ref()
            .map_or((None, None), |usage| (usage.sent, usage.recv));
        println!(
            "{:17}  {:15}  {:24}  sent {:>10} kB  received {:>10} kB",
            seen.mac.as_deref().unwrap_or("-"),
            seen.ip.as_deref().unwrap_or("-"),
            seen.description.as_deref().unwrap_or("-"),
            sent.map_or("-".into(), |kb| kb.to_string()),
            received.map_or("-".into(), |kb| kb.to_string()),
        );
    }
    println!("{total} clients on network {network_id} during the last day");
    Ok(())
}
