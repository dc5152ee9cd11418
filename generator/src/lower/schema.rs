//! Lowers OpenAPI schemas into [`TypeRef`]s, one named Rust type per site (a place in one
//! operation, or a component the spec shares by `$ref`).
//!
//! Types are not shared by shape across sites. Sharing made a site's type depend on its
//! neighbours: when one site of a group grew (a response gaining a property) it left the group
//! and changed type, or took the group's name from a site that had not changed, so a bump broke
//! code the API did not break, and a wireless field could be typed after an appliance operation.
//! With one type per site, a site keeps its type for as long as it exists; the spec's own sharing
//! (`$ref` to a component) is kept, since there the spec says the places are one thing.

use std::borrow::Borrow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

use openapiv3::{
    AdditionalProperties, Components, ReferenceOr, Schema, SchemaKind, StringFormat, Type,
    VariantOrUnknownOrEmpty,
};

use crate::error::{Error, Location, Result};
use crate::model::{
    ChildKey, Constraints, Field, IntegerVariant, OneOfVariant, SchemaChild, SchemaUse, Site,
    StringVariant, TypeDef, TypeId, TypeKind, TypeRef,
};
use crate::naming::{self, NameHint};

/// How many schema objects may enclose one another once `$ref`s are followed: the limit
/// [`crate::shape`] puts on one document's nesting, for the same reason (the Rust types nest as
/// deeply, and rustc overflows on deep ones).
const MAX_DEPTH: usize = crate::shape::MAX_SCHEMA_DEPTH;

/// The structure of a named type, without its documentation: what a site lowered twice (a
/// component at each use) must agree on to stay one type.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Shape {
    Struct(Vec<(String, TypeRef, bool)>),
    StringEnum(BTreeSet<String>),
    IntegerEnum(BTreeSet<i64>),
    OneOf(Vec<TypeRef>),
}

/// Every named type met so far, with the hint its name will be chosen from.
#[derive(Debug, Default)]
pub struct TypeSpace {
    pub defs: Vec<TypeDef>,
    pub hints: Vec<NameHint>,
    by_site: BTreeMap<(Site, Shape), TypeId>,
    /// The operationId being lowered, recorded as the first use of new types.
    pub current_operation: String,
    /// `$ref`s being lowered, to refuse recursive schemas instead of overflowing the stack.
    resolving: Vec<String>,
    /// What each `$ref` lowered to, by document (its components and file) and reference: a
    /// component lowers to the same [`SchemaUse`] wherever it is used (its pointers and sites
    /// are its own, and interning its shapes again changes nothing), so a schema graph costs its
    /// size rather than the number of its paths. The children are shared, not copied.
    /// With each, how many levels of schema objects it nests (see `depth`).
    lowered: HashMap<(usize, PathBuf, String), (SchemaUse, usize)>,
    /// How many schema objects enclose the one being lowered, `$ref`s followed.
    depth: usize,
    /// The largest `depth` reached in the component being lowered.
    deepest: usize,
}

impl TypeSpace {
    fn intern(
        &mut self,
        shape: Shape,
        kind: TypeKind,
        description: Option<String>,
        origin: &Location,
        site: &Site,
        hint: NameHint,
    ) -> TypeRef {
        let key = (site.clone(), shape);
        if let Some(id) = self.by_site.get(&key) {
            let def = &mut self.defs[id.0];
            if def.description.is_none() {
                def.description = description;
            }
            return TypeRef::Named(*id);
        }
        let id = TypeId(self.defs.len());
        self.defs.push(TypeDef {
            name: String::new(),
            origin: origin.pointer.clone(),
            sites: vec![site.clone()],
            description,
            first_use: self.current_operation.clone(),
            kind,
            scopes: BTreeSet::new(),
            in_request: false,
            in_response: false,
        });
        self.hints.push(hint);
        self.by_site.insert(key, id);
        TypeRef::Named(id)
    }

    /// Lowers one schema found at `location`, naming any type it defines after `hint`, and
    /// records what it read there (see [`SchemaUse`]). Generic so both `ReferenceOr<Schema>`
    /// and the boxed form properties use are taken as they are, without copying a schema tree.
    pub fn lower<S: Borrow<Schema>>(
        &mut self,
        schema: &ReferenceOr<S>,
        location: &Location,
        site: &Site,
        hint: &NameHint,
        components: &Components,
    ) -> Result<SchemaUse> {
        match schema {
            ReferenceOr::Item(schema) => {
                self.lower_schema(schema.borrow(), location, site, hint, components)
            }
            ReferenceOr::Reference { reference } => {
                let mut used = self.lower_reference(reference, location, components)?;
                used.pointers.insert(0, location.pointer.clone());
                Ok(used)
            }
        }
    }

