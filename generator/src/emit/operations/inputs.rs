//! The inputs of one operation (path and query parameters, body properties) with the Rust names
//! they get as arguments and setters, and how the request body reaches the builder.

use std::collections::BTreeSet;

use crate::model::{Api, Field, Operation, ParamLocation, TypeKind, TypeRef};

/// Builder methods that setters must not shadow.
const BUILDER_METHODS: &[&str] = &[
    "send",
    "body",
    "paginate",
    "pages",
    "items",
    "collect_all",
    "request",
    "new",
    "clone",
];

/// How the request body reaches the builder.
pub enum BodyPlan<'a> {
    None,
    /// An object body: required properties are arguments, optional ones setters; the builder
    /// keeps the struct and serializes it when sending.
    Struct {
        ty: &'a TypeRef,
        fields: &'a [Field],
    },
    /// Any other body, as one value serialized as soon as it is given: an argument when
    /// required, else a `body` setter.
    Whole {
        ty: &'a TypeRef,
        required: bool,
    },
}

pub fn body_plan<'a>(api: &'a Api, op: &'a Operation) -> BodyPlan<'a> {
    let Some(body) = &op.body else {
        return BodyPlan::None;
    };
    if let TypeRef::Named(id) = &body.ty {
        if let TypeKind::Struct { fields } = &api.type_def(*id).kind {
            return BodyPlan::Struct {
                ty: &body.ty,
                fields,
            };
        }
    }
    BodyPlan::Whole {
        ty: &body.ty,
        required: body.required,
    }
}

/// One input of an operation with the Rust name it gets.
pub struct Input<'a> {
    pub name: String,
    pub wire: &'a str,
    pub ty: &'a TypeRef,
    pub description: Option<&'a str>,
    pub required: bool,
    pub kind: InputKind<'a>,
}

pub enum InputKind<'a> {
    Path,
    Query,
    /// A property of the body struct: the field it sets.
    BodyField(&'a str),
}

/// Parameters in model order, then body properties. Parameters keep their names (suffixed
/// `_param` when they would shadow a builder method); body properties that clash with either
/// are prefixed `body_`.
pub fn inputs<'a>(op: &'a Operation, plan: &BodyPlan<'a>) -> Vec<Input<'a>> {
    let mut taken: BTreeSet<String> = BUILDER_METHODS.iter().map(|s| s.to_string()).collect();
    let mut inputs = Vec::new();
    for param in &op.params {
        let mut name = param.rust_name.clone();
        if taken.contains(&name) {
            name = format!("{name}_param");
        }
        taken.insert(name.clone());
        inputs.push(Input {
            name,
            wire: &param.wire_name,
            ty: &param.ty,
            description: param.description.as_deref(),
            required: param.required,
            kind: match param.location {
                ParamLocation::Path => InputKind::Path,
                ParamLocation::Query => InputKind::Query,
            },
        });
    }
    if let BodyPlan::Struct { fields, .. } = plan {
        for field in fields.iter() {
            let mut name = field.rust_name.clone();
            if taken.contains(&name) {
                name = format!("body_{name}");
            }
            while taken.contains(&name) {
                name.push('_');
            }
            taken.insert(name.clone());
            inputs.push(Input {
                name,
                wire: &field.wire_name,
                ty: &field.ty,
                description: field.description.as_deref(),
                required: field.required,
                kind: InputKind::BodyField(&field.rust_name),
            });
        }
    }
    inputs
}
