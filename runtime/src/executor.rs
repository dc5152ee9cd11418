//! The call path: everything between a prepared request and its final response, in the order it
//! happens.
//!
//! [`Executor::execute`] and [`Executor::send`] perform one logical call: simulate mode answers
//! what it does not send; otherwise attempts are made until one succeeds, fails for good, or the
//! call's [`Budget`] (attempts and total wait) runs out, waiting between them as the server's
//! `Retry-After` or the backoff says. One attempt ([`Executor::attempt`]) goes hop by hop through
//! redirects ([`Executor::follow_redirects`], which refuses a redirect to a host not trusted with
//! the key); each hop waits for the rate limiter and carries the API key only to a trusted host
//! ([`Executor::send_hop`]). A streamed page whose body breaks off comes back through
//! [`Executor::fetch_again`] with the budget of the call that fetched it.

use std::time::Duration;

use futures::future::BoxFuture;
use reqwest::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE, LOCATION};
use reqwest::{Method, Url};

use crate::config::{RetryConfig, MAX_ERROR_BODY_BYTES};
use crate::error::{Error, Result};
use crate::exchange::{
    read_body, read_error_body, timeout_error, too_large, transport_error, BodyError, Delivery,
    Prepared, Reply, StreamedResponse,
};
use crate::rate_limit::organizations::{self, Context, Subject};
use crate::rate_limit::{Bucket, Limiter, RateLimitStats};
use crate::redirect::{self, TrustedHosts};
use crate::response::RawResponse;
use crate::retry::{self, Budget};

/// Performs calls with one client's connection pool, key, policies and rate limiter; shared by
/// the client, its clones, and every request, walk and page made from them.
pub(crate) struct Executor {
    http: reqwest::Client,
    /// `Bearer <key>`, marked sensitive so hyper and reqwest never print it either.
    auth: HeaderValue,
    /// Without a trailing `/`, so operation paths (which start with `/`) append directly.
    base_url: String,
    user_agent: String,
    trusted: TrustedHosts,
    retry: RetryConfig,
    max_redirects: usize,
    /// The largest body read whole, and the largest item of a streamed array page.
    max_body_bytes: u64,
    /// Per attempt; applied to each request rather than to the reqwest client, because streamed
    /// pages apply it differently (see [`Delivery`]).
    timeout: Duration,
    /// Paces and counts every request (only counts when rate limiting is disabled).
    limiter: Limiter,
    simulate: bool,
}

impl std::fmt::Debug for Executor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Executor")
            .field("base_url", &self.base_url)
            .field("api_key", &"<redacted>")
            .field("user_agent", &self.user_agent)
            .field("simulate", &self.simulate)
            .field("retry", &self.retry)
            .field("max_redirects", &self.max_redirects)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("rate_limited", &self.limiter.paces())
            .finish()
    }
}

/// What an [`Executor`] is made of, as the client builder validated it.
pub(crate) struct Settings {
    /// Built with redirects off: the executor follows them itself, to decide where the key goes.
    pub(crate) http: reqwest::Client,
    pub(crate) auth: HeaderValue,
    pub(crate) base_url: String,
    pub(crate) user_agent: String,
    pub(crate) trusted: TrustedHosts,
    pub(crate) retry: RetryConfig,
    pub(crate) max_redirects: usize,
    pub(crate) max_body_bytes: u64,
    pub(crate) timeout: Duration,
    pub(crate) limiter: Limiter,
    pub(crate) simulate: bool,
}

impl Executor {
    pub(crate) fn new(settings: Settings) -> Executor {
        let Settings {
            http,
            auth,
            base_url,
            user_agent,
            trusted,
            retry,
            max_redirects,
            max_body_bytes,
            timeout,
            limiter,
            simulate,
        } = settings;
        Executor {
            http,
            auth,
            base_url,
            user_agent,
            trusted,
            retry,
            max_redirects,
            max_body_bytes,
            timeout,
            limiter,
            simulate,
        }
    }

    /// The base URL operation paths are appended to, without a trailing `/`.
    pub(crate) fn base_url(&self) -> &str {
        &self.base_url
    }

