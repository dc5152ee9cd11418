//! Emits the named types: structs, enums with a catch-all variant, and `oneOf` unions. Types
//! used by one scope live in that scope's file behind its feature; types shared by several scopes
//! live in `shared.rs`, each behind the features of the scopes that use it.

use std::collections::BTreeMap;

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use super::docs::{code, doc_attrs};
use super::shared::{
    argument_tokens, cfg_for_scopes, ident, takes_as_is, type_ident, type_tokens, uses,
    SERDE_DESERIALIZE_FEATURE, SERDE_SERIALIZE_FEATURE,
};
use crate::model::{
    Api, Field, IntegerVariant, OneOfVariant, StringVariant, TypeDef, TypeId, TypeKind,
};
use crate::naming::{self, UNKNOWN_VARIANT};

pub const SHARED_GROUP: &str = "shared";

/// Type ids per output file (`types/<group>.rs`), each list sorted by type name.
pub fn type_groups(api: &Api) -> BTreeMap<String, Vec<TypeId>> {
    let mut groups: BTreeMap<String, Vec<TypeId>> = BTreeMap::new();
    for (index, def) in api.types.iter().enumerate() {
        let group = match def.scopes.len() {
            1 => api
                .module_of(
                    def.scopes
                        .iter()
                        .next()
                        .map(String::as_str)
                        .unwrap_or_default(),
                )
                .to_string(),
            _ => SHARED_GROUP.to_string(),
        };
        groups.entry(group).or_default().push(TypeId(index));
    }
    for ids in groups.values_mut() {
        ids.sort_by(|a, b| api.type_def(*a).name.cmp(&api.type_def(*b).name));
    }
    groups
}

pub fn types_mod(api: &Api, groups: &BTreeMap<String, Vec<TypeId>>) -> TokenStream {
    let modules = groups.iter().map(|(group, ids)| {
        let module = ident(group);
        let cfg = if group == SHARED_GROUP {
            let scopes: std::collections::BTreeSet<&String> = ids
                .iter()
                .flat_map(|id| &api.type_def(*id).scopes)
                .collect();
            cfg_for_scopes(api, scopes)
        } else {
            let scope = api
                .type_def(ids[0])
                .scopes
                .iter()
                .next()
                .cloned()
                .unwrap_or_default();
            cfg_for_scopes(api, [&scope])
        };
        quote! {
            #cfg
            mod #module;
            #cfg
            pub use #module::*;
        }
    });
    quote! {
        //! The request and response types of every operation, each named after the one place
        //! (site) of the spec it describes: an operation's parameter, body or response, or a
        //! component shared by `$ref`.
        #(#modules)*
    }
}

