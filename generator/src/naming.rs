//! Every Rust name the generator invents comes from here: case conversion (heck), keyword and
//! digit escaping, and deterministic collision handling. The wire name always stays beside the
//! Rust name in the model, so serde renames are derived, never guessed.
//!
//! Every identifier starts from [`ascii_words`]: the spec may name things in any script, with
//! any punctuation, and rustc accepts far less (XID characters only, and lints on case and
//! confusable or non-ASCII identifiers), so names are ASCII, made of letters, digits and `_`.

use std::collections::{BTreeMap, BTreeSet};

use heck::{ToSnakeCase, ToUpperCamelCase};
use unicode_normalization::UnicodeNormalization;

use crate::model::{TypeKind, TypeRef};

/// Rust keywords (strict, reserved and edition-dependent) that cannot be plain identifiers.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "union", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// The catch-all variant of every generated enum, carrying a value the spec does not list.
pub const UNKNOWN_VARIANT: &str = "UnknownValue";

/// Longest type name we choose while a shorter unique one exists.
const MAX_TYPE_NAME: usize = 60;

/// Names no generated type may take, so they never shadow what the emitted code relies on.
pub const RESERVED_TYPE_NAMES: &[&str] = &[
    "Option",
    "Result",
    "Vec",
    "String",
    "Box",
    "Some",
    "None",
    "Ok",
    "Err",
    "Default",
    "Clone",
    "Copy",
    "Send",
    "Sync",
    "Sized",
    "Drop",
    "Fn",
    "FnMut",
    "FnOnce",
    "Iterator",
    "IntoIterator",
    "ToString",
    "ToOwned",
    "Eq",
    "PartialEq",
    "Ord",
    "PartialOrd",
    "Debug",
    "Hash",
    "From",
    "Into",
    "AsRef",
    "AsMut",
    "Extend",
    "Client",
    "Error",
    "Timestamp",
];