    pub(crate) fn user_agent(&self) -> &str {
        &self.user_agent
    }

    pub(crate) fn is_simulate(&self) -> bool {
        self.simulate
    }

    pub(crate) fn retry(&self) -> &RetryConfig {
        &self.retry
    }

    pub(crate) fn max_redirects(&self) -> usize {
        self.max_redirects
    }

    pub(crate) fn max_body_bytes(&self) -> u64 {
        self.max_body_bytes
    }

    pub(crate) fn is_rate_limited(&self) -> bool {
        self.limiter.paces()
    }

    pub(crate) fn rate_limit_stats(&self) -> RateLimitStats {
        self.limiter.stats()
    }

    /// The mapping context of an array page whose items teach which organization networks and
    /// devices belong to (`None`: nothing to learn from it).
    pub(crate) fn learning_context(&self, request: &Prepared) -> Option<Context> {
        (self.limiter.paces()
            && *request.method() == Method::GET
            && organizations::teaches(request.url().path()))
        .then(|| Context::of(request.url().path()))
    }

    /// Learns from one item of such a page.
    pub(crate) fn learn_item(&self, context: &Context, json: &[u8]) {
        if let Ok(value) = serde_json::from_slice::<serde_json::Value>(json) {
            let mut facts = Vec::new();
            context.facts_of(&value, &mut facts);
            self.limiter.learn(&facts);
        }
    }

    /// Learns from a success read whole, when its path is one that teaches.
    fn learn_from(&self, request: &Prepared, response: &RawResponse) {
        if self.learning_context(request).is_none() {
            return;
        }
        if let Ok(value) = serde_json::from_slice::<serde_json::Value>(response.body()) {
            let mut facts = Vec::new();
            organizations::facts(request.url().path(), &value, &mut facts);
            self.limiter.learn(&facts);
        }
    }

    /// The bucket a request is metered by, looking up its network or device first when lookups
    /// are on and its organization is not known yet.
    fn bucket<'a>(&'a self, request: &'a Prepared) -> BoxFuture<'a, Bucket> {
        Box::pin(async move {
            match self.limiter.bucket(request.url()) {
                Ok(bucket) => bucket,
                Err(subject) => {
                    self.look_up(&subject).await;
                    self.limiter.bucket_after_lookup(&subject)
                }
            }
        })
    }

