//! The single error type of the runtime.
//!
//! No variant ever holds the API key: requests carry it only in a header that is never copied
//! into an error, and URLs never contain it.

use std::fmt;
use std::time::Duration;

use reqwest::{Method, StatusCode};

/// Shorthand used by the runtime and the generated client.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while configuring the client or performing a call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The client could not be configured (no API key, invalid base URL, caller or header, ...).
    #[error("invalid client configuration: {message}")]
    Config {
        /// What is wrong.
        message: String,
    },
    /// The request could not be built (invalid URL, a body or query value serde could not serialize, ...).
    #[error("could not build the request {method} {url}: {message}")]
    Request {
        /// HTTP method of the request.
        method: Method,
        /// The URL, as far as it could be built.
        url: String,
        /// What is wrong.
        message: String,
    },
    /// The request could not be sent or its response could not be read (DNS, TCP, TLS, reset, ...).
    #[error("{method} {url}: {}", chain(source))]
    Transport {
        /// HTTP method of the request.
        method: Method,
        /// The URL that was being requested.
        url: String,
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },
    /// The request, or connecting for it, took longer than the configured timeout (for a
    /// streamed page: the wait for its head or for more of its body).
    #[error("{method} {url}: timed out")]
    Timeout {
        /// HTTP method of the request.
        method: Method,
        /// The URL that was being requested.
        url: String,
        /// The underlying error: reqwest's, or the runtime's own timer for streamed pages.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The server answered with a status that is not a success.
    #[error(transparent)]
    Http(Box<HttpError>),
    /// The server answered with a success whose body is not what the operation declares.
    /// Boxed, like [`Error::Http`], so `Result<T, Error>` stays small on the happy path.
    #[error(transparent)]
    Decode(Box<DecodeError>),
    /// A response body, or one item of an array page whose items are streamed, is larger than
    /// the client's limit ([`ClientBuilder::max_body_bytes`], default
    /// [`DEFAULT_MAX_BODY_BYTES`](crate::DEFAULT_MAX_BODY_BYTES)). The body was read no further
    /// than the limit (and not at all when its `Content-Length` announced the size), so it never
    /// took more memory than that. Not retried: the same call gives the same body.
    ///
    /// [`ClientBuilder::max_body_bytes`]: crate::ClientBuilder::max_body_bytes
    #[error(
        "{method} {url}: {} is larger than the limit of {limit} bytes; if the response is \
         expected to be this large, raise the limit with ClientBuilder::max_body_bytes",
        too_large(*item, *length)
    )]
    BodyTooLarge {
        /// HTTP method of the request.
        method: Method,
        /// The URL of the response.
        url: String,
        /// The limit, in bytes.
        limit: u64,
        /// The body's `Content-Length`, when the server announced it.
        length: Option<u64>,
        /// For an array page whose items are streamed: the index of the item that is too large.
        item: Option<usize>,
    },
    /// Retrying was allowed but attempts or the total waiting budget ran out; `last` is the final failure.
    #[error("gave up after {attempts} attempt(s): {last}")]
    RetriesExhausted {
        /// How many times the request was sent.
        attempts: u32,
        /// The error of the final attempt (usually [`Error::Http`] with the last status).
        last: Box<Error>,
    },
    /// A redirect could not be followed (too many hops, unusable `Location`).
    #[error("{method} {url}: {message}")]
    Redirect {
        /// HTTP method of the request.
        method: Method,
        /// The URL that answered with the redirect.
        url: String,
        /// What is wrong.
        message: String,
    },
    /// A redirect pointed to a host that may not receive the API key, so it was not followed:
    /// the key was not sent there, and neither was the request. Following it without the key
    /// would only turn into a confusing `401 Invalid API key` from that host. `message` names
    /// the host and, when there is one, the remedy ([`ClientBuilder::trusted_redirect_hosts`]).
    ///
    /// [`ClientBuilder::trusted_redirect_hosts`]: crate::ClientBuilder::trusted_redirect_hosts
    #[error("{method} {url}: redirect to {host} not followed: {message}")]
    UntrustedRedirect {
        /// HTTP method of the request.
        method: Method,
        /// The URL that answered with the redirect.
        url: String,
        /// The redirect target's `host` or `host:port`, the form
        /// [`ClientBuilder::trusted_redirect_hosts`](crate::ClientBuilder::trusted_redirect_hosts) takes.
        host: String,
        /// Why the target may not receive the key, and how to trust it.
        message: String,
    },
    /// The `Link` header of a page could not be parsed, or its link names a target that cannot
    /// be a page (not `http(s)`, or with credentials in it), so it is unknown whether more pages
    /// exist. The link is not requested.
    #[error("pagination stopped at {url}: malformed Link header: {message}")]
    Pagination {
        /// The URL of the page whose `Link` header is malformed or unusable.
        url: String,
        /// What is wrong.
        message: String,
    },
    /// An action given to [`ActionBatches`](crate::ActionBatches) cannot be sent (empty
    /// resource or one that is not a path, empty operation, a body that could not be
    /// serialized); nothing was sent.
    #[error("action [{index}] ({resource:?}) cannot be sent in an action batch: {message}")]
    InvalidAction {
        /// The action's position among those given, from 0.
        index: usize,
        /// Its resource, as given.
        resource: String,
        /// What is wrong.
        message: String,
    },
    /// A request submitting or polling action batch `batch` failed (after the client's
    /// retries); `source` is the failure. Whether the batch ran is unknown when `id` is set
    /// (it was submitted, and may still be running at Meraki).
    #[error("action batch [{batch}]{}: {source}", batch_id(id.as_deref()))]
    ActionBatch {
        /// The batch's position in the plan, from 0.
        batch: usize,
        /// Meraki's id of the batch, when it was submitted.
        id: Option<String>,
        /// The failure of the request.
        source: Box<Error>,
    },
    /// Simulate mode did not send the request, and the operation's result type cannot be produced
    /// from an empty response (`null`, `{}` or `[]`).
    #[error("simulate mode: {method} {url} was not sent and its result type cannot be built from an empty response")]
    Simulated {
        /// HTTP method of the request.
        method: Method,
        /// The URL that would have been requested.
        url: String,
    },
}