/// Methods every request builder has, which no argument or setter may shadow.
pub const BUILDER_METHODS: &[&str] = &[
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

pub fn is_keyword(name: &str) -> bool {
    KEYWORDS.contains(&name)
}

/// The words of a wire name in ASCII, separated by spaces, for heck to case: NFKC first
/// (`x²` → `x2`, full-width and ligature forms to their plain letters), then transliterated
/// (`é` → `e`, `Ж` → `Zh`, `٣` → `3`, by `deunicode`), then every character that is not an
/// ASCII letter or digit is a word break. ASCII names made of letters, digits and separators
/// come out as heck would see them anyway, so existing names do not move.
pub fn ascii_words(wire: &str) -> String {
    let normalised: String = wire.nfkc().collect();
    let ascii = if normalised.is_ascii() {
        normalised
    } else {
        deunicode::deunicode_with_tofu(&normalised, " ")
    };
    ascii
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect()
}

/// A snake_case identifier (field, parameter, method, module) for a wire name.
pub fn snake_ident(wire: &str) -> String {
    let mut name = ascii_words(wire).to_snake_case();
    if name.is_empty() {
        name = "value".into();
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    escape_keyword(name)
}

/// A PascalCase identifier for a wire name (type names, builder names).
pub fn pascal_ident(wire: &str) -> String {
    pascal_safe(ascii_words(wire).to_upper_camel_case())
}

/// A PascalCase name made valid: a leading digit gets `V`, the one capitalised keyword
/// (`Self`) becomes `SelfValue` (an `_` beside a letter would trip `non_camel_case_types`).
fn pascal_safe(mut name: String) -> String {
    if name.is_empty() {
        name = "Value".into();
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, 'V');
    }
    if is_keyword(&name) {
        name.push_str("Value");
    }
    name
}

/// A snake_case keyword gets a trailing `_` (`type_`).
fn escape_keyword(mut name: String) -> String {
    if is_keyword(&name) {
        name.push('_');
    }
    name
}

/// The name serde's `rename_all = "camelCase"` puts on the wire for a field, computed as
/// serde_derive does (PascalCase: drop every `_` and capitalise what follows it and the first
/// character; then lowercase the first character), so a field gets an explicit rename exactly
/// when its wire name differs (`_1` → `1` would lose the wire name `_1`).
pub fn serde_camel_case(field: &str) -> String {
    let mut pascal = String::with_capacity(field.len());
    let mut capitalize = true;
    for ch in field.chars() {
        if ch == '_' {
            capitalize = true;
        } else if capitalize {
            pascal.push(ch.to_ascii_uppercase());
            capitalize = false;
        } else {
            pascal.push(ch);
        }
    }
    match pascal.chars().next() {
        Some(first) => first.to_ascii_lowercase().to_string() + &pascal[first.len_utf8()..],
        None => pascal,
    }
}

/// Makes names unique in order: a repeated name gets `_2`, `_3`, … (snake) or `2`, `3`, … (Pascal).
pub fn dedupe_names(names: &mut [String], separator: &str) {
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for name in names.iter_mut() {
        if !seen.insert(name.clone()) {
            // `type_` + `_2` would be `type__2`, which `non_snake_case` refuses.
            let base = if separator == "_" {
                name.trim_end_matches('_').to_string()
            } else {
                name.clone()
            };
            let mut n = 2;
            while seen.contains(&format!("{base}{separator}{n}")) {
                n += 1;
            }
            *name = format!("{base}{separator}{n}");
            seen.insert(name.clone());
        }
    }
}

/// The scope of an operation without tags.
pub const DEFAULT_SCOPE: &str = "general";

/// Module and feature names a scope may not take: the generated crate's own files and modules
/// (`lib`, `main`, `client`, `types` and its `shared` group, `config`, the `runtime` re-export),
/// names that would shadow crates the code uses, folders cargo gives a meaning, and the
/// crate's own features (Cargo's `default`, our `full`).
pub const RESERVED_MODULE_NAMES: &[&str] = &[
    "lib",
    "main",
    "client",
    "types",
    "shared",
    "config",
    "runtime",
    "rt",
    "t",
    "build",
    "tests",
    "examples",
    "benches",
    "std",
    "core",
    "alloc",
    "serde",
    "serde_json",
    "meraki_runtime",
    "default",
    "full",
];

/// The module (and cargo feature) of every scope (an operation's first tag): snake_case; a
/// reserved name gets `_scope` (`client` → `client_scope`), and scopes that come out the same
/// (`a-b`, `a_b`) are told apart by `_2`, `_3`, … in scope order.
pub fn scope_modules<'a>(scopes: impl IntoIterator<Item = &'a str>) -> BTreeMap<String, String> {
    let scopes: BTreeSet<&str> = scopes.into_iter().collect();
    let mut names: Vec<String> = scopes
        .iter()
        .map(|scope| {
            let name = bounded(snake_ident(scope), MAX_MODULE_NAME);
            if RESERVED_MODULE_NAMES.contains(&name.trim_end_matches('_')) {
                format!("{}_scope", name.trim_end_matches('_'))
            } else {
                name
            }
        })
        .collect();
    dedupe_names(&mut names, "_");
    scopes.into_iter().map(String::from).zip(names).collect()
}

/// Longest module name: it is also a file name (`src/<module>.rs`, `src/types/<module>.rs`),
/// and file systems refuse names over 255 bytes.
const MAX_MODULE_NAME: usize = 64;

/// `name` cut to `max` bytes when longer, ending in `_` and a hash of the whole name so that
/// two long names sharing a beginning stay apart (deterministic: FNV-1a).
fn bounded(name: String, max: usize) -> String {
    if name.len() <= max {
        return name;
    }
    let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let keep = max - 9;
    let cut = name[..keep].trim_end_matches('_');
    format!("{cut}_{:08x}", hash as u32)
}

/// Methods of the generated `Client` (and the traits it derives) that no operation may take.
pub const RESERVED_METHOD_NAMES: &[&str] = &[
    "action_batches",
    "builder",
    "from_env",
    "runtime",
    "clone",
    "clone_from",
    "fmt",
    "from",
    "into",
];

