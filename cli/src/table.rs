//! The shape of the operation table `cargo xtask codegen` emits into `generated/operations.rs`
//! from the lowered model (see `meraki_codegen::emit::operation_table_file`), and look-ups in
//! it. Nothing here knows any particular operation.

pub use crate::operations::{OPERATIONS, OPERATION_COUNT, RESERVED_FLAGS, SPEC_VERSION};

/// One API operation.
#[derive(Debug)]
pub struct Operation {
    /// The spec's operationId (`getOrganizationNetworks`), accepted as a command name too.
    pub id: &'static str,
    /// The command: the `meraki` crate's method name in kebab case (`get-organization-networks`).
    pub name: &'static str,
    /// The `meraki` crate's method name (`get_organization_networks`).
    pub method_name: &'static str,
    /// The spec's tag (`organizations`, `cellularGateway`).
    pub scope: &'static str,
    /// The scope's command: the crate's module (and feature) in kebab case (`cellular-gateway`).
    pub command: &'static str,
    pub method: Method,
    /// The spec's template (`/organizations/{organizationId}/networks`).
    pub path: &'static str,
    /// Indices into [`Operation::inputs`] of the template's parameters, in template order.
    pub path_params: &'static [usize],
    pub summary: &'static str,
    pub description: &'static str,
    pub deprecated: bool,
    /// Path parameters, query parameters, then the top-level fields of the body.
    pub inputs: &'static [Input],
    pub body: Option<Body>,
    pub paging: Option<Paging>,
    /// Wire names of the scalar fields of the response's items (or of the response), in field
    /// order: the table's candidate columns.
    pub columns: &'static [&'static str],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Put,
    Post,
    Delete,
    Patch,
    Head,
    Options,
    Trace,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Put => "PUT",
            Method::Post => "POST",
            Method::Delete => "DELETE",
            Method::Patch => "PATCH",
            Method::Head => "HEAD",
            Method::Options => "OPTIONS",
            Method::Trace => "TRACE",
        }
    }

    pub fn http(self) -> meraki_runtime::Method {
        match self {
            Method::Get => meraki_runtime::Method::GET,
            Method::Put => meraki_runtime::Method::PUT,
            Method::Post => meraki_runtime::Method::POST,
            Method::Delete => meraki_runtime::Method::DELETE,
            Method::Patch => meraki_runtime::Method::PATCH,
            Method::Head => meraki_runtime::Method::HEAD,
            Method::Options => meraki_runtime::Method::OPTIONS,
            Method::Trace => meraki_runtime::Method::TRACE,
        }
    }
}

/// A path or query parameter, or a top-level field of the body.
#[derive(Debug)]
pub struct Input {
    pub wire: &'static str,
    /// Its argument or setter name in the `meraki` crate.
    pub rust: &'static str,
    /// The long flag, without `--`.
    pub flag: &'static str,
    /// The wire name as a second spelling of the flag, where it differs.
    pub alias: Option<&'static str>,
    pub location: Location,
    pub required: bool,
    pub ty: Type,
    pub description: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    Path,
    Query,
    Body,
}

#[derive(Debug, Clone, Copy)]
pub struct Type {
    pub scalar: Scalar,
    /// A list of scalars: the flag may be repeated or take comma-separated values.
    pub list: bool,
}

#[derive(Debug, Clone, Copy)]
pub enum Scalar {
    String,
    Integer,
    Float,
    Boolean,
    /// An ISO 8601 date and time, sent as written.
    Timestamp,
    /// A string out of these.
    Enum(&'static [&'static str]),
    /// An integer out of these (written as text).
    IntegerEnum(&'static [&'static str]),
    /// Anything else (objects, lists of objects, unions): JSON text.
    Json,
}

#[derive(Debug, Clone, Copy)]
pub struct Body {
    pub required: bool,
    /// An object with declared properties: each top-level field is an [`Input`] of
    /// [`Location::Body`]. Otherwise the body is only given whole (`--body`).
    pub fields: bool,
    pub description: &'static str,
}

/// How the items of a page are found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paging {
    /// The page is an array of items.
    Array,
    /// The page is an object whose member (wire name) holds the items.
    Field(&'static str),
    /// The page is one item.
    Whole,
}

/// The scope commands in table order, each with its tag and operation count.
pub fn scopes() -> Vec<(&'static str, &'static str, usize)> {
    let mut scopes: Vec<(&'static str, &'static str, usize)> = Vec::new();
    for op in OPERATIONS {
        match scopes
            .iter_mut()
            .find(|(command, _, _)| *command == op.command)
        {
            Some(entry) => entry.2 += 1,
            None => scopes.push((op.command, op.scope, 1)),
        }
    }
    scopes.sort();
    scopes
}

/// The scope command a word names: its command or its tag.
pub fn find_scope(word: &str) -> Option<&'static str> {
    OPERATIONS
        .iter()
        .find(|op| op.command == word || op.scope == word)
        .map(|op| op.command)
}

/// The operation a word names within a scope: its command, operationId or method name.
pub fn find_operation(scope: &str, word: &str) -> Option<&'static Operation> {
    OPERATIONS
        .iter()
        .filter(|op| op.command == scope)
        .find(|op| op.name == word || op.id == word || op.method_name == word)
}

/// The operation a word names in any scope.
pub fn find_anywhere(word: &str) -> Option<&'static Operation> {
    OPERATIONS
        .iter()
        .find(|op| op.name == word || op.id == word || op.method_name == word)
}
