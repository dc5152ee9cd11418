//! Figure 4: many single requests, a fixed number in flight, the generated client against raw
//! reqwest + serde_json decoding into the same type. The in-flight requests are tasks on the
//! multi-threaded runtime, as a program fanning out over devices would spawn them.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use meraki::types::DeviceClient;

use crate::clients::{self, raw_get};
use crate::server::{Server, SERIAL};
use crate::table::{count, median, Row};

pub fn run(
    runtime: &tokio::runtime::Runtime,
    requests: usize,
    concurrent: usize,
    runs: usize,
) -> Result<Vec<Row>, String> {
    let server = Server::start(1, 1).map_err(|e| e.to_string())?;
    let client = clients::meraki(&server.base_url())?;
    let http = clients::raw()?;
    let url = format!("{}/devices/{SERIAL}/clients", server.base_url());
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    // One untimed round opens the connections; then the two alternate so they share the noise.
    for round in 0..=runs {
        let client = client.clone();
        let a = runtime.block_on(fan_out(requests, concurrent, move || {
            let request = client.get_device_clients(SERIAL).send();
            async move { request.await.map(|c| c.len()).map_err(|e| e.to_string()) }
        }))?;
        let (http, url) = (http.clone(), url.clone());
        let b = runtime.block_on(fan_out(requests, concurrent, move || {
            let (http, url) = (http.clone(), url.clone());
            async move {
                let body = raw_get(&http, &url)
                    .await?
                    .bytes()
                    .await
                    .map_err(|e| e.to_string())?;
                let clients: Vec<DeviceClient> =
                    serde_json::from_slice(&body).map_err(|e| e.to_string())?;
                Ok(clients.len())
            }
        }))?;
        if round > 0 {
            ours.push(requests as f64 / a.as_secs_f64());
            theirs.push(requests as f64 / b.as_secs_f64());
        }
    }
    let (ours, theirs) = (median(&ours), median(&theirs));
    Ok(vec![
        Row::new(
            format!(
                "{} single requests, {concurrent} in flight, loopback, median of {runs}: client",
                count(requests as u64)
            ),
            format!(
                "**{} requests/s** = **{:.2}×** raw",
                count(ours as u64),
                ours / theirs
            ),
            "",
        ),
        Row::new(
            "Single requests: raw reqwest + serde_json",
            format!("{} requests/s", count(theirs as u64)),
            "",
        ),
    ])
}

/// Runs `requests` calls of `call`, `concurrent` tasks each taking the next one until none are
/// left; the time until the last answer.
async fn fan_out<F, Fut>(requests: usize, concurrent: usize, call: F) -> Result<Duration, String>
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<usize, String>> + Send,
{
    let call = Arc::new(call);
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let tasks: Vec<_> = (0..concurrent)
        .map(|_| {
            let (call, next) = (call.clone(), next.clone());
            tokio::spawn(async move {
                while next.fetch_add(1, Ordering::Relaxed) < requests {
                    if call().await? != 1 {
                        return Err("expected one device client".to_owned());
                    }
                }
                Ok::<(), String>(())
            })
        })
        .collect();
    for task in tasks {
        task.await.map_err(|e| e.to_string())??;
    }
    Ok(start.elapsed())
}
