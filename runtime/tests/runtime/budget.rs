//! Every call metered by its organization, against a loopback server enforcing Meraki's
//! per-organization budget (10 requests/s, burst 10; `support/budget_server.rs`): network and
//! device calls find their organization (learned, told, resolved), adaptive pacing, counters and
//! tracing. The figures (rates, time against the budget, median of 3) are `cargo xtask bench`'s;
//! here only what must hold: no failed call, at most 5 % of requests answered 429.

use std::time::Duration;

use meraki_runtime::{
    BackendError, Client, ClientBuilder, Method, Quota, RateLimitBackend, RateLimitConfig, Request,
};
use serde_json::Value;

use crate::budget_server::{BudgetServer, World};
use crate::common::{capture_logs, KEY};
use crate::workload;

/// A client with the default retry and rate-limit settings.
fn defaults(server: &BudgetServer) -> ClientBuilder {
    Client::builder()
        .api_key(KEY)
        .base_url(server.base_url())
        .no_proxy()
}

fn get(client: &Client, path: &str) -> Request<Value> {
    Request::new(client, Method::GET, path.into())
}

fn check(server: &BudgetServer, outcome: &workload::Outcome) {
    let counts = server.counts();
    assert_eq!(outcome.failed, 0, "{outcome:?} {counts:?}");
    assert!(
        counts.throttled_share() <= 0.05,
        "{} of {} requests answered 429",
        counts.throttled,
        counts.requests
    );
    eprintln!(
        "{} calls in {:?}: {} requests, {} answered 429; the budget allows them in {:?}",
        outcome.calls,
        outcome.elapsed,
        counts.requests,
        counts.throttled,
        workload::allowed_time(counts.accepted(), 10.0, 10),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_defaults_network_and_device_calls_stay_within_the_budget() {
    let world = World::new("101", 4, 5);
    let server = BudgetServer::start(vec![world.clone()]).unwrap();
    let client = defaults(&server).build().unwrap();
    let outcome = workload::run(&client, &world, 100, 32, true, 0).await;
    check(&server, &outcome);
    let stats = client.rate_limit_stats();
    // The listings taught every network and device.
    assert_eq!(stats.known_mappings, 4 + 20, "{stats:?}");
    let org = stats.organization("101");
    assert_eq!(org.requests, server.counts().requests, "{stats:?}");
    assert_eq!(stats.unattributed.counters.requests, 0, "{stats:?}");
    assert!(org.paced > Duration::from_secs(5), "{stats:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn before_any_mapping_is_known_the_calls_share_one_bucket() {
    // No listing first: the client has seen no organization, so the network and device calls
    // share the `unattributed` bucket, paced at one organization's rate.
    let world = World::new("102", 3, 3);
    let server = BudgetServer::start(vec![world.clone()]).unwrap();
    let client = defaults(&server).build().unwrap();
    let outcome = workload::run(&client, &world, 60, 32, false, 0).await;
    check(&server, &outcome);
    let stats = client.rate_limit_stats();
    assert_eq!(
        stats.unattributed.counters.requests,
        server.counts().requests
    );
    assert!(stats.organizations.is_empty(), "{stats:?}");
}

#[tokio::test]
async fn told_mappings_meter_from_the_first_call() {
    let world = World::new("103", 1, 1);
    let server = BudgetServer::start(vec![world.clone()]).unwrap();
    let (serial, network) = world.devices[0].clone();
    let client = defaults(&server)
        .network_organization(&network, "103")
        .device_organization(&serial, "103")
        .build()
        .unwrap();
    get(&client, &format!("/networks/{network}/clients"))
        .send()
        .await
        .unwrap();
    get(&client, &format!("/devices/{serial}/clients"))
        .send()
        .await
        .unwrap();
    let stats = client.rate_limit_stats();
    assert_eq!(stats.organization("103").requests, 2, "{stats:?}");
    assert_eq!(stats.total.requests, 2);
}

#[tokio::test]
async fn getnetwork_and_getdevice_responses_teach_their_organization() {
    let worlds = vec![World::new("104", 1, 1), World::new("105", 1, 1)];
    let server = BudgetServer::start(worlds.clone()).unwrap();
    let client = defaults(&server).build().unwrap();
    let network = &worlds[0].networks[0];
    let (serial, _) = &worlds[0].devices[0];
    get(&client, &format!("/networks/{network}"))
        .send()
        .await
        .unwrap();
    // The device names its network, whose organization is known now.
    get(&client, &format!("/devices/{serial}"))
        .send()
        .await
        .unwrap();
    get(&client, &format!("/devices/{serial}/clients"))
        .send()
        .await
        .unwrap();
    let stats = client.rate_limit_stats();
    assert_eq!(stats.known_mappings, 2, "{stats:?}");
    // getNetwork went unattributed; from its answer on, 104 is the one organization seen, so
    // getDevice was metered as 104's too.
    assert_eq!(stats.unattributed.counters.requests, 1, "{stats:?}");
    assert_eq!(stats.organization("104").requests, 2, "{stats:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_devices_are_looked_up_once_when_asked_to() {
    let worlds = vec![World::new("106", 1, 3), World::new("107", 1, 1)];
    let server = BudgetServer::start(worlds.clone()).unwrap();
    let client = defaults(&server)
        .rate_limit(RateLimitConfig::default().resolve_organizations(true))
        .build()
        .unwrap();
    let calls = worlds[0].devices.iter().flat_map(|(serial, _)| {
        let client = client.clone();
        let path = format!("/devices/{serial}/clients");
        (0..3).map(move |_| {
            let (client, path) = (client.clone(), path.clone());
            async move { get(&client, &path).send().await }
        })
    });
    for result in futures::future::join_all(calls).await {
        result.unwrap();
    }
    let stats = client.rate_limit_stats();
    // 9 calls; 3 getDevice and 1 getNetwork (the devices share their network) looked them up,
    // and were charged to the organization's bucket once it was known: no 429.
    assert_eq!(stats.organization("106").requests, 9, "{stats:?}");
    assert_eq!(stats.total.throttled, 0, "{stats:?}");
    assert_eq!(stats.unattributed.counters.requests, 4, "{stats:?}");
    assert_eq!(server.counts().requests, 13);
    // Known now: no more lookups.
    get(
        &client,
        &format!("/devices/{}/clients", worlds[0].devices[0].0),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(server.counts().requests, 14);

    // A device that does not exist: the lookup fails (404), the call goes on unattributed and
    // fails on its own 404; the failure is remembered, not looked up again.
    for _ in 0..2 {
        let error = get(&client, "/devices/NOPE/clients")
            .send()
            .await
            .unwrap_err();
        assert_eq!(error.status().map(|s| s.as_u16()), Some(404));
    }
    assert_eq!(server.counts().unknown, 3);
}

#[tokio::test]
async fn a_429_lowers_the_rate_and_is_counted_and_logged() {
    let world = World::new("108", 1, 1);
    let server = BudgetServer::start(vec![world.clone()]).unwrap();
    // Paced at twice what the server allows: 429s follow.
    let client = defaults(&server)
        .rate_limit(RateLimitConfig::default().per_organization(20, 20))
        .network_organization(&world.networks[0], "108")
        .build()
        .unwrap();
    let (logs, _guard) = capture_logs();
    let path = format!("/networks/{}/clients", world.networks[0]);
    let calls = (0..30).map(|_| get(&client, &path).send());
    for result in futures::future::join_all(calls).await {
        result.unwrap();
    }
    let stats = client.rate_limit_stats();
    let org = &stats.organizations["108"];
    assert!(org.counters.throttled > 0, "{stats:?}");
    assert_eq!(org.counters.throttled, server.counts().throttled);
    assert_eq!(org.counters.retries, org.counters.throttled, "{stats:?}");
    assert!(
        org.counters.retry_wait >= Duration::from_secs(1),
        "{stats:?}"
    );
    let rate = org.rate.unwrap();
    assert!(rate < 20.0, "{stats:?}");
    let lines = logs.lines();
    assert!(
        lines
            .iter()
            .any(|l| l.contains("429 Too Many Requests") && l.contains("bucket=org:108")),
        "{lines:#?}"
    );
    assert!(!lines.iter().any(|l| l.contains(KEY)));
}

#[tokio::test]
async fn two_organizations_seen_keep_unknown_calls_apart() {
    let worlds = vec![World::new("109", 1, 1), World::new("110", 1, 1)];
    let server = BudgetServer::start(worlds.clone()).unwrap();
    let client = defaults(&server).build().unwrap();
    get(&client, "/organizations/109/x").send().await.unwrap();
    // One organization seen: an unknown network is metered as that organization's.
    get(
        &client,
        &format!("/networks/{}/clients", worlds[1].networks[0]),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(client.rate_limit_stats().organization("109").requests, 2);
    get(&client, "/organizations/110/x").send().await.unwrap();
    get(
        &client,
        &format!("/networks/{}/clients", worlds[1].networks[0]),
    )
    .send()
    .await
    .unwrap();
    let stats = client.rate_limit_stats();
    assert_eq!(stats.unattributed.counters.requests, 1, "{stats:?}");
}

/// A backend that never answers.
struct Broken;

impl RateLimitBackend for Broken {
    fn reserve<'a>(
        &'a self,
        _: &'a str,
        _: Quota,
    ) -> futures::future::BoxFuture<'a, Result<Duration, BackendError>> {
        Box::pin(async { Err("down for maintenance".into()) })
    }
}

#[tokio::test]
async fn a_failing_backend_falls_back_to_the_in_process_buckets() {
    let world = World::new("111", 1, 1);
    let server = BudgetServer::start(vec![world.clone()]).unwrap();
    let client = defaults(&server)
        .rate_limit_backend(Broken)
        .build()
        .unwrap();
    let (logs, _guard) = capture_logs();
    let calls = (0..15).map(|_| get(&client, "/organizations/111/x").send());
    for result in futures::future::join_all(calls).await {
        result.unwrap();
    }
    let stats = client.rate_limit_stats();
    assert_eq!(stats.total.backend_errors, 15, "{stats:?}");
    // Still paced: 15 calls with a burst of 10 wait for the last 5.
    assert_eq!(server.counts().throttled, 0);
    assert!(stats.total.paced >= Duration::from_millis(400), "{stats:?}");
    let warnings = logs
        .lines()
        .into_iter()
        .filter(|l| l.contains("rate-limit backend failed"))
        .count();
    assert_eq!(warnings, 1);
}

#[tokio::test]
async fn counters_without_the_rate_limiter() {
    let world = World::new("112", 1, 1);
    let server = BudgetServer::start(vec![world.clone()]).unwrap();
    let client = defaults(&server).disable_rate_limit().build().unwrap();
    get(&client, "/organizations/112/x").send().await.unwrap();
    get(&client, "/organizations").send().await.unwrap_err();
    let stats = client.rate_limit_stats();
    assert_eq!(stats.total.requests, 2);
    assert_eq!(stats.organization("112").requests, 1);
    assert_eq!(stats.unmetered.requests, 1);
    assert_eq!(stats.organizations["112"].rate, None);
}