    /// Finds the organization of a network (`getNetwork`) or device (`getDevice`, then
    /// `getNetwork` for its network if needed), once even when many calls ask at the same time.
    /// A failure is remembered for a while and the calls go on unattributed.
    fn look_up<'a>(&'a self, subject: &'a Subject) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let lock = self.limiter.lookup_lock(subject);
            let _one_at_a_time = lock.lock().await;
            if self.limiter.is_known(subject) {
                return;
            }
            let path = match subject {
                Subject::Network(id) => format!("/networks/{}", crate::path_segment(id)),
                Subject::Device(serial) => format!("/devices/{}", crate::path_segment(serial)),
            };
            let Ok(url) = Url::parse(&format!("{}{path}", self.base_url)) else {
                self.limiter.lookup_failed(subject);
                return;
            };
            let request = Prepared::new(Method::GET, url, None, None);
            let bucket = self.limiter.bucket_after_lookup(subject);
            let response = match self
                .send_in(&request, Delivery::Whole, &mut Budget::new(), &bucket)
                .await
            {
                Ok(Reply::Whole(response)) => response,
                Ok(Reply::Streamed(_)) => unreachable!("asked for a whole response"),
                Err(error) => {
                    tracing::debug!(%error, "organization lookup failed; the calls go on unattributed");
                    self.limiter.lookup_failed(subject);
                    return;
                }
            };
            // send_in learned what the response says; a device may only have named its network.
            if let Subject::Device(_) = subject {
                if !self.limiter.is_known(subject) {
                    let network = serde_json::from_slice::<serde_json::Value>(response.body())
                        .ok()
                        .and_then(|v| v.get("networkId")?.as_str().map(str::to_owned));
                    if let Some(network) = network {
                        let network_subject = Subject::Network(network.clone());
                        self.look_up(&network_subject).await;
                        self.learn_from(&request, &response);
                    }
                }
            }
            // The server counted the lookup against the organization it found: so does the
            // client, for the calls that follow.
            let found = self.limiter.bucket_after_lookup(subject);
            if matches!(found, Bucket::Organization(_)) && found != bucket {
                self.limiter.charge(&found).await;
            }
            self.limiter.lookup_failed(subject);
        })
    }

    /// Performs one call and reads its response. Any non-success final status is an error.
    pub(crate) async fn execute(&self, request: &Prepared) -> Result<RawResponse> {
        match self
            .send(request, Delivery::Whole, &mut Budget::new())
            .await?
        {
            Reply::Whole(response) => Ok(response),
            Reply::Streamed(response) => response.read_whole().await,
        }
    }

    /// Performs one call, spending `budget`, and hands over the body of a success as
    /// `delivery` says (simulated responses are always whole). A call made of several requests
    /// (a page fetched again) passes the same budget to each.
    pub(crate) async fn send(
        &self,
        request: &Prepared,
        delivery: Delivery,
        budget: &mut Budget,
    ) -> Result<Reply> {
        if self.simulate && !matches!(*request.method(), Method::GET | Method::HEAD) {
            return Ok(Reply::Whole(simulated(request)));
        }
        let bucket = self.bucket(request).await;
        self.send_in(request, delivery, budget, &bucket).await
    }

    /// [`Executor::send`] metered by `bucket`.
    async fn send_in(
        &self,
        request: &Prepared,
        delivery: Delivery,
        budget: &mut Budget,
        bucket: &Bucket,
    ) -> Result<Reply> {
        loop {
            budget.start_attempt();
            let (error, retry_after) = match self.attempt(request, delivery, bucket).await {
                Ok(Reply::Whole(response)) if response.status().is_success() => {
                    self.limiter
                        .observe(bucket, response.status(), response.url());
                    self.learn_from(request, &response);
                    return Ok(Reply::Whole(response));
                }
                Ok(Reply::Streamed(response)) => {
                    self.limiter
                        .observe(bucket, reqwest::StatusCode::OK, request.url());
                    return Ok(Reply::Streamed(response));
                }
                Ok(Reply::Whole(response)) => {
                    self.limiter
                        .observe(bucket, response.status(), response.url());
                    if acted_on(request, response.method())
                        || !retry::status_is_retryable(response.status(), request.method())
                    {
                        return Err(response.into_http_error());
                    }
                    let retry_after = retry::retry_after(response.headers());
                    (response.into_http_error(), retry_after)
                }
                Err(error) if may_retry(request, &error) => (error, None),
                Err(error) => return Err(error),
            };
            let Some(wait) = budget.next_wait(&self.retry, retry_after) else {
                tracing::warn!(
                    method = %request.method(),
                    url = %request.url(),
                    status = error.status().map(|s| s.as_u16()),
                    attempt = budget.attempts(),
                    request_id = error.request_id(),
                    error = %error,
                    "giving up",
                );
                return Err(Error::RetriesExhausted {
                    attempts: budget.attempts(),
                    last: Box::new(error),
                });
            };
            tracing::warn!(
                method = %request.method(),
                url = %request.url(),
                status = error.status().map(|s| s.as_u16()),
                attempt = budget.attempts(),
                wait_ms = millis(wait),
                request_id = error.request_id(),
                error = %error,
                "retrying",
            );
            self.limiter.retried(bucket, wait);
            tokio::time::sleep(wait).await;
            budget.spend(wait);
        }
    }

    /// Fetches a streamed page again after its body broke off with `error`, as the next attempt
    /// of the call that fetched it (`budget` is that call's). Only an idempotent request whose
    /// body failed in transit, and only while the budget allows; otherwise `error` is returned
    /// as it is, since the page's earlier items have already been handed out.
    pub(crate) async fn fetch_again(
        &self,
        request: &Prepared,
        budget: &mut Budget,
        error: Error,
    ) -> Result<StreamedResponse> {
        let in_transit = matches!(error, Error::Transport { .. } | Error::Timeout { .. });
        let wait = if in_transit && retry::is_idempotent(request.method()) {
            budget.next_wait(&self.retry, None)
        } else {
            None
        };
        let Some(wait) = wait else {
            tracing::warn!(
                url = %request.url(),
                attempt = budget.attempts(),
                error = %error,
                "page body broke off; giving up",
            );
            return Err(error);
        };
        tracing::warn!(
            url = %request.url(),
            attempt = budget.attempts(),
            wait_ms = millis(wait),
            error = %error,
            "page body broke off; fetching the page again",
        );
        tokio::time::sleep(wait).await;
        budget.spend(wait);
        match self.send(request, Delivery::Streamed, budget).await? {
            Reply::Streamed(response) => Ok(response),
            Reply::Whole(response) => Ok(StreamedResponse::read(response, self.max_body_bytes)),
        }
    }

    /// One attempt: sends the request, follows redirects up to the configured bound, and reads
    /// the final response's body unless it is a success to be streamed. A success body is read
    /// up to the body limit (over it: [`Error::BodyTooLarge`], not retried); an error body up to
    /// [`MAX_ERROR_BODY_BYTES`], then cut.
    async fn attempt(
        &self,
        request: &Prepared,
        delivery: Delivery,
        bucket: &Bucket,
    ) -> Result<Reply> {
        let timeout = request.timeout().unwrap_or(self.timeout);
        let (method, url, response) = self
            .follow_redirects(request, delivery, timeout, bucket)
            .await?;
        let status = response.status();
        if delivery == Delivery::Streamed && status.is_success() {
            let response =
                StreamedResponse::live(method, url, response, timeout, self.max_body_bytes);
            return Ok(Reply::Streamed(response));
        }
        let headers = response.headers().clone();
        let limit = self.max_body_bytes;
        let read = async {
            if status.is_success() {
                read_body(response, limit).await
            } else {
                read_error_body(response, limit.min(MAX_ERROR_BODY_BYTES))
                    .await
                    .map_err(BodyError::Transport)
            }
        };
        let body = match delivery {
            // reqwest's timeout, set on the request, also covers the body.
            Delivery::Whole => read.await,
            Delivery::Streamed => match tokio::time::timeout(timeout, read).await {
                Ok(read) => read,
                Err(elapsed) => return Err(timeout_error(&method, &url, elapsed)),
            },
        };
        let body = match body {
            Ok(body) => body,
            Err(BodyError::Transport(error)) => return Err(transport_error(&method, &url, error)),
            Err(BodyError::TooLarge { length }) => {
                return Err(too_large(&method, &url, limit, length, None))
            }
        };
        Ok(Reply::Whole(RawResponse::new(
            method, url, status, headers, body,
        )))
    }

    /// Sends the request and follows redirects; returns the final method, URL and response.
    /// A redirect to a host that may not have the key is an error, not a request without the
    /// key: the Dashboard's redirects stay on its hosts, and any other host could only answer
    /// `401 Invalid API key`, hiding where the call was sent.
    async fn follow_redirects(
        &self,
        request: &Prepared,
        delivery: Delivery,
        timeout: Duration,
        bucket: &Bucket,
    ) -> Result<(Method, Url, reqwest::Response)> {
        let mut method = request.method().clone();
        let mut url = request.url().clone();
        let mut body = request.body();
        let mut hops = 0;
        loop {
            let response = self
                .send_hop(&method, &url, body, delivery, timeout, bucket)
                .await?;
            let status = response.status();
            let location = match response.headers().get(LOCATION) {
                Some(location) if redirect::is_redirect(status) => location,
                // A 3xx without a Location is a final response (an HTTP error).
                _ => return Ok((method, url, response)),
            };
            if hops >= self.max_redirects {
                return Err(Error::Redirect {
                    method,
                    url: url.to_string(),
                    message: format!("too many redirects (limit {})", self.max_redirects),
                });
            }
            let target = location
                .to_str()
                .ok()
                .and_then(|l| url.join(l).ok())
                .filter(|t| matches!(t.scheme(), "http" | "https"))
                .ok_or_else(|| Error::Redirect {
                    method: method.clone(),
                    url: url.to_string(),
                    message: format!(
                        "unusable redirect Location {:?}",
                        redirect::shown_reference(&String::from_utf8_lossy(location.as_bytes()))
                    ),
                })?;
            if redirect::has_user_info(&target) {
                // reqwest would send it as `Authorization: Basic` beside the key.
                return Err(Error::Redirect {
                    method,
                    url: url.to_string(),
                    message: format!(
                        "the redirect Location {} carries user info (credentials), which is \
                         never sent; not followed",
                        redirect::without_user_info(&target)
                    ),
                });
            }
            if let Some(message) = self.trusted.refusal(&target) {
                return Err(Error::UntrustedRedirect {
                    method,
                    url: url.to_string(),
                    host: redirect::authority(&target),
                    message,
                });
            }
            tracing::debug!(from = %url, to = %target, status = status.as_u16(), "following redirect");
            let (next_method, keep_body) = redirect::method_after(status, &method);
            method = next_method;
            if !keep_body {
                body = None;
            }
            url = target;
            hops += 1;
        }
    }

    /// One HTTP exchange, after the rate limiter allows it; the key goes only to trusted hosts
    /// (a page link may name any host: it is followed, without the key).
    async fn send_hop(
        &self,
        method: &Method,
        url: &Url,
        body: Option<&[u8]>,
        delivery: Delivery,
        timeout: Duration,
        bucket: &Bucket,
    ) -> Result<reqwest::Response> {
        if self.limiter.paces() {
            self.limiter.acquire(bucket).await;
        } else {
            self.limiter.count_unpaced(bucket);
        }
        // Links, redirects and base URLs with user info are refused before they get here; as
        // reqwest would send it as a Basic credential beside the key, it is never left in a URL
        // that is sent, however it got there.
        let mut sent = url.clone();
        if redirect::has_user_info(&sent) {
            let _ = sent.set_password(None);
            let _ = sent.set_username("");
        }
        let mut builder = self.http.request(method.clone(), sent);
        if self.trusted.allows(url) {
            builder = builder.header(AUTHORIZATION, self.auth.clone());
        } else {
            tracing::debug!(%url, "not sending the API key to an untrusted host");
        }
        if let Some(body) = body {
            builder = builder
                .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
                .body(body.to_vec());
        }
        match delivery {
            Delivery::Whole => builder.timeout(timeout).send().await,
            Delivery::Streamed => match tokio::time::timeout(timeout, builder.send()).await {
                Ok(sent) => sent,
                Err(elapsed) => return Err(timeout_error(method, url, elapsed)),
            },
        }
        .map_err(|e| transport_error(method, url, e))
    }
}

