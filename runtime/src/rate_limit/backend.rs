//! Where the organization buckets live: the [`RateLimitBackend`] trait, its in-process
//! implementation ([`LocalBackend`], the default) and the GCRA both it and the Redis backend use.
//!
//! A backend only *reserves*: given a bucket and a quota, it books the next slot of that bucket
//! and answers how long the caller must wait before sending. Booking instead of polling means a
//! waiting request never asks twice, and requests are sent in the order they were booked.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use futures::future::BoxFuture;

/// The error a backend returns when it cannot answer (Redis unreachable, a timeout). The call is
/// then paced by the client's in-process buckets instead: a broken backend never fails a call.
pub type BackendError = Box<dyn std::error::Error + Send + Sync>;

/// A bucket's allowance: a steady rate and how many requests may go at once after a quiet
/// period (the bucket's size, at least 1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quota {
    per_second: f64,
    burst: u32,
}

impl Quota {
    /// `per_second` is clamped to at least 0.001; `burst` to at least 1.
    pub fn new(per_second: f64, burst: u32) -> Quota {
        let per_second = if per_second.is_finite() {
            per_second.max(0.001)
        } else {
            1_000_000.0
        };
        Quota {
            per_second,
            burst: burst.max(1),
        }
    }

    /// Requests per second.
    pub fn per_second(&self) -> f64 {
        self.per_second
    }

    /// The bucket size.
    pub fn burst(&self) -> u32 {
        self.burst
    }

    /// The time one request occupies: `1 / per_second`.
    pub fn emission_interval(&self) -> Duration {
        Duration::from_secs_f64(1.0 / self.per_second)
    }

    /// How far ahead of the steady schedule a request may go: `(burst - 1)` intervals.
    pub fn tolerance(&self) -> Duration {
        self.emission_interval() * (self.burst - 1)
    }

    /// How much later than the server's own bucket would allow each booked slot is placed:
    /// half an interval, at most 50 ms. A server enforcing the same quota starts its clock when
    /// the first request *arrives*; a later request that travels faster than that first one (a
    /// reused connection, a less loaded moment) would otherwise arrive a little early and draw a
    /// 429. The margin delays the last request of the first burst and every request paced after
    /// it by this much once, without lowering the rate.
    pub fn margin(&self) -> Duration {
        (self.emission_interval() / 2).min(Duration::from_millis(50))
    }
}

/// Where the per-organization buckets are kept. The client asks it once before each request
/// (every attempt and redirect hop) whose organization it knows, and for the shared bucket of
/// requests whose organization it does not know yet.
///
/// Implementations must be atomic: two callers reserving at the same time get different slots.
/// [`LocalBackend`] keeps the buckets in the process; `RedisBackend` (cargo feature `redis`)
/// keeps them in Redis, so that every process and machine using the same Redis shares each
/// organization's budget.
///
/// `bucket` is a short name such as `org:123456` or `unattributed`; it never holds the API key.
/// The quota may change from one call to the next (the client lowers an organization's rate
/// after a 429 and raises it again slowly); a backend books each slot with the quota it is given.
pub trait RateLimitBackend: Send + Sync + 'static {
    /// Books the next slot of `bucket` under `quota`; returns how long the caller must wait
    /// before sending (zero when it may send now).
    fn reserve<'a>(
        &'a self,
        bucket: &'a str,
        quota: Quota,
    ) -> BoxFuture<'a, Result<Duration, BackendError>>;

    /// A short description for `Debug` output and logs (never credentials).
    fn describe(&self) -> String {
        "custom backend".to_owned()
    }
}

impl fmt::Debug for dyn RateLimitBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

