//! What goes into one HTTP exchange and what comes out of it: the prepared request, how the body
//! of its response is handed over, and a response whose body is still being streamed.

use std::time::Duration;

use bytes::Bytes;
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode, Url};

use crate::error::{Error, Result};
use crate::response::RawResponse;

/// A request ready to send; cloned into each page of a walk.
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    method: Method,
    url: Url,
    body: Option<Vec<u8>>,
    /// Overrides the client's timeout for this request.
    timeout: Option<Duration>,
}

impl Prepared {
    pub(crate) fn new(
        method: Method,
        url: Url,
        body: Option<Vec<u8>>,
        timeout: Option<Duration>,
    ) -> Prepared {
        Prepared {
            method,
            url,
            body,
            timeout,
        }
    }

    /// The same request sent to `url`: the next page of a walk.
    pub(crate) fn to(&self, url: Url) -> Prepared {
        Prepared {
            url,
            ..self.clone()
        }
    }

    pub(crate) fn method(&self) -> &Method {
        &self.method
    }

    pub(crate) fn url(&self) -> &Url {
        &self.url
    }

    /// The JSON body, if any.
    pub(crate) fn body(&self) -> Option<&[u8]> {
        self.body.as_deref()
    }

    pub(crate) fn timeout(&self) -> Option<Duration> {
        self.timeout
    }
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

impl Reply {
    pub(crate) fn headers(&self) -> &HeaderMap {
        match self {
            Reply::Whole(response) => response.headers(),
            Reply::Streamed(response) => response.headers(),
        }
    }

    /// The URL that produced the response, after redirects.
    pub(crate) fn url(&self) -> &Url {
        match self {
            Reply::Whole(response) => response.url(),
            Reply::Streamed(response) => response.url(),
        }
    }
}

/// A success response whose body has not been read yet.
pub(crate) struct StreamedResponse {
    method: Method,
    /// The URL that produced this response, after redirects.
    url: Url,
    status: StatusCode,
    headers: HeaderMap,
    body: Source,
    /// The most of the body held at once: all of it when it is read whole, one item of it when
    /// it is an array page streamed item by item.
    limit: u64,
}

enum Source {
    Http(Box<LiveBody>),
    /// A body that was read already (what is left of it).
    Read(Option<Bytes>),
}

struct LiveBody {
    response: reqwest::Response,
    /// The longest wait for one chunk.
    timeout: Duration,
}

impl StreamedResponse {
    /// The response to `method url`, its body to be read from the connection, waiting at most
    /// `timeout` for each chunk; at most `limit` bytes of it are held at once.
    pub(crate) fn live(
        method: Method,
        url: Url,
        response: reqwest::Response,
        timeout: Duration,
        limit: u64,
    ) -> StreamedResponse {
        StreamedResponse {
            method,
            url,
            status: response.status(),
            headers: response.headers().clone(),
            body: Source::Http(Box::new(LiveBody { response, timeout })),
            limit,
        }
    }

    /// A response read already (within `limit`), as a stream of its one body chunk.
    pub(crate) fn read(response: RawResponse, limit: u64) -> StreamedResponse {
        StreamedResponse {
            method: response.method().clone(),
            url: response.url().clone(),
            status: response.status(),
            headers: response.headers().clone(),
            body: Source::Read(Some(response.into_body())),
            limit,
        }
    }

    /// The most of the body held at once (see [`ClientBuilder::max_body_bytes`]).
    ///
    /// [`ClientBuilder::max_body_bytes`]: crate::ClientBuilder::max_body_bytes
    pub(crate) fn limit(&self) -> u64 {
        self.limit
    }

    /// The `Content-Length` the server announced, if any.
    pub(crate) fn content_length(&self) -> Option<u64> {
        match &self.body {
            Source::Http(live) => live.response.content_length(),
            Source::Read(_) => None,
        }
    }

    /// [`Error::BodyTooLarge`] for this response (`item`: the index of the element of an array
    /// page that is too large).
    pub(crate) fn too_large(&self, item: Option<usize>) -> Error {
        too_large(
            &self.method,
            &self.url,
            self.limit,
            self.content_length(),
            item,
        )
    }

    pub(crate) fn method(&self) -> &Method {
        &self.method
    }

    pub(crate) fn url(&self) -> &Url {
        &self.url
    }

    pub(crate) fn status(&self) -> StatusCode {
        self.status
    }

    pub(crate) fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The next chunk of the body, `None` at its end.
    pub(crate) async fn chunk(&mut self) -> Result<Option<Bytes>> {
        match &mut self.body {
            Source::Http(live) => {
                match tokio::time::timeout(live.timeout, live.response.chunk()).await {
                    Ok(Ok(chunk)) => Ok(chunk),
                    Ok(Err(error)) => Err(transport_error(&self.method, &self.url, error)),
                    Err(elapsed) => Err(timeout_error(&self.method, &self.url, elapsed)),
                }
            }
            Source::Read(body) => Ok(body.take()),
        }
    }

    /// Reads the rest of the body, for a caller that needs it whole after all; a body over the
    /// limit is [`Error::BodyTooLarge`], read no further.
    pub(crate) async fn read_whole(mut self) -> Result<RawResponse> {
        let length = self.content_length();
        if length.is_some_and(|length| length > self.limit) {
            return Err(self.too_large(None));
        }
        let mut body = BoundedBody::new(self.limit, length);
        while let Some(chunk) = self.chunk().await? {
            if body.push(&chunk).is_err() {
                return Err(self.too_large(None));
            }
        }
        Ok(self.with_body(body.into_vec()))
    }

