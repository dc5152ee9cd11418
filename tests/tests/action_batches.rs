//! The runtime's action-batch runner against the loopback action-batch server
//! (`meraki_tests::action_batches`): limits, concurrency, failures, polling, the running limit
//! shared with other processes, 429s, cancellation, dry run and validation.

use std::time::{Duration, Instant};

use futures::StreamExt;
use meraki_runtime::{Action, ActionBatches, BatchReport, BatchStatus, Client, Error};
use meraki_tests::action_batches::{ActionBatchServer, Config};
use serde_json::json;

const ORG: &str = "org_1";

fn client(server: &ActionBatchServer) -> Client {
    Client::builder()
        .api_key("test-key")
        .base_url(server.uri())
        .no_proxy()
        .disable_rate_limit()
        .build()
        .expect("client builds")
}

/// A runner polling fast, so tests take milliseconds.
fn runner(client: &Client) -> ActionBatches {
    client
        .action_batches(ORG)
        .poll_interval(Duration::from_millis(5))
        .max_poll_interval(Duration::from_millis(20))
}

fn updates(n: usize) -> Vec<Action> {
    (0..n)
        .map(|i| {
            Action::new(format!("/networks/N_{i}/appliance/vlans/10"), "update")
                .with_body(&json!({"name": format!("vlan {i}")}))
        })
        .collect()
}

/// Every report of a run, in batch order; panics on an error item.
async fn reports(runner: &ActionBatches, actions: Vec<Action>) -> Vec<BatchReport> {
    let mut reports: Vec<BatchReport> = runner
        .run(actions)
        .map(|report| report.expect("no error item"))
        .collect()
        .await;
    reports.sort_by_key(|r| r.index);
    reports
}

fn action_counts(server: &ActionBatchServer) -> Vec<usize> {
    server
        .submits()
        .iter()
        .map(|s| {
            s.body
                .as_ref()
                .and_then(|b| b["actions"].as_array())
                .map_or(0, Vec::len)
        })
        .collect()
}

#[tokio::test]
async fn splits_at_the_limits_and_submits_in_order_confirmed() {
    let server = ActionBatchServer::start().await;
    let client = client(&server);
    let reports = reports(&runner(&client), updates(250)).await;

    assert_eq!(action_counts(&server), [100, 100, 50]);
    let submits = server.submits();
    for submit in &submits {
        let body = submit.body.as_ref().expect("JSON body");
        assert_eq!(body["confirmed"], true);
        assert_eq!(body["synchronous"], false);
        assert_eq!(submit.path, "/organizations/org_1/actionBatches");
        assert_eq!(submit.authorization.as_deref(), Some("Bearer test-key"));
    }
    // In order, across batches, as the wire format says.
    let first = &submits[1].body.as_ref().expect("JSON body")["actions"][0];
    assert_eq!(
        first,
        &json!({"resource": "/networks/N_100/appliance/vlans/10", "operation": "update",
                "body": {"name": "vlan 100"}})
    );
    let ids: Vec<String> = server.batches().into_iter().map(|b| b.id).collect();
    assert_eq!(reports.len(), 3);
    for (i, report) in reports.iter().enumerate() {
        assert_eq!(report.index, i);
        assert_eq!(report.status, BatchStatus::Completed);
        assert_eq!(report.id.as_deref(), Some(ids[i].as_str()));
        assert!(report.errors.is_empty());
    }
    assert_eq!(reports[2].actions.len(), 50);
    assert_eq!(
        reports[2].actions[0].resource(),
        "/networks/N_200/appliance/vlans/10"
    );
    assert!(server.unconfirmed().is_empty());
}

#[tokio::test]
async fn synchronous_batches_hold_at_most_20_and_need_no_polling() {
    let server = ActionBatchServer::start().await;
    let client = client(&server);
    let reports = reports(&runner(&client).synchronous(true), updates(45)).await;

    assert_eq!(action_counts(&server), [20, 20, 5]);
    assert!(server
        .submits()
        .iter()
        .all(|s| s.body.as_ref().is_some_and(|b| b["synchronous"] == true)));
    // A synchronous batch's POST response is final.
    assert_eq!(server.requests().len(), 3, "{:?}", server.requests());
    assert!(reports.iter().all(|r| r.status == BatchStatus::Completed));
    assert_eq!(reports.len(), 3);
}

