//! Emits one file per scope: for each operation a method on `Client` taking the required
//! arguments, and a request builder (see [`builder`]). All HTTP work is delegated to the
//! runtime's generic `Request`, so each operation stays a few lines of glue that the compiler
//! checks quickly.

pub(in crate::emit) mod builder;
pub(in crate::emit) mod inputs;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::docs::doc_attrs;
use super::shared::{argument_tokens, ident, takes_as_is, type_tokens, uses};
use crate::model::{Api, Operation, PathPart};
use inputs::{body_plan, BodyPlan, Input, InputKind};

/// Each operation's method in an `impl Client` block of its own, followed by its builder, so
/// that an operation's code is one self-contained run of items (spec-bump diffs stay local).
pub fn scope_file(api: &Api, scope: &str) -> TokenStream {
    let mut items = TokenStream::new();
    for op in api.operations.iter().filter(|op| op.scope == scope) {
        let plan = body_plan(api, op);
        let inputs = inputs::inputs(op, &plan);
        let method = client_method(api, op, &plan, &inputs);
        items.extend(quote!(impl crate::Client { #method }));
        items.extend(builder::builder(api, op, &plan, &inputs));
    }
    let doc = format!(" Operations of the `{scope}` scope.");
    let uses = uses(&items, false);
    quote! {
        #![doc = #doc]
        #uses
        #items
    }
}

/// The method on `Client`: required inputs are its arguments; it prepares the request and
/// returns the builder.
fn client_method(api: &Api, op: &Operation, plan: &BodyPlan, inputs: &[Input]) -> TokenStream {
    let mut args = Vec::new();
    let mut setup = Vec::new();
    let mut body_fields = Vec::new();
    for input in inputs {
        let name = ident(&input.name);
        match (&input.kind, input.required) {
            (InputKind::Path, _) => args.push(quote!(#name: &str)),
            (InputKind::Query, true) => {
                let (arg_ty, convert) = argument_tokens(api, input.ty, &name);
                let wire = input.wire;
                args.push(quote!(#name: #arg_ty));
                setup.push(quote!(request.query(#wire, &#convert);));
            }
            (InputKind::Query, false) => {}
            (InputKind::BodyField(field), true) => {
                let (arg_ty, convert) = argument_tokens(api, input.ty, &name);
                args.push(quote!(#name: #arg_ty));
                // `name: name` is clippy's redundant_field_names: use the shorthand.
                body_fields.push(if takes_as_is(input.ty) && input.name == *field {
                    quote!(#name,)
                } else {
                    let field = ident(field);
                    quote!(#field: #convert,)
                });
            }
            (InputKind::BodyField(field), false) => {
                let field = ident(field);
                body_fields.push(quote!(#field: None,));
            }
        }
    }
    let body_init = match plan {
        BodyPlan::None | BodyPlan::Whole { .. } => quote!(),
        // A body of optional properties only derives `Default`.
        BodyPlan::Struct { fields, .. } if fields.iter().all(|f| !f.required) => {
            quote!(body: Default::default())
        }
        BodyPlan::Struct { ty, .. } => {
            let ty = type_tokens(api, ty);
            quote!(body: #ty { #(#body_fields)* })
        }
    };
    if let BodyPlan::Whole { ty, required: true } = plan {
        let ty = type_tokens(api, ty);
        args.push(quote!(body: #ty));
        setup.push(quote!(request.json_body(&body);));
    }

    let builder = format_ident!("{}", op.builder_name);
    let method = ident(&op.method_name);
    let http_method = format_ident!("{}", op.http_method.as_upper());
    let path = path_expression(op, inputs);
    let http_line = format!("`{} {}`", op.http_method.as_upper(), op.path);
    let source_note = super::docs::source_note(api, op);
    let correction_note = super::docs::correction_note(api, op);
    let docs = doc_attrs([
        op.summary.as_deref(),
        op.description
            .as_deref()
            .filter(|d| Some(*d) != op.summary.as_deref()),
        Some(&http_line),
        source_note.as_deref(),
        correction_note.as_deref(),
    ]);
    let deprecated = op
        .deprecated
        .then(|| quote!(#[deprecated(note = "deprecated by the Meraki API")]));
    let new_request = quote!(rt::Request::new(&self.core, rt::Method::#http_method, #path));
    let construct = if setup.is_empty() {
        quote!(#builder { request: #new_request, #body_init })
    } else {
        quote! {
            let mut request = #new_request;
            #(#setup)*
            #builder { request, #body_init }
        }
    };
    quote! {
        #docs
        #deprecated
        pub fn #method(&self, #(#args),*) -> #builder {
            #construct
        }
    }
}

/// The spec's path template, filled by the runtime with each path argument percent-encoded as
/// one segment.
fn path_expression(op: &Operation, inputs: &[Input]) -> TokenStream {
    let mut template = String::new();
    let mut values = Vec::new();
    for part in &op.path_parts {
        match part {
            PathPart::Literal(text) => template.push_str(text),
            PathPart::Param(index) => {
                let input = &inputs[*index];
                template.push_str(&format!("{{{}}}", input.wire));
                let name = ident(&input.name);
                values.push(quote!(#name));
            }
        }
    }
    quote!(rt::fill_path(#template, &[#(#values),*]))
}
