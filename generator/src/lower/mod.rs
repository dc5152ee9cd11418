//! Lowering: validates the loaded OpenAPI operations and turns them into the plain [`Api`] model.

mod batch;
mod schema;

use std::collections::BTreeSet;

use openapiv3::{Components, Parameter, ParameterSchemaOrContent, ReferenceOr, StatusCode};

use crate::error::{Error, Location, Result};
use crate::load::{Document, SourceOperation, Specs};
use crate::manifest::Manifest;
use crate::model::{
    Api, BodyForm, CorrectionNote, HttpMethod, Operation, PageItems, Pagination, Param,
    ParamLocation, PathPart, RequestBody, Response, SchemaUse, Site, Source, Superseded, TypeKind,
    TypeRef,
};
use crate::naming::{self, NameHint};
use schema::TypeSpace;

/// Query parameters Meraki uses for `Link`-header pagination.
const PAGE_SIZE_PARAM: &str = "perPage";
const PAGE_TOKEN_PARAMS: [&str; 2] = ["startingAfter", "endingBefore"];

pub fn lower(specs: &Specs) -> Result<Api> {
    lower_with(specs, None)
}

/// Lowers `specs`, keeping the names a manifest recorded for schemas that are still there.
pub fn lower_with(specs: &Specs, manifest: Option<&Manifest>) -> Result<Api> {
    let base = specs
        .base_document()
        .ok_or_else(|| Error::Other("no documents".into()))?;
    let newest_version = specs
        .newest_operation_version()
        .unwrap_or(&base.version)
        .to_string();
    let mut types = TypeSpace::default();

    // GET operations first: a component's type is named and documented after the first
    // operation that uses it, preferably the one that reads it.
    let mut order: Vec<&SourceOperation> = specs.operations.iter().collect();
    order.sort_by_key(|op| (op.method != "get", op.operation.operation_id.clone()));
    let mut operations = Vec::with_capacity(order.len());
    for source in order {
        let components = &specs.documents[source.document].components;
        operations.push(lower_operation(source, components, &mut types)?);
    }
    operations.sort_by(|a: &Operation, b: &Operation| a.operation_id.cmp(&b.operation_id));
    // `list1a` and `list_1a` are two methods but one PascalCase name: the later operationId's
    // builder gets a number.
    let mut builders: Vec<String> = operations
        .iter()
        .map(|op| op.builder_name.clone())
        .collect();
    naming::dedupe_names(&mut builders, "");
    for (op, builder) in operations.iter_mut().zip(builders) {
        op.builder_name = builder;
    }
    check_unique_method_names(&operations, specs)?;
    let unmatched_batch_actions = batch::attach(specs, &mut operations);

    let reserved: BTreeSet<String> = naming::RESERVED_TYPE_NAMES
        .iter()
        .map(|s| s.to_string())
        .collect();
    let pins = manifest
        .map(|manifest| manifest.pins(&types.defs))
        .unwrap_or_default();
    let names = naming::assign_type_names(&types.hints, &pins.names, &reserved);
    let mut defs = types.defs;
    for (def, name) in defs.iter_mut().zip(names) {
        def.name = name;
    }
    for (index, pinned) in &pins.variants {
        pin_variant_names(&mut defs[*index].kind, pinned);
    }
    let mut api = Api {
        title: base.title.clone(),
        version: base.version.clone(),
        newest_version,
        description: base.description.clone(),
        sources: sources(specs, base),
        superseded: specs
            .superseded
            .iter()
            .map(|s| Superseded {
                operation_id: s.operation_id.clone(),
                source: s.winner,
                replaced: s.replaced,
            })
            .collect(),
        corrections: specs
            .corrections
            .iter()
            .map(|outcome| {
                let c = &outcome.correction;
                let target = c
                    .field
                    .as_deref()
                    .or(c.parameter.as_deref())
                    .unwrap_or("response");
                CorrectionNote {
                    operation_id: c.operation.clone(),
                    what: format!("{target}: {}", c.kind.as_str()),
                    reason: c.reason.clone(),
                    evidence: c.evidence.clone(),
                    stale: outcome.stale.clone(),
                }
            })
            .collect(),
        scope_modules: naming::scope_modules(operations.iter().map(|op| op.scope.as_str())),
        operations,
        types: defs,
        unmatched_batch_actions,
    };
    mark_type_usage(&mut api);
    Ok(api)
}

