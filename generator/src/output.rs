//! Writes the generated files so that a failed run leaves the output folder exactly as it was,
//! and compares them with what is on disk for `--check`.

use std::path::{Path, PathBuf};

use crate::emit::{Files, HEADER};
use crate::error::{Error, Result};
use crate::manifest;

/// Top-level entries of an output folder that are not generated: the build folder and lock file
/// a standalone build leaves, and the hand-written `examples/` (`cargo run --example` looks for
/// them beside `src/`). `--check` does not look at them and a regeneration keeps them as they are.
const IGNORED: &[&str] = &["target", "Cargo.lock", "examples"];

/// How the files on disk differ from the generated ones.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Difference {
    Stale(String),
    Missing(String),
    Extra(String),
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Difference::Stale(path) => write!(f, "stale: {path}"),
            Difference::Missing(path) => write!(f, "missing: {path}"),
            Difference::Extra(path) => write!(f, "extra: {path}"),
        }
    }
}

/// Compares `files` with the contents of `out`; empty when they are identical.
pub fn check(out: &Path, files: &Files) -> Result<Vec<Difference>> {
    let mut differences = Vec::new();
    for (path, contents) in files {
        match std::fs::read(out.join(path)) {
            Ok(existing) if existing == contents.as_bytes() => {}
            Ok(_) => differences.push(Difference::Stale(path.clone())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                differences.push(Difference::Missing(path.clone()))
            }
            Err(e) => return Err(Error::io(&out.join(path), e)),
        }
    }
    if out.exists() {
        for path in list_files(out)? {
            if !files.contains_key(&path) {
                differences.push(Difference::Extra(path));
            }
        }
    }
    differences.sort();
    Ok(differences)
}

/// Refuses an output folder that a generation must not replace, before anything is generated
/// or written: `out` must be absent, an empty folder, or a generated crate (it has the names
/// manifest, or a `Cargo.toml` or `src/lib.rs` carrying the do-not-edit header), and it must not
/// be or contain `specs`, the folder (or file) the generation reads.
pub fn check_target(out: &Path, specs: &Path) -> Result<()> {
    let out_path = resolved(out)?;
    let specs_path = resolved(specs)?;
    if specs_path.starts_with(&out_path) {
        let what = if specs_path == out_path {
            "is"
        } else {
            "contains"
        };
        return Err(Error::Other(format!(
            "refusing to write the generated crate into {}: it {what} the specs {} it is generated from",
            out.display(),
            specs.display()
        )));
    }
    let metadata = match out.symlink_metadata() {
        Ok(metadata) => metadata,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io(out, e)),
    };
    if !metadata.is_dir() {
        return Err(Error::Other(format!(
            "refusing to write the crate generated from {} into {}: it is not a folder",
            specs.display(),
            out.display()
        )));
    }
    let empty = std::fs::read_dir(out)
        .map_err(|e| Error::io(out, e))?
        .next()
        .is_none();
    if empty || is_generated_crate(out) {
        return Ok(());
    }
    Err(Error::Other(format!(
        "refusing to replace {} with the crate generated from {}: it is neither empty nor a \
         generated crate (no {}, no do-not-edit header in Cargo.toml or src/lib.rs); pass an \
         empty or new folder as the output",
        out.display(),
        specs.display(),
        manifest::FILE
    )))
}

/// Whether `dir` holds what a generation writes: the names manifest, or the do-not-edit header
/// at the top of the crate's manifest or root module.
fn is_generated_crate(dir: &Path) -> bool {
    let first_line = HEADER.lines().next().unwrap_or(HEADER);
    let starts_with_header = |path: &str, comment: &str| {
        std::fs::read_to_string(dir.join(path))
            .is_ok_and(|text| text.starts_with(&format!("{comment} {first_line}")))
    };
    dir.join(manifest::FILE).is_file()
        || starts_with_header("Cargo.toml", "#")
        || starts_with_header("src/lib.rs", "//")
}

