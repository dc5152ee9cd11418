//! Figure 3: streaming every item of a paginated operation from the loopback server, the
//! generated client's `items()` against a raw reqwest + serde_json loop, and the client's peak
//! heap while streaming, as a multiple of one page's body.

use std::time::{Duration, Instant};

use futures::StreamExt;
use meraki::types::ProvisioningStatus;

use crate::alloc;
use crate::clients::{self, next_link, raw_get};
use crate::server::{Server, ORGANIZATION};
use crate::table::{bytes, count, median, Row};

struct Sample {
    items: usize,
    elapsed: Duration,
    /// Peak live heap above what was live before the stream started.
    peak: u64,
}

impl Sample {
    fn per_second(&self) -> f64 {
        self.items as f64 / self.elapsed.as_secs_f64()
    }
}

pub fn run(
    runtime: &tokio::runtime::Runtime,
    items: usize,
    per_page: usize,
    runs: usize,
) -> Result<Vec<Row>, String> {
    let server = Server::start(items, per_page).map_err(|e| e.to_string())?;
    let client = clients::meraki(&server.base_url())?;
    let http = clients::raw()?;
    let first_page = format!(
        "{}/organizations/{ORGANIZATION}/devices/provisioning/statuses?perPage={per_page}",
        server.base_url()
    );
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    // One untimed round opens the connections; then the two alternate so they share the noise.
    for round in 0..=runs {
        let a = runtime.block_on(stream_with_client(&client, per_page))?;
        let b = runtime.block_on(stream_raw(&http, &first_page))?;
        for sample in [&a, &b] {
            if sample.items != items {
                return Err(format!("streamed {} items, not {items}", sample.items));
            }
        }
        if round > 0 {
            ours.push(a);
            theirs.push(b);
        }
    }
    // What reqwest alone needs to read the same pages, dropping each chunk as it comes (no
    // decoding, nothing kept): the floor under any client built on it.
    let mut read_only = Vec::new();
    for _ in 0..runs {
        read_only.push(runtime.block_on(read_pages(&http, &first_page))? as f64);
    }
    let read_only = median(&read_only) as u64;
    let rate = |s: &[Sample]| median(&s.iter().map(Sample::per_second).collect::<Vec<_>>());
    let peak = |s: &[Sample]| median(&s.iter().map(|x| x.peak as f64).collect::<Vec<_>>()) as u64;
    let (ours_rate, theirs_rate) = (rate(&ours), rate(&theirs));
    let page = server.content.page_body_bytes as u64;
    let label = format!(
        "{} items, {} a page, loopback, median of {runs}",
        count(items as u64),
        count(per_page as u64)
    );
    Ok(vec![
        Row::new(
            format!("Paging {label}: client `.items()`"),
            format!(
                "**{} items/s** = **{:.2}×** raw",
                count(ours_rate as u64),
                ours_rate / theirs_rate
            ),
            "≥ 0.8× raw",
        ),
        Row::new(
            "Paging: raw reqwest + serde_json loop (same requests, same item type)",
            format!("{} items/s", count(theirs_rate as u64)),
            "",
        ),
        Row::new(
            "Client peak heap while streaming (one page's body = ".to_owned() + &bytes(page) + ")",
            format!(
                "**{}** = **{:.2}×** a page (raw loop: {} = {:.2}×)",
                bytes(peak(&ours)),
                peak(&ours) as f64 / page as f64,
                bytes(peak(&theirs)),
                peak(&theirs) as f64 / page as f64
            ),
            "< 3× a page",
        ),
        Row::new(
            "The same pages read by reqwest alone, each chunk dropped when read: hyper's read buffers, the floor",
            format!(
                "{} = {:.2}× a page",
                bytes(read_only),
                read_only as f64 / page as f64
            ),
            "",
        ),
    ])
}

/// The peak heap of walking every page with reqwest alone, reading each body chunk by chunk and
/// dropping each chunk when read, above what was live before: hyper's read buffers.
async fn read_pages(http: &reqwest::Client, first_page: &str) -> Result<u64, String> {
    let before = alloc::reset_peak();
    let mut url = Some(first_page.to_owned());
    let mut bytes = 0;
    while let Some(current) = url.take() {
        let mut response = raw_get(http, &current).await?;
        url = next_link(response.headers());
        while let Some(chunk) = response.chunk().await.map_err(|e| e.to_string())? {
            bytes += chunk.len();
        }
    }
    std::hint::black_box(bytes);
    Ok(alloc::peak().saturating_sub(before))
}

/// Keeps the compiler from skipping the decoding of fields nobody reads.
fn touch(item: &ProvisioningStatus) -> usize {
    item.serial.as_ref().map_or(0, String::len) + usize::from(item.product_type.is_some())
}

async fn stream_with_client(client: &meraki::Client, per_page: usize) -> Result<Sample, String> {
    let before = alloc::reset_peak();
    let start = Instant::now();
    let mut stream = client
        .get_organization_devices_provisioning_statuses(ORGANIZATION)
        .per_page(per_page as i64)
        .items();
    let (mut items, mut checksum) = (0, 0);
    while let Some(item) = stream.next().await {
        let item = item.map_err(|e| e.to_string())?;
        checksum += touch(&item);
        items += 1;
    }
    drop(stream);
    let elapsed = start.elapsed();
    std::hint::black_box(checksum);
    Ok(Sample {
        items,
        elapsed,
        peak: alloc::peak().saturating_sub(before),
    })
}

async fn stream_raw(http: &reqwest::Client, first_page: &str) -> Result<Sample, String> {
    let before = alloc::reset_peak();
    let start = Instant::now();
    let (mut items, mut checksum) = (0, 0);
    let mut url = Some(first_page.to_owned());
    while let Some(current) = url.take() {
        let response = raw_get(http, &current).await?;
        url = next_link(response.headers());
        let body = response.bytes().await.map_err(|e| e.to_string())?;
        let page: Vec<ProvisioningStatus> =
            serde_json::from_slice(&body).map_err(|e| e.to_string())?;
        drop(body);
        for item in page {
            checksum += touch(&item);
            items += 1;
        }
    }
    let elapsed = start.elapsed();
    std::hint::black_box(checksum);
    Ok(Sample {
        items,
        elapsed,
        peak: alloc::peak().saturating_sub(before),
    })
}
