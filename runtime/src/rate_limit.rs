//! Client-side pacing, so programs that fan out stay within Meraki's budgets instead of drawing
//! 429s: a bucket per organization (kept by a [`RateLimitBackend`]: in the process, or in Redis
//! for a fleet), a global bucket per process, adaptive rates, and the counters of what happened.
//!
//! Every request is metered by its organization: `/organizations/{id}/...` names it;
//! `/networks/{id}/...` and `/devices/{serial}/...` find it in the [`OrganizationMap`] (learned
//! from responses, told through the builder, or resolved on demand). A request whose
//! organization is not known yet goes to the bucket of the only organization the client has
//! seen, when it has seen exactly one, and otherwise to one `unattributed` bucket with the
//! per-organization quota, shared by all such requests: never faster than one organization's
//! budget, so an unknown mapping costs speed, not 429s.

pub(crate) mod backend;
pub(crate) mod organizations;
#[cfg(feature = "redis")]
pub(crate) mod redis;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::{StatusCode, Url};

use crate::config::RateLimitConfig;
use backend::{LocalBackend, Quota, RateLimitBackend};
use organizations::{Fact, OrganizationMap, Scope, Subject};

/// Which bucket a call is metered by.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Bucket {
    Organization(String),
    /// A network or device path whose organization is not known.
    Unattributed,
    /// A path tied to no organization: the global bucket only.
    Unmetered,
}

impl Bucket {
    /// The bucket's name at the backend, and the label of its counters.
    fn name(&self) -> Option<String> {
        match self {
            Bucket::Organization(id) => Some(format!("org:{id}")),
            Bucket::Unattributed => Some("unattributed".to_owned()),
            Bucket::Unmetered => None,
        }
    }
}

/// What one organization's calls (or the unattributed ones) have done, since the client was
/// built. Read with [`Client::rate_limit_stats`](crate::Client::rate_limit_stats).
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct RateLimitCounters {
    /// Requests sent (every attempt and redirect hop counts).
    pub requests: u64,
    /// Responses `429 Too Many Requests`.
    pub throttled: u64,
    /// Attempts that were retries (after a 429, a 5xx or a transport failure).
    pub retries: u64,
    /// Time requests spent waiting for the client's own buckets before being sent.
    pub paced: Duration,
    /// Time calls spent waiting before a retry (`Retry-After` with its jitter, or backoff).
    pub retry_wait: Duration,
    /// Times the backend could not answer (the in-process buckets paced the request instead).
    pub backend_errors: u64,
}

impl RateLimitCounters {
    fn add(&mut self, other: &RateLimitCounters) {
        self.requests += other.requests;
        self.throttled += other.throttled;
        self.retries += other.retries;
        self.paced += other.paced;
        self.retry_wait += other.retry_wait;
        self.backend_errors += other.backend_errors;
    }
}

/// One organization's counters and its current adaptive rate.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct OrganizationStats {
    pub counters: RateLimitCounters,
    /// Requests per second the client currently allows itself (below the configured rate after
    /// 429s, while it recovers); `None` without an organization bucket.
    pub rate: Option<f64>,
}

/// A snapshot of the rate limiter's counters: see
/// [`Client::rate_limit_stats`](crate::Client::rate_limit_stats).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RateLimitStats {
    /// All calls together.
    pub total: RateLimitCounters,
    /// Per organization id (at most [`MAX_TRACKED_ORGANIZATIONS`]; the rest only count in
    /// `total`).
    pub organizations: BTreeMap<String, OrganizationStats>,
    /// Network and device calls whose organization was not known when they were sent.
    pub unattributed: OrganizationStats,
    /// Calls on paths tied to no organization (`/organizations`, `/administered/...`).
    pub unmetered: RateLimitCounters,
    /// Networks and devices whose organization the client knows now (told ones included).
    pub known_mappings: usize,
    /// Where the organization buckets are kept (`in-process`, or the Redis backend).
    pub backend: String,
}

impl RateLimitStats {
    /// The counters of one organization (zero when it made no call).
    pub fn organization(&self, id: &str) -> RateLimitCounters {
        self.organizations
            .get(id)
            .map(|o| o.counters.clone())
            .unwrap_or_default()
    }
}

/// The most organizations whose counters and rates are kept apart.
pub const MAX_TRACKED_ORGANIZATIONS: usize = 10_000;

struct BucketState {
    counters: RateLimitCounters,
    /// The adaptive rate, requests per second.
    rate: f64,
    last_decrease: Option<Instant>,
}

