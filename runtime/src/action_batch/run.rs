//! The run loop of [`ActionBatches::run`]: one submission at a time, in order, while at most
//! `max_running` batches are submitted and unfinished; each running batch polled on its own.
//!
//! Nothing is spawned: the stream drives every future itself, so dropping it drops the
//! submission in flight and every poll, and no further batch is ever submitted.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use futures::stream::{self, FuturesUnordered, StreamExt};
use reqwest::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{json, Value};

use super::action::Action;
use super::report::{BatchReport, BatchStatus, CreatedResource};
use super::settings::Settings;
use crate::error::{Error, Result};
use crate::pagination::ResultStream;
use crate::path::fill_path;
use crate::retry;

const BATCHES: &str = "/organizations/{organizationId}/actionBatches";
const BATCH: &str = "/organizations/{organizationId}/actionBatches/{actionBatchId}";

/// What Meraki's messages say when an organization already runs its 5 batches (lowercase
/// fragments; Meraki: "Too many concurrently executing batches. Maximum is 5 confirmed but not
/// yet executed batches.").
const RUNNING_LIMIT_MESSAGES: &[&str] = &[
    "concurrently executing",
    "concurrent batches",
    "too many concurrent",
    "maximum is 5",
    "running batches",
];

/// The stream of reports for `batches`, as [`ActionBatches::run`] describes.
pub(super) fn stream(options: Settings, batches: Vec<Vec<Action>>) -> ResultStream<BatchReport> {
    if options.client.is_simulate() {
        // Polls are GETs, which simulate mode would send: nothing at all is sent instead.
        tracing::info!(
            organization = %options.organization_id,
            batches = batches.len(),
            "simulate mode: action batches not sent",
        );
        let reports = batches
            .into_iter()
            .enumerate()
            .map(|(index, actions)| Ok(BatchReport::unsent(index, actions, BatchStatus::NotSent)));
        return stream::iter(reports).boxed();
    }
    let run = Run {
        options: Arc::new(options),
        pending: batches.into_iter().enumerate().collect(),
        submitting: None,
        running: FuturesUnordered::new(),
        ready: VecDeque::new(),
        stopped: Arc::new(AtomicBool::new(false)),
    };
    stream::unfold(run, |mut run| async move {
        let item = run.next().await?;
        Some((item, run))
    })
    .boxed()
}

/// The state of one run between two reports.
struct Run {
    options: Arc<Settings>,
    /// Batches not submitted yet, in order, with their index.
    pending: VecDeque<(usize, Vec<Action>)>,
    /// The one submission in flight (waits for the running limit included).
    submitting: Option<BoxFuture<'static, Submitted>>,
    /// The submitted batches being polled until they end.
    running: FuturesUnordered<BoxFuture<'static, Result<BatchReport>>>,
    /// Reports ready to be yielded.
    ready: VecDeque<Result<BatchReport>>,
    /// A batch failed and the run does not go on after failures: nothing more is submitted.
    /// Shared with the submission in flight, which gives up its batch rather than send it
    /// again after waiting for the running limit.
    stopped: Arc<AtomicBool>,
}

/// How a submission ended.
enum Submitted {
    /// Meraki accepted the batch and runs it.
    Running(BoxFuture<'static, Result<BatchReport>>),
    /// The batch has already ended (a synchronous batch, or a refusal), or the submit failed.
    Ended(Result<BatchReport>),
}

impl Run {
    async fn next(&mut self) -> Option<Result<BatchReport>> {
        loop {
            if let Some(item) = self.ready.pop_front() {
                return Some(item);
            }
            let stopped = self.stopped.load(Ordering::Relaxed);
            if stopped && !self.pending.is_empty() {
                for (index, actions) in self.pending.drain(..) {
                    let report = BatchReport::unsent(index, actions, BatchStatus::Skipped);
                    self.ready.push_back(Ok(report));
                }
                continue;
            }
            // The submission in flight counts as running: it may be accepted at any moment.
            if self.submitting.is_none() && self.running.len() < self.options.max_running {
                if let Some((index, actions)) = self.pending.pop_front() {
                    let submission =
                        submit(self.options.clone(), self.stopped.clone(), index, actions);
                    self.submitting = Some(Box::pin(submission));
                }
            }
            if self.submitting.is_none() && self.running.is_empty() {
                return None;
            }
            let submitting = &mut self.submitting;
            let running = &mut self.running;
            tokio::select! {
                submitted = async {
                    match submitting {
                        Some(future) => future.await,
                        None => std::future::pending().await,
                    }
                } => {
                    self.submitting = None;
                    match submitted {
                        Submitted::Running(poll) => self.running.push(poll),
                        Submitted::Ended(report) => self.finished(report),
                    }
                }
                Some(report) = running.next(), if !running.is_empty() => self.finished(report),
            }
        }
    }

