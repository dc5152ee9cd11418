//! The client handle and its builder, and the two ways a request starts from a client
//! ([`Client::request`] and [`Request::new`]). Both live here so that the request module needs
//! no client: a request only holds the [`Executor`] that will perform it.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue, ACCEPT, AUTHORIZATION};
use reqwest::{Method, Url};

use crate::config::{
    self, RateLimitConfig, Region, RetryConfig, DEFAULT_BASE_URL, DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_REDIRECTS, DEFAULT_TIMEOUT,
};
use crate::error::{Error, Result};
use crate::executor::{Executor, Settings};
use crate::rate_limit::backend::RateLimitBackend;
use crate::rate_limit::organizations::Subject;
use crate::rate_limit::{Limiter, RateLimitStats};
use crate::redirect::TrustedHosts;
use crate::request::Request;

/// Environment variable holding the API key.
pub const API_KEY_ENV: &str = "MERAKI_DASHBOARD_API_KEY";
/// Environment variable optionally holding the base URL.
pub const BASE_URL_ENV: &str = "MERAKI_BASE_URL";

/// A Dashboard API client. Cloning is cheap and clones share the connection pool and rate limiter.
#[derive(Clone)]
pub struct Client {
    executor: Arc<Executor>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let executor = &self.executor;
        f.debug_struct("Client")
            .field("base_url", &executor.base_url())
            .field("api_key", &"<redacted>")
            .field("user_agent", &executor.user_agent())
            .field("simulate", &executor.is_simulate())
            .field("retry", executor.retry())
            .field("max_redirects", &executor.max_redirects())
            .field("max_body_bytes", &executor.max_body_bytes())
            .field("rate_limited", &executor.is_rate_limited())
            .finish()
    }
}

impl Client {
    /// A builder producing this runtime's client.
    pub fn builder() -> ClientBuilder<Client> {
        ClientBuilder::new()
    }

    /// A client configured from `MERAKI_DASHBOARD_API_KEY` (required) and `MERAKI_BASE_URL` (optional).
    pub fn from_env() -> Result<Client> {
        ClientBuilder::new().from_env().build()
    }

    /// The base URL every operation path is appended to.
    pub fn base_url(&self) -> &str {
        self.executor.base_url()
    }

    /// The `User-Agent` sent with every request.
    pub fn user_agent(&self) -> &str {
        self.executor.user_agent()
    }

    /// Whether simulate (dry-run) mode is on.
    pub fn is_simulate(&self) -> bool {
        self.executor.is_simulate()
    }

    /// What the rate limiter has counted since the client was built (shared by all clones):
    /// requests, 429s, retries and time waited, in total and per organization, and each
    /// organization's current adaptive rate. Counted even with the rate limiter disabled.
    pub fn rate_limit_stats(&self) -> RateLimitStats {
        self.executor.rate_limit_stats()
    }

    /// A request for an operation the generated client does not cover. `path` must already be
    /// percent-encoded and start with `/`; it is relative to the base URL.
    pub fn request<R>(&self, method: Method, path: impl Into<String>) -> Request<R> {
        Request::new(self, method, path.into())
    }
}

impl<R> Request<R> {
    /// `path` is already percent-encoded, relative to the base URL, and starts with `/`.
    pub fn new(client: &Client, method: Method, path: String) -> Self {
        Request::with_executor(client.executor.clone(), method, path)
    }
}

/// Configures a [`Client`]. Generic over the produced type so a wrapping client (the generated
/// crate's `Client`) can reuse it and get its own type from [`ClientBuilder::build`].
pub struct ClientBuilder<C = Client> {
    api_key: Option<String>,
    base_url: Option<String>,
    timeout: Duration,
    connect_timeout: Duration,
    product: (String, String),
    caller: Option<String>,
    default_headers: HeaderMap,
    header_error: Option<String>,
    simulate: bool,
    retry: RetryConfig,
    rate_limit: Option<RateLimitConfig>,
    backend: Option<Arc<dyn RateLimitBackend>>,
    told: std::collections::HashMap<Subject, String>,
    max_redirects: usize,
    max_body_bytes: u64,
    trusted_hosts: Vec<String>,
    no_proxy: bool,
    _marker: PhantomData<fn() -> C>,
}

impl<C> fmt::Debug for ClientBuilder<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("product", &self.product)
            .field("caller", &self.caller)
            .field("default_headers", &self.default_headers)
            .field("simulate", &self.simulate)
            .field("retry", &self.retry)
            .field("rate_limit", &self.rate_limit)
            .field(
                "rate_limit_backend",
                &self.backend.as_ref().map(|b| b.describe()),
            )
            .field("told_organizations", &self.told.len())
            .field("max_redirects", &self.max_redirects)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("trusted_hosts", &self.trusted_hosts)
            .field("no_proxy", &self.no_proxy)
            .finish()
    }
}

impl<C: From<Client>> Default for ClientBuilder<C> {
    fn default() -> Self {
        Self::new()
    }
}

