//! A `redis-server` of the test's own on a free loopback port, for the fleet tests and
//! `cargo xtask bench` (which includes this file with `#[path]`).
//!
//! A free port can be taken by another process between choosing it and redis-server binding it,
//! so the server counts as started only once the port answers `PING` *and* `INFO server` reports
//! the process id of the redis-server started here; otherwise it is stopped and another port is
//! tried. The server keeps nothing on disk (`--save ""`, no AOF) and is killed on drop.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Set (to anything but `0`) where a missing redis-server must fail the tests instead of
/// skipping them: `.ci/run` sets it.
pub const REQUIRE_ENV: &str = "MERAKI_REQUIRE_REDIS";

pub struct RedisServer {
    pub port: u16,
    child: Child,
}

/// The redis-server binary: `MERAKI_REDIS_SERVER`, else `redis-server` on the `PATH`.
pub fn binary() -> Option<std::path::PathBuf> {
    if let Some(path) = std::env::var_os("MERAKI_REDIS_SERVER") {
        return Some(path.into());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("redis-server"))
        .find(|candidate| candidate.is_file())
}

/// Whether a missing redis-server is a failure here.
pub fn required() -> bool {
    std::env::var(REQUIRE_ENV).is_ok_and(|v| !v.is_empty() && v != "0")
}

impl RedisServer {
    /// Starts one, or `Ok(None)` when redis-server is not installed.
    pub fn start() -> Result<Option<RedisServer>, String> {
        let Some(binary) = binary() else {
            return Ok(None);
        };
        let mut last = String::new();
        for _ in 0..8 {
            let port = free_port().map_err(|e| format!("no free port: {e}"))?;
            // Its log in a file: an unread pipe would block it once full.
            let log = std::env::temp_dir().join(format!("meraki-test-redis-{port}.log"));
            let mut child = Command::new(&binary)
                .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
                .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
                .args(["--protected-mode", "yes", "--loglevel", "warning"])
                .arg("--logfile")
                .arg(&log)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .map_err(|e| format!("{}: {e}", binary.display()))?;
            match wait_until_ours(&mut child, port, &log) {
                Ok(()) => return Ok(Some(RedisServer { port, child })),
                Err(why) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    last = why;
                }
            }
        }
        Err(format!("redis-server did not start: {last}"))
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let log = std::env::temp_dir().join(format!("meraki-test-redis-{}.log", self.port));
        let _ = std::fs::remove_file(log);
    }
}

fn free_port() -> std::io::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

fn wait_until_ours(child: &mut Child, port: u16, log: &std::path::Path) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            let output = std::fs::read_to_string(log).unwrap_or_default();
            let _ = std::fs::remove_file(log);
            return Err(format!("exited ({status}): {}", output.trim()));
        }
        match process_id_on(port) {
            Ok(pid) if pid == child.id() => return Ok(()),
            Ok(pid) => {
                return Err(format!(
                    "port {port} is served by another redis (pid {pid})"
                ))
            }
            Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            Err(why) => return Err(format!("port {port}: {why}")),
        }
    }
}

/// `PING`, then the `process_id` of `INFO server`, over plain RESP.
fn process_id_on(port: u16) -> Result<u32, String> {
    let stream = TcpStream::connect_timeout(
        &std::net::SocketAddr::from(([127, 0, 0, 1], port)),
        Duration::from_millis(200),
    )
    .map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_secs(2)))
        .map_err(|e| e.to_string())?;
    let mut writer = stream.try_clone().map_err(|e| e.to_string())?;
    let mut reader = BufReader::new(stream);
    writer
        .write_all(b"*1\r\n$4\r\nPING\r\n")
        .map_err(|e| e.to_string())?;
    let mut line = String::new();
    reader.read_line(&mut line).map_err(|e| e.to_string())?;
    if line.trim_end() != "+PONG" {
        return Err(format!("PING answered {:?}", line.trim_end()));
    }
    writer
        .write_all(b"*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n")
        .map_err(|e| e.to_string())?;
    line.clear();
    reader.read_line(&mut line).map_err(|e| e.to_string())?;
    let length: usize = line
        .trim_end()
        .strip_prefix('$')
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| format!("INFO answered {:?}", line.trim_end()))?;
    let mut info = vec![0u8; length + 2];
    reader.read_exact(&mut info).map_err(|e| e.to_string())?;
    String::from_utf8_lossy(&info)
        .lines()
        .find_map(|l| l.strip_prefix("process_id:"))
        .and_then(|pid| pid.trim().parse().ok())
        .ok_or_else(|| "no process_id in INFO server".to_owned())
}
