//! Every reproducer of `tests/fixtures/robustness/` (a copy of `../shared/robustness/`, specs
//! that once broke the generator) ends in one of two ways: an error naming the file and a JSON
//! pointer, quickly and without a panic; or a crate that `cargo check --all-features` accepts
//! with `RUSTFLAGS="-D warnings"`.
//!
//! Each folder is generated in-process (`meraki_codegen::generate`, panics caught) by a child
//! run of this test binary (the test `reproducer_child`), so a hang or a stack overflow ends that
//! child only and every folder is reported. The limit is 2 s per folder in a debug build (the
//! generator is not optimised under `cargo test`), 1 s in release; a child still generating
//! after 5 s is stopped. Every accepted crate goes into one scratch cargo workspace under
//! `target/robustness/` checked by one `cargo check --workspace --all-features --offline` with
//! the repository's `Cargo.lock` and `CARGO_TARGET_DIR=target/robustness` (the dependencies
//! compile once, on the first run, about two minutes on two cores, then are reused).
//!
//! A folder may hold an `expect` file, one line each of:
//! - `compiles`: the folder must be accepted (an error is a failure too);
//! - `error at POINTER`: it must be refused, with an error whose pointer starts with POINTER;
//! - `output contains TEXT`: some generated file contains TEXT.
//!
//! The test lists every failing folder at once.

#[allow(dead_code)]
#[path = "../../xtask/src/fuzz_harness.rs"]
mod harness;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use harness::{Outcome, Repo};

const CHILD_FOLDER: &str = "MERAKI_ROBUSTNESS_FOLDER";
const CHILD_OUT: &str = "MERAKI_ROBUSTNESS_OUT";

fn limit() -> Duration {
    if cfg!(debug_assertions) {
        Duration::from_secs(2)
    } else {
        Duration::from_secs(1)
    }
}

const HANG: Duration = Duration::from_secs(5);

fn repo() -> Repo {
    Repo {
        root: Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("the generator sits in the workspace")
            .to_path_buf(),
    }
}

fn folders() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/robustness");
    let mut folders: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    folders.sort();
    folders
}

/// Not a test of its own: the child run that generates one folder (see the module docs). Passes
/// at once when the parent did not start it.
#[test]
fn reproducer_child() {
    let (Some(folder), Some(out)) = (std::env::var_os(CHILD_FOLDER), std::env::var_os(CHILD_OUT))
    else {
        return;
    };
    let folder = PathBuf::from(folder);
    let out = PathBuf::from(out);
    let member = out.file_name().unwrap().to_string_lossy().into_owned();
    let (outcome, elapsed) = harness::generate_guarded(&folder, &repo().options(&member), HANG);
    let mut kind = outcome.kind();
    let message = match &outcome {
        Outcome::Accepted(files) => {
            match harness::write_member(out.parent().unwrap(), &member, files) {
                Ok(()) => String::new(),
                Err(e) => {
                    kind = "unwritable";
                    e
                }
            }
        }
        Outcome::Rejected(m) | Outcome::Panicked(m) => m.clone(),
        Outcome::Hung => String::new(),
    };
    let report = serde_json::json!({
        "kind": kind,
        "ms": elapsed.as_millis() as u64,
        "message": message,
    });
    std::fs::write(out.with_extension("outcome.json"), report.to_string()).unwrap();
    // A hung generation's thread would keep the process alive past the test.
    if matches!(outcome, Outcome::Hung) {
        std::process::exit(0);
    }
}

/// Runs the child for `folder`, returning its report or why there is none.
fn run_child(folder: &Path, out: &Path) -> Result<serde_json::Value, String> {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "reproducer_child", "--test-threads=1", "--quiet"])
        .env(CHILD_FOLDER, folder)
        .env(CHILD_OUT, out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start the child: {e}"))?;
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > HANG + Duration::from_secs(20) {
            let _ = child.kill();
            let _ = child.wait();
            return Err("the child run did not end; killed".into());
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let report = out.with_extension("outcome.json");
    match std::fs::read_to_string(&report) {
        Ok(text) => Ok(serde_json::from_str(&text).unwrap()),
        Err(_) => {
            let mut stderr = String::new();
            use std::io::Read;
            let _ = child.stderr.take().unwrap().read_to_string(&mut stderr);
            Err(format!(
                "the child run ended ({status}) without a report (an abort or a stack \
                 overflow?): {}",
                harness::first_lines(stderr.trim(), 6)
            ))
        }
    }
}

enum Expect {
    Compiles,
    ErrorAt(String),
    Contains(String),
}

fn expectations(folder: &Path) -> Vec<Expect> {
    let Ok(text) = std::fs::read_to_string(folder.join("expect")) else {
        return Vec::new();
    };
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            if line.trim() == "compiles" {
                Expect::Compiles
            } else if let Some(p) = line.strip_prefix("error at ") {
                Expect::ErrorAt(p.to_string())
            } else if let Some(t) = line.strip_prefix("output contains ") {
                Expect::Contains(t.to_string())
            } else {
                panic!("{}: unknown expectation `{line}`", folder.display())
            }
        })
        .collect()
}

