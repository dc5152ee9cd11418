//! Bad input: every case gives an error naming the file and the JSON pointer, never a panic,
//! and leaves the output folder exactly as it was.

use std::path::{Path, PathBuf};

use meraki_codegen::{generate_into, EmitOptions};

const SEED: &str = include_str!("../../specs/getDeviceClients.json");

/// A specs folder holding the given documents, and an output folder with one existing file.
struct Case {
    _dir: tempfile::TempDir,
    specs: PathBuf,
    out: PathBuf,
}

impl Case {
    fn new(documents: &[(&str, String)]) -> Case {
        let dir = tempfile::tempdir().unwrap();
        let specs = dir.path().join("specs");
        std::fs::create_dir(&specs).unwrap();
        for (name, text) in documents {
            std::fs::write(specs.join(name), text).unwrap();
        }
        let out = dir.path().join("out");
        std::fs::create_dir_all(out.join("src")).unwrap();
        std::fs::write(out.join("src/lib.rs"), previous_output()).unwrap();
        Case {
            _dir: dir,
            specs,
            out,
        }
    }

    /// Runs the generator, expecting failure; checks the output folder is untouched and
    /// returns the error message.
    fn error(&self) -> String {
        let result = generate_into(&self.specs, &self.out, &EmitOptions::default());
        let error = result.expect_err("bad input must fail").to_string();
        assert_eq!(
            std::fs::read_to_string(self.out.join("src/lib.rs")).unwrap(),
            previous_output()
        );
        assert_eq!(listing(&self.out), ["src/lib.rs"], "nothing else written");
        let parent = self.out.parent().unwrap();
        let leftovers: Vec<_> = std::fs::read_dir(parent)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(
            leftovers.len(),
            2,
            "no staging folders left behind: {leftovers:?}"
        );
        error
    }
}

/// The root module of an earlier generation: it has the do-not-edit header, so the output
/// folder is one the generator may replace.
fn previous_output() -> String {
    let header = meraki_codegen::emit::HEADER.lines().next().unwrap();
    format!("// {header}\n// previous output\n")
}

fn listing(dir: &Path) -> Vec<String> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.path().is_dir() {
            files.extend(
                listing(&entry.path())
                    .into_iter()
                    .map(|f| format!("{name}/{f}")),
            );
        } else {
            files.push(name);
        }
    }
    files.sort();
    files
}

/// The seed page with `edit` applied to its JSON.
fn seed_with(edit: impl FnOnce(&mut serde_json::Value)) -> String {
    let mut value: serde_json::Value = serde_json::from_str(SEED).unwrap();
    edit(&mut value);
    value.to_string()
}

fn assert_mentions(error: &str, parts: &[&str]) {
    for part in parts {
        assert!(
            error.contains(part),
            "error `{error}` should mention `{part}`"
        );
    }
}

#[test]
fn malformed_json() {
    let case = Case::new(&[("broken.json", "{\"type\": \"api\", \"spec\": {".into())]);
    assert_mentions(&case.error(), &["broken.json", "malformed JSON", "line 1"]);
}

#[test]
fn neither_form() {
    let case = Case::new(&[("other.json", "{\"hello\": \"world\"}".into())]);
    assert_mentions(
        &case.error(),
        &[
            "other.json",
            "neither an OpenAPI 3.0 document",
            "documentation page",
        ],
    );
}

#[test]
fn missing_operation_id() {
    let text = seed_with(|v| {
        v["spec"].as_object_mut().unwrap().remove("operationId");
    });
    let case = Case::new(&[("page.json", text)]);
    assert_mentions(
        &case.error(),
        &["page.json", "/spec/operationId", "operationId"],
    );
}

#[test]
fn path_parameter_not_in_path() {
    let text = seed_with(|v| v["spec"]["path"] = "/devices/clients".into());
    let case = Case::new(&[("page.json", text)]);
    assert_mentions(
        &case.error(),
        &[
            "page.json",
            "/spec/parameters/0",
            "`serial` does not appear in the path",
        ],
    );
}

