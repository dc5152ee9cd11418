use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use meraki_runtime::{Client, ClientBuilder, RetryConfig};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};
use wiremock::MockServer;

pub const KEY: &str = "s3cr3t-api-key-0123456789";

/// Retries with millisecond waits, so retry tests take milliseconds.
pub fn fast_retry() -> RetryConfig {
    RetryConfig::default()
        .base_backoff(Duration::from_millis(1))
        .max_backoff(Duration::from_millis(4))
}

pub fn builder(server: &MockServer) -> ClientBuilder {
    Client::builder()
        .api_key(KEY)
        .base_url(format!("{}/api/v1", server.uri()))
        .retry(fast_retry())
        .disable_rate_limit()
        .no_proxy()
}

pub fn client(server: &MockServer) -> Client {
    builder(server).build().unwrap()
}

/// The `host:port` of a mock server, for `trusted_redirect_hosts`.
pub fn authority(server: &MockServer) -> String {
    server.address().to_string()
}

/// The Authorization headers a server received, one entry per request.
pub async fn auth_headers(server: &MockServer) -> Vec<Option<String>> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|r| {
            r.headers
                .get("authorization")
                .map(|v| v.to_str().unwrap().to_owned())
        })
        .collect()
}

/// A minimal subscriber that records every event as `message k=v ...` lines.
#[derive(Clone, Default)]
pub struct Captured(pub Arc<Mutex<Vec<String>>>);

impl Captured {
    pub fn lines(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

struct LineVisitor<'a>(&'a mut String);

impl Visit for LineVisitor<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, " {}={:?}", field.name(), value);
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        let _ = write!(self.0, " {}={}", field.name(), value);
    }
}

impl Subscriber for Captured {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut line = event.metadata().level().to_string();
        event.record(&mut LineVisitor(&mut line));
        self.0.lock().unwrap().push(line);
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

/// Records the events of the current thread until the guard drops (tests run on a
/// current-thread runtime, so the runtime's own events land here).
pub fn capture_logs() -> (Captured, tracing::dispatcher::DefaultGuard) {
    let captured = Captured::default();
    let guard = tracing::dispatcher::set_default(&tracing::Dispatch::new(captured.clone()));
    (captured, guard)
}
