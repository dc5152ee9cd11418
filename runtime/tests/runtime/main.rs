//! Behaviour tests of the runtime against wiremock servers on loopback.

#[path = "../support/budget_server.rs"]
mod budget_server;
mod common;
#[path = "../support/redis_server.rs"]
mod redis_server;
#[path = "../support/workload.rs"]
mod workload;

mod body_limit;
mod budget;

mod config;
mod deviations;
mod errors;
mod fleet;
mod interface;
mod pagination;
mod rate_limit;
mod raw;
mod redirect;
mod request;
mod retry;
mod simulate;
mod streaming;