#[test]
fn path_placeholder_without_parameter() {
    let text = seed_with(|v| v["spec"]["path"] = "/devices/{serial}/clients/{clientId}".into());
    let case = Case::new(&[("page.json", text)]);
    assert_mentions(
        &case.error(),
        &[
            "page.json",
            "/spec/parameters",
            "no path parameter `clientId`",
        ],
    );
}

#[test]
fn unsupported_header_parameter() {
    let text = seed_with(|v| {
        v["spec"]["parameters"]
            .as_array_mut()
            .unwrap()
            .push(serde_json::json!({
                "name": "X-Trace", "in": "header", "schema": {"type": "string"}
            }))
    });
    let case = Case::new(&[("page.json", text)]);
    assert_mentions(
        &case.error(),
        &[
            "page.json",
            "/spec/parameters/3",
            "header parameter `X-Trace` is not supported",
        ],
    );
}

#[test]
fn unsupported_schema_construct() {
    let text = seed_with(|v| {
        v["spec"]["parameters"][1]["schema"] = serde_json::json!({"not": {"type": "string"}});
    });
    let case = Case::new(&[("page.json", text)]);
    assert_mentions(
        &case.error(),
        &[
            "page.json",
            "/spec/parameters/1/schema/not",
            "not supported",
        ],
    );
}

#[test]
fn wrong_type_inside_the_operation() {
    let text = seed_with(|v| v["spec"]["parameters"] = serde_json::json!({"name": "x"}));
    let case = Case::new(&[("page.json", text)]);
    assert_mentions(
        &case.error(),
        &[
            "page.json",
            "/spec/parameters",
            "not an OpenAPI 3.0 operation",
        ],
    );
}

#[test]
fn unsupported_openapi_version() {
    let case = Case::new(&[(
        "api.json",
        r#"{"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {}}"#.into(),
    )]);
    assert_mentions(
        &case.error(),
        &["api.json", "/openapi", "3.1.0 is not supported"],
    );
}

#[test]
fn the_same_operation_defined_differently_names_both_files() {
    let changed = seed_with(|v| v["spec"]["summary"] = "Something else".into());
    let case = Case::new(&[("a.json", SEED.into()), ("b.json", changed)]);
    assert_mentions(
        &case.error(),
        &[
            "a.json",
            "b.json",
            "getDeviceClients",
            "differently",
            "1.53.0",
        ],
    );
}

#[test]
fn the_same_route_under_two_operation_ids_names_both_files() {
    let renamed = seed_with(|v| v["spec"]["operationId"] = "listDeviceClients".into());
    let case = Case::new(&[("a.json", SEED.into()), ("b.json", renamed)]);
    assert_mentions(
        &case.error(),
        &["a.json", "b.json", "GET /devices/{serial}/clients"],
    );
}

#[test]
fn empty_folder() {
    let case = Case::new(&[]);
    assert_mentions(&case.error(), &["no *.json spec documents"]);
}

#[test]
fn identical_duplicates_are_merged() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.json"), SEED).unwrap();
    std::fs::write(dir.path().join("b.json"), SEED).unwrap();
    let generated = meraki_codegen::generate(dir.path(), &EmitOptions::default()).unwrap();
    assert_eq!(generated.api.operations.len(), 1);
}

#[test]
fn a_successful_run_replaces_the_output_folder() {
    let case = Case::new(&[("page.json", SEED.into())]);
    let generated = generate_into(&case.specs, &case.out, &EmitOptions::default()).unwrap();
    let expected: Vec<String> = generated.files.keys().cloned().collect();
    assert_eq!(listing(&case.out), expected);
}

fn document_with_response_schema(
    schema: serde_json::Value,
    components: serde_json::Value,
) -> String {
    serde_json::json!({
        "openapi": "3.0.1",
        "info": {"title": "t", "version": "1.0.0"},
        "paths": {"/things": {"get": {
            "operationId": "getThings",
            "tags": ["things"],
            "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": schema}}}}
        }}},
        "components": components
    })
    .to_string()
}

