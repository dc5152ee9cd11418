//! Reads a specs folder: every `*.json` in it is either a complete OpenAPI 3.0 document or a
//! per-operation documentation page (`{"type": "api", "meta": {...}, "spec": {operation, method, path}}`).
//! Both become the same list of [`SourceOperation`]s, merged across documents.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use openapiv3::{Components, OpenAPI, Operation, ReferenceOr};
use serde_json::Value;

use crate::corrections;
use crate::decode::deserialize;
use crate::error::{Error, Location, Result};
use crate::shape;
pub use crate::source::{BatchableEntry, Document, Form, SourceOperation, Supersession};

#[derive(Debug, Clone)]
pub struct Specs {
    pub documents: Vec<Document>,
    /// One definition per operationId (the newest), sorted by operationId.
    pub operations: Vec<SourceOperation>,
    /// Older, different definitions that a newer document replaced, by operationId.
    pub superseded: Vec<Supersession>,
    /// The spec corrections of the folder (`corrections.json`), applied to `operations`, in
    /// file order; stale ones are marked.
    pub corrections: Vec<corrections::Outcome>,
}

impl Specs {
    /// The document with the newest `info.version`.
    pub fn newest_document(&self) -> Option<&Document> {
        self.documents
            .iter()
            .max_by(|a, b| compare_versions(&a.version, &b.version))
    }

    /// The newest `info.version` any merged operation comes from.
    pub fn newest_operation_version(&self) -> Option<&str> {
        self.operations
            .iter()
            .map(|op| self.documents[op.document].version.as_str())
            .max_by(|a, b| compare_versions(a, b))
    }

