//! The calls of the whole-API conformance test: one call of every operation through its generated
//! builder, with every parameter set and, for operations with a body, a body built from the
//! generated types. Values come from the spec (its examples where they validate, else made up
//! from the schema, see [`crate::sample`]), so a validating mock server must accept every call.
//!
//! The output is one Rust file for the `tests/` crate: `every_operation(&client)` returns each
//! operation's id, its inputs as JSON (for failure reports) and its response future.

use std::collections::BTreeMap;

use proc_macro2::{Literal, TokenStream};
use quote::quote;
use serde_json::Value;

use super::operations::inputs::{body_plan, inputs, BodyPlan, Input, InputKind};
use super::shared::{format_rust, ident};
use crate::error::{Error, Result};
use crate::load::{SourceOperation, Specs};
use crate::model::{Api, Operation, ParamLocation, TypeKind, TypeRef};
use crate::naming;
use crate::sample::{sample, Resolver};

/// Where `cargo xtask codegen` writes the file, relative to the repository root.
pub const FILE: &str = "tests/conformance/every_operation.rs";

/// The conformance calls for every operation of `api`, lowered from `specs`.
pub fn every_operation_file(specs: &Specs, api: &Api) -> Result<String> {
    let sources: BTreeMap<&str, &SourceOperation> = specs
        .operations
        .iter()
        .filter_map(|op| Some((op.operation.operation_id.as_deref()?, op)))
        .collect();
    let mut calls = Vec::with_capacity(api.operations.len());
    let mut actions = Vec::new();
    for op in &api.operations {
        let source = sources.get(op.operation_id.as_str()).ok_or_else(|| {
            Error::Other(format!("operation `{}` has no source", op.operation_id))
        })?;
        let resolver = Resolver::new(&specs.documents[source.document].components);
        calls.push(call(api, op, source, &resolver)?);
        if op.batch_action.is_some() {
            actions.push(action(api, op, source, &resolver)?);
        }
    }
    let action_count = Literal::usize_unsuffixed(actions.len());
    let count = Literal::usize_unsuffixed(api.operations.len());
    // Untyped values are written as JSON text; the helpers exist only when some call uses them
    // (an unused function would be a warning).
    let uses = |name: &str| {
        calls
            .iter()
            .chain(&actions)
            .any(|c| mentions(c.clone(), name))
    };
    let mut json_helpers = TokenStream::new();
    if uses("untyped_json") {
        json_helpers.extend(quote! {
            fn untyped_json(text: &str) -> serde_json::Value {
                serde_json::from_str(text).expect("generated JSON is valid")
            }
        });
    }
    if uses("untyped_json_object") {
        json_helpers.extend(quote! {
            fn untyped_json_object(text: &str) -> serde_json::Map<String, serde_json::Value> {
                serde_json::from_str(text).expect("generated JSON is a valid object")
            }
        });
    }
    let tokens = quote! {
        //! Every operation of the API called once through the generated client, with every
        //! parameter set and every request body built from the generated types.

        use futures::future::BoxFuture;
        use futures::TryFutureExt;

        /// How many operations the API has; [`every_operation`] calls each once.
        pub const OPERATIONS: usize = #count;

        /// One prepared call: nothing is sent until `response` is polled.
        pub struct Call {
            pub operation_id: &'static str,
            /// The inputs set, as JSON, for failure reports.
            pub inputs: &'static str,
            pub response: BoxFuture<'static, meraki::Result<()>>,
        }

        fn call<R: Send + 'static>(
            operation_id: &'static str,
            inputs: &'static str,
            response: meraki::ResponseFuture<R>,
        ) -> Call {
            Call { operation_id, inputs, response: Box::pin(response.map_ok(drop)) }
        }

        #json_helpers

        /// Every operation, in operationId order.
        #[allow(deprecated)]
        pub fn every_operation(client: &meraki::Client) -> Vec<Call> {
            let mut calls = Vec::with_capacity(OPERATIONS);
            #(calls.push(#calls);)*
            calls
        }

        /// How many operations Meraki accepts in action batches; [`every_action`] builds each.
        pub const ACTIONS: usize = #action_count;

        /// Every batchable operation as a typed action, with the path values and body its call
        /// in [`every_operation`] sends, in operationId order.
        #[allow(deprecated)]
        pub fn every_action() -> Vec<(&'static str, meraki::Action)> {
            let mut actions = Vec::with_capacity(ACTIONS);
            #(actions.push(#actions);)*
            actions
        }
    };
    format_rust(FILE, tokens)
}

