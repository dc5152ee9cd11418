//! Runtime of the Cisco Meraki Dashboard API client: HTTP, authentication, retries, rate limiting,
//! redirects, pagination, errors, and the helpers generated code relies on.
//!
//! The generated `meraki` crate wraps [`Client`]; each operation builds a [`Request`] and calls
//! [`Request::send`] or [`Request::paginate`] (or an escape hatch such as [`Request::send_json`],
//! see [below](#when-the-types-are-not-enough)). Everything here is hand-written.
//!
//! ```no_run
//! # async fn demo() -> meraki_runtime::Result<()> {
//! use meraki_runtime::{Client, Method, Region, Request};
//!
//! let client = Client::builder()
//!     .api_key("your-key")
//!     .region(Region::Canada)
//!     .caller("Inventory/1.0 Acme")
//!     .build()?;
//! // Operations the generated crate lacks can be called directly.
//! let mut request: Request<Vec<serde_json::Value>> =
//!     client.request(Method::GET, "/organizations/123/devices");
//! request.query("productTypes", &["switch", "camera"]);
//! let devices = request.paginate(|page| page).collect_all().await?;
//! # let _ = devices;
//! # Ok(())
//! # }
//! ```
//!
//! # Defaults and why
//!
//! | Setting | Default | Why |
//! |---|---|---|
//! | Base URL | `https://api.meraki.com/api/v1` ([`Region`] presets for Canada, China, India, FedRAMP) | Meraki's documented endpoints |
//! | Request timeout | 60 s per HTTP exchange (for a streamed page, per wait for data) | the official Python SDK's `single_request_timeout` |
//! | Connect timeout | 10 s | a Meraki front end that does not accept within this is unlikely to later; fail fast and retry |
//! | Attempts | 5 in total (first + 4 retries) | the official SDKs' order of magnitude; enough to ride out a burst of 429s |
//! | Backoff | 1 s, doubling per retry, capped at 30 s, "equal jitter" (half fixed, half random) | 1 s is Meraki's usual `Retry-After`; jitter keeps parallel tasks from retrying in lock-step |
//! | `Retry-After` | honoured as sent (seconds or HTTP date), even above the backoff cap; a delay past the total wait cap (or too large for a number) is not waited for: the call gives up at once, the value in the error | the server knows when its bucket refills |
//! | Total wait cap | 120 s per call (for a page, its refetches included) | bounds how long one call can hang in retries; a wait that would cross it is not started |
//! | Retried | 429 for every method; 500/502/503/504 and transport errors for idempotent methods; connection failures (nothing sent) for every method | POST/PATCH are not idempotent: after a 5xx they might already have acted |
//! | Rate limiter | on: 10 req/s per organization with a burst of 20, and 100 req/s (burst 100) per client | Meraki allows 10 req/s per organization plus a burst of 10 more in the first second (30 in the first 2 s), and 100 req/s per source IP |
//! | Redirects | up to 5 hops, followed by the runtime, only to hosts trusted with the API key; a redirect elsewhere is [`Error::UntrustedRedirect`], naming the host, and is not followed | the Dashboard redirects to shard hosts; a bound prevents loops; any other host could only answer `401 Invalid API key` |
//! | API key on redirects and page links | only to Meraki API domains (`meraki.com`, `meraki.ca`, `meraki.cn`, `meraki.in`, `gov-meraki.com` and subdomains), the base URL's host and port, and [`ClientBuilder::trusted_redirect_hosts`]; never from https to http. A page link to another host is followed without the key | the key must never reach a third party |
//! | Body limit | a body read whole is at most 64 MiB ([`ClientBuilder::max_body_bytes`]), read no further past it ([`Error::BodyTooLarge`]; refused unread when `Content-Length` says so); for array pages whose items are streamed, each item is; an error body is read up to 1 MiB and kept as an excerpt | a huge or endless body must end in an error, not exhaust memory; streamed pages hold one item at a time |
//! | Link and redirect targets | only `http(s)`, never with user info (`user:pw@`), fragments dropped | anything else cannot be a Dashboard page; user info would be sent as a Basic credential beside the key |
//! | `User-Agent` | `<crate>/<version>`, plus ` Caller/(<caller>)` when [`ClientBuilder::caller`] is set | Meraki's requested format for attributing API traffic |
//! | Simulate mode | off | when on, non-GET/HEAD requests are logged, not sent (see [`Request::send`]) |
//!
//! The rate limiter's buckets live in the client and are shared by every clone and task. The
//! organization is read from `/organizations/{id}/...` in the request path; other paths (such as
//! `/networks/{id}/...`) only pass through the global bucket. It only smooths this process's
//! traffic: other programs using the same organization still share Meraki's budget, which is why
//! 429s are retried as well.
//!
//! # Pagination
//!
//! [`Paginator`] follows the `Link` header (`rel=next`, or `rel=prev` with [`Direction::Prev`]),
//! whether the link is absolute (possibly on another Meraki host) or relative. It ends when a
//! page has no such link, when the link was already visited, or at [`Paginator::max_pages`].
//! A malformed `Link` header is an error ([`Error::Pagination`]) after the page carrying it is
//! yielded, since ending silently could pass for complete data; only a field with no link syntax
//! at all (neither `<` nor `rel`, such as a mock server's `Link: string`) counts as no link.
//!
//! Memory: one page is read at a time. For pages that are JSON arrays
//! ([`Request::paginate_array`], what generated operations use), [`Paginator::items`] streams
//! the body and decodes each item as soon as its bytes have arrived, so only the chunk being
//! read and one item are held, not the body nor the decoded page. An item that cannot be decoded
//! ends the stream with an error after the items before it.
//!
//! A streamed page keeps its connection until its body is read: the timeout then limits the wait
//! for the page's head and each wait for more of its body, not the time your code spends on its
//! items. A body that breaks off (reset, timeout) is fetched again, and the items already yielded
//! are skipped, so each item is seen once. Fetching again is another attempt of the call that
//! fetched the page: it counts towards that call's attempts and total wait (as does its
//! backoff), so a page that keeps breaking off fails within the retry settings.
//!
//! # When the types are not enough
//!
//! Next to [`Request::send`], every request can return its response as JSON
//! ([`Request::send_json`]: a [`serde_json::Value`], whatever `R` is) or undecoded
//! ([`Request::send_raw`]: a [`RawResponse`] with status, headers, body bytes and final URL), and
//! a [`Paginator`] its items and pages as JSON ([`Paginator::items_json`],
//! [`Paginator::pages_json`]) or its pages undecoded ([`Paginator::pages_raw`]). They go through
//! the same call path as `send` (retries, rate limiting, redirects, simulate mode) and are not
//! generic over the response type, so they are compiled once, here, and the generated builders
//! only forward to them.
//!
//! A non-success status is [`Error::Http`] for all of them, `send_raw` included: a
//! [`RawResponse`] is always a success, and errors are handled the same way whichever method
//! sent the call. A body that is not JSON (or, for [`RawResponse::json`], not the type asked
//! for) is [`Error::Decode`]; its [`DecodeError`] keeps the JSON path of the failure
//! ([`DecodeError::path`]) and the start of the body ([`DecodeError::excerpt`], at most
//! [`BODY_EXCERPT_LIMIT`] bytes).
//!
//! # Secrets
//!
//! The API key is held in a header value marked sensitive; it is never in `Debug` output,
//! `Display`, errors or logs.

