//! A structural mutator of OpenAPI inputs, for `cargo xtask fuzz` and `generator/tests/fuzz.rs`.
//!
//! A seed is a folder of JSON documents (complete OpenAPI 3.0 documents or documentation pages):
//! the generator's fixtures, the two pages of `specs/`, the robustness reproducers, and a few
//! operations sliced out of `specs/spec3-v1.42.0.json`. A mutant is a seed with one to four
//! mutations of its JSON tree: names (operationIds, tags, properties, parameters, enum values,
//! paths, schema names, status codes, media types) replaced with tricky strings, keys deleted or
//! duplicated (really, in the text, or as a near-duplicate such as `fooBar` beside `foo_bar`),
//! values of another JSON type, schemas nested deeper (arrays, objects, `allOf`/`oneOf`, `$ref`
//! chains, a `$ref` DAG, a cycle), `required` changed, enum values added, `info.version`
//! changed, operations cloned, subtrees spliced in from other seeds, strings with hostile
//! characters.
//!
//! Deterministic: input `n` of a run with seed `s` comes from `Rng::for_input(s, n)` alone, so
//! `cargo xtask fuzz --seed s --replay n` rebuilds it. Depends on `serde_json` only (the
//! generator's tests include this file with `#[path]`).

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

/// SplitMix64: small, fast, and the same sequence on every platform and version.
#[derive(Clone)]
pub struct Rng(u64);

