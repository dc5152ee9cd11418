//! The options of one [`ActionBatches`](super::ActionBatches) runner, read by the run loop.

use std::time::Duration;

use crate::client::Client;

/// Kept apart from the builder so the run loop reads them without depending on it.
#[derive(Debug, Clone)]
pub(super) struct Settings {
    pub(super) client: Client,
    pub(super) organization_id: String,
    pub(super) synchronous: bool,
    pub(super) batch_size: Option<usize>,
    pub(super) max_running: usize,
    pub(super) continue_after_failure: bool,
    pub(super) poll_interval: Duration,
    pub(super) max_poll_interval: Duration,
    pub(super) max_submit_wait: Duration,
}
