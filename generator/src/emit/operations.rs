//! Emits one file per scope: for each operation a method on `Client` taking the required
//! arguments, and a request builder with a setter per optional parameter, `send()`, and for
//! paginated operations the `Link`-following streams. All HTTP work is delegated to
//! `meraki_runtime::Request`, so each operation stays a few lines of glue.

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::docs::{code, doc_attrs};
use super::{argument_tokens, ident, type_tokens};
use crate::model::{
    Api, Field, Operation, PageItems, Param, ParamLocation, PathPart, TypeKind, TypeRef,
};

/// Builder methods that setters must not shadow.
const BUILDER_METHODS: &[&str] = &[
    "send",
    "body",
    "paginate",
    "pages",
    "items",
    "collect_all",
    "into_request",
    "request",
    "new",
    "clone",
];

pub fn scope_file(api: &Api, scope: &str) -> TokenStream {
    let operations = api
        .operations
        .iter()
        .filter(|op| op.scope == scope)
        .map(|op| operation(api, op));
    let doc = format!(" Operations of the `{scope}` scope.");
    quote! {
        #![doc = #doc]
        #(#operations)*
    }
}

/// How the request body reaches the builder.
enum BodyPlan<'a> {
    None,
    /// An object body: required properties are arguments, optional ones setters.
    Struct {
        ty: TokenStream,
        fields: &'a [Field],
    },
    /// Any other body, as one value: an argument when required, else a `body` setter.
    Whole {
        ty: &'a TypeRef,
        required: bool,
    },
}

fn body_plan<'a>(api: &'a Api, op: &'a Operation) -> BodyPlan<'a> {
    let Some(body) = &op.body else {
        return BodyPlan::None;
    };
    if let TypeRef::Named(id) = &body.ty {
        if let TypeKind::Struct { fields } = &api.type_def(*id).kind {
            return BodyPlan::Struct {
                ty: type_tokens(api, &body.ty),
                fields,
            };
        }
    }
    BodyPlan::Whole {
        ty: &body.ty,
        required: body.required,
    }
}

/// One input of an operation: a parameter or a body property, with the Rust name it gets.
struct Input<'a> {
    name: String,
    wire: &'a str,
    ty: &'a TypeRef,
    description: Option<&'a str>,
    kind: InputKind,
    /// For a body property: the field of the body struct it sets.
    field: Option<&'a str>,
}

enum InputKind {
    Path,
    Query,
    BodyField,
}

