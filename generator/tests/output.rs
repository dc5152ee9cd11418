//! The output writer keeps what is not generated (`examples/`, `target/`, `Cargo.lock`) across
//! regenerations, and an error leaves the output folder exactly as it was, kept entries included.

use std::collections::BTreeMap;
use std::path::Path;

use meraki_codegen::output;
use meraki_codegen::Files;

fn files(pairs: &[(&str, &str)]) -> Files {
    pairs
        .iter()
        .map(|(path, contents)| (path.to_string(), contents.to_string()))
        .collect()
}

/// Every file below `root` (kept entries included) and its contents.
fn tree(root: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let relative = path.strip_prefix(root).unwrap().to_string_lossy();
                out.insert(
                    relative.replace('\\', "/"),
                    std::fs::read_to_string(&path).unwrap(),
                );
            }
        }
    }
    out
}

/// Names in `dir`, to see that no staging or backup folder is left behind.
fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A generated crate with a hand-written example, a build folder and a lock file.
fn crate_with_kept_entries(parent: &Path) -> std::path::PathBuf {
    let out = parent.join("client");
    output::write_atomically(
        &out,
        &files(&[("src/lib.rs", "// v1\n"), ("Cargo.toml", "v1\n")]),
    )
    .unwrap();
    std::fs::create_dir_all(out.join("examples")).unwrap();
    std::fs::write(out.join("examples/inventory.rs"), "fn main() {}\n").unwrap();
    std::fs::create_dir_all(out.join("target/debug")).unwrap();
    std::fs::write(out.join("target/debug/build.log"), "built\n").unwrap();
    std::fs::write(out.join("Cargo.lock"), "# lock\n").unwrap();
    out
}

#[test]
fn examples_survive_a_regeneration_and_check_ignores_them() {
    let dir = tempfile::tempdir().unwrap();
    let out = crate_with_kept_entries(dir.path());
    let v2 = files(&[("src/lib.rs", "// v2\n"), ("Cargo.toml", "v2\n")]);
    assert!(!output::check(&out, &v2).unwrap().is_empty());

    output::write_atomically(&out, &v2).unwrap();

    assert_eq!(
        tree(&out),
        files(&[
            ("Cargo.lock", "# lock\n"),
            ("Cargo.toml", "v2\n"),
            ("examples/inventory.rs", "fn main() {}\n"),
            ("src/lib.rs", "// v2\n"),
            ("target/debug/build.log", "built\n"),
        ])
    );
    // Not generated, so neither stale nor extra.
    assert_eq!(output::check(&out, &v2).unwrap(), []);
    assert_eq!(entries(dir.path()), ["client"]);
}

#[test]
fn a_failed_swap_leaves_the_folder_and_its_kept_entries_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let out = crate_with_kept_entries(dir.path());
    let before = tree(&out);
    // The swap first renames `out` to this backup path; a file there makes that rename fail
    // after the kept entries have been carried into the staging folder.
    let backup = dir
        .path()
        .join(format!(".client.codegen-old-{}", std::process::id()));
    std::fs::write(&backup, "in the way\n").unwrap();

    let error = output::write_atomically(&out, &files(&[("src/lib.rs", "// v2\n")]));

    assert!(error.is_err(), "the swap should have failed");
    assert_eq!(tree(&out), before);
    // Spelled out: the build folder and lock file went into the staging folder and came back.
    assert_eq!(
        std::fs::read_to_string(out.join("target/debug/build.log")).unwrap(),
        "built\n"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("Cargo.lock")).unwrap(),
        "# lock\n"
    );
    std::fs::remove_file(&backup).unwrap();
    assert_eq!(
        entries(dir.path()),
        ["client"],
        "the staging folder is left behind"
    );
}

#[test]
fn a_failed_carry_over_puts_back_what_was_already_carried() {
    let dir = tempfile::tempdir().unwrap();
    let out = crate_with_kept_entries(dir.path());
    let before = tree(&out);
    // A generated file inside `examples/` occupies the staging folder's `examples`, so carrying
    // `examples` over fails after `target` and `Cargo.lock` have been moved.
    let clashing = files(&[("src/lib.rs", "// v2\n"), ("examples/generated.rs", "\n")]);

    assert!(output::write_atomically(&out, &clashing).is_err());

    assert_eq!(tree(&out), before);
    assert_eq!(entries(dir.path()), ["client"]);
}

