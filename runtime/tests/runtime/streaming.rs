//! Array pages streamed as their body arrives: a body that breaks off or stalls, and a consumer
//! slower than the timeout. wiremock sends each body in one piece, so these tests use a small
//! scripted HTTP/1.1 server that writes each response the way its test says.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use meraki_runtime::{Client, Error, Method, Request, RetryConfig};
use serde::Deserialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{builder, fast_retry};

#[derive(Debug, Deserialize)]
struct Device {
    serial: String,
}

/// How the server writes the body of one response.
#[derive(Clone, Copy)]
enum Delivery {
    Whole,
    /// The first `n` bytes, then the connection is closed.
    BreakAfter(usize),
    /// The first `n` bytes, then nothing for the given time, then the rest.
    StallAfter(usize, Duration),
    /// No page: `429 Too Many Requests` with `Retry-After: 0`.
    TooManyRequests,
}

/// Serves `body` for every request; the response to the i-th request (0-based) is written as
/// `script[i]` says, and as [`Delivery::Whole`] after the script.
struct ScriptedServer {
    base_url: String,
    requests: Arc<AtomicUsize>,
}

impl ScriptedServer {
    async fn start(body: String, script: Vec<Delivery>) -> ScriptedServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}/api/v1", listener.local_addr().unwrap());
        let requests = Arc::new(AtomicUsize::new(0));
        let counter = requests.clone();
        let body = Arc::new(body);
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, body.clone(), script.clone(), counter.clone()));
            }
        });
        ScriptedServer { base_url, requests }
    }

    fn client(&self, retry: RetryConfig, timeout: Duration) -> Client {
        Client::builder()
            .api_key("k")
            .base_url(&self.base_url)
            .retry(retry)
            .timeout(timeout)
            .disable_rate_limit()
            .no_proxy()
            .build()
            .unwrap()
    }

    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

async fn serve(
    mut stream: TcpStream,
    body: Arc<String>,
    script: Vec<Delivery>,
    requests: Arc<AtomicUsize>,
) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    loop {
        while !head.ends_with(b"\r\n\r\n") {
            match stream.read(&mut byte).await {
                Ok(1) => head.push(byte[0]),
                _ => return,
            }
        }
        head.clear();
        let number = requests.fetch_add(1, Ordering::SeqCst);
        let delivery = script.get(number).copied().unwrap_or(Delivery::Whole);
        if let Delivery::TooManyRequests = delivery {
            let refusal =
                "HTTP/1.1 429 Too Many Requests\r\nretry-after: 0\r\ncontent-length: 0\r\n\r\n";
            if stream.write_all(refusal.as_bytes()).await.is_err() {
                return;
            }
            continue;
        }
        let body = body.as_bytes();
        let response_head = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
            body.len()
        );
        if stream.write_all(response_head.as_bytes()).await.is_err() {
            return;
        }
        let written = match delivery {
            Delivery::Whole | Delivery::TooManyRequests => stream.write_all(body).await,
            Delivery::BreakAfter(n) => {
                let _ = stream.write_all(&body[..n]).await;
                let _ = stream.flush().await;
                return;
            }
            Delivery::StallAfter(n, pause) => {
                let _ = stream.write_all(&body[..n]).await;
                let _ = stream.flush().await;
                tokio::time::sleep(pause).await;
                stream.write_all(&body[n..]).await
            }
        };
        if written.is_err() {
            return;
        }
    }
}

