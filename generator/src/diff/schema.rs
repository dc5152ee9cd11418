//! Walks the old and new schema of one parameter, body or response side by side, as the two
//! lowered models recorded them (the Rust type of every place, its properties, items, values
//! and branches), reading the keywords the models do not carry through the recorded pointers,
//! and reports each difference with its impact on users of the generated crate.

use std::collections::BTreeSet;

use serde_json::Value;

use super::changes::{Change, Impact};
use super::raw::{short, RawOperation, DOC_KEYS};
use super::rust;
use crate::model::{Api, ChildKey, Constraints, SchemaUse, TypeRef};

/// Which way values travel: users build requests, the server sends responses. The same spec
/// change means different things for each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Request,
    Response,
}

/// Bounds whose larger value accepts more (`true`) or less (`false`).
const LIMITS: [(&str, bool); 8] = [
    ("maximum", true),
    ("minimum", false),
    ("maxLength", true),
    ("minLength", false),
    ("maxItems", true),
    ("minItems", false),
    ("maxProperties", true),
    ("minProperties", false),
];

/// Other validation keywords: adding or changing one may reject values, removing one accepts
/// more.
const RULES: [&str; 5] = [
    "exclusiveMaximum",
    "exclusiveMinimum",
    "multipleOf",
    "pattern",
    "uniqueItems",
];

/// Keywords the walk handles itself; any other differing keyword gets a generic line.
const STRUCTURE: [&str; 12] = [
    "type",
    "format",
    "nullable",
    "properties",
    "required",
    "items",
    "additionalProperties",
    "enum",
    "oneOf",
    "anyOf",
    "allOf",
    "deprecated",
];

/// Where in a parameter, body or response a schema sits: `response` + `actions[].body`.
#[derive(Debug, Clone)]
pub struct Place {
    root: String,
    path: String,
}

impl Place {
    pub fn new(root: impl Into<String>, path: impl Into<String>) -> Self {
        Self {
            root: root.into(),
            path: path.into(),
        }
    }

    fn property(&self, name: &str) -> Self {
        let path = if self.path.is_empty() {
            name.to_string()
        } else {
            format!("{}.{name}", self.path)
        };
        Self::new(self.root.clone(), path)
    }

    fn suffixed(&self, suffix: &str) -> Self {
        Self::new(self.root.clone(), format!("{}{suffix}", self.path))
    }
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.root)
        } else {
            write!(f, "{} `{}`", self.root, self.path)
        }
    }
}

/// Differences found so far in one operation.
#[derive(Debug, Default)]
pub struct Report {
    pub changes: Vec<Change>,
    /// Places whose documentation text changed, reported together.
    pub docs: Vec<String>,
}

impl Report {
    pub fn push(&mut self, impact: Impact, text: String) {
        self.changes.push(Change { impact, text });
    }
}

/// The two models a walk looks Rust types up in.
#[derive(Clone, Copy)]
pub struct Models<'a> {
    pub old: &'a Api,
    pub new: &'a Api,
}

/// The two definitions a walk reads keywords from.
#[derive(Clone, Copy)]
pub struct Raws<'a> {
    pub old: &'a RawOperation<'a>,
    pub new: &'a RawOperation<'a>,
}

/// One side of the walk: what lowering recorded for a place, and the keywords written there.
#[derive(Clone, Copy)]
pub struct Side<'a> {
    pub used: &'a SchemaUse,
    pub schema: &'a Value,
    pub ty: Option<&'a TypeRef>,
}

pub struct Walk<'a, 'r> {
    pub models: Models<'a>,
    pub raws: Raws<'a>,
    pub direction: Direction,
    pub report: &'r mut Report,
    /// Pairs of shared children (a `$ref`'d component met again) already compared: a
    /// component used along many paths is compared once, at the first, so a `$ref` DAG costs
    /// its size and not its paths.
    pub compared: BTreeSet<(usize, usize)>,
}