impl Rng {
    /// The generator of input `n` of a run with `seed`.
    pub fn for_input(seed: u64, n: u64) -> Rng {
        let mut rng = Rng(seed ^ n.wrapping_mul(0xA24B_AED4_963E_E407));
        rng.next_u64();
        rng
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// True with probability `1 / n`.
    pub fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Names that have broken, or could break, the generator: Rust keywords and reserved names,
/// names of the crate's own modules, methods and features, names that are no identifier or that
/// collide after case conversion, non-ASCII and confusable letters, the empty string, a long one.
pub const TRICKY_NAMES: &[&str] = &[
    "Self",
    "self",
    "super",
    "crate",
    "type",
    "fn",
    "mod",
    "match",
    "async",
    "await",
    "dyn",
    "try",
    "yield",
    "macro",
    "union",
    "static",
    "ref",
    "move",
    "where",
    "impl",
    "trait",
    "struct",
    "enum",
    "loop",
    "box",
    "abstract",
    "final",
    "override",
    "priv",
    "typeof",
    "unsized",
    "virtual",
    "gen",
    "r#type",
    "_",
    "__",
    "_1",
    "1a",
    "1",
    "123",
    "a1",
    "get1a",
    "1_a",
    "x²",
    "٣abc",
    "é",
    "Über",
    "über",
    "ÜBER",
    "a-b",
    "a_b",
    "a b",
    "a.b",
    "a/b",
    "a~b",
    "a~1b",
    "a{b}",
    "{id}",
    "a?b",
    "a#b",
    "a\"b",
    "a'b",
    "a\\b",
    "a\nb",
    "a\tb",
    "a\u{0}b",
    "*/",
    "/*",
    "//",
    "<b>",
    "$ref",
    "аdmin",
    "Аdmin",
    "раураl",
    "ǅ",
    "ﬁ",
    "K",
    "Ω",
    "ℌ",
    "ⅸ",
    "🦀",
    "a🦀",
    "😀x",
    "\u{200b}",
    "\u{feff}a",
    "",
    " ",
    "client",
    "Client",
    "types",
    "lib",
    "main",
    "runtime",
    "full",
    "default",
    "builder",
    "Builder",
    "fromEnv",
    "from_env",
    "FromEnv",
    "send",
    "Send",
    "body",
    "Body",
    "request",
    "new",
    "build",
    "into_stream",
    "pages",
    "all",
    "Result",
    "Error",
    "Option",
    "Some",
    "None",
    "Vec",
    "String",
    "Box",
    "std",
    "core",
    "alloc",
    "serde",
    "serde_json",
    "meraki_runtime",
    "meraki",
    "Serialize",
    "Deserialize",
    "Default",
    "Debug",
    "Clone",
    "id",
    "ID",
    "Id",
    "iD",
    "value",
    "Value",
    "item",
    "Item",
    "items",
    "Items",
    "response",
    "Response",
    "Self_Item",
    "SelfItem",
    "type__2",
    "Self_2",
    "a",
    "A",
    "aA",
    "Aa",
    "AA",
    "getX",
    "get_x",
    "GetX",
    "GETX",
    "get-x",
    "x",
    "X",
    "serde-serialize",
    "serde-deserialize",
    "test",
    "tests",
    "examples",
    "build.rs",
    "Cargo",
    "README",
    "CHANGELOG",
    "mod.rs",
    "con",
    "nul",
    "aux",
];

fn long_name(rng: &mut Rng) -> String {
    let unit = *rng.pick(&["a", "Ab", "_x", "é", "9"]);
    unit.repeat(*rng.pick(&[64, 200, 1000, 5000]))
}

/// A tricky replacement for the name `old`.
pub fn tricky_name(rng: &mut Rng, old: &str) -> String {
    let word = *rng.pick(TRICKY_NAMES);
    match rng.below(10) {
        0..=4 => word.to_string(),
        5 => format!("{old}{word}"),
        6 => format!("{word}{old}"),
        7 => long_name(rng),
        8 => match rng.below(4) {
            0 => old.to_uppercase(),
            1 => old.to_lowercase(),
            2 => snake(old),
            _ => format!("{old}_"),
        },
        _ => {
            let mut chars: Vec<char> = old.chars().collect();
            let at = rng.below(chars.len() + 1);
            let c = *rng.pick(&['_', '-', '1', 'é', 'К', '²', ' ', '.', '$', '\'', '🦀']);
            chars.insert(at, c);
            chars.into_iter().collect()
        }
    }
}

fn snake(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// A seed: named documents (file name, parsed JSON).
#[derive(Clone)]
pub struct Seed {
    pub name: String,
    pub documents: Vec<(String, Value)>,
}

/// A mutant: named documents as text, and what was done to the seed.
#[derive(Clone)]
pub struct Mutant {
    pub seed: String,
    pub documents: Vec<(String, String)>,
    pub mutations: Vec<String>,
}

impl Mutant {
    /// Writes the documents into `dir` (created; emptied first).
    pub fn write(&self, dir: &Path) -> std::io::Result<()> {
        let _ = std::fs::remove_dir_all(dir);
        std::fs::create_dir_all(dir)?;
        for (name, text) in &self.documents {
            std::fs::write(dir.join(name), text)?;
        }
        Ok(())
    }

    /// What to write beside a saved failing input.
    pub fn describe(&self) -> String {
        let mut out = format!("seed: {}\nmutations:\n", self.seed);
        for m in &self.mutations {
            out.push_str(&format!("  - {m}\n"));
        }
        out
    }
}

/// Loads the seeds of the repository at `root`.
pub fn load_seeds(root: &Path) -> Result<Vec<Seed>, String> {
    let read = |path: &Path| -> Result<Value, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
    };
    let json_in = |dir: &Path| -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        files
    };
    let mut seeds = Vec::new();
    let fixtures = root.join("generator/tests/fixtures");
    let mut singles = json_in(&fixtures);
    singles.push(root.join("specs/getDeviceClients.json"));
    singles.push(root.join("specs/getOrganizationDevicesProvisioningStatuses.json"));
    for path in singles {
        seeds.push(Seed {
            name: path
                .strip_prefix(root)
                .unwrap_or(&path)
                .display()
                .to_string(),
            documents: vec![("api.json".into(), read(&path)?)],
        });
    }
    let mut folders: Vec<PathBuf> = vec![fixtures.join("evolution")];
    let mut reproducers: Vec<PathBuf> = std::fs::read_dir(fixtures.join("robustness"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    reproducers.sort();
    folders.extend(reproducers);
    for folder in folders {
        let documents = json_in(&folder)
            .iter()
            .map(|p| {
                Ok((
                    p.file_name().unwrap().to_string_lossy().into_owned(),
                    read(p)?,
                ))
            })
            .collect::<Result<Vec<_>, String>>()?;
        if documents.is_empty() {
            continue;
        }
        seeds.push(Seed {
            name: folder
                .strip_prefix(root)
                .unwrap_or(&folder)
                .display()
                .to_string(),
            documents,
        });
    }
    let full = root.join("specs/spec3-v1.42.0.json");
    if full.is_file() {
        seeds.extend(slice_operations(&read(&full)?, 12));
    }
    Ok(seeds)
}

/// `count` one-operation documents out of a complete document, evenly spread over its paths.
pub fn slice_operations(document: &Value, count: usize) -> Vec<Seed> {
    let Some(paths) = document["paths"].as_object() else {
        return Vec::new();
    };
    let mut operations: Vec<(&String, &String)> = Vec::new();
    for (path, item) in paths {
        for method in ["get", "post", "put", "delete", "patch"] {
            if let Some((m, _)) = item.as_object().and_then(|i| i.get_key_value(method)) {
                operations.push((path, m));
            }
        }
    }
    let step = (operations.len() / count.max(1)).max(1);
    operations
        .iter()
        .step_by(step)
        .take(count)
        .map(|(path, method)| {
            let item = &paths[*path];
            let mut sliced_item = Map::new();
            if let Some(parameters) = item.get("parameters") {
                sliced_item.insert("parameters".into(), parameters.clone());
            }
            sliced_item.insert((*method).clone(), item[method.as_str()].clone());
            let mut out = Map::new();
            for key in ["openapi", "info", "servers", "components", "security"] {
                if let Some(v) = document.get(key) {
                    out.insert(key.into(), v.clone());
                }
            }
            let mut sliced_paths = Map::new();
            sliced_paths.insert((*path).clone(), Value::Object(sliced_item));
            out.insert("paths".into(), Value::Object(sliced_paths));
            let id = item[method.as_str()]["operationId"]
                .as_str()
                .unwrap_or("operation")
                .to_string();
            Seed {
                name: format!("specs/spec3-v1.42.0.json#{id}"),
                documents: vec![("api.json".into(), Value::Object(out))],
            }
        })
        .collect()
}

/// One step of a JSON pointer.
#[derive(Clone, Debug, PartialEq)]
enum Step {
    Key(String),
    Index(usize),
}

type Pointer = Vec<Step>;

fn pointer_text(pointer: &[Step]) -> String {
    let mut out = String::new();
    for step in pointer {
        out.push('/');
        match step {
            Step::Key(k) => out.push_str(&k.replace('~', "~0").replace('/', "~1")),
            Step::Index(i) => out.push_str(&i.to_string()),
        }
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

fn every_pointer(value: &Value, at: &mut Pointer, out: &mut Vec<Pointer>) {
    out.push(at.clone());
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                at.push(Step::Key(k.clone()));
                every_pointer(v, at, out);
                at.pop();
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                at.push(Step::Index(i));
                every_pointer(v, at, out);
                at.pop();
            }
        }
        _ => {}
    }
}

fn get_mut<'a>(value: &'a mut Value, pointer: &[Step]) -> Option<&'a mut Value> {
    let mut current = value;
    for step in pointer {
        current = match step {
            Step::Key(k) => current.as_object_mut()?.get_mut(k)?,
            Step::Index(i) => current.as_array_mut()?.get_mut(*i)?,
        };
    }
    Some(current)
}

