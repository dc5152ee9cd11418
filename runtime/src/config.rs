//! Configuration values: regions, retry policy, rate limits and the `User-Agent`.

use std::num::NonZeroU32;
use std::time::Duration;

/// Dashboard API base URL presets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Region {
    /// `https://api.meraki.com/api/v1`, the default.
    #[default]
    Global,
    /// `https://api.meraki.ca/api/v1`.
    Canada,
    /// `https://api.meraki.cn/api/v1`.
    China,
    /// `https://api.meraki.in/api/v1`.
    India,
    /// `https://api.gov-meraki.com/api/v1` (FedRAMP).
    FedRamp,
}

impl Region {
    /// The base URL of the region.
    pub fn base_url(self) -> &'static str {
        match self {
            Region::Global => "https://api.meraki.com/api/v1",
            Region::Canada => "https://api.meraki.ca/api/v1",
            Region::China => "https://api.meraki.cn/api/v1",
            Region::India => "https://api.meraki.in/api/v1",
            Region::FedRamp => "https://api.gov-meraki.com/api/v1",
        }
    }
}

/// The default base URL (`Region::Global`).
pub const DEFAULT_BASE_URL: &str = "https://api.meraki.com/api/v1";

/// Default per-request timeout: the official Python SDK's `single_request_timeout`.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// Default connect timeout: a Meraki host that does not accept a connection within this is unlikely to later.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default bound on redirect hops followed by one request.
pub const DEFAULT_MAX_REDIRECTS: usize = 5;

/// Default bound on a response body read whole, and on one item of an array page whose items
/// are streamed: 64 MiB.
/// See [`ClientBuilder::max_body_bytes`](crate::ClientBuilder::max_body_bytes).
pub const DEFAULT_MAX_BODY_BYTES: u64 = 64 * 1024 * 1024;
/// The most of an error response's body that is read (1 MiB, or the body limit when that is
/// smaller); the rest is not read. The error keeps Meraki's messages and an excerpt of it.
pub const MAX_ERROR_BODY_BYTES: u64 = 1024 * 1024;

/// When and how long to retry. Build it with [`RetryConfig::default`] and the setters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryConfig {
    max_attempts: u32,
    base_backoff: Duration,
    max_backoff: Duration,
    max_total_wait: Duration,
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig {
            max_attempts: 5,
            base_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(30),
            max_total_wait: Duration::from_secs(120),
        }
    }
}

impl RetryConfig {
    /// Never retry: every request is sent once.
    pub fn disabled() -> Self {
        RetryConfig::default().max_attempts(1)
    }

    /// How many times one request may be sent in total, the first time included (0 counts as 1);
    /// for a streamed page, each time its body is fetched again counts.
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The first backoff; each further retry doubles it (before jitter).
    pub fn base_backoff(mut self, wait: Duration) -> Self {
        self.base_backoff = wait;
        self
    }

    /// The longest single computed backoff (a server's `Retry-After` is honoured even when longer).
    pub fn max_backoff(mut self, wait: Duration) -> Self {
        self.max_backoff = wait;
        self
    }

    /// The most time one request may spend waiting between attempts. A wait that would exceed it
    /// is not started: the request fails at once with [`crate::Error::RetriesExhausted`]. For a
    /// streamed page, fetching its body again after it broke off is one more attempt of the
    /// same request, with its wait counted here too.
    pub fn max_total_wait(mut self, wait: Duration) -> Self {
        self.max_total_wait = wait;
        self
    }

    /// The configured number of attempts.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The first backoff, before doubling and jitter.
    pub(crate) fn first_backoff(&self) -> Duration {
        self.base_backoff
    }

    /// The longest computed backoff.
    pub(crate) fn backoff_cap(&self) -> Duration {
        self.max_backoff
    }

    /// The most one call may wait between its attempts, all waits together.
    pub(crate) fn total_wait_cap(&self) -> Duration {
        self.max_total_wait
    }
}

/// The client-side rate limiter: a bucket per organization (10 req/s, burst 10, by default:
/// Meraki's budget), a global bucket (100 req/s, Meraki's per-source-IP limit), adaptive pacing
/// after 429s, and how requests on `/networks/{id}` and `/devices/{serial}` paths find their
/// organization. A rate of 0 disables that bucket. See the crate documentation's *Rate limits*.
#[derive(Debug, Clone, PartialEq)]
pub struct RateLimitConfig {
    per_organization: Option<NonZeroU32>,
    organization_burst: Option<NonZeroU32>,
    global: Option<NonZeroU32>,
    global_burst: Option<NonZeroU32>,
    adaptive: bool,
    decrease: f64,
    recovery: f64,
    min_fraction: f64,
    resolve: bool,
    map_entries: usize,
    map_age: Duration,
}

/// Default bound on the networks and devices whose organization is remembered.
pub const DEFAULT_ORGANIZATION_MAP_ENTRIES: usize = 100_000;
/// Default age after which a learned network or device is looked up (or learned) again.
pub const DEFAULT_ORGANIZATION_MAP_AGE: Duration = Duration::from_secs(6 * 3600);

impl Default for RateLimitConfig {
    fn default() -> Self {
        RateLimitConfig {
            per_organization: NonZeroU32::new(10),
            organization_burst: NonZeroU32::new(10),
            global: NonZeroU32::new(100),
            global_burst: NonZeroU32::new(100),
            adaptive: true,
            decrease: 0.7,
            recovery: 0.01,
            min_fraction: 0.1,
            resolve: false,
            map_entries: DEFAULT_ORGANIZATION_MAP_ENTRIES,
            map_age: DEFAULT_ORGANIZATION_MAP_AGE,
        }
    }
}

