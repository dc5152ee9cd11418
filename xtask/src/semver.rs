//! `cargo xtask semver`: judges spec bumps with `cargo-semver-checks`, a tool nobody here wrote.
//!
//! For each chain of spec versions it generates the first crate from scratch, then regenerates
//! each next version over the previous output as the README's bump workflow does (keeping its
//! `names.json`, comparing with its specs), and runs `cargo semver-checks` on every step. A step
//! passes when each break the tool reports belongs to an operation the changelog lists as
//! breaking, and none is a break the generator made on its own: a new field in a struct users
//! build, or a type that vanished while the place of the spec it described is still there.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use meraki_codegen::diff::{ApiDiff, Impact};
use meraki_codegen::manifest::Manifest;
use meraki_codegen::{output, Api, Baseline, Generated, Previous};

use crate::codegen::emit_options;
use crate::project_root;

pub const USAGE: &str = "\
usage: cargo xtask semver [--work-dir DIR] [SPEC SPEC [SPEC ...]]

Generates a crate from the first SPEC (a *.json document or a folder of them), regenerates
each next SPEC over it as the bump workflow does, and runs `cargo semver-checks` on each step.
Fails when the tool reports a break the changelog does not list as breaking, a new field in a
struct users build, or a type that vanished while its place in the spec is still there.
Without SPECs: Meraki v1.41.0 (../shared/meraki-openapi/) -> specs/, and the fixture evolution
generator/tests/fixtures/evolution/v1 -> v2 -> v3. Needs cargo-semver-checks
(`cargo install cargo-semver-checks --locked`).
--work-dir: where the crates and their target folder go (default target/semver).";

/// The lints whose breaks the generator, not the API, would have made.
const GENERATOR_MADE: &[&str] = &["constructible_struct_adds_field"];
const VANISHED_TYPE: &[&str] = &["struct_missing", "enum_missing"];

pub fn main(args: &[String]) -> ExitCode {
    match run(args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> Result<bool, String> {
    let root = project_root();
    let mut work = root.join("target/semver");
    let mut specs = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--help" | "-h" => {
                println!("{USAGE}");
                return Ok(true);
            }
            "--work-dir" => {
                work = PathBuf::from(args.next().ok_or("--work-dir needs a folder")?);
            }
            flag if flag.starts_with("--") => {
                return Err(format!("unknown flag `{flag}`\n\n{USAGE}"))
            }
            spec => specs.push(PathBuf::from(spec)),
        }
    }
    let chains = if specs.is_empty() {
        default_chains(&root)?
    } else if specs.len() < 2 {
        return Err(format!("give at least two spec versions\n\n{USAGE}"));
    } else {
        vec![("given".to_string(), specs)]
    };
    let mut passed = true;
    for (name, chain) in &chains {
        passed &= check_chain(&root, &work.join(name), chain)?;
    }
    println!(
        "{}",
        if passed {
            "semver: every break cargo-semver-checks reports is one the changelog lists"
        } else {
            "semver: FAILED (see above)"
        }
    );
    Ok(passed)
}

/// The Meraki bump (when `../shared` is there: required with `MERAKI_REQUIRE_SHARED=1`) and the
/// fixture evolution.
fn default_chains(root: &Path) -> Result<Vec<(String, Vec<PathBuf>)>, String> {
    let mut chains = Vec::new();
    let old = root.join("../shared/meraki-openapi/spec3-v1.41.0.json");
    if old.is_file() {
        chains.push(("meraki".to_string(), vec![old, root.join("specs")]));
    } else if std::env::var("MERAKI_REQUIRE_SHARED").as_deref() == Ok("1") {
        return Err(format!(
            "{} is missing (MERAKI_REQUIRE_SHARED=1)",
            old.display()
        ));
    } else {
        println!(
            "skipped: the Meraki bump needs {} (not there)",
            old.display()
        );
    }
    let fixtures = root.join("generator/tests/fixtures/evolution");
    chains.push((
        "evolution".to_string(),
        ["v1.json", "v2.json", "v3.json"]
            .iter()
            .map(|f| fixtures.join(f))
            .collect(),
    ));
    Ok(chains)
}