/// The generic cell rate algorithm in reservation form, over nanoseconds of any clock: `tat` is
/// the bucket's theoretical arrival time (the end of its last booked slot). Returns the wait of
/// the request booked at `now` and the new `tat`.
///
/// The request conforms at `max(tat, now) - tolerance`; booking it moves `tat` one interval on.
/// With a burst of B, B requests at once wait nothing, the next ones one interval apart: the
/// same figures as a server enforcing the same quota, which is what makes a client that books
/// here never draw a 429 from such a server when it is the only one using it.
///
/// The slot is placed [`Quota::margin`] later than the quota alone would.
pub(crate) fn gcra(tat: u64, now: u64, quota: Quota) -> (u64, u64) {
    let interval = nanos(quota.emission_interval());
    let tolerance = nanos(quota.tolerance());
    let margin = nanos(quota.margin());
    // The margin counts from the booked time, not from now: a bucket idle for longer than the
    // margin lets a request go at once.
    let wait = tat
        .saturating_add(margin)
        .saturating_sub(tolerance)
        .saturating_sub(now);
    (wait, tat.max(now).saturating_add(interval))
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// The in-process backend: one GCRA cell per bucket name, in a map bounded by dropping idle
/// cells (an idle cell is the same as a fresh one).
pub struct LocalBackend {
    origin: Instant,
    cells: Mutex<HashMap<String, u64>>,
}

/// Beyond this many buckets, idle ones are dropped.
const MAX_IDLE_CELLS: usize = 4096;

impl Default for LocalBackend {
    fn default() -> Self {
        LocalBackend::new()
    }
}

impl fmt::Debug for LocalBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LocalBackend")
    }
}

impl LocalBackend {
    pub fn new() -> LocalBackend {
        LocalBackend {
            origin: Instant::now(),
            cells: Mutex::new(HashMap::new()),
        }
    }

    /// The synchronous booking behind [`RateLimitBackend::reserve`].
    pub(crate) fn book(&self, bucket: &str, quota: Quota) -> Duration {
        // An hour past the origin, so that a fresh cell (0) is an idle one.
        let now = nanos(self.origin.elapsed()).saturating_add(3_600_000_000_000);
        let mut cells = self.cells.lock().unwrap_or_else(|e| e.into_inner());
        if cells.len() >= MAX_IDLE_CELLS && !cells.contains_key(bucket) {
            cells.retain(|_, tat| *tat > now);
        }
        let tat = cells.get(bucket).copied().unwrap_or(0);
        let (wait, next) = gcra(tat, now, quota);
        cells.insert(bucket.to_owned(), next);
        Duration::from_nanos(wait)
    }
}

impl RateLimitBackend for LocalBackend {
    fn reserve<'a>(
        &'a self,
        bucket: &'a str,
        quota: Quota,
    ) -> BoxFuture<'a, Result<Duration, BackendError>> {
        let wait = self.book(bucket, quota);
        Box::pin(async move { Ok(wait) })
    }

    fn describe(&self) -> String {
        "in-process".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: u64 = 1_000_000;

    #[test]
    fn gcra_allows_the_burst_then_spaces_requests() {
        let quota = Quota::new(10.0, 10);
        let mut tat = 0;
        let now = 5_000 * MS;
        for i in 0..9 {
            let (wait, next) = gcra(tat, now, quota);
            assert_eq!(wait, 0, "request {i}");
            tat = next;
        }
        // The margin: the burst's last request 50 ms late, the next ones 100 ms apart after it.
        for k in 0..5u64 {
            let (wait, next) = gcra(tat, now, quota);
            assert_eq!(wait, k * 100 * MS + 50 * MS);
            tat = next;
        }
        // Quiet for long enough: the burst is back.
        let later = now + 10_000 * MS;
        assert_eq!(gcra(tat, later, quota).0, 0);
    }

    #[test]
    fn quota_clamps() {
        assert_eq!(Quota::new(0.0, 0).burst(), 1);
        assert!(Quota::new(-1.0, 1).per_second() > 0.0);
        assert_eq!(Quota::new(10.0, 1).tolerance(), Duration::ZERO);
        assert_eq!(Quota::new(10.0, 3).tolerance(), Duration::from_millis(200));
        assert_eq!(Quota::new(10.0, 3).margin(), Duration::from_millis(50));
        assert_eq!(Quota::new(100.0, 3).margin(), Duration::from_millis(5));
    }

    #[test]
    fn local_backend_books_in_order_and_forgets_idle_cells() {
        let backend = LocalBackend::new();
        let quota = Quota::new(1.0, 1);
        assert_eq!(backend.book("org:1", quota), Duration::ZERO);
        let second = backend.book("org:1", quota);
        assert!(second > Duration::from_millis(900), "{second:?}");
        let third = backend.book("org:1", quota);
        assert!(third > Duration::from_millis(1900), "{third:?}");
        assert_eq!(backend.book("org:2", quota), Duration::ZERO);
        for i in 0..MAX_IDLE_CELLS + 10 {
            backend.book(&format!("org:x{i}"), Quota::new(1000.0, 1000));
        }
        assert!(backend.cells.lock().unwrap().len() <= MAX_IDLE_CELLS + 10);
    }
}