fn sources(specs: &Specs, base: &Document) -> Vec<Source> {
    specs
        .documents
        .iter()
        .enumerate()
        .map(|(index, document)| Source {
            file: document
                .file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            version: document.version.clone(),
            operations: specs
                .operations
                .iter()
                .filter(|op| op.document == index)
                .count(),
            base: std::ptr::eq(document, base),
        })
        .collect()
}

/// Keeps the recorded variant names of an enum for the values it still has.
fn pin_variant_names(kind: &mut TypeKind, pinned: &std::collections::BTreeMap<String, String>) {
    // (wire value as text, Rust name) of every variant, whatever the enum's value type.
    let variants: Vec<(String, &mut String)> = match kind {
        TypeKind::StringEnum { variants } => variants
            .iter_mut()
            .map(|v| (v.wire.clone(), &mut v.rust_name))
            .collect(),
        TypeKind::IntegerEnum { variants } => variants
            .iter_mut()
            .map(|v| (v.wire.to_string(), &mut v.rust_name))
            .collect(),
        TypeKind::Struct { .. } | TypeKind::OneOf { .. } => return,
    };
    let wires: Vec<String> = variants.iter().map(|(wire, _)| wire.clone()).collect();
    let fresh: Vec<String> = variants.iter().map(|(_, name)| (**name).clone()).collect();
    let names = naming::pinned_variant_names(&wires, &fresh, pinned);
    for ((_, rust_name), name) in variants.into_iter().zip(names) {
        *rust_name = name;
    }
}

fn check_unique_method_names(operations: &[Operation], specs: &Specs) -> Result<()> {
    let mut seen: std::collections::BTreeMap<&str, &Operation> = Default::default();
    for op in operations {
        if let Some(other) = seen.insert(&op.method_name, op) {
            let location = |op: &Operation| {
                let source = specs
                    .operations
                    .iter()
                    .find(|s| s.operation.operation_id.as_deref() == Some(&op.operation_id));
                source
                    .map(|s| s.location.clone())
                    .unwrap_or_else(|| Location::new("", op.origin.clone()))
            };
            return Err(Error::Conflict {
                what: format!(
                    "operations that both become the Rust method `{}`",
                    op.method_name
                ),
                first: location(other),
                second: location(op),
            });
        }
    }
    Ok(())
}

fn lower_operation(
    source: &SourceOperation,
    components: &Components,
    types: &mut TypeSpace,
) -> Result<Operation> {
    let op = &source.operation;
    let location = &source.location;
    let operation_id = op.operation_id.clone().unwrap_or_default();
    let http_method = HttpMethod::parse(&source.method).ok_or_else(|| {
        Error::input(location, format!("unknown HTTP method `{}`", source.method))
    })?;
    let scope = op
        .tags
        .first()
        .cloned()
        .unwrap_or_else(|| naming::DEFAULT_SCOPE.to_string());
    types.current_operation = operation_id.clone();
    let op_pascal = naming::builder_name(&operation_id);

    let mut params = lower_parameters(source, components, types, &op_pascal)?;
    let path_parts = parse_path(&source.path, &mut params, location, &path_location(source))?;

    let mut body = match &op.request_body {
        None => None,
        Some(body) => Some(lower_body(
            body,
            &location.child("requestBody"),
            components,
            types,
            &operation_id,
            &op_pascal,
        )?),
    };
    let response = lower_response(source, components, types, &operation_id)?;
    name_inputs(&mut params, body.as_mut(), types);
    let pagination = detect_pagination(&params, &response, types);

    Ok(Operation {
        method_name: naming::method_name(&operation_id),
        builder_name: op_pascal,
        operation_id,
        http_method,
        path: source.path.clone(),
        path_parts,
        scope,
        summary: op.summary.clone(),
        description: op.description.clone(),
        deprecated: op.deprecated,
        params,
        body,
        response,
        pagination,
        batch_action: None,
        origin: location.pointer.clone(),
        source: source.document,
    })
}