fn contains_in_files(dir: &Path, text: &str) -> bool {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .any(|e| {
            let path = e.path();
            if path.is_dir() {
                contains_in_files(&path, text)
            } else {
                std::fs::read_to_string(&path).is_ok_and(|t| t.contains(text))
            }
        })
}

#[test]
fn every_reproducer_ends_in_a_clean_error_or_a_compiling_crate() {
    let repo = repo();
    let base = repo.root.join("target/robustness");
    std::fs::create_dir_all(&base).unwrap();
    let scratch = tempfile::Builder::new()
        .prefix("workspace-")
        .tempdir_in(&base)
        .unwrap();
    let mut failures: Vec<String> = Vec::new();
    let mut accepted: Vec<(String, PathBuf)> = Vec::new();
    let mut rejected = 0;
    let folders = folders();
    assert!(!folders.is_empty(), "no reproducers found");
    for folder in &folders {
        let name = folder.file_name().unwrap().to_string_lossy().into_owned();
        let member = harness::crate_name(&format!("robustness-{name}"));
        let out = scratch.path().join(&member);
        let expect = expectations(folder);
        let report = match run_child(folder, &out) {
            Ok(report) => report,
            Err(why) => {
                failures.push(format!("{name}: {why}"));
                continue;
            }
        };
        let ms = report["ms"].as_u64().unwrap_or_default();
        let message = report["message"].as_str().unwrap_or_default();
        let kind = report["kind"].as_str().unwrap_or_default();
        if kind != "hang" && Duration::from_millis(ms) > limit() {
            failures.push(format!(
                "{name}: slow, {ms} ms (limit {} ms) before it was {kind}",
                limit().as_millis()
            ));
        }
        match kind {
            "accepted" => {
                for e in &expect {
                    match e {
                        Expect::ErrorAt(p) => failures.push(format!(
                            "{name}: accepted, but should be refused with an error at {p}"
                        )),
                        Expect::Contains(t) if !contains_in_files(&out, t) => {
                            failures.push(format!("{name}: no generated file contains {t}"))
                        }
                        _ => {}
                    }
                }
                accepted.push((name, out));
            }
            "rejected" => {
                rejected += 1;
                if let Err(why) =
                    harness::check_error_message(message, &harness::json_files(folder))
                {
                    failures.push(format!("{name}: bad error: {why}"));
                }
                for e in &expect {
                    match e {
                        Expect::Compiles => {
                            failures.push(format!("{name}: refused, but should compile: {message}"))
                        }
                        Expect::ErrorAt(p) if !message.contains(&format!(" at {p}")) => failures
                            .push(format!("{name}: the error should point at {p}…: {message}")),
                        _ => {}
                    }
                }
            }
            "panic" => failures.push(format!("{name}: panic: {message}")),
            "unwritable" => failures.push(format!(
                "{name}: accepted, but the crate cannot be written: {message}"
            )),
            "hang" => failures.push(format!(
                "{name}: still generating after {} s (stopped)",
                HANG.as_secs()
            )),
            other => failures.push(format!("{name}: unknown outcome {other}")),
        }
    }
    let members: Vec<String> = accepted
        .iter()
        .map(|(_, out)| out.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    let mut compiled = 0;
    if !members.is_empty() {
        let check = harness::check_workspace(&repo, scratch.path(), &members, &base)
            .unwrap_or_else(|e| panic!("{e}"));
        compiled = members.len() - check.failures.len();
        eprintln!(
            "cargo check of {} accepted crates: {:.1} s",
            members.len(),
            check.elapsed.as_secs_f64()
        );
        for (member, errors) in check.failures {
            let name = accepted
                .iter()
                .find(|(_, out)| out.ends_with(&member))
                .map(|(name, _)| name.clone())
                .unwrap_or(member);
            failures.push(format!(
                "{name}: accepted, but the crate does not compile:\n    {}",
                errors.replace('\n', "\n    ")
            ));
        }
    }
    failures.sort();
    if failures.is_empty() {
        return;
    }
    // Kept for a look at the crates that failed.
    let kept = scratch.keep();
    panic!(
        "{} of {} reproducers fail ({} refused, {} accepted of which {} compile; crates in {}):\n\n{}",
        failures
            .iter()
            .map(|f| f.split(':').next().unwrap())
            .collect::<std::collections::BTreeSet<_>>()
            .len(),
        folders.len(),
        rejected,
        accepted.len(),
        compiled,
        kept.display(),
        failures.join("\n")
    );
}
