//! Streams of pages and items that follow the `Link` header (RFC 8288).
//!
//! Stopping rules, in order: the page limit is reached; a request fails (the error is the last
//! item); the page has no link of the wanted relation; the link was already visited (a server
//! loop: logged, then the stream ends normally). A malformed `Link` header is an error: the page
//! that carried it is yielded, then [`Error::Pagination`], then the stream ends — silently ending
//! would look like complete data while pages may be missing.

use std::collections::HashSet;
use std::hash::{DefaultHasher, Hash, Hasher};

use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use reqwest::Url;
use serde::de::DeserializeOwned;

use crate::client::Client;
use crate::error::{Error, Result};
use crate::link;
use crate::request::{Request, ResponseFuture};
use crate::transport::Prepared;

/// A stream of pages or items: boxed and named (it is `Unpin`, so `.next().await` works without
/// pinning, and generated builders forward to it without an opaque type of their own).
pub type ResultStream<T> = BoxStream<'static, Result<T>>;

/// Which relation to follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Direction {
    /// Follow `rel=next` (the default).
    #[default]
    Next,
    /// Follow `rel=prev` (or `rel=previous`), e.g. after starting from `endingBefore`.
    Prev,
}

impl Direction {
    fn rel(self) -> &'static str {
        match self {
            Direction::Next => "next",
            Direction::Prev => "prev",
        }
    }
}

/// Pagination over a paginated operation; built by [`Request::paginate`].
pub struct Paginator<P, I> {
    request: Request<P>,
    items: fn(P) -> Vec<I>,
    max_pages: Option<usize>,
    direction: Direction,
}

impl<P, I> Clone for Paginator<P, I> {
    fn clone(&self) -> Self {
        Paginator {
            request: self.request.clone(),
            items: self.items,
            max_pages: self.max_pages,
            direction: self.direction,
        }
    }
}

impl<P, I> std::fmt::Debug for Paginator<P, I> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Paginator")
            .field("request", &self.request)
            .field("max_pages", &self.max_pages)
            .field("direction", &self.direction)
            .finish()
    }
}

struct State<P> {
    client: Client,
    first: Option<Result<Prepared>>,
    template: Option<Prepared>,
    next: Option<Url>,
    /// Hashes of visited URLs: 8 bytes per page instead of the URL, to keep long walks small.
    seen: HashSet<u64>,
    pages: usize,
    max_pages: Option<usize>,
    direction: Direction,
    pending_error: Option<Error>,
    _page: std::marker::PhantomData<fn() -> P>,
}

fn url_hash(url: &Url) -> u64 {
    let mut hasher = DefaultHasher::new();
    url.as_str().hash(&mut hasher);
    hasher.finish()
}

impl<P, I> Paginator<P, I> {
    pub(crate) fn new(request: Request<P>, items: fn(P) -> Vec<I>) -> Self {
        Paginator {
            request,
            items,
            max_pages: None,
            direction: Direction::Next,
        }
    }

    /// Stops after `n` pages (0 yields nothing).
    pub fn max_pages(mut self, n: usize) -> Self {
        self.max_pages = Some(n);
        self
    }

    /// Which link relation to follow.
    pub fn direction(mut self, direction: Direction) -> Self {
        self.direction = direction;
        self
    }
}

impl<P: DeserializeOwned + Send + 'static, I: Send + 'static> Paginator<P, I> {
    /// The pages, fetched one at a time as the stream is polled.
    pub fn pages(self) -> ResultStream<P> {
        let state = State::<P> {
            client: self.request.client().clone(),
            first: Some(self.request.prepare()),
            template: None,
            next: None,
            seen: HashSet::new(),
            pages: 0,
            max_pages: self.max_pages,
            direction: self.direction,
            pending_error: None,
            _page: std::marker::PhantomData,
        };
        stream::unfold(state, |mut state| async move {
            if let Some(error) = state.pending_error.take() {
                return Some((Err(error), state));
            }
            if state.max_pages.is_some_and(|max| state.pages >= max) {
                return None;
            }
            let prepared = match state.first.take() {
                Some(Ok(first)) => {
                    state.template = Some(first.clone());
                    first
                }
                Some(Err(error)) => return Some((Err(error), state)),
                None => {
                    let url = state.next.take()?;
                    let mut prepared = state.template.clone()?;
                    prepared.url = url;
                    prepared
                }
            };
            state.seen.insert(url_hash(&prepared.url));
            let response = match state.client.execute(&prepared).await {
                Ok(response) => response,
                Err(error) => return Some((Err(error), state)),
            };
            state.pages += 1;
            match link::find(&response.headers, &response.url, state.direction.rel()) {
                Ok(Some(next)) if state.seen.contains(&url_hash(&next)) => {
                    tracing::warn!(url = %next, "pagination link already visited; stopping");
                }
                Ok(Some(next)) => state.next = Some(next),
                Ok(None) => {}
                Err(message) => {
                    state.pending_error = Some(Error::Pagination {
                        url: response.url.to_string(),
                        message,
                    });
                }
            }
            match response.decode::<P>() {
                Ok(page) => Some((Ok(page), state)),
                Err(error) => {
                    // A page we cannot read ends the walk: its successors are unknown to the caller.
                    state.next = None;
                    state.pending_error = None;
                    Some((Err(error), state))
                }
            }
        })
        .boxed()
    }

    /// The items of all pages, one page in memory at a time.
    pub fn items(self) -> ResultStream<I> {
        let extract = self.items;
        self.pages()
            .map(move |page| match page {
                Ok(page) => stream::iter(extract(page).into_iter().map(Ok)).left_stream(),
                Err(error) => stream::once(async move { Err(error) }).right_stream(),
            })
            .flatten()
            .boxed()
    }

    /// Every item of every page; the first error fails the whole collection.
    pub fn collect_all(self) -> ResponseFuture<Vec<I>> {
        Box::pin(self.items().try_collect::<Vec<I>>())
    }
}
