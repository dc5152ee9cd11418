//! The inputs of one operation (path and query parameters, body properties) with the Rust names
//! lowering gave them as arguments and setters, and how the request body reaches the builder.

use crate::model::{Api, BodyForm, Field, Operation, ParamLocation, TypeKind, TypeRef};

/// How the request body reaches the builder.
pub enum BodyPlan<'a> {
    None,
    /// An object body: required properties are arguments, optional ones setters; the builder
    /// keeps the struct and serializes it when sending.
    Struct {
        ty: &'a TypeRef,
        fields: &'a [Field],
        /// The argument or setter name of each field.
        inputs: &'a [String],
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
    if let (BodyForm::Fields { inputs }, TypeRef::Named(id)) = (&body.form, &body.ty) {
        if let TypeKind::Struct { fields } = &api.type_def(*id).kind {
            return BodyPlan::Struct {
                ty: &body.ty,
                fields,
                inputs,
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

/// Parameters in model order, then body properties, with the names lowering gave them.
pub fn inputs<'a>(op: &'a Operation, plan: &BodyPlan<'a>) -> Vec<Input<'a>> {
    let mut inputs = Vec::new();
    for param in &op.params {
        inputs.push(Input {
            name: param.rust_name.clone(),
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
    if let BodyPlan::Struct {
        fields,
        inputs: names,
        ..
    } = plan
    {
        for (field, name) in fields.iter().zip(names.iter()) {
            inputs.push(Input {
                name: name.clone(),
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
