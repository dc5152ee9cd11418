//! A loopback Meraki action-batch server, behaving as Meraki documents action batches:
//!
//! - `POST /organizations/{organizationId}/actionBatches` takes
//!   `{"confirmed", "synchronous", "actions": [{"resource", "operation", "body"}]}`: at most 100
//!   actions, 20 when synchronous, else `400 {"errors": [...]}`;
//! - a batch with an action on a resource containing [`Config::invalid_marker`] is refused
//!   (`400` naming it);
//! - a batch with an action on a resource containing [`Config::lost_marker`] cannot be polled
//!   (`404`), and runs on;
//! - at most 5 batches running (confirmed, neither completed nor failed) per organization: a
//!   further confirmed submit is refused, with Meraki's `400` message or (configured) `429`
//!   with `Retry-After`;
//! - a confirmed asynchronous batch stays pending for [`Config::polls_until_done`] polls
//!   (`GET .../actionBatches/{id}`), then completes, or fails (all or nothing) when one of its
//!   actions' resource contains [`Config::fail_marker`]; a synchronous one is final in the POST
//!   response;
//! - `DELETE .../actionBatches/{id}` deletes an unconfirmed batch, and refuses a confirmed one.
//!
//! Every request is recorded, with the peak number of batches running per organization and the
//! unconfirmed batches, for tests and example programs to check. Batches of "another process"
//! can be seeded ([`ActionBatchServer::seed_running`]); they run until
//! [`ActionBatchServer::complete`] ends them.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::{json, Value};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// Meraki's message when an organization already runs its 5 batches.
pub const RUNNING_LIMIT_MESSAGE: &str =
    "Too many concurrently executing batches. Maximum is 5 confirmed but not yet executed batches.";

/// How the server behaves.
#[derive(Debug, Clone)]
pub struct Config {
    /// Polls a confirmed asynchronous batch stays pending before it ends (0: it has ended by
    /// the first poll).
    pub polls_until_done: u32,
    /// A batch with an action whose resource contains this fails.
    pub fail_marker: String,
    /// A submit with an action whose resource contains this is refused: `400` naming it, as
    /// Meraki refuses a batch it finds invalid.
    pub invalid_marker: String,
    /// A batch with an action whose resource contains this cannot be polled: its `GET`
    /// answers `404` (it keeps running, as far as the running limit goes).
    pub lost_marker: String,
    /// Batches running at once per organization (Meraki: 5).
    pub max_running: usize,
    /// Refuse a submit over the running limit with `429` and this `Retry-After` (seconds)
    /// instead of Meraki's `400`.
    pub running_limit_429: Option<u64>,
    /// The first this many POSTs are answered `429 Too Many Requests` with `Retry-After: 1`
    /// (the organization's rate limit), before anything is checked.
    pub throttle_first_submits: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            polls_until_done: 2,
            fail_marker: "/fail".to_owned(),
            invalid_marker: "/invalid".to_owned(),
            lost_marker: "/lost".to_owned(),
            max_running: 5,
            running_limit_429: None,
            throttle_first_submits: 0,
        }
    }
}

/// One request the server received.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The URL path.
    pub path: String,
    /// The body, when it was JSON.
    pub body: Option<Value>,
    /// The `Authorization` header.
    pub authorization: Option<String>,
    /// The status the server answered.
    pub status: u16,
}

/// One batch the server holds.
#[derive(Debug, Clone)]
pub struct Batch {
    /// Its id.
    pub id: String,
    /// Its organization.
    pub organization_id: String,
    /// Whether it was submitted confirmed.
    pub confirmed: bool,
    /// Whether it is synchronous.
    pub synchronous: bool,
    /// Its actions, as received.
    pub actions: Vec<Value>,
    /// Polls so far.
    pub polls: u32,
    /// Whether it completed.
    pub completed: bool,
    /// Whether it failed.
    pub failed: bool,
    /// Whether a test seeded it as another process's.
    pub seeded: bool,
}

impl Batch {
    fn is_running(&self) -> bool {
        self.confirmed && !self.completed && !self.failed
    }

    fn json(&self, fail_marker: &str) -> Value {
        let mut errors = Vec::new();
        if self.failed {
            if let Some((i, action)) = self.failing_action(fail_marker) {
                errors.push(format!(
                    "Action {i} ({}) failed: the resource cannot be updated",
                    action["resource"].as_str().unwrap_or_default()
                ));
            }
        }
        let created: Vec<Value> = if self.completed {
            self.actions
                .iter()
                .enumerate()
                .filter(|(_, a)| a["operation"] == "create")
                .map(|(i, a)| {
                    let id = format!("{}-{i}", self.id);
                    let uri = format!("{}/{id}", a["resource"].as_str().unwrap_or_default());
                    json!({"id": id, "uri": uri})
                })
                .collect()
        } else {
            Vec::new()
        };
        json!({
            "id": self.id,
            "organizationId": self.organization_id,
            "confirmed": self.confirmed,
            "synchronous": self.synchronous,
            "status": {
                "completed": self.completed,
                "failed": self.failed,
                "errors": errors,
                "createdResources": created,
            },
            "actions": self.actions,
        })
    }