#[tokio::test]
async fn never_more_than_max_running_at_the_server() {
    for (max_running, expected_peak) in [(2, 2), (5, 5), (9, 5)] {
        let server = ActionBatchServer::start_with(Config {
            polls_until_done: 3,
            ..Config::default()
        })
        .await;
        let client = client(&server);
        let runner = runner(&client).batch_size(1).max_running(max_running);
        let reports = reports(&runner, updates(12)).await;

        assert_eq!(reports.len(), 12);
        assert!(reports.iter().all(|r| r.status == BatchStatus::Completed));
        assert_eq!(
            server.peak_running(ORG),
            expected_peak,
            "max_running({max_running})"
        );
        // The runner kept under the limit by itself: Meraki never had to refuse.
        assert_eq!(server.running_refusals(), 0);
    }
}

#[tokio::test]
async fn a_failed_batch_stops_the_rest_by_default() {
    let server = ActionBatchServer::start().await;
    let client = client(&server);
    let mut actions = updates(5);
    actions[1] = Action::new("/networks/N_1/fail/vlans/10", "update");
    let reports = reports(&runner(&client).batch_size(1).max_running(1), actions).await;

    let statuses: Vec<BatchStatus> = reports.iter().map(|r| r.status).collect();
    use BatchStatus::*;
    assert_eq!(statuses, [Completed, Failed, Skipped, Skipped, Skipped]);
    assert_eq!(server.submits().len(), 2);
    assert_eq!(reports[1].errors.len(), 1);
    assert!(
        reports[1].errors[0].contains("/networks/N_1/fail"),
        "{:?}",
        reports[1].errors
    );
    assert!(reports[1].id.is_some());
    assert!(reports[3].id.is_none());
}

#[tokio::test]
async fn a_failed_batch_lets_the_running_ones_finish() {
    // Batch 0 fails on its first poll while batches 1 and 2, submitted before, still run.
    let server = ActionBatchServer::start_with(Config {
        polls_until_done: 1,
        ..Config::default()
    })
    .await;
    let client = client(&server);
    let mut actions = updates(6);
    actions[0] = Action::new("/networks/N_0/fail", "update");
    let runner = runner(&client)
        .batch_size(1)
        .max_running(3)
        .poll_interval(Duration::from_millis(30));
    let reports = reports(&runner, actions).await;

    use BatchStatus::*;
    let statuses: Vec<BatchStatus> = reports.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        [Failed, Completed, Completed, Skipped, Skipped, Skipped]
    );
    assert_eq!(server.submits().len(), 3);
    assert_eq!(server.running(ORG), 0);
}

#[tokio::test]
async fn continue_after_failure_submits_every_batch() {
    let server = ActionBatchServer::start().await;
    let client = client(&server);
    let mut actions = updates(5);
    actions[1] = Action::new("/networks/N_1/fail/vlans/10", "update");
    let runner = runner(&client)
        .batch_size(1)
        .max_running(1)
        .continue_after_failure(true);
    let reports = reports(&runner, actions).await;

    use BatchStatus::*;
    let statuses: Vec<BatchStatus> = reports.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        [Completed, Failed, Completed, Completed, Completed]
    );
    assert_eq!(server.submits().len(), 5);
}

