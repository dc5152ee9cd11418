//! The API changelog: what changed between two versions of the spec, operation by operation,
//! and what each change means for users of the generated crate.
//!
//! Operations are compared as JSON with their `$ref`s resolved (so nothing the spec says is
//! missed, constraints like `maximum` included), and every schema is looked up in the two
//! lowered models at the same time (so a change is classified by what happens to the Rust
//! API: a new field of a `#[non_exhaustive]` response struct is additive, the same field in a
//! struct users build is breaking). An operation whose definitions differ only in prose or
//! examples is documentation-only.

mod markdown;
mod operation;
mod raw;
mod rust;
mod schema;

use std::collections::BTreeMap;

use crate::load::{SourceOperation, Specs};
use crate::model::{Api, Operation};
use schema::Models;

/// How a change affects users of the generated crate, least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Impact {
    /// Only prose or examples: the rustdoc changes.
    Documentation,
    /// The Rust API stays the same; the API behaves differently (a deprecation, a new route,
    /// a bound on what the server sends).
    NonBreaking,
    /// New Rust API (an operation, a setter, a field users only read, an enum variant) or the
    /// API accepts more; code that compiled still compiles.
    Additive,
    /// Code that compiled may not compile, or requests that worked may be refused.
    Breaking,
}

impl Impact {
    pub fn label(self) -> &'static str {
        match self {
            Impact::Documentation => "documentation",
            Impact::NonBreaking => "non-breaking",
            Impact::Additive => "additive",
            Impact::Breaking => "breaking",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub impact: Impact,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Added,
    Removed,
    Changed,
    /// The definitions differ only in documentation text or examples.
    DocumentationOnly,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationDiff {
    pub operation_id: String,
    /// `GET /path` of the new version (the old one for removed operations).
    pub route: String,
    pub status: Status,
    /// What changed beyond documentation, in definition order.
    pub changes: Vec<Change>,
    /// Where documentation text changed.
    pub docs: Vec<String>,
}

impl OperationDiff {
    pub fn impact(&self) -> Impact {
        self.changes
            .iter()
            .map(|c| c.impact)
            .max()
            .unwrap_or(Impact::Documentation)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiDiff {
    pub old_version: String,
    pub new_version: String,
    /// Every operation that differs, by operationId.
    pub operations: Vec<OperationDiff>,
    /// Spec corrections added or removed (their effect on the types is in `operations`).
    pub corrections: Vec<CorrectionChange>,
}

/// A spec correction that came or went between two versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorrectionChange {
    pub added: bool,
    /// The correction as one Markdown line (see [`crate::model::CorrectionNote::line`]).
    pub line: String,
}

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
    /// Nothing changed: same spec version, same operations.
    pub fn is_empty(&self) -> bool {
        self.old_version == self.new_version
            && self.operations.is_empty()
            && self.corrections.is_empty()
    }

    /// The most severe impact of any change; a new spec version without operation changes is
    /// a documentation change (the crate's docs name the version).
    pub fn impact(&self) -> Option<Impact> {
        let operations = self.operations.iter().map(OperationDiff::impact).max();
        if operations.is_some() || self.old_version != self.new_version {
            Some(operations.unwrap_or(Impact::Documentation))
        } else {
            None
        }
    }

    pub fn with_status(&self, status: Status) -> impl Iterator<Item = &OperationDiff> {
        self.operations.iter().filter(move |op| op.status == status)
    }

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
                let old_value = raw::resolved_operation(&old_components, old);
                let new_value = raw::resolved_operation(&new_components, new);
                let report = operation::compare(models, &old_value, &new_value, old_op, new_op);
                let mut changes = report.changes;
                let same_raw = old_value == new_value;
                if same_raw && changes.is_empty() {
                    continue;
                }
                let docs_only = raw::without_docs(&old_value) == raw::without_docs(&new_value);
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
