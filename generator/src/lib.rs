//! The Meraki client generator: reads every OpenAPI document of a specs folder
//! ([`load`]), lowers them into one plain model of the API ([`lower`], [`model`]), and emits the
//! Rust files of the client crate ([`emit`]), which [`output`] writes atomically or checks.
//!
//! ```text
//! specs/*.json ──load──▶ Specs ──lower──▶ Api (model) ──emit──▶ Files ──output──▶ generated-client/
//!                                  ▲                          ▲
//!        names.json (manifest) ────┘   previous specs ─diff─▶ CHANGELOG.md, crate version
//! ```
//!
//! A generation builds on a [`Baseline`]: the names manifest it keeps names from, and the
//! previous specs and changelog it describes its changes against ([`diff`], [`changelog`],
//! [`version`]).

pub mod assemble;
pub mod baseline;
pub mod changelog;
pub mod corrections;
mod decode;
pub mod diff;
pub mod emit;
pub mod error;
pub mod load;
pub mod lower;
pub mod manifest;
pub mod model;
pub mod naming;
pub mod output;
pub mod sample;
mod shape;
mod source;
pub mod version;

use std::path::Path;
use std::time::{Duration, Instant};

pub use baseline::{Baseline, Previous};
pub use emit::{EmitOptions, Files};
pub use error::{Error, Result};
pub use model::Api;

/// The result of one generation: the model and the files emitted from it.
#[derive(Debug)]
pub struct Generated {
    pub api: Api,
    /// The documents `api` was lowered from, for what else is emitted from them (the
    /// conformance calls read their examples and schemas).
    pub specs: load::Specs,
    pub files: Files,
    pub documents: usize,
    pub timings: Timings,
    /// What changed since the baseline's previous specs, when they were known.
    pub changes: Option<diff::ApiDiff>,
    /// Whether the changelog got a new (or refreshed) top entry.
    pub new_changelog_entry: bool,
    /// The version written into the crate's `Cargo.toml`.
    pub crate_version: String,
}

/// Wall time of each phase of one generation.
#[derive(Debug, Clone, Copy, Default)]
pub struct Timings {
    /// Reading and parsing the JSON documents.
    pub parse: Duration,
    /// Validating and lowering into the model.
    pub lower: Duration,
    /// Building token streams (and the changelog), formatting excluded.
    pub emit: Duration,
    /// Parsing the token streams back and pretty-printing them with prettyplease.
    pub format: Duration,
}

impl Generated {
    pub fn enum_count(&self) -> usize {
        self.api
            .types
            .iter()
            .filter(|t| {
                matches!(
                    t.kind,
                    model::TypeKind::StringEnum { .. } | model::TypeKind::IntegerEnum { .. }
                )
            })
            .count()
    }

    /// What the generation could do but should be told: `x-batchable-actions` entries that
    /// match no operation, and spec corrections that no longer change anything (the spec fixed
    /// the error, so the correction can go).
    pub fn warnings(&self) -> Vec<String> {
        let mut warnings = self.api.unmatched_batch_actions.clone();
        warnings.extend(self.api.corrections.iter().filter_map(|c| {
            let why = c.stale.as_ref()?;
            Some(format!(
                "{}: the correction of `{}` {} no longer applies ({why}); remove it",
                corrections::FILE,
                c.operation_id,
                c.what
            ))
        }));
        warnings
    }

    /// The one-line summary `cargo xtask codegen` prints.
    pub fn summary(&self) -> String {
        format!(
            "{} documents (spec version {}), {} operations, {} types ({} enums), {} files",
            self.documents,
            self.api.version_key(),
            self.api.operations.len(),
            self.api.types.len(),
            self.enum_count(),
            self.files.len()
        )
    }
}

/// Generates the client crate's files from every `*.json` document in `specs` (a folder or a
/// single file), from scratch: fresh names, a changelog with a first entry.
pub fn generate(specs: &Path, options: &EmitOptions) -> Result<Generated> {
    generate_with(specs, options, &Baseline::default())
}

/// Generates the client crate's files, keeping the baseline's names and extending its
/// changelog; the crate version comes from the changelog (`options.crate_version` is the
/// version of a first generation).
pub fn generate_with(
    specs: &Path,
    options: &EmitOptions,
    baseline: &Baseline,
) -> Result<Generated> {
    let start = Instant::now();
    let loaded = load::load_specs(specs)?;
    let parsed = Instant::now();
    let api = lower::lower_with(&loaded, baseline.manifest.as_ref())?;
    let changes = match &baseline.previous {
        Some(previous) => {
            let base = baseline::specs_key(&previous.specs);
            // The usual case (nothing changed since the last commit) needs no second lowering.
            // A name edited in the manifest is a change even for the same specs.
            let diff =
                if base == baseline::specs_key(&loaded) && previous.manifest == baseline.manifest {
                    diff::ApiDiff {
                        old_version: api.version_key(),
                        new_version: api.version_key(),
                        operations: Vec::new(),
                        corrections: Vec::new(),
                    }
                } else {
                    let old_api = lower::lower_with(&previous.specs, previous.manifest.as_ref())?;
                    diff::compare(&previous.specs, &old_api, &loaded, &api)
                };
            Some((diff, base))
        }
        None => None,
    };
    let lowered = Instant::now();
    let update = changelog::update(
        baseline.changelog.as_deref(),
        &options.crate_name,
        &api.version_key(),
        &emit::docs::provenance_lines(&api).join("\n"),
        match &changes {
            Some((diff, base)) => changelog::Changes::Compared { diff, base },
            None => changelog::Changes::Unknown,
        },
        &options.crate_version,
        api.operations.len(),
    )?;
    let options = EmitOptions {
        crate_version: update.crate_version.clone(),
        ..options.clone()
    };
    let (mut files, format) = emit::emit_timed(&api, &options)?;
    files.insert(changelog::FILE.into(), update.text);
    let emitted = Instant::now();
    let documents = loaded.documents.len();
    Ok(Generated {
        api,
        specs: loaded,
        files,
        documents,
        timings: Timings {
            parse: parsed - start,
            lower: lowered - parsed,
            emit: (emitted - lowered).saturating_sub(format),
            format,
        },
        changes: changes.map(|(diff, _)| diff),
        new_changelog_entry: update.new_entry,
        crate_version: update.crate_version,
    })
}

/// Compares two versions of the API as `cargo xtask codegen` would see them: the new version is
/// lowered keeping the old version's names.
pub fn compare_specs(old: &load::Specs, new: &load::Specs) -> Result<diff::ApiDiff> {
    let old_api = lower::lower(old)?;
    let names = manifest::Manifest::from_api(&old_api);
    let new_api = lower::lower_with(new, Some(&names))?;
    Ok(diff::compare(old, &old_api, new, &new_api))
}

/// Generates from `specs` and writes the files into `out` atomically: on any error (bad input
/// or I/O) `out` is left exactly as it was. `out` must be a generated crate, or empty, or
/// absent, and must not hold `specs` (see [`output::check_target`]).
pub fn generate_into(specs: &Path, out: &Path, options: &EmitOptions) -> Result<Generated> {
    output::check_target(out, specs)?;
    let generated = generate(specs, options)?;
    output::write_atomically(out, &generated.files)?;
    Ok(generated)
}
