//! The API changelog: what changed between two versions of the spec, operation by operation,
//! and what each change means for users of the generated crate.
//!
//! Operations are compared as the two lowered models describe them: matched by operationId,
//! parameters by location and wire name, schemas place by place as lowering recorded them (see
//! [`crate::model::SchemaUse`]). Keywords the models do not carry (bounds such as `maximum`,
//! patterns, prose) are read from the definitions as written, only through the JSON pointers
//! lowering recorded, so the changelog always describes the crate that is emitted. A change is
//! classified by what happens to the Rust API: a new field of a `#[non_exhaustive]` response
//! struct is additive, the same field in a struct users build is breaking. An operation whose
//! definitions differ only in prose or examples is documentation-only.

mod changes;
mod markdown;
mod operation;
mod raw;
mod rust;
mod schema;

use std::collections::BTreeMap;

use crate::load::{SourceOperation, Specs};
use crate::model::{Api, Operation};
pub use changes::{ApiDiff, Change, CorrectionChange, Impact, OperationDiff, Status};
use operation::Pair;
use raw::RawOperation;
use schema::{Models, Raws};

/// The corrections applied in `new` and not in `old` (added), and the reverse (removed).
fn correction_changes(old: &Api, new: &Api) -> Vec<CorrectionChange> {
    let applied = |api: &Api| -> Vec<String> {
        api.corrections
            .iter()
            .filter(|c| c.stale.is_none())
            .map(|c| c.line())
            .collect()
    };
    let (old, new) = (applied(old), applied(new));
    let added = new
        .iter()
        .filter(|l| !old.contains(l))
        .map(|line| CorrectionChange {
            added: true,
            line: line.clone(),
        });
    let removed = old
        .iter()
        .filter(|l| !new.contains(l))
        .map(|line| CorrectionChange {
            added: false,
            line: line.clone(),
        });
    added.chain(removed).collect()
}

impl ApiDiff {
    /// The changelog as Markdown; `level` is the heading level of its title (1 for `#`).
    pub fn to_markdown(&self, level: usize) -> String {
        markdown::render(self, level)
    }
}

/// Compares two versions of the API. `old_api` and `new_api` are the lowered `old_specs` and
/// `new_specs`; lower the new one with the old one's names manifest, as `cargo xtask codegen`
/// does, so that kept names do not show up as renames.
pub fn compare(old_specs: &Specs, old_api: &Api, new_specs: &Specs, new_api: &Api) -> ApiDiff {
    let models = Models {
        old: old_api,
        new: new_api,
    };
    let old_components = raw::components(old_specs);
    let new_components = raw::components(new_specs);
    let (old_ops, new_ops) = (by_id(old_specs), by_id(new_specs));
    let mut ids: Vec<&String> = old_ops.keys().chain(new_ops.keys()).collect();
    ids.sort();
    ids.dedup();
    let mut operations = Vec::new();
    for id in ids {
        let diff = match (old_ops.get(id), new_ops.get(id)) {
            (Some(old), None) => removed(id, old, old_api),
            (None, Some(new)) => added(id, new, new_api),
            (Some(old), Some(new)) => {
                let (Some(old_op), Some(new_op)) = (model(old_api, id), model(new_api, id)) else {
                    continue;
                };
                let old_raw = RawOperation::new(&old_components, old);
                let new_raw = RawOperation::new(&new_components, new);
                let report = operation::compare(Pair {
                    models,
                    raws: Raws {
                        old: &old_raw,
                        new: &new_raw,
                    },
                    old: old_op,
                    new: new_op,
                });
                let mut changes = report.changes;
                let (old_read, new_read) =
                    (old_raw.fingerprint(old_op), new_raw.fingerprint(new_op));
                let same_route =
                    (old_op.http_method, &old_op.path) == (new_op.http_method, &new_op.path);
                if same_route && old_read == new_read && changes.is_empty() {
                    continue;
                }
                let without_docs =
                    |read: &[(String, serde_json::Value)]| -> Vec<serde_json::Value> {
                        read.iter()
                            .map(|(_, value)| raw::without_docs(value))
                            .collect()
                    };
                let docs_only = same_route && without_docs(&old_read) == without_docs(&new_read);
                if !docs_only && changes.is_empty() {
                    changes.push(Change {
                        impact: Impact::NonBreaking,
                        text: "the definition changes in ways the generated crate does not use"
                            .into(),
                    });
                }
                let status = if changes.is_empty() {
                    Status::DocumentationOnly
                } else {
                    Status::Changed
                };
                OperationDiff {
                    operation_id: id.clone(),
                    route: route(new_op),
                    status,
                    changes,
                    docs: report.docs,
                }
            }
            (None, None) => continue,
        };
        operations.push(diff);
    }
    ApiDiff {
        old_version: old_api.version_key(),
        new_version: new_api.version_key(),
        operations,
        corrections: correction_changes(old_api, new_api),
    }
}

fn by_id(specs: &Specs) -> BTreeMap<String, &SourceOperation> {
    specs
        .operations
        .iter()
        .map(|op| (op.operation.operation_id.clone().unwrap_or_default(), op))
        .collect()
}

fn model<'a>(api: &'a Api, id: &str) -> Option<&'a Operation> {
    api.operations
        .binary_search_by(|op| op.operation_id.as_str().cmp(id))
        .ok()
        .map(|index| &api.operations[index])
}

fn route(op: &Operation) -> String {
    format!("{} {}", op.http_method.as_upper(), op.path)
}

fn added(id: &str, source: &SourceOperation, api: &Api) -> OperationDiff {
    let (route, text) = match model(api, id) {
        Some(op) => (
            route(op),
            format!("new method `Client::{}()`", op.method_name),
        ),
        None => (
            format!("{} {}", source.method.to_uppercase(), source.path),
            "new operation".into(),
        ),
    };
    OperationDiff {
        operation_id: id.to_string(),
        route,
        status: Status::Added,
        changes: vec![Change {
            impact: Impact::Additive,
            text,
        }],
        docs: Vec::new(),
    }
}

fn removed(id: &str, source: &SourceOperation, api: &Api) -> OperationDiff {
    let (route, text) = match model(api, id) {
        Some(op) => (
            route(op),
            format!("method `Client::{}()` is gone", op.method_name),
        ),
        None => (
            format!("{} {}", source.method.to_uppercase(), source.path),
            "operation removed".into(),
        ),
    };
    OperationDiff {
        operation_id: id.to_string(),
        route,
        status: Status::Removed,
        changes: vec![Change {
            impact: Impact::Breaking,
            text,
        }],
        docs: Vec::new(),
    }
}