/// The `Client` method of an operation; one that would shadow the client's own methods gets
/// `_operation` (`builder` → `builder_operation`).
pub fn method_name(operation_id: &str) -> String {
    let name = snake_ident(operation_id);
    if RESERVED_METHOD_NAMES.contains(&name.as_str()) {
        format!("{name}_operation")
    } else {
        name
    }
}

/// The request builder of an operation: its operationId in PascalCase, suffixed `Request`
/// where that is a reserved name (`getError` would shadow the crate's `Error`).
pub fn builder_name(operation_id: &str) -> String {
    let mut name = pascal_ident(operation_id);
    if RESERVED_TYPE_NAMES.contains(&name.as_str()) {
        name.push_str("Request");
    }
    name
}

/// snake_case names for the members of one parameter list or struct, in order, two wire names
/// of one spelling (`productType`, `product_type`) told apart by `_2`.
pub fn member_names<'a>(wire_names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut names: Vec<String> = wire_names.into_iter().map(snake_ident).collect();
    dedupe_names(&mut names, "_");
    names
}

/// The constructor of a request type: its required fields are the arguments.
pub const CONSTRUCTOR: &str = "new";

/// The setters of a request type's fields (by their member names): `name` and its `Option` twin
/// `set_name` (leading and trailing `_` dropped: `type_` → `set_type`, `_0` → `set_0`). A name the constructor or
/// an earlier setter took gets `_` until it is unique (`new` → `new_`, and a field `set_x`
/// beside `x` keeps `set_x` while `x`'s twin becomes `set_x_`).
pub fn setter_names(members: &[String]) -> Vec<(String, String)> {
    let mut taken: BTreeSet<String> = BTreeSet::from([CONSTRUCTOR.to_string()]);
    let mut claim = |mut name: String| {
        while taken.contains(&name) {
            name.push('_');
        }
        taken.insert(name.clone());
        name
    };
    // Plain setters first, so a field keeps its own name as its setter whatever its neighbours'
    // twins are called.
    let setters: Vec<String> = members.iter().map(|m| claim(m.clone())).collect();
    let twins: Vec<String> = members
        .iter()
        .map(|m| claim(format!("set_{}", m.trim_matches('_'))))
        .collect();
    setters.into_iter().zip(twins).collect()
}

/// The argument and setter names of an operation's inputs: its parameters (by their member
/// names, in model order), then the properties of an object body (by field name). A parameter
/// that would shadow a builder method gets `_param`; a body property that clashes with either
/// gets `body_`, and `_` until it is unique.
pub fn input_names(params: &[String], body_fields: &[String]) -> (Vec<String>, Vec<String>) {
    let mut taken: BTreeSet<String> = BUILDER_METHODS.iter().map(|s| s.to_string()).collect();
    let mut param_names = Vec::with_capacity(params.len());
    for param in params {
        let mut name = param.clone();
        if taken.contains(&name) {
            name = format!("{name}_param");
        }
        taken.insert(name.clone());
        param_names.push(name);
    }
    let mut field_names = Vec::with_capacity(body_fields.len());
    for field in body_fields {
        let mut name = field.clone();
        if taken.contains(&name) {
            name = format!("body_{name}");
        }
        while taken.contains(&name) {
            name.push('_');
        }
        taken.insert(name.clone());
        field_names.push(name);
    }
    (param_names, field_names)
}

