//! What the changelog says: each change with its impact on users of the generated crate, per
//! operation and for the whole API. Plain data; [`super::compare`] fills it in.

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
}
