//! The workload of the rate-limit tests and benchmark: calls on the network and device paths of
//! one organization (`getDeviceClients` and `getNetworkClients`, alternating over its devices and
//! networks), a fixed number in flight, optionally after listing the organization's networks and
//! devices as a program usually starts. Included by `cargo xtask bench` with `#[path]`.

#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt;
use meraki_runtime::{Client, Method, Request};
use serde_json::Value;

use super::budget_server::World;

#[derive(Debug, Clone)]
pub struct Outcome {
    /// Calls made, the listings included.
    pub calls: usize,
    pub failed: usize,
    pub first_error: Option<String>,
    pub elapsed: Duration,
}

/// Lists the organization's networks (streamed items) and devices (one whole page): what teaches
/// the client which organization each belongs to.
pub async fn list(client: &Client, world: &World) -> Result<(), String> {
    let networks = Request::<Vec<Value>>::new(
        client,
        Method::GET,
        format!("/organizations/{}/networks", world.organization),
    )
    .paginate_array()
    .items()
    .collect::<Vec<_>>()
    .await;
    for network in networks {
        network.map_err(|e| e.to_string())?;
    }
    Request::<Vec<Value>>::new(
        client,
        Method::GET,
        format!("/organizations/{}/devices", world.organization),
    )
    .send()
    .await
    .map_err(|e| e.to_string())?;
    Ok(())
}

/// `calls` calls, `in_flight` tasks each taking the next until none are left; with `list_first`
/// the two listings come first (and count as calls). `skew` shifts which device or network each
/// call picks, so several processes do not all ask for the same ones.
pub async fn run(
    client: &Client,
    world: &World,
    calls: usize,
    in_flight: usize,
    list_first: bool,
    skew: usize,
) -> Outcome {
    let start = Instant::now();
    let mut outcome = Outcome {
        calls,
        failed: 0,
        first_error: None,
        elapsed: Duration::ZERO,
    };
    if list_first {
        outcome.calls += 2;
        if let Err(error) = list(client, world).await {
            outcome.failed += 1;
            outcome.first_error = Some(error);
        }
    }
    let next = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicUsize::new(0));
    let first_error = Arc::new(Mutex::new(None::<String>));
    let world = Arc::new(world.clone());
    let tasks: Vec<_> = (0..in_flight)
        .map(|_| {
            let (client, world) = (client.clone(), world.clone());
            let (next, failed, first_error) = (next.clone(), failed.clone(), first_error.clone());
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= calls {
                        break;
                    }
                    let k = i + skew;
                    let path = if k % 2 == 0 {
                        let (serial, _) = &world.devices[(k / 2) % world.devices.len()];
                        format!("/devices/{serial}/clients")
                    } else {
                        let network = &world.networks[(k / 2) % world.networks.len()];
                        format!("/networks/{network}/clients")
                    };
                    let result = Request::<Vec<Value>>::new(&client, Method::GET, path)
                        .send()
                        .await;
                    if let Err(error) = result {
                        failed.fetch_add(1, Ordering::Relaxed);
                        first_error
                            .lock()
                            .unwrap()
                            .get_or_insert_with(|| error.to_string());
                    }
                }
            })
        })
        .collect();
    for task in tasks {
        let _ = task.await;
    }
    outcome.failed += failed.load(Ordering::Relaxed);
    if outcome.first_error.is_none() {
        outcome.first_error = first_error.lock().unwrap().take();
    }
    outcome.elapsed = start.elapsed();
    outcome
}

/// The least time a budget of `per_second` with a bucket of `burst` allows for `requests`
/// accepted requests: the burst at once, the rest one interval apart.
pub fn allowed_time(requests: u64, per_second: f64, burst: u32) -> Duration {
    let spaced = requests.saturating_sub(u64::from(burst));
    Duration::from_secs_f64(spaced as f64 / per_second)
}