    fn lower_reference(
        &mut self,
        reference: &str,
        location: &Location,
        components: &Components,
    ) -> Result<SchemaUse> {
        const PREFIX: &str = "#/components/schemas/";
        if !reference.starts_with(PREFIX) {
            return Err(Error::input(
                location,
                format!(
                    "unsupported $ref `{reference}`: only #/components/schemas/... is supported"
                ),
            ));
        }
        let Some((name, schema)) = component_name(reference, PREFIX)
            .and_then(|name| components.schemas.get(&name).map(|schema| (name, schema)))
        else {
            return Err(Error::input(
                location,
                format!("$ref `{reference}` names no schema of this document"),
            ));
        };
        // The components' address tells documents apart even when two share a file name.
        let key = (
            components as *const Components as usize,
            location.file.clone(),
            reference.to_string(),
        );
        if let Some((used, height)) = self.lowered.get(&key) {
            // Too deep here: lowering it again finds where, and says so.
            if self.depth + height <= MAX_DEPTH {
                return Ok(used.clone());
            }
        }
        if self.resolving.iter().any(|r| r == reference) {
            return Err(Error::input(
                location,
                format!("recursive schema `{reference}` is not supported"),
            ));
        }
        self.resolving.push(reference.to_string());
        let hint = NameHint::component(&name);
        let target = Location::new(location.file.clone(), "/components/schemas").child(&name);
        let start = self.depth;
        let enclosing = std::mem::replace(&mut self.deepest, start);
        let result = self.lower(schema, &target, &Site::component(&name), &hint, components);
        let height = self.deepest - start;
        self.deepest = self.deepest.max(enclosing);
        self.resolving.pop();
        let used = result?;
        self.lowered.insert(key, (used.clone(), height));
        Ok(used)
    }

    fn lower_schema(
        &mut self,
        schema: &Schema,
        location: &Location,
        site: &Site,
        hint: &NameHint,
        components: &Components,
    ) -> Result<SchemaUse> {
        if let SchemaKind::AllOf { all_of } = &schema.schema_kind {
            if all_of.len() == 1 {
                let mut used = self.lower(
                    &all_of[0],
                    &location.child("allOf").child(0),
                    site,
                    hint,
                    components,
                )?;
                used.pointers.insert(0, location.pointer.clone());
                return Ok(used);
            }
        }
        if self.depth >= MAX_DEPTH {
            return Err(Error::input(
                location,
                format!(
                    "schemas nested more than {MAX_DEPTH} levels deep (following $refs) are not supported"
                ),
            ));
        }
        let mut children = Vec::new();
        self.depth += 1;
        self.deepest = self.deepest.max(self.depth);
        let ty = self.lower_kind(schema, location, site, hint, components, &mut children);
        self.depth -= 1;
        Ok(SchemaUse {
            site: site.clone(),
            pointers: vec![location.pointer.clone()],
            ty: ty?,
            constraints: constraints(&schema.schema_kind),
            children: Arc::new(children),
        })
    }