impl Walk<'_, '_> {
    /// Compares two recorded schemas at `place`.
    pub fn schema_use(&mut self, place: &Place, old: &SchemaUse, new: &SchemaUse) {
        if !old.children.is_empty() || !new.children.is_empty() {
            let pair = (
                std::sync::Arc::as_ptr(&old.children) as usize,
                std::sync::Arc::as_ptr(&new.children) as usize,
            );
            if !self.compared.insert(pair) {
                return;
            }
        }
        let old_keywords = Value::Object(self.raws.old.merged(&old.pointers));
        let new_keywords = Value::Object(self.raws.new.merged(&new.pointers));
        self.schema(
            place,
            Side {
                used: old,
                schema: &old_keywords,
                ty: Some(&old.ty),
            },
            Side {
                used: new,
                schema: &new_keywords,
                ty: Some(&new.ty),
            },
        );
    }

    fn schema(&mut self, place: &Place, old: Side, new: Side) {
        // Equal schemas are still walked: a type renamed or merged elsewhere would change the
        // Rust API of an operation whose definition did not change, and that must show.
        self.docs(place, old.schema, new.schema);
        let rust_changed = self.rust_type(place, old, new);
        self.structure(place, old, new, rust_changed);
        self.enum_values(place, old, new);
        self.limits(place, &old.used.constraints, &new.used.constraints);
        self.others(place, old.schema, new.schema);
        self.properties(place, old, new, rust_changed);
        let items = (
            old.used.child(&ChildKey::Items),
            new.used.child(&ChildKey::Items),
        );
        if let (Some(old_items), Some(new_items)) = items {
            self.schema_use(&place.suffixed("[]"), old_items, new_items);
        }
        let old_values = old.schema.get("additionalProperties");
        let new_values = new.schema.get("additionalProperties");
        if !matches!(
            (old_values, new_values),
            (Some(Value::Object(_)), Some(Value::Object(_)))
        ) && old_values != new_values
            && !rust_changed
        {
            self.report.push(
                Impact::NonBreaking,
                format!(
                    "{place}: `additionalProperties` changes from {} to {}; the Rust type stays the same",
                    short(old_values),
                    short(new_values)
                ),
            );
        }
        let values = (
            old.used.child(&ChildKey::Values),
            new.used.child(&ChildKey::Values),
        );
        if let (Some(old_values), Some(new_values)) = values {
            self.schema_use(&place.suffixed("{}"), old_values, new_values);
        }
        self.branches(place, old, new);
    }

    fn docs(&mut self, place: &Place, old: &Value, new: &Value) {
        for key in DOC_KEYS {
            if old.get(key) != new.get(key) {
                let what = if key.starts_with("example") {
                    "example"
                } else {
                    key
                };
                self.report.docs.push(format!("{what} of {place}"));
            }
        }
    }

    /// Reports a different Rust type; returns whether there was one.
    fn rust_type(&mut self, place: &Place, old: Side, new: Side) -> bool {
        let (Some(old_ty), Some(new_ty)) = (old.ty, new.ty) else {
            return false;
        };
        let old_rust = rust::render(self.models.old, old_ty);
        let new_rust = rust::render(self.models.new, new_ty);
        if old_rust == new_rust {
            return false;
        }
        // A list or map whose element type changed is reported once, at the element.
        let both = |key: ChildKey| old.used.child(&key).is_some() && new.used.child(&key).is_some();
        match (old_ty, new_ty) {
            (TypeRef::Vec(_), TypeRef::Vec(_)) if both(ChildKey::Items) => return false,
            (TypeRef::Map(_), TypeRef::Map(_)) if both(ChildKey::Values) => return false,
            _ => {}
        }
        let listed = |names: Vec<&str>| -> String {
            let names: Vec<String> = names.iter().map(|k| format!("`{k}`")).collect();
            names.join(", ")
        };
        let mut reasons = Vec::new();
        match (properties(old.used), properties(new.used)) {
            (None, Some(new_props)) => reasons.push(format!(
                "the untyped object now declares its properties {}",
                listed(new_props)
            )),
            (Some(_), None) => reasons.push("the object no longer declares properties".into()),
            (Some(old_props), Some(new_props)) => {
                let gained: Vec<&str> = new_props
                    .iter()
                    .filter(|k| !old_props.contains(k))
                    .copied()
                    .collect();
                let lost: Vec<&str> = old_props
                    .iter()
                    .filter(|k| !new_props.contains(k))
                    .copied()
                    .collect();
                if !gained.is_empty() {
                    reasons.push(format!("the object gains {}", listed(gained)));
                }
                if !lost.is_empty() {
                    reasons.push(format!("the object loses {}", listed(lost)));
                }
            }
            (None, None) => {}
        }
        let existing = matches!(new_ty, TypeRef::Named(_))
            && self.models.old.types.iter().any(|t| t.name == new_rust);
        let merged = if existing {
            ", an existing type (a component the spec shares by `$ref`)".to_string()
        } else {
            String::new()
        };
        let reasons = if reasons.is_empty() {
            String::new()
        } else {
            format!("{}; ", reasons.join("; "))
        };
        self.report.push(
            Impact::Breaking,
            format!(
                "{place}: {reasons}its Rust type changes from `{old_rust}` to `{new_rust}`{merged}"
            ),
        );
        true
    }