    /// Queues a batch's outcome, and stops submitting after a failure unless told to go on.
    fn finished(&mut self, report: Result<BatchReport>) {
        let failed = !matches!(&report, Ok(r) if r.status == BatchStatus::Completed);
        if failed
            && !self.options.continue_after_failure
            && !self.stopped.swap(true, Ordering::Relaxed)
        {
            tracing::warn!(
                organization = %self.options.organization_id,
                not_submitted = self.pending.len(),
                "an action batch failed; submitting no further batches",
            );
        }
        self.ready.push_back(report);
    }
}

/// Submits batch `index`, confirmed, waiting and sending it again while the organization runs
/// its 5 batches, unless the run has `stopped` meanwhile (the batch is then skipped).
async fn submit(
    options: Arc<Settings>,
    stopped: Arc<AtomicBool>,
    index: usize,
    actions: Vec<Action>,
) -> Submitted {
    let path = fill_path(BATCHES, &[&options.organization_id]);
    let body = json!({
        "confirmed": true,
        "synchronous": options.synchronous,
        "actions": &actions,
    });
    let started = Instant::now();
    let mut wait = options.poll_interval;
    loop {
        let sent = options
            .client
            .request::<BatchResource>(Method::POST, path.as_str())
            .with_json_body(&body)
            .send()
            .await;
        let error = match sent {
            Ok(batch) => {
                return match batch.progress(index, &actions) {
                    Progress::Ended(report) => Submitted::Ended(Ok(report)),
                    Progress::Running(id) => {
                        Submitted::Running(Box::pin(poll(options.clone(), index, actions, id)))
                    }
                };
            }
            Err(error) => error,
        };
        if is_running_limit(&error) {
            // Meraki's own Retry-After, when it gave one, is the least wait. Plus up to half of
            // it at random: the processes waiting for a place in the same organization then
            // do not all come back at the same moment.
            let least = error
                .http()
                .and_then(|http| http.retry_after)
                .map_or(wait, |after| after.max(wait));
            let pause = least.saturating_add(retry::retry_after_jitter(least));
            if started.elapsed().saturating_add(pause) <= options.max_submit_wait {
                tracing::info!(
                    organization = %options.organization_id,
                    batch = index,
                    wait_ms = u64::try_from(pause.as_millis()).unwrap_or(u64::MAX),
                    "the organization already runs its 5 action batches; submitting again later",
                );
                tokio::time::sleep(pause).await;
                if stopped.load(Ordering::Relaxed) {
                    let report = BatchReport::unsent(index, actions, BatchStatus::Skipped);
                    return Submitted::Ended(Ok(report));
                }
                wait = next_interval(wait, options.max_poll_interval);
                continue;
            }
        } else if error.status() == Some(StatusCode::BAD_REQUEST) && !error.messages().is_empty() {
            // Meraki read the batch and refused it (too many actions, an invalid action...):
            // like a failed batch, nothing of it ran.
            let mut report = BatchReport::unsent(index, actions, BatchStatus::Failed);
            report.errors = error.messages().to_vec();
            return Submitted::Ended(Ok(report));
        }
        return Submitted::Ended(Err(Error::ActionBatch {
            batch: index,
            id: None,
            source: Box::new(error),
        }));
    }
}

/// Polls the submitted batch `id` until it completes or fails, waiting `poll_interval` before
/// the first poll and twice as long each time after, up to `max_poll_interval`.
async fn poll(
    options: Arc<Settings>,
    index: usize,
    actions: Vec<Action>,
    id: String,
) -> Result<BatchReport> {
    let path = fill_path(BATCH, &[&options.organization_id, &id]);
    let mut wait = options.poll_interval.min(options.max_poll_interval);
    loop {
        tokio::time::sleep(wait).await;
        let batch = options
            .client
            .request::<BatchResource>(Method::GET, path.as_str())
            .send()
            .await
            .map_err(|error| Error::ActionBatch {
                batch: index,
                id: Some(id.clone()),
                source: Box::new(error),
            })?;
        if let Progress::Ended(report) = batch.progress(index, &actions) {
            return Ok(report);
        }
        wait = next_interval(wait, options.max_poll_interval);
    }
}

fn next_interval(wait: Duration, max: Duration) -> Duration {
    wait.saturating_mul(2).min(max)
}

/// Whether Meraki refused a submit because the organization already runs its 5 batches: a
/// 429 (left after the client's own retries of it), or a 400 saying so.
fn is_running_limit(error: &Error) -> bool {
    match error.status() {
        Some(StatusCode::TOO_MANY_REQUESTS) => true,
        Some(StatusCode::BAD_REQUEST) => error.messages().iter().any(|message| {
            let message = message.to_lowercase();
            RUNNING_LIMIT_MESSAGES
                .iter()
                .any(|fragment| message.contains(fragment))
        }),
        _ => false,
    }
}

/// What the runner reads of Meraki's action batch.
#[derive(Deserialize)]
struct BatchResource {
    #[serde(deserialize_with = "super::report::lenient_id")]
    id: String,
    #[serde(default)]
    status: Option<BatchState>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct BatchState {
    #[serde(default)]
    completed: bool,
    #[serde(default)]
    failed: bool,
    #[serde(default)]
    errors: Option<Vec<Value>>,
    #[serde(default)]
    created_resources: Option<Vec<CreatedResource>>,
}

/// Where a batch Meraki answered about stands.
enum Progress {
    /// It completed or failed.
    Ended(BatchReport),
    /// It is still pending or running; its id.
    Running(String),
}

impl BatchResource {
    fn progress(self, index: usize, actions: &[Action]) -> Progress {
        let Some(state) = self.status else {
            return Progress::Running(self.id);
        };
        let status = if state.failed {
            BatchStatus::Failed
        } else if state.completed {
            BatchStatus::Completed
        } else {
            return Progress::Running(self.id);
        };
        let errors = state
            .errors
            .unwrap_or_default()
            .into_iter()
            .map(|error| match error {
                Value::String(text) => text,
                other => other.to_string(),
            })
            .collect();
        Progress::Ended(BatchReport {
            index,
            actions: actions.to_vec(),
            id: Some(self.id),
            status,
            errors,
            created_resources: state.created_resources.unwrap_or_default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polling_interval_doubles_up_to_the_maximum() {
        let max = Duration::from_secs(15);
        assert_eq!(
            next_interval(Duration::from_secs(1), max),
            Duration::from_secs(2)
        );
        assert_eq!(next_interval(Duration::from_secs(8), max), max);
        assert_eq!(next_interval(max, max), max);
    }

    #[test]
    fn reads_finished_and_running_batches() {
        let actions = [Action::new("/networks/N_1", "update")];
        let done: BatchResource = serde_json::from_value(json!({
            "id": 123,
            "status": {"completed": true, "failed": false, "errors": [],
                       "createdResources": [{"id": "9", "uri": "/networks/N_9"}]}
        }))
        .unwrap();
        let Progress::Ended(report) = done.progress(2, &actions) else {
            panic!("a completed batch has ended");
        };
        assert_eq!(report.id.as_deref(), Some("123"));
        assert_eq!(report.index, 2);
        assert_eq!(report.status, BatchStatus::Completed);
        assert_eq!(report.created_resources[0].uri, "/networks/N_9");

        let failed: BatchResource = serde_json::from_value(json!({
            "id": "7", "status": {"completed": false, "failed": true, "errors": ["bad vlan", {"x": 1}]}
        }))
        .unwrap();
        let Progress::Ended(report) = failed.progress(0, &actions) else {
            panic!("a failed batch has ended");
        };
        assert_eq!(report.status, BatchStatus::Failed);
        assert_eq!(report.errors, ["bad vlan", r#"{"x":1}"#]);

        let running: BatchResource = serde_json::from_value(json!({
            "id": "8", "status": {"completed": false, "failed": false}
        }))
        .unwrap();
        assert!(matches!(running.progress(0, &actions), Progress::Running(id) if id == "8"));
    }
}