#[tokio::test]
async fn polls_with_a_growing_interval_until_completion() {
    let server = ActionBatchServer::start_with(Config {
        polls_until_done: 3,
        ..Config::default()
    })
    .await;
    let client = client(&server);
    let actions = vec![
        Action::new("/networks/N_1/appliance/vlans", "create").with_body(&json!({"id": 20})),
        Action::new("/networks/N_1/appliance/vlans/10", "update"),
    ];
    let runner = client
        .action_batches(ORG)
        .poll_interval(Duration::from_millis(20))
        .max_poll_interval(Duration::from_millis(60));
    let started = Instant::now();
    let reports = reports(&runner, actions).await;
    let elapsed = started.elapsed();

    let polls: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.method == "GET")
        .collect();
    let id = reports[0].id.clone().expect("submitted");
    assert_eq!(polls.len(), 4, "3 polls pending, the 4th completed");
    assert!(polls
        .iter()
        .all(|p| p.path == format!("/organizations/org_1/actionBatches/{id}")));
    // 20 + 40 + 60 + 60 ms: the interval doubles up to its maximum.
    assert!(elapsed >= Duration::from_millis(180), "{elapsed:?}");
    assert_eq!(reports[0].status, BatchStatus::Completed);
    assert_eq!(reports[0].created_resources.len(), 1);
    assert_eq!(
        reports[0].created_resources[0].uri,
        format!("/networks/N_1/appliance/vlans/{id}-0")
    );
}

/// The other process's 5 batches end once the server has refused `refusals` of our submits.
async fn resubmits_while_another_process_runs_five(config: Config, refusals: u32) {
    let server = ActionBatchServer::start_with(config).await;
    let seeded = server.seed_running(ORG, 5);
    let client = client(&server);
    let runner = runner(&client).batch_size(1);
    let run = reports(&runner, updates(3));
    let another_process = async {
        while server.running_refusals() < refusals {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        for id in &seeded {
            server.complete(id);
        }
    };
    let (reports, ()) = tokio::join!(run, another_process);

    assert!(reports.iter().all(|r| r.status == BatchStatus::Completed));
    assert_eq!(reports.len(), 3);
    assert!(server.running_refusals() >= refusals);
    // Refused submits were sent again: more POSTs than batches.
    assert!(server.submits().len() > 3);
    assert_eq!(server.batches().iter().filter(|b| !b.seeded).count(), 3);
    assert!(server.peak_running(ORG) <= 5);
}

#[tokio::test]
async fn resubmits_after_merakis_400_while_another_process_runs_five() {
    resubmits_while_another_process_runs_five(Config::default(), 2).await;
}

#[tokio::test]
async fn resubmits_after_a_429_while_another_process_runs_five() {
    // More refusals than the client's 5 attempts of one request: the runner sends it again
    // after the client's retries gave up on it.
    resubmits_while_another_process_runs_five(
        Config {
            running_limit_429: Some(0),
            ..Config::default()
        },
        12,
    )
    .await;
}

#[tokio::test]
async fn a_batch_waiting_for_the_running_limit_is_skipped_once_the_run_stops() {
    // Another process runs 4 batches; ours takes the 5th place, then polling it fails (404),
    // while our next batch waits for a place.
    let server = ActionBatchServer::start().await;
    server.seed_running(ORG, 4);
    let client = client(&server);
    let mut actions = updates(2);
    actions[0] = Action::new("/networks/N_0/lost", "update");
    // Without the stop, batch 1 would wait for this long and end as an error.
    let runner = runner(&client)
        .batch_size(1)
        .max_submit_wait(Duration::from_secs(5));
    let items: Vec<_> = runner.run(actions).collect().await;

    assert_eq!(items.len(), 2, "{items:?}");
    let error = items[0].as_ref().expect_err("batch 0 could not be polled");
    assert!(
        matches!(
            error,
            Error::ActionBatch {
                batch: 0,
                id: Some(_),
                ..
            }
        ),
        "{error}"
    );
    assert_eq!(error.status().map(|s| s.as_u16()), Some(404));
    let skipped = items[1].as_ref().expect("a report");
    assert_eq!((skipped.index, skipped.status), (1, BatchStatus::Skipped));
    assert!(server.running_refusals() >= 1, "batch 1 waited for a place");
    // Batch 1 was not sent again once the run had stopped.
    let refusals = server.running_refusals();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(server.running_refusals(), refusals);
    assert_eq!(server.batches().iter().filter(|b| !b.seeded).count(), 1);
}

#[tokio::test]
async fn gives_up_when_the_organization_stays_full() {
    let server = ActionBatchServer::start().await;
    server.seed_running(ORG, 5);
    let client = client(&server);
    let runner = runner(&client)
        .batch_size(1)
        .max_submit_wait(Duration::from_millis(200));
    let items: Vec<_> = runner.run(updates(2)).collect().await;

    assert_eq!(items.len(), 2, "{items:?}");
    let error = items[0].as_ref().expect_err("batch 0 gave up");
    assert!(
        matches!(
            error,
            Error::ActionBatch {
                batch: 0,
                id: None,
                ..
            }
        ),
        "{error}"
    );
    assert_eq!(error.status().map(|s| s.as_u16()), Some(400));
    assert!(error.messages()[0].contains("Maximum is 5"), "{error}");
    assert!(
        error.to_string().starts_with("action batch [0]: "),
        "{error}"
    );
    // It was sent again meanwhile (every 5 ms doubling up to 20 ms), then given up.
    assert!(
        server.running_refusals() >= 3,
        "{}",
        server.running_refusals()
    );
    let skipped = items[1].as_ref().expect("a report");
    assert_eq!((skipped.index, skipped.status), (1, BatchStatus::Skipped));
}

#[tokio::test]
async fn a_batch_meraki_refuses_is_reported_failed_with_its_errors() {
    let server = ActionBatchServer::start().await;
    let client = client(&server);
    let mut actions = updates(3);
    actions[1] = Action::new("/networks/N_1/invalid", "update");
    let reports = reports(&runner(&client).batch_size(1).max_running(1), actions).await;

    use BatchStatus::*;
    let statuses: Vec<BatchStatus> = reports.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [Completed, Failed, Skipped]);
    assert_eq!(
        reports[1].errors,
        ["Invalid resource '/networks/N_1/invalid'"]
    );
    assert_eq!(reports[1].id, None, "Meraki made no batch of it");
    assert_eq!(server.batches().len(), 1);
}

