//! Performing one logical call: rate limiting, redirects, retries and simulate mode.

use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE, LOCATION};
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

impl Client {
    /// Sends `request` until it succeeds, fails for good, or the retry budget runs out.
    /// Any non-success final status is returned as an error.
    pub(crate) async fn execute(&self, request: &Prepared) -> Result<RawResponse> {
        let inner = &self.inner;
        if inner.simulate && !matches!(request.method, Method::GET | Method::HEAD) {
            return Ok(self.simulated(request));
        }
        let config = &inner.retry;
        let mut waited = Duration::ZERO;
        let mut attempt: u32 = 1;
        loop {
            let (error, wait, status, request_id) =
                match self.send_following_redirects(request).await {
                    Ok(response) if response.status.is_success() => return Ok(response),
                    Ok(response) => {
                        if acted_on(request, &response.method)
                            || !retry::status_is_retryable(response.status, &request.method)
                        {
                            return Err(response.into_http_error());
                        }
                        let wait = retry::retry_after(&response.headers)
                            .unwrap_or_else(|| retry::backoff(config, attempt));
                        let status = Some(response.status);
                        let request_id = response.request_id();
                        (response.into_http_error(), wait, status, request_id)
                    }
                    Err(error) => {
                        let retryable = match &error {
                            Error::Transport { source, method, .. }
                            | Error::Timeout { source, method, .. } => {
                                !acted_on(request, method)
                                    && retry::transport_is_retryable(source, &request.method)
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

    /// One attempt: sends the request and follows redirects up to the configured bound.
    async fn send_following_redirects(&self, request: &Prepared) -> Result<RawResponse> {
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
            if let Some(timeout) = request.timeout {
                builder = builder.timeout(timeout);
            }
            let response = builder
                .send()
                .await
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
            let headers = response.headers().clone();
            let body = read_body(response)
                .await
                .map_err(|e| transport_error(&method, &url, e))?;
            return Ok(RawResponse {
                method,
                url,
                status,
                headers,
                body,
                simulated: false,
            });
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
            source,
        }
    } else {
        Error::Transport {
            method,
            url,
            source,
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
