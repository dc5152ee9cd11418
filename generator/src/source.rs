//! The spec as read: its documents and their operations, still in OpenAPI form. Plain types,
//! shared by the loader ([`crate::load`], which builds them and re-exports them) and the spec
//! corrections ([`crate::corrections`], which edit the operations).

use std::path::PathBuf;

use openapiv3::{Components, Operation, Parameter, ReferenceOr};
use serde_json::Value;

use crate::error::Location;

/// One input document, as the generated crate's docs describe it.
#[derive(Debug, Clone)]
pub struct Document {
    pub file: PathBuf,
    /// Which of the two forms the file has, which says where in it its components are written.
    pub form: Form,
    pub title: String,
    pub version: String,
    pub description: Option<String>,
    /// `$ref` targets of this document (for documentation pages: only `securitySchemes`).
    pub components: Components,
    pub servers: Vec<openapiv3::Server>,
    pub security: Option<Vec<openapiv3::SecurityRequirement>>,
    /// The operations Meraki accepts in action batches (the document's `x-batchable-actions`).
    pub batchable: Vec<BatchableEntry>,
}

/// One `x-batchable-actions` entry: what an action batch calls an operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchableEntry {
    /// The action's `resource`, a path template relative to the API root.
    pub resource: String,
    /// The action's `operation` (`create`, `update`, `destroy`, `claim`, ...).
    pub operation: String,
    pub summary: Option<String>,
    /// Where the entry is written.
    pub location: crate::error::Location,
}

/// The two forms a spec document can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// A complete OpenAPI 3.0 document: components under `/components`.
    OpenApi,
    /// A per-operation documentation page: only security schemes, under `/meta/securitySchemes`.
    Page,
}

impl Document {
    /// Where the component `name` of `kind` (`schemas`, `securitySchemes`, ...: the key under
    /// an OpenAPI document's `components`) is written in this document's file.
    pub fn component_location(&self, kind: &str, name: &str) -> Location {
        let root = Location::new(&self.file, "");
        let parent = match self.form {
            Form::OpenApi => root.child("components").child(kind),
            Form::Page => root.child("meta").child(kind),
        };
        parent.child(name)
    }
}

/// One operation of one document, still in OpenAPI form.
#[derive(Debug, Clone)]
pub struct SourceOperation {
    /// Index into [`Specs::documents`](crate::load::Specs::documents).
    pub document: usize,
    pub location: Location,
    pub method: String,
    pub path: String,
    pub operation: Operation,
    /// Path-level parameters of a full document, shared by every method of the path.
    pub path_parameters: Vec<ReferenceOr<Parameter>>,
    /// The operation as written, to tell identical duplicates from conflicting ones.
    pub raw: Value,
}

/// An operation defined by an older document and replaced by a newer document's definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Supersession {
    pub operation_id: String,
    /// Index into [`Specs::documents`](crate::load::Specs::documents) of the document whose definition is used.
    pub winner: usize,
    /// Index into [`Specs::documents`](crate::load::Specs::documents) of the document whose definition is not.
    pub replaced: usize,
}