fn get<'a>(value: &'a Value, pointer: &[Step]) -> Option<&'a Value> {
    let mut current = value;
    for step in pointer {
        current = match step {
            Step::Key(k) => current.as_object()?.get(k)?,
            Step::Index(i) => current.as_array()?.get(*i)?,
        };
    }
    Some(current)
}

fn last_key(pointer: &[Step]) -> Option<&str> {
    match pointer.last() {
        Some(Step::Key(k)) => Some(k),
        _ => None,
    }
}

fn parent_key(pointer: &[Step]) -> Option<&str> {
    match pointer.len().checked_sub(2).map(|i| &pointer[i]) {
        Some(Step::Key(k)) => Some(k),
        _ => None,
    }
}

fn is_schema(value: &Value) -> bool {
    value.as_object().is_some_and(|o| {
        [
            "type",
            "$ref",
            "properties",
            "items",
            "allOf",
            "oneOf",
            "anyOf",
            "enum",
        ]
        .iter()
        .any(|k| o.contains_key(*k))
    })
}

/// Renames the key `old` of the object at `pointer` to `new`, keeping its place.
fn rename_key(doc: &mut Value, pointer: &[Step], old: &str, new: &str) {
    if let Some(Value::Object(map)) = get_mut(doc, pointer) {
        let entries = std::mem::take(map);
        for (k, v) in entries {
            if k == old {
                map.insert(new.to_string(), v);
            } else if k != new {
                map.insert(k, v);
            }
        }
    }
}

/// A text serialisation of `doc` in which the object at `at` holds its key `key` twice (the
/// second time with `value`): a duplicate key, which `serde_json::Value` cannot hold.
fn write_json(doc: &Value, duplicate: Option<&(Pointer, String, Value)>) -> String {
    fn write(
        value: &Value,
        at: &mut Pointer,
        dup: Option<&(Pointer, String, Value)>,
        out: &mut String,
    ) {
        match value {
            Value::Object(map) => {
                out.push('{');
                let mut first = true;
                for (k, v) in map {
                    if !first {
                        out.push(',');
                    }
                    first = false;
                    out.push_str(&serde_json::to_string(k).unwrap());
                    out.push(':');
                    at.push(Step::Key(k.clone()));
                    write(v, at, dup, out);
                    at.pop();
                }
                if let Some((p, key, extra)) = dup {
                    if p == at {
                        if !first {
                            out.push(',');
                        }
                        out.push_str(&serde_json::to_string(key).unwrap());
                        out.push(':');
                        out.push_str(&serde_json::to_string(extra).unwrap());
                    }
                }
                out.push('}');
            }
            Value::Array(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    at.push(Step::Index(i));
                    write(v, at, dup, out);
                    at.pop();
                }
                out.push(']');
            }
            leaf => out.push_str(&serde_json::to_string(leaf).unwrap()),
        }
    }
    let mut out = String::new();
    write(doc, &mut Vec::new(), duplicate, &mut out);
    out.push('\n');
    out
}

/// Builds input `n` of a run with `seed` out of `seeds` (deterministic).
pub fn mutant(seeds: &[Seed], seed: u64, n: u64) -> Mutant {
    let mut rng = Rng::for_input(seed, n);
    let chosen = &seeds[rng.below(seeds.len())];
    mutate(chosen, seeds, &mut rng)
}

