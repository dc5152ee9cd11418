//! Compares one operation across versions as the two models lowered it: its route and scope,
//! parameters (matched by location and wire name), request body and success response, and
//! whatever else its definition holds.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::changes::Impact;
use super::raw::{short, without_docs};
use super::rust;
use super::schema::{Direction, Models, Place, Raws, Report, Walk};
use crate::model::{Operation, Param, ParamLocation};

/// Operation keys compared one by one below; any other differing key gets a generic line.
const HANDLED: [&str; 9] = [
    "operationId",
    "summary",
    "description",
    "externalDocs",
    "tags",
    "deprecated",
    "parameters",
    "requestBody",
    "responses",
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

/// Both versions of one operation: the models' and the definitions as written.
#[derive(Clone, Copy)]
pub struct Pair<'a> {
    pub models: Models<'a>,
    pub raws: Raws<'a>,
    pub old: &'a Operation,
    pub new: &'a Operation,
}

pub fn compare(pair: Pair) -> Report {
    let mut report = Report::default();
    let old = pair.raws.old.operation();
    let new = pair.raws.new.operation();
    route(&mut report, pair, &old, &new);
    parameters(&mut report, pair);
    body(&mut report, pair);
    response(&mut report, pair, &old, &new);
    others(&mut report, &old, &new);
    report
}

fn walk<'a, 'r>(pair: Pair<'a>, direction: Direction, report: &'r mut Report) -> Walk<'a, 'r> {
    Walk {
        models: pair.models,
        raws: pair.raws,
        direction,
        report,
        compared: BTreeSet::new(),
    }
}

