//! `cargo xtask <command>`: the project's own tasks. This file only dispatches; each command
//! lives in its own module.

mod bench;
mod codegen;
mod diff;
mod flags;
mod fuzz;
mod openapi;
mod semver;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().is_some_and(|a| a == "fuzz") {
        return fuzz::main(&args[1..]);
    }
    if args.first().is_some_and(|a| a == "semver") {
        return semver::main(&args[1..]);
    }
    let result = match flags::Command::parse(&args) {
        Ok(flags::Command::Codegen(flags)) => codegen::run(&flags),
        Ok(flags::Command::Openapi(flags)) => openapi::run(&flags),
        Ok(flags::Command::Diff(flags)) => diff::run(&flags),
        Ok(flags::Command::Bench(args)) => bench::run(&args),
        Ok(flags::Command::Help) => {
            println!("{}", flags::USAGE);
            Ok(())
        }
        Err(message) => Err(format!("{message}\n\n{}", flags::USAGE)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The repository root (the workspace holding this crate).
pub fn project_root() -> std::path::PathBuf {
    let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}