    fn failing_action(&self, fail_marker: &str) -> Option<(usize, &Value)> {
        self.actions.iter().enumerate().find(|(_, a)| {
            a["resource"]
                .as_str()
                .is_some_and(|r| r.contains(fail_marker))
        })
    }

    /// Ends the batch: failed if one of its actions fails, else completed.
    fn end(&mut self, fail_marker: &str) {
        if self.failing_action(fail_marker).is_some() {
            self.failed = true;
        } else {
            self.completed = true;
        }
    }
}

#[derive(Debug, Default)]
struct State {
    config: Config,
    requests: Vec<Recorded>,
    /// By id, in submission order (ids are increasing numbers).
    batches: BTreeMap<u64, Batch>,
    next_id: u64,
    /// Peak number running per organization.
    peak: BTreeMap<String, usize>,
    /// Submits refused for the running limit.
    running_refusals: u32,
    /// Submits answered 429 for the rate limit.
    throttled: u32,
}

impl State {
    fn running(&self, organization_id: &str) -> usize {
        self.batches
            .values()
            .filter(|b| b.organization_id == organization_id && b.is_running())
            .count()
    }

    fn add(&mut self, mut batch: Batch) -> u64 {
        self.next_id += 1;
        let id = 1000 + self.next_id;
        batch.id = id.to_string();
        let organization = batch.organization_id.clone();
        self.batches.insert(id, batch);
        let running = self.running(&organization);
        let peak = self.peak.entry(organization).or_default();
        *peak = (*peak).max(running);
        id
    }
}

/// The running server and a handle on what it saw. Dropping it stops the server.
pub struct ActionBatchServer {
    server: MockServer,
    state: Arc<Mutex<State>>,
}

impl ActionBatchServer {
    /// A server with the default [`Config`], on a free loopback port.
    pub async fn start() -> ActionBatchServer {
        ActionBatchServer::start_with(Config::default()).await
    }

    /// A server behaving as `config` says.
    pub async fn start_with(config: Config) -> ActionBatchServer {
        let state = Arc::new(Mutex::new(State {
            config,
            ..State::default()
        }));
        let server = MockServer::start().await;
        Mock::given(any())
            .respond_with(Handler {
                state: state.clone(),
            })
            .mount(&server)
            .await;
        ActionBatchServer { server, state }
    }

    /// Serves `mock` too, before the action-batch endpoints (e.g. the network list an example
    /// reads first).
    pub async fn mount(&self, mock: Mock) {
        mock.with_priority(1).mount(&self.server).await;
    }

    /// The base URL to give the client.
    pub fn uri(&self) -> String {
        self.server.uri()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Every request received, in order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.state().requests.clone()
    }

    /// The POSTs creating batches, in order.
    pub fn submits(&self) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.method == "POST")
            .collect()
    }

    /// Every batch accepted, in submission order.
    pub fn batches(&self) -> Vec<Batch> {
        self.state().batches.values().cloned().collect()
    }

    /// The largest number of batches that ran at once in `organization_id`.
    pub fn peak_running(&self, organization_id: &str) -> usize {
        self.state().peak.get(organization_id).copied().unwrap_or(0)
    }

    /// The batches running now in `organization_id`.
    pub fn running(&self, organization_id: &str) -> usize {
        self.state().running(organization_id)
    }

    /// The ids of batches submitted unconfirmed and not deleted.
    pub fn unconfirmed(&self) -> Vec<String> {
        self.state()
            .batches
            .values()
            .filter(|b| !b.confirmed)
            .map(|b| b.id.clone())
            .collect()
    }

    /// Submits refused because the organization already ran its limit.
    pub fn running_refusals(&self) -> u32 {
        self.state().running_refusals
    }

    /// POSTs answered 429 for the rate limit ([`Config::throttle_first_submits`]).
    pub fn throttled(&self) -> u32 {
        self.state().throttled
    }

    /// Adds `n` running batches of "another process" to `organization_id`; they run until
    /// [`ActionBatchServer::complete`]. Returns their ids.
    pub fn seed_running(&self, organization_id: &str, n: usize) -> Vec<String> {
        let mut state = self.state();
        (0..n)
            .map(|_| {
                let id = state.add(Batch {
                    id: String::new(),
                    organization_id: organization_id.to_owned(),
                    confirmed: true,
                    synchronous: false,
                    actions: vec![json!({"resource": "/networks/N_other", "operation": "update"})],
                    polls: 0,
                    completed: false,
                    failed: false,
                    seeded: true,
                });
                id.to_string()
            })
            .collect()
    }

    /// Ends batch `id` now (completed, or failed if one of its actions fails).
    pub fn complete(&self, id: &str) {
        let mut state = self.state();
        let marker = state.config.fail_marker.clone();
        if let Some(batch) = id.parse().ok().and_then(|id| state.batches.get_mut(&id)) {
            batch.end(&marker);
        }
    }
}

struct Handler {
    state: Arc<Mutex<State>>,
}

fn errors(status: u16, messages: &[&str]) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({ "errors": messages }))
}

