//! Streams of pages and items that follow the `Link` header (RFC 8288).
//!
//! Stopping rules, in order: the page limit is reached; a request fails (the error is the last
//! item); the page has no link of the wanted relation; the link was already visited (a server
//! loop: logged, then the stream ends normally). A malformed `Link` header is an error: the page
//! that carried it is yielded, then [`Error::Pagination`], then the stream ends — silently ending
//! would look like complete data while pages may be missing.

use std::collections::HashSet;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;

use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use reqwest::Url;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::array_page::{elements, ArrayPage};
use crate::error::{Error, Result};
use crate::exchange::{Delivery, Prepared, Reply};
use crate::executor::Executor;
use crate::link;
use crate::request::{Request, ResponseFuture};
use crate::response::{decode_error, decode_slice, DecodeElement, RawResponse};
use crate::retry::Budget;

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

impl<R: DeserializeOwned + Send + 'static> Request<R> {
    /// Follows the `Link` header across pages; `items` extracts the items of one page.
    pub fn paginate<I>(self, items: fn(R) -> Vec<I>) -> Paginator<R, I> {
        Paginator::new(self, items, None)
    }
}

impl<I: DeserializeOwned + Send + 'static> Request<Vec<I>> {
    /// [`Request::paginate`] for pages that are JSON arrays of items. Their item stream reads
    /// each page's body as it arrives and decodes each item as soon as its bytes are in, so
    /// neither the body nor the decoded page is held (decoding a whole page at once holds the
    /// body and every item: about three times the body).
    pub fn paginate_array(self) -> Paginator<Vec<I>, I> {
        Paginator::new(self, |page| page, Some(decode_slice::<I>))
    }
}

/// Pagination over a paginated operation; built by [`Request::paginate`] or
/// [`Request::paginate_array`].
pub struct Paginator<P, I> {
    request: Request<P>,
    items: fn(P) -> Vec<I>,
    /// For pages that are JSON arrays of items: decodes one element, so [`Paginator::items`]
    /// streams each page's body and decodes each item as it arrives instead of whole pages.
    decode_item: Option<DecodeElement<I>>,
    /// For pages that are objects: the member holding the items, for [`Paginator::items_json`].
    json_items: Option<&'static str>,
    max_pages: Option<usize>,
    direction: Direction,
}

impl<P, I> Clone for Paginator<P, I> {
    fn clone(&self) -> Self {
        Paginator {
            request: self.request.clone(),
            items: self.items,
            decode_item: self.decode_item,
            json_items: self.json_items,
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
            .field("json_items", &self.json_items)
            .finish()
    }
}

struct State {
    executor: Arc<Executor>,
    first: Option<Result<Prepared>>,
    template: Option<Prepared>,
    next: Option<Url>,
    /// Hashes of visited URLs: 8 bytes per page instead of the URL, to keep long walks small.
    seen: HashSet<u64>,
    pages: usize,
    max_pages: Option<usize>,
    direction: Direction,
    delivery: Delivery,
    pending_error: Option<Error>,
}

/// The hash of `url` as it is requested: without its fragment, which is never sent (links come
/// without one already, see [`link::find`]).
fn url_hash(url: &Url) -> u64 {
    let mut hasher = DefaultHasher::new();
    // A serialized URL's first `#` starts its fragment: elsewhere `#` is percent-encoded.
    let requested = url.as_str().split('#').next().unwrap_or_default();
    requested.hash(&mut hasher);
    hasher.finish()
}

impl<P, I> Paginator<P, I> {
    fn new(
        request: Request<P>,
        items: fn(P) -> Vec<I>,
        decode_item: Option<DecodeElement<I>>,
    ) -> Self {
        Paginator {
            request,
            items,
            decode_item,
            json_items: None,
            max_pages: None,
            direction: Direction::Next,
        }
    }

    /// Where [`Paginator::items_json`] finds the items of a page that is a JSON object: the
    /// array in its top-level member `field` (wire name). Generated operations whose pages are
    /// objects holding their items set it; see [`Paginator::items_json`] for the other pages.
    pub fn json_items_in(mut self, field: &'static str) -> Self {
        self.json_items = Some(field);
        self
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
            self.whole_pages()
                .map(|page| page.and_then(|raw| raw.decode::<P>())),
        )
    }