    /// `type`, `format` and `nullable`: when the Rust type did not change they matter only to
    /// the server; when it is unknown (inside `oneOf`), a new type is assumed to break.
    fn structure(&mut self, place: &Place, old: Side, new: Side, rust_changed: bool) {
        for key in ["type", "format", "nullable"] {
            let (o, n) = (old.schema.get(key), new.schema.get(key));
            if o == n || rust_changed {
                continue;
            }
            let known = old.ty.is_some() && new.ty.is_some();
            let (impact, note) = if known {
                (Impact::NonBreaking, "; the Rust type stays the same")
            } else {
                (Impact::Breaking, "")
            };
            self.report.push(
                impact,
                format!(
                    "{place}: `{key}` changes from {} to {}{note}",
                    short(o),
                    short(n)
                ),
            );
        }
        let (o, n) = (
            flag(old.schema, "deprecated"),
            flag(new.schema, "deprecated"),
        );
        if o != n {
            let text = if n {
                format!("{place} is now deprecated")
            } else {
                format!("{place} is no longer deprecated")
            };
            self.report.push(Impact::NonBreaking, text);
        }
    }

    fn enum_values(&mut self, place: &Place, old: Side, new: Side) {
        let old_values = rust::enum_values(self.models.old, old.ty);
        let new_values = rust::enum_values(self.models.new, new.ty);
        if old_values.is_empty() || new_values.is_empty() {
            // A plain value becoming an enum (or back) changes the Rust type: reported there.
            return;
        }
        for value in &new_values {
            if !old_values.contains(value) {
                let variant = rust::variant(self.models.new, new.ty, value)
                    .map(|v| format!(" (variant `{v}`)"))
                    .unwrap_or_default();
                let why = match self.direction {
                    Direction::Response => {
                        "; values the crate does not know already decode into `UnknownValue`"
                    }
                    Direction::Request => "",
                };
                self.report.push(
                    Impact::Additive,
                    format!("{place}: new enum value `{value}`{variant}{why}"),
                );
            }
        }
        for value in &new_values {
            let variant = |api, ty| {
                rust::variant(api, ty, value)
                    .and_then(|v| v.rsplit_once("::").map(|(_, n)| n.to_string()))
            };
            let (before, after) = (
                variant(self.models.old, old.ty),
                variant(self.models.new, new.ty),
            );
            if let (Some(before), Some(after)) = (before, after) {
                if old_values.contains(value) && before != after {
                    self.report.push(
                        Impact::Breaking,
                        format!("{place}: the variant of `{value}` is renamed from `{before}` to `{after}`"),
                    );
                }
            }
        }
        for value in &old_values {
            if !new_values.contains(value) {
                let variant = rust::variant(self.models.old, old.ty, value)
                    .map(|v| format!("; variant `{v}` is gone"))
                    .unwrap_or_default();
                self.report.push(
                    Impact::Breaking,
                    format!("{place}: enum value `{value}` removed{variant}"),
                );
            }
        }
    }

