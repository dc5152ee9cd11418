//! The clap commands, built at run time from the operation table: only as much of the tree as
//! the command line needs (the scopes; a scope's operations; one operation's flags), so that
//! start-up does not pay for 667 operations' arguments. Completions build the whole tree.

use std::ffi::OsString;

use clap::builder::{BoolValueParser, PossibleValuesParser, TypedValueParser, ValueParser};
use clap::{Arg, ArgAction, Command};
use serde_json::Value;

use crate::table::{self, Input, Location, Operation, Paging, Scalar, OPERATIONS};

/// How much of the command tree to build.
#[derive(Debug, Clone, Copy)]
pub enum Selection {
    /// The scopes, without their operations.
    Top,
    /// One scope's operations, without their flags.
    Scope(&'static str),
    /// One operation with its flags (its scope's other operations without theirs).
    Operation(&'static Operation),
    /// Every operation with every flag (for completions and the table test).
    Everything,
}

/// Global options that take a value (for [`select`] to skip their values).
const VALUE_OPTIONS: &[&str] = &[
    "-o",
    "--output",
    "--fields",
    "--profile",
    "--config",
    "--region",
    "--base-url",
    "--retries",
];

/// Finds what the command line selects, before clap parses it, so that only that part of the
/// tree is built. An operation named without its scope (`meraki getOrganizationNetworks ...`)
/// gets its scope inserted.
pub fn select(args: &[OsString]) -> (Selection, Vec<OsString>) {
    let mut args = args.to_vec();
    let mut positions = Vec::new();
    let mut index = 1;
    while index < args.len() && positions.len() < 3 {
        let Some(word) = args[index].to_str() else {
            break;
        };
        if word == "--" {
            break;
        }
        if word.starts_with('-') {
            if VALUE_OPTIONS.contains(&word) {
                index += 1;
            }
        } else {
            positions.push(index);
        }
        index += 1;
    }
    let word = |i: usize| -> Option<String> {
        positions
            .get(i)
            .and_then(|&p| args[p].to_str().map(str::to_owned))
    };
    let mut first = 0;
    match word(0).as_deref() {
        None => return (Selection::Top, args),
        Some("completions") => return (Selection::Everything, args),
        Some("help") => first = 1,
        Some(_) => {}
    }
    let Some(scope_word) = word(first) else {
        return (Selection::Top, args);
    };
    if let Some(scope) = table::find_scope(&scope_word) {
        return match word(first + 1).and_then(|w| table::find_operation(scope, &w)) {
            Some(op) => (Selection::Operation(op), args),
            None => (Selection::Scope(scope), args),
        };
    }
    if let Some(op) = table::find_anywhere(&scope_word) {
        args.insert(positions[first], op.command.into());
        return (Selection::Operation(op), args);
    }
    (Selection::Top, args)
}

/// The `meraki` command with as much of the tree as `selection` asks for.
pub fn command(selection: Selection) -> Command {
    let scopes = table::scopes();
    let mut root = root();
    for (name, tag, count) in scopes {
        let mut scope = Command::new(name)
            .about(format!(
                "{count} operation{} of the `{tag}` scope",
                if count == 1 { "" } else { "s" }
            ))
            .subcommand_required(true)
            .arg_required_else_help(true);
        if tag != name {
            scope = scope.alias(tag);
        }
        let wanted = match selection {
            Selection::Top => false,
            Selection::Scope(s) => s == name,
            Selection::Operation(op) => op.command == name,
            Selection::Everything => true,
        };
        if wanted {
            for op in OPERATIONS.iter().filter(|op| op.command == name) {
                let full = match selection {
                    Selection::Operation(selected) => std::ptr::eq(selected, op),
                    Selection::Everything => true,
                    _ => false,
                };
                scope = scope.subcommand(operation_command(op, full));
            }
        }
        root = root.subcommand(scope);
    }
    root
}

const EXIT_CODES: &str = "\
Exit status: 0 success; 1 other failure (an unreadable response, output not written); \
2 usage (unknown command or flag, a bad value, a missing required flag, a bad --body); \
3 configuration (no API key, unknown profile, unreadable config file); \
4 the API answered 4xx; 5 the API answered 5xx, or the network failed (after retries).";

fn root() -> Command {
    Command::new("meraki")
        .version(env!("CARGO_PKG_VERSION"))
        .long_version(format!(
            "{} (Dashboard API {}, {} operations)",
            env!("CARGO_PKG_VERSION"),
            table::SPEC_VERSION,
            table::OPERATION_COUNT
        ))
        .about("Every operation of the Cisco Meraki Dashboard API as a command")
        .long_about(
            "Every operation of the Cisco Meraki Dashboard API as a command: \
             `meraki <scope> <operation> [flags]`, e.g. \
             `meraki organizations get-organization-networks --organization-id 123`. \
             The operation's operationId is accepted too, with or without its scope \
             (`meraki getOrganizationNetworks --organization-id 123`).\n\n\
             The API key comes from MERAKI_DASHBOARD_API_KEY, or from a profile of the config \
             file (--profile; default profile `default`). Output is a table on a terminal and \
             JSON otherwise (--output). Paginated operations follow every page.",
        )
        .after_help(EXIT_CODES)
        .subcommand_required(true)
        .arg_required_else_help(true)
        .args(global_args())
        .subcommand(
            Command::new("completions")
                .about("Prints a shell completion script (bash, zsh, fish, elvish, powershell)")
                .arg(
                    Arg::new("shell")
                        .required(true)
                        .value_parser(clap::value_parser!(clap_complete::Shell)),
                ),
        )
}

fn global_args() -> Vec<Arg> {
    let args = vec![
        Arg::new("output")
            .short('o')
            .long("output")
            .global(true)
            .value_name("FORMAT")
            .value_parser(["json", "ndjson", "table", "csv"])
            .help("Output format [default: table on a terminal, else json]"),
        Arg::new("fields")
            .long("fields")
            .global(true)
            .value_name("A,B.C")
            .value_delimiter(',')
            .action(ArgAction::Append)
            .help("Fields to show: the table's columns, or the members kept in JSON (dotted paths)"),
        Arg::new("profile")
            .long("profile")
            .global(true)
            .value_name("NAME")
            .help("Profile of the config file to take the API key and region from [env: MERAKI_PROFILE]"),
        Arg::new("config")
            .long("config")
            .global(true)
            .value_name("FILE")
            .value_parser(clap::value_parser!(std::path::PathBuf))
            .help("Config file [env: MERAKI_CONFIG; default: $XDG_CONFIG_HOME/meraki/config.toml or ~/.config/meraki/config.toml]"),
        Arg::new("region")
            .long("region")
            .global(true)
            .value_name("REGION")
            .value_parser(["global", "canada", "china", "india", "fedramp"])
            .conflicts_with("base-url")
            .help("Dashboard region [default: global]"),
        Arg::new("base-url")
            .long("base-url")
            .global(true)
            .value_name("URL")
            .help("Base URL instead of a region's [env: MERAKI_BASE_URL]"),
        Arg::new("dry-run")
            .long("dry-run")
            .global(true)
            .action(ArgAction::SetTrue)
            .help("Simulate mode: requests that change anything (not GET/HEAD) are printed, not sent"),
        Arg::new("retries")
            .long("retries")
            .global(true)
            .value_name("N")
            .value_parser(clap::value_parser!(u32))
            .help("Retries after a failed attempt (429, 5xx of reads, network) [default: 4]"),
        Arg::new("verbose")
            .short('v')
            .long("verbose")
            .global(true)
            .action(ArgAction::Count)
            .help("Log to stderr: -v requests and retries, -vv details, -vvv HTTP internals"),
    ];
    args.into_iter()
        .map(|arg| arg.help_heading("Global options"))
        .collect()
}

/// The names of the options every operation command has besides its inputs (the globals and
/// the per-operation ones), for the table test: each must be reserved by the generator.
pub fn own_flags() -> Vec<String> {
    let mut flags: Vec<String> = global_args()
        .iter()
        .chain(&operation_options(true, true))
        .filter_map(|a| a.get_long().map(str::to_owned))
        .collect();
    flags.push("help".into());
    flags
}

fn operation_options(body: bool, paging: bool) -> Vec<Arg> {
    let mut args = Vec::new();
    if body {
        args.push(
            Arg::new("body")
                .long("body")
                .value_name("JSON|@FILE|-")
                .help("The request body: JSON text, @file.json, or - for stdin; body flags are applied on top"),
        );
    }
    if paging {
        args.push(
            Arg::new("max-pages")
                .long("max-pages")
                .value_name("N")
                .value_parser(clap::value_parser!(usize))
                .help("Stop after N pages [default: every page]"),
        );
        args.push(
            Arg::new("direction")
                .long("direction")
                .value_name("DIRECTION")
                .value_parser(["next", "prev"])
                .default_value("next")
                .help("Which Link to follow: next, or prev (after --ending-before)"),
        );
    }
    args.into_iter()
        .map(|arg| {
            let heading = if arg.get_id() == "body" {
                "Body fields"
            } else {
                "Paging"
            };
            arg.help_heading(heading)
        })
        .collect()
}

/// The command of one operation; with `full`, its flags too.
pub fn operation_command(op: &'static Operation, full: bool) -> Command {
    let mut about = op.summary.to_owned();
    if about.is_empty() {
        about = op.id.to_owned();
    }
    if op.deprecated {
        about = format!("[deprecated] {about}");
    }
    let mut command = Command::new(op.name).about(about);
    if op.id != op.name {
        command = command.alias(op.id);
    }
    if op.method_name != op.name && op.method_name != op.id {
        command = command.alias(op.method_name);
    }
    if !full {
        return command;
    }
    let mut long_about = op.description.to_owned();
    if long_about.is_empty() {
        long_about = op.summary.to_owned();
    }
    let mut details = format!("{} {}\noperationId: {}", op.method.as_str(), op.path, op.id);
    match op.paging {
        Some(Paging::Array) | Some(Paging::Field(_)) | Some(Paging::Whole) => details.push_str(
            "\nPaginated: every page is followed (--max-pages, --direction); items stream as they arrive",
        ),
        None => {}
    }
    command = command
        .long_about(long_about)
        .after_long_help(format!("{details}\n\n{EXIT_CODES}"));
    let has_body = op.body.is_some();
    // In help order: parameters, the body, paging (headings come in order of first use).
    let (body, paging): (Vec<Arg>, Vec<Arg>) = operation_options(has_body, op.paging.is_some())
        .into_iter()
        .partition(|arg| arg.get_id() == "body");
    let (in_body, parameters): (Vec<&'static Input>, Vec<&'static Input>) =
        op.inputs.iter().partition(|i| i.location == Location::Body);
    for input in parameters {
        command = command.arg(input_arg(input, has_body));
    }
    command = command.args(body);
    for input in in_body {
        command = command.arg(input_arg(input, has_body));
    }
    command.args(paging)
}

fn input_arg(input: &'static Input, has_body: bool) -> Arg {
    let mut arg = Arg::new(input.flag).long(input.flag);
    if let Some(alias) = input.alias {
        arg = arg.alias(alias);
    }
    let (value_name, parser) = value_parser(input.ty.scalar);
    arg = arg.value_name(value_name).value_parser(parser);
    if matches!(input.ty.scalar, Scalar::Boolean) && !input.ty.list {
        // `--flag` alone means true; `--flag false` or `--flag=false` say otherwise.
        arg = arg.num_args(0..=1).default_missing_value("true");
    }
    if matches!(
        input.ty.scalar,
        Scalar::Integer | Scalar::Float | Scalar::IntegerEnum(_)
    ) {
        // `--lng -122.1` is a value, not a flag.
        arg = arg.allow_negative_numbers(true);
    }
    if input.ty.list {
        arg = arg.action(ArgAction::Append).value_delimiter(',');
    }
    if input.required {
        arg = match input.location {
            Location::Body if has_body => arg.required_unless_present("body"),
            _ => arg.required(true),
        };
    }
    let place = match input.location {
        Location::Path => "path",
        Location::Query => "query",
        Location::Body => "body",
    };
    arg = arg.help_heading(match input.location {
        Location::Path | Location::Query => "Parameters",
        Location::Body => "Body fields",
    });
    let mut short = first_sentence(input.description);
    if input.ty.list {
        short.push_str(" (repeatable or comma-separated)");
    }
    arg = arg.help(short);
    let mut long = input.description.trim().to_owned();
    if !long.is_empty() {
        long.push_str("\n\n");
    }
    long.push_str(&format!("{place} `{}`", input.wire));
    if input.ty.list {
        long.push_str(", a list: repeat the flag or separate values with commas");
    }
    if matches!(input.ty.scalar, Scalar::Json) {
        long.push_str(", JSON text or @file.json");
    }
    if input.required {
        long.push_str(" (required)");
    }
    arg.long_help(long)
}

/// The value name and parser of a scalar; every parser yields the JSON value sent.
fn value_parser(scalar: Scalar) -> (&'static str, ValueParser) {
    match scalar {
        Scalar::String => (
            "STRING",
            clap::builder::StringValueParser::new()
                .map(Value::String)
                .into(),
        ),
        Scalar::Timestamp => ("TIMESTAMP", ValueParser::new(parse_timestamp)),
        Scalar::Integer => ("INTEGER", clap::value_parser!(i64).map(Value::from).into()),
        Scalar::Float => ("NUMBER", ValueParser::new(parse_number)),
        Scalar::Boolean => ("BOOL", BoolValueParser::new().map(Value::Bool).into()),
        Scalar::Enum(values) => (
            "VALUE",
            PossibleValuesParser::new(values.iter().copied())
                .map(Value::String)
                .into(),
        ),
        Scalar::IntegerEnum(values) => (
            "VALUE",
            PossibleValuesParser::new(values.iter().copied())
                .map(|text| {
                    text.parse::<i64>()
                        .map(Value::from)
                        .unwrap_or(Value::String(text))
                })
                .into(),
        ),
        Scalar::Json => ("JSON", ValueParser::new(parse_json)),
    }
}

fn parse_number(text: &str) -> Result<Value, String> {
    let number: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a number"))?;
    // Whole numbers are sent as written (`5`, not `5.0`).
    serde_json::from_str::<serde_json::Number>(text.trim())
        .map(Value::Number)
        .or_else(|_| {
            serde_json::Number::from_f64(number)
                .map(Value::Number)
                .ok_or_else(|| format!("`{text}` is not a finite number"))
        })
}

/// An ISO 8601 date and time, as the runtime's `Timestamp` reads it; sent as written.
fn parse_timestamp(text: &str) -> Result<Value, String> {
    match meraki_runtime::Timestamp::from(text).parse() {
        Some(_) => Ok(Value::String(text.to_owned())),
        None => Err(format!(
            "`{text}` is not an ISO 8601 date and time (such as 2024-05-01T12:00:00Z)"
        )),
    }
}

fn parse_json(text: &str) -> Result<Value, String> {
    let source = match text.strip_prefix('@') {
        Some(path) => std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?,
        None => text.to_owned(),
    };
    serde_json::from_str(&source).map_err(|e| format!("not valid JSON: {e}"))
}

/// The first sentence (or line) of a description, for the short help.
fn first_sentence(text: &str) -> String {
    let text = text.trim();
    let line = text.lines().next().unwrap_or_default();
    let end = line
        .match_indices(". ")
        .next()
        .map(|(i, _)| i + 1)
        .unwrap_or(line.len());
    let sentence = &line[..end];
    if sentence.chars().count() > 160 {
        let cut: String = sentence.chars().take(157).collect();
        format!("{cut}...")
    } else {
        sentence.to_owned()
    }
}