#[test]
fn a_leftover_staging_folder_holding_kept_entries_is_not_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let out = crate_with_kept_entries(dir.path());
    let before = tree(&out);
    // What a run killed between carrying the kept entries over and the swap leaves behind (a
    // later run can have the same process id, in a container for instance).
    let staging = dir
        .path()
        .join(format!(".client.codegen-new-{}", std::process::id()));
    std::fs::create_dir_all(staging.join("examples")).unwrap();
    std::fs::write(staging.join("examples/only_copy.rs"), "fn main() {}\n").unwrap();
    let stranded = tree(&staging);

    let error = output::write_atomically(&out, &files(&[("src/lib.rs", "// v2\n")]))
        .expect_err("a staging folder holding kept entries must stop the run");

    assert!(error.to_string().contains("`examples`"), "{error}");
    assert_eq!(tree(&staging), stranded);
    assert_eq!(tree(&out), before);
}

#[test]
fn a_leftover_staging_folder_of_generated_files_only_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let out = crate_with_kept_entries(dir.path());
    let staging = dir
        .path()
        .join(format!(".client.codegen-new-{}", std::process::id()));
    std::fs::create_dir_all(staging.join("src")).unwrap();
    std::fs::write(staging.join("src/stale.rs"), "// half written\n").unwrap();

    output::write_atomically(&out, &files(&[("src/lib.rs", "// v2\n")])).unwrap();

    assert_eq!(
        tree(&out),
        files(&[
            ("Cargo.lock", "# lock\n"),
            ("examples/inventory.rs", "fn main() {}\n"),
            ("src/lib.rs", "// v2\n"),
            ("target/debug/build.log", "built\n"),
        ])
    );
    assert_eq!(entries(dir.path()), ["client"]);
}

/// `check_target`'s error for `out`, reading `specs`.
fn refusal(out: &Path, specs: &Path) -> String {
    output::check_target(out, specs)
        .expect_err("this output folder must be refused")
        .to_string()
}

#[test]
fn only_a_generated_crate_or_an_empty_folder_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let specs = dir.path().join("specs");
    std::fs::create_dir_all(&specs).unwrap();
    std::fs::write(specs.join("api.json"), "{}").unwrap();
    // Absent, empty: fine.
    output::check_target(&dir.path().join("new"), &specs).unwrap();
    std::fs::create_dir_all(dir.path().join("empty")).unwrap();
    output::check_target(&dir.path().join("empty"), &specs).unwrap();
    // A generated crate: its manifest says so, or its header does.
    let header = meraki_codegen::emit::HEADER.lines().next().unwrap();
    let by_manifest = dir.path().join("by-manifest");
    std::fs::create_dir_all(&by_manifest).unwrap();
    std::fs::write(by_manifest.join("names.json"), "{}").unwrap();
    output::check_target(&by_manifest, &specs).unwrap();
    let by_header = dir.path().join("by-header");
    std::fs::create_dir_all(&by_header).unwrap();
    std::fs::write(by_header.join("Cargo.toml"), format!("# {header}\n")).unwrap();
    output::check_target(&by_header, &specs).unwrap();

    // Anything else is named with the specs, and left as it was.
    let project = dir.path().join("project");
    std::fs::create_dir_all(project.join("src")).unwrap();
    std::fs::write(project.join("src/lib.rs"), "// mine\n").unwrap();
    let error = refusal(&project, &specs);
    assert!(error.contains(&project.display().to_string()), "{error}");
    assert!(error.contains(&specs.display().to_string()), "{error}");
    assert!(
        error.contains("neither empty nor a generated crate"),
        "{error}"
    );
    let file = dir.path().join("file");
    std::fs::write(&file, "x").unwrap();
    assert!(refusal(&file, &specs).contains("not a folder"));
    assert_eq!(tree(&project), files(&[("src/lib.rs", "// mine\n")]));
}

