//! What earlier generations left behind, so that a new one keeps their names and extends their
//! changelog: the output folder's `names.json` and `CHANGELOG.md`, and the spec documents of
//! the last *committed* generation, read from git.
//!
//! Why git: the specs folder holds only the current documents (the user replaces them with the
//! new version), yet the changelog must describe the step from the previous ones, and must come
//! out identical when regenerated (`--check`). The last commit that touched the output folder is
//! the generation the checked-in crate came from; its `specs/` are the previous documents. Right
//! after committing a regeneration those are the current documents, the diff is empty and the
//! changelog stays as it is. Without git (an exported tarball, a folder outside the repository)
//! there are no previous documents and the changelog rule falls back (see [`crate::changelog`]).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::changelog;
use crate::error::{Error, Result};
use crate::load::{self, Specs};
use crate::manifest::{self, Manifest};

/// The state a generation builds on.
#[derive(Debug, Default)]
pub struct Baseline {
    /// Names to keep: normally the output folder's own manifest, so that a name edited there
    /// is a rename on purpose.
    pub manifest: Option<Manifest>,
    /// The changelog so far.
    pub changelog: Option<String>,
    /// The documents and names of the previous generation; `None` when unknown.
    pub previous: Option<Previous>,
}

#[derive(Debug)]
pub struct Previous {
    pub specs: Specs,
    /// Its names manifest, so that its model has the names its crate had.
    pub manifest: Option<Manifest>,
}

impl Baseline {
    /// The baseline of `out`, the previous documents coming from git (see the module docs).
    /// The second value says why there are no previous documents, when there are none.
    ///
    /// A previous names manifest that git has but that does not parse is an error, not a
    /// missing baseline: without it the previous crate would be lowered with fresh names and
    /// the changelog would report renames that never happened.
    pub fn for_output(out: &Path, specs: &Path) -> Result<(Baseline, Option<String>)> {
        let mut baseline = Self::from_folder(out)?;
        let note = match previous_from_git(out, specs)? {
            Ok(previous) => {
                baseline.previous = Some(previous);
                None
            }
            Err(reason) => Some(reason),
        };
        Ok((baseline, note))
    }

    /// The manifest and changelog found in `out`, without previous documents.
    pub fn from_folder(out: &Path) -> Result<Baseline> {
        let manifest = Manifest::read(&out.join(manifest::FILE))?;
        let changelog_path = out.join(changelog::FILE);
        let changelog = match std::fs::read_to_string(&changelog_path) {
            Ok(text) => Some(text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(Error::io(&changelog_path, e)),
        };
        Ok(Baseline {
            manifest,
            changelog,
            previous: None,
        })
    }
}

/// The specs of the last commit touching `out`, read with git: `Ok(Err(reason))` when there
/// are none, `Err` when they are there but unusable in a way the user must fix.
fn previous_from_git(out: &Path, specs: &Path) -> Result<std::result::Result<Previous, String>> {
    let previous = match git_texts(out, specs) {
        Ok(previous) => previous,
        Err(reason) => return Ok(Err(reason)),
    };
    let specs = match load::load_documents(&previous.specs) {
        Ok(specs) => specs,
        Err(e) => return Ok(Err(e.to_string())),
    };
    let manifest = match previous.manifest {
        Some((file, text)) => Some(Manifest::parse(&text, &file).map_err(|e| {
            Error::Other(format!(
                "{e}\n(the names manifest of the previous generation, read from git: without it \
                 the previous crate's names are unknown and the changelog would report renames; \
                 fix the file in that commit, or commit a regeneration that replaces it)"
            ))
        })?),
        None => None,
    };
    Ok(Ok(Previous { specs, manifest }))
}

/// The texts of the previous generation, read from git; each named `commit:path`.
struct GitTexts {
    specs: Vec<(PathBuf, String)>,
    manifest: Option<(PathBuf, String)>,
}

/// The spec documents and names manifest of the last commit touching `out`.
fn git_texts(out: &Path, specs: &Path) -> std::result::Result<GitTexts, String> {
    let specs = std::path::absolute(specs).map_err(|e| e.to_string())?;
    let out = std::path::absolute(out).map_err(|e| e.to_string())?;
    let anchor = if specs.is_dir() {
        specs.clone()
    } else {
        specs.parent().map(Path::to_path_buf).unwrap_or_default()
    };
    let top = PathBuf::from(git(&anchor, &["rev-parse", "--show-toplevel"])?.trim());
    let relative = |path: &Path, what: &str| -> std::result::Result<String, String> {
        path.strip_prefix(&top)
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .map_err(|_| format!("the {what} is outside the git repository {}", top.display()))
    };
    let out_rel = relative(&out, "output folder")?;
    let specs_rel = relative(&specs, "specs folder")?;
    let commit = git(&top, &["log", "-1", "--format=%H", "--", &out_rel])?;
    let commit = commit.trim();
    if commit.is_empty() {
        return Err(format!("no commit has touched {out_rel} yet"));
    }
    let short = &commit[..commit.len().min(10)];
    let listing = git(
        &top,
        &["ls-tree", "-r", "--name-only", commit, "--", &specs_rel],
    )?;
    let mut texts = Vec::new();
    for path in listing.lines() {
        // A specs folder is read without recursion, and a specs file is itself.
        let direct = path == specs_rel || Path::new(path).parent() == Some(Path::new(&specs_rel));
        if direct && path.ends_with(".json") {
            let text = git(&top, &["show", &format!("{commit}:{path}")])?;
            texts.push((PathBuf::from(format!("{short}:{path}")), text));
        }
    }
    if texts.is_empty() {
        return Err(format!(
            "commit {short} has no spec documents in {specs_rel}"
        ));
    }
    let manifest_path = format!("{out_rel}/{}", manifest::FILE);
    // `git show` fails when the commit has no manifest (a generation before names.json).
    let manifest = git(&top, &["show", &format!("{commit}:{manifest_path}")])
        .ok()
        .map(|text| (PathBuf::from(format!("{short}:{manifest_path}")), text));
    Ok(GitTexts {
        specs: texts,
        manifest,
    })
}

fn git(dir: &Path, args: &[&str]) -> std::result::Result<String, String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "git {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    String::from_utf8(output.stdout).map_err(|e| format!("git output is not UTF-8: {e}"))
}

/// Identifies a set of spec documents by version and content, for changelog markers
/// (`1.41.0#1a2b3c4d5e6f7a8b`). File names are left out: the same documents read from git or
/// from disk must give the same key.
pub fn specs_key(specs: &Specs) -> String {
    let version = specs
        .newest_document()
        .map(|d| d.version.clone())
        .unwrap_or_default();
    let mut hash = Fnv::default();
    for document in &specs.documents {
        hash.write(document.version.as_bytes());
        hash.write(
            serde_json::to_string(&document.components)
                .unwrap_or_default()
                .as_bytes(),
        );
    }
    for op in &specs.operations {
        hash.write(op.method.as_bytes());
        hash.write(op.path.as_bytes());
        hash.write(op.raw.to_string().as_bytes());
        hash.write(
            serde_json::to_string(&op.path_parameters)
                .unwrap_or_default()
                .as_bytes(),
        );
    }
    format!("{version}#{:016x}", hash.0)
}

/// FNV-1a, 64 bits: stable across platforms and Rust versions, unlike `DefaultHasher`.
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 ^= u64::from(*byte);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
        // A separator, so ("ab", "c") and ("a", "bc") differ.
        self.0 ^= 0xff;
        self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
    }
}