#[test]
fn dangling_schema_reference() {
    let text = document_with_response_schema(
        serde_json::json!({"$ref": "#/components/schemas/Missing"}),
        serde_json::json!({}),
    );
    let case = Case::new(&[("api.json", text)]);
    assert_mentions(
        &case.error(),
        &[
            "api.json",
            "/paths/~1things/get/responses/200/content/application~1json/schema",
            "names no schema",
        ],
    );
}

#[test]
fn recursive_schema() {
    let components = serde_json::json!({"schemas": {"Node": {
        "type": "object",
        "properties": {"children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}}}
    }}});
    let text = document_with_response_schema(
        serde_json::json!({"$ref": "#/components/schemas/Node"}),
        components,
    );
    let case = Case::new(&[("api.json", text)]);
    assert_mentions(
        &case.error(),
        &[
            "api.json",
            "/components/schemas/Node/properties/children/items",
            "recursive schema",
        ],
    );
}

#[test]
fn schema_references_name_their_types() {
    let components = serde_json::json!({"schemas": {"Thing": {
        "type": "object",
        "properties": {"id": {"type": "string"}}
    }}});
    let text = document_with_response_schema(
        serde_json::json!({"type": "array", "items": {"$ref": "#/components/schemas/Thing"}}),
        components,
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("api.json"), text).unwrap();
    let generated = meraki_codegen::generate(dir.path(), &EmitOptions::default()).unwrap();
    let names: Vec<&str> = generated
        .api
        .types
        .iter()
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(names, ["Thing"]);
}

// Hardening (issue 12): inputs found by fuzzing. Each error names the file and the exact JSON
// pointer, quickly; each accepted input generates what it says.

/// Asserts `error` is about `file` at exactly `pointer`.
fn assert_at(error: &str, file: &str, pointer: &str) {
    assert!(
        error.contains(&format!("{file} at {pointer}: ")),
        "error `{error}` should be at `{pointer}` of {file}"
    );
}

fn document_with_paths(paths: serde_json::Value, components: serde_json::Value) -> String {
    serde_json::json!({
        "openapi": "3.0.1",
        "info": {"title": "t", "version": "1.0.0"},
        "paths": paths,
        "components": components
    })
    .to_string()
}

const RESPONSE_SCHEMA: &str = "/paths/~1things/get/responses/200/content/application~1json/schema";

/// G03: each schema's two properties refer to the next, 24 levels: 2^24 paths through 24
/// schemas. Lowering follows each `$ref` once, so this takes milliseconds, not minutes.
#[test]
fn a_reference_graph_costs_its_size_not_its_paths() {
    let mut schemas = serde_json::Map::new();
    for level in 0..24 {
        let next = serde_json::json!({"$ref": format!("#/components/schemas/L{}", level + 1)});
        schemas.insert(
            format!("L{level}"),
            serde_json::json!({"type": "object", "properties": {"a": next, "b": next}}),
        );
    }
    schemas.insert(
        "L24".into(),
        serde_json::json!({"type": "object", "properties": {"leaf": {"type": "string"}}}),
    );
    let text = document_with_response_schema(
        serde_json::json!({"$ref": "#/components/schemas/L0"}),
        serde_json::json!({"schemas": schemas}),
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("api.json"), text).unwrap();
    let start = std::time::Instant::now();
    let generated = meraki_codegen::generate(dir.path(), &EmitOptions::default()).unwrap();
    let elapsed = start.elapsed();
    assert!(elapsed.as_secs_f64() < 2.0, "took {elapsed:?}");
    assert_eq!(generated.api.types.len(), 25);
    // Both uses of L1 record what lowering L1 on its own records, each behind its own `$ref`.
    let response = &generated.api.operations[0].response.schema;
    let uses: Vec<_> = response.properties().map(|(_, _, used)| used).collect();
    let (a, b) = (uses[0], uses[1]);
    assert_eq!(a.pointers[0], "/components/schemas/L0/properties/a");
    assert_eq!(b.pointers[0], "/components/schemas/L0/properties/b");
    assert_eq!(a.pointers[1..], ["/components/schemas/L1"]);
    assert_eq!(
        (&a.pointers[1..], &a.site, &a.ty),
        (&b.pointers[1..], &b.site, &b.ty)
    );
    assert!(
        std::sync::Arc::ptr_eq(&a.children, &b.children),
        "shared, not copied"
    );
    let deepest = (0..23).fold(a, |used, _| used.properties().next().unwrap().2);
    assert_eq!(deepest.pointers[1..], ["/components/schemas/L24"]);
}

/// G22: arrays and objects alternating 20 levels deep around a malformed leaf. openapiv3 reads
/// every schema through an untagged enum and re-reads a failed one, so this took minutes; the
/// shape check finds the leaf in one pass.
#[test]
fn a_malformed_schema_deep_inside_fails_fast_at_its_pointer() {
    let mut schema = serde_json::json!({"type": "object", "properties": 1});
    let mut pointer = String::new();
    for _ in 0..10 {
        schema = serde_json::json!({"type": "object", "properties": {"n": {"type": "array", "items": schema}}});
        pointer.insert_str(0, "/properties/n/items");
    }
    let case = Case::new(&[(
        "api.json",
        document_with_response_schema(schema, serde_json::json!({})),
    )]);
    let start = std::time::Instant::now();
    let error = case.error();
    let elapsed = start.elapsed();
    assert!(elapsed.as_secs_f64() < 2.0, "took {elapsed:?}");
    assert_at(
        &error,
        "api.json",
        &format!("{RESPONSE_SCHEMA}{pointer}/properties"),
    );
    assert_mentions(&error, &["expected an object, found a number `1`"]);
}

/// G21: a bad value deep inside one of several paths is reported where it is, not at `/paths`.
#[test]
fn a_bad_value_in_a_full_document_is_reported_where_it_is() {
    let ok = serde_json::json!({"get": {"operationId": "getA", "responses": {"200": {"description": "ok"}}}});
    let bad = serde_json::json!({"get": {
        "operationId": "getThings",
        "parameters": [{"name": "q", "in": "query", "required": "yes", "schema": {"type": "string"}}],
        "responses": {"200": {"description": "ok"}}
    }});
    let case = Case::new(&[(
        "api.json",
        document_with_paths(
            serde_json::json!({"/a": ok, "/things": bad}),
            serde_json::json!({}),
        ),
    )]);
    let error = case.error();
    assert_at(
        &error,
        "api.json",
        "/paths/~1things/get/parameters/0/required",
    );
    assert_mentions(&error, &["expected a boolean", "`\"yes\"`"]);

    let schema = serde_json::json!({"type": "object", "properties": {"a": "mod"}});
    let case = Case::new(&[(
        "api.json",
        document_with_response_schema(schema, serde_json::json!({})),
    )]);
    let error = case.error();
    assert_at(
        &error,
        "api.json",
        &format!("{RESPONSE_SCHEMA}/properties/a"),
    );
    assert_mentions(&error, &["expected a schema object, found a string"]);
}

/// G21b: the same in a documentation page, below `/spec/responses`.
#[test]
fn a_bad_value_in_a_page_is_reported_where_it_is() {
    let text = seed_with(|v| {
        v["spec"]["responses"]["200"]["content"]["application/json"]["schema"] = serde_json::json!({"type": "array", "items": {"type": "object", "properties": {"mac": "mod"}}});
    });
    let case = Case::new(&[("page.json", text)]);
    let error = case.error();
    assert_at(
        &error,
        "page.json",
        "/spec/responses/200/content/application~1json/schema/items/properties/mac",
    );
    let text = seed_with(|v| {
        v["spec"]["responses"]["200"]["content"]["application/json"]["schema"] = serde_json::json!({"type": "array", "items": {"type": "object", "required": ["mac", 3]}});
    });
    let error = Case::new(&[("page.json", text)]).error();
    assert_at(
        &error,
        "page.json",
        "/spec/responses/200/content/application~1json/schema/items/required/1",
    );
    assert_mentions(
        &error,
        &["not an OpenAPI 3.0 operation", "expected a string"],
    );
    let text = seed_with(|v| {
        v["spec"]["responses"]["200"]["content"]["application/json"]["schema"]["minItems"] =
            (-1).into();
    });
    let error = Case::new(&[("page.json", text)]).error();
    assert_at(
        &error,
        "page.json",
        "/spec/responses/200/content/application~1json/schema/minItems",
    );
    assert_mentions(
        &error,
        &["expected a non-negative integer, found a number `-1`"],
    );
}

/// G14: arrays nested 44 deep became `Vec<Vec<...>>` too deep for rustc; 32 levels is the limit
/// (they compile), in one document and through `$ref`s alike.
#[test]
fn schemas_nested_too_deeply_are_refused() {
    let nested = |levels: usize| {
        (1..levels).fold(
            serde_json::json!({"type": "integer"}),
            |items, _| serde_json::json!({"type": "array", "items": items}),
        )
    };
    let case = Case::new(&[(
        "api.json",
        document_with_response_schema(nested(44), serde_json::json!({})),
    )]);
    let error = case.error();
    assert_at(
        &error,
        "api.json",
        &format!("{RESPONSE_SCHEMA}{}", "/items".repeat(32)),
    );
    assert_mentions(&error, &["more than 32 levels"]);

    let dir = tempfile::tempdir().unwrap();
    let text = document_with_response_schema(nested(32), serde_json::json!({}));
    std::fs::write(dir.path().join("api.json"), text).unwrap();
    meraki_codegen::generate(dir.path(), &EmitOptions::default()).unwrap();

    // 40 components, each an array of the next: no document nests deeply, the types do.
    let mut schemas = serde_json::Map::new();
    for level in 0..40 {
        let next = serde_json::json!({"$ref": format!("#/components/schemas/A{}", level + 1)});
        schemas.insert(
            format!("A{level}"),
            serde_json::json!({"type": "array", "items": next}),
        );
    }
    schemas.insert("A40".into(), serde_json::json!({"type": "integer"}));
    let text = document_with_response_schema(
        serde_json::json!({"$ref": "#/components/schemas/A0"}),
        serde_json::json!({"schemas": schemas}),
    );
    let error = Case::new(&[("api.json", text)]).error();
    assert_at(&error, "api.json", "/components/schemas/A32");
    assert_mentions(&error, &["more than 32 levels deep (following $refs)"]);
}

/// G15: a path-level parameter missing from the template is named where it is declared.
#[test]
fn a_path_level_parameter_missing_from_the_template_is_named() {
    let path_string = |name: &str| serde_json::json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}});
    let paths = serde_json::json!({"/things/{a}": {
        "parameters": [path_string("b")],
        "get": {
            "operationId": "getThing",
            "parameters": [path_string("a")],
            "responses": {"200": {"description": "ok"}}
        }
    }});
    let case = Case::new(&[(
        "api.json",
        document_with_paths(paths, serde_json::json!({})),
    )]);
    let error = case.error();
    assert_at(&error, "api.json", "/paths/~1things~1{a}/parameters/0");
    assert_mentions(&error, &["`b` does not appear in the path"]);
}

