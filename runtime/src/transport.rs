//! Performing one logical call: rate limiting, redirects, retries and simulate mode.

use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION, CONTENT_TYPE, LOCATION};
use reqwest::{Method, StatusCode, Url};

use crate::client::Client;
use crate::error::{Error, Result};
use crate::redirect;
use crate::response::RawResponse;
use crate::retry;

/// A request ready to send; cloned into each attempt and each page.
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    pub(crate) method: Method,
    pub(crate) url: Url,
    pub(crate) body: Option<Vec<u8>>,
    pub(crate) timeout: Option<Duration>,
}

/// How the body of a success response is handed over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Delivery {
    /// Read completely within the attempt (and its timeout); failures while reading are retried.
    Whole,
    /// Left unread for the caller to stream; the timeout then limits the wait for the response
    /// head and each later wait for body data, not the time the caller takes between reads.
    Streamed,
}

/// A final response: a read one, or a success whose body is still to be streamed.
pub(crate) enum Reply {
    Whole(RawResponse),
    Streamed(StreamedResponse),
}

/// A success response whose body has not been read yet.
pub(crate) struct StreamedResponse {
    pub(crate) method: Method,
    /// The URL that produced this response, after redirects.
    pub(crate) url: Url,
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: BodyStream,
}

/// The body of a [`StreamedResponse`], read a chunk at a time.
pub(crate) struct BodyStream(Source);

enum Source {
    Http(Box<LiveBody>),
    /// A body that was read already (what is left of it).
    Read(Option<Bytes>),
}

struct LiveBody {
    response: reqwest::Response,
    method: Method,
    url: Url,
    /// The longest wait for one chunk.
    timeout: Duration,
}

impl BodyStream {
    /// The next chunk, `None` at the end of the body.
    pub(crate) async fn chunk(&mut self) -> Result<Option<Bytes>> {
        match &mut self.0 {
            Source::Http(live) => {
                match tokio::time::timeout(live.timeout, live.response.chunk()).await {
                    Ok(Ok(chunk)) => Ok(chunk),
                    Ok(Err(error)) => Err(transport_error(&live.method, &live.url, error)),
                    Err(elapsed) => Err(timeout_error(&live.method, &live.url, elapsed)),
                }
            }
            Source::Read(body) => Ok(body.take()),
        }
    }
}

impl Client {
    /// Sends `request` until it succeeds, fails for good, or the retry budget runs out, and reads
    /// the response. Any non-success final status is returned as an error.
    pub(crate) async fn execute(&self, request: &Prepared) -> Result<RawResponse> {
        match self.execute_as(request, Delivery::Whole).await? {
            Reply::Whole(response) => Ok(response),
            Reply::Streamed(response) => response.read_whole().await,
        }
    }

    /// [`Client::execute`], handing over the body of a success as `delivery` says (simulated
    /// responses are always whole).
    pub(crate) async fn execute_as(&self, request: &Prepared, delivery: Delivery) -> Result<Reply> {
        let inner = &self.inner;
        if inner.simulate && !matches!(request.method, Method::GET | Method::HEAD) {
            return Ok(Reply::Whole(self.simulated(request)));
        }
        let config = &inner.retry;
        let mut waited = Duration::ZERO;
        let mut attempt: u32 = 1;
        loop {
            let (error, wait, status, request_id) = match self.attempt(request, delivery).await {
                Ok(Reply::Whole(response)) if response.status.is_success() => {
                    return Ok(Reply::Whole(response))
                }
                Ok(Reply::Streamed(response)) => return Ok(Reply::Streamed(response)),
                Ok(Reply::Whole(response)) => {
                    if acted_on(request, &response.method)
                        || !retry::status_is_retryable(response.status, &request.method)
                    {
                        return Err(response.into_http_error());
                    }
                    let wait = retry::retry_after(&response.headers)
                        .unwrap_or_else(|| retry::backoff(config, attempt));
                    let status = Some(response.status);
                    let request_id = response.request_id().map(str::to_owned);
                    (response.into_http_error(), wait, status, request_id)
                }
                Err(error) => {
                    let retryable = match &error {
                        Error::Transport { method, .. } | Error::Timeout { method, .. } => {
                            !acted_on(request, method)
                                && retry::transport_is_retryable(&error, &request.method)
                        }
                        _ => false,
                    };
                    if !retryable {
                        return Err(error);
                    }
                    (error, retry::backoff(config, attempt), None, None)
                }
            };
            if attempt >= config.max_attempts || waited.saturating_add(wait) > config.max_total_wait
            {
                tracing::warn!(
                    method = %request.method,
                    url = %request.url,
                    status = status.map(|s| s.as_u16()),
                    attempt,
                    request_id = request_id.as_deref(),
                    error = %error,
                    "giving up",
                );
                return Err(Error::RetriesExhausted {
                    attempts: attempt,
                    last: Box::new(error),
                });
            }
            tracing::warn!(
                method = %request.method,
                url = %request.url,
                status = status.map(|s| s.as_u16()),
                attempt,
                wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                request_id = request_id.as_deref(),
                error = %error,
                "retrying",
            );
            tokio::time::sleep(wait).await;
            waited = waited.saturating_add(wait);
            attempt += 1;
        }
    }