struct Pacing {
    /// Configured rate and burst of organization buckets (no rate: none).
    organization: Option<(f64, u32)>,
    /// Decrease factor, recovery per success (requests per second), floor (requests per second).
    adaptive: Option<(f64, f64, f64)>,
}

/// Everything counted and adapted, per bucket.
struct Meter {
    buckets: HashMap<Bucket, BucketState>,
    total: RateLimitCounters,
    /// The first organization seen and whether another one was seen since: the bucket of
    /// unknown calls is that organization's while it is the only one.
    sole_organization: Option<String>,
    several: bool,
}

/// The client's rate limiting and counting, shared by all its clones.
pub(crate) struct Limiter {
    pacing: Pacing,
    global: Option<Quota>,
    backend: Arc<dyn RateLimitBackend>,
    /// The global bucket, and the organization buckets whenever the backend fails.
    local: LocalBackend,
    map: OrganizationMap,
    told: HashMap<Subject, String>,
    resolve: bool,
    meter: Mutex<Meter>,
    /// One lookup at a time per network or device.
    lookups: Mutex<HashMap<Subject, Arc<tokio::sync::Mutex<()>>>>,
    backend_warned: Mutex<Option<Instant>>,
}

impl std::fmt::Debug for Limiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limiter")
            .field("organization", &self.pacing.organization)
            .field("global", &self.global)
            .field("backend", &self.backend.describe())
            .finish()
    }
}

fn quota(
    (rate, burst): (Option<std::num::NonZeroU32>, Option<std::num::NonZeroU32>),
) -> Option<(f64, u32)> {
    let rate = rate?.get();
    Some((f64::from(rate), burst.map_or(rate, |b| b.get())))
}

/// The most a backend may take to answer before the local buckets pace the request instead.
const BACKEND_TIMEOUT: Duration = Duration::from_secs(2);

impl Limiter {
    /// `config: None` (rate limiting disabled) still counts, but paces nothing.
    pub(crate) fn new(
        config: Option<&RateLimitConfig>,
        backend: Option<Arc<dyn RateLimitBackend>>,
        told: HashMap<Subject, String>,
    ) -> Limiter {
        let (organization, global, adaptive, resolve, (entries, age)) = match config {
            Some(config) => {
                let organization = quota(config.organization_quota());
                let adaptive = match (organization, config.adaptation()) {
                    (Some((rate, _)), Some((decrease, recovery, floor))) => {
                        Some((decrease, recovery * rate, floor * rate))
                    }
                    _ => None,
                };
                (
                    organization,
                    quota(config.global_quota()).map(|(r, b)| Quota::new(r, b)),
                    adaptive,
                    config.resolves(),
                    config.map_bounds(),
                )
            }
            None => (
                None,
                None,
                None,
                false,
                RateLimitConfig::default().map_bounds(),
            ),
        };
        Limiter {
            pacing: Pacing {
                organization,
                adaptive,
            },
            global,
            backend: backend.unwrap_or_else(|| Arc::new(LocalBackend::new())),
            local: LocalBackend::new(),
            map: OrganizationMap::new(entries, age),
            told,
            resolve,
            meter: Mutex::new(Meter {
                buckets: HashMap::new(),
                total: RateLimitCounters::default(),
                sole_organization: None,
                several: false,
            }),
            lookups: Mutex::new(HashMap::new()),
            backend_warned: Mutex::new(None),
        }
    }

    fn meter(&self) -> std::sync::MutexGuard<'_, Meter> {
        self.meter.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether anything is paced (false when rate limiting is disabled: only counted).
    pub(crate) fn paces(&self) -> bool {
        self.pacing.organization.is_some() || self.global.is_some()
    }

    fn saw_organization(&self, organization: &str) {
        let mut meter = self.meter();
        match &meter.sole_organization {
            None => meter.sole_organization = Some(organization.to_owned()),
            Some(sole) if sole != organization => meter.several = true,
            Some(_) => {}
        }
    }

    fn known(&self, subject: &Subject) -> Option<Option<String>> {
        if let Some(organization) = self.told.get(subject) {
            return Some(Some(organization.clone()));
        }
        self.map.get(subject)
    }