/// `path` made absolute with symlinks and `..` resolved as far as it exists, so two spellings of
/// one folder compare equal.
fn resolved(path: &Path) -> Result<PathBuf> {
    let absolute = absolute(path)?;
    let mut existing = absolute.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(canonical) = existing.canonicalize() {
            let mut out = canonical;
            out.extend(rest.iter().rev());
            return Ok(out);
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_owned());
                existing = parent;
            }
            _ => return Ok(absolute),
        }
    }
}

/// Replaces the contents of `out` with `files`, keeping its [`IGNORED`] entries. Everything is
/// written to a sibling folder first and swapped in with renames, so an error leaves `out` as it
/// was: the kept entries, moved into the sibling folder to ride along, are moved back first.
pub fn write_atomically(out: &Path, files: &Files) -> Result<()> {
    let out = absolute(out)?;
    let parent = out
        .parent()
        .ok_or_else(|| Error::Other(format!("{}: no parent folder", out.display())))?;
    std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let staging = parent.join(format!(".{name}.codegen-new-{}", std::process::id()));
    let backup = parent.join(format!(".{name}.codegen-old-{}", std::process::id()));
    clear_leftover_staging(&staging)?;
    clear_stale_siblings(parent, &name, &out)?;
    let mut carried = Vec::new();
    let result = write_tree(&staging, files)
        .and_then(|()| carry_over_ignored(&out, &staging, &mut carried))
        .and_then(|()| swap(&out, &staging, &backup));
    if let Err(error) = result {
        // Deleting the staging folder while it holds a kept entry would lose it for good.
        return match put_back(&out, &staging, &carried) {
            Ok(()) => {
                let _ = std::fs::remove_dir_all(&staging);
                Err(error)
            }
            Err(stranded) => Err(Error::Other(format!(
                "{error}; moving {stranded} back into {} failed as well: it is in {}",
                out.display(),
                staging.display()
            ))),
        };
    }
    Ok(())
}

/// Removes a staging folder an earlier run with the same process id left behind (it was killed
/// before cleaning up), unless it holds kept entries: then that run stranded them there (its
/// error said so) and deleting the folder would lose them, so this run stops instead.
fn clear_leftover_staging(staging: &Path) -> Result<()> {
    if staging.symlink_metadata().is_err() {
        return Ok(());
    }
    let stranded: Vec<String> = IGNORED
        .iter()
        .filter(|name| staging.join(name).symlink_metadata().is_ok())
        .map(|name| format!("`{name}`"))
        .collect();
    if !stranded.is_empty() {
        return Err(Error::Other(format!(
            "{} is left from an earlier run and holds {}, kept entries of the output folder: \
             move them back into it, then delete the folder",
            staging.display(),
            stranded.join(", ")
        )));
    }
    std::fs::remove_dir_all(staging).map_err(|e| Error::io(staging, e))
}

/// Removes the staging and backup folders (`.<name>.codegen-new-<pid>`, `-old-<pid>`) that
/// runs killed before cleaning up left beside `out`, whatever their process id (the current
/// one's are [`clear_leftover_staging`]'s and the swap's). Left alone: those of a process that
/// is still running (on Linux, where that can be told), and anything not a folder. Reported
/// instead of deleted: one holding kept entries (they were stranded there), and a backup while
/// `out` is missing (it is the only copy of the previous output).
fn clear_stale_siblings(parent: &Path, name: &str, out: &Path) -> Result<()> {
    let prefix = format!(".{name}.codegen-");
    let own = std::process::id();
    for entry in std::fs::read_dir(parent).map_err(|e| Error::io(parent, e))? {
        let entry = entry.map_err(|e| Error::io(parent, e))?;
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = file_name.strip_prefix(&prefix) else {
            continue;
        };
        let (backup, pid) = match (rest.strip_prefix("new-"), rest.strip_prefix("old-")) {
            (Some(pid), _) => (false, pid),
            (_, Some(pid)) => (true, pid),
            _ => continue,
        };
        let Ok(pid) = pid.parse::<u32>() else {
            continue;
        };
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        if pid == own || !is_dir || process_is_running(pid) {
            continue;
        }
        let path = entry.path();
        if backup && out.symlink_metadata().is_err() {
            return Err(Error::Other(format!(
                "{} is left from an earlier run and holds the previous contents of {}, which is \
                 missing: move it back there (or delete it), then run again",
                path.display(),
                out.display()
            )));
        }
        clear_leftover_staging(&path)?;
    }
    Ok(())
}