    /// This response with `body`, read whole.
    pub(crate) fn with_body(&self, body: Vec<u8>) -> RawResponse {
        RawResponse::new(
            self.method.clone(),
            self.url.clone(),
            self.status,
            self.headers.clone(),
            Bytes::from(body),
        )
    }
}

/// The most of a body preallocated from its `Content-Length`, so that a wrong header cannot
/// make us reserve gigabytes up front.
const MAX_PREALLOCATED_BODY: u64 = 64 * 1024 * 1024;

/// A body being read into one buffer that never grows past `limit`: a chunk that would take it
/// past the limit is refused, not copied, and the buffer's capacity doubles only up to the limit
/// (a plain `Vec` could double to twice the limit), so at most the limit and the chunk at hand
/// are held.
pub(crate) struct BoundedBody {
    bytes: Vec<u8>,
    limit: usize,
}

/// A chunk did not fit under the limit.
#[derive(Debug)]
pub(crate) struct OverLimit;

impl BoundedBody {
    /// An empty body of at most `limit` bytes, preallocated for `expected` bytes (bounded).
    pub(crate) fn new(limit: u64, expected: Option<u64>) -> BoundedBody {
        let preallocated = expected.unwrap_or(0).min(limit).min(MAX_PREALLOCATED_BODY);
        BoundedBody {
            bytes: Vec::with_capacity(usize::try_from(preallocated).unwrap_or(0)),
            limit: usize::try_from(limit).unwrap_or(usize::MAX),
        }
    }

    /// Appends `chunk`, or refuses it (keeping the body as it was) when it would cross the limit.
    pub(crate) fn push(&mut self, chunk: &[u8]) -> std::result::Result<(), OverLimit> {
        let needed = self
            .bytes
            .len()
            .checked_add(chunk.len())
            .filter(|&needed| needed <= self.limit)
            .ok_or(OverLimit)?;
        if needed > self.bytes.capacity() {
            let grown = needed
                .max(self.bytes.capacity().saturating_mul(2))
                .min(self.limit);
            self.bytes.reserve_exact(grown - self.bytes.len());
        }
        self.bytes.extend_from_slice(chunk);
        Ok(())
    }

    /// Appends what fits of `chunk` under the limit; returns whether the body is now full.
    fn push_truncated(&mut self, chunk: &[u8]) -> bool {
        let room = self.limit - self.bytes.len();
        let fits = chunk.len().min(room);
        // Cannot fail: `fits` bytes are within the limit.
        let _ = self.push(&chunk[..fits]);
        chunk.len() >= room
    }

    pub(crate) fn into_vec(self) -> Vec<u8> {
        self.bytes
    }
}

/// Why a body was not read.
pub(crate) enum BodyError {
    Transport(reqwest::Error),
    /// The body is larger than the limit; `length` is its `Content-Length`, when announced.
    TooLarge {
        length: Option<u64>,
    },
}

/// Reads the body of a success into one buffer of at most `limit` bytes (see [`BoundedBody`]),
/// dropping each chunk as soon as it is copied: hyper can then reuse its read buffer for the
/// next chunk, where `bytes()` keeps every chunk (slices of hyper's growing buffers) alive until
/// it copies them all together. A `Content-Length` over the limit is refused before reading.
pub(crate) async fn read_body(
    mut response: reqwest::Response,
    limit: u64,
) -> std::result::Result<Bytes, BodyError> {
    let length = response.content_length();
    if length.is_some_and(|length| length > limit) {
        return Err(BodyError::TooLarge { length });
    }
    let mut body = BoundedBody::new(limit, length);
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Transport)? {
        body.push(&chunk)
            .map_err(|OverLimit| BodyError::TooLarge { length })?;
    }
    Ok(Bytes::from(body.into_vec()))
}

/// Reads the body of an error response, at most `limit` bytes of it: what the error keeps of it
/// is an excerpt and the messages, and the status says what happened, so a longer body is cut
/// rather than turned into another error. The rest is not read (the connection is dropped).
pub(crate) async fn read_error_body(
    mut response: reqwest::Response,
    limit: u64,
) -> reqwest::Result<Bytes> {
    let mut body = BoundedBody::new(limit, response.content_length());
    while let Some(chunk) = response.chunk().await? {
        if body.push_truncated(&chunk) {
            tracing::debug!(
                url = %response.url(),
                limit,
                "error body cut at its limit; the rest is not read"
            );
            break;
        }
    }
    Ok(Bytes::from(body.into_vec()))
}

/// [`Error::BodyTooLarge`] for the response to `method url`.
pub(crate) fn too_large(
    method: &Method,
    url: &Url,
    limit: u64,
    length: Option<u64>,
    item: Option<usize>,
) -> Error {
    Error::BodyTooLarge {
        method: method.clone(),
        url: url.to_string(),
        limit,
        length,
        item,
    }
}

/// reqwest's failure of `method url`: a timeout when reqwest's own timer fired.
pub(crate) fn transport_error(method: &Method, url: &Url, source: reqwest::Error) -> Error {
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

/// The runtime's own timer fired (streamed pages, whose timeout reqwest cannot apply).
pub(crate) fn timeout_error(
    method: &Method,
    url: &Url,
    elapsed: tokio::time::error::Elapsed,
) -> Error {
    Error::Timeout {
        method: method.clone(),
        url: url.to_string(),
        source: Box::new(elapsed),
    }
}
