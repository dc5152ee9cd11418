//! The whole API against Prism: every operation, called through its generated builder with every
//! parameter set and a body built from the generated types (the calls are generated from the
//! model by `cargo xtask codegen` into `tests/conformance/`), must be accepted by Prism, and
//! Prism's answer must decode into the operation's typed response.

#[path = "../conformance/every_operation.rs"]
mod every_operation;

use std::collections::BTreeMap;
use std::time::Instant;

use futures::StreamExt;
use meraki_tests::prism::{repo_root, Prism};

/// Operations whose answer from Prism does not decode because the spec contradicts itself: the
/// example Prism answers with does not match the response schema the client decodes by. Each
/// entry names the operation and the contradiction; the test fails when one of them decodes
/// again (the entry is then stale) or when another operation fails to decode.
const DECODE_EXCEPTIONS: &[(&str, &str)] = &[];

/// How many calls are in flight at once: enough to keep Prism busy, few enough for 2 cores.
const IN_FLIGHT: usize = 8;

#[derive(Default)]
struct Report {
    decoded: Vec<&'static str>,
    rejected: BTreeMap<&'static str, String>,
    undecodable: BTreeMap<&'static str, String>,
    other: BTreeMap<&'static str, String>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_is_accepted_by_prism_and_its_answer_decodes() {
    // The generated calls are those of the API in specs/ (`cargo xtask codegen --check` keeps
    // the file fresh; this catches a stale file in a tree where that check did not run).
    let specs = meraki_codegen::load::load_specs(&repo_root().join("specs")).expect("specs load");
    assert_eq!(every_operation::OPERATIONS, specs.operations.len());

    let started = Instant::now();
    let prism = Prism::start();
    let startup = started.elapsed();
    let client = prism.client();
    let calls = every_operation::every_operation(&client);
    assert_eq!(calls.len(), every_operation::OPERATIONS);

    let called = Instant::now();
    let outcomes: Vec<_> = futures::stream::iter(calls)
        .map(|call| async move { (call.operation_id, call.inputs, call.response.await) })
        .buffer_unordered(IN_FLIGHT)
        .collect()
        .await;
    let mut report = Report::default();
    for (id, inputs, outcome) in outcomes {
        match outcome {
            Ok(()) => report.decoded.push(id),
            Err(meraki::Error::Decode(error)) => {
                report
                    .undecodable
                    .insert(id, format!("at `{}`: {}", error.path, error.message));
            }
            Err(meraki::Error::Http(error)) => {
                let reason = error
                    .body
                    .clone()
                    .unwrap_or_else(|| error.messages.join("; "));
                report.rejected.insert(
                    id,
                    format!("HTTP {}: {reason}\n    inputs: {inputs}", error.status),
                );
            }
            Err(other) => {
                report
                    .other
                    .insert(id, format!("{other}\n    inputs: {inputs}"));
            }
        }
    }
    eprintln!(
        "Prism: {} operations called in {:.1?} (Prism started in {:.1?}): {} accepted and decoded, \
         {} accepted but not decoded ({} documented exceptions), {} rejected, {} other failures",
        every_operation::OPERATIONS,
        called.elapsed(),
        startup,
        report.decoded.len(),
        report.undecodable.len(),
        DECODE_EXCEPTIONS.len(),
        report.rejected.len(),
        report.other.len(),
    );

