//! A fully read response, and turning it into a value or an error.

use std::any::TypeId;
use std::collections::BTreeSet;
use std::sync::Mutex;

use bytes::Bytes;
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode, Url};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{excerpt, DecodeError, Error, HttpError, Result};
use crate::json_path::path_at;
use crate::lenient::{self, Failure, Repair};
use crate::retry;

/// A success response as it came: status, headers and the body's bytes, not decoded.
///
/// Returned by [`Request::send_raw`](crate::Request::send_raw) and
/// [`Paginator::pages_raw`](crate::Paginator::pages_raw), for what the typed API cannot express:
/// a header such as `X-Request-Id` or `Link`, a body that is not JSON, or decoding into a type of
/// your own with [`RawResponse::json`]. Only successes (2xx) are returned this way: a non-success
/// status is [`Error::Http`] as for `send` (see [`Request::send_raw`](crate::Request::send_raw)).
/// The runtime also uses it for every response it has read whole (at most one page is held at a
/// time).
///
/// Its `Debug` output shows at most [`BODY_EXCERPT_LIMIT`](crate::BODY_EXCERPT_LIMIT) bytes of
/// the body, so logging one never prints a whole large page.
#[derive(Clone)]
#[non_exhaustive]
pub struct RawResponse {
    method: Method,
    /// The URL that produced this response, after redirects.
    url: Url,
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    /// True when simulate mode answered instead of the server.
    simulated: bool,
}

impl std::fmt::Debug for RawResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawResponse")
            .field("method", &self.method)
            .field("url", &self.url.as_str())
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body_bytes", &self.body.len())
            .field("body", &excerpt(&self.body))
            .field("simulated", &self.simulated)
            .finish()
    }
}

impl RawResponse {
    /// A response the server sent, read whole.
    pub(crate) fn new(
        method: Method,
        url: Url,
        status: StatusCode,
        headers: HeaderMap,
        body: Bytes,
    ) -> RawResponse {
        RawResponse {
            method,
            url,
            status,
            headers,
            body,
            simulated: false,
        }
    }

    /// What simulate mode answers for a request it did not send: an empty `200`.
    pub(crate) fn simulated(method: Method, url: Url) -> RawResponse {
        RawResponse {
            method,
            url,
            status: StatusCode::OK,
            headers: HeaderMap::new(),
            body: Bytes::new(),
            simulated: true,
        }
    }

    /// The HTTP status (a success; `200` for a simulated response).
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response headers (none for a simulated response).
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The body as it was received (empty for a simulated response).
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The body, without copying it.
    pub fn into_body(self) -> Bytes {
        self.body
    }

    /// The URL that produced this response, after redirects (for a page: that page's URL).
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The method of the request that produced this response, after redirects (a 303 turns
    /// any method into `GET`).
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The `X-Request-Id` header, to quote to Meraki support.
    pub fn request_id(&self) -> Option<&str> {
        self.headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
    }

    /// Whether simulate mode answered instead of the server (the request was not sent).
    pub fn is_simulated(&self) -> bool {
        self.simulated
    }

    /// Decodes the body as `T` exactly as `send` decodes an operation's response: an empty
    /// body is JSON `null`, deviations from `T` are repaired and logged as described in the
    /// crate docs, and a body that still cannot be decoded is [`Error::Decode`], whose
    /// [`DecodeError`] carries the JSON `path` of the failing value and a bounded `excerpt` of
    /// the body. A simulated response decodes as the first of `null`, `{}`, `[]` that `T`
    /// accepts. `json::<serde_json::Value>()` is what `send_json` returns.
    pub fn json<T: DeserializeOwned + 'static>(&self) -> Result<T> {
        self.decode()
    }