    /// The items of all pages. Pages that are JSON arrays (see [`Request::paginate_array`]) are
    /// streamed: each item is decoded as soon as its bytes have arrived, so neither the page's
    /// body nor its decoded items are held, only the part of the body being read and one item.
    /// Other pages are read and decoded whole, one page at a time.
    pub fn items(self) -> ResultStream<I> {
        let extract = self.items;
        match self.decode_item {
            None => end_after_error(self.whole_pages().flat_map(move |page| {
                stream::iter(match page {
                    Ok(raw) => whole_page(&raw, extract),
                    Err(error) => Items::Failed(Some(error)),
                })
            })),
            Some(decode) => {
                end_after_error(self.raw_pages(Delivery::Streamed).flat_map(move |page| {
                    match page {
                        Ok(Page::Whole(raw)) => stream::iter(whole_page(&raw, extract)).boxed(),
                        Ok(Page::Streamed(page)) => elements(page)
                            .map(move |element| element.and_then(|element| element.decode(decode)))
                            .boxed(),
                        Err(error) => stream::iter(Items::Failed(Some(error))).boxed(),
                    }
                }))
            }
        }
    }

    /// Every item of every page; the first error fails the whole collection.
    pub fn collect_all(self) -> ResponseFuture<Vec<I>> {
        Box::pin(self.items().try_collect::<Vec<I>>())
    }
}

/// The escape hatches: the same walk as [`Paginator::pages`] and [`Paginator::items`] (page
/// limit, direction, `Link` handling, retries, rate limiting, redirects), whatever the page and
/// item types are. Each is compiled once in the runtime, not per operation.
impl<P, I> Paginator<P, I> {
    /// Every item of every page as JSON, whatever `I` is. A page that is a JSON array gives its
    /// elements (streamed as [`Paginator::items`] streams them, for
    /// [`Request::paginate_array`]: no page is held whole); a page that is an object gives the
    /// elements of its member set with [`Paginator::json_items_in`] (none when that member is
    /// missing or `null`), or, when none is set, the page itself as one item; an empty page
    /// (`null`) gives none. Errors end the stream as for [`Paginator::items`]: a body that is not
    /// JSON, or a member that is not an array, is [`Error::Decode`] with its path and an excerpt.
    pub fn items_json(self) -> ResultStream<Value> {
        if self.decode_item.is_some() {
            json_array_items(self.raw_pages(Delivery::Streamed))
        } else {
            let field = self.json_items;
            json_page_items(self.whole_pages(), field)
        }
    }

    /// Every page as JSON, whatever `P` is (each read whole, one at a time).
    pub fn pages_json(self) -> ResultStream<Value> {
        json_pages(self.whole_pages())
    }

    /// Every page undecoded: status, headers (e.g. `Link`, `X-Request-Id`), body and URL, one at
    /// a time. A page with a non-success status ends the stream with [`Error::Http`], as
    /// [`Request::send_raw`] does.
    pub fn pages_raw(self) -> ResultStream<RawResponse> {
        end_after_error(self.whole_pages())
    }

    /// The pages, each read whole (not decoded), following the links.
    fn whole_pages(self) -> BoxStream<'static, Result<RawResponse>> {
        whole_pages(self.raw_pages(Delivery::Whole))
    }

    fn raw_pages(self, delivery: Delivery) -> BoxStream<'static, Result<Page>> {
        raw_pages(State {
            executor: self.request.executor().clone(),
            first: Some(self.request.prepare()),
            template: None,
            next: None,
            seen: HashSet::new(),
            pages: 0,
            max_pages: self.max_pages,
            direction: self.direction,
            delivery,
            pending_error: None,
        })
    }
}

/// A page as the walk hands it over: read, or with its body still to be streamed.
enum Page {
    Whole(Box<RawResponse>),
    Streamed(Box<ArrayPage>),
}

