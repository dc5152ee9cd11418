//! Every operation through the `meraki` binary against Prism, the spec-validating mock server:
//! each is typed as flags (every parameter and body field set, the body's other shapes as
//! `--body`) and Prism must accept the request the CLI builds from them.
//!
//! The values are those of the crate's conformance calls (`tests/conformance/every_operation.rs`,
//! generated from the spec's examples and schemas, each accepted by Prism through the typed
//! builders): the CLI must send what the crate sends.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use meraki_cli::table::{Input, Location, Operation, Scalar, OPERATIONS, OPERATION_COUNT};
use meraki_tests::prism::{repo_root, Prism};
use serde_json::{Map, Value};

/// How many `meraki` processes run at once.
const IN_FLIGHT: usize = 4;

/// (operationId, inputs as JSON) of every conformance call, read from the generated file.
fn conformance_inputs() -> BTreeMap<String, Map<String, Value>> {
    let path = repo_root().join("tests/conformance/every_operation.rs");
    let text = std::fs::read_to_string(&path).expect("the conformance calls");
    let file = syn::parse_file(&text).expect("the conformance calls parse");
    let mut inputs = BTreeMap::new();
    for item in file.items {
        let syn::Item::Fn(function) = item else {
            continue;
        };
        if function.sig.ident != "every_operation" {
            continue;
        }
        for statement in function.block.stmts {
            let syn::Stmt::Expr(syn::Expr::MethodCall(push), _) = statement else {
                continue;
            };
            let Some(syn::Expr::Call(call)) = push.args.first() else {
                continue;
            };
            let text_of = |expr: Option<&syn::Expr>| match expr {
                Some(syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                })) => Some(s.value()),
                _ => None,
            };
            let (Some(id), Some(json)) = (text_of(call.args.get(0)), text_of(call.args.get(1)))
            else {
                continue;
            };
            let Ok(Value::Object(map)) = serde_json::from_str(&json) else {
                panic!("{id}: inputs are not a JSON object");
            };
            inputs.insert(id, map);
        }
    }
    inputs
}

/// A value as one flag's text.
fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The command line for `op` with `inputs`, or why it cannot be written as one.
fn command_line(op: &Operation, inputs: &Map<String, Value>) -> Result<Vec<String>, String> {
    let mut args = vec![op.command.to_owned(), op.name.to_owned()];
    let mut body = Map::new();
    let mut whole = None;
    let find = |wire: &str, in_body: bool| -> Option<&'static Input> {
        op.inputs
            .iter()
            .find(|i| i.wire == wire && (i.location == Location::Body) == in_body)
    };
    for (key, value) in inputs {
        if key == "body" {
            whole = Some(value.clone());
            continue;
        }
        let (input, in_body) = match key.strip_prefix("body.") {
            Some(field) => (find(field, true), true),
            None => (find(key, false), false),
        };
        let input = input.ok_or_else(|| format!("no input `{key}`"))?;
        let flag = format!("--{}", input.flag);
        match value {
            Value::Null if in_body => {
                body.insert(input.wire.to_owned(), Value::Null);
            }
            Value::Null => {}
            Value::Array(items) if input.ty.list => {
                let texts: Vec<String> = items.iter().map(text).collect();
                // A list flag splits on commas and cannot be empty: such a body field goes in
                // `--body` instead.
                if texts.is_empty() || texts.iter().any(|t| t.contains(',')) {
                    if in_body {
                        body.insert(input.wire.to_owned(), value.clone());
                        continue;
                    }
                    return Err(format!("query list `{key}` = {value}"));
                }
                for item in texts {
                    args.push(flag.clone());
                    args.push(item);
                }
            }
            value => {
                if !input.ty.list && !matches!(input.ty.scalar, Scalar::Json) && value.is_object() {
                    return Err(format!("`{key}` is an object"));
                }
                args.push(flag);
                args.push(text(value));
            }
        }
    }
    match whole {
        Some(value) => {
            args.push("--body".into());
            args.push(value.to_string());
        }
        None if !body.is_empty() => {
            args.push("--body".into());
            args.push(Value::Object(body).to_string());
        }
        None => {}
    }
    if op.paging.is_some() {
        args.extend(["--max-pages".into(), "1".into()]);
    }
    args.extend(["--retries".into(), "0".into(), "-o".into(), "json".into()]);
    Ok(args)
}

#[test]
fn every_operation_through_the_cli_is_accepted_by_prism() {
    let inputs = conformance_inputs();
    assert_eq!(
        inputs.len(),
        OPERATION_COUNT,
        "a conformance call per operation"
    );
    let lines: Vec<(&Operation, Vec<String>)> = OPERATIONS
        .iter()
        .map(|op| {
            let line = inputs
                .get(op.id)
                .ok_or_else(|| "no conformance call".to_owned())
                .and_then(|inputs| command_line(op, inputs))
                .unwrap_or_else(|why| panic!("{}: {why}", op.id));
            (op, line)
        })
        .collect();

    let with_body = lines
        .iter()
        .filter(|(_, line)| line.iter().any(|a| a == "--body"))
        .count();
    let started = Instant::now();
    let prism = Prism::start();
    let startup = started.elapsed();
    let base_url = prism.base_url();
    let home = tempfile::tempdir().expect("temporary home");
    let binary = Path::new(env!("CARGO_BIN_EXE_meraki"));
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(BTreeMap::new());
    let called = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..IN_FLIGHT {
            scope.spawn(|| loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                let Some((op, line)) = lines.get(index) else {
                    break;
                };
                let output = Command::new(binary)
                    .args(line)
                    .env("MERAKI_DASHBOARD_API_KEY", "prism-checks-only-the-scheme")
                    .env("MERAKI_BASE_URL", &base_url)
                    .env("HOME", home.path())
                    .env_remove("MERAKI_PROFILE")
                    .env_remove("MERAKI_CONFIG")
                    .env_remove("XDG_CONFIG_HOME")
                    .stdin(Stdio::null())
                    .output()
                    .expect("meraki runs");
                let stdout = String::from_utf8_lossy(&output.stdout);
                let failure = if !output.status.success() {
                    Some(format!(
                        "exit {:?}: {}\n  meraki {}",
                        output.status.code(),
                        String::from_utf8_lossy(&output.stderr).trim(),
                        line.join(" ")
                    ))
                } else if !stdout.trim().is_empty()
                    && serde_json::from_str::<Value>(&stdout).is_err()
                {
                    Some(format!("the output is not JSON: {stdout}"))
                } else {
                    None
                };
                if let Some(failure) = failure {
                    failures
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .insert(op.id, failure);
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap_or_else(|e| e.into_inner());
    println!(
        "{} operations through the CLI ({with_body} with --body) in {:.1?} (Prism started in \
         {startup:.1?}); {} refused",
        lines.len(),
        called.elapsed(),
        failures.len()
    );
    let report: Vec<String> = failures
        .iter()
        .map(|(id, why)| format!("{id}: {why}"))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} operations failed through the CLI:\n{}",
        failures.len(),
        lines.len(),
        report.join("\n")
    );
    assert_eq!(
        prism.arrays_without_brackets(),
        Vec::<String>::new(),
        "array query parameters must be sent as name[]="
    );
}