impl Respond for Handler {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let response = answer(&mut state, request);
        state.requests.push(Recorded {
            method: request.method.to_string(),
            path: request.url.path().to_owned(),
            body: serde_json::from_slice(&request.body).ok(),
            authorization: request
                .headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            status: response.status,
        });
        response.template
    }
}

struct Answer {
    status: u16,
    template: ResponseTemplate,
}

impl Answer {
    fn json(status: u16, body: Value) -> Answer {
        Answer {
            status,
            template: ResponseTemplate::new(status).set_body_json(body),
        }
    }

    fn errors(status: u16, messages: &[&str]) -> Answer {
        Answer {
            status,
            template: errors(status, messages),
        }
    }
}

fn answer(state: &mut State, request: &Request) -> Answer {
    let segments: Vec<&str> = request.url.path().trim_matches('/').split('/').collect();
    let method = request.method.as_str();
    match segments.as_slice() {
        ["organizations", organization, "actionBatches"] if method == "POST" => {
            submit(state, organization, request)
        }
        ["organizations", organization, "actionBatches", id] => {
            let marker = state.config.fail_marker.clone();
            let lost = state.config.lost_marker.clone();
            let polls_until_done = state.config.polls_until_done;
            let found = id.parse::<u64>().ok().filter(|id| {
                state
                    .batches
                    .get(id)
                    .is_some_and(|b| b.organization_id == *organization)
            });
            let Some(key) = found else {
                return Answer::errors(404, &["Action batch not found"]);
            };
            match method {
                "GET" => {
                    let Some(batch) = state.batches.get_mut(&key) else {
                        return Answer::errors(404, &["Action batch not found"]);
                    };
                    if batch.failing_action(&lost).is_some() {
                        return Answer::errors(404, &["Action batch not found"]);
                    }
                    if batch.is_running() && !batch.seeded {
                        batch.polls += 1;
                        if batch.polls > polls_until_done {
                            batch.end(&marker);
                        }
                    }
                    Answer::json(200, batch.json(&marker))
                }
                "DELETE" => {
                    if state.batches.get(&key).is_some_and(|b| b.confirmed) {
                        return Answer::errors(
                            400,
                            &["Confirmed action batches cannot be deleted"],
                        );
                    }
                    state.batches.remove(&key);
                    Answer {
                        status: 204,
                        template: ResponseTemplate::new(204),
                    }
                }
                _ => Answer::errors(405, &["Method not allowed"]),
            }
        }
        _ => Answer::errors(404, &["Not found"]),
    }
}

fn submit(state: &mut State, organization: &str, request: &Request) -> Answer {
    if state.throttled < state.config.throttle_first_submits {
        state.throttled += 1;
        return Answer {
            status: 429,
            template: errors(429, &["API rate limit exceeded for organization"])
                .insert_header("Retry-After", "1"),
        };
    }
    let Ok(body) = serde_json::from_slice::<Value>(&request.body) else {
        return Answer::errors(400, &["The request body is not JSON"]);
    };
    let confirmed = body["confirmed"].as_bool().unwrap_or(false);
    let synchronous = body["synchronous"].as_bool().unwrap_or(false);
    let Some(actions) = body["actions"].as_array().cloned() else {
        return Answer::errors(400, &["'actions' must be an array"]);
    };
    if actions.is_empty() {
        return Answer::errors(400, &["'actions' must not be empty"]);
    }
    if actions.len() > 100 {
        return Answer::errors(
            400,
            &["Too many actions: a batch holds at most 100 actions"],
        );
    }
    if synchronous && actions.len() > 20 {
        return Answer::errors(
            400,
            &["Too many actions: a synchronous batch holds at most 20 actions"],
        );
    }
    if actions
        .iter()
        .any(|a| !a["resource"].is_string() || !a["operation"].is_string())
    {
        return Answer::errors(400, &["Each action needs a 'resource' and an 'operation'"]);
    }
    let invalid = actions.iter().find_map(|a| {
        a["resource"]
            .as_str()
            .filter(|r| r.contains(state.config.invalid_marker.as_str()))
    });
    if let Some(resource) = invalid {
        let message = format!("Invalid resource '{resource}'");
        return Answer::errors(400, &[message.as_str()]);
    }
    if confirmed && state.running(organization) >= state.config.max_running {
        state.running_refusals += 1;
        return match state.config.running_limit_429 {
            Some(seconds) => Answer {
                status: 429,
                template: errors(429, &[RUNNING_LIMIT_MESSAGE])
                    .insert_header("Retry-After", seconds.to_string().as_str()),
            },
            None => Answer::errors(400, &[RUNNING_LIMIT_MESSAGE]),
        };
    }
    let marker = state.config.fail_marker.clone();
    let id = state.add(Batch {
        id: String::new(),
        organization_id: organization.to_owned(),
        confirmed,
        synchronous,
        actions,
        polls: 0,
        completed: false,
        failed: false,
        seeded: false,
    });
    let Some(batch) = state.batches.get_mut(&id) else {
        return Answer::errors(500, &["The batch vanished"]);
    };
    if confirmed && synchronous {
        batch.end(&marker);
    }
    Answer::json(201, batch.json(&marker))
}
