//! The operation table of the `meraki` command-line tool (`cli/`): one static entry per
//! operation, read from the lowered model (ids, method and scope names, HTTP method, path
//! template and its parameters, every input with its wire name, Rust name, location, required
//! flag, type, enum values and description, the body, pagination and the response's scalar
//! fields). The CLI builds its commands from this data at run time, so no operation costs it a
//! type or a function of its own.
//!
//! The one decision made here is the CLI's own: the flag of each input (its Rust name in kebab
//! case, or `<location>-<name>` where that is one of the CLI's own flags, [`RESERVED_FLAGS`]).

use std::collections::{BTreeMap, BTreeSet};

use heck::ToKebabCase;
use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use super::operations::builder::page_field_wire_name;
use super::operations::inputs::{body_plan, inputs, BodyPlan, Input, InputKind};
use super::shared::format_rust;
use crate::error::Result;
use crate::model::{Api, HttpMethod, Operation, PageItems, PathPart, TypeId, TypeKind, TypeRef};

/// Where `cargo xtask codegen` writes the table, relative to the repository root. The folder
/// holds this file only: it is replaced as a whole.
pub const FILE: &str = "cli/src/generated/operations.rs";

/// The CLI's own flags, which no input's flag may take: every option of the `meraki` command
/// and of an operation's command besides the inputs (the CLI checks that it defines no other).
pub const RESERVED_FLAGS: &[&str] = &[
    "body",
    "config",
    "base-url",
    "direction",
    "dry-run",
    "fields",
    "help",
    "max-pages",
    "output",
    "profile",
    "region",
    "retries",
    "verbose",
];