fn non_empty_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl<C: From<Client>> ClientBuilder<C> {
    /// A builder with the defaults described in the crate documentation.
    pub fn new() -> Self {
        ClientBuilder {
            api_key: None,
            base_url: None,
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            product: (
                env!("CARGO_PKG_NAME").to_owned(),
                env!("CARGO_PKG_VERSION").to_owned(),
            ),
            caller: None,
            default_headers: HeaderMap::new(),
            header_error: None,
            simulate: false,
            retry: RetryConfig::default(),
            rate_limit: Some(RateLimitConfig::default()),
            backend: None,
            told: std::collections::HashMap::new(),
            max_redirects: DEFAULT_MAX_REDIRECTS,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            trusted_hosts: Vec::new(),
            no_proxy: false,
            _marker: PhantomData,
        }
    }

    /// Takes the API key from `MERAKI_DASHBOARD_API_KEY` and the base URL from `MERAKI_BASE_URL`,
    /// for each only when it is set and not empty.
    pub fn from_env(mut self) -> Self {
        if let Some(key) = non_empty_env(API_KEY_ENV) {
            self.api_key = Some(key);
        }
        if let Some(url) = non_empty_env(BASE_URL_ENV) {
            self.base_url = Some(url);
        }
        self
    }

    /// The Dashboard API key, sent as `Authorization: Bearer <key>`.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// The base URL (default `https://api.meraki.com/api/v1`); a trailing `/` is ignored.
    pub fn base_url(mut self, url: impl AsRef<str>) -> Self {
        self.base_url = Some(url.as_ref().to_owned());
        self
    }

    /// Uses a regional base URL preset.
    pub fn region(self, region: Region) -> Self {
        self.base_url(region.base_url())
    }

    /// The time one HTTP exchange may take, from sending to the end of the body (default 60 s).
    /// A page whose items are streamed ([`crate::Paginator::items`] on array pages) is not
    /// limited as a whole, since your code runs between its items: the limit applies to the wait
    /// for its head and to each wait for more of its body.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The time establishing a connection may take (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Identifies the application to Meraki: `ApplicationName[/version] VendorName`, e.g.
    /// `"Inventory/1.2 Acme"`; validated by [`ClientBuilder::build`].
    pub fn caller(mut self, caller: impl Into<String>) -> Self {
        self.caller = Some(caller.into());
        self
    }

    /// The `<name>/<version>` that starts the `User-Agent`. The generated crate sets its own;
    /// the default is this runtime's.
    pub fn sdk_identity(mut self, name: impl Into<String>, version: impl Into<String>) -> Self {
        self.product = (name.into(), version.into());
        self
    }

    /// A header sent with every request. `Authorization` is refused (use [`ClientBuilder::api_key`]),
    /// since default headers also go to hosts that must not see credentials.
    pub fn default_header(mut self, name: impl AsRef<str>, value: impl AsRef<str>) -> Self {
        let parsed = HeaderName::from_bytes(name.as_ref().as_bytes())
            .map_err(|_| format!("invalid header name {:?}", name.as_ref()))
            .and_then(|n| {
                HeaderValue::from_str(value.as_ref())
                    .map(|v| (n, v))
                    .map_err(|_| format!("invalid value for header {:?}", name.as_ref()))
            });
        match parsed {
            Ok((name, _)) if name == AUTHORIZATION => {
                self.header_error.get_or_insert_with(|| {
                    "the Authorization header is set by the client; use api_key()".to_owned()
                });
            }
            Ok((name, value)) => {
                self.default_headers.append(name, value);
            }
            Err(message) => {
                self.header_error.get_or_insert(message);
            }
        }
        self
    }

    /// Simulate (dry-run) mode: requests other than GET and HEAD are logged and not sent. See
    /// [`crate::Request::send`] for what they return.
    pub fn simulate(mut self, simulate: bool) -> Self {
        self.simulate = simulate;
        self
    }

    /// The retry policy (default: 5 attempts, 1 s doubling backoff capped at 30 s, 120 s total wait).
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }

    /// The client-side rate limiter configuration (on by default).
    pub fn rate_limit(mut self, rate_limit: RateLimitConfig) -> Self {
        self.rate_limit = Some(rate_limit);
        self
    }

    /// Where the per-organization buckets are kept (default: in this process). With a shared
    /// backend such as `RedisBackend` (cargo feature `redis`), every process and machine using
    /// it shares each organization's budget. Should the backend fail, requests are paced by
    /// the in-process buckets until it answers again (with a warning every 10 s).
    pub fn rate_limit_backend(mut self, backend: impl RateLimitBackend) -> Self {
        self.backend = Some(Arc::new(backend));
        self
    }

    /// Tells the rate limiter that network `network_id` belongs to organization
    /// `organization_id`, so its calls are metered by that organization's budget from the first
    /// one on (instead of waiting for a response that teaches it). Never forgotten.
    pub fn network_organization(
        mut self,
        network_id: impl Into<String>,
        organization_id: impl Into<String>,
    ) -> Self {
        self.told
            .insert(Subject::Network(network_id.into()), organization_id.into());
        self
    }

    /// Tells the rate limiter that the device with serial `serial` belongs to organization
    /// `organization_id` (see [`ClientBuilder::network_organization`]).
    pub fn device_organization(
        mut self,
        serial: impl Into<String>,
        organization_id: impl Into<String>,
    ) -> Self {
        self.told
            .insert(Subject::Device(serial.into()), organization_id.into());
        self
    }

    /// Turns the client-side rate limiter off; the server's 429s are still retried.
    pub fn disable_rate_limit(mut self) -> Self {
        self.rate_limit = None;
        self
    }

    /// How many redirects one request may follow (default 5; 0 returns 3xx responses as errors).
    pub fn max_redirects(mut self, hops: usize) -> Self {
        self.max_redirects = hops;
        self
    }

    /// The largest response body read whole, in bytes (default
    /// [`DEFAULT_MAX_BODY_BYTES`](crate::DEFAULT_MAX_BODY_BYTES), 64 MiB); for an array page
    /// whose items are streamed ([`crate::Paginator::items`] after
    /// [`crate::Request::paginate_array`]), the largest single item instead, as only one item is
    /// held at a time. A body over it is [`Error::BodyTooLarge`]: it is read no further than the
    /// limit (not at all when its `Content-Length` says it is over), so a huge or endless body
    /// costs at most this much memory. The body of an error response is read up to
    /// [`MAX_ERROR_BODY_BYTES`](crate::MAX_ERROR_BODY_BYTES) (or this limit, if smaller) and cut
    /// there.
    pub fn max_body_bytes(mut self, bytes: u64) -> Self {
        self.max_body_bytes = bytes;
        self
    }

    /// Extra hosts (`host` for any port, or `host:port`) that may receive the API key on
    /// redirects and pagination links, besides the Meraki API domains and the base URL's host.
    /// A redirect to any other host is not followed ([`Error::UntrustedRedirect`] names it).
    pub fn trusted_redirect_hosts<I, S>(mut self, hosts: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.trusted_hosts.extend(hosts.into_iter().map(Into::into));
        self
    }

    /// Ignores the `HTTP(S)_PROXY` / `ALL_PROXY` environment variables, which are honoured by default.
    pub fn no_proxy(mut self) -> Self {
        self.no_proxy = true;
        self
    }

    /// Builds the client; fails without an API key or on invalid settings.
    pub fn build(self) -> Result<C> {
        let key = self
            .api_key
            .as_deref()
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .ok_or_else(|| {
                Error::config(format!("no API key: call api_key() or set {API_KEY_ENV}"))
            })?;
        let mut auth = HeaderValue::from_str(&format!("Bearer {key}")).map_err(|_| {
            Error::config("the API key contains characters that cannot be sent in an HTTP header")
        })?;
        auth.set_sensitive(true);

        let raw_base = self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL).trim();
        let base_url = raw_base.trim_end_matches('/').to_owned();
        let base = Url::parse(&base_url)
            .map_err(|e| Error::config(format!("invalid base URL {raw_base:?}: {e}")))?;
        if crate::redirect::has_user_info(&base) {
            // reqwest would send it as `Authorization: Basic` beside the key.
            return Err(Error::config(format!(
                "invalid base URL {}: user info (credentials) in the URL is never sent; the API \
                 key is the only credential",
                crate::redirect::without_user_info(&base)
            )));
        }
        if !matches!(base.scheme(), "http" | "https")
            || base.host_str().is_none()
            || base.query().is_some()
            || base.fragment().is_some()
        {
            return Err(Error::config(format!(
                "invalid base URL {raw_base:?}: expected http(s)://host[/path] without query or fragment"
            )));
        }

        if let Some(message) = self.header_error {
            return Err(Error::config(message));
        }
        if let Some(caller) = &self.caller {
            config::validate_caller(caller).map_err(Error::config)?;
        }
        let user_agent =
            config::user_agent(&self.product.0, &self.product.1, self.caller.as_deref());
        let user_agent_value = HeaderValue::from_str(&user_agent)
            .map_err(|_| Error::config(format!("invalid User-Agent {user_agent:?}")))?;

        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        // User headers come after so they may replace Accept.
        let mut last_name = None;
        for (name, value) in self.default_headers {
            let name = name.or_else(|| last_name.clone());
            if let Some(name) = name {
                if last_name.as_ref() != Some(&name) {
                    headers.remove(&name);
                }
                headers.append(name.clone(), value);
                last_name = Some(name);
            }
        }

        let mut http = reqwest::Client::builder();
        if self.no_proxy {
            http = http.no_proxy();
        }
        let http = http
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(self.connect_timeout)
            .user_agent(user_agent_value)
            .default_headers(headers)
            .build()
            .map_err(|e| Error::config(format!("could not build the HTTP client: {e}")))?;

        let executor = Executor::new(Settings {
            http,
            auth,
            base_url,
            user_agent,
            trusted: TrustedHosts::new(base, self.trusted_hosts),
            retry: self.retry,
            max_redirects: self.max_redirects,
            max_body_bytes: self.max_body_bytes,
            timeout: self.timeout,
            limiter: Limiter::new(self.rate_limit.as_ref(), self.backend, self.told),
            simulate: self.simulate,
        });
        Ok(C::from(Client {
            executor: Arc::new(executor),
        }))
    }
}
