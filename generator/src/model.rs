//! The intermediate model of the API: plain data, validated, named and sorted, from which every
//! generated file is emitted. No token streams here; the model is what tests and the changelog
//! compare.

use std::collections::BTreeSet;

/// The whole API, merged from every document of a specs folder.
#[derive(Debug, Clone, PartialEq)]
pub struct Api {
    pub title: String,
    /// `info.version` of the base document, the one most operations come from: the version the
    /// crate as a whole implements (see [`Api::newest_version`] for newer pages mixed in).
    pub version: String,
    /// The newest `info.version` any operation comes from; equal to `version` unless newer
    /// documentation pages replace or add operations.
    pub newest_version: String,
    pub description: Option<String>,
    /// Every input document, in file-name order.
    pub sources: Vec<Source>,
    /// Operations of an older document replaced by a newer document's definition.
    pub superseded: Vec<Superseded>,
    /// The spec corrections applied before lowering (`specs/corrections.json`), in file order.
    pub corrections: Vec<CorrectionNote>,
    /// Sorted by `operation_id`.
    pub operations: Vec<Operation>,
    /// Indexed by [`TypeId`]; sorted by name once named.
    pub types: Vec<TypeDef>,
    /// The module (and cargo feature) of every scope (see [`crate::naming::scope_modules`]).
    pub scope_modules: std::collections::BTreeMap<String, String>,
    /// `x-batchable-actions` entries no operation matches, as warnings (see `lower::batch`).
    pub unmatched_batch_actions: Vec<String>,
}

/// One input document, as the crate docs and changelog name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// File name, without folders.
    pub file: String,
    pub version: String,
    /// How many of the API's operations come from this document.
    pub operations: usize,
    /// Whether this is the base document (see [`Api::version`]).
    pub base: bool,
}

/// One spec correction, as the docs, the changelog and the diff describe it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct CorrectionNote {
    pub operation_id: String,
    /// What it corrects and how: `response/[]/id: field-type`.
    pub what: String,
    pub reason: String,
    pub evidence: String,
    /// Why it changed nothing, when the spec already says what it says.
    pub stale: Option<String>,
}

impl CorrectionNote {
    /// One Markdown line: `` `op` response/[]/id: field-type — reason (evidence: ...) ``.
    pub fn line(&self) -> String {
        format!(
            "`{}` {}: {} (evidence: {})",
            self.operation_id, self.what, self.reason, self.evidence
        )
    }
}

/// An operation whose definition comes from a newer document than another one defining it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Superseded {
    pub operation_id: String,
    /// Index into [`Api::sources`] of the document whose definition is used.
    pub source: usize,
    /// Index into [`Api::sources`] of the document whose definition is replaced.
    pub replaced: usize,
}

impl Api {
    /// The base document.
    pub fn base_source(&self) -> Option<&Source> {
        self.sources.iter().find(|s| s.base)
    }

    /// How the crate's spec version reads where one string must say it: `1.42.0`, or
    /// `1.42.0+1.54.0` when operations of newer documents are mixed in.
    pub fn version_key(&self) -> String {
        if self.newest_version == self.version {
            self.version.clone()
        } else {
            format!("{}+{}", self.version, self.newest_version)
        }
    }

    /// Operations that do not come from the base document, with the document they come from.
    pub fn operations_beyond_base(&self) -> impl Iterator<Item = (&Operation, &Source)> {
        self.operations
            .iter()
            .map(|op| (op, &self.sources[op.source]))
            .filter(|(_, source)| !source.base)
    }

    pub fn type_def(&self, id: TypeId) -> &TypeDef {
        &self.types[id.0]
    }

    /// Scopes in name order.
    pub fn scopes(&self) -> BTreeSet<&str> {
        self.operations.iter().map(|op| op.scope.as_str()).collect()
    }