    /// The bucket of a request to `url`, or the network or device to look up first (only when
    /// lookups are on and it is not known yet).
    pub(crate) fn bucket(&self, url: &Url) -> Result<Bucket, Subject> {
        let subject = match organizations::scope_of(url.path()) {
            Scope::Organization(organization) => {
                if self.paces() {
                    self.saw_organization(&organization);
                }
                return Ok(Bucket::Organization(organization));
            }
            Scope::Network(network) => Subject::Network(network),
            Scope::Device(serial) => Subject::Device(serial),
            Scope::None => return Ok(Bucket::Unmetered),
        };
        if !self.paces() {
            // Only counted: no map is learned, so only what was told can name the organization.
            return Ok(self
                .told
                .get(&subject)
                .map_or(Bucket::Unattributed, |o| Bucket::Organization(o.clone())));
        }
        match self.known(&subject) {
            Some(Some(organization)) => Ok(Bucket::Organization(organization)),
            Some(None) => Ok(self.unknown_bucket()),
            None if self.resolve => Err(subject),
            None => Ok(self.unknown_bucket()),
        }
    }

    /// The bucket after a lookup (whether or not it found the organization).
    pub(crate) fn bucket_after_lookup(&self, subject: &Subject) -> Bucket {
        match self.known(subject) {
            Some(Some(organization)) => Bucket::Organization(organization),
            _ => self.unknown_bucket(),
        }
    }

    fn unknown_bucket(&self) -> Bucket {
        let meter = self.meter();
        match (&meter.sole_organization, meter.several) {
            (Some(sole), false) => Bucket::Organization(sole.clone()),
            _ => Bucket::Unattributed,
        }
    }

    /// The lock held while `subject` is looked up, so that concurrent calls look it up once.
    pub(crate) fn lookup_lock(&self, subject: &Subject) -> Arc<tokio::sync::Mutex<()>> {
        let mut lookups = self.lookups.lock().unwrap_or_else(|e| e.into_inner());
        if lookups.len() > 1024 {
            lookups.retain(|_, lock| Arc::strong_count(lock) > 1);
        }
        lookups.entry(subject.clone()).or_default().clone()
    }

    /// Whether `subject`'s organization is known (or known to be unknowable) now.
    pub(crate) fn is_known(&self, subject: &Subject) -> bool {
        self.known(subject).is_some()
    }

    /// Records that a lookup of `subject` found nothing.
    pub(crate) fn lookup_failed(&self, subject: &Subject) {
        if !self.is_known(subject) {
            self.map.insert(subject.clone(), None);
        }
    }

    /// Applies the mappings a response carried.
    pub(crate) fn learn(&self, facts: &[Fact]) {
        if facts.is_empty() {
            return;
        }
        self.map.learn(facts);
        for fact in facts {
            if let Fact::NetworkIn { organization, .. } | Fact::DeviceIn { organization, .. } = fact
            {
                self.saw_organization(organization);
            }
        }
    }

    /// The quota an organization bucket is booked with now.
    fn current_quota(&self, bucket: &Bucket) -> Option<Quota> {
        let (rate, burst) = self.pacing.organization?;
        let meter = self.meter();
        let rate = meter.buckets.get(bucket).map_or(rate, |state| state.rate);
        Some(Quota::new(rate, burst))
    }

    /// Waits until `bucket` and the global bucket allow one request, and counts it.
    pub(crate) async fn acquire(&self, bucket: &Bucket) {
        let mut paced = Duration::ZERO;
        let mut backend_error = false;
        if let (Some(quota), Some(name)) = (self.current_quota(bucket), bucket.name()) {
            let wait =
                match tokio::time::timeout(BACKEND_TIMEOUT, self.backend.reserve(&name, quota))
                    .await
                {
                    Ok(Ok(wait)) => wait,
                    failed => {
                        backend_error = true;
                        let error = match failed {
                            Ok(Err(error)) => error.to_string(),
                            _ => format!("no answer within {BACKEND_TIMEOUT:?}"),
                        };
                        self.warn_backend(&error);
                        self.local.book(&name, quota)
                    }
                };
            if !wait.is_zero() {
                tokio::time::sleep(wait).await;
                paced += wait;
            }
        }
        if let Some(global) = self.global {
            let wait = self.local.book("global", global);
            if !wait.is_zero() {
                tokio::time::sleep(wait).await;
                paced += wait;
            }
        }
        self.count(bucket, |c| {
            c.requests += 1;
            c.paced += paced;
            c.backend_errors += u64::from(backend_error);
        });
    }

