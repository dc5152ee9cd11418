//! Prism, a spec-validating mock server nobody on this team wrote: it checks paths, query
//! parameters, enums, bounds, bodies and authentication of every request against the OpenAPI
//! document assembled from `specs/`, and answers with the documented examples.
//!
//! Prism comes from the npm registry: `PRISM_BIN` names the binary, else it is installed once
//! under `target/prism/` (what `.ci/run` does too).
//!
//! Meraki sends array query parameters as `name[]=a&name[]=b`, which OpenAPI 3.0 cannot
//! describe: the spec names the parameter `name` (form style), so Prism would see no `name` at
//! all, never check the items, and call a required array missing. The client therefore talks to
//! a small proxy in front of Prism that rewrites each `name[]` key to `name`, and records any
//! array parameter that arrives without the brackets, so Meraki's convention is checked too.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use meraki_codegen::{assemble, load};

/// The repository root (the parent of the `tests/` crate).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate sits in the repository")
        .to_path_buf()
}

static INSTALL: Mutex<()> = Mutex::new(());

/// The Prism binary: `PRISM_BIN`, or installed from the npm registry under `target/prism/`.
pub fn prism_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("PRISM_BIN") {
        return PathBuf::from(path);
    }
    let prefix = repo_root().join("target/prism");
    let binary = prefix.join("node_modules/.bin/prism");
    let _guard = INSTALL.lock().unwrap_or_else(|e| e.into_inner());
    if !binary.exists() {
        std::fs::create_dir_all(&prefix).expect("create target/prism");
        let status = Command::new("npm")
            .args([
                "install",
                "--no-save",
                "--no-audit",
                "--no-fund",
                "--prefix",
            ])
            .arg(&prefix)
            .arg("@stoplight/prism-cli@5")
            .status()
            .expect("npm is needed to install Prism");
        assert!(status.success(), "installing @stoplight/prism-cli failed");
    }
    binary
}

/// A running `prism mock --errors` on the document assembled from `specs/`, behind the array
/// rewriting proxy; both stop when this is dropped (also when a test panics).
pub struct Prism {
    child: Child,
    proxy: Proxy,
    _spec: tempfile::TempDir,
}

impl Prism {
    pub fn start() -> Prism {
        let specs = load::load_specs(&repo_root().join("specs")).expect("specs load");
        let spec_dir = tempfile::tempdir().expect("temporary folder");
        let spec = spec_dir.path().join("meraki.json");
        let document = assemble::assemble_openapi(&specs).expect("specs assemble");
        let arrays = array_query_parameters(&document);
        std::fs::write(&spec, serde_json::to_vec(&document).expect("JSON")).expect("write spec");
        let binary = prism_binary();
        // A free port can be taken by another process before Prism binds it; then Prism exits
        // and whatever took the port would answer in its place. Only Prism's own answer counts.
        for _ in 0..3 {
            if let Some((child, address)) = Self::spawn(&binary, &spec, spec_dir.path()) {
                let proxy = Proxy::start(address, arrays);
                return Prism {
                    child,
                    proxy,
                    _spec: spec_dir,
                };
            }
        }
        panic!("Prism could not get a free port in 3 tries");
    }

