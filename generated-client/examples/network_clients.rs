//! Every client seen on a network during the last day, printed as the pages arrive.
//!
//! ```sh
//! MERAKI_DASHBOARD_API_KEY=... MERAKI_NETWORK_ID=N_123456 \
//!     cargo run -p meraki --example network_clients
//! ```
//! `MERAKI_BASE_URL` points it elsewhere, e.g. a regional API or a mock server such as Prism.

use futures::TryStreamExt;
use meraki::runtime::{fill_path, Method};
use meraki::types::NetworkClients;

/// One page of `GET /networks/{networkId}/clients`. The v1.42.0 description declares the
/// response as a single client object, and the generated `get_network_clients(..)` follows it
/// (as does Prism, which serves the spec's example), but the Dashboard answers with an array of
/// clients. Until the description says so, this page type takes either.
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum Page {
    Clients(Vec<NetworkClients>),
    Client(Box<NetworkClients>),
}

impl Page {
    fn into_clients(self) -> Vec<NetworkClients> {
        match self {
            Page::Clients(clients) => clients,
            Page::Client(client) => vec![*client],
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let network_id = std::env::var("MERAKI_NETWORK_ID").map_err(|_| "set MERAKI_NETWORK_ID")?;
    let client = meraki::Client::from_env()?;

    // The runtime request is what the generated method builds too; only the page type differs.
    let mut request = client.runtime().request::<Page>(
        Method::GET,
        fill_path("/networks/{networkId}/clients", &[&network_id]),
    );
    // The last day, in seconds; and the largest page, for fewer requests against the rate limit.
    request.query("timespan", &86_400);
    request.query("perPage", &1000);
    // A stream over every page (following the `Link` header): one page is held at a time, and
    // output starts with the first page rather than after the last.
    let mut clients = request.paginate(Page::into_clients).items();

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
