//! Command-line flags of the benchmarks (forwarded by `cargo xtask bench`).

use std::path::PathBuf;

pub const USAGE: &str = "\
usage: cargo xtask bench [--only SECTIONS] [--quick] [--runs N] [--compile-runs N]
                         [--spec FILE|DIR] [--items N] [--per-page N] [--requests N]
                         [--concurrency M] [--budget-calls N] [--budget-in-flight M]
                         [--budget-runs N] [--work-dir DIR]

Prints a Markdown table of:
  generation   the full spec generated in-process (release build), median of --runs
  compile      cargo check / cargo build of the generated crate, full and `organizations`
               only, dependencies built beforehand, median of --compile-runs
  paging       the client streaming --items items (--per-page a page) from a loopback server,
               against a plain reqwest + serde_json loop; the client's peak heap
  concurrency  --requests single requests, --concurrency at a time, client against raw reqwest
  budget       --budget-calls network and device calls of one organization (default 300),
               --budget-in-flight at a time (default 32), against a loopback server enforcing
               Meraki's 10 requests/s + burst 10 per organization, client defaults: time against
               the least the budget allows, 429s, failures; then 3 processes sharing the budget
               through the Redis backend (needs redis-server); median of --budget-runs (3)

SECTIONS is a comma-separated subset of generation,compile,paging,concurrency,budget
(default: all).
--quick: fewer runs and items, for a smoke test.
--spec: a document or a folder of them; default the repository's specs/ (the crate as shipped:
      v1.42.0, the newer pages and the corrections).
--work-dir: where the generated crate and its target folder go (default target/bench);
            its target folder is deleted first so every run starts fresh.";

#[derive(Debug, Clone)]
pub struct Flags {
    pub generation: bool,
    pub compile: bool,
    pub paging: bool,
    pub concurrency: bool,
    pub budget: bool,
    pub runs: usize,
    pub compile_runs: usize,
    pub spec: Option<PathBuf>,
    pub items: usize,
    pub per_page: usize,
    pub requests: usize,
    pub concurrent: usize,
    pub budget_calls: usize,
    pub budget_in_flight: usize,
    pub budget_runs: usize,
    pub work_dir: Option<PathBuf>,
}

impl Default for Flags {
    fn default() -> Self {
        Flags {
            generation: true,
            compile: true,
            paging: true,
            concurrency: true,
            budget: true,
            runs: 7,
            compile_runs: 3,
            spec: None,
            items: 100_000,
            per_page: 1_000,
            requests: 20_000,
            concurrent: 64,
            budget_calls: 300,
            budget_in_flight: 32,
            budget_runs: 3,
            work_dir: None,
        }
    }
}

impl Flags {
    pub fn parse(args: &[String]) -> Result<Flags, String> {
        let mut flags = Flags::default();
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let mut value = || {
                args.next()
                    .cloned()
                    .ok_or_else(|| format!("{arg} needs a value"))
            };
            match arg.as_str() {
                "--only" => {
                    let sections = value()?;
                    flags.generation = false;
                    flags.compile = false;
                    flags.paging = false;
                    flags.concurrency = false;
                    flags.budget = false;
                    for section in sections.split(',') {
                        match section.trim() {
                            "generation" => flags.generation = true,
                            "compile" => flags.compile = true,
                            "paging" => flags.paging = true,
                            "concurrency" => flags.concurrency = true,
                            "budget" => flags.budget = true,
                            other => return Err(format!("unknown section `{other}`")),
                        }
                    }
                }
                "--quick" => {
                    flags.runs = 3;
                    flags.compile_runs = 1;
                    flags.items = 20_000;
                    flags.requests = 4_000;
                    flags.budget_calls = 60;
                    flags.budget_runs = 1;
                }
                "--runs" => flags.runs = number(&value()?)?,
                "--compile-runs" => flags.compile_runs = number(&value()?)?,
                "--spec" => flags.spec = Some(PathBuf::from(value()?)),
                "--items" => flags.items = number(&value()?)?,
                "--per-page" => flags.per_page = number(&value()?)?,
                "--requests" => flags.requests = number(&value()?)?,
                "--concurrency" => flags.concurrent = number(&value()?)?,
                "--budget-calls" => flags.budget_calls = number(&value()?)?,
                "--budget-in-flight" => flags.budget_in_flight = number(&value()?)?,
                "--budget-runs" => flags.budget_runs = number(&value()?)?,
                "--work-dir" => flags.work_dir = Some(PathBuf::from(value()?)),
                "-h" | "--help" => return Err(String::new()),
                other => return Err(format!("unknown argument `{other}`")),
            }
        }
        Ok(flags)
    }
}

fn number(text: &str) -> Result<usize, String> {
    let n: usize = text
        .replace('_', "")
        .parse()
        .map_err(|_| format!("`{text}` is not a number"))?;
    if n == 0 {
        return Err("counts must be at least 1".into());
    }
    Ok(n)
}