/// Variant names of a `oneOf` type, one per distinct branch type, after what each holds
/// (`String`, `Object`, `List`, ...); `kind` tells what a named type is.
pub fn one_of_variant_names<'a>(
    types: &[TypeRef],
    kind: impl Fn(&TypeRef) -> Option<&'a TypeKind>,
) -> Vec<String> {
    let mut names: Vec<String> = types
        .iter()
        .map(|ty| {
            match ty {
                TypeRef::String => "String",
                TypeRef::Integer => "Integer",
                TypeRef::Float => "Number",
                TypeRef::Boolean => "Boolean",
                TypeRef::Timestamp => "Timestamp",
                TypeRef::Json => "Json",
                TypeRef::JsonObject | TypeRef::Map(_) => "Object",
                TypeRef::Unit => "Null",
                TypeRef::Vec(_) => "List",
                TypeRef::Named(_) => match kind(ty) {
                    Some(TypeKind::Struct { .. }) | None => "Object",
                    Some(TypeKind::StringEnum { .. } | TypeKind::IntegerEnum { .. }) => "Known",
                    Some(TypeKind::OneOf { .. }) => "Choice",
                },
            }
            .to_string()
        })
        .collect();
    dedupe_names(&mut names, "");
    names
}

/// Variant names for the values of a string enum: valid, readable, never colliding with each
/// other or with the catch-all variant. Values that only differ in case or punctuation
/// (`802.1X`, `802.1x`) keep their letters' case to stay apart.
pub fn string_variant_names(values: &[String]) -> Vec<String> {
    let mut names: Vec<String> = values.iter().map(|v| variant_name(v, false)).collect();
    let collide = |names: &[String]| -> BTreeSet<String> {
        let mut counts: BTreeMap<&String, usize> = BTreeMap::new();
        for name in names {
            *counts.entry(name).or_default() += 1;
        }
        counts
            .into_iter()
            .filter(|(_, n)| *n > 1)
            .map(|(name, _)| name.clone())
            .collect()
    };
    let colliding = collide(&names);
    if !colliding.is_empty() {
        for (name, value) in names.iter_mut().zip(values) {
            if colliding.contains(name) {
                *name = variant_name(value, true);
            }
        }
    }
    for name in names.iter_mut() {
        if name == UNKNOWN_VARIANT {
            name.push('_');
        }
    }
    dedupe_names(&mut names, "");
    names
}

/// Variant names for the values of an enum whose earlier names are pinned (wire value → name,
/// from the manifest): values still present keep their names, new values get the names
/// [`string_variant_names`] would give them, made unique against the pinned ones. `fresh` holds
/// those unpinned names, one per value.
pub fn pinned_variant_names(
    values: &[String],
    fresh: &[String],
    pinned: &BTreeMap<String, String>,
) -> Vec<String> {
    let mut taken: BTreeSet<String> = values
        .iter()
        .filter_map(|value| pinned.get(value).cloned())
        .collect();
    taken.insert(UNKNOWN_VARIANT.to_string());
    values
        .iter()
        .zip(fresh)
        .map(|(value, fresh)| {
            if let Some(name) = pinned.get(value) {
                return name.clone();
            }
            let mut name = fresh.clone();
            let mut n = 2;
            while taken.contains(&name) {
                name = format!("{fresh}{n}");
                n += 1;
            }
            taken.insert(name.clone());
            name
        })
        .collect()
}

/// Variant names for integer enum values: `V36` for 36, `Minus1` for -1.
pub fn integer_variant_names(values: &[i64]) -> Vec<String> {
    values
        .iter()
        .map(|v| {
            if *v < 0 {
                format!("Minus{}", v.unsigned_abs())
            } else {
                format!("V{v}")
            }
        })
        .collect()
}

fn variant_name(value: &str, keep_case: bool) -> String {
    let ascii = ascii_words(value);
    let words: Vec<&str> = ascii.split(' ').filter(|w| !w.is_empty()).collect();
    if words.is_empty() {
        return if value.is_empty() {
            "Empty".into()
        } else {
            "Symbol".into()
        };
    }
    let mut name = String::new();
    for word in words {
        let word = if keep_case {
            let mut chars = word.chars();
            let first = chars
                .next()
                .map(|c| c.to_uppercase().collect::<String>())
                .unwrap_or_default();
            first + chars.as_str()
        } else {
            word.to_upper_camel_case()
        };
        // `2.4` must not become `24`: keep digit groups apart (rustc's camel-case lint allows `_`
        // between digits).
        if name.ends_with(|c: char| c.is_ascii_digit())
            && word.starts_with(|c: char| c.is_ascii_digit())
        {
            name.push('_');
        }
        name.push_str(&word);
    }
    pascal_safe(name)
}