/// G16: a query string or fragment in a path template would lose the arguments after it.
#[test]
fn a_template_with_a_query_or_fragment_is_refused() {
    for (path, escaped, bad) in [
        ("/things?id={id}", "/paths/~1things?id={id}", "`?`"),
        ("/things#{id}", "/paths/~1things#{id}", "`#`"),
    ] {
        let paths = serde_json::json!({path: {"get": {
            "operationId": "getThing",
            "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
            "responses": {"200": {"description": "ok"}}
        }}});
        let case = Case::new(&[(
            "api.json",
            document_with_paths(paths, serde_json::json!({})),
        )]);
        let error = case.error();
        assert_at(&error, "api.json", escaped);
        assert_mentions(&error, &[bad, "query string or fragment"]);
    }
    let text = seed_with(|v| v["spec"]["path"] = "/devices/{serial}/clients?x=1".into());
    let error = Case::new(&[("page.json", text)]).error();
    assert_at(&error, "page.json", "/spec/path");
}

/// G17: `$ref`s are URI fragments holding JSON pointers: `~1` is `/`, `~0` is `~`, and
/// percent-escapes are decoded first.
#[test]
fn references_decode_pointer_and_percent_escapes() {
    for (name, reference) in [
        ("a/b", "#/components/schemas/a~1b"),
        ("a~b", "#/components/schemas/a~0b"),
        ("a b/c", "#/components/schemas/a%20b~1c"),
    ] {
        let components = serde_json::json!({"schemas": {name: {
            "type": "object", "properties": {"id": {"type": "string"}}
        }}});
        let text =
            document_with_response_schema(serde_json::json!({"$ref": reference}), components);
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("api.json"), text).unwrap();
        let generated = meraki_codegen::generate(dir.path(), &EmitOptions::default())
            .unwrap_or_else(|e| panic!("{reference}: {e}"));
        let schema = &generated.api.operations[0].response.schema;
        let target = format!(
            "/components/schemas/{}",
            name.replace('~', "~0").replace('/', "~1")
        );
        assert_eq!(schema.pointers[1..], [target], "{reference}");
    }
    // An unescaped `/` points below a component, which is not a schema of the document.
    let components = serde_json::json!({"schemas": {"a/b": {"type": "string"}}});
    let text = document_with_response_schema(
        serde_json::json!({"$ref": "#/components/schemas/a/b"}),
        components,
    );
    let error = Case::new(&[("api.json", text)]).error();
    assert_at(&error, "api.json", RESPONSE_SCHEMA);
    assert_mentions(&error, &["names no schema"]);
}