fn call(
    api: &Api,
    op: &Operation,
    source: &SourceOperation,
    resolver: &Resolver,
) -> Result<TokenStream> {
    let plan = body_plan(api, op);
    let inputs = inputs(op, &plan);
    let mut shown = serde_json::Map::new();
    let mut args = Vec::new();
    let mut setters = Vec::new();
    for (index, param) in op.params.iter().enumerate() {
        let input = &inputs[index];
        let value = match param.location {
            ParamLocation::Path => Value::String(path_value(&param.wire_name)),
            ParamLocation::Query => {
                let (schema, example) = raw_parameter(source, resolver, &param.wire_name, "query");
                sample(resolver, &schema, example.as_ref())
            }
        };
        shown.insert(param.wire_name.clone(), value.clone());
        let tokens = match param.location {
            ParamLocation::Path => {
                let text = value.as_str().unwrap_or_default();
                quote!(#text)
            }
            ParamLocation::Query => value_tokens(api, &param.ty, &value, &op.operation_id)?,
        };
        push_input(input, tokens, &mut args, &mut setters);
    }
    let (body_schema, body_example) = raw_body(source, resolver);
    match &plan {
        BodyPlan::None => {}
        BodyPlan::Struct { fields, .. } => {
            let body = sample(resolver, &body_schema, body_example.as_ref());
            for (field, input) in fields.iter().zip(&inputs[op.params.len()..]) {
                let value = match body.get(&field.wire_name) {
                    Some(value) => value.clone(),
                    // A required field the schema sample lacks (the model and the raw schema
                    // disagree): any value of its type.
                    None if field.required => Value::Null,
                    None => continue,
                };
                shown.insert(format!("body.{}", field.wire_name), value.clone());
                let tokens = value_tokens(api, &field.ty, &value, &op.operation_id)?;
                push_input(input, tokens, &mut args, &mut setters);
            }
        }
        BodyPlan::Whole { ty, required } => {
            let body = sample(resolver, &body_schema, body_example.as_ref());
            shown.insert("body".into(), body.clone());
            let tokens = value_tokens(api, ty, &body, &op.operation_id)?;
            if *required {
                args.push(tokens);
            } else {
                setters.push(quote!(.body(#tokens)));
            }
        }
    }
    let id = &op.operation_id;
    let method = ident(&op.method_name);
    let shown = Value::Object(shown).to_string();
    Ok(quote! {
        call(#id, #shown, client.#method(#(#args),*) #(#setters)* .send())
    })
}

/// The typed action of a batchable operation: its path values and body as [`call`] samples
/// them, through `meraki::actions`.
fn action(
    api: &Api,
    op: &Operation,
    source: &SourceOperation,
    resolver: &Resolver,
) -> Result<TokenStream> {
    let mut args: Vec<TokenStream> = op
        .params
        .iter()
        .filter(|p| p.location == ParamLocation::Path)
        .map(|p| {
            let text = path_value(&p.wire_name);
            quote!(#text)
        })
        .collect();
    let (body_schema, body_example) = raw_body(source, resolver);
    let body = || sample(resolver, &body_schema, body_example.as_ref());
    match body_plan(api, op) {
        BodyPlan::None => {}
        BodyPlan::Struct { ty, .. } | BodyPlan::Whole { ty, .. } => {
            args.push(value_tokens(api, ty, &body(), &op.operation_id)?);
        }
    }
    let id = &op.operation_id;
    let function = ident(&op.method_name);
    Ok(quote!((#id, meraki::actions::#function(#(#args),*))))
}

fn push_input(
    input: &Input,
    tokens: TokenStream,
    args: &mut Vec<TokenStream>,
    setters: &mut Vec<TokenStream>,
) {
    if input.required || matches!(input.kind, InputKind::Path) {
        args.push(tokens);
    } else {
        let setter = ident(&input.name);
        setters.push(quote!(.#setter(#tokens)));
    }
}

/// Path arguments that read like Meraki's identifiers; a path parameter's schema is a plain
/// string in every Meraki document.
fn path_value(wire_name: &str) -> String {
    match wire_name {
        "organizationId" => "1234567".into(),
        "networkId" => "N_1234567".into(),
        "serial" => "Q2XX-XXXX-XXXX".into(),
        other => format!("{other}-1"),
    }
}

/// The schema and example of a parameter as written (operation level over path level).
fn raw_parameter(
    source: &SourceOperation,
    resolver: &Resolver,
    name: &str,
    location: &str,
) -> (Value, Option<Value>) {
    let operation_level = source
        .raw
        .get("parameters")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let path_level = serde_json::to_value(&source.path_parameters)
        .ok()
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_default();
    operation_level
        .iter()
        .chain(&path_level)
        .map(|p| resolver.resolve(p))
        .find(|p| {
            p.get("name").and_then(Value::as_str) == Some(name)
                && p.get("in").and_then(Value::as_str) == Some(location)
        })
        .map(|p| {
            (
                p.get("schema").cloned().unwrap_or(Value::Null),
                p.get("example").cloned(),
            )
        })
        .unwrap_or((Value::Null, None))
}

/// The JSON body's schema and example as written (the media type's example first).
fn raw_body(source: &SourceOperation, resolver: &Resolver) -> (Value, Option<Value>) {
    let Some(body) = source.raw.get("requestBody") else {
        return (Value::Null, None);
    };
    let body = resolver.resolve(body);
    let Some(content) = body.get("content").and_then(Value::as_object) else {
        return (Value::Null, None);
    };
    let media = content
        .get("application/json")
        .or_else(|| content.values().next());
    let Some(media) = media else {
        return (Value::Null, None);
    };
    (
        media.get("schema").cloned().unwrap_or(Value::Null),
        media.get("example").cloned(),
    )
}

/// A Rust expression of type `ty` holding `value`, built from the generated types. A `null`
/// stands for "any value of the type" (a required input the sample has no value for).
fn value_tokens(api: &Api, ty: &TypeRef, value: &Value, operation_id: &str) -> Result<TokenStream> {
    let unsupported = |what: &str| {
        Error::Other(format!(
            "conformance calls of `{operation_id}`: cannot build {what} from {value}"
        ))
    };
    Ok(match ty {
        TypeRef::String => {
            let text = match value {
                Value::String(text) => text.clone(),
                Value::Null => "value".into(),
                other => other.to_string(),
            };
            quote!(String::from(#text))
        }
        TypeRef::Timestamp => {
            let text = value.as_str().unwrap_or("2024-01-01T00:00:00Z");
            quote!(meraki::Timestamp::from(#text))
        }
        TypeRef::Integer => {
            let number = value
                .as_i64()
                .or_else(|| value.as_f64().map(|f| f as i64))
                .unwrap_or(1);
            let literal = Literal::i64_suffixed(number);
            quote!(#literal)
        }
        TypeRef::Float => {
            let number = value.as_f64().filter(|f| f.is_finite()).unwrap_or(1.0);
            let literal = Literal::f64_suffixed(number);
            quote!(#literal)
        }
        TypeRef::Boolean => {
            let flag = value.as_bool().unwrap_or(true);
            quote!(#flag)
        }
        TypeRef::Json => {
            let text = value.to_string();
            quote!(untyped_json(#text))
        }
        TypeRef::JsonObject => {
            let text = match value {
                Value::Object(_) => value.to_string(),
                _ => "{}".into(),
            };
            quote!(untyped_json_object(#text))
        }
        TypeRef::Unit => quote!(()),
        TypeRef::Vec(inner) => {
            let items = match value {
                Value::Array(items) => items.clone(),
                Value::Null => Vec::new(),
                other => vec![other.clone()],
            };
            let items = items
                .iter()
                .map(|item| value_tokens(api, inner, item, operation_id))
                .collect::<Result<Vec<_>>>()?;
            quote!(vec![#(#items),*])
        }
        TypeRef::Map(inner) => {
            let entries = value.as_object().cloned().unwrap_or_default();
            let entries = entries
                .iter()
                .map(|(key, item)| {
                    let item = value_tokens(api, inner, item, operation_id)?;
                    Ok(quote!((String::from(#key), #item)))
                })
                .collect::<Result<Vec<_>>>()?;
            quote!(std::collections::BTreeMap::from([#(#entries),*]))
        }
        TypeRef::Named(id) => {
            let def = api.type_def(*id);
            let name = ident(&def.name);
            match &def.kind {
                TypeKind::Struct { fields } => {
                    if !def.in_request {
                        return Err(unsupported(&format!("`{}` (not a request type)", def.name)));
                    }
                    // Built the way users build request types: `new` with the required
                    // fields, then the `Option` setter of each optional one given.
                    let mut arguments = Vec::new();
                    let mut setters = Vec::new();
                    for field in fields {
                        match (value.get(&field.wire_name), field.required) {
                            (given, true) => arguments.push(value_tokens(
                                api,
                                &field.ty,
                                given.unwrap_or(&Value::Null),
                                operation_id,
                            )?),
                            (Some(given), false) => {
                                let inner = value_tokens(api, &field.ty, given, operation_id)?;
                                let setter = ident(&field.option_setter);
                                setters.push(quote!(.#setter(Some(#inner))));
                            }
                            (None, false) => {}
                        }
                    }
                    let constructor = ident(naming::CONSTRUCTOR);
                    quote!(meraki::types::#name::#constructor(#(#arguments),*) #(#setters)*)
                }
                TypeKind::StringEnum { variants } => {
                    let variant = variants
                        .iter()
                        .find(|v| value.as_str() == Some(v.wire.as_str()))
                        .or(variants.first())
                        .ok_or_else(|| unsupported("an enum without values"))?;
                    let variant = ident(&variant.rust_name);
                    quote!(meraki::types::#name::#variant)
                }
                TypeKind::IntegerEnum { variants } => {
                    let variant = variants
                        .iter()
                        .find(|v| value.as_i64() == Some(v.wire))
                        .or(variants.first())
                        .ok_or_else(|| unsupported("an enum without values"))?;
                    let variant = ident(&variant.rust_name);
                    quote!(meraki::types::#name::#variant)
                }
                TypeKind::OneOf { variants } => {
                    let variant = variants
                        .iter()
                        .find(|v| fits(api, &v.ty, value))
                        .or(variants.first())
                        .ok_or_else(|| unsupported("a oneOf without branches"))?;
                    let inner = value_tokens(api, &variant.ty, value, operation_id)?;
                    let variant = ident(&variant.rust_name);
                    quote!(meraki::types::#name::#variant(#inner))
                }
            }
        }
    })
}

/// Whether `value` has the JSON shape of `ty`, to pick the `oneOf` branch a value belongs to.
fn fits(api: &Api, ty: &TypeRef, value: &Value) -> bool {
    match (ty, value) {
        (TypeRef::String | TypeRef::Timestamp, Value::String(_)) => true,
        (TypeRef::Integer, Value::Number(n)) => n.is_i64() || n.is_u64(),
        (TypeRef::Float, Value::Number(_)) | (TypeRef::Boolean, Value::Bool(_)) => true,
        (TypeRef::Vec(_), Value::Array(_)) => true,
        (TypeRef::Map(_) | TypeRef::JsonObject, Value::Object(_)) => true,
        (TypeRef::Json, _) => true,
        (TypeRef::Named(id), _) => match &api.type_def(*id).kind {
            TypeKind::Struct { .. } => value.is_object(),
            TypeKind::StringEnum { variants } => variants
                .iter()
                .any(|v| value.as_str() == Some(v.wire.as_str())),
            TypeKind::IntegerEnum { variants } => {
                variants.iter().any(|v| value.as_i64() == Some(v.wire))
            }
            TypeKind::OneOf { variants } => variants.iter().any(|v| fits(api, &v.ty, value)),
        },
        _ => false,
    }
}

/// Whether `tokens` contain the identifier `name`.
fn mentions(tokens: TokenStream, name: &str) -> bool {
    tokens.into_iter().any(|tree| match tree {
        proc_macro2::TokenTree::Ident(ident) => ident == name,
        proc_macro2::TokenTree::Group(group) => mentions(group.stream(), name),
        _ => false,
    })
}
