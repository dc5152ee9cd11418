//! One budget across processes: the Redis backend (cargo feature `redis`) against a real
//! `redis-server` started by the test on a free loopback port (`support/redis_server.rs`), and
//! three processes (this test binary run again as workers) against one loopback server enforcing
//! the per-organization budget.
//!
//! Without redis-server installed these tests skip, saying so; with `MERAKI_REQUIRE_REDIS=1`
//! (set by `.ci/run`) that is a failure instead.

use crate::redis_server;

#[test]
fn the_fleet_tests_are_compiled_in_when_redis_is_required() {
    let compiled_in = cfg!(feature = "redis");
    if redis_server::required() {
        assert!(
            compiled_in,
            "{} is set but meraki-runtime's `redis` feature is off: the fleet tests were not \
             compiled (cargo test -p meraki-runtime --features redis)",
            redis_server::REQUIRE_ENV
        );
    }
}

#[cfg(feature = "redis")]
mod with_redis {
    use std::io::Write as _;
    use std::process::{Command, Stdio};
    use std::time::Duration;

    use meraki_runtime::{Client, Quota, RateLimitBackend, RedisBackend};

    use crate::budget_server::{BudgetServer, World};
    use crate::common::KEY;
    use crate::redis_server::{self, RedisServer};
    use crate::workload;