#[test]
fn the_output_folder_must_not_hold_the_specs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("client");
    let specs = out.join("specs");
    std::fs::create_dir_all(&specs).unwrap();
    std::fs::write(out.join("names.json"), "{}").unwrap();
    let error = refusal(&out, &specs);
    assert!(error.contains("contains the specs"), "{error}");
    assert!(error.contains(&specs.display().to_string()), "{error}");
    // The same folder, spelled differently.
    let error = refusal(&out.join("specs/.."), &specs);
    assert!(error.contains("contains the specs"), "{error}");
    assert!(refusal(&specs, &specs).contains("is the specs"));
    // The library's entry point checks before generating anything.
    let error = meraki_codegen::generate_into(&specs, &out, &Default::default())
        .expect_err("must be refused")
        .to_string();
    assert!(error.contains("contains the specs"), "{error}");
}

#[test]
fn staging_folders_left_by_killed_runs_are_removed_unless_they_hold_kept_entries() {
    let dir = tempfile::tempdir().unwrap();
    let out = crate_with_kept_entries(dir.path());
    // No process has a pid this large (Linux caps them at 2^22).
    let dead = 4_000_000_000u32;
    for kind in ["new", "old"] {
        let stale = dir.path().join(format!(".client.codegen-{kind}-{dead}"));
        std::fs::create_dir_all(stale.join("src")).unwrap();
        std::fs::write(stale.join("src/lib.rs"), "// half written\n").unwrap();
    }
    // Not ours to judge: not a folder, another name, a running process (pid 1 always runs).
    std::fs::write(
        dir.path().join(format!(".client.codegen-new-{}", dead - 1)),
        "",
    )
    .unwrap();
    std::fs::create_dir_all(dir.path().join(".other.codegen-new-7")).unwrap();
    let running = cfg!(target_os = "linux").then(|| dir.path().join(".client.codegen-new-1"));
    if let Some(running) = &running {
        std::fs::create_dir_all(running).unwrap();
    }

    output::write_atomically(&out, &files(&[("src/lib.rs", "// v2\n")])).unwrap();

    let mut expected = vec![
        format!(".client.codegen-new-{}", dead - 1),
        ".other.codegen-new-7".to_string(),
        "client".to_string(),
    ];
    if running.is_some() {
        expected.insert(0, ".client.codegen-new-1".to_string());
    }
    expected.sort();
    assert_eq!(entries(dir.path()), expected);

    // One holding a kept entry is the only copy of it: reported, not deleted.
    let stranded = dir.path().join(format!(".client.codegen-new-{dead}"));
    std::fs::create_dir_all(stranded.join("examples")).unwrap();
    std::fs::write(stranded.join("examples/only_copy.rs"), "fn main() {}\n").unwrap();
    let error = output::write_atomically(&out, &files(&[("src/lib.rs", "// v3\n")]))
        .expect_err("stranded kept entries must stop the run");
    assert!(
        error.to_string().contains(&stranded.display().to_string()),
        "{error}"
    );
    assert!(error.to_string().contains("`examples`"), "{error}");
    assert_eq!(
        tree(&stranded),
        files(&[("examples/only_copy.rs", "fn main() {}\n")])
    );
    assert_eq!(
        std::fs::read_to_string(out.join("src/lib.rs")).unwrap(),
        "// v2\n"
    );
}

#[test]
fn a_backup_is_kept_while_the_output_folder_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("client");
    // A run killed between moving `out` aside and moving the new crate in.
    let backup = dir.path().join(".client.codegen-old-4000000000");
    std::fs::create_dir_all(backup.join("src")).unwrap();
    std::fs::write(backup.join("src/lib.rs"), "// v1\n").unwrap();
    let error = output::write_atomically(&out, &files(&[("src/lib.rs", "// v2\n")]))
        .expect_err("the only copy of the previous output must not go");
    assert!(error.to_string().contains("previous contents"), "{error}");
    assert_eq!(tree(&backup), files(&[("src/lib.rs", "// v1\n")]));
    assert!(!out.exists());
}
