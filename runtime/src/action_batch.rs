//! Action batches: many write operations sent to Meraki as a few
//! `POST /organizations/{organizationId}/actionBatches`, each run by Meraki in order, all or
//! nothing.
//!
//! An [`Action`] is one operation (a resource path, an operation name such as `"update"`, and a
//! body); [`Client::action_batches`] returns the [`ActionBatches`] runner, which splits actions
//! into batches within Meraki's limits ([`ActionBatches::plan`]) and submits them
//! ([`ActionBatches::run`]), reporting each batch as it finishes ([`BatchReport`]).
//!
//! Meraki's rules the runner keeps:
//! - at most [`MAX_ACTIONS`] actions per batch, [`MAX_SYNCHRONOUS_ACTIONS`] when synchronous;
//! - at most [`MAX_RUNNING`] batches running (confirmed, neither completed nor failed) per
//!   organization at once. Other processes may be using the same organization, so a submit
//!   refused for that reason is waited for and sent again, not failed;
//! - batches are submitted `confirmed: true`, so none is ever left unconfirmed (an unconfirmed
//!   batch would sit in the organization until deleted). Dropping the stream of
//!   [`ActionBatches::run`] stops everything: no further batch is submitted. A batch already
//!   submitted (possibly the one whose POST was in flight) runs to its end at Meraki; none is
//!   left behind unconfirmed.
//!
//! Every request goes through the client's call path, so its rate limiter (the
//! organization's budget), retries (429 with `Retry-After`), simulate mode and key rules apply.

mod action;
mod report;
mod run;
mod settings;

pub use action::Action;
pub use report::{BatchReport, BatchStatus, CreatedResource};
use settings::Settings;

use std::time::Duration;

use crate::client::Client;
use crate::error::{Error, Result};
use crate::pagination::ResultStream;

/// Meraki's limit of actions in one batch.
pub const MAX_ACTIONS: usize = 100;
/// Meraki's limit of actions in one synchronous batch.
pub const MAX_SYNCHRONOUS_ACTIONS: usize = 20;
/// Meraki's limit of batches running at once in one organization.
pub const MAX_RUNNING: usize = 5;
/// The first wait before polling a running batch (and before resubmitting a refused one).
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(1);
/// The longest wait between two polls: the interval doubles from the first up to this.
pub const DEFAULT_MAX_POLL_INTERVAL: Duration = Duration::from_secs(15);
/// How long a batch refused because the organization already runs [`MAX_RUNNING`] batches is
/// sent again before the run gives up on it.
pub const DEFAULT_MAX_SUBMIT_WAIT: Duration = Duration::from_secs(15 * 60);

/// Submits actions to one organization as action batches; built by
/// [`Client::action_batches`]. See [Action batches](crate#action-batches) for Meraki's rules.
#[derive(Debug, Clone)]
#[must_use = "an ActionBatches runner does nothing until plan() or run()"]
pub struct ActionBatches {
    settings: Settings,
}

impl Client {
    /// A runner submitting action batches to organization `organization_id`, with the defaults:
    /// asynchronous batches of up to 100 actions, up to 5 running at once, stopping after a
    /// failed batch, polling every 1 s doubling up to 15 s.
    pub fn action_batches(&self, organization_id: &str) -> ActionBatches {
        ActionBatches {
            settings: Settings {
                client: self.clone(),
                organization_id: organization_id.to_owned(),
                synchronous: false,
                batch_size: None,
                max_running: MAX_RUNNING,
                continue_after_failure: false,
                poll_interval: DEFAULT_POLL_INTERVAL,
                max_poll_interval: DEFAULT_MAX_POLL_INTERVAL,
                max_submit_wait: DEFAULT_MAX_SUBMIT_WAIT,
            },
        }
    }
}

impl ActionBatches {
    /// Synchronous batches (default: no): Meraki runs each before answering its POST, but takes
    /// at most [`MAX_SYNCHRONOUS_ACTIONS`] actions per batch.
    pub fn synchronous(mut self, synchronous: bool) -> Self {
        self.settings.synchronous = synchronous;
        self
    }

    /// Actions per batch (default and maximum: Meraki's limit, 100 or 20 when synchronous);
    /// clamped to 1..=limit.
    pub fn batch_size(mut self, size: usize) -> Self {
        self.settings.batch_size = Some(size);
        self
    }

    /// Batches of this run submitted and not finished at once (default and maximum 5, at least
    /// 1). Meraki counts every process's batches against its 5; a lower number leaves room
    /// for others.
    pub fn max_running(mut self, n: usize) -> Self {
        self.settings.max_running = n.clamp(1, MAX_RUNNING);
        self
    }

    /// Whether to go on submitting after a batch failed (default: no). When not, no batch is
    /// submitted after the failure; those already running are awaited and reported, and those
    /// never submitted are reported [`BatchStatus::Skipped`].
    pub fn continue_after_failure(mut self, go_on: bool) -> Self {
        self.settings.continue_after_failure = go_on;
        self
    }

    /// The first wait before polling a running batch, doubling after each poll (default 1 s);
    /// also the first wait before resubmitting a batch refused for the running limit (there plus
    /// up to half of it at random, and at least Meraki's `Retry-After`).
    pub fn poll_interval(mut self, initial: Duration) -> Self {
        self.settings.poll_interval = initial;
        self
    }

    /// The longest wait between two polls (default 15 s).
    pub fn max_poll_interval(mut self, max: Duration) -> Self {
        self.settings.max_poll_interval = max;
        self
    }

    /// How long to keep resubmitting a batch the organization refuses because it already runs
    /// 5 batches (default 15 min), after which the batch is an error.
    pub fn max_submit_wait(mut self, max: Duration) -> Self {
        self.settings.max_submit_wait = max;
        self
    }