    /// At most one warning every 10 s while the backend fails.
    fn warn_backend(&self, error: &str) {
        let mut warned = self
            .backend_warned
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if warned.map_or(true, |at| at.elapsed() > Duration::from_secs(10)) {
            *warned = Some(Instant::now());
            tracing::warn!(
                backend = %self.backend.describe(),
                error = %error,
                "rate-limit backend failed; pacing with the in-process buckets meanwhile",
            );
        }
    }

    /// Books one slot of `bucket` without waiting for it: a request already sent on another
    /// bucket (an organization lookup, sent before its organization was known) that the server
    /// counted against this organization.
    pub(crate) async fn charge(&self, bucket: &Bucket) {
        if let (Some(quota), Some(name)) = (self.current_quota(bucket), bucket.name()) {
            let booked =
                tokio::time::timeout(BACKEND_TIMEOUT, self.backend.reserve(&name, quota)).await;
            if !matches!(booked, Ok(Ok(_))) {
                self.local.book(&name, quota);
            }
        }
    }

    /// Counts a request sent without pacing (rate limiting disabled).
    pub(crate) fn count_unpaced(&self, bucket: &Bucket) {
        self.count(bucket, |c| c.requests += 1);
    }

    fn count(&self, bucket: &Bucket, update: impl Fn(&mut RateLimitCounters)) {
        let default_rate = self.pacing.organization.map_or(0.0, |(rate, _)| rate);
        let mut meter = self.meter();
        update(&mut meter.total);
        let tracked = meter.buckets.len();
        if let Some(state) = match meter.buckets.get_mut(bucket) {
            Some(state) => Some(state),
            None if tracked < MAX_TRACKED_ORGANIZATIONS => Some(
                meter
                    .buckets
                    .entry(bucket.clone())
                    .or_insert_with(|| BucketState {
                        counters: RateLimitCounters::default(),
                        rate: default_rate,
                        last_decrease: None,
                    }),
            ),
            None => None,
        } {
            update(&mut state.counters);
        }
    }

    /// Counts a final or retried response of a call metered by `bucket`, and adapts its rate:
    /// lower after a 429 (at most once a second), slowly higher after a success.
    pub(crate) fn observe(&self, bucket: &Bucket, status: StatusCode, url: &Url) {
        if status == StatusCode::TOO_MANY_REQUESTS {
            self.count(bucket, |c| c.throttled += 1);
            let rate = self.decrease(bucket);
            tracing::info!(
                bucket = bucket.name().as_deref().unwrap_or("none"),
                url = %url,
                rate = rate.map(|r| (r * 100.0).round() / 100.0),
                "429 Too Many Requests",
            );
        } else if status.is_success() {
            self.increase(bucket);
        }
    }

    fn decrease(&self, bucket: &Bucket) -> Option<f64> {
        let (factor, _, floor) = self.pacing.adaptive?;
        if *bucket == Bucket::Unmetered {
            return None;
        }
        let mut meter = self.meter();
        let state = meter.buckets.get_mut(bucket)?;
        if state
            .last_decrease
            .map_or(true, |at| at.elapsed() >= Duration::from_secs(1))
        {
            state.rate = (state.rate * factor).max(floor);
            state.last_decrease = Some(Instant::now());
            tracing::debug!(
                bucket = bucket.name().as_deref().unwrap_or("none"),
                rate = state.rate,
                "lowered the bucket's rate after a 429",
            );
        }
        Some(state.rate)
    }

    fn increase(&self, bucket: &Bucket) {
        let (Some((_, recovery, _)), Some((ceiling, _))) =
            (self.pacing.adaptive, self.pacing.organization)
        else {
            return;
        };
        let mut meter = self.meter();
        if let Some(state) = meter.buckets.get_mut(bucket) {
            if state.rate < ceiling {
                state.rate = (state.rate + recovery).min(ceiling);
            }
        }
    }

    /// Counts a retry and the wait before it.
    pub(crate) fn retried(&self, bucket: &Bucket, wait: Duration) {
        self.count(bucket, |c| {
            c.retries += 1;
            c.retry_wait += wait;
        });
    }