fn lower_parameters(
    source: &SourceOperation,
    components: &Components,
    types: &mut TypeSpace,
    op_pascal: &str,
) -> Result<Vec<Param>> {
    // Operation-level parameters override path-level ones of the same name and location.
    let mut entries: Vec<(Location, &ReferenceOr<Parameter>)> = Vec::new();
    let path_item_location = Location::new(
        source.location.file.clone(),
        parent_pointer(&source.location.pointer),
    );
    for (i, p) in source.path_parameters.iter().enumerate() {
        entries.push((path_item_location.child("parameters").child(i), p));
    }
    for (i, p) in source.operation.parameters.iter().enumerate() {
        entries.push((source.location.child("parameters").child(i), p));
    }
    let mut resolved = Vec::with_capacity(entries.len());
    for (location, parameter) in entries {
        let (item, pointers) = resolve(
            parameter,
            "#/components/parameters/",
            &components.parameters,
            &location,
        )?;
        resolved.push((location.clone(), item, pointers));
    }
    // An overridden path-level parameter is never lowered: its site belongs to the override.
    let overridden = |index: usize, parameter: &Parameter| {
        resolved[index + 1..].iter().any(|(_, later, _)| {
            later.parameter_data_ref().name == parameter.parameter_data_ref().name
                && std::mem::discriminant(*later) == std::mem::discriminant(parameter)
        })
    };
    let operation_id = source.operation.operation_id.as_deref().unwrap_or_default();
    let mut params: Vec<Param> = Vec::new();
    for (index, (location, parameter, pointers)) in resolved.iter().enumerate() {
        if overridden(index, parameter) {
            continue;
        }
        let location = location.clone();
        let (data, param_location) = match *parameter {
            Parameter::Path { parameter_data, .. } => (parameter_data, ParamLocation::Path),
            Parameter::Query { parameter_data, .. } => (parameter_data, ParamLocation::Query),
            Parameter::Header { parameter_data, .. } => {
                return Err(Error::input(
                    &location,
                    format!(
                        "header parameter `{}` is not supported",
                        parameter_data.name
                    ),
                ))
            }
            Parameter::Cookie { parameter_data, .. } => {
                return Err(Error::input(
                    &location,
                    format!(
                        "cookie parameter `{}` is not supported",
                        parameter_data.name
                    ),
                ))
            }
        };
        let schema = match &data.format {
            ParameterSchemaOrContent::Schema(schema) => schema,
            ParameterSchemaOrContent::Content(_) => {
                return Err(Error::input(
                    &location.child("content"),
                    "parameters described by `content` are not supported",
                ))
            }
        };
        let hint = NameHint::parameter(op_pascal, &data.name);
        let site = Site::parameter(operation_id, param_location, &data.name);
        let schema_location = Location::new(
            location.file.clone(),
            format!("{}/schema", pointers.last().unwrap_or(&location.pointer)),
        );
        let schema = types.lower(schema, &schema_location, &site, &hint, components)?;
        if param_location == ParamLocation::Path && !data.required {
            return Err(Error::input(
                &location.child("required"),
                format!("path parameter `{}` must be required", data.name),
            ));
        }
        let param = Param {
            rust_name: String::new(),
            wire_name: data.name.clone(),
            location: param_location,
            required: data.required,
            ty: schema.ty.clone(),
            description: data.description.clone(),
            deprecated: data.deprecated.unwrap_or(false),
            declaration: index,
            pointers: pointers.clone(),
            schema,
        };
        params.retain(|p| !(p.wire_name == param.wire_name && p.location == param.location));
        params.push(param);
    }
    let names = naming::member_names(params.iter().map(|p| p.wire_name.as_str()));
    for (param, name) in params.iter_mut().zip(names) {
        param.rust_name = name;
    }
    Ok(params)
}