    /// Starts Prism on a free port and waits until it answers as Prism; `None` when the port
    /// turned out to be taken.
    fn spawn(binary: &Path, spec: &Path, folder: &Path) -> Option<(Child, SocketAddr)> {
        let port = free_port();
        // Prism's log goes to a file: a pipe nobody reads after start-up would fill and stall it.
        let log_path = folder.join(format!("prism-{port}.log"));
        let log = std::fs::File::create(&log_path).expect("Prism log file");
        let mut child = Command::new(binary)
            .args([
                "mock",
                "--errors",
                "-h",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ])
            .arg(spec)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        let address: SocketAddr = ([127, 0, 0, 1], port).into();
        let deadline = Instant::now() + Duration::from_secs(180);
        while !answers_as_prism(address) {
            if let Some(status) = child.try_wait().expect("poll Prism") {
                let output = std::fs::read_to_string(&log_path).unwrap_or_default();
                if output.contains("EADDRINUSE") {
                    return None;
                }
                panic!("Prism exited with {status}: {output}");
            }
            assert!(
                Instant::now() < deadline,
                "Prism did not answer on {address} within 180 s"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        Some((child, address))
    }

    /// The base URL the client should use (the proxy's).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.proxy.address)
    }

    /// A client for this Prism: any key (Prism checks only the scheme), no retries, no
    /// client-side rate limit (Prism has none to protect).
    pub fn client(&self) -> meraki::Client {
        meraki::Client::builder()
            .api_key("prism-checks-only-the-scheme")
            .base_url(self.base_url())
            .no_proxy()
            .retry(meraki::RetryConfig::disabled())
            .disable_rate_limit()
            .build()
            .expect("client for Prism")
    }

    /// Array query parameters that arrived without Meraki's `[]` suffix, as `path?name`.
    pub fn arrays_without_brackets(&self) -> Vec<String> {
        let seen = self
            .proxy
            .unbracketed
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        seen.iter().cloned().collect()
    }
}

/// Whether the server at `address` is Prism: its answer to an unknown route names Prism's
/// `NO_PATH_MATCHED_ERROR`.
fn answers_as_prism(address: SocketAddr) -> bool {
    let Ok(mut stream) = TcpStream::connect_timeout(&address, Duration::from_millis(200)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    if stream
        .write_all(b"GET /__is_this_prism HTTP/1.0\r\nHost: localhost\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer.contains("NO_PATH_MATCHED_ERROR")
}

impl Drop for Prism {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

/// One route of the document and the names of its array query parameters.
struct Route {
    method: String,
    /// Path template segments; `None` for a `{parameter}`.
    segments: Vec<Option<String>>,
    arrays: BTreeSet<String>,
}

impl Route {
    fn matches(&self, method: &str, path: &str) -> bool {
        let segments: Vec<&str> = path.split('/').collect();
        self.method.eq_ignore_ascii_case(method)
            && segments.len() == self.segments.len()
            && self
                .segments
                .iter()
                .zip(&segments)
                .all(|(template, actual)| template.as_deref().map_or(true, |t| t == *actual))
    }
}

/// The routes of the document that have array query parameters.
fn array_query_parameters(document: &serde_json::Value) -> Vec<Route> {
    let mut routes = Vec::new();
    let Some(paths) = document.get("paths").and_then(|p| p.as_object()) else {
        return routes;
    };
    for (path, item) in paths {
        let Some(item) = item.as_object() else {
            continue;
        };
        for (method, operation) in item {
            let parameters = operation.get("parameters").and_then(|p| p.as_array());
            let arrays: BTreeSet<String> = parameters
                .into_iter()
                .flatten()
                .filter(|p| {
                    p.get("in").and_then(|v| v.as_str()) == Some("query")
                        && p.pointer("/schema/type").and_then(|v| v.as_str()) == Some("array")
                })
                .filter_map(|p| Some(p.get("name")?.as_str()?.to_string()))
                .collect();
            if !arrays.is_empty() {
                let segments = path
                    .split('/')
                    .map(|s| (!s.starts_with('{')).then(|| s.to_string()))
                    .collect();
                routes.push(Route {
                    method: method.clone(),
                    segments,
                    arrays,
                });
            }
        }
    }
    routes
}

/// The rewriting proxy: one thread accepting connections, one request per connection
/// (`Connection: close` both ways), so HTTP framing needs no more than `Content-Length`.
struct Proxy {
    address: SocketAddr,
    unbracketed: Arc<Mutex<BTreeSet<String>>>,
}

impl Proxy {
    fn start(upstream: SocketAddr, arrays: Vec<Route>) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        let address = listener.local_addr().expect("proxy address");
        let unbracketed = Arc::new(Mutex::new(BTreeSet::new()));
        let seen = unbracketed.clone();
        let arrays = Arc::new(arrays);
        // The thread ends with the test process; it holds no state worth stopping it for.
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (arrays, seen) = (arrays.clone(), seen.clone());
                std::thread::spawn(move || {
                    let _ = forward(stream, upstream, &arrays, &seen);
                });
            }
        });
        Proxy {
            address,
            unbracketed,
        }
    }
}