    /// The Rust type of a schema that is not a single-member `allOf`; the nested schemas it
    /// lowers are recorded in `children`.
    fn lower_kind(
        &mut self,
        schema: &Schema,
        location: &Location,
        site: &Site,
        hint: &NameHint,
        components: &Components,
        children: &mut Vec<SchemaChild>,
    ) -> Result<TypeRef> {
        let description = schema.schema_data.description.clone();
        match &schema.schema_kind {
            SchemaKind::Type(Type::String(string)) => {
                let values: Vec<String> = string.enumeration.iter().flatten().cloned().collect();
                if !values.is_empty() {
                    return Ok(self.string_enum(values, description, location, site, hint));
                }
                Ok(match &string.format {
                    VariantOrUnknownOrEmpty::Item(StringFormat::DateTime) => TypeRef::Timestamp,
                    _ => TypeRef::String,
                })
            }
            SchemaKind::Type(Type::Number(_)) => Ok(TypeRef::Float),
            SchemaKind::Type(Type::Integer(integer)) => {
                let values: Vec<i64> = integer.enumeration.iter().flatten().copied().collect();
                if values.is_empty() {
                    Ok(TypeRef::Integer)
                } else {
                    Ok(self.integer_enum(values, description, location, site, hint))
                }
            }
            SchemaKind::Type(Type::Boolean(_)) => Ok(TypeRef::Boolean),
            SchemaKind::Type(Type::Array(array)) => self.array(
                array.items.as_ref(),
                location,
                site,
                hint,
                components,
                children,
            ),
            SchemaKind::Type(Type::Object(object)) => self.object(
                &object.properties,
                &object.required,
                object.additional_properties.as_ref(),
                description,
                location,
                site,
                hint,
                components,
                children,
            ),
            SchemaKind::OneOf { one_of } => self.one_of(
                one_of,
                "oneOf",
                description,
                location,
                site,
                hint,
                components,
                children,
            ),
            SchemaKind::AnyOf { any_of } => self.one_of(
                any_of,
                "anyOf",
                description,
                location,
                site,
                hint,
                components,
                children,
            ),
            SchemaKind::AllOf { .. } => Err(Error::input(
                &location.child("allOf"),
                "allOf with several schemas is not supported",
            )),
            SchemaKind::Not { .. } => Err(Error::input(
                &location.child("not"),
                "`not` schemas are not supported",
            )),
            SchemaKind::Any(any) => {
                if !any.properties.is_empty() || any.additional_properties.is_some() {
                    self.object(
                        &any.properties,
                        &any.required,
                        any.additional_properties.as_ref(),
                        description,
                        location,
                        site,
                        hint,
                        components,
                        children,
                    )
                } else if let Some(items) = &any.items {
                    self.array(Some(items), location, site, hint, components, children)
                } else if !any.one_of.is_empty() {
                    self.one_of(
                        &any.one_of,
                        "oneOf",
                        description,
                        location,
                        site,
                        hint,
                        components,
                        children,
                    )
                } else if !any.any_of.is_empty() {
                    self.one_of(
                        &any.any_of,
                        "anyOf",
                        description,
                        location,
                        site,
                        hint,
                        components,
                        children,
                    )
                } else {
                    match any.typ.as_deref() {
                        Some("string") => Ok(TypeRef::String),
                        Some("integer") => Ok(TypeRef::Integer),
                        Some("number") => Ok(TypeRef::Float),
                        Some("boolean") => Ok(TypeRef::Boolean),
                        Some("object") => Ok(TypeRef::JsonObject),
                        Some("array") => Ok(TypeRef::Vec(Box::new(TypeRef::Json))),
                        None => Ok(TypeRef::Json),
                        Some(other) => Err(Error::input(
                            &location.child("type"),
                            format!("unknown schema type `{other}`"),
                        )),
                    }
                }
            }
        }
    }

    fn array(
        &mut self,
        items: Option<&ReferenceOr<Box<Schema>>>,
        location: &Location,
        site: &Site,
        hint: &NameHint,
        components: &Components,
        children: &mut Vec<SchemaChild>,
    ) -> Result<TypeRef> {
        let Some(items) = items else {
            return Ok(TypeRef::Vec(Box::new(TypeRef::Json)));
        };
        let item_hint = hint.items();
        let item = self.lower(
            items,
            &location.child("items"),
            &site.items(),
            &item_hint,
            components,
        )?;
        let ty = TypeRef::Vec(Box::new(item.ty.clone()));
        children.push(SchemaChild {
            key: ChildKey::Items,
            schema: item,
        });
        Ok(ty)
    }

