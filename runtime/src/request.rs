//! One HTTP call being prepared by a generated operation builder, and sending it.
//!
//! A request holds the [`Executor`] that performs it, not the client: [`Request::new`], which
//! takes a [`Client`](crate::Client), is defined with the client, and [`Request::paginate`] with
//! the paginator, so this module depends on neither.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use reqwest::{Method, Url};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::exchange::Prepared;
use crate::executor::Executor;
use crate::query;
use crate::response::RawResponse;

/// The future of one call. Boxed and named so that a generated builder's `send` is a plain
/// forwarding function: an `async fn` per operation would give each of the hundreds of
/// operations a state machine of its own for the compiler to check.
pub type ResponseFuture<T> = BoxFuture<'static, Result<T>>;

/// One HTTP call being prepared; `R` is the decoded success type.
pub struct Request<R> {
    call: Call,
    _response: PhantomData<fn() -> R>,
}

/// Everything about a request but its response type. Kept apart so that its code is compiled
/// once in this crate, not once per response type in the generated crate (where `Request<R>`'s
/// methods are instantiated for each of hundreds of `R`).
#[derive(Clone)]
struct Call {
    executor: Arc<Executor>,
    method: Method,
    path: String,
    /// Flattened pairs per parameter name, in the order the names were first set.
    query: Vec<(&'static str, Vec<(String, String)>)>,
    body: Option<Vec<u8>>,
    timeout: Option<Duration>,
    /// The first failure while preparing, reported by `send` so builders stay infallible.
    error: Option<String>,
}

impl<R> Clone for Request<R> {
    fn clone(&self) -> Self {
        Request {
            call: self.call.clone(),
            _response: PhantomData,
        }
    }
}

impl<R> fmt::Debug for Request<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.call.fmt(f)
    }
}

impl fmt::Debug for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("body", &self.body.as_deref().map(String::from_utf8_lossy))
            .field("timeout", &self.timeout)
            .field("error", &self.error)
            .field("client", &self.executor)
            .finish()
    }
}

impl<R> Request<R> {
    /// A request to be performed by `executor`; `path` as for [`Request::new`].
    pub(crate) fn with_executor(executor: Arc<Executor>, method: Method, path: String) -> Self {
        Request {
            call: Call {
                executor,
                method,
                path,
                query: Vec::new(),
                body: None,
                timeout: None,
                error: None,
            },
            _response: PhantomData,
        }
    }

    /// Sets a query parameter, replacing any earlier value(s) of that name. The value is flattened
    /// the Meraki way: `null` omits the parameter, booleans are `true`/`false`, arrays become
    /// `name[]=a&name[]=b` (nothing when empty) and objects `name[key]=v`.
    pub fn query<V: Serialize + ?Sized>(&mut self, name: &'static str, value: &V) {
        self.call.query(name, serde_json::to_value(value));
    }

    /// Serializes the JSON request body now; a failure is kept and returned by `send`.
    pub fn json_body<B: Serialize + ?Sized>(&mut self, body: &B) {
        self.call.body(serde_json::to_vec(body));
    }

    /// [`Request::json_body`] as a chainable call, for builders that keep the body apart until
    /// they send.
    pub fn with_json_body<B: Serialize + ?Sized>(mut self, body: &B) -> Self {
        self.json_body(body);
        self
    }

    /// Overrides the client's request timeout for this call (each attempt gets the full timeout).
    pub fn timeout(&mut self, timeout: Duration) {
        self.call.timeout = Some(timeout);
    }

    /// The HTTP method.
    pub fn method(&self) -> &Method {
        &self.call.method
    }

    /// The full URL the request would be sent to, query string included.
    pub fn url(&self) -> Result<Url> {
        self.call.build_url()
    }

    /// Sends the request like [`Request::send`] and returns the body as JSON, whatever `R` is:
    /// for what the typed response cannot express (a field the spec does not declare, a value
    /// of another type than declared). Retries, rate limiting, redirects and simulate mode are
    /// those of `send`, as are the errors: a non-success status is [`Error::Http`], a body that
    /// is not JSON [`Error::Decode`] (with the body's start in
    /// [`DecodeError::excerpt`](crate::DecodeError::excerpt)). An empty body (e.g. 204) is
    /// `null`; in simulate mode a request other than GET/HEAD is not sent and gives `null`.
    ///
    /// Compiled once in the runtime, not per response type.
    pub fn send_json(self) -> ResponseFuture<serde_json::Value> {
        self.call.send_json()
    }