    fn limits(&mut self, place: &Place, old: &Constraints, new: &Constraints) {
        for (key, larger_is_looser) in LIMITS {
            let (o, n) = (old.get(key), new.get(key));
            let (o, n) = (o.as_ref(), n.as_ref());
            if o == n {
                continue;
            }
            let looser = match (o.and_then(Value::as_f64), n.and_then(Value::as_f64)) {
                (Some(o), Some(n)) => (n > o) == larger_is_looser,
                (Some(_), None) => true,
                _ => false,
            };
            let verb = match (o, n) {
                (None, _) => format!("`{key}` {} added", short(n)),
                (_, None) => format!("`{key}` {} removed", short(o)),
                _ if (n.and_then(Value::as_f64) > o.and_then(Value::as_f64)) => {
                    format!("`{key}` raised from {} to {}", short(o), short(n))
                }
                _ => format!("`{key}` lowered from {} to {}", short(o), short(n)),
            };
            self.constraint(place, verb, looser);
        }
        for key in RULES {
            let (o, n) = (old.get(key), new.get(key));
            let (o, n) = (o.as_ref(), n.as_ref());
            if o != n {
                let verb = format!("`{key}` changes from {} to {}", short(o), short(n));
                self.constraint(place, verb, n.is_none());
            }
        }
    }

    fn constraint(&mut self, place: &Place, verb: String, looser: bool) {
        let (impact, note) = match (self.direction, looser) {
            (Direction::Request, true) => (
                Impact::Additive,
                "the API accepts more values; the Rust API is unchanged",
            ),
            (Direction::Request, false) => (
                Impact::Breaking,
                "the API may reject values it accepted before, although the Rust API is unchanged",
            ),
            (Direction::Response, _) => (
                Impact::NonBreaking,
                "the Rust types already hold any such value",
            ),
        };
        self.report
            .push(impact, format!("{place}: {verb} ({note})"));
    }

    fn others(&mut self, place: &Place, old: &Value, new: &Value) {
        let keys: BTreeSet<&String> = keys(old).chain(keys(new)).collect();
        for key in keys {
            let handled = STRUCTURE.contains(&key.as_str())
                || DOC_KEYS.contains(&key.as_str())
                || RULES.contains(&key.as_str())
                || LIMITS.iter().any(|(k, _)| k == key);
            if handled || old.get(key) == new.get(key) {
                continue;
            }
            self.report.push(
                Impact::NonBreaking,
                format!(
                    "{place}: `{key}` changes from {} to {} (not used by the generated crate)",
                    short(old.get(key)),
                    short(new.get(key))
                ),
            );
        }
    }

    /// Properties added, removed or changed. When the Rust type itself changed, added and
    /// removed properties were listed with it: the struct users see is another one.
    fn properties(&mut self, place: &Place, old: Side, new: Side, rust_changed: bool) {
        if properties(old.used).is_none() || properties(new.used).is_none() {
            // An object gaining or losing all its properties changes its Rust type: reported
            // there, property by property would repeat it.
            return;
        }
        let old_struct = rust::struct_def(self.models.old, old.ty);
        let new_struct = rust::struct_def(self.models.new, new.ty);
        let old_props: Vec<(&str, bool, &SchemaUse)> = old.used.properties().collect();
        for (name, new_required, new_prop) in new.used.properties() {
            let child = place.property(name);
            let new_field = rust::field(self.models.new, new.ty, name);
            let Some((_, old_required, old_prop)) = old_props.iter().find(|(n, ..)| *n == name)
            else {
                if rust_changed {
                    continue;
                }
                self.added_property(
                    &child,
                    name,
                    new_struct.map(|s| s.0),
                    new_field,
                    new_required,
                );
                continue;
            };
            let old_field = rust::field(self.models.old, old.ty, name);
            self.required_change(&child, *old_required, new_required, old_field, new_field);
            self.schema_use(&child, old_prop, new_prop);
        }
        for (name, ..) in &old_props {
            let still = new.used.properties().any(|(n, ..)| n == *name);
            if !still && !rust_changed {
                let field = rust::field(self.models.old, old.ty, name)
                    .zip(old_struct)
                    .map(|(field, (def, _))| {
                        format!("; field `{}::{}` is gone", def.name, field.rust_name)
                    })
                    .unwrap_or_default();
                self.report.push(
                    Impact::Breaking,
                    format!("{}: property removed{field}", place.property(name)),
                );
            }
        }
    }