    pub(crate) fn stats(&self) -> RateLimitStats {
        let meter = self.meter();
        let paced = self.pacing.organization.is_some();
        let stats_of = |state: &BucketState| OrganizationStats {
            counters: state.counters.clone(),
            rate: paced.then_some(state.rate),
        };
        let mut stats = RateLimitStats {
            total: meter.total.clone(),
            organizations: BTreeMap::new(),
            unattributed: OrganizationStats {
                counters: RateLimitCounters::default(),
                rate: self.pacing.organization.map(|(rate, _)| rate),
            },
            unmetered: RateLimitCounters::default(),
            known_mappings: self.map.len() + self.told.len(),
            backend: self.backend.describe(),
        };
        for (bucket, state) in &meter.buckets {
            match bucket {
                Bucket::Organization(id) => {
                    stats.organizations.insert(id.clone(), stats_of(state));
                }
                Bucket::Unattributed => stats.unattributed = stats_of(state),
                Bucket::Unmetered => stats.unmetered.add(&state.counters),
            }
        }
        stats
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(path: &str) -> Url {
        Url::parse(&format!("https://api.meraki.com/api/v1{path}")).unwrap()
    }

    #[test]
    fn adaptive_rate_drops_once_a_second_and_recovers_within_bounds() {
        let config = RateLimitConfig::default();
        let limiter = Limiter::new(Some(&config), None, HashMap::new());
        let org = Bucket::Organization("1".into());
        let url = url("/organizations/1/networks");
        limiter.count(&org, |c| c.requests += 1);
        limiter.observe(&org, StatusCode::TOO_MANY_REQUESTS, &url);
        // A second 429 within the second does not lower it again.
        limiter.observe(&org, StatusCode::TOO_MANY_REQUESTS, &url);
        let stats = limiter.stats();
        assert!((stats.organizations["1"].rate.unwrap() - 7.0).abs() < 1e-9);
        assert_eq!(stats.organizations["1"].counters.throttled, 2);
        // 1 % of 10 req/s per success: 30 successes bring 7 back to 10, and no further.
        for _ in 0..100 {
            limiter.observe(&org, StatusCode::OK, &url);
        }
        assert!((limiter.stats().organizations["1"].rate.unwrap() - 10.0).abs() < 1e-9);
        // The floor: 10 % of the rate.
        for _ in 0..20 {
            limiter.meter().buckets.get_mut(&org).unwrap().last_decrease = None;
            limiter.observe(&org, StatusCode::TOO_MANY_REQUESTS, &url);
        }
        assert!((limiter.stats().organizations["1"].rate.unwrap() - 1.0).abs() < 1e-9);

        let fixed = RateLimitConfig::default().adaptive(false);
        let limiter = Limiter::new(Some(&fixed), None, HashMap::new());
        limiter.count(&org, |c| c.requests += 1);
        limiter.observe(&org, StatusCode::TOO_MANY_REQUESTS, &url);
        assert_eq!(limiter.stats().organizations["1"].rate, Some(10.0));
    }

    #[test]
    fn buckets_of_paths() {
        let mut told = HashMap::new();
        told.insert(Subject::Network("N_1".into()), "5".to_owned());
        let limiter = Limiter::new(Some(&RateLimitConfig::default()), None, told);
        assert_eq!(
            limiter.bucket(&url("/organizations")),
            Ok(Bucket::Unmetered)
        );
        assert_eq!(
            limiter.bucket(&url("/networks/N_1/clients")),
            Ok(Bucket::Organization("5".into()))
        );
        // Nothing seen yet: unknown devices share the unattributed bucket.
        assert_eq!(
            limiter.bucket(&url("/devices/Q/clients")),
            Ok(Bucket::Unattributed)
        );
        assert_eq!(
            limiter.bucket(&url("/organizations/7/devices")),
            Ok(Bucket::Organization("7".into()))
        );
        assert_eq!(
            limiter.bucket(&url("/devices/Q/clients")),
            Ok(Bucket::Organization("7".into()))
        );
        limiter.learn(&[Fact::DeviceIn {
            serial: "Q".into(),
            organization: "8".into(),
        }]);
        assert_eq!(
            limiter.bucket(&url("/devices/Q/clients")),
            Ok(Bucket::Organization("8".into()))
        );
        assert_eq!(
            limiter.bucket(&url("/devices/R/clients")),
            Ok(Bucket::Unattributed)
        );

        let resolving = RateLimitConfig::default().resolve_organizations(true);
        let limiter = Limiter::new(Some(&resolving), None, HashMap::new());
        assert_eq!(
            limiter.bucket(&url("/devices/R/clients")),
            Err(Subject::Device("R".into()))
        );
        limiter.lookup_failed(&Subject::Device("R".into()));
        assert_eq!(
            limiter.bucket(&url("/devices/R/clients")),
            Ok(Bucket::Unattributed)
        );
    }
}
