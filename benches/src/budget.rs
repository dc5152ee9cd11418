//! Figure 5 (issue 14): Meraki's per-organization budget. N calls on the network and device
//! paths of one organization (`getDeviceClients`, `getNetworkClients`, after listing its
//! networks and devices), M in flight, against a loopback server enforcing 10 requests/s with
//! a burst of 10 (answering 429 with `Retry-After: 1` beyond it), with the client's defaults:
//! the time taken against the least time the budget allows, the share of requests answered 429
//! and the failed calls. Then the same with no listing first (no mapping known), and with three
//! processes sharing the budget through the Redis backend (a redis-server of its own on a free
//! loopback port; skipped, saying so, when redis-server is not installed).
//!
//! The workers of the three-process figure are this binary, run again with `--budget-worker`.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use meraki_runtime::{Client, RedisBackend};

use crate::support::budget_server::{BudgetServer, Counts, World};
use crate::support::redis_server::RedisServer;
use crate::support::workload;
use crate::table::{median, Row};

const API_KEY: &str = "bench-key";
const ORGANIZATION: &str = "1";
const RATE: f64 = 10.0;
const BURST: u32 = 10;
const PROCESSES: usize = 3;

fn world() -> World {
    World::new(ORGANIZATION, 10, 10)
}

fn client(base_url: &str, redis: Option<(&str, &str)>) -> Result<Client, String> {
    let mut builder = Client::builder()
        .api_key(API_KEY)
        .base_url(base_url)
        .no_proxy();
    if let Some((url, prefix)) = redis {
        builder = builder.rate_limit_backend(
            RedisBackend::new(url)
                .map_err(|e| e.to_string())?
                .key_prefix(prefix),
        );
    }
    builder.build().map_err(|e| e.to_string())
}

struct Sample {
    /// Elapsed time over the least time the budget allows for the accepted requests.
    ratio: f64,
    throttled_share: f64,
    throttled: u64,
    requests: u64,
    failed: usize,
    elapsed: Duration,
}

fn sample(counts: &Counts, elapsed: Duration, failed: usize) -> Sample {
    let allowed = workload::allowed_time(counts.accepted(), RATE, BURST);
    Sample {
        ratio: elapsed.as_secs_f64() / allowed.as_secs_f64().max(1e-9),
        throttled_share: counts.throttled_share(),
        throttled: counts.throttled,
        requests: counts.requests,
        failed,
        elapsed,
    }
}

pub fn run(
    runtime: &tokio::runtime::Runtime,
    calls: usize,
    in_flight: usize,
    runs: usize,
) -> Result<Vec<Row>, String> {
    let world = world();
    let server =
        BudgetServer::with_budget(vec![world.clone()], RATE, BURST).map_err(|e| e.to_string())?;
    let mut rows = Vec::new();
    for (label, list_first) in [
        (
            "after listing the organization's networks and devices",
            true,
        ),
        ("no mapping known (no listing first)", false),
    ] {
        let mut samples = Vec::new();
        for _ in 0..runs {
            server.reset();
            let client = client(&server.base_url(), None)?;
            let outcome = runtime.block_on(workload::run(
                &client, &world, calls, in_flight, list_first, 0,
            ));
            if let Some(error) = &outcome.first_error {
                eprintln!("budget: a call failed: {error}");
            }
            samples.push(sample(&server.counts(), outcome.elapsed, outcome.failed));
        }
        rows.push(row(
            format!(
                "Per-organization budget (10/s + burst 10, loopback), {calls} network and device calls, {in_flight} in flight, defaults, {label}, median of {runs}"
            ),
            &samples,
        ));
    }

    let redis = match RedisServer::start()? {
        Some(redis) => redis,
        None => {
            rows.push(Row::new(
                format!("The same, {PROCESSES} processes sharing the budget through Redis"),
                "skipped: redis-server is not installed (apt-get install redis-server)",
                "0 failed, ≤ 5 % 429",
            ));
            return Ok(rows);
        }
    };
    let per_process = calls.div_ceil(PROCESSES);
    let mut samples = Vec::new();
    for run in 0..runs {
        samples.push(fleet(&server, Some(&redis), per_process, in_flight, run)?);
    }
    rows.push(row(
        format!(
            "The same, {PROCESSES} processes × {per_process} calls sharing the budget through Redis (after listing), median of {runs}"
        ),
        &samples,
    ));
    // The control: the same processes, each with its own in-process buckets (one run).
    let control = fleet(&server, None, per_process, in_flight, runs)?;
    rows.push(row(
        format!(
            "Control: the same {PROCESSES} processes without Redis (each its own in-process buckets), 1 run"
        ),
        &[control],
    ));
    Ok(rows)
}