    /// The module (and cargo feature) of a scope.
    pub fn module_of<'a>(&'a self, scope: &'a str) -> &'a str {
        self.scope_modules
            .get(scope)
            .map(String::as_str)
            .unwrap_or(scope)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TypeId(pub usize);

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum HttpMethod {
    Get,
    Put,
    Post,
    Delete,
    Patch,
    Head,
    Options,
    Trace,
}

impl HttpMethod {
    pub fn parse(method: &str) -> Option<Self> {
        Some(match method {
            "get" => Self::Get,
            "put" => Self::Put,
            "post" => Self::Post,
            "delete" => Self::Delete,
            "patch" => Self::Patch,
            "head" => Self::Head,
            "options" => Self::Options,
            "trace" => Self::Trace,
            _ => return None,
        })
    }

    pub fn as_upper(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Put => "PUT",
            Self::Post => "POST",
            Self::Delete => "DELETE",
            Self::Patch => "PATCH",
            Self::Head => "HEAD",
            Self::Options => "OPTIONS",
            Self::Trace => "TRACE",
        }
    }
}

/// One API operation: becomes a method on the client and a request builder.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    pub operation_id: String,
    /// snake_case method name on the client.
    pub method_name: String,
    /// PascalCase name of the request builder.
    pub builder_name: String,
    pub http_method: HttpMethod,
    pub path: String,
    pub path_parts: Vec<PathPart>,
    /// The first tag: the module (and cargo feature) the operation lives in.
    pub scope: String,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub deprecated: bool,
    /// Path parameters in template order, then query parameters by wire name.
    pub params: Vec<Param>,
    pub body: Option<RequestBody>,
    pub response: Response,
    pub pagination: Option<Pagination>,
    /// How an action batch names this operation, when Meraki accepts it in one.
    pub batch_action: Option<BatchAction>,
    /// JSON pointer of the operation in its source document.
    pub origin: String,
    /// Index into [`Api::sources`] of the document the operation's definition comes from.
    pub source: usize,
}

