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
//! | `Retry-After` | honoured (seconds or HTTP date), even above the backoff cap, plus a random 0-50 % of it (within the total wait cap); a delay past the total wait cap (or too large for a number) is not waited for: the call gives up at once, the value in the error | the server knows when its bucket refills; the jitter keeps the tasks it refused at the same moment from all coming back at the same moment |
//! | Total wait cap | 120 s per call (for a page, its refetches included) | bounds how long one call can hang in retries; a wait that would cross it is not started |
//! | Retried | 429 for every method; 500/502/503/504 and transport errors for idempotent methods; connection failures (nothing sent) for every method | POST/PATCH are not idempotent: after a 5xx they might already have acted |
//! | Rate limiter | on: 10 req/s per organization with a burst of 10, for every call (network and device paths included, see [Rate limits](#rate-limits)), adaptive (x0.7 on a 429, recovering by 1 % of the rate per success), and 100 req/s (burst 100) per client | Meraki allows 10 req/s per organization, 20 in the first second and 30 in the first 2 s (a bucket of 10 refilled at 10/s), shared by every application using the organization, and 100 req/s per source IP |
//! | Redirects | up to 5 hops, followed by the runtime, only to hosts trusted with the API key; a redirect elsewhere is [`Error::UntrustedRedirect`], naming the host, and is not followed | the Dashboard redirects to shard hosts; a bound prevents loops; any other host could only answer `401 Invalid API key` |
//! | API key on redirects and page links | only to Meraki API domains (`meraki.com`, `meraki.ca`, `meraki.cn`, `meraki.in`, `gov-meraki.com` and subdomains), the base URL's host and port, and [`ClientBuilder::trusted_redirect_hosts`]; never from https to http. A page link to another host is followed without the key | the key must never reach a third party |
//! | Body limit | a body read whole is at most 64 MiB ([`ClientBuilder::max_body_bytes`]), read no further past it ([`Error::BodyTooLarge`]; refused unread when `Content-Length` says so); for array pages whose items are streamed, each item is; an error body is read up to 1 MiB and kept as an excerpt | a huge or endless body must end in an error, not exhaust memory; streamed pages hold one item at a time |
//! | Link and redirect targets | only `http(s)`, never with user info (`user:pw@`), fragments dropped | anything else cannot be a Dashboard page; user info would be sent as a Basic credential beside the key |
//! | `User-Agent` | `<crate>/<version>`, plus ` Caller/(<caller>)` when [`ClientBuilder::caller`] is set | Meraki's requested format for attributing API traffic |
//! | Simulate mode | off | when on, non-GET/HEAD requests are logged, not sent (see [`Request::send`]) |
//!
//! # Rate limits
//!
//! Meraki meters 10 requests/s per organization (a bucket of 10, so 20 in the first second
//! and 30 in the first two), shared by every application and process using that organization,
//! and 100 requests/s per source IP; beyond that it answers `429 Too Many Requests` with a
//! `Retry-After`. The client paces itself to stay within both, so that a program fanning out
//! over hundreds of networks or devices draws (almost) no 429s instead of retrying its way
//! through them.
//!
//! **Every call is metered by its organization.** `/organizations/{id}/...` names it. For
//! `/networks/{id}/...` and `/devices/{serial}/...` (most of the API) the client keeps a map of
//! networks and devices to organizations, learned from the responses that pass through it: the
//! listings of an organization's networks, devices (and device statuses, availabilities...)
//! and inventory, `getNetwork`, a network's devices and `getDevice` (any object there carrying
//! `organizationId` with `id`, `networkId` or `serial`; in an organization's listing, each
//! `networkId` and `serial`). Only those responses are read for it, streamed pages item by item.
//! The map is bounded ([`RateLimitConfig::organization_map`]: 100,000 entries, each for 6 hours
//! by default). It can also be told ([`ClientBuilder::network_organization`],
//! [`ClientBuilder::device_organization`]), and with
//! [`RateLimitConfig::resolve_organizations`] an unknown network or device is looked up once,
//! before its first call (`getNetwork`; `getDevice`, plus `getNetwork` if its network is unknown
//! too), concurrent calls waiting for the one lookup; a failed lookup is remembered for a minute.
//!
//! **Before a mapping is known**, a network or device call is metered by the bucket of the only
//! organization the client has seen, if it has seen exactly one (a program working on one
//! organization, the usual case); otherwise by one `unattributed` bucket with one
//! organization's quota, shared by every such call. Either way it is never sent faster than one
//! organization's budget: an unknown mapping can cost speed (calls of several organizations
//! sharing one budget), not a flood of 429s. Only while both a known and an unknown mapping of
//! the same organization are in use can its two buckets together exceed its budget; the
//! adaptive rate then brings both down.
//!
//! **Adaptive pacing.** On a 429 the organization's rate is multiplied by 0.7 (at most once a
//! second), and each success raises it by 1 % of the configured rate, never above it nor below
//! 10 % of it ([`RateLimitConfig::adaptive`], [`RateLimitConfig::decrease_factor`],
//! [`RateLimitConfig::recovery_per_success`], [`RateLimitConfig::min_rate_fraction`]). The
//! buckets book each request a slot (GCRA) placed half an interval (at most 50 ms) after what
//! the budget alone allows ([`Quota::margin`]), so that a request travelling faster than the
//! first one of its burst does not arrive early; the rate is not lowered by it.
//!
//! **A fleet: one budget across processes.** The organization buckets live in a
//! [`RateLimitBackend`]: [`LocalBackend`] in the process by default, or `RedisBackend` (cargo
//! feature `redis`), which keeps them in Redis so every process on every machine using the same
//! Redis (and key prefix) shares each organization's budget. A booking is one atomic Lua script
//! (GCRA on the Redis server's clock, `meraki:rate:org:<id>` keys expiring when idle); the API
//! key is never sent there. If the backend fails or does not answer within 2 s, the request is
//! paced by the in-process buckets instead (a warning at most every 10 s), never failed. The
//! global bucket (Meraki's per-IP limit) always stays in the process. Applications that do not
//! share the backend still share Meraki's budget: their traffic shows up as 429s, which lower
//! the rate and are retried.
//!
//! **What happened** is counted: [`Client::rate_limit_stats`] gives requests, 429s, retries,
//! time paced by the client's buckets and time waited before retries, for all calls and per
//! organization (with its current rate), plus the unattributed and unmetered calls and backend
//! failures. Every 429 is a `tracing` event at `INFO` (`429 Too Many Requests`, with `bucket`,
//! `url` and the lowered `rate`), and every retry a `WARN` event (`retrying`, with `status`,
//! `attempt`, `wait_ms`).
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
//! # Action batches
//!
//! [`Client::action_batches`] submits many write operations ([`Action`]s) to one organization
//! as action batches (`POST /organizations/{organizationId}/actionBatches`), which Meraki runs
//! in order, each batch all or nothing. [`ActionBatches::plan`] splits the actions into batches
//! within Meraki's limits ([`MAX_ACTIONS`] per batch, [`MAX_SYNCHRONOUS_ACTIONS`] when
//! synchronous) and checks them; [`ActionBatches::run`] submits them in order, `confirmed: true`,
//! keeping at most [`ActionBatches::max_running`] (Meraki: [`MAX_RUNNING`] per organization)
//! submitted and unfinished, polls each until it completes or fails (1 s doubling up to 15 s by
//! default), and yields a [`BatchReport`] per batch as it ends. After a failed batch nothing
//! more is submitted unless [`ActionBatches::continue_after_failure`] says so: the batches
//! running are awaited, the others reported [`BatchStatus::Skipped`].
//!
//! Other processes may run batches in the same organization, so a submit refused because the
//! organization already runs 5 is sent again after a wait (for up to
//! [`ActionBatches::max_submit_wait`]), not failed. Every request goes through the client's call
//! path: the organization's rate limit, retries of 429s with `Retry-After` and the key rules
//! apply. In simulate mode nothing is sent, not even polls: each batch is reported
//! [`BatchStatus::NotSent`].
//!
//! **Stopping.** Dropping the stream stops the run: no further batch is submitted and no more
//! polls are made. Since every batch is submitted confirmed, none is ever left unconfirmed in
//! the organization (an unconfirmed batch would wait there until deleted); the batches already
//! submitted, possibly including the one whose POST was in flight, run to their end at Meraki.
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

mod action_batch;
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

pub use action_batch::{
    Action, ActionBatches, BatchReport, BatchStatus, CreatedResource, DEFAULT_MAX_POLL_INTERVAL,
    DEFAULT_MAX_SUBMIT_WAIT, DEFAULT_POLL_INTERVAL, MAX_ACTIONS, MAX_RUNNING,
    MAX_SYNCHRONOUS_ACTIONS,
};
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
