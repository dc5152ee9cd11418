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
    /// `timeout` for each chunk.
    pub(crate) fn live(
        method: Method,
        url: Url,
        response: reqwest::Response,
        timeout: Duration,
    ) -> StreamedResponse {
        StreamedResponse {
            method,
            url,
            status: response.status(),
            headers: response.headers().clone(),
            body: Source::Http(Box::new(LiveBody { response, timeout })),
        }
    }

    /// A response read already, as a stream of its one body chunk.
    pub(crate) fn read(response: RawResponse) -> StreamedResponse {
        StreamedResponse {
            method: response.method().clone(),
            url: response.url().clone(),
            status: response.status(),
            headers: response.headers().clone(),
            body: Source::Read(Some(response.into_body())),
        }
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

    /// Reads the rest of the body, for a caller that needs it whole after all.
    pub(crate) async fn read_whole(mut self) -> Result<RawResponse> {
        let mut body = Vec::new();
        while let Some(chunk) = self.chunk().await? {
            body.extend_from_slice(&chunk);
        }
        Ok(self.with_body(body))
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

/// Reads the body into one buffer sized from `Content-Length`, dropping each chunk as soon as it
/// is copied: hyper can then reuse its read buffer for the next chunk, where `bytes()` keeps
/// every chunk (slices of hyper's growing buffers) alive until it copies them all together.
pub(crate) async fn read_body(mut response: reqwest::Response) -> reqwest::Result<Bytes> {
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
