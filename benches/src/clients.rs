//! The two clients compared on loopback: the generated one, with everything that is not
//! per-request overhead turned off (rate limiter, retries, proxies), and a plain reqwest client
//! doing by hand what a user without this SDK would: bearer auth, JSON decoding into the same
//! types, following `Link: rel=next`.

use reqwest::header::{HeaderMap, ACCEPT, LINK};

pub const API_KEY: &str = "bench-key";

pub fn meraki(base_url: &str) -> Result<meraki::Client, String> {
    meraki::Client::builder()
        .api_key(API_KEY)
        .base_url(base_url)
        .disable_rate_limit()
        .retry(meraki::runtime::RetryConfig::disabled())
        .no_proxy()
        .build()
        .map_err(|e| e.to_string())
}

pub fn raw() -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .map_err(|e| e.to_string())
}

/// A GET as the raw loop sends it.
pub async fn raw_get(http: &reqwest::Client, url: &str) -> Result<reqwest::Response, String> {
    http.get(url)
        .bearer_auth(API_KEY)
        .header(ACCEPT, "application/json")
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(|e| e.to_string())
}

/// The `rel=next` target of a `Link` header, the simple way (`<url>; rel=next`).
pub fn next_link(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(LINK)?.to_str().ok()?;
    value.split(',').find_map(|link| {
        let (target, params) = link.split_once(';')?;
        params
            .split(';')
            .any(|p| matches!(p.trim(), "rel=next" | "rel=\"next\""))
            .then(|| {
                target
                    .trim()
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_owned()
            })
    })
}
