//! What `cargo xtask fuzz`, `generator/tests/fuzz.rs` and `generator/tests/robustness.rs` share:
//! one guarded generation (panics caught, time measured, a hang abandoned), the check that an
//! error names the file and a JSON pointer, and the compilation of many accepted outputs in one
//! temporary cargo workspace with warnings denied.
//!
//! Depends on `meraki-codegen` and `serde_json` only, so the generator's tests include this file
//! with `#[path = "../../xtask/src/fuzz_harness.rs"]`.

use std::any::Any;
use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc;
use std::sync::Once;
use std::time::{Duration, Instant};

use meraki_codegen::{EmitOptions, Files};

/// The stack of the thread a guarded generation runs on: the size of a main thread on Linux, the
/// stack `cargo xtask codegen` has (a test thread has 2 MiB only).
pub const GENERATION_STACK: usize = 8 << 20;

/// How one generation ended.
pub enum Outcome {
    /// A crate: its files.
    Accepted(Files),
    /// An error, as displayed.
    Rejected(String),
    /// A panic: its message and location.
    Panicked(String),
    /// Still running after the hang limit; the thread is abandoned (it runs on until the process
    /// ends).
    Hung,
}

impl Outcome {
    pub fn kind(&self) -> &'static str {
        match self {
            Outcome::Accepted(_) => "accepted",
            Outcome::Rejected(_) => "rejected",
            Outcome::Panicked(_) => "panic",
            Outcome::Hung => "hang",
        }
    }
}

thread_local! {
    /// Set on a guarded generation's thread: a panic there is recorded here and not printed.
    static CAPTURED: RefCell<Option<Option<String>>> = const { RefCell::new(None) };
}

/// Installs (once) a panic hook that records panics of guarded generations instead of printing
/// them; every other panic (a failing assertion of a test) goes to the previous hook.
fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let captured = CAPTURED.with(|c| {
                let mut c = c.borrow_mut();
                match c.as_mut() {
                    Some(slot) => {
                        let location = info
                            .location()
                            .map(|l| format!(" (at {}:{})", l.file(), l.line()))
                            .unwrap_or_default();
                        *slot = Some(format!("{}{location}", payload_text(info.payload())));
                        true
                    }
                    None => false,
                }
            });
            if !captured {
                previous(info);
            }
        }));
    });
}

fn payload_text(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(a panic without a message)".into()
    }
}

/// Runs `meraki_codegen::generate(specs, options)` on a thread of its own, catching a panic;
/// returns how it ended and its wall time. A generation still running after `hang_after` is
/// abandoned and reported as [`Outcome::Hung`] (its time is then `hang_after`).
pub fn generate_guarded(
    specs: &Path,
    options: &EmitOptions,
    hang_after: Duration,
) -> (Outcome, Duration) {
    install_panic_hook();
    let (send, receive) = mpsc::channel();
    let specs = specs.to_path_buf();
    let options = options.clone();
    let start = Instant::now();
    let spawned = std::thread::Builder::new()
        .name("guarded-generation".into())
        .stack_size(GENERATION_STACK)
        .spawn(move || {
            CAPTURED.with(|c| *c.borrow_mut() = Some(None));
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                meraki_codegen::generate(&specs, &options)
            }));
            let elapsed = start.elapsed();
            let outcome = match result {
                Ok(Ok(generated)) => Outcome::Accepted(generated.files),
                Ok(Err(error)) => Outcome::Rejected(error.to_string()),
                Err(payload) => Outcome::Panicked(
                    CAPTURED
                        .with(|c| c.borrow_mut().take().flatten())
                        .unwrap_or_else(|| payload_text(payload.as_ref())),
                ),
            };
            let _ = send.send((outcome, elapsed));
        });
    if let Err(error) = spawned {
        return (
            Outcome::Panicked(format!("could not start a thread: {error}")),
            Duration::ZERO,
        );
    }
    match receive.recv_timeout(hang_after) {
        Ok(done) => done,
        Err(_) => (Outcome::Hung, hang_after),
    }
}