    let mut failures = Vec::new();
    for (id, reason) in &report.rejected {
        failures.push(format!("{id}: Prism rejected the request: {reason}"));
    }
    for (id, reason) in &report.other {
        failures.push(format!("{id}: {reason}"));
    }
    for (id, reason) in &report.undecodable {
        if !DECODE_EXCEPTIONS.iter().any(|(listed, _)| listed == id) {
            failures.push(format!("{id}: Prism's answer does not decode {reason}"));
        }
    }
    for (id, why) in DECODE_EXCEPTIONS {
        if !report.undecodable.contains_key(id) {
            failures.push(format!(
                "{id}: listed as a decode exception ({why}) but decodes: remove the entry"
            ));
        }
    }
    for missing in prism.arrays_without_brackets() {
        failures.push(format!(
            "array query parameter sent without Meraki's `[]`: {missing}"
        ));
    }
    assert!(
        failures.is_empty(),
        "{} problem(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prism_checks_the_items_of_array_parameters() {
    // Negative control for the proxy: with `statuses[]` turned into `statuses`, Prism sees the
    // items and refuses one outside the enum (without the proxy it would see nothing at all).
    let prism = Prism::start();
    let client = prism.client();
    let accepted = client
        .get_network_clients("N_1")
        .statuses([meraki::types::GetNetworkClientsStatus::Online])
        .send()
        .await;
    assert!(accepted.is_ok(), "{accepted:?}");
    let refused = client
        .get_network_clients("N_1")
        .statuses([meraki::types::GetNetworkClientsStatus::UnknownValue(
            "Sideways".into(),
        )])
        .send()
        .await
        .expect_err("an item outside the enum is invalid");
    assert_eq!(refused.status().map(|s| s.as_u16()), Some(422), "{refused}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prism_checks_request_bodies() {
    // Negative control for bodies: a body field outside its enum is refused, the same field
    // with a listed value is accepted, so the bodies of the whole-API calls are really checked.
    let prism = Prism::start();
    let client = prism.client();
    let accepted = client
        .update_device_camera_quality_and_retention("Q2XX-XXXX-XXXX")
        .quality(meraki::types::UpdateDeviceCameraQualityAndRetentionRequestQuality::High)
        .send()
        .await;
    assert!(accepted.is_ok(), "{accepted:?}");
    let refused = client
        .update_device_camera_quality_and_retention("Q2XX-XXXX-XXXX")
        .quality(
            meraki::types::UpdateDeviceCameraQualityAndRetentionRequestQuality::UnknownValue(
                "Ultra".into(),
            ),
        )
        .send()
        .await
        .expect_err("a body value outside the enum is invalid");
    assert_eq!(refused.status().map(|s| s.as_u16()), Some(422), "{refused}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prism_accepts_a_batch_of_each_kind_of_action() {
    // Every typed action (built by `meraki::actions` with the values its operation's call
    // sends), one batch per kind of action (`create`, `update`, `destroy`, `claim`, ...), as
    // the runner submits it: Prism checks each body against createOrganizationActionBatch.
    let actions = every_operation::every_action();
    assert_eq!(actions.len(), every_operation::ACTIONS);
    assert_eq!(actions.len(), 193);
    let mut kinds: BTreeMap<String, Vec<(&str, meraki::Action)>> = BTreeMap::new();
    for (operation_id, action) in actions {
        kinds
            .entry(action.operation().to_string())
            .or_default()
            .push((operation_id, action));
    }
    assert!(kinds.len() >= 20, "kinds: {:?}", kinds.keys());

    let prism = Prism::start();
    let client = prism.client();
    let mut refused = Vec::new();
    for (kind, actions) in &kinds {
        // Meraki's limit per batch; the runner's `plan` splits the same way.
        for batch in actions.chunks(meraki_runtime::MAX_ACTIONS) {
            let body = serde_json::json!({
                "confirmed": true,
                "synchronous": false,
                "actions": batch.iter().map(|(_, a)| a).collect::<Vec<_>>(),
            });
            let answer = client
                .runtime()
                .request::<serde_json::Value>(
                    meraki_runtime::Method::POST,
                    "/organizations/123/actionBatches",
                )
                .with_json_body(&body)
                .send()
                .await;
            if let Err(error) = answer {
                let ids: Vec<&str> = batch.iter().map(|(id, _)| *id).collect();
                refused.push(format!("{kind} ({}): {error}", ids.join(", ")));
            }
        }
    }
    assert!(refused.is_empty(), "Prism refused:\n{}", refused.join("\n"));

    // Negative control: an action whose body is not an object, or without an operation, is
    // refused, so the batches above were really checked.
    for action in [
        serde_json::json!({"resource": "/networks/N_1", "operation": "update", "body": [1]}),
        serde_json::json!({"resource": "/networks/N_1"}),
    ] {
        let refused = client
            .runtime()
            .request::<serde_json::Value>(
                meraki_runtime::Method::POST,
                "/organizations/123/actionBatches",
            )
            .with_json_body(&serde_json::json!({"confirmed": true, "actions": [action]}))
            .send()
            .await
            .expect_err("an invalid action is refused");
        assert_eq!(refused.status().map(|s| s.as_u16()), Some(422), "{refused}");
    }
}