    #[allow(clippy::too_many_arguments)]
    fn object(
        &mut self,
        properties: &indexmap::IndexMap<String, ReferenceOr<Box<Schema>>>,
        required: &[String],
        additional: Option<&AdditionalProperties>,
        description: Option<String>,
        location: &Location,
        site: &Site,
        hint: &NameHint,
        components: &Components,
        children: &mut Vec<SchemaChild>,
    ) -> Result<TypeRef> {
        if properties.is_empty() {
            return match additional {
                Some(AdditionalProperties::Schema(schema)) => {
                    let value_hint = hint.map_values();
                    let value = self.lower(
                        schema,
                        &location.child("additionalProperties"),
                        &site.values(),
                        &value_hint,
                        components,
                    )?;
                    let ty = TypeRef::Map(Box::new(value.ty.clone()));
                    children.push(SchemaChild {
                        key: ChildKey::Values,
                        schema: value,
                    });
                    Ok(ty)
                }
                _ => Ok(TypeRef::JsonObject),
            };
        }
        for name in required {
            if !properties.contains_key(name) {
                return Err(Error::input(
                    &location.child("required"),
                    format!("required property `{name}` is not among the properties"),
                ));
            }
        }
        let mut fields = Vec::with_capacity(properties.len());
        let properties_location = location.child("properties");
        for (wire_name, property) in properties {
            let property_location = properties_location.child(wire_name);
            let property_hint = hint.property(wire_name);
            let used = self.lower(
                property,
                &property_location,
                &site.property(wire_name),
                &property_hint,
                components,
            )?;
            let ty = used.ty.clone();
            children.push(SchemaChild {
                key: ChildKey::Property {
                    name: wire_name.clone(),
                    required: required.contains(wire_name),
                },
                schema: used,
            });
            let (description, nullable, deprecated) = match property {
                ReferenceOr::Item(schema) => (
                    schema.schema_data.description.clone(),
                    schema.schema_data.nullable,
                    schema.schema_data.deprecated,
                ),
                ReferenceOr::Reference { .. } => (None, false, false),
            };
            fields.push(Field {
                wire_name: wire_name.clone(),
                rust_name: String::new(),
                setter: String::new(),
                option_setter: String::new(),
                ty,
                required: required.contains(wire_name) && !nullable,
                description,
                deprecated,
            });
        }
        let rust_names = naming::member_names(fields.iter().map(|f| f.wire_name.as_str()));
        let setters = naming::setter_names(&rust_names);
        for ((field, rust_name), (setter, option_setter)) in
            fields.iter_mut().zip(rust_names).zip(setters)
        {
            field.rust_name = rust_name;
            field.setter = setter;
            field.option_setter = option_setter;
        }
        let mut shape: Vec<(String, TypeRef, bool)> = fields
            .iter()
            .map(|f| (f.wire_name.clone(), f.ty.clone(), f.required))
            .collect();
        shape.sort();
        Ok(self.intern(
            Shape::Struct(shape),
            TypeKind::Struct { fields },
            description,
            location,
            site,
            hint.clone(),
        ))
    }

    #[allow(clippy::too_many_arguments)]
    fn one_of(
        &mut self,
        schemas: &[ReferenceOr<Schema>],
        keyword: &str,
        description: Option<String>,
        location: &Location,
        site: &Site,
        hint: &NameHint,
        components: &Components,
        children: &mut Vec<SchemaChild>,
    ) -> Result<TypeRef> {
        let variants_location = location.child(keyword);
        let mut types: Vec<TypeRef> = Vec::new();
        for (i, schema) in schemas.iter().enumerate() {
            let variant_hint = hint.branch();
            let used = self.lower(
                schema,
                &variants_location.child(i),
                &site.branch(i),
                &variant_hint,
                components,
            )?;
            let ty = used.ty.clone();
            children.push(SchemaChild {
                key: ChildKey::Branch(i),
                schema: used,
            });
            if !types.contains(&ty) {
                types.push(ty);
            }
        }
        match types.len() {
            0 => Ok(TypeRef::Json),
            1 => Ok(types.remove(0)),
            _ => {
                let names = naming::one_of_variant_names(&types, |ty| {
                    ty.named().map(|id| &self.defs[id.0].kind)
                });
                let variants = names
                    .into_iter()
                    .zip(types.iter().cloned())
                    .map(|(rust_name, ty)| OneOfVariant { rust_name, ty })
                    .collect();
                Ok(self.intern(
                    Shape::OneOf(types),
                    TypeKind::OneOf { variants },
                    description,
                    location,
                    site,
                    hint.clone(),
                ))
            }
        }
    }

    fn string_enum(
        &mut self,
        mut values: Vec<String>,
        description: Option<String>,
        location: &Location,
        site: &Site,
        hint: &NameHint,
    ) -> TypeRef {
        let mut seen = BTreeSet::new();
        values.retain(|v| seen.insert(v.clone()));
        let names = naming::string_variant_names(&values);
        let variants = values
            .iter()
            .zip(names)
            .map(|(wire, rust_name)| StringVariant {
                wire: wire.clone(),
                rust_name,
            })
            .collect();
        self.intern(
            Shape::StringEnum(seen),
            TypeKind::StringEnum { variants },
            description,
            location,
            site,
            hint.clone(),
        )
    }