/// One to four mutations of `seed` (splices take subtrees of `others`).
pub fn mutate(seed: &Seed, others: &[Seed], rng: &mut Rng) -> Mutant {
    let mut documents = seed.documents.clone();
    let mut mutations = Vec::new();
    let mut duplicate: Option<(usize, (Pointer, String, Value))> = None;
    let count = *rng.pick(&[1, 1, 1, 2, 2, 3, 4]);
    for _ in 0..count {
        let index = rng.below(documents.len());
        let (name, doc) = &mut documents[index];
        for _attempt in 0..8 {
            let described = match rng.below(16) {
                0..=3 => rename(doc, rng),
                4 => delete_key(doc, rng),
                5 => {
                    let (what, dup) = duplicate_key(doc, rng);
                    if let Some(dup) = dup {
                        duplicate = Some((index, dup));
                    }
                    what
                }
                6 => change_type(doc, rng),
                7 => deepen(doc, rng),
                8 => change_required(doc, rng),
                9 => add_enum_values(doc, rng),
                10 => change_version(doc, rng),
                11 => clone_operation(doc, rng),
                12 => splice(doc, others, rng),
                13 => collide(doc, rng),
                _ => hostile_string(doc, rng),
            };
            if let Some(what) = described {
                mutations.push(format!("{name}: {what}"));
                break;
            }
        }
    }
    // Now and then a second document beside the first: another seed's, or this one's at another
    // version with one more mutation (the documents are merged, newer operations replacing older).
    if rng.one_in(8) {
        let (name, doc) = &documents[0];
        let (mut extra, what) = if rng.one_in(2) {
            let other = rng.pick(others);
            (
                other.documents[0].1.clone(),
                format!("beside {}", other.name),
            )
        } else {
            (doc.clone(), format!("beside a copy of {name}"))
        };
        let version = *rng.pick(&["0.9.0", "1.0.0", "1.0.1", "2.0.0", "1.42.0", "1.43.0"]);
        set_info_version(&mut extra, version);
        if let Some(meta) = extra.get_mut("meta") {
            set_info_version(meta, version);
        }
        let changed = rename(&mut extra, rng).unwrap_or_default();
        mutations.push(format!(
            "second.json: {what} at version {version}, {changed}"
        ));
        documents.push(("second.json".into(), extra));
    }
    let documents = documents
        .iter()
        .enumerate()
        .map(|(i, (name, doc))| {
            let dup = duplicate
                .as_ref()
                .filter(|(at, _)| *at == i)
                .map(|(_, d)| d);
            (name.clone(), write_json(doc, dup))
        })
        .collect();
    Mutant {
        seed: seed.name.clone(),
        documents,
        mutations,
    }
}

/// The pointers of `doc` for which `keep(pointer, value)` holds.
fn sites(doc: &Value, keep: impl Fn(&[Step], &Value) -> bool) -> Vec<Pointer> {
    let mut all = Vec::new();
    every_pointer(doc, &mut Vec::new(), &mut all);
    all.into_iter()
        .filter(|p| get(doc, p).is_some_and(|v| keep(p, v)))
        .collect()
}

fn pick_site(
    doc: &Value,
    rng: &mut Rng,
    keep: impl Fn(&[Step], &Value) -> bool,
) -> Option<Pointer> {
    let found = sites(doc, keep);
    (!found.is_empty()).then(|| found[rng.below(found.len())].clone())
}

/// Replaces one name of the document with a tricky one.
fn rename(doc: &mut Value, rng: &mut Rng) -> Option<String> {
    match rng.below(10) {
        // A string value that is a name: an operationId, a tag, a parameter name, an enum value.
        0..=3 => {
            let site = pick_site(doc, rng, |p, v| {
                v.is_string()
                    && (matches!(last_key(p), Some("operationId"))
                        || matches!(parent_key(p), Some("tags") | Some("enum"))
                        || (matches!(last_key(p), Some("name"))
                            && p.iter().any(|s| {
                                *s == Step::Key("parameters".into())
                                    || *s == Step::Key("tags".into())
                            })))
            })?;
            let old = get(doc, &site)?.as_str()?.to_string();
            let new = tricky_name(rng, &old);
            *get_mut(doc, &site)? = Value::String(new.clone());
            // A path parameter renamed in its template too, mostly.
            if last_key(&site) == Some("name") && !rng.one_in(4) {
                rename_in_templates(doc, &old, &new);
            }
            Some(format!("name {} `{old}` -> {new:?}", pointer_text(&site)))
        }
        // A key that is a name: a property, a path, a schema, a status code, a media type.
        _ => {
            let site = pick_site(doc, rng, |p, v| {
                v.as_object().is_some_and(|o| !o.is_empty())
                    && matches!(
                        last_key(p),
                        Some("properties")
                            | Some("paths")
                            | Some("schemas")
                            | Some("responses")
                            | Some("content")
                    )
            })?;
            let keys: Vec<String> = get(doc, &site)?.as_object()?.keys().cloned().collect();
            let old = rng.pick(&keys).clone();
            let new = match last_key(&site) {
                Some("responses") => rng
                    .pick(&[
                        "2XX", "default", "201", "204", "299", "abc", "", "200 ", "0200",
                    ])
                    .to_string(),
                Some("content") => rng
                    .pick(&[
                        "text/plain",
                        "application/json; charset=utf-8",
                        "*/*",
                        "application/xml",
                        "",
                        "application/vnd.api+json",
                    ])
                    .to_string(),
                Some("paths") => {
                    let word = tricky_name(rng, "x");
                    match rng.below(4) {
                        0 => format!("{old}/{word}"),
                        1 => format!("/{word}"),
                        2 => format!("{old}/{{{word}}}"),
                        _ => word,
                    }
                }
                _ => tricky_name(rng, &old),
            };
            rename_key(doc, &site, &old, &new);
            if last_key(&site) == Some("schemas") {
                rename_refs(doc, &old, &new);
            }
            Some(format!("key {} `{old}` -> {new:?}", pointer_text(&site)))
        }
    }
}