fn route(report: &mut Report, pair: Pair, old: &Map<String, Value>, new: &Map<String, Value>) {
    let (old_op, new_op) = (pair.old, pair.new);
    for key in ["summary", "description", "externalDocs"] {
        if old.get(key) != new.get(key) {
            report.docs.push(format!("{key} of the operation"));
        }
    }
    if (old_op.http_method, &old_op.path) != (new_op.http_method, &new_op.path) {
        report.push(
            Impact::NonBreaking,
            format!(
                "now `{} {}` (was `{} {}`); the Rust method is unchanged",
                new_op.http_method.as_upper(),
                new_op.path,
                old_op.http_method.as_upper(),
                old_op.path
            ),
        );
    }
    if old_op.scope != new_op.scope {
        let scope = |op: &Operation| Value::String(op.scope.clone());
        report.push(
            Impact::Breaking,
            format!(
                "moves from scope {} to {}: its module and cargo feature change",
                short(Some(&scope(old_op))),
                short(Some(&scope(new_op)))
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
    match (old_op.deprecated, new_op.deprecated) {
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

/// The operation's parameters in the order the spec declares them.
fn declared(op: &Operation) -> Vec<&Param> {
    let mut params: Vec<&Param> = op.params.iter().collect();
    params.sort_by_key(|p| p.declaration);
    params
}

fn same_param(a: &Param, b: &Param) -> bool {
    a.location == b.location && a.wire_name == b.wire_name
}

fn location_name(location: ParamLocation) -> &'static str {
    match location {
        ParamLocation::Path => "path",
        ParamLocation::Query => "query",
    }
}

fn parameters(report: &mut Report, pair: Pair) {
    let (old_op, new_op) = (pair.old, pair.new);
    let method = format!("`Client::{}()`", new_op.method_name);
    for new_param in declared(new_op) {
        let label = format!(
            "{} parameter `{}`",
            location_name(new_param.location),
            new_param.wire_name
        );
        let required = new_param.required || new_param.location == ParamLocation::Path;
        let Some(old_param) = old_op.params.iter().find(|p| same_param(p, new_param)) else {
            let ty = rust::render(pair.models.new, &new_param.ty);
            if required {
                report.push(
                    Impact::Breaking,
                    format!("new required {label} (`{ty}`): a new argument of {method}"),
                );
            } else {
                report.push(
                    Impact::Additive,
                    format!(
                        "new optional {label} (`{ty}`): setter `.{}()` of `{}`",
                        new_param.rust_name, new_op.builder_name
                    ),
                );
            }
            continue;
        };
        if old_param.required != new_param.required {
            let text = if new_param.required {
                format!("{label} is now required: an argument of {method} instead of a setter")
            } else {
                format!("{label} is now optional: a setter instead of an argument of {method}")
            };
            report.push(Impact::Breaking, text);
        }
        if old_param.deprecated != new_param.deprecated {
            let now = if new_param.deprecated {
                "now"
            } else {
                "no longer"
            };
            report.push(Impact::NonBreaking, format!("{label} is {now} deprecated"));
        }
        let old_raw = pair.raws.old.merged(&old_param.pointers);
        let new_raw = pair.raws.new.merged(&new_param.pointers);
        // `style`, `explode` and the like: the runtime's encoding does not follow them.
        let keys: BTreeSet<&String> = old_raw.keys().chain(new_raw.keys()).collect();
        for k in keys {
            if !PARAMETER_HANDLED.contains(&k.as_str()) && old_raw.get(k) != new_raw.get(k) {
                report.push(
                    Impact::NonBreaking,
                    format!(
                        "{label}: `{k}` changes from {} to {}",
                        short(old_raw.get(k)),
                        short(new_raw.get(k))
                    ),
                );
            }
        }
        for doc in ["description", "example", "examples"] {
            if old_raw.get(doc) != new_raw.get(doc) {
                report
                    .docs
                    .push(format!("{} of {label}", doc.trim_end_matches('s')));
            }
        }
        let place = Place::new(
            format!("{} parameter", location_name(new_param.location)),
            new_param.wire_name.clone(),
        );
        walk(pair, Direction::Request, report).schema_use(
            &place,
            &old_param.schema,
            &new_param.schema,
        );
    }
    for old_param in declared(old_op) {
        if !new_op.params.iter().any(|p| same_param(p, old_param)) {
            let gone = if old_param.required {
                format!("; {method} loses its argument `{}`", old_param.rust_name)
            } else {
                format!("; setter `.{}()` is gone", old_param.rust_name)
            };
            report.push(
                Impact::Breaking,
                format!(
                    "{} parameter `{}` removed{gone}",
                    location_name(old_param.location),
                    old_param.wire_name
                ),
            );
        }
    }
}

fn body(report: &mut Report, pair: Pair) {
    match (&pair.old.body, &pair.new.body) {
        (None, None) => {}
        (None, Some(body)) => {
            let (impact, kind) = if body.required {
                (Impact::Breaking, "required")
            } else {
                (Impact::Additive, "optional")
            };
            report.push(impact, format!("new {kind} request body"));
        }
        (Some(_), None) => report.push(Impact::Breaking, "request body removed".into()),
        (Some(old_body), Some(new_body)) => {
            match (old_body.required, new_body.required) {
                (false, true) => {
                    report.push(Impact::Breaking, "request body is now required".into())
                }
                (true, false) => {
                    report.push(Impact::NonBreaking, "request body is now optional".into())
                }
                _ => {}
            }
            if old_body.description != new_body.description {
                report.docs.push("description of the request body".into());
            }
            walk(pair, Direction::Request, report).schema_use(
                &Place::new("request body", ""),
                &old_body.schema,
                &new_body.schema,
            );
        }
    }
}

/// The status key lowering took the success response from, `None` when there is none.
fn success_key(op: &Operation) -> Option<String> {
    (!op.response.pointers.is_empty()).then(|| op.response.status.to_string())
}

fn response(report: &mut Report, pair: Pair, old: &Map<String, Value>, new: &Map<String, Value>) {
    let (old_code, new_code) = (success_key(pair.old), success_key(pair.new));
    if old_code != new_code {
        report.push(
            Impact::NonBreaking,
            format!(
                "success status changes from {} to {}",
                old_code.clone().unwrap_or_else(|| "none".into()),
                new_code.clone().unwrap_or_else(|| "none".into())
            ),
        );
    }
    let old_response = pair.raws.old.merged(&pair.old.response.pointers);
    let new_response = pair.raws.new.merged(&pair.new.response.pointers);
    if old_response.get("description") != new_response.get("description") {
        report.docs.push("description of the response".into());
    }
    if old_response.get("headers") != new_response.get("headers") {
        report.push(
            Impact::NonBreaking,
            "response headers change (the generated crate does not expose them)".into(),
        );
    }
    walk(pair, Direction::Response, report).schema_use(
        &Place::new("response", ""),
        &pair.old.response.schema,
        &pair.new.response.schema,
    );
    let others = |operation: &Map<String, Value>, success: &Option<String>| -> Value {
        let mut responses = operation.get("responses").cloned().unwrap_or(Value::Null);
        if let (Value::Object(map), Some(code)) = (&mut responses, success) {
            map.remove(code);
        }
        without_docs(&responses)
    };
    if others(old, &old_code) != others(new, &new_code) {
        report.push(
            Impact::NonBreaking,
            "responses other than the success response change (the crate reports them as errors)"
                .into(),
        );
    }
}

fn others(report: &mut Report, old: &Map<String, Value>, new: &Map<String, Value>) {
    let keys: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
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
