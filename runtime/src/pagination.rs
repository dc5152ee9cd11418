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

use crate::array::{ArrayElements, Element};
use crate::client::Client;
use crate::error::{Error, Result};
use crate::link;
use crate::request::{Request, ResponseFuture};
use crate::response::{DecodeElement, RawResponse};
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

/// Pagination over a paginated operation; built by [`Request::paginate`] or
/// [`Request::paginate_array`].
pub struct Paginator<P, I> {
    request: Request<P>,
    items: fn(P) -> Vec<I>,
    /// For pages that are JSON arrays of items: decodes one element, so [`Paginator::items`]
    /// decodes each item when it is reached instead of whole pages.
    decode_item: Option<DecodeElement<I>>,
    max_pages: Option<usize>,
    direction: Direction,
}

impl<P, I> Clone for Paginator<P, I> {
    fn clone(&self) -> Self {
        Paginator {
            request: self.request.clone(),
            items: self.items,
            decode_item: self.decode_item,
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
            .field("decodes_items_one_by_one", &self.decode_item.is_some())
            .finish()
    }
}

struct State {
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
}

fn url_hash(url: &Url) -> u64 {
    let mut hasher = DefaultHasher::new();
    url.as_str().hash(&mut hasher);
    hasher.finish()
}

impl<P, I> Paginator<P, I> {
    pub(crate) fn new(
        request: Request<P>,
        items: fn(P) -> Vec<I>,
        decode_item: Option<DecodeElement<I>>,
    ) -> Self {
        Paginator {
            request,
            items,
            decode_item,
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
        end_after_error(
            self.raw_pages()
                .map(|page| page.and_then(|raw| raw.decode::<P>())),
        )
    }

    /// The items of all pages, one page in memory at a time. Pages that are JSON arrays
    /// (see [`Request::paginate_array`]) are decoded one item at a time as the stream reaches
    /// it, so besides the item only the page's raw body is held.
    pub fn items(self) -> ResultStream<I> {
        let extract = self.items;
        let decode_item = self.decode_item;
        let items = self.raw_pages().flat_map(move |page| {
            let items = match page {
                Ok(raw) => match decode_item {
                    Some(decode) if !raw.simulated => match ArrayElements::new(raw.body.clone()) {
                        Some(elements) => Items::Lazy(Box::new(LazyItems {
                            raw,
                            elements,
                            decode,
                        })),
                        // Not an array after all: decoding the whole page explains what it is.
                        None => whole_page(&raw, extract),
                    },
                    _ => whole_page(&raw, extract),
                },
                Err(error) => Items::Failed(Some(error)),
            };
            stream::iter(items)
        });
        end_after_error(items)
    }

    /// Every item of every page; the first error fails the whole collection.
    pub fn collect_all(self) -> ResponseFuture<Vec<I>> {
        Box::pin(self.items().try_collect::<Vec<I>>())
    }

    /// The raw pages (read, not decoded), following the links.
    fn raw_pages(self) -> BoxStream<'static, Result<RawResponse>> {
        raw_pages(State {
            client: self.request.client().clone(),
            first: Some(self.request.prepare()),
            template: None,
            next: None,
            seen: HashSet::new(),
            pages: 0,
            max_pages: self.max_pages,
            direction: self.direction,
            pending_error: None,
        })
    }
}

/// The walk itself, independent of the page and item types so that it is compiled once rather
/// than for every paginated operation.
fn raw_pages(state: State) -> BoxStream<'static, Result<RawResponse>> {
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
        Some((Ok(response), state))
    })
    .boxed()
}

/// Ends a stream after its first error: a page (or item) we cannot read ends the walk, since
/// what follows it is unknown to the caller.
fn end_after_error<T: Send + 'static>(
    stream: impl futures::Stream<Item = Result<T>> + Send + 'static,
) -> ResultStream<T> {
    stream
        .scan(false, |failed, item| {
            let next = (!*failed).then(|| {
                *failed = item.is_err();
                item
            });
            futures::future::ready(next)
        })
        .boxed()
}

/// The items of a whole page, decoded at once.
fn whole_page<P: DeserializeOwned + 'static, I>(
    raw: &RawResponse,
    extract: fn(P) -> Vec<I>,
) -> Items<I> {
    match raw.decode::<P>() {
        Ok(page) => Items::Decoded(extract(page).into_iter()),
        Err(error) => Items::Failed(Some(error)),
    }
}

/// The items of one page, as the item stream consumes them.
enum Items<I> {
    Decoded(std::vec::IntoIter<I>),
    /// Elements of a JSON array page, each decoded when reached; the body stays alive meanwhile.
    Lazy(Box<LazyItems<I>>),
    Failed(Option<Error>),
}

/// Boxed in [`Items`]: one per page, and much larger than the other variants.
struct LazyItems<I> {
    raw: RawResponse,
    elements: ArrayElements,
    decode: DecodeElement<I>,
}

impl<I> Iterator for Items<I> {
    type Item = Result<I>;

    fn next(&mut self) -> Option<Result<I>> {
        let result = match self {
            Items::Decoded(items) => return items.next().map(Ok),
            Items::Failed(error) => return error.take().map(Err),
            Items::Lazy(lazy) => match lazy.elements.next()? {
                Element::Item(index, range) => (lazy.decode)(&lazy.elements.body()[range])
                    .map_err(|(path, error)| lazy.raw.decode_element_error(index, &path, error)),
                Element::Malformed => Err(lazy.raw.syntax_error()),
            },
        };
        if result.is_err() {
            *self = Items::Failed(None);
        }
        Some(result)
    }
}