/// English singular of a PascalCase word, for naming the item type of an array (`statuses` →
/// `Status`, `policies` → `Policy`). Conservative: unknown forms are left alone.
pub fn singular(word: &str) -> String {
    let lower = word.to_ascii_lowercase();
    let strip = |n: usize, add: &str| format!("{}{}", &word[..word.len() - n], add);
    if lower.ends_with("ies") && word.len() > 4 {
        strip(3, "y")
    } else if lower.ends_with("sses")
        || lower.ends_with("uses")
        || lower.ends_with("xes")
        || lower.ends_with("ches")
    {
        strip(2, "")
    } else if lower.ends_with('s')
        && !lower.ends_with("ss")
        && !lower.ends_with("us")
        && !lower.ends_with("is")
        && word.len() > 3
    {
        strip(1, "")
    } else {
        word.to_string()
    }
}

/// Splits a camelCase or PascalCase identifier into PascalCase words.
pub fn pascal_words(identifier: &str) -> Vec<String> {
    ascii_words(identifier)
        .to_snake_case()
        .split('_')
        .filter(|w| !w.is_empty())
        .map(|w| w.to_upper_camel_case())
        .collect()
}

/// Where a type sits, as name segments from the outermost (operation) to the innermost
/// (property). Its name is chosen among the suffixes of these segments.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct NameHint {
    pub segments: Vec<String>,
    /// How many trailing segments a name must keep at least (a response named only `Status`
    /// says too little).
    pub min_segments: usize,
    /// Segments of a last-resort name that is unique by construction (it starts with the
    /// operationId), tried after every suffix of `segments`.
    pub fallback: Vec<String>,
}

impl NameHint {
    pub fn new(segments: Vec<String>, min_segments: usize) -> Self {
        Self {
            segments,
            min_segments,
            fallback: Vec::new(),
        }
    }

    pub fn with_fallback(mut self, fallback: Vec<String>) -> Self {
        self.fallback = fallback;
        self
    }

    /// The hint for something inside this one (a property, the items of an array).
    pub fn child(&self, segment: &str) -> Self {
        let mut segments = self.segments.clone();
        segments.push(segment.to_string());
        let mut fallback = self.fallback.clone();
        if !fallback.is_empty() {
            fallback.push(segment.to_string());
        }
        Self {
            segments,
            min_segments: 1,
            fallback,
        }
    }

    /// The same hint with the last segment replaced (e.g. by its singular).
    pub fn map_last(&self, f: impl Fn(&str) -> String) -> Self {
        let mut hint = self.clone();
        if let Some(last) = hint.segments.last_mut() {
            *last = f(last);
        }
        if let Some(last) = hint.fallback.last_mut() {
            *last = f(last);
        }
        hint
    }
}

/// Where type names come from: the segments each kind of place proposes.
impl NameHint {
    /// A parameter's type: after the operation's builder and the parameter.
    pub fn parameter(builder: &str, wire_name: &str) -> Self {
        Self::new(vec![builder.to_string(), pascal_ident(wire_name)], 1)
    }

    /// A request body: `{Builder}Request`.
    pub fn request_body(builder: &str) -> Self {
        Self::new(vec![format!("{builder}Request")], 1)
    }

    /// A GET response is named after what it returns (`getDeviceClients` → `DeviceClient`
    /// items); other responses after their operation (`CreateNetworkVlanResponse`) unless they
    /// have the shape of a GET response.
    pub fn response(operation_id: &str, method: &str) -> Self {
        let words = pascal_words(operation_id);
        let fallback = vec![format!("{}Response", pascal_ident(operation_id))];
        if method == "get" && words.len() > 1 && words[0] == "Get" {
            let segments: Vec<String> = words[1..].to_vec();
            let min_segments = if segments.len() >= 2 { 2 } else { 1 };
            Self::new(segments, min_segments).with_fallback(fallback)
        } else {
            Self::new(fallback, 1)
        }
    }

