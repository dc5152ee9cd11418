//! What a run says about each batch.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::action::Action;

/// A resource Meraki created while running a batch.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct CreatedResource {
    /// Its id.
    #[serde(default, deserialize_with = "lenient_id")]
    pub id: String,
    /// Its path.
    #[serde(default)]
    pub uri: String,
}

/// How a batch ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BatchStatus {
    /// Meraki ran every action.
    Completed,
    /// Meraki ran none of them (a batch is all or nothing), or refused the batch; see
    /// [`BatchReport::errors`].
    Failed,
    /// Not submitted, because an earlier batch failed (see
    /// [`ActionBatches::continue_after_failure`](crate::ActionBatches::continue_after_failure)).
    Skipped,
    /// Not submitted, because the client is in simulate (dry-run) mode.
    NotSent,
}

/// What became of one batch.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct BatchReport {
    /// The batch's position in the plan, from 0.
    pub index: usize,
    /// Its actions, in the order they were (or would have been) run.
    pub actions: Vec<Action>,
    /// Meraki's id of the batch, once submitted.
    pub id: Option<String>,
    /// How it ended.
    pub status: BatchStatus,
    /// Meraki's errors, as it gave them (for a failed batch, or a refused submit).
    pub errors: Vec<String>,
    /// What the batch created.
    pub created_resources: Vec<CreatedResource>,
}

impl BatchReport {
    pub(super) fn unsent(index: usize, actions: Vec<Action>, status: BatchStatus) -> BatchReport {
        BatchReport {
            index,
            actions,
            id: None,
            status,
            errors: Vec::new(),
            created_resources: Vec::new(),
        }
    }
}

/// An id Meraki may send as a string or a number.
pub(super) fn lenient_id<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::String(id) => Ok(id),
        Value::Number(id) => Ok(id.to_string()),
        Value::Null => Ok(String::new()),
        other => Err(serde::de::Error::custom(format!(
            "expected an id (string or number), found {other}"
        ))),
    }
}