/// Gives parameters their argument and setter names, and an object body the names of the
/// arguments and setters its properties become (see [`naming::input_names`]).
fn name_inputs(params: &mut [Param], body: Option<&mut RequestBody>, types: &TypeSpace) {
    let fields = body.as_ref().and_then(|body| match &body.ty {
        TypeRef::Named(id) => match &types.defs[id.0].kind {
            TypeKind::Struct { fields } => Some(fields),
            _ => None,
        },
        _ => None,
    });
    let param_names: Vec<String> = params.iter().map(|p| p.rust_name.clone()).collect();
    let field_names: Vec<String> = fields
        .map(|fields| fields.iter().map(|f| f.rust_name.clone()).collect())
        .unwrap_or_default();
    let (param_inputs, field_inputs) = naming::input_names(&param_names, &field_names);
    for (param, name) in params.iter_mut().zip(param_inputs) {
        param.rust_name = name;
    }
    if let (Some(body), Some(_)) = (body, fields) {
        body.form = BodyForm::Fields {
            inputs: field_inputs,
        };
    }
}

fn parent_pointer(pointer: &str) -> String {
    pointer
        .rsplit_once('/')
        .map(|(parent, _)| parent.to_string())
        .unwrap_or_default()
}

/// The item behind a local `$ref` into one of the document's component maps (`prefix` is e.g.
/// `#/components/parameters/`), with the JSON pointers read to find it: `location`'s, then the
/// component's. References to references are not followed.
fn resolve<'a, T>(
    item: &'a ReferenceOr<T>,
    prefix: &str,
    components: &'a indexmap::IndexMap<String, ReferenceOr<T>>,
    location: &Location,
) -> Result<(&'a T, Vec<String>)> {
    match item {
        ReferenceOr::Item(item) => Ok((item, vec![location.pointer.clone()])),
        ReferenceOr::Reference { reference } => {
            let name = schema::component_name(reference, prefix);
            match name.as_deref().and_then(|name| components.get(name).map(|c| (name, c))) {
                Some((name, ReferenceOr::Item(item))) => {
                    let target = Location::new("", prefix.trim_start_matches('#').trim_end_matches('/')).child(name);
                    Ok((item, vec![location.pointer.clone(), target.pointer]))
                }
                _ => Err(Error::input(location, format!("cannot resolve $ref `{reference}`: expected {prefix}<name> of this document"))),
            }
        }
    }
}

/// Where the operation's path template is written: the key of its path item in a full document
/// (`/paths/~1devices~1{serial}`), the `path` member of a documentation page's `spec`.
fn path_location(source: &SourceOperation) -> Location {
    let location = &source.location;
    if location.pointer.starts_with("/paths/") {
        Location::new(location.file.clone(), parent_pointer(&location.pointer))
    } else {
        location.child("path")
    }
}