    fn added_property(
        &mut self,
        place: &Place,
        name: &str,
        owner: Option<&crate::model::TypeDef>,
        field: Option<&crate::model::Field>,
        required: bool,
    ) {
        let kind = if required { "required" } else { "optional" };
        let Some((owner, field)) = owner.zip(field) else {
            // No Rust field to speak of: only a new required property can refuse requests
            // that worked.
            let impact = match (self.direction, required) {
                (Direction::Request, true) => Impact::Breaking,
                _ => Impact::Additive,
            };
            self.report
                .push(impact, format!("{place}: new {kind} property `{name}`"));
            return;
        };
        let rust_field = format!(
            "`{}::{}: {}`",
            owner.name,
            field.rust_name,
            rust::render_field(self.models.new, field)
        );
        // Every struct is `#[non_exhaustive]`; users build request types with `new` (the
        // required fields) and setters, so only a required field changes what they write.
        let (impact, note) = match (rust::user_built(owner), field.required) {
            (true, true) => (
                Impact::Breaking,
                format!("; `{}::new` takes it as a new argument", owner.name),
            ),
            (true, false) => (
                Impact::Additive,
                format!(
                    "; `{}` is `#[non_exhaustive]` and gains the setters `.{}()` and `.{}()`",
                    owner.name, field.setter, field.option_setter
                ),
            ),
            (false, _) => (
                Impact::Additive,
                format!(
                    "; `{}` is `#[non_exhaustive]`, users never build it",
                    owner.name
                ),
            ),
        };
        self.report.push(
            impact,
            format!("{place}: new {kind} property, field {rust_field}{note}"),
        );
    }

    fn required_change(
        &mut self,
        place: &Place,
        old_required: bool,
        new_required: bool,
        old_field: Option<&crate::model::Field>,
        new_field: Option<&crate::model::Field>,
    ) {
        if old_required == new_required {
            return;
        }
        let now = if new_required { "required" } else { "optional" };
        if let (Some(o), Some(n)) = (old_field, new_field) {
            if o.required != n.required {
                let old_rust = rust::render_field(self.models.old, o);
                let new_rust = rust::render_field(self.models.new, n);
                self.report.push(
                    Impact::Breaking,
                    format!(
                        "{place}: now {now}; the field changes from `{old_rust}` to `{new_rust}`"
                    ),
                );
                return;
            }
        }
        let impact = match (self.direction, new_required) {
            (Direction::Request, true) => Impact::Breaking,
            (Direction::Request, false) => Impact::Additive,
            (Direction::Response, _) => Impact::NonBreaking,
        };
        self.report.push(
            impact,
            format!("{place}: now {now} (the Rust field stays an `Option`, the property being nullable)"),
        );
    }

    fn branches(&mut self, place: &Place, old: Side, new: Side) {
        let old_list: Vec<&SchemaUse> = old.used.branches().collect();
        let new_list: Vec<&SchemaUse> = new.used.branches().collect();
        let keyword = ["oneOf", "anyOf"]
            .into_iter()
            .find(|k| new.schema.get(*k).is_some() || old.schema.get(*k).is_some())
            .unwrap_or("oneOf");
        if old_list.len() != new_list.len() {
            self.report.push(
                Impact::Breaking,
                format!(
                    "{place}: `{keyword}` has {} alternatives instead of {}",
                    new_list.len(),
                    old_list.len()
                ),
            );
        }
        for (i, (o, n)) in old_list.iter().zip(&new_list).enumerate() {
            self.schema_use(&place.suffixed(&format!("|{i}")), o, n);
        }
    }
}

/// The names of the properties lowering read, `None` when there are none.
fn properties(used: &SchemaUse) -> Option<Vec<&str>> {
    let names: Vec<&str> = used.properties().map(|(name, ..)| name).collect();
    (!names.is_empty()).then_some(names)
}

fn flag(value: &Value, key: &str) -> bool {
    value.get(key).and_then(Value::as_bool).unwrap_or(false)
}

fn keys(value: &Value) -> impl Iterator<Item = &String> {
    value.as_object().into_iter().flat_map(|map| map.keys())
}