/// Details of a success response whose body could not be decoded.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{method} {url}: could not decode the response (HTTP {status}) at `{path}`: {message}; body starts with: {excerpt}")]
#[non_exhaustive]
pub struct DecodeError {
    /// HTTP method of the request.
    pub method: Method,
    /// The URL of the response.
    pub url: String,
    /// The HTTP status of the response.
    pub status: StatusCode,
    /// Path to the failing field, e.g. `items[3].productType` (`.` for the top level).
    pub path: String,
    /// The decoder's message.
    pub message: String,
    /// The start of the body (at most [`BODY_EXCERPT_LIMIT`] bytes).
    pub excerpt: String,
}

/// Longest body excerpt kept in an error, so an error never holds a whole large page.
pub const BODY_EXCERPT_LIMIT: usize = 2048;

/// Details of a non-success HTTP response.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct HttpError {
    /// HTTP method of the request.
    pub method: Method,
    /// The URL that answered.
    pub url: String,
    /// The status of the response.
    pub status: StatusCode,
    /// Messages of Meraki's `{"errors": [...]}` body (empty when there are none).
    pub messages: Vec<String>,
    /// The `X-Request-Id` response header, to quote to Meraki support.
    pub request_id: Option<String>,
    /// The raw body (at most [`BODY_EXCERPT_LIMIT`] bytes) when it carried no Meraki error messages.
    pub body: Option<String>,
    /// The server's `Retry-After`, when it sent a usable one; [`Duration::MAX`] for a delay
    /// too long for a `Duration` (the call then gives up rather than wait).
    pub retry_after: Option<Duration>,
    /// The `Retry-After` header as the server sent it (at most 64 bytes of it), usable or not.
    pub retry_after_header: Option<String>,
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: HTTP {}", self.method, self.url, self.status)?;
        if !self.messages.is_empty() {
            write!(f, ": {}", self.messages.join("; "))?;
        } else if let Some(body) = self.body.as_deref().filter(|b| !b.trim().is_empty()) {
            write!(f, ": {}", body.trim())?;
        }
        if let Some(retry_after) = &self.retry_after_header {
            write!(f, " (Retry-After {retry_after})")?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

impl std::error::Error for HttpError {}

impl Error {
    /// The HTTP status of the (last) response, if the server answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Http(e) => Some(e.status),
            Error::Decode(decode) => Some(decode.status),
            Error::RetriesExhausted { last, .. } | Error::ActionBatch { source: last, .. } => {
                last.status()
            }
            _ => None,
        }
    }

    /// Meraki's error messages of the (last) response; empty when there are none.
    pub fn messages(&self) -> &[String] {
        match self {
            Error::Http(e) => &e.messages,
            Error::RetriesExhausted { last, .. } | Error::ActionBatch { source: last, .. } => {
                last.messages()
            }
            _ => &[],
        }
    }

    /// The `X-Request-Id` of the (last) response.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Http(e) => e.request_id.as_deref(),
            Error::RetriesExhausted { last, .. } | Error::ActionBatch { source: last, .. } => {
                last.request_id()
            }
            _ => None,
        }
    }

    /// The HTTP error details, also when they are wrapped in [`Error::RetriesExhausted`].
    pub fn http(&self) -> Option<&HttpError> {
        match self {
            Error::Http(e) => Some(e),
            Error::RetriesExhausted { last, .. } | Error::ActionBatch { source: last, .. } => {
                last.http()
            }
            _ => None,
        }
    }

    /// Whether the call failed on a timeout (possibly after retries).
    pub fn is_timeout(&self) -> bool {
        match self {
            Error::Timeout { .. } => true,
            Error::RetriesExhausted { last, .. } | Error::ActionBatch { source: last, .. } => {
                last.is_timeout()
            }
            _ => false,
        }
    }

    /// Whether the runtime gave up retrying.
    pub fn is_retries_exhausted(&self) -> bool {
        matches!(self, Error::RetriesExhausted { .. })
    }

    pub(crate) fn config(message: impl Into<String>) -> Self {
        Error::Config {
            message: message.into(),
        }
    }
}

/// What [`Error::BodyTooLarge`] says is too large.
fn too_large(item: Option<usize>, length: Option<u64>) -> String {
    match (item, length) {
        (Some(item), _) => format!("item [{item}] of the page"),
        (None, Some(length)) => format!("the response body (Content-Length {length})"),
        (None, None) => "the response body".to_owned(),
    }
}

/// ` (id N)` after a batch's position, once Meraki gave it an id.
fn batch_id(id: Option<&str>) -> String {
    id.map(|id| format!(" (id {id})")).unwrap_or_default()
}

/// reqwest's own message is often just "error sending request"; the useful part is in its causes.
fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// The first `BODY_EXCERPT_LIMIT` bytes of a body as text, marked when cut.
pub(crate) fn excerpt(body: &[u8]) -> String {
    if body.len() <= BODY_EXCERPT_LIMIT {
        return String::from_utf8_lossy(body).into_owned();
    }
    let mut text = String::from_utf8_lossy(&body[..BODY_EXCERPT_LIMIT]).into_owned();
    // A multi-byte character cut at the limit decodes as U+FFFD; drop it rather than show garbage.
    if text.ends_with('\u{FFFD}') {
        text.pop();
    }
    text.push_str("...");
    text
}
