//! Compares one operation across versions: its route and scope, parameters, request body and
//! success response, and whatever else its definition holds.

use serde_json::Value;

use super::raw::{short, without_docs};
use super::rust;
use super::schema::{Direction, Models, Place, Report, Side, Walk};
use super::Impact;
use crate::model::{Operation, Param, ParamLocation};

/// Operation keys compared one by one below; any other differing key gets a generic line.
const HANDLED: [&str; 11] = [
    "operationId",
    "summary",
    "description",
    "externalDocs",
    "tags",
    "deprecated",
    "parameters",
    "requestBody",
    "responses",
    "method",
    "path",
];

/// Parameter keys compared one by one below.
const PARAMETER_HANDLED: [&str; 8] = [
    "name",
    "in",
    "required",
    "deprecated",
    "schema",
    "description",
    "example",
    "examples",
];

pub fn compare(
    models: Models,
    old: &Value,
    new: &Value,
    old_op: &Operation,
    new_op: &Operation,
) -> Report {
    let mut report = Report::default();
    route(&mut report, old, new, new_op);
    parameters(&mut report, models, old, new, old_op, new_op);
    body(&mut report, models, old, new, old_op, new_op);
    response(&mut report, models, old, new, old_op, new_op);
    others(&mut report, old, new);
    report
}

fn route(report: &mut Report, old: &Value, new: &Value, new_op: &Operation) {
    for key in ["summary", "description", "externalDocs"] {
        if old.get(key) != new.get(key) {
            report.docs.push(format!("{key} of the operation"));
        }
    }
    if (old.get("method"), old.get("path")) != (new.get("method"), new.get("path")) {
        report.push(
            Impact::NonBreaking,
            format!(
                "now `{} {}` (was `{} {}`); the Rust method is unchanged",
                new_op.http_method.as_upper(),
                new_op.path,
                old.get("method")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_uppercase(),
                old.get("path").and_then(Value::as_str).unwrap_or_default()
            ),
        );
    }
    let scope = |v: &Value| v.pointer("/tags/0").cloned();
    if scope(old) != scope(new) {
        report.push(
            Impact::Breaking,
            format!(
                "moves from scope {} to {}: its module and cargo feature change",
                short(scope(old).as_ref()),
                short(scope(new).as_ref())
            ),
        );
    } else if old.get("tags") != new.get("tags") {
        report.push(
            Impact::NonBreaking,
            format!(
                "tags change from {} to {}; only the first decides the module",
                short(old.get("tags")),
                short(new.get("tags"))
            ),
        );
    }
    let deprecated = |v: &Value| v.get("deprecated").and_then(Value::as_bool) == Some(true);
    match (deprecated(old), deprecated(new)) {
        (false, true) => report.push(
            Impact::NonBreaking,
            format!(
                "deprecated: `Client::{}` now carries `#[deprecated]`",
                new_op.method_name
            ),
        ),
        (true, false) => report.push(Impact::NonBreaking, "no longer deprecated".into()),
        _ => {}
    }
}

fn parameter_list(operation: &Value) -> Vec<&Value> {
    operation
        .get("parameters")
        .and_then(Value::as_array)
        .map(|list| list.iter().collect())
        .unwrap_or_default()
}

fn key(parameter: &Value) -> (String, String) {
    let text = |k: &str| {
        parameter
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    (text("in"), text("name"))
}

fn model_param<'a>(op: &'a Operation, (location, name): &(String, String)) -> Option<&'a Param> {
    let location = match location.as_str() {
        "path" => ParamLocation::Path,
        "query" => ParamLocation::Query,
        _ => return None,
    };
    op.params
        .iter()
        .find(|p| p.location == location && &p.wire_name == name)
}