#[tokio::test]
async fn a_429_with_retry_after_on_submit_is_retried() {
    let server = ActionBatchServer::start_with(Config {
        throttle_first_submits: 1,
        ..Config::default()
    })
    .await;
    // With the client's rate limiter on: every request of the run is metered by the
    // organization, as any other call of the client.
    let client = Client::builder()
        .api_key("test-key")
        .base_url(server.uri())
        .no_proxy()
        .build()
        .expect("client builds");
    let started = Instant::now();
    let reports = reports(&runner(&client), updates(3)).await;

    let metered = client.rate_limit_stats().organization(ORG);
    assert_eq!(metered.requests, server.requests().len() as u64);
    assert_eq!((metered.throttled, metered.retries), (1, 1));
    assert_eq!(server.throttled(), 1);
    let statuses: Vec<u16> = server.submits().iter().map(|s| s.status).collect();
    assert_eq!(statuses, [429, 201]);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After: 1 honoured"
    );
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].status, BatchStatus::Completed);
}

#[tokio::test]
async fn dropping_the_stream_stops_submitting() {
    let server = ActionBatchServer::start().await;
    let client = client(&server);
    let runner = runner(&client).batch_size(1).max_running(2);
    let mut stream = runner.run(updates(10));
    let first = stream.next().await.expect("a report").expect("no error");
    assert_eq!(first.status, BatchStatus::Completed);
    drop(stream);
    // A request already handed to the connection when the stream was dropped may still
    // arrive; after that, nothing more may.
    tokio::time::sleep(Duration::from_millis(50)).await;
    let submitted = server.submits().len();
    let requests = server.requests().len();
    // Polls come every 5 to 20 ms: a run going on would have sent some by now.
    tokio::time::sleep(Duration::from_millis(200)).await;

    assert!(submitted <= 2, "at most max_running submitted: {submitted}");
    assert_eq!(
        server.submits().len(),
        submitted,
        "no submission after the drop"
    );
    assert_eq!(server.requests().len(), requests, "no poll after the drop");
    assert!(server.unconfirmed().is_empty());
    assert!(server.batches().iter().all(|b| b.confirmed));
}

