//! The client-side rate limiter.

use std::time::{Duration, Instant};

use futures::future::join_all;
use meraki_runtime::{Client, Method, RateLimitConfig, Request};
use serde_json::Value;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::builder;

fn get(client: &Client, path: &str) -> Request<Value> {
    Request::new(client, Method::GET, path.into())
}

async fn server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn organizations_have_their_own_buckets_shared_by_clones() {
    let server = server().await;
    // 10/s with no burst: 5 calls for one organization need at least 4 x 100 ms.
    let client = builder(&server)
        .rate_limit(
            RateLimitConfig::default()
                .per_organization(10, 1)
                .global(0, 0),
        )
        .build()
        .unwrap();
    let start = Instant::now();
    let calls = (0..5).map(|i| {
        // Half of the calls go through a clone: the bucket is shared.
        let client = if i % 2 == 0 {
            client.clone()
        } else {
            client.clone().clone()
        };
        async move { get(&client, "/organizations/1/networks").send().await }
    });
    for result in join_all(calls).await {
        result.unwrap();
    }
    let one_org = start.elapsed();
    assert!(one_org >= Duration::from_millis(380), "{one_org:?}");

    // Different organizations and paths without one do not wait for each other.
    let start = Instant::now();
    let calls = [
        "/organizations/2/x",
        "/organizations/3/x",
        "/organizations/4/x",
        "/networks/N_1",
        "/organizations",
    ]
    .map(|path| {
        let client = client.clone();
        async move { get(&client, path).send().await }
    });
    for result in join_all(calls).await {
        result.unwrap();
    }
    assert!(
        start.elapsed() < Duration::from_millis(300),
        "{:?}",
        start.elapsed()
    );
}

#[tokio::test]
async fn global_bucket_applies_to_every_path() {
    let server = server().await;
    let client = builder(&server)
        .rate_limit(
            RateLimitConfig::default()
                .per_organization(0, 0)
                .global(20, 1),
        )
        .build()
        .unwrap();
    let start = Instant::now();
    for path in [
        "/organizations/1/a",
        "/organizations/2/b",
        "/networks/N_1",
        "/devices/Q/x",
    ] {
        get(&client, path).send().await.unwrap();
    }
    assert!(
        start.elapsed() >= Duration::from_millis(130),
        "{:?}",
        start.elapsed()
    );
}

#[tokio::test]
async fn default_limits_are_merakis_budget() {
    let server = server().await;
    let client = builder(&server)
        .rate_limit(RateLimitConfig::default())
        .build()
        .unwrap();
    // 10 requests/s with a burst of 10: the burst goes at once (its last one half an interval
    // late, see `Quota::margin`), the next ten take a second.
    let start = Instant::now();
    let calls = (0..10).map(|_| get(&client, "/organizations/1/a").send());
    for result in join_all(calls).await {
        result.unwrap();
    }
    let burst = start.elapsed();
    assert!(burst < Duration::from_millis(500), "{burst:?}");
    let calls = (0..10).map(|_| get(&client, "/organizations/1/a").send());
    for result in join_all(calls).await {
        result.unwrap();
    }
    let twenty = start.elapsed();
    assert!(twenty >= Duration::from_millis(950), "{twenty:?}");
}