    /// The body as text, invalid UTF-8 replaced by `U+FFFD`.
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }

    pub(crate) fn into_http_error(self) -> Error {
        let request_id = self.request_id().map(str::to_owned);
        let retry_after = retry::retry_after(&self.headers);
        let retry_after_header = self
            .headers
            .get(reqwest::header::RETRY_AFTER)
            .map(|value| shown_header(value.as_bytes()));
        let messages = meraki_messages(&self.body);
        let body = if messages.is_empty() && !self.body.is_empty() {
            Some(excerpt(&self.body))
        } else {
            None
        };
        Error::Http(Box::new(HttpError {
            method: self.method,
            url: self.url.to_string(),
            status: self.status,
            messages,
            request_id,
            body,
            retry_after,
            retry_after_header,
        }))
    }

    /// Decodes the body as `R`.
    ///
    /// An empty body decodes as JSON `null`, and `R = ()` ignores the body, so operations that
    /// declare no response content work whatever the server sends. A simulated response tries
    /// `null`, then `{}`, then `[]`, to give `Option`, all-optional structs and lists an empty value.
    pub(crate) fn decode<R: DeserializeOwned + 'static>(&self) -> Result<R> {
        // Every decoding below goes through the one `from_slice::<R>`, so each response type's
        // `Deserialize` is compiled once, for serde_json's slice reader (from_value or a
        // path-tracking wrapper would each compile it again).
        if TypeId::of::<R>() == TypeId::of::<()>() {
            return decode_strict(b"null").map_err(|(path, e)| self.decode_error(&path, e));
        }
        if self.simulated {
            return [&b"null"[..], b"{}", b"[]"]
                .into_iter()
                .find_map(|empty| decode_strict(empty).ok())
                .ok_or_else(|| Error::Simulated {
                    method: self.method.clone(),
                    url: self.url.to_string(),
                });
        }
        let body: &[u8] = if self.body.iter().all(u8::is_ascii_whitespace) {
            b"null"
        } else {
            &self.body
        };
        let (value, repairs) =
            decode_slice(body).map_err(|(path, e)| self.decode_error(&path, e))?;
        report_repairs(&self.method, &self.url, None, &repairs);
        Ok(value)
    }

    pub(crate) fn decode_error(&self, path: &str, error: serde_json::Error) -> Error {
        decode_error(
            (&self.method, &self.url, self.status),
            path,
            error.to_string(),
            &self.body,
        )
    }
}

/// A decoding error of the response to `method url` with `status`, at `path`; `shown` is the
/// part of the body the error quotes (its start is kept).
pub(crate) fn decode_error(
    (method, url, status): (&Method, &Url, StatusCode),
    path: &str,
    message: String,
    shown: &[u8],
) -> Error {
    Error::Decode(Box::new(DecodeError {
        method: method.clone(),
        url: url.to_string(),
        status,
        path: path.to_owned(),
        message,
        excerpt: excerpt(shown),
    }))
}

/// The path of `inner` (a path inside element `index` of an array page) from the page's top.
pub(crate) fn element_path(index: usize, inner: &str) -> String {
    match inner {
        "" | "." => format!("[{index}]"),
        inner if inner.starts_with('[') => format!("[{index}]{inner}"),
        inner => format!("[{index}].{inner}"),
    }
}

/// Decodes one element of an array page, repairing deviations from the spec; on failure also
/// gives the path inside the element.
pub(crate) type DecodeElement<I> = fn(&[u8]) -> std::result::Result<(I, Vec<Repair>), Failure>;

/// Decodes a JSON document, repairing deviations from the spec (see `lenient.rs`); on failure
/// also gives the path to where it failed.
pub(crate) fn decode_slice<T: DeserializeOwned>(
    json: &[u8],
) -> std::result::Result<(T, Vec<Repair>), Failure> {
    lenient::decode(json)
}

/// Decodes a JSON document as it is, for the empty bodies of simulate mode and `()`.
fn decode_strict<T: DeserializeOwned>(json: &[u8]) -> std::result::Result<T, Failure> {
    serde_json::from_slice(json)
        .map_err(|error| (path_at(json, error.line(), error.column()), error))
}

/// Call sites (method, URL path without ids, field path without indices) already warned about.
static WARNED: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());
/// Bounds [`WARNED`]: past it every repair is logged at debug level only.
const MAX_WARNED: usize = 4096;

