//! A loopback Dashboard that enforces Meraki's per-organization budget, shared by the runtime's
//! rate-limit tests and `cargo xtask bench` (which includes this file with `#[path]`).
//!
//! It knows one or more organizations, their networks and devices, and meters every request on
//! `/organizations/{id}/...`, `/networks/{id}/...` and `/devices/{serial}/...` by the
//! organization it belongs to with a GCRA bucket (default 10 requests/s and a burst of 10, as
//! Meraki documents): a request over the budget is answered `429 Too Many Requests` with
//! `Retry-After: 1` and does not count against the budget. It answers the listings of networks
//! and devices, `getNetwork`, `getDevice`, and a small clients list for networks and devices
//! (`{}` for any other path of a known network or device; 404 for unknown ones).
//!
//! HTTP/1.1 with keep-alive, GET only, on a thread of its own; it closes a connection on
//! anything it does not understand.

#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

/// One organization's networks and devices.
#[derive(Debug, Clone)]
pub struct World {
    pub organization: String,
    pub networks: Vec<String>,
    /// `(serial, network)`.
    pub devices: Vec<(String, String)>,
}

impl World {
    /// Organization `organization` with `networks` networks of `devices_per_network` devices.
    pub fn new(organization: &str, networks: usize, devices_per_network: usize) -> World {
        let networks: Vec<String> = (0..networks)
            .map(|n| format!("N_{organization}{n:04}"))
            .collect();
        let devices = networks
            .iter()
            .enumerate()
            .flat_map(|(n, network)| {
                (0..devices_per_network)
                    .map(move |d| (format!("Q2{n:02}-{d:04}-{organization}"), network.clone()))
            })
            .collect();
        World {
            organization: organization.to_owned(),
            networks,
            devices,
        }
    }
}

/// What the server saw.
#[derive(Debug, Clone, Default)]
pub struct Counts {
    /// Metered requests (those of a known organization).
    pub requests: u64,
    /// Of those, answered 429.
    pub throttled: u64,
    /// Requests for an unknown network, device or organization (404).
    pub unknown: u64,
    /// When the first and last accepted metered request arrived, after the server started.
    pub first_accepted: Option<Duration>,
    pub last_accepted: Option<Duration>,
}

impl Counts {
    pub fn accepted(&self) -> u64 {
        self.requests - self.throttled
    }

    /// The share of metered requests answered 429.
    pub fn throttled_share(&self) -> f64 {
        if self.requests == 0 {
            0.0
        } else {
            self.throttled as f64 / self.requests as f64
        }
    }
}

struct State {
    /// Per organization: the GCRA's theoretical arrival time, nanoseconds after `origin`.
    cells: HashMap<String, u64>,
    counts: Counts,
}

struct Shared {
    origin: Instant,
    interval: u64,
    tolerance: u64,
    worlds: Vec<World>,
    network_org: HashMap<String, usize>,
    device_org: HashMap<String, (usize, String)>,
    state: Mutex<State>,
}

pub struct BudgetServer {
    pub port: u16,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl BudgetServer {
    /// Serves `worlds` with Meraki's budget: 10 requests/s per organization, burst 10.
    pub fn start(worlds: Vec<World>) -> std::io::Result<BudgetServer> {
        BudgetServer::with_budget(worlds, 10.0, 10)
    }

    /// Serves `worlds`, each organization allowed `per_second` with a bucket of `burst`.
    pub fn with_budget(
        worlds: Vec<World>,
        per_second: f64,
        burst: u32,
    ) -> std::io::Result<BudgetServer> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let port = listener.local_addr()?.port();
        let interval = (1e9 / per_second) as u64;
        let mut network_org = HashMap::new();
        let mut device_org = HashMap::new();
        for (i, world) in worlds.iter().enumerate() {
            for network in &world.networks {
                network_org.insert(network.clone(), i);
            }
            for (serial, network) in &world.devices {
                device_org.insert(serial.clone(), (i, network.clone()));
            }
        }
        let shared = Arc::new(Shared {
            origin: Instant::now(),
            interval,
            tolerance: interval * u64::from(burst.max(1) - 1),
            worlds,
            network_org,
            device_org,
            state: Mutex::new(State {
                cells: HashMap::new(),
                counts: Counts::default(),
            }),
        });
        let (stop, stopped) = oneshot::channel();
        let served = shared.clone();
        let thread = std::thread::Builder::new()
            .name("budget-server".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_io()
                    .build()
                    .expect("a current-thread runtime");
                runtime.block_on(async move {
                    let listener = TcpListener::from_std(listener).expect("a tokio listener");
                    tokio::select! {
                        _ = accept_loop(listener, served) => {}
                        _ = stopped => {}
                    }
                });
            })?;
        Ok(BudgetServer {
            port,
            shared,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}/api/v1", self.port)
    }

    pub fn counts(&self) -> Counts {
        self.shared.state.lock().unwrap().counts.clone()
    }

