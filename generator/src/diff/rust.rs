//! What a schema became in the generated crate, looked up in a lowered model: the Rust type
//! users see, and whether a struct is one they build themselves. Classifying a change for Rust
//! users needs these facts, not the spec alone.

use crate::model::{Api, Field, TypeDef, TypeKind, TypeRef};

/// The Rust type as a user writes it (`Vec<DeviceClient>`, `Option<i64>`).
pub fn render(api: &Api, ty: &TypeRef) -> String {
    match ty {
        TypeRef::String => "String".into(),
        TypeRef::Integer => "i64".into(),
        TypeRef::Float => "f64".into(),
        TypeRef::Boolean => "bool".into(),
        TypeRef::Timestamp => "Timestamp".into(),
        TypeRef::Json => "serde_json::Value".into(),
        TypeRef::JsonObject => "serde_json::Map<String, serde_json::Value>".into(),
        TypeRef::Unit => "()".into(),
        TypeRef::Vec(inner) => format!("Vec<{}>", render(api, inner)),
        TypeRef::Map(inner) => format!("BTreeMap<String, {}>", render(api, inner)),
        TypeRef::Named(id) => api.type_def(*id).name.clone(),
    }
}

pub fn render_field(api: &Api, field: &Field) -> String {
    let ty = render(api, &field.ty);
    if field.required {
        ty
    } else {
        format!("Option<{ty}>")
    }
}

/// The named struct a reference points at, if it is one.
pub fn struct_def<'a>(api: &'a Api, ty: Option<&TypeRef>) -> Option<(&'a TypeDef, &'a [Field])> {
    match ty? {
        TypeRef::Named(id) => {
            let def = api.type_def(*id);
            match &def.kind {
                TypeKind::Struct { fields } => Some((def, fields)),
                _ => None,
            }
        }
        _ => None,
    }
}

pub fn field<'a>(api: &'a Api, ty: Option<&TypeRef>, wire: &str) -> Option<&'a Field> {
    struct_def(api, ty)?
        .1
        .iter()
        .find(|field| field.wire_name == wire)
}

/// The wire values of the enum a reference points at, in spec order; empty for other types.
pub fn enum_values(api: &Api, ty: Option<&TypeRef>) -> Vec<serde_json::Value> {
    let Some(TypeRef::Named(id)) = ty else {
        return Vec::new();
    };
    match &api.type_def(*id).kind {
        TypeKind::StringEnum { variants } => {
            variants.iter().map(|v| v.wire.clone().into()).collect()
        }
        TypeKind::IntegerEnum { variants } => variants.iter().map(|v| v.wire.into()).collect(),
        TypeKind::Struct { .. } | TypeKind::OneOf { .. } => Vec::new(),
    }
}

/// `Enum::Variant` for a wire value of an enum.
pub fn variant(api: &Api, ty: Option<&TypeRef>, wire: &serde_json::Value) -> Option<String> {
    let TypeRef::Named(id) = ty? else {
        return None;
    };
    let def = api.type_def(*id);
    let name = match &def.kind {
        TypeKind::StringEnum { variants } => variants
            .iter()
            .find(|v| Some(v.wire.as_str()) == wire.as_str())
            .map(|v| v.rust_name.clone()),
        TypeKind::IntegerEnum { variants } => variants
            .iter()
            .find(|v| Some(v.wire) == wire.as_i64())
            .map(|v| v.rust_name.clone()),
        _ => None,
    }?;
    Some(format!("{}::{name}", def.name))
}

/// Users build values of this struct, with `new` and setters (see `emit::types`): a new
/// required field changes `new`, a new optional one adds setters.
pub fn user_built(def: &TypeDef) -> bool {
    def.in_request
}