/// The operation table for every operation of `api`.
pub fn operation_table_file(api: &Api) -> Result<String> {
    let mut enums = BTreeMap::new();
    let operations: Vec<TokenStream> = api
        .operations
        .iter()
        .map(|op| operation(api, op, &mut enums))
        .collect();
    let enum_items = enums.iter().map(|(id, ident)| {
        let values: Vec<TokenStream> = match &api.type_def(*id).kind {
            TypeKind::StringEnum { variants } => {
                variants.iter().map(|v| str_lit(&v.wire)).collect()
            }
            TypeKind::IntegerEnum { variants } => variants
                .iter()
                .map(|v| str_lit(&v.wire.to_string()))
                .collect(),
            _ => Vec::new(),
        };
        quote!(static #ident: &[&str] = &[#(#values),*];)
    });
    let count = Literal::usize_unsuffixed(api.operations.len());
    let version = api.version_key();
    let reserved = RESERVED_FLAGS.iter().map(|f| str_lit(f));
    let tokens = quote! {
        //! Every operation of the API as data for the `meraki` command-line tool, from the same
        //! lowered model as the `meraki` crate.

        #![allow(non_upper_case_globals)]

        use crate::table::*;

        /// The spec version the table (and the `meraki` crate) implements.
        pub const SPEC_VERSION: &str = #version;

        /// How many operations the API has.
        pub const OPERATION_COUNT: usize = #count;

        /// Flags of the CLI itself: no input's flag is one of them.
        pub const RESERVED_FLAGS: &[&str] = &[#(#reserved),*];

        // The values of each enum, named after its type in the `meraki` crate.
        #(#enum_items)*

        /// Every operation, in operationId order.
        pub static OPERATIONS: &[Operation] = &[#(#operations),*];
    };
    format_rust(FILE, tokens)
}

fn operation(
    api: &Api,
    op: &Operation,
    enums: &mut BTreeMap<TypeId, proc_macro2::Ident>,
) -> TokenStream {
    let plan = body_plan(api, op);
    let inputs = inputs(op, &plan);
    let flags = flags(&inputs);
    let aliases = aliases(&inputs, &flags);
    let input_items: Vec<TokenStream> = inputs
        .iter()
        .zip(&flags)
        .zip(&aliases)
        .map(|((input, flag), alias)| input_tokens(api, input, flag, alias.as_deref(), enums))
        .collect();
    let id = str_lit(&op.operation_id);
    let name = str_lit(&op.method_name.to_kebab_case());
    let method_name = str_lit(&op.method_name);
    let scope = str_lit(&op.scope);
    let command = str_lit(&api.module_of(&op.scope).to_kebab_case());
    let http = format_ident!(
        "{}",
        match op.http_method {
            HttpMethod::Get => "Get",
            HttpMethod::Put => "Put",
            HttpMethod::Post => "Post",
            HttpMethod::Delete => "Delete",
            HttpMethod::Patch => "Patch",
            HttpMethod::Head => "Head",
            HttpMethod::Options => "Options",
            HttpMethod::Trace => "Trace",
        }
    );
    let path = str_lit(&op.path);
    let path_params = op.path_parts.iter().filter_map(|part| match part {
        PathPart::Param(index) => Some(Literal::usize_unsuffixed(*index)),
        PathPart::Literal(_) => None,
    });
    let summary = str_lit(op.summary.as_deref().unwrap_or_default());
    let description = str_lit(op.description.as_deref().unwrap_or_default());
    let deprecated = op.deprecated;
    let body = match &plan {
        BodyPlan::None => quote!(None),
        BodyPlan::Struct { .. } => {
            let required = op.body.as_ref().is_some_and(|b| b.required);
            let description = str_lit(
                op.body
                    .as_ref()
                    .and_then(|b| b.description.as_deref())
                    .unwrap_or_default(),
            );
            quote!(Some(Body { required: #required, fields: true, description: #description }))
        }
        BodyPlan::Whole { required, .. } => {
            let description = str_lit(
                op.body
                    .as_ref()
                    .and_then(|b| b.description.as_deref())
                    .unwrap_or_default(),
            );
            quote!(Some(Body { required: #required, fields: false, description: #description }))
        }
    };
    let paging = match &op.pagination {
        None => quote!(None),
        Some(pagination) => match &pagination.items {
            PageItems::Array => quote!(Some(Paging::Array)),
            PageItems::Field { rust_name, .. } => {
                let wire = str_lit(page_field_wire_name(api, op, rust_name));
                quote!(Some(Paging::Field(#wire)))
            }
            PageItems::Whole => quote!(Some(Paging::Whole)),
        },
    };
    let item = match &op.pagination {
        Some(pagination) => &pagination.item,
        None => match &op.response.ty {
            TypeRef::Vec(inner) => inner,
            other => other,
        },
    };
    let columns = scalar_fields(api, item).into_iter().map(|c| str_lit(&c));
    quote! {
        Operation {
            id: #id,
            name: #name,
            method_name: #method_name,
            scope: #scope,
            command: #command,
            method: Method::#http,
            path: #path,
            path_params: &[#(#path_params),*],
            summary: #summary,
            description: #description,
            deprecated: #deprecated,
            inputs: &[#(#input_items),*],
            body: #body,
            paging: #paging,
            columns: &[#(#columns),*],
        }
    }
}

/// The flag of each input: its Rust name in kebab case (unique within the operation, as the
/// Rust names are), or `<location>-<name>` where that is one of [`RESERVED_FLAGS`].
fn flags(inputs: &[Input]) -> Vec<String> {
    let mut taken: BTreeSet<String> = inputs.iter().map(|i| kebab(&i.name)).collect();
    taken.extend(RESERVED_FLAGS.iter().map(|f| f.to_string()));
    inputs
        .iter()
        .map(|input| {
            let flag = kebab(&input.name);
            if !RESERVED_FLAGS.contains(&flag.as_str()) {
                return flag;
            }
            let location = match input.kind {
                InputKind::Path => "path",
                InputKind::Query => "query",
                InputKind::BodyField(_) => "body",
            };
            let mut candidate = format!("{location}-{flag}");
            let mut n = 2;
            while taken.contains(&candidate) {
                candidate = format!("{location}-{flag}-{n}");
                n += 1;
            }
            taken.insert(candidate.clone());
            candidate
        })
        .collect()
}

/// The wire name as a second spelling of the flag (`--productTypes` beside
/// `--product-types`), where it differs from the flag, is a plain word and is no other input's
/// flag or alias nor a reserved flag.
fn aliases(inputs: &[Input], flags: &[String]) -> Vec<Option<String>> {
    let mut taken: BTreeSet<String> = flags.iter().cloned().collect();
    taken.extend(RESERVED_FLAGS.iter().map(|f| f.to_string()));
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for input in inputs {
        *counts.entry(input.wire).or_default() += 1;
    }
    inputs
        .iter()
        .zip(flags)
        .map(|(input, flag)| {
            let wire = input.wire;
            let plain = !wire.is_empty()
                && !wire.starts_with('-')
                && wire
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !plain || wire == flag || counts[wire] > 1 || taken.contains(wire) {
                return None;
            }
            taken.insert(wire.to_owned());
            Some(wire.to_owned())
        })
        .collect()
}

fn kebab(rust_name: &str) -> String {
    rust_name
        .trim_start_matches("r#")
        .trim_matches('_')
        .replace('_', "-")
}

fn input_tokens(
    api: &Api,
    input: &Input,
    flag: &str,
    alias: Option<&str>,
    enums: &mut BTreeMap<TypeId, proc_macro2::Ident>,
) -> TokenStream {
    let wire = str_lit(input.wire);
    let rust = str_lit(&input.name);
    let flag = str_lit(flag);
    let alias = match alias {
        Some(alias) => {
            let alias = str_lit(alias);
            quote!(Some(#alias))
        }
        None => quote!(None),
    };
    let location = match input.kind {
        InputKind::Path => quote!(Location::Path),
        InputKind::Query => quote!(Location::Query),
        InputKind::BodyField(_) => quote!(Location::Body),
    };
    let required = input.required;
    let ty = type_tokens(api, input.ty, enums);
    let description = str_lit(input.description.unwrap_or_default());
    quote! {
        Input {
            wire: #wire,
            rust: #rust,
            flag: #flag,
            alias: #alias,
            location: #location,
            required: #required,
            ty: #ty,
            description: #description,
        }
    }
}

/// How the CLI reads a value of `ty`: a scalar, a list of scalars (the flag repeated or
/// comma-separated), or anything else as JSON text.
fn type_tokens(
    api: &Api,
    ty: &TypeRef,
    enums: &mut BTreeMap<TypeId, proc_macro2::Ident>,
) -> TokenStream {
    match ty {
        TypeRef::Vec(inner) => match scalar_tokens(api, inner, enums) {
            Some(scalar) => quote!(Type { scalar: #scalar, list: true }),
            None => quote!(Type {
                scalar: Scalar::Json,
                list: false
            }),
        },
        other => {
            let scalar = scalar_tokens(api, other, enums).unwrap_or(quote!(Scalar::Json));
            quote!(Type { scalar: #scalar, list: false })
        }
    }
}

fn scalar_tokens(
    api: &Api,
    ty: &TypeRef,
    enums: &mut BTreeMap<TypeId, proc_macro2::Ident>,
) -> Option<TokenStream> {
    Some(match ty {
        TypeRef::String => quote!(Scalar::String),
        TypeRef::Integer => quote!(Scalar::Integer),
        TypeRef::Float => quote!(Scalar::Float),
        TypeRef::Boolean => quote!(Scalar::Boolean),
        TypeRef::Timestamp => quote!(Scalar::Timestamp),
        TypeRef::Named(id) => {
            let def = api.type_def(*id);
            let kind = match &def.kind {
                TypeKind::StringEnum { .. } => quote!(Enum),
                TypeKind::IntegerEnum { .. } => quote!(IntegerEnum),
                _ => return None,
            };
            let ident = enums
                .entry(*id)
                .or_insert_with(|| format_ident!("{}", def.name))
                .clone();
            quote!(Scalar::#kind(#ident))
        }
        _ => return None,
    })
}

/// The wire names of the scalar fields (strings, numbers, booleans, timestamps, enums and lists
/// of these) of a response item, in field order: the table's candidate columns.
fn scalar_fields(api: &Api, item: &TypeRef) -> Vec<String> {
    let TypeRef::Named(id) = item else {
        return Vec::new();
    };
    let TypeKind::Struct { fields } = &api.type_def(*id).kind else {
        return Vec::new();
    };
    let scalar = |ty: &TypeRef| match ty {
        TypeRef::String
        | TypeRef::Integer
        | TypeRef::Float
        | TypeRef::Boolean
        | TypeRef::Timestamp => true,
        TypeRef::Named(id) => matches!(
            api.type_def(*id).kind,
            TypeKind::StringEnum { .. } | TypeKind::IntegerEnum { .. }
        ),
        _ => false,
    };
    fields
        .iter()
        .filter(|f| match &f.ty {
            TypeRef::Vec(inner) => scalar(inner),
            other => scalar(other),
        })
        .map(|f| f.wire_name.clone())
        .collect()
}

fn str_lit(text: &str) -> TokenStream {
    let literal = Literal::string(text);
    quote!(#literal)
}