fn rename_in_templates(doc: &mut Value, old: &str, new: &str) {
    let (from, to) = (format!("{{{old}}}"), format!("{{{new}}}"));
    if let Some(path) = doc.get_mut("spec").and_then(|s| s.get_mut("path")) {
        if let Some(p) = path.as_str().filter(|p| p.contains(&from)) {
            *path = Value::String(p.replace(&from, &to));
        }
    }
    let keys: Vec<String> = doc
        .get("paths")
        .and_then(Value::as_object)
        .map(|p| p.keys().filter(|k| k.contains(&from)).cloned().collect())
        .unwrap_or_default();
    for key in keys {
        rename_key(
            doc,
            &[Step::Key("paths".into())],
            &key,
            &key.replace(&from, &to),
        );
    }
}

fn rename_refs(value: &mut Value, old: &str, new: &str) {
    let (from, to) = (
        format!(
            "#/components/schemas/{}",
            old.replace('~', "~0").replace('/', "~1")
        ),
        format!(
            "#/components/schemas/{}",
            new.replace('~', "~0").replace('/', "~1")
        ),
    );
    fn walk(value: &mut Value, from: &str, to: &str) {
        match value {
            Value::Object(map) => {
                for (k, v) in map.iter_mut() {
                    if k == "$ref" && v.as_str() == Some(from) {
                        *v = Value::String(to.to_string());
                    } else {
                        walk(v, from, to);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| walk(v, from, to)),
            _ => {}
        }
    }
    walk(value, &from, &to);
}

fn delete_key(doc: &mut Value, rng: &mut Rng) -> Option<String> {
    let site = pick_site(doc, rng, |_, v| {
        v.as_object().is_some_and(|o| !o.is_empty())
    })?;
    let map = get_mut(doc, &site)?.as_object_mut()?;
    let keys: Vec<String> = map.keys().cloned().collect();
    let key = rng.pick(&keys).clone();
    map.shift_remove(&key);
    Some(format!(
        "delete {}/{key}",
        pointer_text(&site).trim_end_matches('/')
    ))
}

type Duplicate = (Pointer, String, Value);

fn duplicate_key(doc: &mut Value, rng: &mut Rng) -> (Option<String>, Option<Duplicate>) {
    let Some(site) = pick_site(doc, rng, |_, v| {
        v.as_object().is_some_and(|o| !o.is_empty())
    }) else {
        return (None, None);
    };
    let Some(map) = get_mut(doc, &site).and_then(Value::as_object_mut) else {
        return (None, None);
    };
    let keys: Vec<String> = map.keys().cloned().collect();
    let key = rng.pick(&keys).clone();
    let value = map[&key].clone();
    let at = pointer_text(&site);
    if rng.one_in(2) {
        // The same key twice in the text; the second value differs sometimes.
        let extra = if rng.one_in(2) {
            value
        } else {
            Value::String("duplicate".into())
        };
        (
            Some(format!("key {at}/{key} twice in the text")),
            Some((site, key, extra)),
        )
    } else {
        let twin = match rng.below(5) {
            0 => snake(&key),
            1 => key.to_uppercase(),
            2 => format!("{key}_"),
            3 => key.replace('_', "-"),
            _ => {
                // camelCase of a snake_case key, or the key with its first letter flipped.
                let mut chars: Vec<char> = key.chars().collect();
                if let Some(c) = chars.first_mut() {
                    *c = if c.is_uppercase() {
                        c.to_ascii_lowercase()
                    } else {
                        c.to_ascii_uppercase()
                    };
                }
                chars.into_iter().collect()
            }
        };
        map.insert(twin.clone(), value);
        (Some(format!("key {at}/{key} copied as {twin:?}")), None)
    }
}

fn other_value(rng: &mut Rng, old: &Value) -> Value {
    loop {
        let candidate = match rng.below(12) {
            0 => Value::Null,
            1 => Value::Bool(rng.one_in(2)),
            2 => Value::from(0),
            3 => Value::from(-1),
            4 => serde_json::json!(1.5),
            5 => serde_json::json!(1e300),
            6 => Value::from(u64::MAX),
            7 => Value::String(String::new()),
            8 => Value::String(tricky_name(rng, "x")),
            9 => serde_json::json!([]),
            10 => serde_json::json!({}),
            _ => match old {
                Value::String(s) => serde_json::json!([s]),
                Value::Array(a) => a.first().cloned().unwrap_or(Value::Null),
                Value::Object(_) => serde_json::json!([old]),
                _ => serde_json::json!({"type": "string"}),
            },
        };
        if std::mem::discriminant(&candidate) != std::mem::discriminant(old) || rng.one_in(4) {
            return candidate;
        }
    }
}

fn change_type(doc: &mut Value, rng: &mut Rng) -> Option<String> {
    let site = pick_site(doc, rng, |p, _| !p.is_empty())?;
    let target = get_mut(doc, &site)?;
    let new = other_value(rng, target);
    let shown = serde_json::to_string(&new).unwrap_or_default();
    *target = new;
    Some(format!(
        "value {} -> {}",
        pointer_text(&site),
        shown.chars().take(60).collect::<String>()
    ))
}

fn schema_sites(doc: &Value) -> Vec<Pointer> {
    sites(doc, |p, v| !p.is_empty() && is_schema(v))
}

fn deepen(doc: &mut Value, rng: &mut Rng) -> Option<String> {
    let found = schema_sites(doc);
    if found.is_empty() {
        return None;
    }
    let site = found[rng.below(found.len())].clone();
    let depth = *rng.pick(&[1, 1, 2, 3, 5, 8, 12, 16, 24, 32, 48]);
    let complete = doc.get("openapi").is_some();
    let how = rng.below(if complete { 9 } else { 6 });
    let schema = get(doc, &site)?.clone();
    let new = match how {
        0 => (0..depth).fold(schema, |s, _| serde_json::json!({"type": "array", "items": s})),
        1 => (0..depth).fold(schema, |s, i| {
            serde_json::json!({"type": "object", "properties": {format!("level{i}"): s}})
        }),
        2 => (0..depth).fold(schema, |s, _| serde_json::json!({"allOf": [s]})),
        3 => (0..depth).fold(schema, |s, i| {
            serde_json::json!({"oneOf": [s, {"type": if i % 2 == 0 {"string"} else {"integer"}}]})
        }),
        4 => (0..depth).fold(schema, |s, i| {
            if i % 2 == 0 {
                serde_json::json!({"type": "array", "items": s})
            } else {
                serde_json::json!({"type": "object", "properties": {"a": s}, "required": ["a"]})
            }
        }),
        5 => {
            let mut s = schema;
            if let Some(o) = s.as_object_mut() {
                o.insert("nullable".into(), Value::Bool(true));
                o.insert(
                    "additionalProperties".into(),
                    rng.pick(&[Value::Bool(true), serde_json::json!({"type": "integer"})]).clone(),
                );
            }
            s
        }
        // Complete documents only: schemas under components.
        6 => {
            // A $ref chain s0 -> s1 -> ... -> the schema.
            let names: Vec<String> = (0..depth).map(|i| format!("Chain{i}")).collect();
            let schemas = components_schemas(doc)?;
            for (i, name) in names.iter().enumerate() {
                let body = match names.get(i + 1) {
                    Some(next) => serde_json::json!({"$ref": format!("#/components/schemas/{next}")}),
                    None => schema.clone(),
                };
                schemas.insert(name.clone(), body);
            }
            serde_json::json!({"$ref": "#/components/schemas/Chain0"})
        }
        7 => {
            // A DAG: each level's two properties refer to the next level.
            let schemas = components_schemas(doc)?;
            for i in 0..depth {
                let next = if i + 1 == depth {
                    schema.clone()
                } else {
                    serde_json::json!({"$ref": format!("#/components/schemas/Dag{}", i + 1)})
                };
                schemas.insert(
                    format!("Dag{i}"),
                    serde_json::json!({"type": "object", "properties": {"left": next, "right": next}}),
                );
            }
            serde_json::json!({"$ref": "#/components/schemas/Dag0"})
        }
        _ => {
            // A cycle: a schema with a property of its own type (directly or in an array).
            let schemas = components_schemas(doc)?;
            let name = tricky_name(rng, "Node");
            let pointer = format!("#/components/schemas/{}", name.replace('~', "~0").replace('/', "~1"));
            schemas.insert(
                name.clone(),
                serde_json::json!({"type": "object", "properties": {
                    "value": schema,
                    "next": {"$ref": pointer},
                    "children": {"type": "array", "items": {"$ref": pointer}},
                }}),
            );
            serde_json::json!({"$ref": pointer})
        }
    };
    *get_mut(doc, &site)? = new;
    let kind = [
        "array",
        "object",
        "allOf",
        "oneOf",
        "array/object",
        "nullable",
        "$ref chain",
        "$ref DAG",
        "cycle",
    ][how];
    Some(format!("deepen {} by {kind} x{depth}", pointer_text(&site)))
}

fn components_schemas(doc: &mut Value) -> Option<&mut Map<String, Value>> {
    let root = doc.as_object_mut()?;
    let components = root
        .entry("components")
        .or_insert_with(|| serde_json::json!({}))
        .as_object_mut()?;
    components
        .entry("schemas")
        .or_insert_with(|| serde_json::json!({}))
        .as_object_mut()
}

fn change_required(doc: &mut Value, rng: &mut Rng) -> Option<String> {
    if rng.one_in(2) {
        // A parameter's `required` flipped (or a path parameter made optional).
        let site = pick_site(doc, rng, |p, v| {
            v.get("name").is_some() && v.get("in").is_some() && parent_key(p) == Some("parameters")
                || v.get("name").is_some()
                    && v.get("in").is_some()
                    && p.iter().any(|s| *s == Step::Key("parameters".into()))
        })?;
        let param = get_mut(doc, &site)?.as_object_mut()?;
        let now = param
            .get("required")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        param.insert("required".into(), Value::Bool(!now));
        return Some(format!("{}/required = {}", pointer_text(&site), !now));
    }
    let site = pick_site(doc, rng, |_, v| {
        v.get("properties").is_some_and(Value::is_object)
    })?;
    let object = get_mut(doc, &site)?.as_object_mut()?;
    let names: Vec<String> = object["properties"].as_object()?.keys().cloned().collect();
    let required: Value = match rng.below(4) {
        0 => Value::Array(names.iter().map(|n| Value::String(n.clone())).collect()),
        1 => serde_json::json!([]),
        2 => serde_json::json!(["doesNotExist"]),
        _ => Value::Array(
            names
                .iter()
                .filter(|_| rng.one_in(2))
                .map(|n| Value::String(n.clone()))
                .chain(std::iter::once(Value::String(
                    names.first().cloned().unwrap_or_default(),
                )))
                .collect(),
        ),
    };
    let shown = required.to_string();
    object.insert("required".into(), required);
    Some(format!(
        "{}/required = {}",
        pointer_text(&site).trim_end_matches('/'),
        shown.chars().take(60).collect::<String>()
    ))
}

fn add_enum_values(doc: &mut Value, rng: &mut Rng) -> Option<String> {
    let site = pick_site(doc, rng, |_, v| {
        v.get("enum").is_some_and(Value::is_array)
            || v.get("type").and_then(Value::as_str) == Some("string")
            || v.get("type").and_then(Value::as_str) == Some("integer")
    })?;
    let schema = get_mut(doc, &site)?.as_object_mut()?;
    let integer = schema.get("type").and_then(Value::as_str) == Some("integer");
    let values = schema
        .entry("enum")
        .or_insert_with(|| serde_json::json!([]));
    if !values.is_array() {
        *values = serde_json::json!([]);
    }
    let values = values.as_array_mut()?;
    let mut added = Vec::new();
    for _ in 0..1 + rng.below(4) {
        let value = if integer && !rng.one_in(4) {
            Value::from(*rng.pick(&[0i64, -1, 1, 7, i64::MAX, i64::MIN]))
        } else {
            match rng.below(4) {
                0 => values
                    .first()
                    .and_then(Value::as_str)
                    .map(|s| Value::String(s.to_uppercase()))
                    .unwrap_or(Value::String("A".into())),
                1 => values.first().cloned().unwrap_or(Value::String("a".into())),
                _ => Value::String(tricky_name(rng, "value")),
            }
        };
        added.push(value.to_string());
        values.push(value);
    }
    Some(format!(
        "enum {} += {}",
        pointer_text(&site),
        added.join(", ")
    ))
}

fn change_version(doc: &mut Value, rng: &mut Rng) -> Option<String> {
    let site = pick_site(doc, rng, |p, v| {
        last_key(p) == Some("version") && parent_key(p) == Some("info") && v.is_string()
            || last_key(p) == Some("openapi")
    })?;
    let new = *rng.pick(&[
        "",
        "1",
        "1.0",
        "v1.2.3",
        "1.2.3-beta.1",
        "1.2.3+build",
        "1\"2",
        "x\ny",
        "1'2",
        "1\\2",
        "99999999999999999999.0.0",
        "1.2.3.4",
        "0.0.0",
        "1.42.0",
        "1.43.0",
        "1.41.0",
        "3.1.0",
        "2.0",
        "3.0.3",
        "é",
        "1.2.3 ",
        " 1.2.3",
        "[1]",
        "1 = 2",
        "1.2.3\u{0}",
    ]);
    let old = get(doc, &site)?.clone();
    *get_mut(doc, &site)? = Value::String(new.into());
    Some(format!("{} {old} -> {new:?}", pointer_text(&site)))
}

fn clone_operation(doc: &mut Value, rng: &mut Rng) -> Option<String> {
    let paths = doc.get_mut("paths")?.as_object_mut()?;
    let keys: Vec<String> = paths.keys().cloned().collect();
    if keys.is_empty() {
        return None;
    }
    let path = rng.pick(&keys).clone();
    let item = paths.get(&path)?.as_object()?.clone();
    let methods: Vec<String> = item
        .keys()
        .filter(|k| ["get", "post", "put", "delete", "patch"].contains(&k.as_str()))
        .cloned()
        .collect();
    if methods.is_empty() {
        return None;
    }
    let method = rng.pick(&methods).clone();
    let mut operation = item[&method].clone();
    let same_id = rng.one_in(3);
    if !same_id {
        if let Some(id) = operation.get_mut("operationId") {
            let old = id.as_str().unwrap_or_default().to_string();
            *id = Value::String(if rng.one_in(2) {
                snake(&old)
            } else {
                format!("{old}{}", tricky_name(rng, ""))
            });
        }
    }
    let new_method = rng
        .pick(&["get", "post", "put", "delete", "patch"])
        .to_string();
    let new_path = if rng.one_in(2) {
        path.clone()
    } else {
        format!("{path}/copy")
    };
    let target = paths
        .entry(new_path.clone())
        .or_insert_with(|| serde_json::json!({}))
        .as_object_mut()?;
    target.insert(new_method.clone(), operation);
    Some(format!(
        "clone {method} {path} as {new_method} {new_path}{}",
        if same_id { " (same operationId)" } else { "" }
    ))
}

fn splice(doc: &mut Value, others: &[Seed], rng: &mut Rng) -> Option<String> {
    let other = rng.pick(others);
    let (_, donor) = rng.pick(&other.documents);
    let donor_sites = schema_sites(donor);
    let here = schema_sites(doc);
    if donor_sites.is_empty() || here.is_empty() {
        return None;
    }
    let from = rng.pick(&donor_sites).clone();
    let to = rng.pick(&here).clone();
    let mut piece = get(donor, &from)?.clone();
    // A $ref of the donor means nothing here: replace it.
    strip_refs(&mut piece);
    *get_mut(doc, &to)? = piece;
    Some(format!(
        "splice {}{} into {}",
        other.name,
        pointer_text(&from),
        pointer_text(&to)
    ))
}

fn strip_refs(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map.contains_key("$ref") {
                *value = serde_json::json!({"type": "string"});
            } else {
                map.values_mut().for_each(strip_refs);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(strip_refs),
        _ => {}
    }
}

fn hostile_string(doc: &mut Value, rng: &mut Rng) -> Option<String> {
    let site = pick_site(doc, rng, |_, v| v.is_string())?;
    let target = get_mut(doc, &site)?;
    let old = target.as_str()?.to_string();
    let piece = *rng.pick(&[
        "\"", "\\", "\n", "\r\n", "*/", "/*", "```", "</code>", "#", "?", "{", "}", "{}", "}}",
        "\u{0}", "\u{7f}", "\u{2028}", "é", "🦀", "#[doc]", "\"#", "r#\"", "$", "%", "%2F", "'",
        "\t", "  ", "[link]", "<", ">", "&", "\\u0000",
    ]);
    let chars: Vec<char> = old.chars().collect();
    let at = rng.below(chars.len() + 1);
    let new: String =
        chars[..at].iter().collect::<String>() + piece + &chars[at..].iter().collect::<String>();
    *target = Value::String(new);
    Some(format!("string {} gets {piece:?}", pointer_text(&site)))
}

fn set_info_version(doc: &mut Value, version: &str) {
    if let Some(v) = doc.get_mut("info").and_then(|i| i.get_mut("version")) {
        *v = Value::String(version.into());
    }
}

/// Gives two names of one kind (operationIds, tags, schema names, the properties of one object,
/// the values of one enum) spellings that differ only in case, separators or a suffix.
fn collide(doc: &mut Value, rng: &mut Rng) -> Option<String> {
    let (a, b) = match rng.below(3) {
        0 => ("fooBar", "foo_bar"),
        1 => ("a-b", "a_b"),
        _ => ("item", "Item"),
    };
    let (a, b) = match rng.below(4) {
        0 => (a.to_string(), b.to_string()),
        1 => ("list1a".into(), "list_1a".into()),
        2 => ("x".into(), "x_".into()),
        _ => ("getX".into(), "get_x".into()),
    };
    match rng.below(3) {
        // Two string names: operationIds or tags.
        0 => {
            let key = *rng.pick(&["operationId", "tags"]);
            let found = sites(doc, |p, v| {
                v.is_string()
                    && (last_key(p) == Some(key) || key == "tags" && parent_key(p) == Some("tags"))
            });
            if found.len() < 2 {
                return None;
            }
            let first = rng.below(found.len());
            let second = (first + 1 + rng.below(found.len() - 1)) % found.len();
            *get_mut(doc, &found[first])? = Value::String(a.clone());
            *get_mut(doc, &found[second])? = Value::String(b.clone());
            Some(format!(
                "collide {} = {a:?} and {} = {b:?}",
                pointer_text(&found[first]),
                pointer_text(&found[second])
            ))
        }
        // Two keys of one object: properties or schemas.
        1 => {
            let site = pick_site(doc, rng, |p, v| {
                v.as_object().is_some_and(|o| o.len() >= 2)
                    && matches!(last_key(p), Some("properties") | Some("schemas"))
            })?;
            let keys: Vec<String> = get(doc, &site)?.as_object()?.keys().cloned().collect();
            let first = keys[rng.below(keys.len())].clone();
            let second = keys.iter().find(|k| **k != first)?.clone();
            rename_key(doc, &site, &first, &a);
            rename_key(doc, &site, &second, &b);
            if last_key(&site) == Some("schemas") {
                rename_refs(doc, &first, &a);
                rename_refs(doc, &second, &b);
            }
            Some(format!(
                "collide keys {}: {a:?} and {b:?}",
                pointer_text(&site)
            ))
        }
        // Two values of one enum.
        _ => {
            let site = pick_site(doc, rng, |_, v| {
                v.get("enum")
                    .and_then(Value::as_array)
                    .is_some_and(|e| !e.is_empty())
            })?;
            let values = get_mut(doc, &site)?.get_mut("enum")?.as_array_mut()?;
            values.push(Value::String(a.clone()));
            values.push(Value::String(b.clone()));
            Some(format!(
                "collide enum {}: {a:?} and {b:?}",
                pointer_text(&site)
            ))
        }
    }
}
