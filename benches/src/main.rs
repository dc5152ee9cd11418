//! `cargo xtask bench`: the figures of issue 5, printed as a Markdown table. Built in release
//! (xtask runs it with `cargo run --release`), so generation and the client are measured as
//! users run them; the compile figures time cargo itself.
//!
//! These are benchmarks, not timed tests: nothing fails on a slow figure. On a shared machine
//! the medians still move by several percent between runs.

mod alloc;
mod budget;
mod clients;
mod compile;
mod concurrency;
mod flags;
mod generation;
mod machine;
mod paging;
mod rusage;
mod server;
mod support;
mod table;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use flags::Flags;
use table::Row;

#[global_allocator]
static ALLOCATOR: alloc::Counting = alloc::Counting;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().is_some_and(|a| a == "--budget-worker") {
        return match budget::worker(&args[1..]) {
            Ok(()) => ExitCode::SUCCESS,
            Err(message) => {
                eprintln!("error: {message}");
                ExitCode::FAILURE
            }
        };
    }
    let flags = match Flags::parse(&args) {
        Ok(flags) => flags,
        Err(message) if message.is_empty() => {
            println!("{}", flags::USAGE);
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("error: {message}\n\n{}", flags::USAGE);
            return ExitCode::FAILURE;
        }
    };
    match run(&flags) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn project_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

fn run(flags: &Flags) -> Result<(), String> {
    let root = project_root();
    let spec = flags.spec.clone().unwrap_or_else(|| root.join("specs"));
    let work = flags
        .work_dir
        .clone()
        .unwrap_or_else(|| root.join("target/bench"));
    let crate_dir = work.join("meraki-full");
    std::fs::create_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
    let machine = machine::describe();
    let mut rows: Vec<Row> = Vec::new();

    if flags.generation || flags.compile {
        if !spec.exists() {
            return Err(format!("{} not found (--spec FILE|DIR)", spec.display()));
        }
        eprintln!("generation: {}", spec.display());
        let generated = generation::run(&root, &spec, &crate_dir, flags.runs)?;
        if flags.generation {
            rows.extend(generated);
        }
    }
    if flags.compile {
        rows.extend(compile::run(&root, &crate_dir, &work, flags.compile_runs)?);
    }
    if flags.paging || flags.concurrency || flags.budget {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        if flags.paging {
            eprintln!("paging: {} items", flags.items);
            rows.extend(paging::run(
                &runtime,
                flags.items,
                flags.per_page,
                flags.runs,
            )?);
        }
        if flags.concurrency {
            eprintln!("concurrency: {} requests", flags.requests);
            rows.extend(concurrency::run(
                &runtime,
                flags.requests,
                flags.concurrent,
                flags.runs,
            )?);
        }
        if flags.budget {
            eprintln!(
                "budget: {} calls, {} in flight",
                flags.budget_calls, flags.budget_in_flight
            );
            rows.extend(budget::run(
                &runtime,
                flags.budget_calls,
                flags.budget_in_flight,
                flags.budget_runs,
            )?);
        }
    }

    println!("Machine: {machine}.\n");
    print!("{}", table::render(&rows));
    Ok(())
}
