//! What can go wrong, and what a program would do about each kind of failure. It makes a few
//! calls that fail on purpose (none changes anything) and explains each error.
//!
//! ```sh
//! MERAKI_DASHBOARD_API_KEY=... MERAKI_ORGANIZATION_ID=123456 cargo run -p meraki --example errors
//! ```
//! `MERAKI_BASE_URL` points it elsewhere, e.g. a regional API or a mock server such as Prism.

use std::time::Duration;

use meraki::runtime::{Method, StatusCode};
use meraki::{Error, RetryConfig};

/// What to do about `error`. Most programs need only the first few arms; `Error` is
/// `#[non_exhaustive]`, so a catch-all arm is required anyway.
fn explain(error: &Error) -> String {
    match error {
        // Nothing was sent: the program's setup is wrong, retrying cannot help.
        Error::Config { message } => format!("fix the configuration: {message}"),
        Error::Http(http) => {
            // Meraki explains refusals in an `errors` list; other servers (proxies, mocks) may
            // send a body of their own instead.
            let why = if http.messages.is_empty() {
                http.body.clone().unwrap_or_default()
            } else {
                http.messages.join("; ")
            };
            // Meraki support asks for the request id.
            let id = http.request_id.as_deref().unwrap_or("none");
            let action = match http.status {
                StatusCode::UNAUTHORIZED => "check MERAKI_DASHBOARD_API_KEY",
                StatusCode::NOT_FOUND => {
                    "a wrong id, or one this API key's administrator cannot see: treat as absent"
                }
                // Retried already; it only surfaces like this with retries disabled.
                StatusCode::TOO_MANY_REQUESTS => "slow down, then try again",
                status if status.is_client_error() => {
                    "fix the request, sending it again will fail again"
                }
                // 5xx: retried already for GET/PUT/DELETE; a POST may have taken effect, so
                // look before repeating it.
                _ => "the Dashboard failed: try again later",
            };
            format!("HTTP {} ({action}): {why} [request id {id}]", http.status)
        }
        // The runtime retried (429, 5xx, connection failures) until its budget ran out.
        Error::RetriesExhausted { attempts, last } => match last.http() {
            Some(http) if http.status == StatusCode::TOO_MANY_REQUESTS => format!(
                "still rate limited after {attempts} attempts: other programs share the \
                 organization's budget; send fewer requests at once or lower \
                 RateLimitConfig, and come back after {:?}",
                http.retry_after.unwrap_or(Duration::from_secs(1))
            ),
            _ => format!("gave up after {attempts} attempts: {}", explain(last)),
        },
        // The answer was a success but not what this crate's types (from the OpenAPI
        // description) expect: an API change or a spec mistake. The path names the field.
        Error::Decode(decode) => format!(
            "unexpected response at `{}` ({}): update the crate or report it; body: {}",
            decode.path, decode.message, decode.excerpt
        ),
        Error::Timeout { url, .. } => {
            format!("{url} was too slow: raise ClientBuilder::timeout or try later")
        }
        Error::Transport { url, source, .. } => {
            format!("could not reach {url} ({source}): check the network, proxy and base URL")
        }
        // A page's Link header was unreadable, so the data may be incomplete: do not use it
        // as if it were the whole list.
        Error::Pagination { url, message } => format!("incomplete list at {url}: {message}"),
        other => format!("{other}"),
    }
}

/// Prints what happened to one call.
fn report<T>(what: &str, result: meraki::Result<T>) {
    match result {
        Ok(_) => println!("{what}: succeeded (this server did not refuse it)"),
        Err(error) => println!("{what}:\n    {}", explain(&error)),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // A configuration error comes from `build()`, before any request.
    report(
        "a base URL that is not a URL",
        meraki::Client::builder()
            .api_key("key")
            .base_url("api.meraki.com")
            .build(),
    );

    let client = meraki::Client::from_env()?;
    let organization_id = std::env::var("MERAKI_ORGANIZATION_ID").unwrap_or_else(|_| "0".into());

    // 400 from Meraki (422 from a spec-validating mock): the timespan may be 31 days at most.
    report(
        "API requests of the last 100 days",
        client
            .get_organization_api_requests(&organization_id)
            .timespan(100.0 * 86_400.0)
            .send()
            .await,
    );

    // 404: a path the API does not have, through the runtime's untyped request.
    report(
        "a path that does not exist",
        client
            .runtime()
            .request::<serde_json::Value>(Method::GET, "/organizations/0/noSuchThing")
            .send()
            .await,
    );

    // A decode error: the organizations list read as a list of numbers, standing in for a
    // response that does not match the description.
    report(
        "organizations decoded as the wrong type",
        client
            .runtime()
            .request::<Vec<u64>>(Method::GET, "/organizations")
            .send()
            .await,
    );

    // Connection failures are retried, then reported with the last failure inside.
    let unreachable = meraki::Client::builder()
        .api_key("key")
        .base_url("http://127.0.0.1:9")
        .no_proxy()
        .retry(
            RetryConfig::default()
                .max_attempts(2)
                .base_backoff(Duration::from_millis(100)),
        )
        .build()?;
    report(
        "a server that is not there",
        unreachable.get_organizations().send().await,
    );
    Ok(())
}
