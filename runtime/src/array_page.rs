//! One page that is a JSON array, read as it arrives and handed out one element at a time.
//!
//! Memory: the chunk being scanned (a slice of hyper's read buffer), the bytes of an element cut
//! by a chunk boundary, and the element being decoded; never the whole body nor the decoded page.
//! One element is held at most up to the body limit (`ClientBuilder::max_body_bytes`): an
//! element growing past it is `Error::BodyTooLarge`, its bytes dropped, the body read no further.
//! The connection stays with the page until its body has been read, which is why its timeout
//! covers each wait for data rather than the whole page (see `exchange::Delivery`).
//!
//! A body that breaks off (reset, timeout) is fetched again when the method is idempotent and the
//! page's retry budget allows (the budget of the call that fetched it, kept by the page: see
//! `Executor::fetch_again`), and the elements already handed out are skipped: the caller sees
//! each element once, as if nothing had happened. This relies on the same URL giving the same
//! page again, which holds for Meraki's cursor links (`startingAfter`/`endingBefore`).

use std::sync::Arc;

use bytes::Bytes;
use futures::stream::{self, BoxStream, StreamExt};
use reqwest::{Method, StatusCode, Url};

use crate::array::{ArrayScanner, Scan};
use crate::error::{Error, Result};
use crate::exchange::{BoundedBody, Prepared, StreamedResponse};
use crate::executor::Executor;
use crate::rate_limit::organizations::Context;
use crate::response::{decode_error, element_path, report_repairs, DecodeElement, RawResponse};
use crate::retry::Budget;

/// One element of an array page, not decoded yet.
pub(crate) struct Element {
    index: usize,
    json: Bytes,
    origin: Arc<Origin>,
}

/// The response an element comes from, for its decoding error.
struct Origin {
    method: Method,
    url: Url,
    status: StatusCode,
}

impl Element {
    /// The only step generic over the item type.
    pub(crate) fn decode<I>(self, decode: DecodeElement<I>) -> Result<I> {
        let (item, repairs) = decode(&self.json).map_err(|(path, error)| {
            decode_error(
                self.origin.parts(),
                &element_path(self.index, &path),
                error.to_string(),
                &self.json,
            )
        })?;
        if !repairs.is_empty() {
            let (method, url, _) = self.origin.parts();
            report_repairs(method, url, Some(self.index), &repairs);
        }
        Ok(item)
    }
}

/// The elements of `page` as they arrive; an error ends the stream.
pub(crate) fn elements(page: Box<ArrayPage>) -> BoxStream<'static, Result<Element>> {
    stream::unfold(Some(page), |page| async move {
        let mut page = page?;
        match page.next().await {
            Ok(Some(element)) => Some((Ok(element), Some(page))),
            Ok(None) => None,
            Err(error) => Some((Err(error), None)),
        }
    })
    .boxed()
}

pub(crate) struct ArrayPage {
    executor: Arc<Executor>,
    /// The request of this page, to fetch it again when its body breaks off.
    request: Prepared,
    /// What the call that fetched this page has spent; fetching it again spends more of it.
    budget: Budget,
    response: StreamedResponse,
    origin: Arc<Origin>,
    scanner: ArrayScanner,
    chunk: Bytes,
    /// Where scanning resumes in `chunk`.
    at: usize,
    /// The element in progress started in `chunk`, here.
    start: Option<usize>,
    /// The element in progress started in an earlier chunk: its bytes from there.
    carry: Vec<u8>,
    /// Elements found in this body so far.
    found: usize,
    /// Elements handed out from an earlier body of the same page, skipped in this one.
    skip: usize,
    /// Set when the page lists networks or devices: each element teaches the rate limiter which
    /// organization they belong to.
    learning: Option<Context>,
}

impl ArrayPage {
    pub(crate) fn new(
        executor: Arc<Executor>,
        request: Prepared,
        response: StreamedResponse,
        budget: Budget,
    ) -> ArrayPage {
        ArrayPage {
            learning: executor.learning_context(&request),
            executor,
            request,
            budget,
            origin: Arc::new(Origin::of(&response)),
            response,
            scanner: ArrayScanner::new(),
            chunk: Bytes::new(),
            at: 0,
            start: None,
            carry: Vec::new(),
            found: 0,
            skip: 0,
        }
    }