/// Splits the path template into literals and parameters, checking that path parameters and
/// template placeholders match one to one; orders path parameters as the template does.
/// `template` is where the path is written, for errors about the template itself.
fn parse_path(
    path: &str,
    params: &mut Vec<Param>,
    location: &Location,
    template: &Location,
) -> Result<Vec<PathPart>> {
    // A query string or fragment in the template would be sent as part of the path (escaped or
    // cut off by the URL parser), silently losing what follows it.
    if let Some(bad) = path.chars().find(|c| matches!(c, '?' | '#')) {
        return Err(Error::input(
            template,
            format!(
                "the path `{path}` contains `{bad}`: a path template must not carry a query string \
                 or fragment (declare query parameters with `in: query`)"
            ),
        ));
    }
    let mut names_in_template = Vec::new();
    let mut parts_raw = Vec::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else {
            return Err(Error::input(
                template,
                format!("unbalanced `{{` in path `{path}`"),
            ));
        };
        if start > 0 {
            parts_raw.push(Err(rest[..start].to_string()));
        }
        let name = &rest[start + 1..start + len];
        if name.is_empty() || name.contains(['{', '/']) {
            return Err(Error::input(
                template,
                format!("the path `{path}` has a malformed placeholder `{{{name}}}`"),
            ));
        }
        names_in_template.push(name.to_string());
        parts_raw.push(Ok(name.to_string()));
        rest = &rest[start + len + 1..];
    }
    if !rest.is_empty() {
        parts_raw.push(Err(rest.to_string()));
    }
    for param in params.iter() {
        if param.location == ParamLocation::Path && !names_in_template.contains(&param.wire_name) {
            // Where the parameter is declared (operation or path item), not its `$ref` target.
            let declared = param
                .pointers
                .first()
                .map(|pointer| Location::new(location.file.clone(), pointer.clone()))
                .unwrap_or_else(|| location.child("parameters"));
            return Err(Error::input(
                &declared,
                format!(
                    "path parameter `{}` does not appear in the path `{path}`",
                    param.wire_name
                ),
            ));
        }
    }
    // Path parameters in template order, then query parameters by wire name: a stable order for
    // method arguments and setters.
    let mut ordered = Vec::with_capacity(params.len());
    for name in &names_in_template {
        let Some(index) = params
            .iter()
            .position(|p| p.location == ParamLocation::Path && &p.wire_name == name)
        else {
            return Err(Error::input(
                &location.child("parameters"),
                format!("the path `{path}` has `{{{name}}}` but no path parameter `{name}`"),
            ));
        };
        ordered.push(params.remove(index));
    }
    params.sort_by(|a, b| a.wire_name.cmp(&b.wire_name));
    ordered.append(params);
    *params = ordered;
    Ok(parts_raw
        .into_iter()
        .map(|part| match part {
            Err(literal) => PathPart::Literal(literal),
            Ok(name) => PathPart::Param(
                params
                    .iter()
                    .position(|p| p.location == ParamLocation::Path && p.wire_name == name)
                    .unwrap_or(0),
            ),
        })
        .collect())
}

fn lower_body(
    body: &ReferenceOr<openapiv3::RequestBody>,
    location: &Location,
    components: &Components,
    types: &mut TypeSpace,
    operation_id: &str,
    op_pascal: &str,
) -> Result<RequestBody> {
    let (body, pointers) = resolve(
        body,
        "#/components/requestBodies/",
        &components.request_bodies,
        location,
    )?;
    let declared = Location::new(
        location.file.clone(),
        pointers.last().cloned().unwrap_or_default(),
    );
    let Some((media_type, content)) = body.content.iter().find(|(media, _)| is_json(media)) else {
        return Err(Error::input(
            &location.child("content"),
            "only application/json request bodies are supported",
        ));
    };
    let hint = NameHint::request_body(op_pascal);
    let site = Site::body(operation_id);
    let schema = match &content.schema {
        Some(schema) => types.lower(
            schema,
            &declared.child("content").child(media_type).child("schema"),
            &site,
            &hint,
            components,
        )?,
        None => SchemaUse::undeclared(site, TypeRef::Json),
    };
    Ok(RequestBody {
        required: body.required,
        ty: schema.ty.clone(),
        description: body.description.clone(),
        pointers,
        schema,
        form: BodyForm::Whole,
    })
}

fn is_json(media_type: &str) -> bool {
    media_type == "application/json" || media_type.ends_with("+json")
}