fn operation(api: &Api, op: &Operation) -> TokenStream {
    let builder = format_ident!("{}", op.builder_name);
    let method = ident(&op.method_name);
    let response_ty = type_tokens(api, &op.response.ty);
    let plan = body_plan(api, op);

    // Names of arguments and setters: parameters keep theirs; body properties that would clash
    // with a parameter or a builder method are prefixed with `body_`.
    let mut taken: BTreeSet<String> = BUILDER_METHODS.iter().map(|s| s.to_string()).collect();
    let mut inputs: Vec<(Input, bool)> = Vec::new();
    for param in &op.params {
        let mut name = param.rust_name.clone();
        if taken.contains(&name) {
            name = format!("{name}_param");
        }
        taken.insert(name.clone());
        let kind = match param.location {
            ParamLocation::Path => InputKind::Path,
            ParamLocation::Query => InputKind::Query,
        };
        inputs.push((input_of_param(param, name, kind), param.required));
    }
    if let BodyPlan::Struct { fields, .. } = &plan {
        for field in fields.iter() {
            let mut name = field.rust_name.clone();
            if taken.contains(&name) {
                name = format!("body_{name}");
            }
            while taken.contains(&name) {
                name.push('_');
            }
            taken.insert(name.clone());
            let input = Input {
                name,
                wire: &field.wire_name,
                ty: &field.ty,
                description: field.description.as_deref(),
                kind: InputKind::BodyField,
                field: Some(&field.rust_name),
            };
            inputs.push((input, field.required));
        }
    }

    // The client method: required inputs become arguments.
    let mut args = Vec::new();
    let mut setup = Vec::new();
    let mut body_inits = Vec::new();
    for (input, required) in &inputs {
        let name = ident(&input.name);
        match (&input.kind, required) {
            (InputKind::Path, _) => args.push(quote!(#name: &str)),
            (InputKind::Query, true) => {
                let (arg_ty, convert) = argument_tokens(api, input.ty, &name);
                let wire = input.wire;
                args.push(quote!(#name: #arg_ty));
                setup.push(quote!(request.query(#wire, &#convert);));
            }
            (InputKind::Query, false) => {}
            (InputKind::BodyField, true) => {
                let (arg_ty, convert) = argument_tokens(api, input.ty, &name);
                args.push(quote!(#name: #arg_ty));
                body_inits.push((input, quote!(#convert)));
            }
            (InputKind::BodyField, false) => body_inits.push((input, quote!(None))),
        }
    }
    if let BodyPlan::Whole { ty, required: true } = &plan {
        let body_ty = type_tokens(api, ty);
        args.push(quote!(body: #body_ty));
    }

    let path = path_expression(op);
    let http_method = format_ident!("{}", op.http_method.as_upper());
    let (body_field, body_init) = match &plan {
        BodyPlan::None => (quote!(), quote!()),
        BodyPlan::Struct { ty, fields } => {
            let inits = fields
                .iter()
                .zip(body_inits.iter())
                .map(|(field, (_, value))| {
                    let field_name = ident(&field.rust_name);
                    // `name: name` is clippy's redundant_field_names: use the shorthand.
                    if value.to_string() == field.rust_name {
                        quote!(#field_name,)
                    } else {
                        quote!(#field_name: #value,)
                    }
                });
            (quote!(body: #ty,), quote!(body: #ty { #(#inits)* },))
        }
        BodyPlan::Whole { ty, required: true } => {
            let ty = type_tokens(api, ty);
            (quote!(body: #ty,), quote!(body,))
        }
        BodyPlan::Whole {
            ty,
            required: false,
        } => {
            let ty = type_tokens(api, ty);
            (quote!(body: Option<#ty>,), quote!(body: None,))
        }
    };

    let http_line = format!("`{} {}`", op.http_method.as_upper(), op.path);
    let builder_note = format!(
        "Returns a [`{}`] builder: set optional parameters on it, then call `.send().await`{}.",
        op.builder_name,
        if op.pagination.is_some() {
            ", or stream every page with `.items()` / `.pages()`"
        } else {
            ""
        }
    );
    let method_docs = doc_attrs([
        op.summary.as_deref(),
        op.description
            .as_deref()
            .filter(|d| Some(*d) != op.summary.as_deref()),
        Some(&http_line),
        Some(&builder_note),
    ]);
    let deprecated = op
        .deprecated
        .then(|| quote!(#[deprecated(note = "deprecated by the Meraki API")]));
    let builder_doc = format!(
        " Request builder for [`Client::{}`](crate::Client::{}): {}.",
        op.method_name, op.method_name, http_line
    );
    let mutable_request = if setup.is_empty() {
        quote!()
    } else {
        quote!(mut)
    };

    let setters = inputs
        .iter()
        .filter(|(input, required)| !required && !matches!(input.kind, InputKind::Path))
        .map(|(input, _)| setter(api, input));
    let body_setter = match &plan {
        BodyPlan::None => quote!(),
        BodyPlan::Struct { ty, .. } => quote! {
            /// Replaces the whole request body.
            pub fn body(mut self, body: #ty) -> Self {
                self.body = body;
                self
            }
        },
        BodyPlan::Whole { ty, required } => {
            let ty = type_tokens(api, ty);
            let value = if *required {
                quote!(body)
            } else {
                quote!(Some(body))
            };
            quote! {
                /// Sets the request body.
                pub fn body(mut self, body: #ty) -> Self {
                    self.body = #value;
                    self
                }
            }
        }
    };

    let has_body = !matches!(plan, BodyPlan::None);
    let into_request = match &plan {
        BodyPlan::None => quote!(),
        BodyPlan::Whole {
            required: false, ..
        } => quote! {
            fn into_request(mut self) -> ::meraki_runtime::Request<#response_ty> {
                if let Some(body) = &self.body {
                    self.request.json_body(body);
                }
                self.request
            }
        },
        _ => quote! {
            fn into_request(mut self) -> ::meraki_runtime::Request<#response_ty> {
                self.request.json_body(&self.body);
                self.request
            }
        },
    };
    let request_expr = if has_body {
        quote!(self.into_request())
    } else {
        quote!(self.request)
    };
    let send_doc = format!(
        " Sends the request and decodes the `{}` response.",
        op.response.status
    );
    let pagination = pagination_methods(api, op, &request_expr, &response_ty);

    quote! {
        impl crate::Client {
            #method_docs
            #deprecated
            pub fn #method(&self, #(#args),*) -> #builder {
                let #mutable_request request = ::meraki_runtime::Request::new(&self.core, ::meraki_runtime::Method::#http_method, #path);
                #(#setup)*
                #builder { request, #body_init }
            }
        }

        #[doc = #builder_doc]
        #[derive(Debug, Clone)]
        #[must_use = "a request builder does nothing until `.send().await`"]
        pub struct #builder {
            request: ::meraki_runtime::Request<#response_ty>,
            #body_field
        }

        impl #builder {
            #(#setters)*
            #body_setter
            #into_request
            #[doc = #send_doc]
            pub async fn send(self) -> ::meraki_runtime::Result<#response_ty> {
                #request_expr.send().await
            }
            #pagination
        }
    }
}

fn input_of_param(param: &Param, name: String, kind: InputKind) -> Input<'_> {
    Input {
        name,
        wire: &param.wire_name,
        ty: &param.ty,
        description: param.description.as_deref(),
        kind,
        field: None,
    }
}

fn setter(api: &Api, input: &Input) -> TokenStream {
    let name = ident(&input.name);
    let value = format_ident!("value");
    let (arg_ty, convert) = argument_tokens(api, input.ty, &value);
    let wire_note = format!("Sets {}.", code(input.wire));
    let docs = doc_attrs([input.description, Some(&wire_note)]);
    let body = match input.kind {
        InputKind::Query => {
            let wire = input.wire;
            quote!(self.request.query(#wire, &#convert);)
        }
        InputKind::BodyField | InputKind::Path => {
            let field = ident(input.field.unwrap_or(&input.name));
            quote!(self.body.#field = Some(#convert);)
        }
    };
    quote! {
        #docs
        pub fn #name(mut self, #value: #arg_ty) -> Self {
            #body
            self
        }
    }
}

/// `format!` of the path template with each parameter percent-encoded as one segment.
fn path_expression(op: &Operation) -> TokenStream {
    let mut template = String::new();
    let mut values = Vec::new();
    for part in &op.path_parts {
        match part {
            PathPart::Literal(text) => {
                template.push_str(&text.replace('{', "{{").replace('}', "}}"))
            }
            PathPart::Param(index) => {
                template.push_str("{}");
                let name = ident(&op.params[*index].rust_name);
                values.push(quote!(::meraki_runtime::path_segment(#name)));
            }
        }
    }
    if values.is_empty() {
        quote!(String::from(#template))
    } else {
        quote!(format!(#template, #(#values),*))
    }
}

fn pagination_methods(
    api: &Api,
    op: &Operation,
    request_expr: &TokenStream,
    response_ty: &TokenStream,
) -> TokenStream {
    let Some(pagination) = &op.pagination else {
        return quote!();
    };
    let item_ty = type_tokens(api, &pagination.item);
    let extract = match &pagination.items {
        PageItems::Array => quote!(|page| page),
        PageItems::Field {
            rust_name,
            required: true,
        } => {
            let field = ident(rust_name);
            quote!(|page| page.#field)
        }
        PageItems::Field {
            rust_name,
            required: false,
        } => {
            let field = ident(rust_name);
            quote!(|page| page.#field.unwrap_or_default())
        }
        PageItems::Whole => quote!(|page| vec![page]),
    };
    quote! {
        /// Follows the `Link` header from this request on; set a page limit or the direction on
        /// the returned paginator.
        pub fn paginate(self) -> ::meraki_runtime::Paginator<#response_ty, #item_ty> {
            #request_expr.paginate(#extract)
        }
        /// Every page, one request at a time, following `rel=next` links.
        pub fn pages(self) -> impl ::futures_core::Stream<Item = ::meraki_runtime::Result<#response_ty>> {
            self.paginate().pages()
        }
        /// Every item of every page, one page in memory at a time.
        pub fn items(self) -> impl ::futures_core::Stream<Item = ::meraki_runtime::Result<#item_ty>> {
            self.paginate().items()
        }
        /// Every item of every page, collected.
        pub async fn collect_all(self) -> ::meraki_runtime::Result<Vec<#item_ty>> {
            self.paginate().collect_all().await
        }
    }
}