fn parameters(
    report: &mut Report,
    models: Models,
    old: &Value,
    new: &Value,
    old_op: &Operation,
    new_op: &Operation,
) {
    let old_list = parameter_list(old);
    let new_list = parameter_list(new);
    let method = format!("`Client::{}()`", new_op.method_name);
    for new_param in &new_list {
        let key = key(new_param);
        let label = format!("{} parameter `{}`", key.0, key.1);
        let required = new_param.get("required").and_then(Value::as_bool) == Some(true);
        let model = model_param(new_op, &key);
        let Some(old_param) = old_list.iter().find(|p| self::key(p) == key) else {
            let ty = model
                .map(|p| format!(" (`{}`)", rust::render(models.new, &p.ty)))
                .unwrap_or_default();
            if required || key.0 == "path" {
                report.push(
                    Impact::Breaking,
                    format!("new required {label}{ty}: a new argument of {method}"),
                );
            } else {
                let setter = model
                    .map(|p| format!(": setter `.{}()` of `{}`", p.rust_name, new_op.builder_name))
                    .unwrap_or_default();
                report.push(
                    Impact::Additive,
                    format!("new optional {label}{ty}{setter}"),
                );
            }
            continue;
        };
        let was_required = old_param.get("required").and_then(Value::as_bool) == Some(true);
        if was_required != required {
            let text = if required {
                format!("{label} is now required: an argument of {method} instead of a setter")
            } else {
                format!("{label} is now optional: a setter instead of an argument of {method}")
            };
            report.push(Impact::Breaking, text);
        }
        let deprecated = |p: &Value| p.get("deprecated").and_then(Value::as_bool) == Some(true);
        if deprecated(old_param) != deprecated(new_param) {
            let now = if deprecated(new_param) {
                "now"
            } else {
                "no longer"
            };
            report.push(Impact::NonBreaking, format!("{label} is {now} deprecated"));
        }
        // `style`, `explode` and the like: the runtime's encoding does not follow them.
        let keys: std::collections::BTreeSet<&String> = [old_param, new_param]
            .iter()
            .filter_map(|p| p.as_object())
            .flat_map(|map| map.keys())
            .collect();
        for k in keys {
            if !PARAMETER_HANDLED.contains(&k.as_str()) && old_param.get(k) != new_param.get(k) {
                report.push(
                    Impact::NonBreaking,
                    format!(
                        "{label}: `{k}` changes from {} to {}",
                        short(old_param.get(k)),
                        short(new_param.get(k))
                    ),
                );
            }
        }
        for doc in ["description", "example", "examples"] {
            if old_param.get(doc) != new_param.get(doc) {
                report
                    .docs
                    .push(format!("{} of {label}", doc.trim_end_matches('s')));
            }
        }
        let old_model = model_param(old_op, &key);
        let mut walk = Walk {
            models,
            direction: Direction::Request,
            report,
        };
        walk.schema(
            &Place::new(format!("{} parameter", key.0), key.1.clone()),
            Side {
                schema: old_param.get("schema").unwrap_or(&Value::Null),
                ty: old_model.map(|p| &p.ty),
            },
            Side {
                schema: new_param.get("schema").unwrap_or(&Value::Null),
                ty: model.map(|p| &p.ty),
            },
        );
    }
    for old_param in &old_list {
        let key = key(old_param);
        if !new_list.iter().any(|p| self::key(p) == key) {
            let gone = model_param(old_op, &key)
                .map(|p| {
                    if p.required {
                        format!("; {method} loses its argument `{}`", p.rust_name)
                    } else {
                        format!("; setter `.{}()` is gone", p.rust_name)
                    }
                })
                .unwrap_or_default();
            report.push(
                Impact::Breaking,
                format!("{} parameter `{}` removed{gone}", key.0, key.1),
            );
        }
    }
}

/// The JSON schema of a request body or response, as lowering picks it.
fn json_schema(holder: &Value) -> Option<&Value> {
    let content = holder.get("content")?.as_object()?;
    content
        .iter()
        .find(|(media, _)| *media == "application/json" || media.ends_with("+json"))
        .map(|(_, media)| media.get("schema").unwrap_or(&Value::Null))
}

