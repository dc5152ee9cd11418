//! Figure 1: generating the full spec in-process with the generator library, compiled in
//! release like this binary, end to end (parse, lower, emit, format, write) and per phase.

use std::path::Path;
use std::time::{Duration, Instant};

use meraki_codegen::{output, EmitOptions, Generated};

use crate::table::{count, median_duration, millis, Row};

/// The emit options `cargo xtask codegen --out <elsewhere>` uses: a standalone crate pointing
/// at this repository's runtime.
pub fn options(root: &Path) -> EmitOptions {
    EmitOptions {
        runtime_path: root.join("runtime").to_string_lossy().replace('\\', "/"),
        standalone: true,
        ..EmitOptions::default()
    }
}

struct Sample {
    total: Duration,
    parse: Duration,
    lower: Duration,
    emit: Duration,
    format: Duration,
    write: Duration,
}

/// Generates `runs` times into `out` (one untimed warm-up first, so the spec is in the page
/// cache) and returns the table rows.
pub fn run(root: &Path, spec: &Path, out: &Path, runs: usize) -> Result<Vec<Row>, String> {
    let options = options(root);
    let generate = || -> Result<(Generated, Sample), String> {
        let start = Instant::now();
        let generated = meraki_codegen::generate(spec, &options).map_err(|e| e.to_string())?;
        let generated_at = Instant::now();
        output::write_atomically(out, &generated.files).map_err(|e| e.to_string())?;
        let t = generated.timings;
        let sample = Sample {
            total: start.elapsed(),
            parse: t.parse,
            lower: t.lower,
            emit: t.emit,
            format: t.format,
            write: generated_at.elapsed(),
        };
        Ok((generated, sample))
    };
    let (generated, _) = generate()?;
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        samples.push(generate()?.1);
    }
    let phase = |f: fn(&Sample) -> Duration| {
        millis(median_duration(&samples.iter().map(f).collect::<Vec<_>>()))
    };
    let lines: usize = generated
        .files
        .iter()
        .filter(|(path, _)| path.ends_with(".rs"))
        .map(|(_, text)| text.lines().count())
        .sum();
    let name = spec.file_name().map_or_else(
        || spec.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    Ok(vec![
        Row::new(
            format!(
                "Generation of `{name}` ({} operations, {} types), end to end, median of {runs}",
                generated.api.operations.len(),
                generated.api.types.len()
            ),
            format!(
                "**{}** (parse {}, lower {}, emit {}, format {}, write {})",
                phase(|s| s.total),
                phase(|s| s.parse),
                phase(|s| s.lower),
                phase(|s| s.emit),
                phase(|s| s.format),
                phase(|s| s.write),
            ),
            "< 2 s",
        ),
        Row::new(
            "Generated Rust, lines",
            format!("**{}**", count(lines as u64)),
            "≤ 60,000",
        ),
    ])
}
