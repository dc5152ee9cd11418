//! Which operations Meraki accepts in action batches: each `x-batchable-actions` entry matched to
//! the one operation it names.
//!
//! An entry gives the action's `resource` (a path) and `operation` (Meraki's name for the change),
//! not an operationId, so the match is made here, once, and stored on the operation:
//! - `create`, `update` and `destroy` are the `POST`, `PUT` and `DELETE` of the resource itself;
//! - any other name (`claim`, `provision`, `assignSeats`, `aps`, ...) is a `POST` or `PUT` of the
//!   resource or of a path one segment below it (`/networks/{networkId}/bind` for `bind` of
//!   `/networks/{networkId}`): the one named `resource/operation` when there is one, else the one
//!   whose summary is the entry's (`aps` of `.../ports/profiles` is `.../ports/profiles/assign`).
//!
//! Path parameters are compared by position, not name (`{id}` in an entry, `{groupId}` in the
//! path). An entry that matches nothing, or more than one operation, gives no action and a
//! warning: the spec is wrong there, and guessing would send a change Meraki does not make.

use crate::load::Specs;
use crate::model::{BatchAction, HttpMethod, Operation};

/// Stores each matched entry on its operation; returns a warning per entry left unmatched.
pub(super) fn attach(specs: &Specs, operations: &mut [Operation]) -> Vec<String> {
    let mut warnings = Vec::new();
    for document in &specs.documents {
        for entry in &document.batchable {
            match matching(operations, &entry.resource, &entry.operation, entry.summary.as_deref()) {
                Ok(index) => {
                    operations[index].batch_action = Some(BatchAction {
                        operation: entry.operation.clone(),
                        resource: entry.resource.clone(),
                        path_params: placeholders(&entry.resource),
                    });
                }
                Err(why) => warnings.push(format!(
                    "{} at {}: the batchable action `{}` of `{}` {why}; it gets no action constructor",
                    entry.location.file.display(),
                    entry.location.pointer,
                    entry.operation,
                    entry.resource
                )),
            }
        }
    }
    warnings
}

fn matching(
    operations: &[Operation],
    resource: &str,
    operation: &str,
    summary: Option<&str>,
) -> Result<usize, String> {
    let resource = segments(resource);
    let found: Vec<usize> = match operation {
        "create" | "update" | "destroy" => {
            let method = match operation {
                "create" => HttpMethod::Post,
                "update" => HttpMethod::Put,
                _ => HttpMethod::Delete,
            };
            indices(operations, |op| {
                op.http_method == method && segments(&op.path) == resource
            })
        }
        _ => {
            let writes =
                |op: &Operation| matches!(op.http_method, HttpMethod::Post | HttpMethod::Put);
            let mut named = resource.clone();
            named.push(operation.to_string());
            let by_name = indices(operations, |op| writes(op) && segments(&op.path) == named);
            if by_name.is_empty() {
                indices(operations, |op| {
                    let path = segments(&op.path);
                    writes(op)
                        && (path == resource
                            || (path.len() == resource.len() + 1 && path.starts_with(&resource)))
                        && summary.is_some()
                        && op.summary.as_deref() == summary
                })
            } else {
                by_name
            }
        }
    };
    match found.as_slice() {
        [index] => Ok(*index),
        [] => Err("matches no operation".to_string()),
        several => Err(format!(
            "matches {} operations ({})",
            several.len(),
            several
                .iter()
                .map(|i| operations[*i].operation_id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

fn indices(operations: &[Operation], keep: impl Fn(&Operation) -> bool) -> Vec<usize> {
    (0..operations.len())
        .filter(|i| keep(&operations[*i]))
        .collect()
}

/// A path's segments with every `{parameter}` the same, so paths compare by shape.
fn segments(path: &str) -> Vec<String> {
    path.trim_matches('/')
        .split('/')
        .map(|segment| {
            if segment.starts_with('{') && segment.ends_with('}') {
                "{}".to_string()
            } else {
                segment.to_string()
            }
        })
        .collect()
}

fn placeholders(path: &str) -> usize {
    path.split('/')
        .filter(|s| s.starts_with('{') && s.ends_with('}'))
        .count()
}