    /// A `#/components/schemas` entry: its name.
    pub fn component(name: &str) -> Self {
        Self::new(vec![pascal_ident(name)], 1)
    }

    /// A property of the type named by `self`.
    pub fn property(&self, wire_name: &str) -> Self {
        self.child(&pascal_ident(wire_name))
    }

    /// The items of an array named by `self`: the last segment in the singular, or with
    /// `Item` when it has no singular.
    pub fn items(&self) -> Self {
        self.map_last(|last| {
            let singular = singular(last);
            if singular == last {
                format!("{last}Item")
            } else {
                singular
            }
        })
    }

    /// The values of a map named by `self`.
    pub fn map_values(&self) -> Self {
        self.child("Value")
    }

    /// A `oneOf` branch of the type named by `self`.
    pub fn branch(&self) -> Self {
        self.map_last(|last| format!("{last}Variant"))
    }
}

impl NameHint {
    /// Candidate names, shortest first. Candidates that repeat a segment (`StatusStatus`) or are
    /// too long are skipped while a longer-but-better one remains.
    pub fn candidates(&self) -> Vec<String> {
        let n = self.segments.len();
        let min = self.min_segments.clamp(1, n.max(1));
        let mut candidates = Vec::new();
        for k in min..=n {
            let tail = &self.segments[n - k..];
            let repeats = tail.len() >= 2 && tail[0] == tail[1];
            let name = pascal_safe(tail.concat());
            if (repeats || name.len() > MAX_TYPE_NAME) && k < n {
                continue;
            }
            candidates.push(name);
        }
        if !self.fallback.is_empty() {
            let fallback = pascal_safe(self.fallback.concat());
            if !candidates.contains(&fallback) {
                candidates.push(fallback);
            }
        }
        if candidates.is_empty() {
            candidates.push("Value".into());
        }
        candidates
    }
}