    /// The document most of the merged operations come from (on a tie, the oldest of them):
    /// its version is the one the crate as a whole can honestly claim, and its metadata
    /// describes the merged API.
    pub fn base_document(&self) -> Option<&Document> {
        let mut counts = vec![0usize; self.documents.len()];
        for op in &self.operations {
            counts[op.document] += 1;
        }
        (0..self.documents.len())
            .max_by(|&a, &b| {
                counts[a].cmp(&counts[b]).then_with(|| {
                    compare_versions(&self.documents[b].version, &self.documents[a].version)
                })
            })
            .map(|index| &self.documents[index])
    }
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Loads every `*.json` of `dir` (or the single file `dir`).
pub fn load_specs(dir: &Path) -> Result<Specs> {
    load_specs_from(std::slice::from_ref(&dir.to_path_buf()))
}

/// Loads the documents named by `inputs`, each a file or a folder of `*.json` files.
pub fn load_specs_from(inputs: &[PathBuf]) -> Result<Specs> {
    let mut texts = Vec::new();
    for input in inputs {
        for file in list_json_files(input)? {
            let text = std::fs::read_to_string(&file).map_err(|e| Error::io(&file, e))?;
            texts.push((file, text));
        }
    }
    if texts.iter().all(|(file, _)| is_corrections_file(file)) {
        let names: Vec<String> = inputs.iter().map(|p| p.display().to_string()).collect();
        return Err(Error::Other(format!(
            "{}: no *.json spec documents found",
            names.join(", ")
        )));
    }
    load_documents(&texts)
}

/// Loads documents already read into memory (name, text), e.g. from git history; names are
/// only used in error messages and the crate docs.
/// A file named [`corrections::FILE`] is the folder's spec corrections, applied to the merged
/// operations before anything else reads them.
pub fn load_documents(texts: &[(PathBuf, String)]) -> Result<Specs> {
    let mut documents = Vec::new();
    let mut operations = Vec::new();
    let mut fixes = Vec::new();
    for (file, text) in texts {
        if is_corrections_file(file) {
            fixes.extend(corrections::parse(file, text)?);
        } else {
            load_text(file, text, &mut documents, &mut operations)?;
        }
    }
    if documents.is_empty() {
        return Err(Error::Other("no *.json spec documents found".into()));
    }
    let (mut operations, superseded) = merge_operations(operations, &documents)?;
    let corrections = corrections::apply(&mut operations, &fixes)?;
    Ok(Specs {
        documents,
        operations,
        superseded,
        corrections,
    })
}

fn is_corrections_file(file: &Path) -> bool {
    file.file_name()
        .is_some_and(|name| name == corrections::FILE)
}

fn list_json_files(path: &Path) -> Result<Vec<PathBuf>> {
    let metadata = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if metadata.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files = Vec::new();
    for entry in std::fs::read_dir(path).map_err(|e| Error::io(path, e))? {
        let entry = entry.map_err(|e| Error::io(path, e))?;
        let file = entry.path();
        if file.extension().is_some_and(|ext| ext == "json") && file.is_file() {
            files.push(file);
        }
    }
    // Directory order differs between machines; the output must not.
    files.sort();
    Ok(files)
}

fn load_text(
    file: &Path,
    text: &str,
    documents: &mut Vec<Document>,
    operations: &mut Vec<SourceOperation>,
) -> Result<()> {
    let root = Location::new(file, "");
    let value: Value = serde_json::from_str(text).map_err(|e| {
        Error::input(
            &root,
            format!(
                "malformed JSON at line {}, column {}: {e}",
                e.line(),
                e.column()
            ),
        )
    })?;
    let Value::Object(object) = &value else {
        return Err(Error::input(
            &root,
            "expected a JSON object (an OpenAPI document or a documentation page)",
        ));
    };
    let document = documents.len();
    if object.contains_key("openapi") || object.contains_key("paths") {
        let (doc, ops) = load_openapi_document(file, &value, document)?;
        documents.push(doc);
        operations.extend(ops);
    } else if object.get("type").and_then(Value::as_str) == Some("api")
        || object.contains_key("spec")
    {
        let (doc, op) = load_documentation_page(file, &value, document)?;
        documents.push(doc);
        operations.push(op);
    } else {
        return Err(Error::input(
            &root,
            "neither an OpenAPI 3.0 document (no `openapi`/`paths`) nor a documentation page (no `type: \"api\"`/`spec`)",
        ));
    }
    Ok(())
}

fn check_openapi_version(value: Option<&Value>, location: &Location) -> Result<()> {
    match value.and_then(Value::as_str) {
        Some(version) if version.starts_with("3.0") => Ok(()),
        Some(version) => Err(Error::input(
            location,
            format!("OpenAPI version {version} is not supported; expected 3.0.x"),
        )),
        None => Err(Error::input(
            location,
            "expected the OpenAPI version string (3.0.x)",
        )),
    }
}

fn load_openapi_document(
    file: &Path,
    value: &Value,
    index: usize,
) -> Result<(Document, Vec<SourceOperation>)> {
    let root = Location::new(file, "");
    check_openapi_version(value.get("openapi"), &root.child("openapi"))?;
    const WHAT: &str = "an OpenAPI 3.0 document";
    shaped(shape::check_document(value, &root), WHAT)?;
    let api: OpenAPI = deserialize(value, &root, WHAT)?;
    check_spec_version(&api.info.version, &root.child("info").child("version"))?;
    let document = Document {
        file: file.to_path_buf(),
        form: Form::OpenApi,
        title: api.info.title.clone(),
        version: api.info.version.clone(),
        description: api.info.description.clone(),
        components: api.components.clone().unwrap_or_default(),
        servers: api.servers.clone(),
        security: api.security.clone(),
        batchable: batchable_entries(value.get(BATCHABLE), &root.child(BATCHABLE))?,
    };
    let mut operations = Vec::new();
    let raw_paths = value.get("paths");
    for (path, item) in api.paths.paths.iter() {
        let path_location = root.child("paths").child(path);
        let item = match item {
            ReferenceOr::Item(item) => item,
            ReferenceOr::Reference { .. } => {
                return Err(Error::input(
                    &path_location,
                    "path item references are not supported",
                ))
            }
        };
        for (method, operation) in item.iter() {
            let raw = raw_paths
                .and_then(|paths| paths.get(path))
                .and_then(|item| item.get(method))
                .cloned()
                .unwrap_or(Value::Null);
            operations.push(SourceOperation {
                document: index,
                location: path_location.child(method),
                method: method.to_string(),
                path: path.clone(),
                operation: operation.clone(),
                path_parameters: item.parameters.clone(),
                raw,
            });
        }
    }
    Ok((document, operations))
}

const BATCHABLE: &str = "x-batchable-actions";

/// The document's `x-batchable-actions`: an array of `{resource, operation, summary}` objects.
fn batchable_entries(value: Option<&Value>, location: &Location) -> Result<Vec<BatchableEntry>> {
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    let Some(entries) = value.as_array() else {
        return Err(Error::input(
            location,
            "expected an array of {\"resource\", \"operation\"} objects",
        ));
    };
    let mut batchable = Vec::with_capacity(entries.len());
    for (index, entry) in entries.iter().enumerate() {
        let at = location.child(index);
        let text = |key: &str| -> Result<String> {
            match entry.get(key) {
                Some(Value::String(text)) if !text.is_empty() => Ok(text.clone()),
                _ => Err(Error::input(
                    &at.child(key),
                    format!("expected `{key}`, a non-empty string"),
                )),
            }
        };
        let resource = text("resource")?;
        if !resource.starts_with('/') {
            return Err(Error::input(
                &at.child("resource"),
                format!("expected a path starting with `/`, found `{resource}`"),
            ));
        }
        batchable.push(BatchableEntry {
            resource,
            operation: text("operation")?,
            summary: entry
                .get("summary")
                .and_then(Value::as_str)
                .map(str::to_string),
            location: at,
        });
    }
    Ok(batchable)
}

/// `info.version` is recorded as one word: in the changelog's entry markers (split on
/// whitespace, inside an HTML comment), its headings and the crate metadata. Whitespace, control
/// characters and `<`/`>` would break those, and are no part of any real version.
fn check_spec_version(version: &str, location: &Location) -> Result<()> {
    let bad = version
        .chars()
        .find(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>'));
    match bad {
        _ if version.is_empty() => Err(Error::input(location, "the API version is empty")),
        Some(c) => Err(Error::input(
            location,
            format!(
                "the API version {version:?} contains {c:?}: a version is one word, without \
                 whitespace, control characters, `<` or `>`"
            ),
        )),
        None => Ok(()),
    }
}

/// A shape check's error, worded like a deserialisation error of the same object.
fn shaped(result: Result<()>, what: &str) -> Result<()> {
    result.map_err(|error| match error {
        Error::Input { location, message } => Error::Input {
            location,
            message: format!("not {what}: {message}"),
        },
        other => other,
    })
}

/// Keys a documentation page adds to its OpenAPI operation.
const PAGE_ONLY_KEYS: [&str; 4] = ["method", "path", "sampleCode", "__originalOperationId"];

fn load_documentation_page(
    file: &Path,
    value: &Value,
    index: usize,
) -> Result<(Document, SourceOperation)> {
    let root = Location::new(file, "");
    let meta_location = root.child("meta");
    let meta = value
        .get("meta")
        .ok_or_else(|| Error::input(&root, "a documentation page needs `meta`"))?;
    if let Some(version) = meta.get("openapi") {
        check_openapi_version(Some(version), &meta_location.child("openapi"))?;
    }
    let info: openapiv3::Info = match meta.get("info") {
        Some(info) => {
            const WHAT: &str = "an OpenAPI Info object";
            let location = meta_location.child("info");
            shaped(shape::check_info(info, &location), WHAT)?;
            let info: openapiv3::Info = deserialize(info, &location, WHAT)?;
            check_spec_version(&info.version, &location.child("version"))?;
            info
        }
        None => {
            return Err(Error::input(
                &meta_location,
                "a documentation page needs `meta.info`",
            ))
        }
    };
    let spec_location = root.child("spec");
    let Some(Value::Object(spec)) = value.get("spec") else {
        return Err(Error::input(
            &spec_location,
            "a documentation page needs `spec`, an OpenAPI operation object",
        ));
    };
    let method = match spec.get("method").and_then(Value::as_str) {
        Some(method) if METHODS.contains(&method.to_ascii_lowercase().as_str()) => {
            method.to_ascii_lowercase()
        }
        Some(method) => {
            return Err(Error::input(
                &spec_location.child("method"),
                format!("unknown HTTP method `{method}`"),
            ))
        }
        None => {
            return Err(Error::input(
                &spec_location.child("method"),
                "expected the HTTP method as a string",
            ))
        }
    };
    let path = match spec.get("path").and_then(Value::as_str) {
        Some(path) if path.starts_with('/') => path.to_string(),
        _ => {
            return Err(Error::input(
                &spec_location.child("path"),
                "expected the operation's path, starting with `/`",
            ))
        }
    };
    let mut raw = spec.clone();
    for key in PAGE_ONLY_KEYS {
        raw.remove(key);
    }
    let raw = Value::Object(raw);
    const WHAT: &str = "an OpenAPI 3.0 operation";
    shaped(shape::check_operation(&raw, &spec_location), WHAT)?;
    let operation: Operation = deserialize(&raw, &spec_location, WHAT)?;
    let mut components = Components::default();
    if let Some(schemes) = meta.get("securitySchemes") {
        components.security_schemes = deserialize(
            schemes,
            &meta_location.child("securitySchemes"),
            "a map of OpenAPI security schemes",
        )?;
    }
    let servers = match meta.get("servers") {
        Some(servers) => deserialize(
            servers,
            &meta_location.child("servers"),
            "a list of OpenAPI servers",
        )?,
        None => Vec::new(),
    };
    let security = match meta.get("security") {
        Some(security) => Some(deserialize(
            security,
            &meta_location.child("security"),
            "OpenAPI security requirements",
        )?),
        None => None,
    };
    let document = Document {
        file: file.to_path_buf(),
        form: Form::Page,
        title: info.title,
        version: info.version,
        description: info.description,
        components,
        servers,
        security,
        batchable: Vec::new(),
    };
    let operation = SourceOperation {
        document: index,
        location: spec_location,
        method,
        path,
        operation,
        path_parameters: Vec::new(),
        raw,
    };
    Ok((document, operation))
}

/// Merges the operations of every document into one list, by operationId:
/// - the same definition in several documents is kept once (from the newest of them);
/// - different definitions: the one from the document with the newest `info.version` wins and
///   the others are recorded as superseded; two different definitions at that newest version are
///   an error, since nothing says which one is right;
/// - after that rule, a route (method and path) claimed by two operationIds is an error.
fn merge_operations(
    operations: Vec<SourceOperation>,
    documents: &[Document],
) -> Result<(Vec<SourceOperation>, Vec<Supersession>)> {
    let mut by_id: BTreeMap<String, Vec<SourceOperation>> = BTreeMap::new();
    for op in operations {
        let Some(id) = op.operation.operation_id.clone() else {
            return Err(Error::input(
                &op.location.child("operationId"),
                "every operation needs an operationId",
            ));
        };
        if id.trim().is_empty() {
            return Err(Error::input(
                &op.location.child("operationId"),
                "the operationId is empty",
            ));
        }
        by_id.entry(id).or_default().push(op);
    }
    let version = |op: &SourceOperation| documents[op.document].version.as_str();
    let same_definition = |a: &SourceOperation, b: &SourceOperation| {
        a.raw == b.raw && a.method == b.method && a.path == b.path
    };
    let mut merged = Vec::with_capacity(by_id.len());
    let mut superseded = Vec::new();
    for (id, mut definitions) in by_id {
        // Newest first; documents were read in file-name order, which breaks ties the same way
        // on every machine.
        definitions.sort_by(|a, b| compare_versions(version(b), version(a)));
        let winner = definitions.remove(0);
        for other in &definitions {
            let same_version = compare_versions(version(other), version(&winner)).is_eq();
            if same_definition(other, &winner) {
                continue;
            }
            if same_version {
                return Err(Error::Conflict {
                    what: format!(
                        "operation `{id}` (defined differently by two documents of version {})",
                        version(&winner)
                    ),
                    first: winner.location.clone(),
                    second: other.location.clone(),
                });
            }
            superseded.push(Supersession {
                operation_id: id.clone(),
                winner: winner.document,
                replaced: other.document,
            });
        }
        merged.push(winner);
    }
    let mut by_route: BTreeMap<(&str, &str), &SourceOperation> = BTreeMap::new();
    for op in &merged {
        if let Some(other) = by_route.insert((&op.method, &op.path), op) {
            return Err(Error::Conflict {
                what: format!("{} {}", op.method.to_uppercase(), op.path),
                first: other.location.clone(),
                second: op.location.clone(),
            });
        }
    }
    Ok((merged, superseded))
}

/// Orders dotted version strings numerically where they are numbers ("1.9.0" < "1.10.0").
pub fn compare_versions(a: &str, b: &str) -> std::cmp::Ordering {
    let parts = |v: &str| -> Vec<(u64, String)> {
        v.split(['.', '-', '+'])
            .map(|part| (part.parse::<u64>().unwrap_or(0), part.to_string()))
            .collect()
    };
    parts(a).cmp(&parts(b))
}