fn forward(
    client: TcpStream,
    upstream: SocketAddr,
    arrays: &[Route],
    unbracketed: &Mutex<BTreeSet<String>>,
) -> std::io::Result<()> {
    client.set_read_timeout(Some(Duration::from_secs(60)))?;
    let mut reader = BufReader::new(client.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut parts = request_line.trim_end().splitn(3, ' ');
    let (method, target, version) = (
        parts.next().unwrap_or("GET"),
        parts.next().unwrap_or("/"),
        parts.next().unwrap_or("HTTP/1.1"),
    );
    let path = target.split('?').next().unwrap_or(target);
    // A concrete path can match a literal and a templated route; a parameter counts as an
    // array only when it is one in every route the request matches.
    let matching: Vec<&Route> = arrays.iter().filter(|r| r.matches(method, path)).collect();
    let array_names: BTreeSet<String> = match matching.split_first() {
        Some((first, rest)) => first
            .arrays
            .iter()
            .filter(|name| rest.iter().all(|r| r.arrays.contains(*name)))
            .cloned()
            .collect(),
        None => BTreeSet::new(),
    };
    let target = rewrite_target(target, &array_names, unbracketed);
    let mut head = format!("{method} {target} {version}\r\n");
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" || line == "\n" {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(value) = lower.strip_prefix("content-length:") {
            length = value.trim().parse().unwrap_or(0);
        }
        if lower.starts_with("connection:") {
            continue;
        }
        head.push_str(&line);
    }
    head.push_str("Connection: close\r\n\r\n");
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let mut server = TcpStream::connect(upstream)?;
    server.write_all(head.as_bytes())?;
    server.write_all(&body)?;
    let mut response = Vec::new();
    server.read_to_end(&mut response)?;
    let mut client = client;
    client.write_all(&response)?;
    client.flush()
}

/// `path?a[]=1&a[]=2&b=3` → `path?a=1&a=2&b=3`, noting array parameters sent without `[]`.
fn rewrite_target(
    target: &str,
    arrays: &BTreeSet<String>,
    unbracketed: &Mutex<BTreeSet<String>>,
) -> String {
    let Some((path, query)) = target.split_once('?') else {
        return target.to_string();
    };
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let plain = key
                .strip_suffix("[]")
                .or_else(|| key.strip_suffix("%5B%5D"))
                .or_else(|| key.strip_suffix("%5b%5d"));
            match plain {
                Some(plain) => format!("{plain}={value}"),
                None => {
                    if arrays.contains(key) {
                        let mut seen = unbracketed.lock().unwrap_or_else(|e| e.into_inner());
                        seen.insert(format!("{path}?{key}"));
                    }
                    pair.to_string()
                }
            }
        })
        .collect();
    format!("{path}?{}", pairs.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brackets_are_removed_and_missing_brackets_noted() {
        let arrays: BTreeSet<String> = ["serials".to_string()].into();
        let seen = Mutex::new(BTreeSet::new());
        assert_eq!(
            rewrite_target("/x?serials[]=a&serials%5B%5D=b&perPage=3", &arrays, &seen),
            "/x?serials=a&serials=b&perPage=3"
        );
        assert!(seen.lock().unwrap().is_empty());
        assert_eq!(
            rewrite_target("/x?serials=a", &arrays, &seen),
            "/x?serials=a"
        );
        assert_eq!(
            seen.lock().unwrap().iter().collect::<Vec<_>>(),
            ["/x?serials"]
        );
        assert_eq!(rewrite_target("/x", &arrays, &seen), "/x");
    }
}
