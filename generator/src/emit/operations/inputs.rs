//! The inputs of one operation (path and query parameters, body properties) with the Rust names
//! they get as arguments and setters, and how the request body reaches the builder.

use std::collections::BTreeSet;

use crate::model::{Api, Field, Operation, ParamLocation, TypeKind, TypeRef};

/// Builder methods that setters must not shadow.
const BUILDER_METHODS: &[&str] = &[
    "send",
    "send_json",
    "send_raw",
    "body",
    "paginate",
    "pages",
    "items",
    "collect_all",
    "items_json",
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{HttpMethod, Param, Response};

    const ESCAPE_HATCHES: [&str; 3] = ["send_json", "send_raw", "items_json"];

    fn field(name: &str) -> Field {
        Field {
            wire_name: name.to_owned(),
            rust_name: name.to_owned(),
            ty: TypeRef::Boolean,
            required: false,
            description: None,
            deprecated: false,
        }
    }

    fn operation() -> Operation {
        Operation {
            operation_id: "op".into(),
            method_name: "op".into(),
            builder_name: "Op".into(),
            http_method: HttpMethod::Put,
            path: "/x".into(),
            path_parts: Vec::new(),
            scope: "s".into(),
            summary: None,
            description: None,
            deprecated: false,
            params: ESCAPE_HATCHES
                .iter()
                .map(|name| Param {
                    wire_name: name.to_string(),
                    rust_name: name.to_string(),
                    location: ParamLocation::Query,
                    required: false,
                    ty: TypeRef::Boolean,
                    description: None,
                    deprecated: false,
                })
                .collect(),
            body: None,
            response: Response {
                status: 200,
                ty: TypeRef::Json,
                description: None,
            },
            pagination: None,
            origin: String::new(),
            source: 0,
        }
    }

    #[test]
    fn setters_never_shadow_the_escape_hatches() {
        let op = operation();
        let fields: Vec<Field> = ESCAPE_HATCHES.iter().map(|name| field(name)).collect();
        let plan = BodyPlan::Struct {
            ty: &TypeRef::Json,
            fields: &fields,
        };
        let names: Vec<String> = inputs(&op, &plan)
            .into_iter()
            .map(|input| input.name)
            .collect();
        let params = ESCAPE_HATCHES.iter().map(|name| format!("{name}_param"));
        let body = ESCAPE_HATCHES.iter().map(|name| format!("body_{name}"));
        assert_eq!(names, params.chain(body).collect::<Vec<_>>());
    }
}