/// `Ok` when `message` (a displayed error) names one of `files` and a JSON pointer (` at /`).
pub fn check_error_message(message: &str, files: &[PathBuf]) -> Result<(), String> {
    let names_file = files
        .iter()
        .any(|f| message.contains(&f.display().to_string()));
    if !names_file {
        return Err(format!(
            "the error names none of the input files: {message}"
        ));
    }
    if !message.contains(" at /") {
        return Err(format!(
            "the error has no JSON pointer (` at /...`): {message}"
        ));
    }
    Ok(())
}

/// The `*.json` files of `specs` (a folder or one file), sorted.
pub fn json_files(specs: &Path) -> Vec<PathBuf> {
    if specs.is_file() {
        return vec![specs.to_path_buf()];
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(specs)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "json"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// A cargo package name made of `text`: lowercase ASCII letters, digits and `-`.
pub fn crate_name(text: &str) -> String {
    let mut name: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    // `a--b` would be the crate `a__b`, which rustc calls non-snake-case.
    while name.contains("--") {
        name = name.replace("--", "-");
    }
    let name = name.trim_end_matches('-').to_string();
    let mut name = name;
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        name.insert_str(0, "c-");
    }
    name
}

/// Where the compilations of a repository happen: the folder of the repository's `Cargo.lock`
/// and `runtime/`.
#[derive(Clone)]
pub struct Repo {
    pub root: PathBuf,
}

impl Repo {
    /// The emit options of a crate named `name` checked in a scratch workspace: the runtime by
    /// absolute path, not standalone (the scratch workspace is its workspace).
    pub fn options(&self, name: &str) -> EmitOptions {
        EmitOptions {
            crate_name: name.to_string(),
            runtime_path: self
                .root
                .join("runtime")
                .to_string_lossy()
                .replace('\\', "/"),
            standalone: false,
            ..EmitOptions::default()
        }
    }
}

/// The result of checking a scratch workspace: per member that failed, the compiler's (or
/// cargo's) first error lines; and how long the check took.
pub struct CheckReport {
    pub failures: Vec<(String, String)>,
    pub elapsed: Duration,
}

/// Writes `files` into `dir/member/`.
pub fn write_member(dir: &Path, member: &str, files: &Files) -> Result<(), String> {
    for (relative, text) in files.iter() {
        let path = dir.join(member).join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}

/// Makes the crates `dir/<member>/` (see [`write_member`]) one cargo workspace, with the
/// repository's `Cargo.lock`, and runs
/// `cargo check --workspace --all-features --offline --keep-going` with `RUSTFLAGS=-D warnings`
/// and `CARGO_TARGET_DIR=target_dir`, so the dependencies compile once and are reused. A member
/// whose manifest cargo refuses is reported and left out, and the rest checked again. `Err` only
/// when cargo cannot run at all.
pub fn check_workspace(
    repo: &Repo,
    dir: &Path,
    members: &[String],
    target_dir: &Path,
) -> Result<CheckReport, String> {
    let start = Instant::now();
    let io = |e: std::io::Error, p: &Path| format!("{}: {e}", p.display());
    std::fs::create_dir_all(dir).map_err(|e| io(e, dir))?;
    let lock = repo.root.join("Cargo.lock");
    std::fs::copy(&lock, dir.join("Cargo.lock")).map_err(|e| io(e, &lock))?;
    let mut remaining: Vec<String> = members.to_vec();
    let mut failures: Vec<(String, String)> = Vec::new();
    loop {
        if remaining.is_empty() {
            break;
        }
        let manifest = format!(
            "[workspace]\nresolver = \"2\"\nmembers = [{}]\n",
            remaining
                .iter()
                .map(|m| format!("\"{m}\""))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let root_manifest = dir.join("Cargo.toml");
        std::fs::write(&root_manifest, manifest).map_err(|e| io(e, &root_manifest))?;
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let output = Command::new(cargo)
            .args([
                "check",
                "--workspace",
                "--all-features",
                "--offline",
                "--keep-going",
                "--message-format",
                "json",
            ])
            .current_dir(dir)
            .env("CARGO_TARGET_DIR", target_dir)
            .env("RUSTFLAGS", "-D warnings")
            .env("CARGO_TERM_COLOR", "never")
            .env_remove("CARGO_ENCODED_RUSTFLAGS")
            .env_remove("CARGO_BUILD_RUSTFLAGS")
            .env_remove("RUSTC_WRAPPER")
            .env_remove("RUSTC_WORKSPACE_WRAPPER")
            .output()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        let mut first_errors: Vec<(String, Vec<String>)> = Vec::new();
        let mut built_anything = false;
        let mut other_errors: Vec<String> = Vec::new();
        for line in stdout.lines() {
            let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
                continue;
            };
            built_anything = true;
            if message["reason"] != "compiler-message" || message["message"]["level"] != "error" {
                continue;
            }
            let manifest_path = message["manifest_path"].as_str().unwrap_or_default();
            let Some(member) = remaining
                .iter()
                .find(|m| Path::new(manifest_path) == dir.join(m).join("Cargo.toml"))
            else {
                // A dependency (the runtime) that does not compile with warnings denied.
                if other_errors.len() < 2 {
                    other_errors.push(format!(
                        "{manifest_path}:\n{}",
                        message["message"]["rendered"].as_str().unwrap_or_default()
                    ));
                }
                continue;
            };
            let rendered = message["message"]["rendered"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            match first_errors.iter_mut().find(|(m, _)| m == member) {
                Some((_, errors)) if errors.len() < 2 => errors.push(rendered),
                Some(_) => {}
                None => first_errors.push((member.clone(), vec![rendered])),
            }
        }
        if !output.status.success() && !built_anything {
            // Cargo stopped before compiling: a manifest it refuses. Find whose, set it aside.
            let culprit = remaining
                .iter()
                .position(|m| {
                    let member_dir = dir.join(m).display().to_string();
                    stderr.contains(&format!("{member_dir}/"))
                        || stderr.contains(&format!("{member_dir}`"))
                        || stderr.contains(&format!("`{m}`"))
                })
                .ok_or_else(|| format!("cargo check failed before compiling:\n{stderr}"))?;
            let member = remaining.remove(culprit);
            failures.push((member, first_lines(&stderr, 12)));
            continue;
        }
        for (member, errors) in first_errors {
            failures.push((member, first_lines(&errors.join("\n"), 14)));
        }
        // Cargo's own errors for a member (it could not even run rustc on it).
        let lines: Vec<&str> = stderr.lines().collect();
        for member in &remaining {
            if failures.iter().any(|(m, _)| m == member) {
                continue;
            }
            let marker = format!("could not compile `{member}`");
            if let Some(at) = lines.iter().position(|l| l.contains(&marker)) {
                let excerpt: Vec<&str> = lines[at..]
                    .iter()
                    .take_while(|l| !l.starts_with("warning: build failed"))
                    .take(12)
                    .copied()
                    .collect();
                failures.push((member.clone(), excerpt.join("\n")));
            }
        }
        if !output.status.success() && failures.is_empty() {
            return Err(format!(
                "cargo check failed without an error of a member:\n{}\n{}",
                first_lines(&other_errors.join("\n"), 30),
                first_lines(&stderr, 20)
            ));
        }
        break;
    }
    failures.sort();
    Ok(CheckReport {
        failures,
        elapsed: start.elapsed(),
    })
}

/// The first `n` lines of `text`, with `…` when there were more.
pub fn first_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = lines.iter().take(n).copied().collect::<Vec<_>>().join("\n");
    if lines.len() > n {
        out.push_str("\n…");
    }
    out
}