impl RateLimitConfig {
    /// Steady requests per second allowed per organization, and how many may be sent at once
    /// after a quiet period (the bucket size; 0 means "same as the rate").
    pub fn per_organization(mut self, per_second: u32, burst: u32) -> Self {
        self.per_organization = NonZeroU32::new(per_second);
        self.organization_burst = NonZeroU32::new(burst);
        self
    }

    /// Steady requests per second for the whole client, and its bucket size (0 means "same as
    /// the rate"). Always kept in the process, whatever the backend: Meraki's 100 req/s is per
    /// source IP.
    pub fn global(mut self, per_second: u32, burst: u32) -> Self {
        self.global = NonZeroU32::new(per_second);
        self.global_burst = NonZeroU32::new(burst);
        self
    }

    /// Adaptive pacing (on by default): on a 429 the organization's rate is multiplied by the
    /// decrease factor (at most once a second), and each success raises it by the recovery
    /// fraction of the configured rate, never above it nor below the floor.
    pub fn adaptive(mut self, on: bool) -> Self {
        self.adaptive = on;
        self
    }

    /// The factor applied to an organization's rate on a 429 (default 0.7, the official Python
    /// SDK's; clamped to 0.05..=1).
    pub fn decrease_factor(mut self, factor: f64) -> Self {
        self.decrease = if factor.is_finite() {
            factor.clamp(0.05, 1.0)
        } else {
            0.7
        };
        self
    }

    /// How much of the configured rate each success gives back after a decrease (default 0.01:
    /// 30 successes bring 7 req/s back to 10; clamped to 0..=1).
    pub fn recovery_per_success(mut self, fraction: f64) -> Self {
        self.recovery = if fraction.is_finite() {
            fraction.clamp(0.0, 1.0)
        } else {
            0.01
        };
        self
    }

    /// The lowest an organization's rate goes, as a fraction of the configured rate (default
    /// 0.1: 1 req/s; clamped to 0.01..=1).
    pub fn min_rate_fraction(mut self, fraction: f64) -> Self {
        self.min_fraction = if fraction.is_finite() {
            fraction.clamp(0.01, 1.0)
        } else {
            0.1
        };
        self
    }

    /// Looks up the organization of a network or device the client has not seen yet, once,
    /// before its first call (off by default): `getNetwork` for a network, `getDevice` for a
    /// device (and `getNetwork` for its network when that is unknown too). The answer is
    /// remembered like a learned one; a failed lookup is remembered for a minute.
    pub fn resolve_organizations(mut self, on: bool) -> Self {
        self.resolve = on;
        self
    }

    /// Bounds on the map of networks and devices to organizations: at most `entries` (the oldest
    /// learned is forgotten first), each for at most `max_age` (default 100,000 and 6 hours).
    pub fn organization_map(mut self, entries: usize, max_age: Duration) -> Self {
        self.map_entries = entries.max(1);
        self.map_age = max_age;
        self
    }

    /// The rate and burst of each organization's bucket (no rate: no such bucket).
    pub(crate) fn organization_quota(&self) -> (Option<NonZeroU32>, Option<NonZeroU32>) {
        (self.per_organization, self.organization_burst)
    }

    /// The rate and burst of the client's bucket (no rate: no such bucket).
    pub(crate) fn global_quota(&self) -> (Option<NonZeroU32>, Option<NonZeroU32>) {
        (self.global, self.global_burst)
    }

    /// Whether adaptive pacing is on, and its decrease factor, recovery fraction and floor.
    pub(crate) fn adaptation(&self) -> Option<(f64, f64, f64)> {
        self.adaptive
            .then_some((self.decrease, self.recovery, self.min_fraction))
    }

    pub(crate) fn resolves(&self) -> bool {
        self.resolve
    }

    pub(crate) fn map_bounds(&self) -> (usize, Duration) {
        (self.map_entries, self.map_age)
    }
}

/// Builds `<product>/<version>` or `<product>/<version> Caller/(<caller>)`, Meraki's requested form.
pub(crate) fn user_agent(product: &str, version: &str, caller: Option<&str>) -> String {
    match caller {
        Some(caller) => format!("{product}/{version} Caller/({caller})"),
        None => format!("{product}/{version}"),
    }
}

/// Checks `ApplicationName[/version] VendorName`, the caller format Meraki asks integrators to use.
pub(crate) fn validate_caller(caller: &str) -> Result<(), String> {
    let invalid = || {
        format!("caller {caller:?} is not of the form `ApplicationName[/version] VendorName` (letters, digits, '-', '_'; version may also hold '.', '+')")
    };
    let (application, vendor) = caller.split_once(' ').ok_or_else(invalid)?;
    let (name, version) = match application.split_once('/') {
        Some((name, version)) => (name, Some(version)),
        None => (application, None),
    };
    let is_name = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    let is_version = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'+'))
    };
    if is_name(name) && version.map_or(true, is_version) && is_name(vendor) {
        Ok(())
    } else {
        Err(invalid())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caller_validation() {
        assert!(validate_caller("Inventory/1.2.3 Acme").is_ok());
        assert!(validate_caller("Inventory Acme_Corp").is_ok());
        for bad in [
            "",
            "Inventory",
            "Inventory/ Acme",
            "Inventory/1.0 Acme Corp",
            "In ventory/1.0 Acme",
            "Inventory/1.0 Ac(me",
            "Inventory/1.0  Acme",
        ] {
            assert!(validate_caller(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn user_agent_form() {
        assert_eq!(
            user_agent("meraki", "0.1.0", Some("App/1 Vendor")),
            "meraki/0.1.0 Caller/(App/1 Vendor)"
        );
        assert_eq!(user_agent("meraki", "0.1.0", None), "meraki/0.1.0");
    }
}