    fn integer_enum(
        &mut self,
        mut values: Vec<i64>,
        description: Option<String>,
        location: &Location,
        site: &Site,
        hint: &NameHint,
    ) -> TypeRef {
        let mut seen = BTreeSet::new();
        values.retain(|v| seen.insert(*v));
        let names = naming::integer_variant_names(&values);
        let variants = values
            .iter()
            .zip(names)
            .map(|(wire, rust_name)| IntegerVariant {
                wire: *wire,
                rust_name,
            })
            .collect();
        self.intern(
            Shape::IntegerEnum(seen),
            TypeKind::IntegerEnum { variants },
            description,
            location,
            site,
            hint.clone(),
        )
    }
}

/// The component name a local `$ref` names under `prefix` (`#/components/schemas/`), decoded:
/// the reference is a URI fragment holding a JSON pointer, so percent-escapes are decoded first
/// and then the pointer escapes `~1` (`/`) and `~0` (`~`). `None` when the reference is not
/// under `prefix`, points below a component (an unescaped `/`), or decodes to no valid text.
pub(super) fn component_name(reference: &str, prefix: &str) -> Option<String> {
    let escaped = reference.strip_prefix(prefix)?;
    let bytes = escaped.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = escaped.get(i + 1..i + 3)?;
            decoded.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            decoded.push(bytes[i]);
            i += 1;
        }
    }
    let token = String::from_utf8(decoded).ok()?;
    if token.contains('/') {
        return None;
    }
    let mut name = String::with_capacity(token.len());
    let mut chars = token.chars();
    while let Some(c) = chars.next() {
        if c == '~' {
            match chars.next() {
                Some('0') => name.push('~'),
                Some('1') => name.push('/'),
                _ => return None,
            }
        } else {
            name.push(c);
        }
    }
    Some(name)
}

/// The validation keywords of a schema, whatever its type.
fn constraints(kind: &SchemaKind) -> Constraints {
    let float = |n: f64| {
        // Whole numbers as written (`maximum: 100`, not `100.0`), so messages quote the spec.
        if n.fract() == 0.0 && n.abs() < 9.0e15 {
            Some(serde_json::Number::from(n as i64))
        } else {
            serde_json::Number::from_f64(n)
        }
    };
    let mut c = Constraints::default();
    match kind {
        SchemaKind::Type(Type::String(s)) => {
            c.min_length = s.min_length;
            c.max_length = s.max_length;
            c.pattern = s.pattern.clone();
        }
        SchemaKind::Type(Type::Number(n)) => {
            c.minimum = n.minimum.and_then(float);
            c.maximum = n.maximum.and_then(float);
            c.exclusive_minimum = n.exclusive_minimum;
            c.exclusive_maximum = n.exclusive_maximum;
            c.multiple_of = n.multiple_of.and_then(float);
        }
        SchemaKind::Type(Type::Integer(i)) => {
            c.minimum = i.minimum.map(serde_json::Number::from);
            c.maximum = i.maximum.map(serde_json::Number::from);
            c.exclusive_minimum = i.exclusive_minimum;
            c.exclusive_maximum = i.exclusive_maximum;
            c.multiple_of = i.multiple_of.map(serde_json::Number::from);
        }
        SchemaKind::Type(Type::Array(a)) => {
            c.min_items = a.min_items;
            c.max_items = a.max_items;
            c.unique_items = a.unique_items;
        }
        SchemaKind::Type(Type::Object(o)) => {
            c.min_properties = o.min_properties;
            c.max_properties = o.max_properties;
        }
        SchemaKind::Any(any) => {
            c.minimum = any.minimum.and_then(float);
            c.maximum = any.maximum.and_then(float);
            c.exclusive_minimum = any.exclusive_minimum.unwrap_or(false);
            c.exclusive_maximum = any.exclusive_maximum.unwrap_or(false);
            c.multiple_of = any.multiple_of.and_then(float);
            c.min_length = any.min_length;
            c.max_length = any.max_length;
            c.pattern = any.pattern.clone();
            c.min_items = any.min_items;
            c.max_items = any.max_items;
            c.unique_items = any.unique_items.unwrap_or(false);
            c.min_properties = any.min_properties;
            c.max_properties = any.max_properties;
        }
        SchemaKind::Type(Type::Boolean(_))
        | SchemaKind::OneOf { .. }
        | SchemaKind::AnyOf { .. }
        | SchemaKind::AllOf { .. }
        | SchemaKind::Not { .. } => {}
    }
    c
}
