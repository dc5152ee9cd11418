//! The request builder of one operation: a setter per optional input, `send`, the escape hatches
//! `send_json` and `send_raw`, and for paginated operations the `Link`-following streams (with
//! `items_json`; raw and JSON pages are on the `Paginator` that `paginate()` returns). Every
//! method forwards to the runtime and returns a named runtime type (no `async fn`, no
//! `impl Trait`), which keeps each builder cheap to check; the escape hatches are not generic
//! over the response type, so their work is compiled once, in the runtime, and `send_json` /
//! `send_raw` are written by one `rt::escape_hatches!` line per builder.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::inputs::{BodyPlan, Input, InputKind};
use crate::emit::docs::{doc_attrs, labelled_doc_attrs};
use crate::emit::shared::{argument_tokens, ident, type_tokens};
use crate::model::{Api, Operation, PageItems, TypeKind, TypeRef};

pub fn builder(api: &Api, op: &Operation, plan: &BodyPlan, inputs: &[Input]) -> TokenStream {
    let name = format_ident!("{}", op.builder_name);
    let response_ty = type_tokens(api, &op.response.ty);
    let doc = format!(
        " Request builder for [`Client::{0}`](crate::Client::{0}): `{1} {2}`.",
        op.method_name,
        op.http_method.as_upper(),
        op.path
    );
    let body_field = match plan {
        BodyPlan::Struct { ty, .. } => {
            let ty = type_tokens(api, ty);
            quote!(body: #ty,)
        }
        BodyPlan::None | BodyPlan::Whole { .. } => quote!(),
    };
    let setters = inputs
        .iter()
        .filter(|input| !input.required && !matches!(input.kind, InputKind::Path))
        .map(|input| setter(api, input));
    let body_setter = body_setter(api, plan);
    // A struct body is kept until sending so that its setters can fill it in.
    let request = match plan {
        BodyPlan::Struct { .. } => quote!(self.request.with_json_body(&self.body)),
        BodyPlan::None | BodyPlan::Whole { .. } => quote!(self.request),
    };
    let send_doc = format!(
        " Sends the request and decodes the `{}` response.",
        op.response.status
    );
    let pagination = pagination_methods(api, op, &request, &response_ty);
    // `send_json()` and `send_raw()`, written by the runtime's macro (one line per builder).
    let escape_hatches = match plan {
        BodyPlan::Struct { .. } => quote!(rt::escape_hatches!(#name, body);),
        BodyPlan::None | BodyPlan::Whole { .. } => quote!(rt::escape_hatches!(#name);),
    };
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone)]
        #[must_use = "a request builder does nothing until `.send().await`"]
        pub struct #name {
            request: rt::Request<#response_ty>,
            #body_field
        }

        impl #name {
            #(#setters)*
            #body_setter
            #[doc = #send_doc]
            pub fn send(self) -> rt::ResponseFuture<#response_ty> {
                #request.send()
            }
            #pagination
        }
        #escape_hatches
    }
}