    /// One attempt: sends the request, follows redirects up to the configured bound, and reads
    /// the final response's body unless it is a success to be streamed.
    async fn attempt(&self, request: &Prepared, delivery: Delivery) -> Result<Reply> {
        let timeout = request.timeout.unwrap_or(self.inner.timeout);
        let (method, url, response) = self
            .send_following_redirects(request, delivery, timeout)
            .await?;
        let status = response.status();
        let headers = response.headers().clone();
        if delivery == Delivery::Streamed && status.is_success() {
            let body = BodyStream(Source::Http(Box::new(LiveBody {
                response,
                method: method.clone(),
                url: url.clone(),
                timeout,
            })));
            return Ok(Reply::Streamed(StreamedResponse {
                method,
                url,
                status,
                headers,
                body,
            }));
        }
        let body = match delivery {
            // reqwest's timeout, set on the request, also covers the body.
            Delivery::Whole => read_body(response).await,
            Delivery::Streamed => match tokio::time::timeout(timeout, read_body(response)).await {
                Ok(read) => read,
                Err(elapsed) => return Err(timeout_error(&method, &url, elapsed)),
            },
        }
        .map_err(|e| transport_error(&method, &url, e))?;
        Ok(Reply::Whole(RawResponse {
            method,
            url,
            status,
            headers,
            body,
            simulated: false,
        }))
    }