    /// The test's redis-server, or `None` (skip) when it is not installed and not required.
    fn redis() -> Option<RedisServer> {
        match RedisServer::start() {
            Ok(Some(server)) => Some(server),
            Ok(None) if redis_server::required() => panic!(
                "redis-server is not installed but {} is set (apt-get install redis-server)",
                redis_server::REQUIRE_ENV
            ),
            Ok(None) => {
                eprintln!(
                    "SKIPPED: redis-server is not installed (apt-get install redis-server); \
                     set {}=1 to make this a failure",
                    redis_server::REQUIRE_ENV
                );
                None
            }
            Err(error) => panic!("{error}"),
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn bookings_are_atomic_across_backends() {
        let Some(redis) = redis() else { return };
        // Two backends (two connections) booking the same bucket at once: the burst at once,
        // then one every 100 ms, no slot given twice.
        let a = RedisBackend::new(&redis.url()).unwrap();
        let b = RedisBackend::new(&redis.url()).unwrap();
        let quota = Quota::new(10.0, 10);
        let bookings = (0..40).map(|i| {
            let backend = if i % 2 == 0 { &a } else { &b };
            backend.reserve("org:atomic", quota)
        });
        let mut waits: Vec<Duration> = futures::future::join_all(bookings)
            .await
            .into_iter()
            .map(Result::unwrap)
            .collect();
        waits.sort();
        let at_once = waits.iter().filter(|w| w.is_zero()).count();
        // The burst's last slot is half an interval late (`Quota::margin`).
        assert!((9..=10).contains(&at_once), "{waits:?}");
        for pair in waits[at_once..].windows(2) {
            let gap = pair[1] - pair[0];
            assert!(
                gap >= Duration::from_millis(95) && gap <= Duration::from_millis(105),
                "{waits:?}"
            );
        }
        // Another prefix is another budget.
        let other = RedisBackend::new(&redis.url()).unwrap().key_prefix("other");
        assert_eq!(
            other.reserve("org:atomic", quota).await.unwrap(),
            Duration::ZERO
        );
        assert!(!format!("{a:?}").contains("password"));
    }

    const WORKER_ENV: &str = "MERAKI_FLEET_WORKER";

    /// One worker of [`three_processes_share_one_budget`]: the workload with the default client
    /// and the Redis backend; its figures on stdout.
    #[test]
    #[ignore = "run by three_processes_share_one_budget in child processes"]
    fn fleet_worker() {
        let Ok(spec) = std::env::var(WORKER_ENV) else {
            return;
        };
        let [base_url, redis_url, calls, skew]: [&str; 4] =
            spec.split('|').collect::<Vec<_>>().try_into().unwrap();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let world = World::new("201", 4, 5);
        let outcome = runtime.block_on(async {
            let client = Client::builder()
                .api_key(KEY)
                .base_url(base_url)
                .no_proxy()
                .rate_limit_backend(RedisBackend::new(redis_url).unwrap())
                .build()
                .unwrap();
            let outcome = workload::run(
                &client,
                &world,
                calls.parse().unwrap(),
                32,
                true,
                skew.parse().unwrap(),
            )
            .await;
            let stats = client.rate_limit_stats();
            println!();
            println!(
                "WORKER failed={} throttled={} backend_errors={} elapsed_ms={} error={:?}",
                outcome.failed,
                stats.total.throttled,
                stats.total.backend_errors,
                outcome.elapsed.as_millis(),
                outcome.first_error
            );
            outcome
        });
        std::io::stdout().flush().unwrap();
        drop(outcome);
    }

    #[test]
    fn three_processes_share_one_budget() {
        let Some(redis) = redis() else { return };
        let world = World::new("201", 4, 5);
        let server = BudgetServer::start(vec![world]).unwrap();
        let exe = std::env::current_exe().unwrap();
        let workers: Vec<_> = (0..3)
            .map(|i| {
                Command::new(&exe)
                    .args(["--exact", "fleet::with_redis::fleet_worker"])
                    .args(["--ignored", "--nocapture", "--test-threads", "1"])
                    .env(
                        WORKER_ENV,
                        format!("{}|{}|40|{}", server.base_url(), redis.url(), i * 7),
                    )
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let mut lines = Vec::new();
        for worker in workers {
            let output = worker.wait_with_output().unwrap();
            let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
            assert!(
                output.status.success(),
                "{stdout}\n{}",
                String::from_utf8_lossy(&output.stderr)
            );
            let line = stdout
                .lines()
                .find(|l| l.starts_with("WORKER "))
                .unwrap_or_else(|| panic!("no figures from a worker:\n{stdout}"))
                .to_owned();
            assert!(line.contains("failed=0 "), "{line}");
            assert!(line.contains("backend_errors=0 "), "{line}");
            lines.push(line);
        }
        let counts = server.counts();
        eprintln!("{lines:#?}\n{counts:?}");
        assert_eq!(counts.requests - counts.throttled, 3 * 42, "{counts:?}");
        assert!(
            counts.throttled_share() <= 0.05,
            "{} of {} requests answered 429",
            counts.throttled,
            counts.requests
        );
        // The budget was shared, not tripled: 126 requests with a burst of 10 take 11.6 s.
        let span = counts.last_accepted.unwrap() - counts.first_accepted.unwrap();
        assert!(span >= Duration::from_secs(10), "{span:?}");

        // What the fleet left in Redis: bucket keys named by organization, never the API key.
        let client = redis::Client::open(redis.url()).unwrap();
        let mut connection = client.get_connection().unwrap();
        let keys: Vec<String> = redis::cmd("KEYS").arg("*").query(&mut connection).unwrap();
        assert!(keys.contains(&"meraki:rate:org:201".to_owned()), "{keys:?}");
        for key in &keys {
            assert!(
                key.starts_with("meraki:rate:") && !key.contains(KEY),
                "{key}"
            );
        }
    }

    #[tokio::test]
    async fn an_unreachable_redis_leaves_pacing_to_the_process() {
        let world = World::new("202", 1, 1);
        let server = BudgetServer::start(vec![world]).unwrap();
        // Port 1 on loopback: nothing listens there.
        let client = Client::builder()
            .api_key(KEY)
            .base_url(server.base_url())
            .no_proxy()
            .rate_limit_backend(RedisBackend::new("redis://:hunter2@127.0.0.1:1/").unwrap())
            .build()
            .unwrap();
        let (logs, _guard) = crate::common::capture_logs();
        let calls = (0..15).map(|_| {
            meraki_runtime::Request::<serde_json::Value>::new(
                &client,
                meraki_runtime::Method::GET,
                "/organizations/202/x".into(),
            )
            .send()
        });
        for result in futures::future::join_all(calls).await {
            result.unwrap();
        }
        let stats = client.rate_limit_stats();
        assert_eq!(stats.total.backend_errors, 15, "{stats:?}");
        assert_eq!(server.counts().throttled, 0);
        assert!(!stats.backend.contains("hunter2"), "{}", stats.backend);
        let lines = logs.lines();
        assert!(
            lines
                .iter()
                .any(|l| l.contains("rate-limit backend failed")),
            "{lines:#?}"
        );
        assert!(!lines.iter().any(|l| l.contains("hunter2")), "{lines:#?}");
    }
}