    /// Sends the request like [`Request::send`] and returns the response undecoded: status,
    /// headers, the body's bytes and the final URL ([`RawResponse`]).
    ///
    /// **Non-success statuses are still errors**: after retries, a status that is not 2xx is
    /// [`Error::Http`], exactly as for `send` (with Meraki's messages, the request id, the
    /// `Retry-After` and, when the body holds no Meraki messages, its first
    /// [`BODY_EXCERPT_LIMIT`](crate::BODY_EXCERPT_LIMIT) bytes), so error handling is the same
    /// whichever way a call is sent; a [`RawResponse`] is always a success. Retries, rate
    /// limiting, redirects and simulate mode are those of `send` (the same call path); a
    /// simulated request gives an empty `200` body with
    /// [`RawResponse::is_simulated`] set.
    ///
    /// Compiled once in the runtime, not per response type.
    pub fn send_raw(self) -> ResponseFuture<RawResponse> {
        self.call.execute()
    }

    pub(crate) fn prepare(&self) -> Result<Prepared> {
        self.call.prepare()
    }

    pub(crate) fn executor(&self) -> &Arc<Executor> {
        &self.call.executor
    }
}

impl Call {
    fn query(&mut self, name: &'static str, value: serde_json::Result<serde_json::Value>) {
        let mut pairs = Vec::new();
        match value {
            Ok(value) => query::flatten(name, &value, &mut pairs),
            Err(e) => {
                self.error
                    .get_or_insert_with(|| format!("query parameter `{name}`: {e}"));
            }
        }
        match self.query.iter_mut().find(|(n, _)| *n == name) {
            Some((_, existing)) => *existing = pairs,
            None => self.query.push((name, pairs)),
        }
    }

    fn body(&mut self, body: serde_json::Result<Vec<u8>>) {
        match body {
            Ok(bytes) => self.body = Some(bytes),
            Err(e) => {
                self.error
                    .get_or_insert_with(|| format!("request body: {e}"));
            }
        }
    }

    fn build_url(&self) -> Result<Url> {
        let base = self.executor.base_url();
        let separator = if self.path.starts_with('/') { "" } else { "/" };
        let text = format!("{base}{separator}{}", self.path);
        // URL parsing would resolve `..` (also written `%2e%2e`) and silently call another
        // endpoint, so a path parameter such as ".." is refused instead.
        let is_dot_segment = |segment: &str| {
            let decoded = segment.to_ascii_lowercase().replace("%2e", ".");
            decoded == "." || decoded == ".."
        };
        if self.path.split(['/', '?']).any(is_dot_segment) {
            return Err(Error::Request {
                method: self.method.clone(),
                url: text,
                message: "the path contains a `.` or `..` segment".to_owned(),
            });
        }
        let mut url = Url::parse(&text).map_err(|e| Error::Request {
            method: self.method.clone(),
            url: text.clone(),
            message: format!("invalid URL: {e}"),
        })?;
        let query = query::encode(self.query.iter().flat_map(|(_, pairs)| pairs));
        if !query.is_empty() {
            url.set_query(Some(&query));
        }
        Ok(url)
    }

    fn prepare(&self) -> Result<Prepared> {
        let url = self.build_url()?;
        if let Some(message) = &self.error {
            return Err(Error::Request {
                method: self.method.clone(),
                url: url.to_string(),
                message: message.clone(),
            });
        }
        Ok(Prepared::new(
            self.method.clone(),
            url,
            self.body.clone(),
            self.timeout,
        ))
    }

    /// Sends the request and reads the response; boxed so that `Request::<R>::send` only adds
    /// the decoding on top. The one call path of `send`, `send_json` and `send_raw`.
    fn execute(self) -> BoxFuture<'static, Result<RawResponse>> {
        Box::pin(async move {
            let prepared = self.prepare()?;
            self.executor.execute(&prepared).await
        })
    }

    fn send_json(self) -> ResponseFuture<serde_json::Value> {
        let response = self.execute();
        Box::pin(async move { response.await?.decode() })
    }
}

impl<R: DeserializeOwned + Send + 'static> Request<R> {
    /// Sends the request (with the client's retries, rate limiting and redirect policy) and
    /// decodes the response.
    ///
    /// An empty success body (e.g. 204) decodes as JSON `null`, so `R = ()` and `R = Option<T>`
    /// work; `R = ()` ignores any body.
    ///
    /// In simulate mode a request other than GET/HEAD is logged and not sent, and `send` returns
    /// the first of `null`, `{}`, `[]` that `R` can be decoded from (`None`, a struct whose
    /// fields are all optional, an empty list), or [`Error::Simulated`] when none fits.
    ///
    /// When `R` cannot express the response, [`Request::send_json`] returns it as JSON and
    /// [`Request::send_raw`] as bytes with status and headers, through the same call path.
    pub fn send(self) -> ResponseFuture<R> {
        let response = self.call.execute();
        Box::pin(async move { response.await?.decode() })
    }
}
