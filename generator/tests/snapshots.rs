//! Locks the emitted Rust for small fixture specs that cover the awkward constructs: review
//! changes with `cargo insta review`.

use std::path::Path;

use meraki_codegen::{generate, EmitOptions};

/// All files of one generation, each under a `=== path ===` line.
fn render(specs: &Path) -> String {
    let generated = generate(specs, &EmitOptions::default()).expect("fixture generates");
    let mut out = String::new();
    for (path, contents) in &generated.files {
        out.push_str(&format!("=== {path} ===\n{contents}\n"));
    }
    out
}

#[test]
fn fixture_output_is_locked() {
    insta::glob!("fixtures/*.json", |path| {
        insta::assert_snapshot!(render(path));
    });
}