fn lower_response(
    source: &SourceOperation,
    components: &Components,
    types: &mut TypeSpace,
    operation_id: &str,
) -> Result<Response> {
    let location = source.location.child("responses");
    let success =
        source
            .operation
            .responses
            .responses
            .iter()
            .find_map(|(code, response)| match code {
                StatusCode::Code(code) if (200..300).contains(code) => Some((*code, response)),
                _ => None,
            });
    let site = Site::response(operation_id);
    let Some((status, response)) = success else {
        return Ok(Response {
            status: 200,
            ty: TypeRef::Json,
            description: None,
            pointers: Vec::new(),
            schema: SchemaUse::undeclared(site, TypeRef::Json),
        });
    };
    let location = location.child(status);
    let (response, pointers) = resolve(
        response,
        "#/components/responses/",
        &components.responses,
        &location,
    )?;
    let declared = Location::new(
        location.file.clone(),
        pointers.last().cloned().unwrap_or_default(),
    );
    let content = response.content.iter().find(|(media, _)| is_json(media));
    // HTTP 204 has no body, whatever the spec declares for it (Meraki's spec declares one for
    // deleteNetworkFloorPlan): decoding one would fail on every real response.
    let content = content.filter(|_| status != 204);
    let undeclared = |ty| SchemaUse::undeclared(site.clone(), ty);
    let schema = match content {
        Some((media_type, content)) => match &content.schema {
            Some(schema) => types.lower(
                schema,
                &declared.child("content").child(media_type).child("schema"),
                &site,
                &NameHint::response(operation_id, &source.method),
                components,
            )?,
            None => undeclared(TypeRef::Json),
        },
        None if status == 204 => undeclared(TypeRef::Unit),
        None if response.content.is_empty() => undeclared(TypeRef::Json),
        None => {
            return Err(Error::input(
                &location.child("content"),
                "only application/json responses are supported",
            ))
        }
    };
    Ok(Response {
        status,
        ty: schema.ty.clone(),
        description: Some(response.description.clone()).filter(|d| !d.is_empty()),
        pointers,
        schema,
    })
}

fn detect_pagination(
    params: &[Param],
    response: &Response,
    types: &TypeSpace,
) -> Option<Pagination> {
    let has = |name: &str| {
        params
            .iter()
            .any(|p| p.location == ParamLocation::Query && p.wire_name == name)
    };
    if !has(PAGE_SIZE_PARAM) || !PAGE_TOKEN_PARAMS.iter().any(|name| has(name)) {
        return None;
    }
    match &response.ty {
        TypeRef::Vec(item) => Some(Pagination {
            item: (**item).clone(),
            items: PageItems::Array,
        }),
        TypeRef::Named(id) => {
            if let TypeKind::Struct { fields } = &types.defs[id.0].kind {
                let arrays: Vec<_> = fields
                    .iter()
                    .filter(|f| matches!(f.ty, TypeRef::Vec(_)))
                    .collect();
                if let [field] = arrays.as_slice() {
                    if let TypeRef::Vec(item) = &field.ty {
                        return Some(Pagination {
                            item: (**item).clone(),
                            items: PageItems::Field {
                                rust_name: field.rust_name.clone(),
                                required: field.required,
                            },
                        });
                    }
                }
            }
            Some(Pagination {
                item: response.ty.clone(),
                items: PageItems::Whole,
            })
        }
        other => Some(Pagination {
            item: other.clone(),
            items: PageItems::Whole,
        }),
    }
}

/// Records, for every named type, the scopes that use it and whether it travels in requests,
/// responses or both.
fn mark_type_usage(api: &mut Api) {
    let mut uses: Vec<(String, bool, TypeRef)> = Vec::new();
    for op in &api.operations {
        for param in &op.params {
            uses.push((op.scope.clone(), true, param.ty.clone()));
        }
        if let Some(body) = &op.body {
            uses.push((op.scope.clone(), true, body.ty.clone()));
        }
        uses.push((op.scope.clone(), false, op.response.ty.clone()));
    }
    for (scope, request, ty) in uses {
        let mut stack: Vec<TypeRef> = vec![ty];
        let mut visited = BTreeSet::new();
        while let Some(ty) = stack.pop() {
            let Some(id) = ty.named() else { continue };
            if !visited.insert(id) {
                continue;
            }
            let def = &mut api.types[id.0];
            def.scopes.insert(scope.clone());
            if request {
                def.in_request = true;
            } else {
                def.in_response = true;
            }
            match &def.kind {
                TypeKind::Struct { fields } => stack.extend(fields.iter().map(|f| f.ty.clone())),
                TypeKind::OneOf { variants } => stack.extend(variants.iter().map(|v| v.ty.clone())),
                TypeKind::StringEnum { .. } | TypeKind::IntegerEnum { .. } => {}
            }
        }
    }
}
