//! `CHANGELOG.md` of the generated crate: one entry per regeneration from a new spec, newest
//! first, each holding the API diff and the crate version it led to.
//!
//! The file must come out the same whenever nothing changed, or `cargo xtask codegen --check`
//! would be meaningless. So it is a pure function of three inputs: the changelog so far, the
//! current spec version, and the diff from the *previous* specs (those of the last committed
//! generation) to the current ones. Each entry carries a marker naming the spec version it
//! describes and the previous specs it was compared with (version and content digest):
//! - the diff is empty (nothing changed since the last committed generation; always the case
//!   right after a commit): the entries stay as they are;
//! - the top entry has the same marker (the same update, regenerated before committing): it is
//!   replaced by a fresh one, so regenerating twice gives the same file;
//! - otherwise a new entry goes on top, its crate version bumped from the entry below by the
//!   diff's impact (see [`crate::version::bump`]);
//! - without previous specs (no git history), a new spec version gets an entry saying so, bumped
//!   as breaking since nothing is known; the same version again keeps the entries.
//!
//! The crate version is always the top entry's.

use crate::diff::{ApiDiff, Impact};
use crate::error::Result;
use crate::version;

/// The changelog's file name inside the generated crate.
pub const FILE: &str = "CHANGELOG.md";

const MARKER: &str = "<!-- entry: ";

/// What is known about this generation's changes.
#[derive(Debug, Clone, Copy)]
pub enum Changes<'a> {
    /// The diff from the previous specs, and the marker key of those specs
    /// (`1.41.0#1a2b3c4d5e6f7a8b`).
    Compared { diff: &'a ApiDiff, base: &'a str },
    /// No previous specs to compare with.
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    crate_version: String,
    spec_version: String,
    base: String,
    /// The whole entry, heading included.
    text: String,
}

/// The new changelog and the crate version it gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Update {
    pub text: String,
    pub crate_version: String,
    /// Whether this generation added (or refreshed) the top entry.
    pub new_entry: bool,
}

/// Applies the rule of the module docs. `first_version` is the crate version of the first
/// entry, `operations` the operation count for it.
pub fn update(
    previous: Option<&str>,
    crate_name: &str,
    spec_version: &str,
    provenance: &str,
    changes: Changes,
    first_version: &str,
    operations: usize,
) -> Result<Update> {
    let mut entries = previous.map(parse).unwrap_or_default();
    let mut new_entry = false;
    match changes {
        Changes::Compared { diff, .. } if diff.is_empty() => {}
        Changes::Compared { diff, base } => {
            if entries
                .first()
                .is_some_and(|top| top.spec_version == spec_version && top.base == base)
            {
                entries.remove(0);
            }
            let impact = diff.impact().unwrap_or(Impact::Documentation);
            let crate_version = match entries.first() {
                Some(below) => version::bump(&below.crate_version, impact)?,
                None => first_version.to_string(),
            };
            let body = with_provenance(provenance, &diff.to_markdown(3));
            entries.insert(0, entry(&crate_version, spec_version, base, &body));
            new_entry = true;
        }
        Changes::Unknown => {
            if entries
                .first()
                .is_some_and(|top| top.spec_version != spec_version)
            {
                let crate_version = version::bump(&entries[0].crate_version, Impact::Breaking)?;
                let body = with_provenance(
                    provenance,
                    "The previous spec documents were not available to compare with, so \
                     this entry cannot list the changes; the version is bumped as for a \
                     breaking change.\n",
                );
                entries.insert(0, entry(&crate_version, spec_version, "unknown", &body));
                new_entry = true;
            }
        }
    }
    if entries.is_empty() {
        let body = with_provenance(
            provenance,
            &format!("First generation: {operations} operations.\n"),
        );
        entries.push(entry(first_version, spec_version, "none", &body));
        new_entry = true;
    }
    let crate_version = entries[0].crate_version.clone();
    let mut text = preamble(crate_name);
    for entry in &entries {
        text.push('\n');
        text.push_str(entry.text.trim_end());
        text.push('\n');
    }
    Ok(Update {
        text,
        crate_version,
        new_entry,
    })
}

/// An entry's body: which documents the generation was merged from, then what changed.
fn with_provenance(provenance: &str, body: &str) -> String {
    if provenance.is_empty() {
        body.to_string()
    } else {
        format!("{}\n\n{body}", provenance.trim_end())
    }
}

fn preamble(crate_name: &str) -> String {
    format!(
        "<!--\n{}\n-->\n\n# Changelog of the `{crate_name}` crate\n\n\
         One entry per regeneration from a new version of the Meraki OpenAPI description, newest first: \
         what changed in the API, each change marked *breaking*, *additive*, *non-breaking* or \
         *documentation* for Rust code using this crate. The crate version follows from the most \
         severe change: while 0.x, breaking raises the minor number and anything else the patch number.\n",
        crate::emit::HEADER
    )
}

