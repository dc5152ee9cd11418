//! The changelog and crate version through the real workflow, in a scratch git repository:
//! generate and commit, drop in a new spec version, regenerate (twice), commit. `--check` must
//! pass at every step where the crate is up to date, so the changelog must be reproducible.

use std::path::{Path, PathBuf};
use std::process::Command;

use meraki_codegen::{output, Baseline, EmitOptions, Generated};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/evolution")
        .join(name)
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=test", "-c", "user.email=test@example.com"])
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        status.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&status.stderr)
    );
}

/// What `cargo xtask codegen` does: baseline from the output folder and git, then generate.
fn generate(specs: &Path, out: &Path) -> Generated {
    let (baseline, _) = Baseline::for_output(out, specs).unwrap();
    let options = EmitOptions {
        standalone: true,
        ..EmitOptions::default()
    };
    meraki_codegen::generate_with(specs, &options, &baseline).unwrap()
}

fn assert_up_to_date(out: &Path, generated: &Generated) {
    let differences = output::check(out, &generated.files).unwrap();
    assert!(differences.is_empty(), "{differences:?}");
}

#[test]
fn changelog_and_version_are_reproducible_through_a_spec_bump() {
    let repo = tempfile::tempdir().unwrap();
    let root = repo.path();
    git(root, &["init", "-q"]);
    let specs = root.join("specs");
    let out = root.join("generated-client");
    std::fs::create_dir_all(&specs).unwrap();
    std::fs::copy(fixture("v1.json"), specs.join("api.json")).unwrap();

    // First generation: a first changelog entry, version 0.1.0.
    let first = generate(&specs, &out);
    assert!(first.new_changelog_entry);
    assert_eq!(first.crate_version, "0.1.0");
    output::write_atomically(&out, &first.files).unwrap();
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "v1"]);
    assert_up_to_date(&out, &generate(&specs, &out));

    // The new spec version replaces the old document.
    std::fs::copy(fixture("v2.json"), specs.join("api.json")).unwrap();
    let bumped = generate(&specs, &out);
    assert!(bumped.new_changelog_entry);
    let changes = bumped
        .changes
        .as_ref()
        .expect("the previous specs come from git");
    assert_eq!(
        (changes.old_version.as_str(), changes.new_version.as_str()),
        ("1.0.0", "1.1.0")
    );
    assert_eq!(
        bumped.crate_version, "0.2.0",
        "the fixture's update is breaking"
    );
    let changelog = &bumped.files["CHANGELOG.md"];
    assert!(changelog.contains("## 0.2.0: Meraki API 1.1.0"));
    assert!(changelog.contains("### API changes from 1.0.0 to 1.1.0"));
    assert!(changelog.contains("## 0.1.0: Meraki API 1.0.0"));
    assert!(bumped.files["Cargo.toml"].contains("\nversion = \"0.2.0\"\n"));
    output::write_atomically(&out, &bumped.files).unwrap();

    // Regenerating before committing gives the same files: one entry, same version.
    let again = generate(&specs, &out);
    assert_up_to_date(&out, &again);
    assert_eq!(again.crate_version, "0.2.0");

    // After committing, the previous specs are the current ones: still up to date.
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "v2"]);
    let committed = generate(&specs, &out);
    assert!(!committed.new_changelog_entry);
    assert_up_to_date(&out, &committed);
    assert_eq!(committed.crate_version, "0.2.0");

    // A rename on purpose: edit the manifest and regenerate. The rename is breaking, so it
    // gets an entry and a version of its own.
    let manifest = out.join("names.json");
    let edited = std::fs::read_to_string(&manifest)
        .unwrap()
        .replace("\"name\": \"Kind\"", "\"name\": \"TrafficKind\"")
        .replace("\"Http\"", "\"Web\"");
    std::fs::write(&manifest, edited).unwrap();
    let renamed = generate(&specs, &out);
    assert_eq!(renamed.crate_version, "0.3.0");
    let changelog = &renamed.files["CHANGELOG.md"];
    assert!(
        changelog.contains("its Rust type changes from `Kind` to `TrafficKind`"),
        "{changelog}"
    );
    assert!(
        changelog.contains("renamed from `Http` to `Web`"),
        "{changelog}"
    );
    output::write_atomically(&out, &renamed.files).unwrap();
    assert_up_to_date(&out, &generate(&specs, &out));
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "rename"]);
    let committed = generate(&specs, &out);
    assert_up_to_date(&out, &committed);
    assert_eq!(committed.crate_version, "0.3.0");
}

#[test]
fn without_git_the_changelog_is_kept_and_a_new_version_is_noted() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("client");
    let first = generate(&fixture("v1.json"), &out);
    output::write_atomically(&out, &first.files).unwrap();
    // The fixtures are not in the repository's history under this output folder.
    assert_up_to_date(&out, &generate(&fixture("v1.json"), &out));

    let bumped = generate(&fixture("v2.json"), &out);
    assert!(bumped.changes.is_none());
    assert_eq!(bumped.crate_version, "0.2.0");
    assert!(bumped.files["CHANGELOG.md"].contains("were not available to compare with"));
    output::write_atomically(&out, &bumped.files).unwrap();
    assert_up_to_date(&out, &generate(&fixture("v2.json"), &out));
}

#[test]
fn a_previous_names_manifest_that_does_not_parse_is_an_error_naming_commit_and_file() {
    let repo = tempfile::tempdir().unwrap();
    let root = repo.path();
    git(root, &["init", "-q"]);
    let specs = root.join("specs");
    let out = root.join("generated-client");
    std::fs::create_dir_all(&specs).unwrap();
    std::fs::copy(fixture("v1.json"), specs.join("api.json")).unwrap();
    let first = generate(&specs, &out);
    output::write_atomically(&out, &first.files).unwrap();
    // The committed manifest is broken; the working copy's is fine again.
    std::fs::write(out.join("names.json"), "{ not json").unwrap();
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "broken names"]);
    std::fs::write(out.join("names.json"), &first.files["names.json"]).unwrap();

    let error = Baseline::for_output(&out, &specs)
        .expect_err("the previous names must not be dropped silently")
        .to_string();

    let head = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["rev-parse", "--short=10", "HEAD"])
        .output()
        .unwrap();
    let head = String::from_utf8(head.stdout).unwrap();
    assert!(
        error.contains(&format!("{}:generated-client/names.json", head.trim())),
        "names commit:path: {error}"
    );
    assert!(error.contains("malformed names manifest"), "{error}");
}