/// Gives every type a unique name. Pinned types (by index; names kept from the manifest) keep
/// theirs, and nobody else may take them. At each level every type still unnamed proposes its
/// next candidate; a name is granted only when exactly one type proposes it and nobody holds it,
/// so the outcome does not depend on the order of the types. Types that run out of candidates
/// get a numeric suffix on their longest candidate, in input order.
pub fn assign_type_names(
    hints: &[NameHint],
    pinned: &BTreeMap<usize, String>,
    reserved: &BTreeSet<String>,
) -> Vec<String> {
    let candidates: Vec<Vec<String>> = hints.iter().map(NameHint::candidates).collect();
    let mut names: Vec<Option<String>> =
        (0..hints.len()).map(|i| pinned.get(&i).cloned()).collect();
    let mut taken: BTreeSet<String> = reserved.clone();
    taken.extend(pinned.values().cloned());
    let max_level = candidates.iter().map(Vec::len).max().unwrap_or(0);
    for level in 0..max_level {
        let mut proposals: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, list) in candidates.iter().enumerate() {
            if names[i].is_none() {
                if let Some(candidate) = list.get(level) {
                    proposals.entry(candidate).or_default().push(i);
                }
            }
        }
        for (name, proposers) in proposals {
            if proposers.len() == 1 && !taken.contains(name) {
                names[proposers[0]] = Some(name.to_string());
                taken.insert(name.to_string());
            }
        }
    }
    names
        .into_iter()
        .enumerate()
        .map(|(i, name)| {
            name.unwrap_or_else(|| {
                let base = candidates[i]
                    .last()
                    .cloned()
                    .unwrap_or_else(|| "Value".into());
                let mut n = 2;
                while taken.contains(&format!("{base}{n}")) {
                    n += 1;
                }
                let name = format!("{base}{n}");
                taken.insert(name.clone());
                name
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What rustc accepts without a lint: ASCII, a letter or `_` first, and for snake_case no
    /// uppercase and no `__`, for PascalCase no lowercase first letter and no `_` beside a letter.
    fn valid_snake(name: &str) -> bool {
        let trimmed = name.trim_matches('_');
        name.is_ascii()
            && !name.starts_with(|c: char| c.is_ascii_digit())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !trimmed.contains("__")
            && !trimmed.chars().any(|c| c.is_ascii_uppercase())
            && !is_keyword(name)
    }

    fn valid_pascal(name: &str) -> bool {
        let bytes = name.as_bytes();
        name.is_ascii()
            && name.starts_with(|c: char| c.is_ascii_uppercase())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !bytes.windows(2).any(|w| {
                (w[0] == b'_' && w[1].is_ascii_alphabetic())
                    || (w[1] == b'_' && w[0].is_ascii_alphabetic())
            })
            && !is_keyword(name)
    }

    #[test]
    fn names_from_any_script_are_valid_ascii_identifiers() {
        let wires = [
            "x²",
            "٣abc",
            "get_1a",
            "é",
            "Über",
            "ａｂｃ",
            "ﬁle",
            "раз",
            "Straße",
            "🙂",
            "",
            "_1",
            "self",
            "Self",
            "type",
            "a-b",
            "a_b",
            "802.1X",
            "__",
            "1",
            "crate",
            "fn",
        ];
        for wire in wires {
            let snake = snake_ident(wire);
            let pascal = pascal_ident(wire);
            assert!(valid_snake(&snake), "{wire:?} → snake {snake:?}");
            assert!(valid_pascal(&pascal), "{wire:?} → Pascal {pascal:?}");
            for variant in string_variant_names(&[wire.to_string()]) {
                assert!(valid_pascal(&variant), "{wire:?} → variant {variant:?}");
            }
        }
        assert_eq!(snake_ident("x²"), "x2");
        assert_eq!(pascal_ident("Über"), "Uber");
        assert_eq!(pascal_ident("self"), "SelfValue");
        assert_eq!(snake_ident("٣abc"), "_3abc");
        // ASCII names keep the spelling they always had.
        assert_eq!(snake_ident("productTypes[]"), "product_types");
        assert_eq!(pascal_ident("getNetworkClients"), "GetNetworkClients");
    }

    #[test]
    fn repeated_keyword_names_stay_snake_case() {
        let mut names = vec!["type_".to_string(), "type_".to_string()];
        dedupe_names(&mut names, "_");
        assert_eq!(names, ["type_", "type_2"]);
        assert!(names.iter().all(|n| valid_snake(n)));
    }

    #[test]
    fn serde_rename_is_needed_exactly_when_serde_would_spell_the_field_otherwise() {
        assert_eq!(serde_camel_case("network_id"), "networkId");
        assert_eq!(serde_camel_case("_1"), "1");
        assert_eq!(serde_camel_case("type_"), "type");
        assert_eq!(serde_camel_case("a__b"), "aB");
    }

    #[test]
    fn scopes_never_take_the_crate_s_own_module_or_feature_names() {
        let modules = scope_modules(["client", "types", "full", "default", "a-b", "a_b", "lib"]);
        assert_eq!(modules["client"], "client_scope");
        assert_eq!(modules["types"], "types_scope");
        assert_eq!(modules["full"], "full_scope");
        assert_eq!(modules["default"], "default_scope");
        assert_eq!(modules["lib"], "lib_scope");
        assert_eq!((&modules["a-b"][..], &modules["a_b"][..]), ("a_b", "a_b_2"));
        let distinct: BTreeSet<&String> = modules.values().collect();
        assert_eq!(distinct.len(), modules.len());
        assert_eq!(scope_modules(["networks"])["networks"], "networks");
        let long = "é".repeat(1000);
        let other = format!("{}b", "é".repeat(999));
        let modules = scope_modules([long.as_str(), other.as_str()]);
        assert!(modules
            .values()
            .all(|m| m.len() <= MAX_MODULE_NAME && valid_snake(m)));
        assert_ne!(modules[&long], modules[&other]);
    }

    #[test]
    fn operations_never_shadow_the_client_s_own_methods() {
        assert_eq!(method_name("builder"), "builder_operation");
        assert_eq!(method_name("fromEnv"), "from_env_operation");
        assert_eq!(method_name("getNetwork"), "get_network");
    }

    #[test]
    fn inputs_never_shadow_builder_methods_or_each_other() {
        let hatches: Vec<String> = ["send_json", "send_raw", "items_json", "body"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let (params, fields) = input_names(&hatches, &hatches);
        assert_eq!(
            params,
            [
                "send_json_param",
                "send_raw_param",
                "items_json_param",
                "body_param"
            ]
        );
        assert_eq!(
            fields,
            [
                "body_send_json",
                "body_send_raw",
                "body_items_json",
                "body_body"
            ]
        );
        let (params, fields) = input_names(
            &["name".into(), "body_name".into()],
            &["name".into(), "body_name".into()],
        );
        assert_eq!(params, ["name", "body_name"]);
        assert_eq!(fields, ["body_name_", "body_body_name"]);
        for name in BUILDER_METHODS {
            assert!(!params.contains(&name.to_string()) && !fields.contains(&name.to_string()));
        }
    }

    #[test]
    fn awkward_enum_values_get_valid_distinct_names() {
        let values: Vec<String> = [
            "",
            "802.1X",
            "802.1x",
            "2.4ghz",
            "1 Gbps",
            "0",
            "unknown",
            "UnknownValue",
            "self",
        ]
        .map(String::from)
        .into();
        let names = string_variant_names(&values);
        assert_eq!(
            names,
            [
                "Empty",
                "V802_1X",
                "V802_1x",
                "V2_4ghz",
                "V1Gbps",
                "V0",
                "Unknown",
                "UnknownValue_",
                "SelfValue"
            ]
        );
    }

    #[test]
    fn field_names_escape_keywords_and_digits() {
        assert_eq!(snake_ident("type"), "type_");
        assert_eq!(snake_ident("200"), "_200");
        assert_eq!(snake_ident("MV21/MV71"), "mv21_mv71");
        assert_eq!(snake_ident("productType"), "product_type");
        assert_eq!(serde_camel_case("product_type"), "productType");
    }

    #[test]
    fn singular_forms() {
        assert_eq!(singular("Statuses"), "Status");
        assert_eq!(singular("Policies"), "Policy");
        assert_eq!(singular("Clients"), "Client");
        assert_eq!(singular("Address"), "Address");
        assert_eq!(singular("Status"), "Status");
    }

    #[test]
    fn contested_short_names_go_to_nobody() {
        let hint = |s: &[&str]| NameHint::new(s.iter().map(|s| s.to_string()).collect(), 1);
        let names = assign_type_names(
            &[
                hint(&["Device", "Status"]),
                hint(&["Network", "Status"]),
                hint(&["Usage"]),
            ],
            &BTreeMap::new(),
            &BTreeSet::new(),
        );
        assert_eq!(names, ["DeviceStatus", "NetworkStatus", "Usage"]);
    }

    #[test]
    fn pinned_names_are_kept_and_withheld_from_others() {
        let hint = |s: &[&str]| NameHint::new(s.iter().map(|s| s.to_string()).collect(), 1);
        let pinned = BTreeMap::from([(0, "Status".to_string())]);
        let names = assign_type_names(
            &[hint(&["Device", "Status"]), hint(&["Network", "Status"])],
            &pinned,
            &BTreeSet::new(),
        );
        assert_eq!(names, ["Status", "NetworkStatus"]);
    }

    #[test]
    fn new_enum_values_never_take_a_pinned_variant_name() {
        let values: Vec<String> = ["802.1X", "802.1x"].map(String::from).into();
        let fresh = string_variant_names(&values);
        assert_eq!(fresh, ["V802_1X", "V802_1x"]);
        // Before `802.1x` was added, `802.1X` was named V802_1x; it keeps that name.
        let pinned = BTreeMap::from([("802.1X".to_string(), "V802_1x".to_string())]);
        let names = pinned_variant_names(&values, &fresh, &pinned);
        assert_eq!(names, ["V802_1x", "V802_1x2"]);
    }
}