/// Whether process `pid` is running: on Linux, whether `/proc` lists it; elsewhere, assumed not.
fn process_is_running(pid: u32) -> bool {
    cfg!(target_os = "linux") && Path::new("/proc").join(pid.to_string()).exists()
}

fn write_tree(root: &Path, files: &Files) -> Result<()> {
    for (path, contents) in files {
        let target = root.join(path);
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        std::fs::write(&target, contents).map_err(|e| Error::io(&target, e))?;
    }
    Ok(())
}

/// Moves the kept entries of `out` into `staging`, recording each one moved in `carried`.
fn carry_over_ignored(out: &Path, staging: &Path, carried: &mut Vec<&'static str>) -> Result<()> {
    for name in IGNORED {
        let from = out.join(name);
        // `symlink_metadata`: a dangling symlink is an entry too.
        if from.symlink_metadata().is_ok() {
            let to = staging.join(name);
            std::fs::rename(&from, &to).map_err(|e| Error::io(&from, e))?;
            carried.push(name);
        }
    }
    Ok(())
}

/// Moves carried entries from `staging` back into `out` after a failure (`swap` has restored
/// `out` itself by then); on failure, names what is still in `staging`.
fn put_back(out: &Path, staging: &Path, carried: &[&str]) -> std::result::Result<(), String> {
    let stranded: Vec<String> = carried
        .iter()
        .filter(|name| {
            let (from, to) = (staging.join(name), out.join(name));
            from.symlink_metadata().is_ok() && std::fs::rename(&from, &to).is_err()
        })
        .map(|name| format!("`{name}`"))
        .collect();
    if stranded.is_empty() {
        Ok(())
    } else {
        Err(stranded.join(", "))
    }
}

fn swap(out: &Path, staging: &Path, backup: &Path) -> Result<()> {
    let had_previous = out.exists();
    if had_previous {
        let _ = std::fs::remove_dir_all(backup);
        std::fs::rename(out, backup).map_err(|e| Error::io(out, e))?;
    }
    if let Err(e) = std::fs::rename(staging, out) {
        if had_previous {
            if let Err(restore) = std::fs::rename(backup, out) {
                return Err(Error::Other(format!(
                    "{}: {e}; moving the previous contents back from {} failed as well ({restore}): \
                     they are still there",
                    out.display(),
                    backup.display()
                )));
            }
        }
        return Err(Error::io(out, e));
    }
    if had_previous {
        let _ = std::fs::remove_dir_all(backup);
    }
    Ok(())
}

fn absolute(path: &Path) -> Result<PathBuf> {
    std::path::absolute(path).map_err(|e| Error::io(path, e))
}

/// Files below `root` as `/`-separated relative paths, leaving out [`IGNORED`] entries.
fn list_files(root: &Path) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let mut stack = vec![(root.to_path_buf(), String::new())];
    while let Some((dir, prefix)) = stack.pop() {
        for entry in std::fs::read_dir(&dir).map_err(|e| Error::io(&dir, e))? {
            let entry = entry.map_err(|e| Error::io(&dir, e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if prefix.is_empty() && IGNORED.contains(&name.as_str()) {
                continue;
            }
            let relative = if prefix.is_empty() {
                name
            } else {
                format!("{prefix}/{name}")
            };
            if entry.path().is_dir() {
                stack.push((entry.path(), relative));
            } else {
                out.push(relative);
            }
        }
    }
    out.sort();
    Ok(out)
}