/// An operation as an action of an action batch (`x-batchable-actions`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchAction {
    /// Meraki's name for the change: `create`, `update`, `destroy`, `claim`, ...
    pub operation: String,
    /// The action's `resource`, a path template relative to the API root: the operation's path,
    /// or its parent for actions such as `claim`.
    pub resource: String,
    /// How many path parameters `resource` takes: the operation's first ones, in order.
    pub path_params: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathPart {
    Literal(String),
    /// Index into [`Operation::params`].
    Param(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ParamLocation {
    Path,
    Query,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub wire_name: String,
    /// The name of its argument (required) or setter (optional), from
    /// [`crate::naming::input_names`].
    pub rust_name: String,
    pub location: ParamLocation,
    pub required: bool,
    pub ty: TypeRef,
    pub description: Option<String>,
    pub deprecated: bool,
    /// Position among the parameters the spec declares for the operation (path-level ones
    /// first), the order the changelog lists them in.
    pub declaration: usize,
    /// The parameter object lowering read: where it is declared, then the `$ref` target.
    pub pointers: Vec<String>,
    pub schema: SchemaUse,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RequestBody {
    pub required: bool,
    pub ty: TypeRef,
    pub description: Option<String>,
    /// The request body object lowering read: where it is declared, then the `$ref` target.
    pub pointers: Vec<String>,
    /// The schema of the JSON media type lowering picked.
    pub schema: SchemaUse,
    pub form: BodyForm,
}

/// How the request builder takes a body.
#[derive(Debug, Clone, PartialEq)]
pub enum BodyForm {
    /// An object body with declared properties, property by property: required ones are
    /// arguments, optional ones setters, named `inputs` (in the order of the struct's fields).
    Fields { inputs: Vec<String> },
    /// Any other body, as one value.
    Whole,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// The documented success status (200 when none is documented).
    pub status: u16,
    pub ty: TypeRef,
    pub description: Option<String>,
    /// The success response object lowering picked: where it is declared, then the `$ref`
    /// target; empty when the operation documents no success response.
    pub pointers: Vec<String>,
    /// The schema of the JSON media type lowering picked; without pointers when the response
    /// has no content the crate decodes (none declared, or HTTP 204).
    pub schema: SchemaUse,
}

/// A schema where an operation uses it, as lowering read it: the schema objects it looked at
/// and the Rust type it made of them, down to every property, item, map value and `oneOf`
/// branch. The changelog compares these, so it describes the choices lowering made rather
/// than making its own.
#[derive(Debug, Clone, PartialEq)]
pub struct SchemaUse {
    pub site: Site,
    /// JSON pointers, into the document of the operation, of the schema objects lowering read
    /// here: the one in place, then each `$ref` target and single `allOf` member it followed.
    /// Empty where no schema is declared.
    pub pointers: Vec<String>,
    pub ty: TypeRef,
    /// The validation rules the spec states here. The crate does not enforce them (the server
    /// does), but a tighter one may make the server refuse what it accepted before.
    pub constraints: Constraints,
    /// Shared: a `$ref`'d component's children are the same at every use.
    pub children: std::sync::Arc<Vec<SchemaChild>>,
}

impl SchemaUse {
    /// A place with no declared schema.
    pub fn undeclared(site: Site, ty: TypeRef) -> Self {
        Self {
            site,
            pointers: Vec::new(),
            ty,
            constraints: Constraints::default(),
            children: Default::default(),
        }
    }

    pub fn child(&self, key: &ChildKey) -> Option<&SchemaUse> {
        self.children
            .iter()
            .find(|c| c.key.same_place(key))
            .map(|c| &c.schema)
    }

    /// Declared properties, in spec order.
    pub fn properties(&self) -> impl Iterator<Item = (&str, bool, &SchemaUse)> {
        self.children.iter().filter_map(|c| match &c.key {
            ChildKey::Property { name, required } => Some((name.as_str(), *required, &c.schema)),
            _ => None,
        })
    }

    pub fn branches(&self) -> impl Iterator<Item = &SchemaUse> {
        self.children
            .iter()
            .filter(|c| matches!(c.key, ChildKey::Branch(_)))
            .map(|c| &c.schema)
    }
}

/// The validation keywords of one schema, as stated (numbers as written where they are whole).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Constraints {
    pub minimum: Option<serde_json::Number>,
    pub maximum: Option<serde_json::Number>,
    pub exclusive_minimum: bool,
    pub exclusive_maximum: bool,
    pub multiple_of: Option<serde_json::Number>,
    pub min_length: Option<usize>,
    pub max_length: Option<usize>,
    pub pattern: Option<String>,
    pub min_items: Option<usize>,
    pub max_items: Option<usize>,
    pub unique_items: bool,
    pub min_properties: Option<usize>,
    pub max_properties: Option<usize>,
}

impl Constraints {
    /// The value of one constraint by its OpenAPI keyword (`maxLength`), `None` when the spec
    /// states none (flags count only when set).
    pub fn get(&self, keyword: &str) -> Option<serde_json::Value> {
        use serde_json::Value;
        let count = |n: Option<usize>| n.map(Value::from);
        let flag = |set: bool| set.then_some(Value::Bool(true));
        match keyword {
            "minimum" => self.minimum.clone().map(Value::Number),
            "maximum" => self.maximum.clone().map(Value::Number),
            "exclusiveMinimum" => flag(self.exclusive_minimum),
            "exclusiveMaximum" => flag(self.exclusive_maximum),
            "multipleOf" => self.multiple_of.clone().map(Value::Number),
            "minLength" => count(self.min_length),
            "maxLength" => count(self.max_length),
            "pattern" => self.pattern.clone().map(Value::String),
            "minItems" => count(self.min_items),
            "maxItems" => count(self.max_items),
            "uniqueItems" => flag(self.unique_items),
            "minProperties" => count(self.min_properties),
            "maxProperties" => count(self.max_properties),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SchemaChild {
    pub key: ChildKey,
    pub schema: SchemaUse,
}

/// How a nested schema hangs off its parent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChildKey {
    /// A declared property; `required` as the parent's `required` list says (before nullable
    /// properties are made optional).
    Property {
        name: String,
        required: bool,
    },
    Items,
    Values,
    /// The N-th `oneOf`/`anyOf` branch.
    Branch(usize),
}

impl ChildKey {
    /// The same place in another version: properties by name, whatever their required flag.
    pub fn same_place(&self, other: &ChildKey) -> bool {
        match (self, other) {
            (ChildKey::Property { name: a, .. }, ChildKey::Property { name: b, .. }) => a == b,
            _ => self == other,
        }
    }
}

/// How to page through an operation's results by following `Link` headers.
#[derive(Debug, Clone, PartialEq)]
pub struct Pagination {
    pub item: TypeRef,
    pub items: PageItems,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PageItems {
    /// The page is an array of items.
    Array,
    /// The page is an object whose field (Rust name) holds the items.
    Field { rust_name: String, required: bool },
    /// The page is one object, taken as a single item.
    Whole,
}

/// A Rust type as used by a field, parameter or response.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TypeRef {
    String,
    Integer,
    Float,
    Boolean,
    Timestamp,
    /// Anything (`serde_json::Value`).
    Json,
    /// An object with no declared properties (`serde_json::Map`).
    JsonObject,
    /// No content (`()`).
    Unit,
    Vec(Box<TypeRef>),
    /// An object keyed by arbitrary strings.
    Map(Box<TypeRef>),
    Named(TypeId),
}

impl TypeRef {
    /// Named types this reference mentions directly.
    pub fn named(&self) -> Option<TypeId> {
        match self {
            TypeRef::Named(id) => Some(*id),
            TypeRef::Vec(inner) | TypeRef::Map(inner) => inner.named(),
            _ => None,
        }
    }
}

/// A named type of the generated crate.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeDef {
    pub name: String,
    /// Where the type was first met: the JSON pointer of its schema. Its name derives from here.
    pub origin: String,
    /// Every place the type's shape was met, the first being where its name derives from. Sites
    /// identify a schema across spec versions (see [`Site`]); the names manifest keys on them.
    pub sites: Vec<Site>,
    pub description: Option<String>,
    /// The operationId of the operation that first uses the type, to document it when the spec
    /// does not.
    pub first_use: String,
    pub kind: TypeKind,
    /// Scopes of the operations that use the type, directly or through other types.
    pub scopes: BTreeSet<String>,
    /// Reachable from a request (body or query parameter): users build values of it.
    pub in_request: bool,
    /// Reachable from a response: the server sends values of it.
    pub in_response: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TypeKind {
    Struct {
        fields: Vec<Field>,
    },
    StringEnum {
        variants: Vec<StringVariant>,
    },
    IntegerEnum {
        variants: Vec<IntegerVariant>,
    },
    /// A value of one of several shapes (OpenAPI `oneOf`), told apart by trying each in turn.
    OneOf {
        variants: Vec<OneOfVariant>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub wire_name: String,
    pub rust_name: String,
    /// The method of a request type that sets this field from a value (`name(value)`), and its
    /// twin taking an `Option` (`set_name(option)`), so code can pass an optional value through.
    pub setter: String,
    pub option_setter: String,
    pub ty: TypeRef,
    pub required: bool,
    pub description: Option<String>,
    pub deprecated: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StringVariant {
    pub wire: String,
    pub rust_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntegerVariant {
    pub wire: i64,
    pub rust_name: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OneOfVariant {
    pub rust_name: String,
    pub ty: TypeRef,
}

/// Where a schema sits in the API, spelled so that it survives a new spec version: the
/// operationId and parameter, body or response, then property names, `[]` for array items,
/// `{}` for map values and `|N` for the N-th `oneOf` branch
/// (`getDeviceClients/response/[]/status`). A schema behind a `$ref` sits at its component
/// (`#/components/schemas/Name/...`) wherever it is used. JSON pointers alone would shift
/// whenever a parameter is inserted before another, since they index parameter arrays.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct Site(pub String);

impl Site {
    /// A parameter of an operation (`query` or `path`).
    pub fn parameter(operation_id: &str, location: ParamLocation, name: &str) -> Self {
        let location = match location {
            ParamLocation::Path => "path",
            ParamLocation::Query => "query",
        };
        Site(format!(
            "{operation_id}/{location}/{}",
            escape_segment(name)
        ))
    }

    pub fn body(operation_id: &str) -> Self {
        Site(format!("{operation_id}/body"))
    }

    pub fn response(operation_id: &str) -> Self {
        Site(format!("{operation_id}/response"))
    }

    pub fn component(name: &str) -> Self {
        Site(format!("#/components/schemas/{}", escape_segment(name)))
    }

    pub fn property(&self, name: &str) -> Self {
        Site(format!("{}/{}", self.0, escape_segment(name)))
    }

    pub fn items(&self) -> Self {
        Site(format!("{}/[]", self.0))
    }

    pub fn values(&self) -> Self {
        Site(format!("{}/{{}}", self.0))
    }

    pub fn branch(&self, index: usize) -> Self {
        Site(format!("{}/|{index}", self.0))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Site {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A `/` inside a property name would read as a separator; escape it as JSON pointers do.
fn escape_segment(name: &str) -> String {
    crate::error::escape_pointer_token(name)
}