/// A page of `count` devices `d0`, `d1`, … as JSON.
fn devices(count: usize) -> String {
    let items: Vec<String> = (0..count)
        .map(|i| format!(r#"{{"serial":"d{i}","padding":"{}"}}"#, "x".repeat(40)))
        .collect();
    format!("[{}]", items.join(","))
}

fn request(client: &Client) -> Request<Vec<Device>> {
    Request::new(client, Method::GET, "/organizations/1/devices".into())
}

async fn serials(client: &Client) -> Vec<Result<String, Error>> {
    request(client)
        .paginate_array()
        .items()
        .map(|item| item.map(|device| device.serial))
        .collect()
        .await
}

/// Every serial, failing the test on an error.
async fn all_serials(client: &Client) -> Vec<String> {
    serials(client)
        .await
        .into_iter()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn expected(count: usize) -> Vec<String> {
    (0..count).map(|i| format!("d{i}")).collect()
}

#[tokio::test]
async fn a_page_cut_off_mid_body_is_fetched_again_and_each_item_seen_once() {
    let body = devices(200);
    // Cut inside an element, well after the first ones.
    let cut = body.find(r#""d120""#).unwrap() + 3;
    let server = ScriptedServer::start(body, vec![Delivery::BreakAfter(cut)]).await;
    let client = server.client(fast_retry(), Duration::from_secs(5));
    assert_eq!(all_serials(&client).await, expected(200));
    assert_eq!(server.requests(), 2);
}

#[tokio::test]
async fn a_second_break_before_the_first_one_skips_nothing_twice() {
    let body = devices(200);
    let late = body.find(r#""d150""#).unwrap();
    let early = body.find(r#""d20""#).unwrap();
    let script = vec![Delivery::BreakAfter(late), Delivery::BreakAfter(early)];
    let server = ScriptedServer::start(body, script).await;
    let client = server.client(fast_retry(), Duration::from_secs(5));
    assert_eq!(all_serials(&client).await, expected(200));
    assert_eq!(server.requests(), 3);
}

#[tokio::test]
async fn a_page_that_keeps_breaking_off_fails_after_the_attempts() {
    let body = devices(50);
    let cut = body.len() / 2;
    let script = vec![Delivery::BreakAfter(cut); 10];
    let server = ScriptedServer::start(body, script).await;
    let retry = fast_retry().max_attempts(3);
    let client = server.client(retry, Duration::from_secs(5));
    let found = serials(&client).await;
    let (items, errors): (Vec<_>, Vec<_>) = found.into_iter().partition(Result::is_ok);
    assert!(
        !items.is_empty() && items.len() < 50,
        "{} items",
        items.len()
    );
    assert_eq!(errors.len(), 1);
    assert!(
        matches!(errors[0], Err(Error::Transport { .. })),
        "{errors:?}"
    );
    assert_eq!(server.requests(), 3);
}

/// The attempts of one page are counted once, whether a 429 refused them or the body broke off:
/// the refetch continues the page's count instead of starting a fresh one.
#[tokio::test]
async fn refetches_share_the_attempts_of_the_page() {
    let body = devices(50);
    let cut = body.len() / 2;
    let script = vec![
        Delivery::TooManyRequests,
        Delivery::BreakAfter(cut),
        Delivery::TooManyRequests,
        Delivery::BreakAfter(cut),
    ];
    let server = ScriptedServer::start(body, script).await;
    let client = server.client(fast_retry().max_attempts(3), Duration::from_secs(5));
    let found = serials(&client).await;
    let error = found.last().unwrap().as_ref().unwrap_err();
    assert!(
        matches!(error, Error::RetriesExhausted { attempts: 3, .. }),
        "{error:?}"
    );
    assert_eq!(
        error.status(),
        Some(meraki_runtime::StatusCode::TOO_MANY_REQUESTS)
    );
    assert_eq!(server.requests(), 3);
}

/// The wait before a refetch counts towards the call's total wait: with a total wait shorter
/// than any backoff, a body that breaks off is not fetched again.
#[tokio::test]
async fn the_refetch_backoff_counts_towards_the_total_wait() {
    let body = devices(50);
    let cut = body.len() / 2;
    let server = ScriptedServer::start(body, vec![Delivery::BreakAfter(cut); 10]).await;
    // Every backoff is between 100 and 200 ms; none fits in 50 ms.
    let retry = RetryConfig::default()
        .max_attempts(5)
        .base_backoff(Duration::from_millis(200))
        .max_backoff(Duration::from_millis(200))
        .max_total_wait(Duration::from_millis(50));
    let client = server.client(retry, Duration::from_secs(5));
    let found = serials(&client).await;
    let error = found.last().unwrap().as_ref().unwrap_err();
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn without_retries_a_broken_body_ends_the_stream_with_the_error() {
    let body = devices(50);
    let cut = body.len() / 2;
    let server = ScriptedServer::start(body, vec![Delivery::BreakAfter(cut)]).await;
    let client = server.client(RetryConfig::disabled(), Duration::from_secs(5));
    let found = serials(&client).await;
    assert!(found.last().unwrap().is_err());
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn a_stalled_body_times_out_and_is_fetched_again() {
    let body = devices(100);
    let stall = Delivery::StallAfter(body.len() / 3, Duration::from_secs(2));
    let server = ScriptedServer::start(body, vec![stall]).await;
    let client = server.client(fast_retry(), Duration::from_millis(300));
    assert_eq!(all_serials(&client).await, expected(100));
    assert_eq!(server.requests(), 2);
}

#[tokio::test]
async fn a_stalled_body_without_retries_is_a_timeout() {
    let body = devices(100);
    let stall = Delivery::StallAfter(body.len() / 3, Duration::from_secs(2));
    let server = ScriptedServer::start(body, vec![stall]).await;
    let client = server.client(RetryConfig::disabled(), Duration::from_millis(300));
    let found = serials(&client).await;
    let error = found.last().unwrap().as_ref().unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
}

/// The timeout limits each wait for the server, not the time the caller spends on the items:
/// a consumer slower than the timeout still gets every item of a page.
#[tokio::test]
async fn a_slow_consumer_is_not_timed_out() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/organizations/1/devices"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(devices(5), "application/json"))
        .mount(&server)
        .await;
    let client = builder(&server)
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let mut items = request(&client).paginate_array().items();
    let mut found = Vec::new();
    while let Some(item) = items.next().await {
        found.push(item.unwrap().serial);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(found, expected(5));
}