#[tokio::test]
async fn dry_run_sends_nothing() {
    let server = ActionBatchServer::start().await;
    let client = Client::builder()
        .api_key("test-key")
        .base_url(server.uri())
        .no_proxy()
        .simulate(true)
        .build()
        .expect("client builds");
    let reports = reports(&client.action_batches(ORG), updates(250)).await;

    assert!(server.requests().is_empty(), "{:?}", server.requests());
    let sizes: Vec<usize> = reports.iter().map(|r| r.actions.len()).collect();
    assert_eq!(sizes, [100, 100, 50]);
    assert!(reports
        .iter()
        .all(|r| r.status == BatchStatus::NotSent && r.id.is_none()));
}

#[tokio::test]
async fn invalid_actions_are_reported_before_anything_is_sent() {
    let server = ActionBatchServer::start().await;
    let client = client(&server);
    let mut actions = updates(150);
    actions[120] = Action::new("networks/N_120", "update");
    let items: Vec<_> = runner(&client).run(actions).collect().await;

    assert_eq!(items.len(), 1);
    let error = items
        .into_iter()
        .next()
        .and_then(Result::err)
        .expect("an error");
    let text = error.to_string();
    assert!(
        matches!(&error, Error::InvalidAction { index: 120, resource, .. } if resource == "networks/N_120"),
        "{text}"
    );
    assert!(
        text.contains("action [120]") && text.contains("starting with '/'"),
        "{text}"
    );
    assert!(server.requests().is_empty());

    // A body serde cannot serialize (a map with non-string keys) is an error, not a panic.
    let body: std::collections::BTreeMap<(u8, u8), u8> = [((1, 2), 3)].into_iter().collect();
    let bad = Action::new("/networks/N_1", "update").with_body(&body);
    let error = runner(&client)
        .plan([bad])
        .expect_err("unserializable body");
    assert!(
        error.to_string().contains("could not be serialized"),
        "{error}"
    );
}

#[tokio::test]
async fn the_server_enforces_merakis_limits() {
    // The server itself, so the tests above rest on Meraki's rules.
    let server = ActionBatchServer::start().await;
    let client = client(&server);
    let post_as = |actions: usize, synchronous: bool, confirmed: bool| {
        let body = json!({
            "confirmed": confirmed,
            "synchronous": synchronous,
            "actions": updates(actions),
        });
        client
            .request::<serde_json::Value>(
                meraki_runtime::Method::POST,
                "/organizations/org_1/actionBatches",
            )
            .with_json_body(&body)
            .send_json()
    };
    let post = |actions, synchronous| post_as(actions, synchronous, true);
    let error = post(101, false).await.expect_err("over 100");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(400));
    assert!(error.messages()[0].contains("at most 100"));
    let error = post(21, true).await.expect_err("over 20 synchronous");
    assert!(error.messages()[0].contains("at most 20"));
    for _ in 0..5 {
        post(1, false).await.expect("one of 5 running");
    }
    let error = post(1, false).await.expect_err("a 6th running");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(400));
    assert!(error.messages()[0].contains("Maximum is 5"));
    assert_eq!(server.running(ORG), 5);

    // Unconfirmed batches do not run, and are the only ones that can be deleted.
    let unconfirmed = post_as(1, false, false).await.expect("unconfirmed");
    let id = unconfirmed["id"].as_str().expect("an id").to_owned();
    assert_eq!(server.unconfirmed(), std::slice::from_ref(&id));
    assert_eq!(server.running(ORG), 5);
    let delete = |id: String| {
        client
            .request::<serde_json::Value>(
                meraki_runtime::Method::DELETE,
                format!("/organizations/org_1/actionBatches/{id}"),
            )
            .send_json()
    };
    delete(id).await.expect("an unconfirmed batch is deleted");
    assert!(server.unconfirmed().is_empty());
    let confirmed = server.batches()[0].id.clone();
    let error = delete(confirmed)
        .await
        .expect_err("a confirmed batch stays");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(400));
}
