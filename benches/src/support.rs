//! The runtime tests' loopback budget server, redis-server launcher and workload, shared with
//! the rate-limit figure so that the benchmark measures exactly what the tests check.

#[path = "../../runtime/tests/support/budget_server.rs"]
pub mod budget_server;
#[path = "../../runtime/tests/support/redis_server.rs"]
pub mod redis_server;
#[path = "../../runtime/tests/support/workload.rs"]
pub mod workload;
