//! Writes the generated files so that a failed run leaves the output folder exactly as it was,
//! and compares them with what is on disk for `--check`.

use std::path::{Path, PathBuf};

use crate::emit::Files;
use crate::error::{Error, Result};

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