/// The pages of `pages`, with streamed bodies read whole (not expected, as they were asked for
/// whole; compiled once, for every page type).
fn whole_pages(pages: BoxStream<'static, Result<Page>>) -> BoxStream<'static, Result<RawResponse>> {
    pages
        .then(|page| async move {
            match page? {
                Page::Whole(raw) => Ok(*raw),
                Page::Streamed(page) => page.into_response().read_whole().await,
            }
        })
        .boxed()
}

/// The walk itself, independent of the page and item types so that it is compiled once rather
/// than for every paginated operation.
fn raw_pages(state: State) -> BoxStream<'static, Result<Page>> {
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
                state.template.as_ref()?.to(url)
            }
        };
        state.seen.insert(url_hash(prepared.url()));
        // Each page is a call of its own, with its own budget; a streamed page keeps it for
        // fetching its body again.
        let mut budget = Budget::new();
        let reply = match state
            .executor
            .send(&prepared, state.delivery, &mut budget)
            .await
        {
            Ok(reply) => reply,
            Err(error) => return Some((Err(error), state)),
        };
        state.pages += 1;
        let url = reply.url();
        match link::find(reply.headers(), url, state.direction.rel()) {
            Ok(Some(next)) if state.seen.contains(&url_hash(&next)) => {
                tracing::warn!(url = %next, "pagination link already visited; stopping");
            }
            Ok(Some(next)) => state.next = Some(next),
            Ok(None) => {}
            Err(message) => {
                state.pending_error = Some(Error::Pagination {
                    url: url.to_string(),
                    message,
                });
            }
        }
        let page = match reply {
            Reply::Whole(response) => Page::Whole(Box::new(response)),
            Reply::Streamed(response) => Page::Streamed(Box::new(ArrayPage::new(
                state.executor.clone(),
                prepared,
                response,
                budget,
            ))),
        };
        Some((Ok(page), state))
    })
    .boxed()
}

/// The items of array pages as JSON, each element decoded as soon as its bytes are in.
fn json_array_items(pages: BoxStream<'static, Result<Page>>) -> ResultStream<Value> {
    end_after_error(pages.flat_map(|page| {
        match page {
            Ok(Page::Whole(raw)) => stream::iter(whole_page(&raw, |page: Vec<Value>| page)).boxed(),
            Ok(Page::Streamed(page)) => elements(page)
                .map(|element| element.and_then(|element| element.decode(decode_slice::<Value>)))
                .boxed(),
            Err(error) => stream::iter(Items::Failed(Some(error))).boxed(),
        }
    }))
}

/// The items of pages read whole, as JSON: see [`Paginator::items_json`].
fn json_page_items(
    pages: BoxStream<'static, Result<RawResponse>>,
    field: Option<&'static str>,
) -> ResultStream<Value> {
    end_after_error(pages.flat_map(move |page| {
        stream::iter(match page {
            Ok(raw) => json_items_of(&raw, field),
            Err(error) => Items::Failed(Some(error)),
        })
    }))
}

fn json_items_of(raw: &RawResponse, field: Option<&'static str>) -> Items<Value> {
    let page = match raw.decode::<Value>() {
        Ok(page) => page,
        Err(error) => return Items::Failed(Some(error)),
    };
    let not_items = |path: &str, message: String| {
        Items::Failed(Some(decode_error(
            (raw.method(), raw.url(), raw.status()),
            path,
            message,
            raw.body(),
        )))
    };
    let items = match (page, field) {
        (Value::Null, _) => Vec::new(),
        (Value::Array(items), _) => items,
        (Value::Object(mut page), Some(field)) => match page.remove(field) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items,
            Some(_) => {
                return not_items(field, "expected the JSON array of the page's items".into())
            }
        },
        (page, None) => vec![page],
        (_, Some(field)) => {
            return not_items(
                ".",
                format!("expected a JSON object with the page's items in `{field}`"),
            )
        }
    };
    Items::Decoded(items.into_iter())
}

/// Pages read whole, as JSON.
fn json_pages(pages: BoxStream<'static, Result<RawResponse>>) -> ResultStream<Value> {
    end_after_error(pages.map(|page| page.and_then(|raw| raw.decode::<Value>())))
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

/// The items of a page read whole, as the item stream consumes them.
enum Items<I> {
    Decoded(std::vec::IntoIter<I>),
    Failed(Option<Error>),
}

impl<I> Iterator for Items<I> {
    type Item = Result<I>;

    fn next(&mut self) -> Option<Result<I>> {
        match self {
            Items::Decoded(items) => items.next().map(Ok),
            Items::Failed(error) => error.take().map(Err),
        }
    }
}