/// One run of `PROCESSES` workers against `server`, sharing `redis` when given.
fn fleet(
    server: &BudgetServer,
    redis: Option<&RedisServer>,
    calls: usize,
    in_flight: usize,
    run: usize,
) -> Result<Sample, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    server.reset();
    let prefix = format!("meraki-bench:{}:{run}", std::process::id());
    let redis_url = redis.map_or_else(|| "-".to_owned(), RedisServer::url);
    let start = Instant::now();
    let workers: Vec<_> = (0..PROCESSES)
        .map(|i| {
            Command::new(&exe)
                .arg("--budget-worker")
                .args([
                    server.base_url(),
                    redis_url.clone(),
                    prefix.clone(),
                    calls.to_string(),
                    in_flight.to_string(),
                    (i * 7).to_string(),
                ])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
        })
        .collect();
    let mut failed = 0;
    for worker in workers {
        let output = worker
            .and_then(|child| child.wait_with_output())
            .map_err(|e| e.to_string())?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        if !output.status.success() {
            return Err(format!(
                "a budget worker failed ({}): {stdout}{}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        failed += stdout
            .lines()
            .find_map(|l| l.strip_prefix("failed="))
            .and_then(|n| n.trim().parse::<usize>().ok())
            .ok_or_else(|| format!("no figures from a budget worker: {stdout}"))?;
    }
    Ok(sample(&server.counts(), start.elapsed(), failed))
}

fn row(figure: String, samples: &[Sample]) -> Row {
    let ratio = median(&samples.iter().map(|s| s.ratio).collect::<Vec<_>>());
    let share = median(
        &samples
            .iter()
            .map(|s| s.throttled_share)
            .collect::<Vec<_>>(),
    );
    let failed: usize = samples.iter().map(|s| s.failed).max().unwrap_or(0);
    let runs: Vec<String> = samples
        .iter()
        .map(|s| {
            format!(
                "{:.1} s, {}/{} 429",
                s.elapsed.as_secs_f64(),
                s.throttled,
                s.requests
            )
        })
        .collect();
    Row::new(
        figure,
        format!(
            "**{:.3}×** the least time the budget allows (achieved {:.0} % of the allowed rate); **{:.1} %** of requests answered 429; {failed} failed calls (runs: {})",
            ratio,
            100.0 / ratio,
            share * 100.0,
            runs.join("; ")
        ),
        "≤ 1.1× (single process), ≤ 5 % 429, 0 failed",
    )
}

/// `--budget-worker BASE_URL REDIS_URL PREFIX CALLS IN_FLIGHT SKEW`: one process of the
/// three-process figures (`REDIS_URL` `-`: in-process buckets); prints `failed=N`.
pub fn worker(args: &[String]) -> Result<(), String> {
    let [base_url, redis_url, prefix, calls, in_flight, skew] = args else {
        return Err("--budget-worker BASE_URL REDIS_URL PREFIX CALLS IN_FLIGHT SKEW".into());
    };
    let number = |s: &str| s.parse::<usize>().map_err(|e| format!("{s}: {e}"));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let redis = (redis_url != "-").then_some((redis_url.as_str(), prefix.as_str()));
    let client = client(base_url, redis)?;
    let outcome = runtime.block_on(workload::run(
        &client,
        &world(),
        number(calls)?,
        number(in_flight)?,
        true,
        number(skew)?,
    ));
    if let Some(error) = &outcome.first_error {
        eprintln!("budget worker: a call failed: {error}");
    }
    let stats = client.rate_limit_stats();
    if stats.total.backend_errors > 0 {
        return Err(format!(
            "the Redis backend failed {} times",
            stats.total.backend_errors
        ));
    }
    println!("failed={}", outcome.failed);
    Ok(())
}
