//! `cargo xtask bench`: runs the benchmark binary of `benches/` built in release. It is a crate
//! of its own rather than part of xtask so that xtask (and `cargo xtask codegen`) never depends
//! on the generated client it regenerates, and so that only the benchmarks pay for a release
//! build of the generator and the client.

use std::process::Command;

use crate::project_root;

pub fn run(args: &[String]) -> Result<(), String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(project_root())
        .args([
            "run",
            "--quiet",
            "--release",
            "--package",
            "meraki-bench",
            "--",
        ])
        .args(args)
        .status()
        .map_err(|e| format!("could not run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("the benchmarks failed ({status})"))
    }
}
