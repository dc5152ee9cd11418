//! [`RedisBackend`]: the per-organization buckets kept in Redis, so that every process and
//! machine automating the same organizations shares one budget (cargo feature `redis`).
//!
//! Each bucket is one Redis string, `<prefix>:<bucket>` (`meraki:rate:org:123456`), holding its
//! theoretical arrival time in microseconds of the Redis server's clock. A booking is one
//! `EVALSHA` of [`GCRA_SCRIPT`]: the script reads the server's `TIME`, books the next slot and
//! returns the wait, atomically (Redis runs one script at a time), so no two callers ever get the
//! same slot, whatever their number, and no client clock is involved. The key expires when the
//! bucket would be full again, so idle organizations leave nothing behind.
//!
//! The API key is never sent to Redis: bucket names are organization ids.

use std::fmt;
use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use redis::aio::ConnectionManager;
use tokio::sync::Mutex;

use super::backend::{BackendError, Quota, RateLimitBackend};

/// The booking, run atomically by Redis. `KEYS[1]`: the bucket; `ARGV[1]`: the emission
/// interval, `ARGV[2]` the tolerance (`(burst - 1)` intervals) and `ARGV[3]` the margin
/// ([`Quota::margin`]), all in microseconds. Returns the wait in microseconds.
pub const GCRA_SCRIPT: &str = r#"
-- Redis before 5 replicates scripts verbatim, which forbids writing after TIME; from 5 on
-- effects are replicated and this is a no-op.
if redis.replicate_commands then
  redis.replicate_commands()
end
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000000 + tonumber(now_parts[2])
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local margin = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
local wait = tat + margin - tolerance - now
if wait < 0 then
  wait = 0
end
if tat < now then
  tat = now
end
local booked = tat + interval
local ttl_ms = math.ceil((booked - now) / 1000) + 1000
redis.call('SET', KEYS[1], string.format('%.0f', booked), 'PX', ttl_ms)
return wait
"#;

/// The organization buckets in Redis. Connects on first use and reconnects by itself; while
/// Redis cannot be reached, calls are paced by the client's in-process buckets (see
/// [`ClientBuilder::rate_limit_backend`](crate::ClientBuilder::rate_limit_backend)), and a new
/// connection is tried at most every few seconds.
pub struct RedisBackend {
    client: redis::Client,
    prefix: String,
    script: redis::Script,
    connection: Mutex<Connection>,
    /// `redis://host:port/db` without credentials, for `Debug` and logs.
    shown: String,
}

#[derive(Default)]
struct Connection {
    manager: Option<ConnectionManager>,
    failed_at: Option<Instant>,
}

/// How long a failed connection attempt keeps the backend from trying again.
const RECONNECT_AFTER: Duration = Duration::from_secs(5);

impl fmt::Debug for RedisBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisBackend")
            .field("url", &self.shown)
            .field("prefix", &self.prefix)
            .finish()
    }
}

impl RedisBackend {
    /// A backend for the Redis at `url` (`redis://[user:password@]host[:port][/db]`, or
    /// `rediss://` for TLS when the `redis` crate is built with it); keys start with
    /// `meraki:rate:`. Only parses the URL: the connection is made on first use.
    pub fn new(url: &str) -> Result<RedisBackend, BackendError> {
        let client = redis::Client::open(url)?;
        let info = client.get_connection_info();
        let shown = format!("redis://{}/{}", info.addr, info.redis.db);
        Ok(RedisBackend {
            client,
            prefix: "meraki:rate".to_owned(),
            script: redis::Script::new(GCRA_SCRIPT),
            connection: Mutex::new(Connection::default()),
            shown,
        })
    }

    /// The prefix of the bucket keys (default `meraki:rate`); processes share a budget when they
    /// use the same Redis and the same prefix.
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> RedisBackend {
        self.prefix = prefix.into();
        self
    }

    async fn manager(&self) -> Result<ConnectionManager, BackendError> {
        let mut connection = self.connection.lock().await;
        if let Some(manager) = &connection.manager {
            return Ok(manager.clone());
        }
        if let Some(at) = connection.failed_at {
            if at.elapsed() < RECONNECT_AFTER {
                return Err(format!("{} unreachable (retrying later)", self.shown).into());
            }
        }
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Duration::from_secs(1))
            .set_response_timeout(Duration::from_secs(1))
            .set_number_of_retries(1);
        match ConnectionManager::new_with_config(self.client.clone(), config).await {
            Ok(manager) => {
                connection.manager = Some(manager.clone());
                connection.failed_at = None;
                Ok(manager)
            }
            Err(error) => {
                connection.failed_at = Some(Instant::now());
                Err(format!("{}: {error}", self.shown).into())
            }
        }
    }

    async fn book(&self, bucket: &str, quota: Quota) -> Result<Duration, BackendError> {
        let mut manager = self.manager().await?;
        let interval = micros(quota.emission_interval()).max(1);
        let tolerance = micros(quota.tolerance());
        let wait: i64 = self
            .script
            .key(format!("{}:{bucket}", self.prefix))
            .arg(interval)
            .arg(tolerance)
            .arg(micros(quota.margin()))
            .invoke_async(&mut manager)
            .await
            .map_err(|e| format!("{}: {e}", self.shown))?;
        Ok(Duration::from_micros(u64::try_from(wait).unwrap_or(0)))
    }
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

impl RateLimitBackend for RedisBackend {
    fn reserve<'a>(
        &'a self,
        bucket: &'a str,
        quota: Quota,
    ) -> BoxFuture<'a, Result<Duration, BackendError>> {
        Box::pin(self.book(bucket, quota))
    }

    fn describe(&self) -> String {
        format!("redis {} (keys {}:*)", self.shown, self.prefix)
    }
}