fn setter(api: &Api, input: &Input) -> TokenStream {
    let name = ident(&input.name);
    let value = format_ident!("value");
    let docs = labelled_doc_attrs(input.wire, input.description);
    let (arg_ty, statement) = match input.kind {
        InputKind::Query => {
            let (arg_ty, convert) = argument_tokens(api, input.ty, &value);
            let wire = input.wire;
            (arg_ty, quote!(self.request.query(#wire, &#convert);))
        }
        InputKind::BodyField(field) => {
            let (arg_ty, convert) = argument_tokens(api, input.ty, &value);
            let field = ident(field);
            (arg_ty, quote!(self.body.#field = Some(#convert);))
        }
        // Path parameters are always arguments of the client method.
        InputKind::Path => return quote!(),
    };
    quote! {
        #docs
        pub fn #name(mut self, #value: #arg_ty) -> Self {
            #statement
            self
        }
    }
}

fn body_setter(api: &Api, plan: &BodyPlan) -> TokenStream {
    match plan {
        BodyPlan::None | BodyPlan::Whole { required: true, .. } => quote!(),
        BodyPlan::Struct { ty, .. } => {
            let ty = type_tokens(api, ty);
            quote! {
                /// Replaces the whole request body.
                pub fn body(mut self, body: #ty) -> Self {
                    self.body = body;
                    self
                }
            }
        }
        BodyPlan::Whole {
            ty,
            required: false,
        } => {
            let ty = type_tokens(api, ty);
            quote! {
                /// Sets the request body.
                pub fn body(mut self, body: #ty) -> Self {
                    self.request.json_body(&body);
                    self
                }
            }
        }
    }
}

fn pagination_methods(
    api: &Api,
    op: &Operation,
    request: &TokenStream,
    response_ty: &TokenStream,
) -> TokenStream {
    let Some(pagination) = &op.pagination else {
        return quote!();
    };
    let item_ty = type_tokens(api, &pagination.item);
    let paginate = match &pagination.items {
        // Array pages let the runtime decode each item when the stream reaches it.
        PageItems::Array => quote!(paginate_array()),
        // `json_items_in` tells `items_json` the member (wire name) that holds the items.
        PageItems::Field {
            rust_name,
            required: true,
        } => {
            let wire = page_field_wire_name(api, op, rust_name);
            let field = ident(rust_name);
            quote!(paginate(|page| page.#field).json_items_in(#wire))
        }
        PageItems::Field {
            rust_name,
            required: false,
        } => {
            let wire = page_field_wire_name(api, op, rust_name);
            let field = ident(rust_name);
            quote!(paginate(|page| page.#field.unwrap_or_default()).json_items_in(#wire))
        }
        PageItems::Whole => quote!(paginate(|page| vec![page])),
    };
    let items_doc = doc_attrs([Some(match &pagination.items {
        PageItems::Array => {
            "Every item of every page, each decoded as soon as its bytes arrive; no page is held whole."
        }
        _ => "Every item of every page, one page in memory at a time.",
    })]);
    let paginate_doc = doc_attrs([Some(
        "Follows the `Link` header from this request on; set a page limit or the direction on the returned paginator.",
    )]);
    quote! {
        #paginate_doc
        pub fn paginate(self) -> rt::Paginator<#response_ty, #item_ty> {
            #request.#paginate
        }
        /// Every page, one request at a time, following `rel=next` links.
        pub fn pages(self) -> rt::ResultStream<#response_ty> {
            self.paginate().pages()
        }
        #items_doc
        pub fn items(self) -> rt::ResultStream<#item_ty> {
            self.paginate().items()
        }
        /// Every item of every page, collected.
        pub fn collect_all(self) -> rt::ResponseFuture<Vec<#item_ty>> {
            self.paginate().collect_all()
        }
        /// Every item of every page as JSON ([`Paginator::items_json`](crate::runtime::Paginator::items_json)).
        pub fn items_json(self) -> rt::ResultStream<::serde_json::Value> {
            self.paginate().items_json()
        }
    }
}

/// The wire name of the field of `op`'s page struct whose Rust name is `rust_name`.
pub(in crate::emit) fn page_field_wire_name<'a>(
    api: &'a Api,
    op: &Operation,
    rust_name: &str,
) -> &'a str {
    let TypeRef::Named(id) = &op.response.ty else {
        panic!(
            "{}: items in a field of a page that is not a struct",
            op.operation_id
        );
    };
    let TypeKind::Struct { fields } = &api.type_def(*id).kind else {
        panic!(
            "{}: items in a field of a page that is not a struct",
            op.operation_id
        );
    };
    fields
        .iter()
        .find(|field| field.rust_name == rust_name)
        .map(|field| field.wire_name.as_str())
        .unwrap_or_else(|| panic!("{}: the page has no field `{rust_name}`", op.operation_id))
}