    /// The actions per batch this runner uses.
    pub fn effective_batch_size(&self) -> usize {
        let limit = if self.settings.synchronous {
            MAX_SYNCHRONOUS_ACTIONS
        } else {
            MAX_ACTIONS
        };
        self.settings.batch_size.unwrap_or(limit).clamp(1, limit)
    }

    /// Checks every action and splits them into the batches [`ActionBatches::run`] would
    /// submit, in order, sending nothing. The first invalid action (empty resource or one not
    /// starting with `/`, empty operation, a body that could not be serialized) is
    /// [`Error::InvalidAction`], naming its position.
    pub fn plan(&self, actions: impl IntoIterator<Item = Action>) -> Result<Vec<Vec<Action>>> {
        let size = self.effective_batch_size();
        let mut batches: Vec<Vec<Action>> = Vec::new();
        for (index, action) in actions.into_iter().enumerate() {
            if let Some(message) = action.problem() {
                return Err(Error::InvalidAction {
                    index,
                    resource: action.resource().to_owned(),
                    message,
                });
            }
            match batches.last_mut() {
                Some(batch) if batch.len() < size => batch.push(action),
                _ => batches.push(vec![action]),
            }
        }
        Ok(batches)
    }

    /// Submits the actions as batches ([`ActionBatches::plan`]) and yields one report per batch
    /// as it finishes (not necessarily in order; see [`BatchReport::index`]).
    ///
    /// Batches are submitted in order, `confirmed: true`, keeping at most
    /// [`ActionBatches::max_running`] of them submitted and unfinished; each running batch is
    /// polled until it completes or fails. A submit refused because the organization already
    /// runs 5 batches is sent again after a wait. A request that fails otherwise (after the
    /// client's retries) is an [`Error::ActionBatch`] item naming the batch, and counts as a
    /// failure. Invalid actions end the stream with their error before anything is sent.
    ///
    /// In simulate mode nothing is sent: each planned batch is reported
    /// [`BatchStatus::NotSent`].
    ///
    /// Dropping the stream stops the run: no further batch is submitted and no more polls are
    /// made. Batches are never left unconfirmed; those already submitted run to their end.
    pub fn run(&self, actions: impl IntoIterator<Item = Action>) -> ResultStream<BatchReport> {
        match self.plan(actions) {
            Ok(batches) => run::stream(self.settings.clone(), batches),
            Err(error) => Box::pin(futures::stream::once(async move { Err(error) })),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A body serde cannot serialize: a map with non-string keys.
    fn unserializable() -> std::collections::BTreeMap<(u8, u8), u8> {
        [((1, 2), 3)].into_iter().collect()
    }

    fn runner() -> ActionBatches {
        Client::builder()
            .api_key("test-key")
            .base_url("http://127.0.0.1:9")
            .build()
            .map(|client| client.action_batches("123"))
            .unwrap()
    }

    fn actions(n: usize) -> Vec<Action> {
        (0..n)
            .map(|i| Action::new(format!("/networks/N_{i}"), "update"))
            .collect()
    }

    #[test]
    fn actions_serialize_as_meraki_expects() {
        let action =
            Action::new("/networks/N_1/vlans/10", "update").with_body(&json!({"name": "x"}));
        assert_eq!(
            serde_json::to_value(&action).unwrap(),
            json!({"resource": "/networks/N_1/vlans/10", "operation": "update", "body": {"name": "x"}})
        );
        let bare = Action::new("/networks/N_1", "destroy");
        assert_eq!(
            serde_json::to_value(&bare).unwrap(),
            json!({"resource": "/networks/N_1", "operation": "destroy"})
        );
        assert_eq!(bare.body(), None);
        assert_eq!(action.resource(), "/networks/N_1/vlans/10");
        assert_eq!(action.operation(), "update");
    }

    #[test]
    fn a_body_that_cannot_be_serialized_is_an_error_of_plan() {
        let bad = Action::new("/networks/N_1", "update").with_body(&unserializable());
        assert_eq!(bad.body(), None);
        let error = runner()
            .plan([Action::new("/networks/N_0", "update"), bad])
            .unwrap_err();
        assert!(
            matches!(&error, Error::InvalidAction { index: 1, message, .. } if message.contains("serialized")),
            "{error}"
        );
    }

    #[test]
    fn plans_within_the_limits() {
        let sizes = |runner: ActionBatches, n| -> Vec<usize> {
            runner
                .plan(actions(n))
                .unwrap()
                .iter()
                .map(Vec::len)
                .collect()
        };
        assert_eq!(sizes(runner(), 250), [100, 100, 50]);
        assert_eq!(sizes(runner().synchronous(true), 45), [20, 20, 5]);
        assert_eq!(sizes(runner().batch_size(500), 101), [100, 1]);
        assert_eq!(sizes(runner().batch_size(0), 2), [1, 1]);
        assert_eq!(
            sizes(runner().batch_size(30).synchronous(true), 21),
            [20, 1]
        );
        assert!(runner().plan(Vec::new()).unwrap().is_empty());
        // Order is kept across batches.
        let plan = runner().batch_size(2).plan(actions(3)).unwrap();
        assert_eq!(plan[1][0].resource(), "/networks/N_2");
    }

    #[test]
    fn invalid_actions_are_named() {
        for (action, expected) in [
            (Action::new("", "update"), "empty"),
            (Action::new("networks/N_1", "update"), "starting with '/'"),
            (Action::new("/networks/N_1", " "), "operation is empty"),
        ] {
            let error = runner().plan([action]).unwrap_err();
            assert!(error.to_string().contains(expected), "{error}");
            assert!(error.to_string().contains("action [0]"), "{error}");
        }
    }
}
