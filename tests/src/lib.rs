//! Cross-crate tests live in `tests/`. The repository README is included here so that its
//! examples are compiled as doctests and cannot drift from the generated API.
#![doc = include_str!("../../README.md")]

pub mod action_batches;
pub mod prism;

/// A client for a mock server at `base_url` on loopback: a test key, no proxy, no retries and no
/// client-side rate limit, so each test sees exactly the requests it makes.
pub fn client_for(base_url: &str) -> meraki::Client {
    meraki::Client::builder()
        .api_key("test-key")
        .base_url(base_url)
        .no_proxy()
        .disable_rate_limit()
        .retry(meraki::RetryConfig::disabled())
        .build()
        .expect("client builds")
}