pub fn types_file(api: &Api, ids: &[TypeId]) -> TokenStream {
    let items: TokenStream = ids
        .iter()
        .flat_map(|id| {
            let def = api.type_def(*id);
            // Inside a scope's file the module itself carries the feature gate; a shared type
            // carries its own, on each of its items.
            let cfg = if def.scopes.len() > 1 {
                cfg_for_scopes(api, &def.scopes)
            } else {
                quote!()
            };
            type_items(api, def)
                .into_iter()
                .map(move |item| quote!(#cfg #item))
        })
        .collect();
    let gated = ids.iter().any(|id| api.type_def(*id).scopes.len() > 1);
    let uses = uses(&items, gated);
    quote!(#uses #items)
}

/// The spec's description, or where the type comes from when the spec gives none.
fn type_docs(def: &TypeDef) -> TokenStream {
    let fallback = format!("Part of the `{}` operation.", def.first_use);
    doc_attrs([Some(def.description.as_deref().unwrap_or(&fallback))])
}

/// The items of one type: the type itself, for request structs their constructors, and for
/// enums the macro call implementing it.
fn type_items(api: &Api, def: &TypeDef) -> Vec<TokenStream> {
    match &def.kind {
        TypeKind::Struct { fields } => {
            let mut items = vec![struct_item(api, def, fields)];
            items.extend(def.in_request.then(|| constructors(api, def, fields)));
            items
        }
        TypeKind::StringEnum { variants } => string_enum_item(def, variants),
        TypeKind::IntegerEnum { variants } => integer_enum_item(def, variants),
        TypeKind::OneOf { variants } => vec![one_of_item(api, def, variants)],
    }
}

fn struct_item(api: &Api, def: &TypeDef, fields: &[Field]) -> TokenStream {
    let name = type_ident(def);
    let docs = type_docs(def);
    let all_optional = fields.iter().all(|f| !f.required);
    let default = if all_optional {
        quote!(Default,)
    } else {
        quote!()
    };
    // Every struct is `#[non_exhaustive]`, so a new field is a compatible change: users read
    // response types and build request types with `new` and setters (`constructors`), never
    // with a struct literal.
    let (serde_derives, serde_cfg_attr) = serde_derives(def);
    let fields = fields.iter().map(|field| {
        let rust = ident(&field.rust_name);
        let ty = type_tokens(api, &field.ty);
        let deprecated_note = field.deprecated.then_some("**Deprecated** by the API.");
        let docs = doc_attrs([field.description.as_deref(), deprecated_note]);
        let rename = (naming::serde_camel_case(&field.rust_name) != field.wire_name).then(|| {
            let wire = &field.wire_name;
            quote!(rename = #wire)
        });
        if field.required {
            let attr = rename.map(|rename| quote!(#[serde(#rename)]));
            quote! { #docs #attr pub #rust: #ty, }
        } else {
            let rename = rename.map(|rename| quote!(#rename,));
            quote! {
                #docs
                #[serde(#rename skip_serializing_if = "Option::is_none")]
                pub #rust: Option<#ty>,
            }
        }
    });
    quote! {
        #docs
        #[derive(Debug, Clone, PartialEq, #default #serde_derives)]
        #serde_cfg_attr
        #[serde(rename_all = "camelCase")]
        #[non_exhaustive]
        pub struct #name {
            #(#fields)*
        }
    }
}

/// How users build a request type: `new` taking the required fields, and for each optional
/// field a setter and its `Option` twin, with the names lowering gave them. A new optional
/// property is then a new setter, not a broken struct literal; a new required one changes
/// `new`, as it should.
fn constructors(api: &Api, def: &TypeDef, fields: &[Field]) -> TokenStream {
    let name = type_ident(def);
    let constructor = format_ident!("{}", naming::CONSTRUCTOR);
    let required: Vec<&Field> = fields.iter().filter(|f| f.required).collect();
    let arguments = required.iter().map(|field| {
        let arg = ident(&field.rust_name);
        let (arg_ty, _) = argument_tokens(api, &field.ty, &arg);
        quote!(#arg: #arg_ty)
    });
    let values = fields.iter().map(|field| {
        let member = ident(&field.rust_name);
        if field.required {
            // A value taken as it is goes in by the shorthand (clippy's redundant_field_names).
            if takes_as_is(&field.ty) {
                quote!(#member)
            } else {
                let (_, convert) = argument_tokens(api, &field.ty, &member);
                quote!(#member: #convert)
            }
        } else {
            quote!(#member: None)
        }
    });
    let constructor_doc = if required.is_empty() {
        format!(" A `{}` with every field unset.", def.name)
    } else {
        let names: Vec<String> = required
            .iter()
            .map(|f| format!("`{}`", f.wire_name))
            .collect();
        format!(
            " A `{}` with its required fields ({}); the optional ones are unset.",
            def.name,
            names.join(", ")
        )
    };
    let value = format_ident!("value");
    let setters = fields.iter().filter(|f| !f.required).map(|field| {
        let member = ident(&field.rust_name);
        let setter = ident(&field.setter);
        let option_setter = ident(&field.option_setter);
        let (arg_ty, convert) = argument_tokens(api, &field.ty, &value);
        let ty = type_tokens(api, &field.ty);
        let docs = doc_attrs([Some(&*format!("Sets `{}`.", field.wire_name))]);
        let option_docs = doc_attrs([Some(&*format!(
            "Sets `{}` to a value, or unsets it with `None`.",
            field.wire_name
        ))]);
        quote! {
            #docs
            pub fn #setter(mut self, #value: #arg_ty) -> Self {
                self.#member = Some(#convert);
                self
            }
            #option_docs
            pub fn #option_setter(mut self, #value: Option<#ty>) -> Self {
                self.#member = #value;
                self
            }
        }
    });
    quote! {
        impl #name {
            #[doc = #constructor_doc]
            pub fn #constructor(#(#arguments),*) -> Self {
                Self { #(#values),* }
            }
            #(#setters)*
        }
    }
}

/// The enum, and the runtime macro call that writes its conversions and traits from the table
/// of wire values.
fn string_enum_item(def: &TypeDef, variants: &[StringVariant]) -> Vec<TokenStream> {
    let name = type_ident(def);
    let docs = type_docs(def);
    let unknown = format_ident!("{}", UNKNOWN_VARIANT);
    let idents: Vec<_> = variants.iter().map(|v| ident(&v.rust_name)).collect();
    let wires: Vec<&str> = variants.iter().map(|v| v.wire.as_str()).collect();
    let variant_docs = wires.iter().map(|wire| {
        let doc = format!(" {}", code(&format!("\"{wire}\"")));
        quote!(#[doc = #doc])
    });
    vec![
        quote! {
            #docs
            #[derive(Debug, Clone, PartialEq, Eq, Hash)]
            #[non_exhaustive]
            pub enum #name {
                #(#variant_docs #idents,)*
                /// A value this version of the API description does not list.
                #unknown(String),
            }
        },
        quote!(rt::string_enum!(#name, #unknown, { #(#wires => #idents),* });),
    ]
}

fn integer_enum_item(def: &TypeDef, variants: &[IntegerVariant]) -> Vec<TokenStream> {
    let name = type_ident(def);
    let docs = type_docs(def);
    let unknown = format_ident!("{}", UNKNOWN_VARIANT);
    let idents: Vec<_> = variants.iter().map(|v| ident(&v.rust_name)).collect();
    // Unsuffixed, so that the macro's `stringify!` gives the number as the wire has it.
    let wires: Vec<Literal> = variants
        .iter()
        .map(|v| Literal::i64_unsuffixed(v.wire))
        .collect();
    let variant_docs = variants.iter().map(|v| {
        let doc = format!(" `{}`", v.wire);
        quote!(#[doc = #doc])
    });
    vec![
        quote! {
            #docs
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
            #[non_exhaustive]
            pub enum #name {
                #(#variant_docs #idents,)*
                /// A value this version of the API description does not list.
                #unknown(i64),
            }
        },
        quote!(rt::int_enum!(#name, #unknown, { #(#wires => #idents),* });),
    ]
}

fn one_of_item(api: &Api, def: &TypeDef, variants: &[OneOfVariant]) -> TokenStream {
    let name = type_ident(def);
    let docs = doc_attrs([
        def.description.as_deref(),
        Some("One of several shapes; the first that fits a value is chosen."),
    ]);
    let (serde_derives, serde_cfg_attr) = serde_derives(def);
    let variants = variants.iter().map(|variant| {
        let rust = ident(&variant.rust_name);
        let ty = type_tokens(api, &variant.ty);
        quote!(#rust(#ty),)
    });
    quote! {
        #docs
        #[derive(Debug, Clone, PartialEq, #serde_derives)]
        #serde_cfg_attr
        #[serde(untagged)]
        pub enum #name {
            #(#variants)*
        }
    }
}

/// Serde derives by direction: a type only sent implements `Serialize`, a type only received
/// `Deserialize`. The other direction is needed by no request and costs about a third of the
/// full crate's `cargo check` time and memory, so it comes only with the `serde-serialize` and
/// `serde-deserialize` features. Returns the derives and the optional `cfg_attr` line.
fn serde_derives(def: &TypeDef) -> (TokenStream, TokenStream) {
    let serialize = quote!(::serde::Serialize);
    let deserialize = quote!(::serde::Deserialize);
    match (def.in_request, def.in_response) {
        (true, false) => (
            serialize,
            quote!(#[cfg_attr(feature = #SERDE_DESERIALIZE_FEATURE, derive(::serde::Deserialize))]),
        ),
        (false, true) => (
            deserialize,
            quote!(#[cfg_attr(feature = #SERDE_SERIALIZE_FEATURE, derive(::serde::Serialize))]),
        ),
        // Both directions, or (never for a type some operation uses) neither.
        _ => (quote!(#serialize, #deserialize), quote!()),
    }
}
