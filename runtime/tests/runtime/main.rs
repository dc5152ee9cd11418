//! Behaviour tests of the runtime against wiremock servers on loopback.

mod common;

mod body_limit;

mod config;
mod deviations;
mod errors;
mod interface;
mod pagination;
mod rate_limit;
mod raw;
mod redirect;
mod request;
mod retry;
mod simulate;
mod streaming;