    /// Forgets the counts and refills every bucket (between runs of a benchmark).
    pub fn reset(&self) {
        let mut state = self.shared.state.lock().unwrap();
        state.cells.clear();
        state.counts = Counts::default();
    }
}

impl Drop for BudgetServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    while let Ok((stream, _)) = listener.accept().await {
        let _ = stream.set_nodelay(true);
        tokio::spawn(connection(stream, shared.clone()));
    }
}

async fn connection(mut stream: TcpStream, shared: Arc<Shared>) {
    let mut buffer = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    loop {
        let head_end = loop {
            if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                break end + 4;
            }
            if buffer.len() > 16 * 1024 {
                return;
            }
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
        buffer.drain(..head_end);
        let Some(target) = head
            .split_whitespace()
            .nth(1)
            .filter(|_| head.starts_with("GET "))
        else {
            return;
        };
        let response = shared.respond(target);
        if stream.write_all(&response).await.is_err() {
            return;
        }
    }
}

fn response(status: &str, extra_headers: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n{extra_headers}\r\n{body}",
        body.len()
    )
    .into_bytes()
}

const CLIENTS: &str = r#"[{"id":"k74272e","mac":"22:33:44:55:66:77","description":"Miles's phone","ip":"1.2.3.4","vlan":"255","usage":{"sent":138.0,"recv":61.0}}]"#;

impl Shared {
    /// Meters a request of organization `org` (an index into `worlds`): whether it is allowed.
    fn admit(&self, org: usize) -> bool {
        let now = u64::try_from(self.origin.elapsed().as_nanos()).unwrap_or(u64::MAX);
        let mut state = self.state.lock().unwrap();
        let key = &self.worlds[org].organization;
        let tat = state.cells.get(key).copied().unwrap_or(0).max(now);
        state.counts.requests += 1;
        if tat.saturating_sub(self.tolerance) > now {
            state.counts.throttled += 1;
            return false;
        }
        state.cells.insert(key.clone(), tat + self.interval);
        let at = Duration::from_nanos(now);
        state.counts.first_accepted.get_or_insert(at);
        state.counts.last_accepted = Some(at);
        true
    }

    fn not_found(&self) -> Vec<u8> {
        self.state.lock().unwrap().counts.unknown += 1;
        response("404 Not Found", "", r#"{"errors":["Not found"]}"#)
    }

    fn respond(&self, target: &str) -> Vec<u8> {
        let path = target.split('?').next().unwrap_or(target);
        let Some(path) = path.strip_prefix("/api/v1/") else {
            return self.not_found();
        };
        let segments: Vec<&str> = path.split('/').collect();
        let (org, body) = match segments.as_slice() {
            ["organizations", id, rest @ ..] => {
                let Some(org) = self.worlds.iter().position(|w| w.organization == *id) else {
                    return self.not_found();
                };
                let world = &self.worlds[org];
                let body = match rest {
                    ["networks"] => json_list(world.networks.iter().map(|n| {
                        format!(r#"{{"id":"{n}","organizationId":"{id}","name":"Network {n}"}}"#)
                    })),
                    ["devices"] => json_list(world.devices.iter().map(|(s, n)| {
                        format!(r#"{{"serial":"{s}","networkId":"{n}","name":"Device {s}"}}"#)
                    })),
                    _ => "{}".to_owned(),
                };
                (org, body)
            }
            ["networks", id, rest @ ..] => {
                let Some(&org) = self.network_org.get(*id) else {
                    return self.not_found();
                };
                let organization = &self.worlds[org].organization;
                let body = match rest {
                    [] => format!(
                        r#"{{"id":"{id}","organizationId":"{organization}","name":"Network {id}"}}"#
                    ),
                    ["clients"] => CLIENTS.to_owned(),
                    ["devices"] => json_list(
                        self.worlds[org]
                            .devices
                            .iter()
                            .filter(|(_, n)| n == id)
                            .map(|(s, n)| format!(r#"{{"serial":"{s}","networkId":"{n}"}}"#)),
                    ),
                    _ => "{}".to_owned(),
                };
                (org, body)
            }
            ["devices", serial, rest @ ..] => {
                let Some((org, network)) = self.device_org.get(*serial) else {
                    return self.not_found();
                };
                let body = match rest {
                    [] => format!(
                        r#"{{"serial":"{serial}","networkId":"{network}","name":"Device {serial}"}}"#
                    ),
                    ["clients"] => CLIENTS.to_owned(),
                    _ => "{}".to_owned(),
                };
                (*org, body)
            }
            _ => return self.not_found(),
        };
        if self.admit(org) {
            response("200 OK", "", &body)
        } else {
            response(
                "429 Too Many Requests",
                "retry-after: 1\r\n",
                r#"{"errors":["API rate limit exceeded for organization"]}"#,
            )
        }
    }
}

fn json_list(items: impl Iterator<Item = String>) -> String {
    let items: Vec<String> = items.collect();
    format!("[{}]", items.join(","))
}
