//! `cargo xtask codegen`: regenerates the client crate, or checks that it is up to date.

use std::path::{Path, PathBuf};
use std::time::Instant;

use meraki_codegen::{output, Baseline, EmitOptions};

use crate::flags::CodegenFlags;
use crate::project_root;

pub fn run(flags: &CodegenFlags) -> Result<(), String> {
    let root = project_root();
    let specs = flags.specs.clone().unwrap_or_else(|| root.join("specs"));
    let out = flags
        .out
        .clone()
        .unwrap_or_else(|| root.join("generated-client"));
    if !flags.check {
        // Before anything is read or written: `--out` is replaced wholesale.
        output::check_target(&out, &specs).map_err(|e| e.to_string())?;
    }
    let options = emit_options(&root, &out)?;
    let start = Instant::now();
    // Names come from the output folder's manifest; the changelog compares with the specs of
    // the last commit that touched the output folder (see `meraki_codegen::baseline`).
    let (baseline, note) = Baseline::for_output(&out, &specs).map_err(|e| e.to_string())?;
    let generated =
        meraki_codegen::generate_with(&specs, &options, &baseline).map_err(|e| e.to_string())?;
    for warning in generated.warnings() {
        eprintln!("warning: {warning}");
    }
    // The whole-API conformance calls belong to the checked-in crate only.
    let conformance = if options.standalone {
        None
    } else {
        Some(conformance_calls(&root, &generated)?)
    };
    // The `meraki` command-line tool's operation table, from the same model.
    let cli_table = if options.standalone {
        None
    } else {
        let text = meraki_codegen::emit::operation_table_file(&generated.api)
            .map_err(|e| e.to_string())?;
        Some(repo_file(&root, meraki_codegen::emit::CLI_TABLE_FILE, text))
    };
    if flags.check {
        let mut differences: Vec<String> = output::check(&out, &generated.files)
            .map_err(|e| e.to_string())?
            .iter()
            .map(ToString::to_string)
            .collect();
        for (folder, files) in conformance.iter().chain(&cli_table) {
            let prefix = folder
                .strip_prefix(&root)
                .unwrap_or(folder)
                .display()
                .to_string();
            differences.extend(
                output::check(folder, files)
                    .map_err(|e| e.to_string())?
                    .into_iter()
                    .map(|d| format!("{d} (in {prefix}/)")),
            );
        }
        if !differences.is_empty() {
            let list: Vec<String> = differences.iter().map(|d| format!("  {d}")).collect();
            return Err(format!(
                "{} is out of date with {}:\n{}\nrun `cargo xtask codegen` and commit the result",
                out.display(),
                specs.display(),
                list.join("\n")
            ));
        }
        println!("{} is up to date: {}", out.display(), generated.summary());
        return Ok(());
    }
    let stale = !output::check(&out, &generated.files)
        .map_err(|e| e.to_string())?
        .is_empty();
    output::write_atomically(&out, &generated.files).map_err(|e| e.to_string())?;
    for (folder, files) in conformance.iter().chain(&cli_table) {
        output::write_atomically(folder, files).map_err(|e| e.to_string())?;
    }
    if stale && generated.new_changelog_entry {
        match &generated.changes {
            Some(changes) if changes.is_empty() => {}
            Some(changes) => println!("{}", changes.to_markdown(1)),
            // A first generation has nothing to compare with; a later one should have.
            None if baseline.changelog.is_none() => {}
            None => println!(
                "note: the changelog cannot list what changed: {}",
                note.as_deref().unwrap_or("no previous specs")
            ),
        }
    }
    println!(
        "{}, crate version {} in {:.2?} -> {}",
        generated.summary(),
        generated.crate_version,
        start.elapsed(),
        out.display()
    );
    Ok(())
}

/// The folder of the generated conformance calls (see `meraki_codegen::emit::every_operation_file`)
/// and its one file, for the API just generated.
fn conformance_calls(
    root: &Path,
    generated: &meraki_codegen::Generated,
) -> Result<(PathBuf, meraki_codegen::Files), String> {
    let text = meraki_codegen::emit::every_operation_file(&generated.specs, &generated.api)
        .map_err(|e| e.to_string())?;
    Ok(repo_file(
        root,
        meraki_codegen::emit::CONFORMANCE_FILE,
        text,
    ))
}

/// The folder of a generated file outside the crate (`path` relative to the repository root),
/// which holds that file only, and the file.
fn repo_file(root: &Path, path: &str, text: String) -> (PathBuf, meraki_codegen::Files) {
    let path = Path::new(path);
    let folder = root.join(path.parent().unwrap_or(Path::new("")));
    let name = path
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    (folder, [(name, text)].into_iter().collect())
}

/// The checked-in crate sits in the workspace next to the runtime; any other output folder is a
/// standalone crate pointing at the runtime by absolute path.
pub fn emit_options(root: &Path, out: &Path) -> Result<EmitOptions, String> {
    let out_abs = std::path::absolute(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let in_workspace = out_abs == root.join("generated-client");
    let runtime_path: PathBuf = if in_workspace {
        PathBuf::from("../runtime")
    } else {
        root.join("runtime")
    };
    Ok(EmitOptions {
        runtime_path: runtime_path.to_string_lossy().replace('\\', "/"),
        standalone: !in_workspace,
        ..EmitOptions::default()
    })
}