fn check_chain(root: &Path, work: &Path, chain: &[PathBuf]) -> Result<bool, String> {
    if work.exists() {
        std::fs::remove_dir_all(work).map_err(|e| format!("{}: {e}", work.display()))?;
    }
    let mut previous: Option<(PathBuf, Generated)> = None;
    let mut passed = true;
    for (step, specs) in chain.iter().enumerate() {
        let out = work.join(format!("v{step}"));
        let options = emit_options(root, &out)?;
        let baseline = match &previous {
            None => Baseline::default(),
            Some((_, old)) => {
                let names = Manifest::from_api(&old.api);
                Baseline {
                    manifest: Some(names.clone()),
                    changelog: old.files.get(meraki_codegen::changelog::FILE).cloned(),
                    previous: Some(Previous {
                        // The documents the previous step loaded, not read again.
                        specs: old.specs.clone(),
                        manifest: Some(names),
                    }),
                }
            }
        };
        let generated =
            meraki_codegen::generate_with(specs, &options, &baseline).map_err(|e| e.to_string())?;
        output::write_atomically(&out, &generated.files).map_err(|e| e.to_string())?;
        // The workspace's dependency versions, so the tool builds what the tests build.
        std::fs::copy(root.join("Cargo.lock"), out.join("Cargo.lock"))
            .map_err(|e| format!("Cargo.lock: {e}"))?;
        if let Some((old_out, old)) = &previous {
            let diff = generated
                .changes
                .as_ref()
                .ok_or("the regeneration compared with no previous specs")?;
            println!(
                "\n== {} -> {} ({} -> {}) ==",
                chain[step - 1].display(),
                specs.display(),
                diff.old_version,
                diff.new_version
            );
            let report = semver_checks(old_out, &out, &work.join("target"))?;
            passed &= judge(&report, &old.api, &generated.api, diff);
        }
        previous = Some((out, generated));
    }
    Ok(passed)
}

/// One break `cargo semver-checks` reported: its lint and the item it names.
#[derive(Debug)]
struct Break {
    lint: String,
    item: String,
}

fn semver_checks(old: &Path, new: &Path, target: &Path) -> Result<Vec<Break>, String> {
    let output = Command::new("cargo")
        .args(["semver-checks", "check-release", "--all-features"])
        // Only breaks: what needs a new major version (minor-level lints are additions).
        .args(["--release-type", "minor"])
        .arg("--manifest-path")
        .arg(new.join("Cargo.toml"))
        .arg("--baseline-root")
        .arg(old)
        .env("CARGO_TARGET_DIR", target)
        .env("CARGO_TERM_COLOR", "never")
        .output()
        .map_err(|e| format!("cannot run cargo semver-checks ({e}); install it with `cargo install cargo-semver-checks --locked`"))?;
    // The report is on standard output; progress and the summary on standard error.
    let report = String::from_utf8_lossy(&output.stdout);
    let progress = String::from_utf8_lossy(&output.stderr);
    let breaks = parse_report(&report);
    let checked = progress
        .lines()
        .map(str::trim)
        .find(|line| line.starts_with("Checked ["));
    let Some(checked) = checked else {
        return Err(format!(
            "cargo semver-checks did not check the crates:\n{report}{progress}"
        ));
    };
    println!("cargo-semver-checks: {checked}");
    if !output.status.success() && breaks.is_empty() {
        return Err(format!(
            "cargo semver-checks failed without reporting breaks:\n{report}{progress}"
        ));
    }
    Ok(breaks)
}

/// The `--- failure LINT: ... ---` sections and the items under their `Failed in:`.
fn parse_report(text: &str) -> Vec<Break> {
    let mut breaks = Vec::new();
    let mut lint: Option<String> = None;
    let mut listing = false;
    for line in text.lines() {
        if let Some(rest) = line.trim().strip_prefix("--- failure ") {
            lint = rest.split(':').next().map(str::to_string);
            listing = false;
        } else if line.trim() == "Failed in:" {
            listing = lint.is_some();
        } else if listing && line.trim().is_empty() {
            listing = false;
        } else if listing {
            if let Some(lint) = &lint {
                breaks.push(Break {
                    lint: lint.clone(),
                    item: line.trim().to_string(),
                });
            }
        }
    }
    breaks
}

/// Prints each break with the operations it belongs to and says whether the changelog
/// explains it.
fn judge(breaks: &[Break], old: &Api, new: &Api, diff: &ApiDiff) -> bool {
    let breaking: BTreeSet<&str> = diff
        .operations
        .iter()
        .filter(|op| op.impact() == Impact::Breaking)
        .map(|op| op.operation_id.as_str())
        .collect();
    let listed = diff
        .operations
        .iter()
        .flat_map(|op| &op.changes)
        .filter(|c| c.impact == Impact::Breaking)
        .count();
    println!(
        "cargo-semver-checks: {} breaks; changelog: {listed} breaking changes in {} operations",
        breaks.len(),
        breaking.len()
    );
    let mut passed = true;
    for found in breaks {
        let operations = operations_named(&found.item, old, new);
        let verdict = if GENERATOR_MADE.contains(&found.lint.as_str()) {
            Some("made by the generator: users build this struct with a literal".to_string())
        } else if VANISHED_TYPE.contains(&found.lint.as_str()) {
            vanished_while_its_site_remains(&found.item, old, new)
        } else {
            None
        }
        .or_else(|| {
            if operations.is_empty() {
                Some("belongs to no operation".to_string())
            } else if !operations.iter().any(|op| breaking.contains(op.as_str())) {
                Some("the changelog lists no breaking change of these operations".to_string())
            } else {
                None
            }
        });
        let ops: Vec<&str> = operations.iter().map(String::as_str).collect();
        match verdict {
            None => println!(
                "  listed   {}: {} [{}]",
                found.lint,
                found.item,
                ops.join(", ")
            ),
            Some(why) => {
                passed = false;
                println!(
                    "  UNLISTED {}: {} [{}]: {why}",
                    found.lint,
                    found.item,
                    ops.join(", ")
                );
            }
        }
    }
    passed
}

