//! Figure 2: `cargo check` and `cargo build` of the generated crate, full and one scope, with
//! its dependencies already built in a target folder of its own: each measured run first
//! removes only the generated package's artifacts (`cargo clean -p meraki`).
//!
//! `CARGO_INCREMENTAL=0`: users compile the crate as a dependency, which cargo never compiles
//! incrementally; as the root package here it would be, at the cost of writing the
//! incremental cache (about a tenth more time).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::rusage::{measure, Usage};
use crate::table::{bytes, median, median_duration, seconds, Row};

/// The scope measured alone: the largest one, so the ratio is the least favourable.
pub const ONE_SCOPE: &str = "organizations";

struct Config {
    mode: &'static str,
    one_scope: bool,
}

const CONFIGS: [Config; 4] = [
    Config {
        mode: "check",
        one_scope: false,
    },
    Config {
        mode: "check",
        one_scope: true,
    },
    Config {
        mode: "build",
        one_scope: false,
    },
    Config {
        mode: "build",
        one_scope: true,
    },
];

pub fn run(root: &Path, crate_dir: &Path, work: &Path, runs: usize) -> Result<Vec<Row>, String> {
    std::fs::copy(root.join("Cargo.lock"), crate_dir.join("Cargo.lock"))
        .map_err(|e| format!("copying Cargo.lock: {e}"))?;
    let target = work.join("target");
    if target.exists() {
        std::fs::remove_dir_all(&target).map_err(|e| format!("{}: {e}", target.display()))?;
    }
    let cargo = |args: &[&str]| {
        let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
        command
            .current_dir(crate_dir)
            .args(args)
            .arg("--target-dir")
            .arg(&target)
            .env("CARGO_INCREMENTAL", "0")
            .env_remove("CARGO_TARGET_DIR");
        command
    };
    let log = |name: &str| -> PathBuf { work.join(format!("{name}.log")) };

    // Dependencies, once, for both profiles (and the crate itself, which each run cleans).
    eprintln!("compile: building the dependencies once (not timed)");
    measure(cargo(&["check", "--quiet"]), &log("deps-check"))?;
    measure(cargo(&["build", "--quiet"]), &log("deps-build"))?;

    let mut samples: Vec<Vec<Usage>> = CONFIGS.iter().map(|_| Vec::new()).collect();
    for round in 0..runs {
        for (config, samples) in CONFIGS.iter().zip(samples.iter_mut()) {
            measure(cargo(&["clean", "--quiet", "-p", "meraki"]), &log("clean"))?;
            let mut args = vec![config.mode, "--quiet"];
            if config.one_scope {
                args.extend(["--no-default-features", "--features", ONE_SCOPE]);
            }
            let name = format!(
                "{}-{}-{round}",
                config.mode,
                if config.one_scope { ONE_SCOPE } else { "full" }
            );
            eprintln!("compile: {name}");
            samples.push(measure(cargo(&args), &log(&name))?);
        }
    }

    let all = &samples;
    let wall = |s: &[Usage]| median_duration(&s.iter().map(|u| u.wall).collect::<Vec<_>>());
    let cpu = |s: &[Usage]| median_duration(&s.iter().map(|u| u.cpu).collect::<Vec<_>>());
    let rss = |s: &[Usage]| median(&s.iter().map(|u| u.max_rss as f64).collect::<Vec<_>>()) as u64;
    let mut rows = Vec::new();
    for (i, config) in CONFIGS.iter().enumerate() {
        let samples = &samples[i];
        let mut result = format!(
            "**{}** wall, {} CPU, peak rustc **{}**",
            seconds(wall(samples)),
            seconds(cpu(samples)),
            bytes(rss(samples))
        );
        let (what, target) = if config.one_scope {
            // The same mode on the full crate is the configuration before this one.
            let full = wall(&all[i - 1]).as_secs_f64();
            let ratio = wall(samples).as_secs_f64() / full;
            result.push_str(&format!(" = **{ratio:.2}×** the full crate"));
            let target = if config.mode == "check" {
                "≤ 0.25× the full check"
            } else {
                ""
            };
            (
                format!("`--no-default-features --features {ONE_SCOPE}`"),
                target,
            )
        } else {
            let target = if config.mode == "check" {
                "≤ 40 s, ≤ 1.5 GiB"
            } else {
                ""
            };
            ("full crate (default features)".to_owned(), target)
        };
        rows.push(Row::new(
            format!("`cargo {}`, {what}, median of {runs}", config.mode),
            result,
            target,
        ));
    }
    Ok(rows)
}
