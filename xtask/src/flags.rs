//! The commands and their flags.

use std::path::PathBuf;

pub const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  codegen [--specs DIR] [--out DIR] [--check]
      Generate the client crate from every *.json document in DIR (default: specs/) into
      --out (default: generated-client/). --check writes nothing and fails when the output
      is stale, missing or has extra files.
  openapi [--specs DIR] [--out FILE]
      Write the API of DIR (default: specs/) as one OpenAPI 3.0 document, for mock servers
      such as Prism (default: standard output).
  diff OLD NEW
      Print, as Markdown, what changed in the API from the spec documents OLD to NEW (each a
      *.json file or a folder of them, either form), each change marked breaking, additive,
      non-breaking or documentation for users of the generated crate.
  bench [ARGS]
      Build the benchmarks (benches/) in release and run them: generation of the full spec,
      cargo check/build of the generated crate, client paging and concurrency on loopback,
      printed as a Markdown table. `cargo xtask bench --help` lists ARGS.
  semver [--work-dir DIR] [SPEC SPEC ...]
      Regenerate each spec version over the previous one and judge every step with
      cargo-semver-checks: each break must be one the changelog lists as breaking.
      `cargo xtask semver --help` has the details.
  fuzz [--minutes N] [--seed S]
      Generate from mutants of the fixture specs; see `cargo xtask fuzz --help`.";

pub enum Command {
    Codegen(CodegenFlags),
    Openapi(OpenapiFlags),
    Diff(DiffFlags),
    /// Arguments passed through to the benchmark binary.
    Bench(Vec<String>),
    Help,
}

pub struct CodegenFlags {
    pub specs: Option<PathBuf>,
    pub out: Option<PathBuf>,
    pub check: bool,
}

pub struct OpenapiFlags {
    pub specs: Option<PathBuf>,
    pub out: Option<PathBuf>,
}

pub struct DiffFlags {
    pub old: PathBuf,
    pub new: PathBuf,
}

impl Command {
    pub fn parse(args: &[String]) -> Result<Command, String> {
        let Some((command, rest)) = args.split_first() else {
            return Ok(Command::Help);
        };
        match command.as_str() {
            "codegen" => {
                let mut flags = CodegenFlags {
                    specs: None,
                    out: None,
                    check: false,
                };
                let mut rest = rest.iter();
                while let Some(arg) = rest.next() {
                    match arg.as_str() {
                        "--check" => flags.check = true,
                        "--specs" => flags.specs = Some(value(&mut rest, "--specs")?),
                        "--out" => flags.out = Some(value(&mut rest, "--out")?),
                        other => return Err(format!("unknown argument `{other}` for codegen")),
                    }
                }
                Ok(Command::Codegen(flags))
            }
            "openapi" => {
                let mut flags = OpenapiFlags {
                    specs: None,
                    out: None,
                };
                let mut rest = rest.iter();
                while let Some(arg) = rest.next() {
                    match arg.as_str() {
                        "--specs" => flags.specs = Some(value(&mut rest, "--specs")?),
                        "--out" => flags.out = Some(value(&mut rest, "--out")?),
                        other => return Err(format!("unknown argument `{other}` for openapi")),
                    }
                }
                Ok(Command::Openapi(flags))
            }
            "diff" => match rest {
                [old, new] if !old.starts_with("--") && !new.starts_with("--") => {
                    Ok(Command::Diff(DiffFlags {
                        old: PathBuf::from(old),
                        new: PathBuf::from(new),
                    }))
                }
                _ => Err("diff takes two arguments: OLD and NEW spec documents".into()),
            },
            "bench" => Ok(Command::Bench(rest.to_vec())),
            "help" | "--help" | "-h" => Ok(Command::Help),
            other => Err(format!("unknown command `{other}`")),
        }
    }
}

fn value<'a>(rest: &mut impl Iterator<Item = &'a String>, flag: &str) -> Result<PathBuf, String> {
    rest.next()
        .map(PathBuf::from)
        .ok_or_else(|| format!("{flag} needs a value"))
}