fn body(
    report: &mut Report,
    models: Models,
    old: &Value,
    new: &Value,
    old_op: &Operation,
    new_op: &Operation,
) {
    let required = |b: &Value| b.get("required").and_then(Value::as_bool) == Some(true);
    match (old.get("requestBody"), new.get("requestBody")) {
        (None, None) => {}
        (None, Some(body)) => {
            let (impact, kind) = if required(body) {
                (Impact::Breaking, "required")
            } else {
                (Impact::Additive, "optional")
            };
            report.push(impact, format!("new {kind} request body"));
        }
        (Some(_), None) => report.push(Impact::Breaking, "request body removed".into()),
        (Some(old_body), Some(new_body)) => {
            match (required(old_body), required(new_body)) {
                (false, true) => {
                    report.push(Impact::Breaking, "request body is now required".into())
                }
                (true, false) => {
                    report.push(Impact::NonBreaking, "request body is now optional".into())
                }
                _ => {}
            }
            if old_body.get("description") != new_body.get("description") {
                report.docs.push("description of the request body".into());
            }
            let mut walk = Walk {
                models,
                direction: Direction::Request,
                report,
            };
            walk.schema(
                &Place::new("request body", ""),
                Side {
                    schema: json_schema(old_body).unwrap_or(&Value::Null),
                    ty: old_op.body.as_ref().map(|b| &b.ty),
                },
                Side {
                    schema: json_schema(new_body).unwrap_or(&Value::Null),
                    ty: new_op.body.as_ref().map(|b| &b.ty),
                },
            );
        }
    }
}

/// The first 2xx response, as lowering picks it.
fn success(operation: &Value) -> Option<(&String, &Value)> {
    operation
        .get("responses")?
        .as_object()?
        .iter()
        .find(|(code, _)| code.len() == 3 && code.starts_with('2'))
}

fn response(
    report: &mut Report,
    models: Models,
    old: &Value,
    new: &Value,
    old_op: &Operation,
    new_op: &Operation,
) {
    let (old_success, new_success) = (success(old), success(new));
    let code = |s: Option<(&String, &Value)>| s.map(|(c, _)| c.clone());
    if code(old_success) != code(new_success) {
        report.push(
            Impact::NonBreaking,
            format!(
                "success status changes from {} to {}",
                code(old_success).unwrap_or_else(|| "none".into()),
                code(new_success).unwrap_or_else(|| "none".into())
            ),
        );
    }
    let null = Value::Null;
    let old_response = old_success.map(|(_, r)| r).unwrap_or(&null);
    let new_response = new_success.map(|(_, r)| r).unwrap_or(&null);
    if old_response.get("description") != new_response.get("description") {
        report.docs.push("description of the response".into());
    }
    if old_response.get("headers") != new_response.get("headers") {
        report.push(
            Impact::NonBreaking,
            "response headers change (the generated crate does not expose them)".into(),
        );
    }
    let mut walk = Walk {
        models,
        direction: Direction::Response,
        report,
    };
    walk.schema(
        &Place::new("response", ""),
        Side {
            schema: json_schema(old_response).unwrap_or(&null),
            ty: Some(&old_op.response.ty),
        },
        Side {
            schema: json_schema(new_response).unwrap_or(&null),
            ty: Some(&new_op.response.ty),
        },
    );
    let others = |operation: &Value| -> Value {
        let mut responses = operation.get("responses").cloned().unwrap_or(Value::Null);
        if let (Value::Object(map), Some((code, _))) = (&mut responses, success(operation)) {
            map.remove(code);
        }
        without_docs(&responses)
    };
    if others(old) != others(new) {
        report.push(
            Impact::NonBreaking,
            "responses other than the success response change (the crate reports them as errors)"
                .into(),
        );
    }
}

fn others(report: &mut Report, old: &Value, new: &Value) {
    let keys: std::collections::BTreeSet<&String> = old
        .as_object()
        .into_iter()
        .chain(new.as_object())
        .flat_map(|map| map.keys())
        .collect();
    for key in keys {
        if HANDLED.contains(&key.as_str()) {
            continue;
        }
        let (o, n) = (old.get(key), new.get(key));
        if o == n {
            continue;
        }
        if o.map(without_docs) == n.map(without_docs) {
            report.docs.push(format!("documentation inside `{key}`"));
            continue;
        }
        let note = match key.as_str() {
            "callbacks" => "callbacks are not part of the generated crate",
            _ => "not used by the generated crate",
        };
        report.push(Impact::NonBreaking, format!("`{key}` changes ({note})"));
    }
}
