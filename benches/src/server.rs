//! A small HTTP/1.1 server on loopback that plays the Dashboard API for the client benchmarks:
//! pages of provisioning statuses linked by `Link: <…>; rel=next` headers, and a small device
//! clients list. Every response is rendered before the clock starts, so serving is a lookup and
//! one write; the server runs on a thread of its own (its allocations are not counted).
//!
//! It understands exactly what the benchmarks send (GET, keep-alive, no request body) and closes
//! a connection on anything else, including a request head over 16 KiB.

use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

const MAX_HEAD: usize = 16 * 1024;

/// The organization and device the benchmarks ask for.
pub const ORGANIZATION: &str = "1";
pub const SERIAL: &str = "Q234-ABCD-5678";

/// The rendered responses.
pub struct Content {
    /// Complete responses (head and body) of each page, in order.
    pages: Vec<Vec<u8>>,
    per_page: usize,
    /// The body size of the first page, the unit of the memory figure.
    pub page_body_bytes: usize,
    clients: Vec<u8>,
    not_found: Vec<u8>,
}

pub struct Server {
    pub port: u16,
    pub content: Arc<Content>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    /// Binds a free loopback port and serves `items` statuses, `per_page` a page.
    pub fn start(items: usize, per_page: usize) -> std::io::Result<Server> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let port = listener.local_addr()?.port();
        let content = Arc::new(Content::render(port, items, per_page));
        let (stop, stopped) = oneshot::channel();
        let served = content.clone();
        let thread = std::thread::Builder::new()
            .name("loopback-server".into())
            .spawn(move || {
                crate::alloc::uncount_this_thread();
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
        Ok(Server {
            port,
            content,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}/api/v1", self.port)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn accept_loop(listener: TcpListener, content: Arc<Content>) {
    while let Ok((stream, _)) = listener.accept().await {
        let _ = stream.set_nodelay(true);
        tokio::spawn(connection(stream, content.clone()));
    }
}

async fn connection(mut stream: TcpStream, content: Arc<Content>) {
    let mut buffer = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    loop {
        let head_end = loop {
            if let Some(end) = find(&buffer, b"\r\n\r\n") {
                break end + 4;
            }
            if buffer.len() > MAX_HEAD {
                return;
            }
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
        buffer.drain(..head_end);
        let target = head
            .split_whitespace()
            .nth(1)
            .filter(|_| head.starts_with("GET "));
        let Some(target) = target else { return };
        if stream.write_all(content.respond(target)).await.is_err() {
            return;
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

impl Content {
    fn render(port: u16, items: usize, per_page: usize) -> Content {
        let pages_count = items.div_ceil(per_page);
        let path = format!("/api/v1/organizations/{ORGANIZATION}/devices/provisioning/statuses");
        let mut pages = Vec::with_capacity(pages_count);
        let mut page_body_bytes = 0;
        for page in 0..pages_count {
            let first = page * per_page;
            let last = (first + per_page).min(items);
            let mut body = String::from("[");
            for i in first..last {
                if i > first {
                    body.push(',');
                }
                body.push_str(&status_json(i));
            }
            body.push(']');
            if page == 0 {
                page_body_bytes = body.len();
            }
            // The token is the index of the last item served, as Meraki's is an opaque cursor.
            let link = (last < items).then(|| {
                format!(
                    "Link: <http://127.0.0.1:{port}{path}?perPage={per_page}&startingAfter={}>; rel=next\r\n",
                    last - 1
                )
            });
            pages.push(response("200 OK", link.as_deref().unwrap_or(""), &body));
        }
        let clients = format!("[{}]", client_json());
        Content {
            pages,
            per_page,
            page_body_bytes,
            clients: response("200 OK", "", &clients),
            not_found: response("404 Not Found", "", r#"{"errors":["Not found"]}"#),
        }
    }

    fn respond(&self, target: &str) -> &[u8] {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        if path.ends_with("/devices/provisioning/statuses") {
            let after = query
                .split('&')
                .find_map(|pair| pair.strip_prefix("startingAfter="))
                .and_then(|token| token.parse::<usize>().ok());
            let page = after.map_or(0, |last| (last + 1) / self.per_page);
            return self.pages.get(page).unwrap_or(&self.not_found);
        }
        if path == format!("/api/v1/devices/{SERIAL}/clients") {
            return &self.clients;
        }
        &self.not_found
    }
}

fn response(status: &str, extra_headers: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n{extra_headers}\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// One provisioning status, varied a little so that decoding sees every enum value.
fn status_json(i: usize) -> String {
    const PRODUCTS: [&str; 5] = ["wireless", "switch", "appliance", "camera", "sensor"];
    const STATUSES: [&str; 3] = ["complete", "incomplete", "unprovisioned"];
    format!(
        r#"{{"mac":"00:18:0a:{:02x}:{:02x}:{:02x}","name":"Device {i}","network":{{"id":"N_{}"}},"productType":"{}","serial":"Q234-{:04}-{:04}","status":"{}","tags":["recently-added","floor-{}"]}}"#,
        (i >> 16) & 0xff,
        (i >> 8) & 0xff,
        i & 0xff,
        24_329_156 + i / 500,
        PRODUCTS[i % PRODUCTS.len()],
        i / 10_000,
        i % 10_000,
        STATUSES[i % STATUSES.len()],
        i % 7
    )
}

fn client_json() -> &'static str {
    r#"{"id":"k74272e","mac":"22:33:44:55:66:77","description":"Miles's phone","mdnsName":"Miles's phone","dhcpHostname":"MilesPhone","user":"milesmeraki","ip":"1.2.3.4","vlan":"255","namedVlan":"Named Vlan","switchport":"3","adaptivePolicyGroup":"2: Infrastructure","usage":{"sent":138.0,"recv":61.0}}"#
}
