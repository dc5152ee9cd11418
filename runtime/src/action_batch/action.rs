//! One action of a batch, as Meraki receives it.

use serde::Serialize;
use serde_json::Value;

/// One operation of an action batch: `{"resource": ..., "operation": ..., "body": ...}`.
///
/// Built infallibly, as generated code does
/// (`Action::new(fill_path(TEMPLATE, &[..]), "update").with_body(&body)`); a body that cannot be
/// serialized is kept as an error and reported by [`ActionBatches::plan`](crate::ActionBatches::plan) and
/// [`ActionBatches::run`](crate::ActionBatches::run) ([`Error::InvalidAction`](crate::Error::InvalidAction)), never a panic.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Action {
    resource: String,
    operation: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<Value>,
    /// Why the body could not be serialized; an action with one is never sent.
    #[serde(skip)]
    body_error: Option<String>,
}

impl Action {
    /// An action on `resource` (a path relative to the API base, e.g. `/networks/N_1/vlans/10`,
    /// already percent-encoded) with Meraki's `operation` name (`create`, `update`, `destroy`,
    /// ...), without a body.
    pub fn new(resource: impl Into<String>, operation: impl Into<String>) -> Action {
        Action {
            resource: resource.into(),
            operation: operation.into(),
            body: None,
            body_error: None,
        }
    }

    /// Sets the body, serialized now; a failure is kept and reported when the actions are
    /// planned or run.
    pub fn with_body<B: Serialize + ?Sized>(mut self, body: &B) -> Action {
        match serde_json::to_value(body) {
            Ok(value) => {
                self.body = Some(value);
                self.body_error = None;
            }
            Err(error) => {
                self.body = None;
                self.body_error = Some(error.to_string());
            }
        }
        self
    }

    /// The resource path.
    pub fn resource(&self) -> &str {
        &self.resource
    }

    /// The operation name.
    pub fn operation(&self) -> &str {
        &self.operation
    }

    /// The body, if one was set and could be serialized.
    pub fn body(&self) -> Option<&Value> {
        self.body.as_ref()
    }

    /// Why this action cannot be sent, if it cannot.
    pub(super) fn problem(&self) -> Option<String> {
        if let Some(error) = &self.body_error {
            return Some(format!("the body could not be serialized: {error}"));
        }
        if self.resource.trim().is_empty() {
            return Some("the resource is empty".to_owned());
        }
        if !self.resource.starts_with('/') {
            return Some("the resource must be a path starting with '/'".to_owned());
        }
        if self.operation.trim().is_empty() {
            return Some("the operation is empty".to_owned());
        }
        None
    }
}
