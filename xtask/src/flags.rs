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
      such as Prism (default: standard output).";

pub enum Command {
    Codegen(CodegenFlags),
    Openapi(OpenapiFlags),
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