/// G13: `info.version` is written into `Cargo.toml` as an escaped TOML string; one that is not
/// one word (the changelog's markers split on whitespace) is refused where it is.
#[test]
fn the_spec_version_is_escaped_in_cargo_toml() {
    let document = |version: &str| {
        serde_json::json!({
            "openapi": "3.0.1",
            "info": {"title": "t", "version": version},
            "paths": {"/things": {"get": {
                "operationId": "getThings", "responses": {"200": {"description": "ok"}}
            }}}
        })
        .to_string()
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("api.json"), document("1\"2\\x")).unwrap();
    let generated = meraki_codegen::generate(dir.path(), &EmitOptions::default()).unwrap();
    let manifest = &generated.files["Cargo.toml"];
    assert!(
        manifest.contains("\nspec-version = \"1\\\"2\\\\x\"\n"),
        "{manifest}"
    );
    assert!(
        manifest.contains("API v1\\\"2\\\\x, generated"),
        "{manifest}"
    );

    for version in ["x\ny", "1.0 beta", "1\u{7f}", "1-->", ""] {
        let error = Case::new(&[("api.json", document(version))]).error();
        assert_at(&error, "api.json", "/info/version");
    }
    let text = seed_with(|v| v["meta"]["info"]["version"] = "1\n2".into());
    let error = Case::new(&[("page.json", text)]).error();
    assert_at(&error, "page.json", "/meta/info/version");
}

#[test]
fn malformed_batchable_actions() {
    let with = |batchable: serde_json::Value| {
        let mut doc: serde_json::Value = serde_json::from_str(&document_with_response_schema(
            serde_json::json!({"type": "object"}),
            serde_json::json!({}),
        ))
        .unwrap();
        doc["x-batchable-actions"] = batchable;
        doc.to_string()
    };
    let case = Case::new(&[("api.json", with(serde_json::json!({"resource": "/things"})))]);
    assert_mentions(
        &case.error(),
        &["api.json", "/x-batchable-actions", "expected an array"],
    );
    let case = Case::new(&[(
        "api.json",
        with(
            serde_json::json!([{"resource": "/things", "operation": "create"}, {"resource": "/things"}]),
        ),
    )]);
    assert_mentions(
        &case.error(),
        &[
            "api.json",
            "/x-batchable-actions/1/operation",
            "non-empty string",
        ],
    );
    let case = Case::new(&[(
        "api.json",
        with(serde_json::json!([{"resource": "things", "operation": "create"}])),
    )]);
    assert_mentions(
        &case.error(),
        &["/x-batchable-actions/0/resource", "starting with `/`"],
    );
}