    /// The next element, reading more of the body as needed; `None` after the last.
    async fn next(&mut self) -> Result<Option<Element>> {
        loop {
            match self.scanner.scan(&self.chunk, &mut self.at) {
                Scan::NeedMore => {
                    let rest = match self.start.take() {
                        Some(start) => &self.chunk[start..],
                        None if self.scanner.in_element() => &self.chunk[..],
                        None => &[],
                    };
                    if self.carry.len().saturating_add(rest.len()) > self.limit() {
                        return Err(self.response.too_large(Some(self.found)));
                    }
                    self.carry.extend_from_slice(rest);
                    self.at = 0;
                    self.chunk = Bytes::new();
                    match self.read_chunk().await? {
                        Some(chunk) => self.chunk = chunk,
                        // Only whitespace: decoded as a page, an empty body is `null`.
                        None if !self.scanner.started() => {
                            return Err(not_an_array(&self.response.with_body(Vec::new())))
                        }
                        None => {
                            return match self.scanner.finish() {
                                None => Ok(None),
                                Some(why) => Err(self.malformed(why)),
                            }
                        }
                    }
                }
                Scan::Start(start) => self.start = Some(start),
                Scan::End(end) => {
                    let length = match self.start {
                        Some(start) => end - start,
                        None => self.carry.len().saturating_add(end),
                    };
                    if length > self.limit() {
                        return Err(self.response.too_large(Some(self.found)));
                    }
                    let element = match self.start.take() {
                        Some(start) => self.chunk.slice(start..end),
                        None => {
                            self.carry.extend_from_slice(&self.chunk[..end]);
                            Bytes::from(std::mem::take(&mut self.carry))
                        }
                    };
                    let index = self.found;
                    self.found += 1;
                    if index >= self.skip {
                        if let Some(context) = &self.learning {
                            self.executor.learn_item(context, &element);
                        }
                        return Ok(Some(Element {
                            index,
                            json: element,
                            origin: self.origin.clone(),
                        }));
                    }
                }
                Scan::NotArray => return Err(not_an_array(&self.read_rest().await?)),
                Scan::Malformed(why) => return Err(self.malformed(why)),
            }
        }
    }

    /// The largest element held, and the largest body read whole for an error.
    fn limit(&self) -> usize {
        usize::try_from(self.response.limit()).unwrap_or(usize::MAX)
    }

    fn malformed(&self, why: &str) -> Error {
        // The bytes around the problem say more than the start of a body that is long gone.
        let from = self.at.saturating_sub(64).min(self.chunk.len());
        decode_error(
            self.origin.parts(),
            ".",
            format!("malformed JSON array: {why}"),
            &self.chunk[from..],
        )
    }

    /// The next chunk of the body; when the body breaks off, of the body fetched again.
    async fn read_chunk(&mut self) -> Result<Option<Bytes>> {
        loop {
            match self.response.chunk().await {
                Ok(chunk) => return Ok(chunk),
                Err(error) => self.fetch_again(error).await?,
            }
        }
    }

    /// Requests the page again after its body broke off with `error` (or returns the error when
    /// the executor does not fetch it again); scanning restarts and skips the elements already
    /// handed out.
    async fn fetch_again(&mut self, error: Error) -> Result<()> {
        let response = self
            .executor
            .fetch_again(&self.request, &mut self.budget, error)
            .await?;
        let budget = std::mem::take(&mut self.budget);
        let fresh = ArrayPage::new(
            self.executor.clone(),
            self.request.clone(),
            response,
            budget,
        );
        *self = ArrayPage {
            // A body that broke off before reaching the earlier one's point must not lower the mark.
            skip: self.skip.max(self.found),
            ..fresh
        };
        Ok(())
    }

    /// The response, with what is left of its body.
    pub(crate) fn into_response(self) -> StreamedResponse {
        self.response
    }

    /// The whole body: what was scanned of it (only whitespace before the current chunk) and
    /// the rest, within the body limit ([`Error::BodyTooLarge`] past it).
    async fn read_rest(&mut self) -> Result<RawResponse> {
        let mut body = BoundedBody::new(self.response.limit(), self.response.content_length());
        if body.push(&self.chunk).is_err() {
            return Err(self.response.too_large(None));
        }
        // Not `read_chunk`: fetching again would restart the body this one continues.
        while let Some(chunk) = self.response.chunk().await? {
            if body.push(&chunk).is_err() {
                return Err(self.response.too_large(None));
            }
        }
        Ok(self.response.with_body(body.into_vec()))
    }
}

impl Origin {
    fn of(response: &StreamedResponse) -> Origin {
        Origin {
            method: response.method().clone(),
            url: response.url().clone(),
            status: response.status(),
        }
    }

    fn parts(&self) -> (&Method, &Url, StatusCode) {
        (&self.method, &self.url, self.status)
    }
}

/// Why a page that should be a JSON array is not, in the words of `serde_json` decoding it as a
/// list (what decoding it as the page type would say, without compiling that for every type).
fn not_an_array(response: &RawResponse) -> Error {
    match response.decode::<Vec<serde::de::IgnoredAny>>() {
        Err(error) => error,
        Ok(_) => decode_error(
            (response.method(), response.url(), response.status()),
            ".",
            "expected a JSON array".to_owned(),
            response.body(),
        ),
    }
}
