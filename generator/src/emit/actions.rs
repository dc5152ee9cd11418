//! `src/actions.rs`: an action constructor for every operation Meraki accepts in action batches
//! (`x-batchable-actions`, matched to operations by `lower::batch`). Each takes the operation's
//! path arguments and its request body type, the one users fill for the operation itself, and
//! returns the runtime's `Action`; an operation that cannot be batched has none, so the compiler
//! refuses it.

use proc_macro2::TokenStream;
use quote::quote;

use super::docs::doc_attrs;
use super::operations::inputs::{body_plan, BodyPlan};
use super::shared::{cfg_for_scopes, ident, type_tokens, uses};
use crate::model::{Api, ParamLocation};

pub fn actions_file(api: &Api) -> TokenStream {
    let items: TokenStream = api
        .operations
        .iter()
        .filter_map(|op| op.batch_action.as_ref().map(|action| (op, action)))
        .map(|(op, action)| {
            let cfg = cfg_for_scopes(api, [&op.scope]);
            let name = ident(&op.method_name);
            let path_args: Vec<_> = op
                .params
                .iter()
                .filter(|p| p.location == ParamLocation::Path)
                .map(|p| ident(&p.rust_name))
                .collect();
            // The resource takes the operation's first path parameters (its parent's, for
            // actions such as `claim`); the others are still the operation's arguments.
            let resource_args = &path_args[..action.path_params.min(path_args.len())];
            let (body_arg, with_body) = match body_plan(api, op) {
                BodyPlan::Struct { ty, .. } | BodyPlan::Whole { ty, .. } => {
                    let ty = type_tokens(api, ty);
                    (quote!(, body: #ty), quote!(.with_body(&body)))
                }
                BodyPlan::None => (quote!(), quote!()),
            };
            let resource = &action.resource;
            let operation = &action.operation;
            let summary = format!(
                "`{operation}` of `{resource}` in an action batch: the change of \
                 [`Client::{0}`](crate::Client::{0}) (`{1} {2}`).",
                op.method_name,
                op.http_method.as_upper(),
                op.path
            );
            // The spec's summary is prose to sanitize; the line about the action is ours.
            let summary = format!(" {summary}");
            let docs = doc_attrs([op.summary.as_deref()]);
            let unused = (resource_args.len() < path_args.len()).then(|| {
                let rest = &path_args[resource_args.len()..];
                quote!(let _ = (#(#rest),*);)
            });
            quote! {
                #cfg
                #docs
                #[doc = ""]
                #[doc = #summary]
                pub fn #name(#(#path_args: &str),* #body_arg) -> rt::Action {
                    #unused
                    rt::Action::new(rt::fill_path(#resource, &[#(#resource_args),*]), #operation)
                        #with_body
                }
            }
        })
        .collect();
    let uses = uses(&items, true);
    quote! {
        //! Typed actions for action batches: one constructor per operation Meraki accepts in a
        //! batch, taking the operation's path arguments and request body. Submit them with
        //! [`Client::action_batches`](crate::Client::action_batches), which splits them within
        //! Meraki's limits, keeps at most 5 batches running per organization, and reports each.
        #uses
        #items
    }
}