/// Logs each repair: a warning the first time a call site shows it (`tracing` target
/// `meraki_runtime::deviation`), debug lines after that, so a deviation in every element of a
/// large list warns once, not per element. `element` is the element's index in an array page.
pub(crate) fn report_repairs(
    method: &Method,
    url: &Url,
    element: Option<usize>,
    repairs: &[Repair],
) {
    for repair in repairs {
        let path = match element {
            Some(index) => element_path(index, &repair.path),
            None => repair.path.clone(),
        };
        let site = format!(
            "{method} {} {}",
            without_ids(url.path()),
            without_indices(&path)
        );
        let first = {
            let mut warned = WARNED.lock().unwrap_or_else(|e| e.into_inner());
            warned.len() < MAX_WARNED && warned.insert(site)
        };
        if first {
            tracing::warn!(
                target: "meraki_runtime::deviation",
                %method, url = %url.path(), field = %path, found = %repair.found,
                expected = %repair.expected, action = %repair.action,
                "the response deviates from the API description; {} the value and kept the rest \
                 (further deviations at this field are logged at debug level)", repair.action
            );
        } else {
            tracing::debug!(
                target: "meraki_runtime::deviation",
                %method, url = %url.path(), field = %path, found = %repair.found,
                expected = %repair.expected, action = %repair.action,
                "the response deviates from the API description"
            );
        }
    }
}

/// `/networks/N_1/clients` → `/networks/*/clients`: segments with a digit stand for ids.
fn without_ids(path: &str) -> String {
    path.split('/')
        .map(|s| {
            if s.bytes().any(|b| b.is_ascii_digit()) {
                "*"
            } else {
                s
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// `[3].usage.sent` → `[].usage.sent`.
fn without_indices(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_index = false;
    for c in path.chars() {
        match c {
            '[' => {
                in_index = true;
                out.push('[');
            }
            ']' => {
                in_index = false;
                out.push(']');
            }
            _ if in_index => {}
            c => out.push(c),
        }
    }
    out
}

/// The most header text an error quotes.
const MAX_SHOWN_HEADER: usize = 64;

/// A header value as an error shows it: at most [`MAX_SHOWN_HEADER`] bytes, marked when cut.
fn shown_header(value: &[u8]) -> String {
    let cut = value.len().min(MAX_SHOWN_HEADER);
    let mut text = String::from_utf8_lossy(&value[..cut]).into_owned();
    if cut < value.len() {
        text.push_str("...");
    }
    text
}

/// The most Meraki messages an error keeps; each is cut like a body excerpt.
const MAX_MESSAGES: usize = 16;

/// Messages of Meraki's error body (none when it is not JSON): at most [`MAX_MESSAGES`], each
/// at most [`BODY_EXCERPT_LIMIT`](crate::BODY_EXCERPT_LIMIT) bytes, so that an error stays small
/// whatever the body.
fn meraki_messages(body: &[u8]) -> Vec<String> {
    let mut messages = all_meraki_messages(body);
    messages.truncate(MAX_MESSAGES);
    for message in &mut messages {
        if message.len() > crate::BODY_EXCERPT_LIMIT {
            *message = excerpt(message.as_bytes());
        }
    }
    messages
}

/// Every message of Meraki's error body.
///
/// The documented form is `{"errors": ["..."]}`; a bare string, objects with a `message` and a
/// top-level `message` are accepted too because gateways in front of the API produce them.
fn all_meraki_messages(body: &[u8]) -> Vec<String> {
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return Vec::new();
    };
    let text = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => o
            .get("message")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .or_else(|| Some(v.to_string())),
        Value::Null => None,
        other => Some(other.to_string()),
    };
    let messages = match value.get("errors") {
        Some(Value::Array(items)) => items.iter().filter_map(text).collect(),
        Some(other) => text(other).into_iter().collect(),
        None => value
            .get("message")
            .and_then(Value::as_str)
            .map(|m| vec![m.to_owned()])
            .unwrap_or_default(),
    };
    messages
}

#[cfg(test)]
mod tests {
    use super::meraki_messages;

    #[test]
    fn messages() {
        assert_eq!(
            meraki_messages(br#"{"errors":["a","b"]}"#),
            vec!["a".to_owned(), "b".to_owned()]
        );
        assert_eq!(meraki_messages(br#"{"errors":"a"}"#), vec!["a".to_owned()]);
        assert_eq!(
            meraki_messages(br#"{"errors":[{"message":"m","code":1}]}"#),
            vec!["m".to_owned()]
        );
        assert!(meraki_messages(b"<html>").is_empty());
        assert!(meraki_messages(b"[1]").is_empty());
        let many = serde_json::json!({ "errors": vec!["x".repeat(5000); 40] }).to_string();
        let kept = meraki_messages(many.as_bytes());
        assert_eq!(kept.len(), 16);
        assert!(kept
            .iter()
            .all(|m| m.len() <= crate::BODY_EXCERPT_LIMIT + 3));
    }
}
