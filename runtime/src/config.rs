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

/// The client-side token buckets. A rate of 0 disables that bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimitConfig {
    per_organization: Option<NonZeroU32>,
    organization_burst: Option<NonZeroU32>,
    global: Option<NonZeroU32>,
    global_burst: Option<NonZeroU32>,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        RateLimitConfig {
            per_organization: NonZeroU32::new(10),
            organization_burst: NonZeroU32::new(20),
            global: NonZeroU32::new(100),
            global_burst: NonZeroU32::new(100),
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

    /// Steady requests per second for the whole client, and its bucket size (0 means "same as the rate").
    pub fn global(mut self, per_second: u32, burst: u32) -> Self {
        self.global = NonZeroU32::new(per_second);
        self.global_burst = NonZeroU32::new(burst);
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