/// The identifiers an item names, without the file it was found in.
fn identifiers(item: &str) -> Vec<&str> {
    let named = item
        .split(", previously in file")
        .next()
        .unwrap_or(item)
        .split(" in file ")
        .next()
        .unwrap_or(item);
    let named = named.split(" in /").next().unwrap_or(named);
    named
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|word| !word.is_empty())
        .collect()
}

/// The operations whose types, builders or client methods an item names, in either version.
fn operations_named(item: &str, old: &Api, new: &Api) -> BTreeSet<String> {
    let mut operations = BTreeSet::new();
    for word in identifiers(item) {
        for api in [old, new] {
            for def in api.types.iter().filter(|def| def.name == word) {
                operations.insert(def.first_use.clone());
                for site in &def.sites {
                    if let Some(op) = site.0.split('/').next().filter(|op| !op.starts_with('#')) {
                        operations.insert(op.to_string());
                    }
                }
            }
            for op in &api.operations {
                if op.builder_name == word || op.method_name == word {
                    operations.insert(op.operation_id.clone());
                }
            }
        }
    }
    operations
}

/// For a vanished type: `Some` when a site it described is still in the new model under
/// another name without the changelog calling that site's change breaking (a rename the API
/// did not make).
fn vanished_while_its_site_remains(item: &str, old: &Api, new: &Api) -> Option<String> {
    let words = identifiers(item);
    let def = old
        .types
        .iter()
        .find(|def| words.contains(&def.name.as_str()))?;
    let moved: Vec<String> = def
        .sites
        .iter()
        .filter_map(|site| {
            new.types
                .iter()
                .find(|n| {
                    n.sites.contains(site)
                        && n.name != def.name
                        && std::mem::discriminant(&n.kind) == std::mem::discriminant(&def.kind)
                })
                .map(|n| format!("{} is now `{}`", site.0, n.name))
        })
        .collect();
    (!moved.is_empty()).then(|| {
        format!(
            "`{}` was renamed while its place remains, of the same kind: {}",
            def.name,
            moved.join("; ")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shape of cargo-semver-checks 0.51's standard output.
    const REPORT: &str = "
--- failure constructible_struct_adds_field: externally-constructible struct adds field ---

Description:
A pub struct constructible with a struct literal has a new pub field.
        ref: https://doc.rust-lang.org/reference/expressions/struct-expr.html

Failed in:
  field UpdateNetworkRequest.notes in /w/v1/src/types/networks.rs:40

--- failure enum_variant_missing: pub enum variant removed or renamed ---

Description:
A publicly-visible enum has at least one variant that is no longer available.

Failed in:
  variant Kind::Other, previously in file /w/v0/src/types/networks.rs:16
  variant Kind::Both, previously in file /w/v0/src/types/networks.rs:17
";

    #[test]
    fn every_item_under_failed_in_is_a_break_of_its_lint() {
        let breaks = parse_report(REPORT);
        let found: Vec<(&str, &str)> = breaks
            .iter()
            .map(|b| (b.lint.as_str(), b.item.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                (
                    "constructible_struct_adds_field",
                    "field UpdateNetworkRequest.notes in /w/v1/src/types/networks.rs:40"
                ),
                (
                    "enum_variant_missing",
                    "variant Kind::Other, previously in file /w/v0/src/types/networks.rs:16"
                ),
                (
                    "enum_variant_missing",
                    "variant Kind::Both, previously in file /w/v0/src/types/networks.rs:17"
                ),
            ]
        );
        assert!(parse_report("Summary no semver update required").is_empty());
    }

    #[test]
    fn an_item_names_its_rust_identifiers_not_its_file() {
        assert_eq!(
            identifiers("field UpdateNetworkRequest.notes in /w/v1/src/types/networks.rs:40"),
            ["field", "UpdateNetworkRequest", "notes"]
        );
        assert_eq!(
            identifiers("variant Kind::Other, previously in file /w/v0/src/types/networks.rs:16"),
            ["variant", "Kind", "Other"]
        );
        assert_eq!(
            identifiers(
                "meraki::Client::get_network_traffic takes 1 parameters in /w/v0/src/networks.rs:132, but now takes 2 parameters in /w/v1/src/networks.rs:144"
            ),
            ["meraki", "Client", "get_network_traffic", "takes", "1", "parameters"]
        );
    }
}