/// Simulate mode's answer to a request it does not send (logged instead).
fn simulated(request: &Prepared) -> RawResponse {
    let body = request
        .body()
        .map(String::from_utf8_lossy)
        .unwrap_or_default();
    tracing::info!(
        method = %request.method(),
        url = %request.url(),
        body_bytes = body.len(),
        "simulate mode: request not sent",
    );
    tracing::debug!(method = %request.method(), url = %request.url(), body = %body, "simulated request body");
    RawResponse::simulated(request.method().clone(), request.url().clone())
}

/// Whether a failure to get a response may be retried: one the server cannot have acted on
/// (see [`retry::transport_is_retryable`]), and not after a 303 turned the request into a GET.
fn may_retry(request: &Prepared, error: &Error) -> bool {
    match error {
        Error::Transport { method, .. } | Error::Timeout { method, .. } => {
            !acted_on(request, method) && retry::transport_is_retryable(error, request.method())
        }
        _ => false,
    }
}

/// A 303 turned a non-idempotent request into a GET: the server already acted on the original,
/// so sending it again could repeat its effect, whatever happens to the GET.
fn acted_on(request: &Prepared, final_method: &Method) -> bool {
    !retry::is_idempotent(request.method()) && final_method != request.method()
}

fn millis(wait: Duration) -> u64 {
    u64::try_from(wait.as_millis()).unwrap_or(u64::MAX)
}
