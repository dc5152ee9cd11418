//! Writes the generated files so that a failed run leaves the output folder exactly as it was,
//! and compares them with what is on disk for `--check`.

use std::path::{Path, PathBuf};

use crate::emit::Files;
use crate::error::{Error, Result};

/// Paths inside an output folder that are not ours: a build of a standalone generated crate
/// leaves them, and a regeneration neither checks nor keeps them.
const IGNORED: &[&str] = &["target", "Cargo.lock"];

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

/// Replaces the contents of `out` with `files`. Everything is written to a sibling folder first
/// and swapped in with renames, so an error leaves `out` untouched.
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
    let _ = std::fs::remove_dir_all(&staging);
    let result = write_tree(&staging, files)
        .and_then(|()| carry_over_ignored(&out, &staging))
        .and_then(|()| swap(&out, &staging, &backup));
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    result
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

/// Keeps a standalone crate's build folder and lock file across regenerations.
fn carry_over_ignored(out: &Path, staging: &Path) -> Result<()> {
    for name in IGNORED {
        let from = out.join(name);
        if from.exists() {
            let to = staging.join(name);
            std::fs::rename(&from, &to).map_err(|e| Error::io(&from, e))?;
        }
    }
    Ok(())
}

fn swap(out: &Path, staging: &Path, backup: &Path) -> Result<()> {
    let had_previous = out.exists();
    if had_previous {
        let _ = std::fs::remove_dir_all(backup);
        std::fs::rename(out, backup).map_err(|e| Error::io(out, e))?;
    }
    if let Err(e) = std::fs::rename(staging, out) {
        if had_previous {
            let _ = std::fs::rename(backup, out);
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