    /// Sends the request and follows redirects; returns the final method, URL and response.
    async fn send_following_redirects(
        &self,
        request: &Prepared,
        delivery: Delivery,
        timeout: Duration,
    ) -> Result<(Method, Url, reqwest::Response)> {
        let inner = &self.inner;
        let mut method = request.method.clone();
        let mut url = request.url.clone();
        let mut body = request.body.clone();
        let mut hops = 0;
        loop {
            if let Some(limiter) = &inner.limiter {
                limiter.acquire(&url).await;
            }
            let mut builder = inner.http.request(method.clone(), url.clone());
            if inner.trusted.allows(&url) {
                builder = builder.header(AUTHORIZATION, inner.auth.clone());
            } else {
                tracing::debug!(%url, "not sending the API key to an untrusted host");
            }
            if let Some(body) = &body {
                builder = builder
                    .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
                    .body(body.clone());
            }
            let response = match delivery {
                Delivery::Whole => builder.timeout(timeout).send().await,
                Delivery::Streamed => match tokio::time::timeout(timeout, builder.send()).await {
                    Ok(sent) => sent,
                    Err(elapsed) => return Err(timeout_error(&method, &url, elapsed)),
                },
            }
            .map_err(|e| transport_error(&method, &url, e))?;
            let status = response.status();
            if redirect::is_redirect(status) {
                if let Some(location) = response.headers().get(LOCATION) {
                    if hops >= inner.max_redirects {
                        return Err(Error::Redirect {
                            method,
                            url: url.to_string(),
                            message: format!("too many redirects (limit {})", inner.max_redirects),
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
                            message: format!("unusable redirect Location {location:?}"),
                        })?;
                    tracing::debug!(from = %url, to = %target, status = status.as_u16(), "following redirect");
                    let (next_method, keep_body) = redirect::method_after(status, &method);
                    method = next_method;
                    if !keep_body {
                        body = None;
                    }
                    url = target;
                    hops += 1;
                    continue;
                }
            }
            return Ok((method, url, response));
        }
    }

    fn simulated(&self, request: &Prepared) -> RawResponse {
        let body = request
            .body
            .as_deref()
            .map(String::from_utf8_lossy)
            .unwrap_or_default();
        tracing::info!(
            method = %request.method,
            url = %request.url,
            body_bytes = body.len(),
            "simulate mode: request not sent",
        );
        tracing::debug!(method = %request.method, url = %request.url, body = %body, "simulated request body");
        RawResponse {
            method: request.method.clone(),
            url: request.url.clone(),
            status: StatusCode::OK,
            headers: Default::default(),
            body: Bytes::new(),
            simulated: true,
        }
    }
}

/// A 303 turned a non-idempotent request into a GET: the server already acted on the original,
/// so sending it again could repeat its effect, whatever happens to the GET.
fn acted_on(request: &Prepared, final_method: &Method) -> bool {
    !retry::is_idempotent(&request.method) && *final_method != request.method
}

fn transport_error(method: &Method, url: &Url, source: reqwest::Error) -> Error {
    let method = method.clone();
    let url = url.to_string();
    if source.is_timeout() {
        Error::Timeout {
            method,
            url,
            source: Box::new(source),
        }
    } else {
        Error::Transport {
            method,
            url,
            source,
        }
    }
}

fn timeout_error(method: &Method, url: &Url, elapsed: tokio::time::error::Elapsed) -> Error {
    Error::Timeout {
        method: method.clone(),
        url: url.to_string(),
        source: Box::new(elapsed),
    }
}

impl StreamedResponse {
    /// A response read already, as a stream of its one body chunk.
    pub(crate) fn read(response: RawResponse) -> StreamedResponse {
        StreamedResponse {
            method: response.method,
            url: response.url,
            status: response.status,
            headers: response.headers,
            body: BodyStream(Source::Read(Some(response.body))),
        }
    }

    /// Reads the rest of the body, for a caller that needs it whole after all.
    pub(crate) async fn read_whole(mut self) -> Result<RawResponse> {
        let mut body = Vec::new();
        while let Some(chunk) = self.body.chunk().await? {
            body.extend_from_slice(&chunk);
        }
        Ok(self.with_body(body))
    }

    /// This response with `body`, read whole.
    pub(crate) fn with_body(&self, body: Vec<u8>) -> RawResponse {
        RawResponse {
            method: self.method.clone(),
            url: self.url.clone(),
            status: self.status,
            headers: self.headers.clone(),
            body: Bytes::from(body),
            simulated: false,
        }
    }
}

/// The most of a body preallocated from its `Content-Length`, so that a wrong header cannot
/// make us reserve gigabytes up front.
const MAX_PREALLOCATED_BODY: u64 = 64 * 1024 * 1024;

/// Reads the body into one buffer sized from `Content-Length`, dropping each chunk as soon as it
/// is copied: hyper can then reuse its read buffer for the next chunk, where `bytes()` keeps
/// every chunk (slices of hyper's growing buffers) alive until it copies them all together.
async fn read_body(mut response: reqwest::Response) -> reqwest::Result<Bytes> {
    let expected = response
        .content_length()
        .unwrap_or(0)
        .min(MAX_PREALLOCATED_BODY);
    let mut body = Vec::with_capacity(expected as usize);
    while let Some(chunk) = response.chunk().await? {
        body.extend_from_slice(&chunk);
    }
    Ok(Bytes::from(body))
}