mod args;
mod array;
mod array_page;
mod client;
mod config;
mod enums;
mod error;
mod escape;
mod exchange;
mod executor;
mod json_path;
mod lenient;
mod link;
mod pagination;
mod path;
mod query;
mod rate_limit;
mod redirect;
mod request;
mod response;
mod retry;
mod timestamp;

pub use args::list;
/// The body type of [`RawResponse::into_body`].
pub use bytes::Bytes;
pub use client::{Client, ClientBuilder, API_KEY_ENV, BASE_URL_ENV};
pub use config::{
    RateLimitConfig, Region, RetryConfig, DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_REDIRECTS, DEFAULT_ORGANIZATION_MAP_AGE,
    DEFAULT_ORGANIZATION_MAP_ENTRIES, DEFAULT_TIMEOUT, MAX_ERROR_BODY_BYTES,
};
pub use error::{DecodeError, Error, HttpError, Result, BODY_EXCERPT_LIMIT};
pub use lenient::{Action as RepairAction, Repair};
pub use pagination::{Direction, Paginator, ResultStream};
pub use path::{fill_path, path_segment};
pub use rate_limit::backend::{BackendError, LocalBackend, Quota, RateLimitBackend};
#[cfg(feature = "redis")]
pub use rate_limit::redis::RedisBackend;
pub use rate_limit::{
    OrganizationStats, RateLimitCounters, RateLimitStats, MAX_TRACKED_ORGANIZATIONS,
};
pub use redirect::MERAKI_API_DOMAINS;
pub use request::{Request, ResponseFuture};
pub use reqwest::header::{self, HeaderMap};
pub use reqwest::{Method, StatusCode, Url};
pub use response::RawResponse;
pub use timestamp::Timestamp;

/// Re-exports for generated code and the macros; not public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::enums::{IntEnumVisitor, StringEnumVisitor};
    pub use futures;
    pub use serde;
    pub use serde_json;
}