fn entry(crate_version: &str, spec_version: &str, base: &str, body: &str) -> Entry {
    Entry {
        crate_version: crate_version.into(),
        spec_version: spec_version.into(),
        base: base.into(),
        text: format!(
            "## {crate_version}: Meraki API {spec_version}\n{MARKER}crate={crate_version} spec={spec_version} base={base} -->\n\n{body}"
        ),
    }
}

/// Entries of an existing changelog: each starts at a `## ` heading followed by a marker line.
/// Anything before the first one is the preamble, which is regenerated.
fn parse(text: &str) -> Vec<Entry> {
    let lines: Vec<&str> = text.lines().collect();
    let starts: Vec<usize> = (0..lines.len())
        .filter(|&i| {
            lines[i].starts_with("## ") && lines.get(i + 1).is_some_and(|l| l.starts_with(MARKER))
        })
        .collect();
    starts
        .iter()
        .enumerate()
        .map(|(n, &start)| {
            let end = starts.get(n + 1).copied().unwrap_or(lines.len());
            let marker = lines[start + 1]
                .trim_start_matches(MARKER)
                .trim_end_matches("-->");
            let field = |name: &str| {
                marker
                    .split_whitespace()
                    .find_map(|part| part.strip_prefix(&format!("{name}=")))
                    .unwrap_or_default()
                    .to_string()
            };
            Entry {
                crate_version: field("crate"),
                spec_version: field("spec"),
                base: field("base"),
                text: lines[start..end].join("\n"),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::{Change, OperationDiff, Status};

    fn diff(old: &str, new: &str, impact: Impact) -> ApiDiff {
        ApiDiff {
            old_version: old.into(),
            new_version: new.into(),
            operations: vec![OperationDiff {
                operation_id: "getThing".into(),
                route: "GET /thing".into(),
                status: Status::Changed,
                changes: vec![Change {
                    impact,
                    text: "something".into(),
                }],
                docs: vec![],
            }],
            corrections: vec![],
        }
    }

    fn run(previous: Option<&str>, spec: &str, changes: Changes) -> Update {
        update(previous, "meraki", spec, "", changes, "0.1.0", 3).unwrap()
    }

    #[test]
    fn first_generation_starts_the_changelog() {
        let first = run(None, "1.41.0", Changes::Unknown);
        assert_eq!(first.crate_version, "0.1.0");
        assert!(first.text.contains("## 0.1.0: Meraki API 1.41.0"));
        assert!(first.text.contains("First generation: 3 operations."));
        // Regenerating the same thing keeps the file byte for byte.
        let again = run(Some(&first.text), "1.41.0", Changes::Unknown);
        assert_eq!(again.text, first.text);
        assert!(!again.new_entry);
    }

    #[test]
    fn an_update_adds_an_entry_once_however_often_it_is_regenerated() {
        let first = run(None, "1.41.0", Changes::Unknown);
        let breaking = diff("1.41.0", "1.42.0", Impact::Breaking);
        let changes = Changes::Compared {
            diff: &breaking,
            base: "1.41.0#0123",
        };
        let second = run(Some(&first.text), "1.42.0", changes);
        assert_eq!(second.crate_version, "0.2.0");
        assert!(second.new_entry);
        let again = run(Some(&second.text), "1.42.0", changes);
        assert_eq!(again, second);
        // After committing, the previous specs are the current ones: nothing to add.
        let same = ApiDiff {
            old_version: "1.42.0".into(),
            new_version: "1.42.0".into(),
            operations: vec![],
            corrections: vec![],
        };
        let committed = run(
            Some(&second.text),
            "1.42.0",
            Changes::Compared {
                diff: &same,
                base: "1.42.0#4567",
            },
        );
        assert_eq!(committed.text, second.text);
        assert_eq!(committed.crate_version, "0.2.0");
        // Entries are newest first, the first one kept below.
        let top = second.text.find("## 0.2.0").unwrap();
        let below = second.text.find("## 0.1.0").unwrap();
        assert!(top < below);
    }

    #[test]
    fn additive_updates_bump_the_patch_number() {
        let first = run(None, "1.41.0", Changes::Unknown);
        let additive = diff("1.41.0", "1.42.0", Impact::Additive);
        let next = run(
            Some(&first.text),
            "1.42.0",
            Changes::Compared {
                diff: &additive,
                base: "1.41.0#0123",
            },
        );
        assert_eq!(next.crate_version, "0.1.1");
    }

    #[test]
    fn a_new_version_without_previous_specs_is_bumped_as_breaking() {
        let first = run(None, "1.41.0", Changes::Unknown);
        let next = run(Some(&first.text), "1.42.0", Changes::Unknown);
        assert_eq!(next.crate_version, "0.2.0");
        assert!(next.text.contains("base=unknown"));
        assert_eq!(
            run(Some(&next.text), "1.42.0", Changes::Unknown),
            Update {
                new_entry: false,
                ..next.clone()
            }
        );
    }
}
