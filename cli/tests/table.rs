//! The operation table against the commands built from it and against the shipped `meraki`
//! crate: every operation has a command, every input a flag of its type, and every flag set
//! reaches the request.

use std::collections::BTreeSet;
use std::path::Path;

use clap::ArgAction;
use meraki_cli::command::{command, operation_command, own_flags, select, Selection};
use meraki_cli::run::call;
use meraki_cli::table::{Input, Location, Scalar, OPERATIONS, OPERATION_COUNT, RESERVED_FLAGS};
use serde_json::Value;

fn enum_values(scalar: Scalar) -> Option<&'static [&'static str]> {
    match scalar {
        Scalar::Enum(values) | Scalar::IntegerEnum(values) => Some(values),
        _ => None,
    }
}

#[test]
fn every_operation_has_a_command_with_all_its_parameters() {
    let root = command(Selection::Everything);
    // clap's own consistency checks (duplicate flags or ids, bad defaults) over the whole tree.
    root.clone().debug_assert();
    assert_eq!(OPERATIONS.len(), OPERATION_COUNT);
    let mut seen = 0;
    for op in OPERATIONS {
        let scope = root
            .find_subcommand(op.command)
            .unwrap_or_else(|| panic!("no scope command `{}`", op.command));
        assert!(
            root.find_subcommand(op.scope).is_some(),
            "tag {} as alias",
            op.scope
        );
        let sub = scope
            .find_subcommand(op.name)
            .unwrap_or_else(|| panic!("no command `{} {}`", op.command, op.name));
        // The operationId names the same command.
        let by_id = scope.find_subcommand(op.id).expect("operationId alias");
        assert_eq!(by_id.get_name(), op.name);
        let args: Vec<_> = sub.get_arguments().collect();
        for input in op.inputs {
            let arg = args
                .iter()
                .find(|a| a.get_long() == Some(input.flag))
                .unwrap_or_else(|| panic!("{}: no --{}", op.id, input.flag));
            assert!(
                !RESERVED_FLAGS.contains(&input.flag),
                "{}: --{}",
                op.id,
                input.flag
            );
            let required_always = input.required && input.location != Location::Body;
            assert_eq!(
                arg.is_required_set(),
                required_always,
                "{}: --{}",
                op.id,
                input.flag
            );
            if let Some(values) = enum_values(input.ty.scalar) {
                let listed: Vec<String> = arg
                    .get_possible_values()
                    .iter()
                    .map(|v| v.get_name().to_owned())
                    .collect();
                assert_eq!(listed, values.to_vec(), "{}: --{}", op.id, input.flag);
            }
            if input.ty.list {
                assert!(
                    matches!(arg.get_action(), ArgAction::Append),
                    "{}: --{}",
                    op.id,
                    input.flag
                );
            }
            if let Some(alias) = input.alias {
                let aliases = arg.get_aliases().unwrap_or_default();
                assert!(
                    aliases.contains(&alias),
                    "{}: --{} alias {alias}",
                    op.id,
                    input.flag
                );
            }
            assert!(arg.get_long_help().is_some());
        }
        let has = |flag: &str| args.iter().any(|a| a.get_long() == Some(flag));
        assert_eq!(has("body"), op.body.is_some(), "{}: --body", op.id);
        assert_eq!(
            has("max-pages"),
            op.paging.is_some(),
            "{}: --max-pages",
            op.id
        );
        assert_eq!(
            has("direction"),
            op.paging.is_some(),
            "{}: --direction",
            op.id
        );
        // Nothing but the inputs, --body and the paging flags (globals are added on parsing).
        let own = args.len();
        let expected = op.inputs.len()
            + usize::from(op.body.is_some())
            + if op.paging.is_some() { 2 } else { 0 };
        assert_eq!(own, expected, "{}: flags", op.id);
        seen += 1;
    }
    assert_eq!(seen, OPERATION_COUNT);
    // Every scope command lists exactly its operations.
    let listed: usize = root
        .get_subcommands()
        .filter(|s| s.get_name() != "completions")
        .map(|s| s.get_subcommands().count())
        .sum();
    assert_eq!(listed, OPERATION_COUNT);
}

#[test]
fn the_cli_reserves_exactly_the_flags_the_generator_keeps_free() {
    let own: BTreeSet<String> = own_flags().into_iter().collect();
    let reserved: BTreeSet<String> = RESERVED_FLAGS.iter().map(|s| s.to_string()).collect();
    assert_eq!(own, reserved);
}

/// A valid value of an input's type, as typed on the command line.
fn sample(input: &Input) -> String {
    match input.ty.scalar {
        Scalar::String => format!("{}-value", input.wire),
        Scalar::Integer => "7".into(),
        Scalar::Float => "1.5".into(),
        Scalar::Boolean => "false".into(),
        Scalar::Timestamp => "2024-05-01T00:00:00Z".into(),
        Scalar::Enum(values) | Scalar::IntegerEnum(values) => values[0].into(),
        Scalar::Json => "{\"k\": 1}".into(),
    }
}

#[test]
fn every_flag_of_every_operation_reaches_the_request() {
    for op in OPERATIONS {
        let mut args: Vec<String> = vec!["meraki".into(), op.command.into(), op.name.into()];
        for input in op.inputs {
            args.push(format!("--{}", input.flag));
            args.push(sample(input));
        }
        let args: Vec<std::ffi::OsString> = args.into_iter().map(Into::into).collect();
        let (selection, args) = select(&args);
        assert!(
            matches!(selection, Selection::Operation(o) if std::ptr::eq(o, op)),
            "{}",
            op.id
        );
        let matches = command(selection)
            .try_get_matches_from(&args)
            .unwrap_or_else(|e| panic!("{}: {e}", op.id));
        let (_, scope) = matches.subcommand().expect("scope");
        let (_, m) = scope.subcommand().expect("operation");
        let call = call(op, m).unwrap_or_else(|e| panic!("{}: {}", op.id, e.message));
        assert!(!call.path.contains('{'), "{}: {}", op.id, call.path);
        for &index in op.path_params {
            let value = meraki_runtime::path_segment(&sample(&op.inputs[index]));
            assert!(
                call.path.contains(&value),
                "{}: {} in {}",
                op.id,
                value,
                call.path
            );
        }
        let query: BTreeSet<&str> = call.query.iter().map(|(name, _)| *name).collect();
        let wanted: BTreeSet<&str> = op
            .inputs
            .iter()
            .filter(|i| i.location == Location::Query)
            .map(|i| i.wire)
            .collect();
        assert_eq!(query, wanted, "{}", op.id);
        for input in op.inputs.iter().filter(|i| i.location == Location::Body) {
            let body = call.body.as_ref().expect("a body");
            let value = body
                .get(input.wire)
                .unwrap_or_else(|| panic!("{}: body {}", op.id, input.wire));
            if input.ty.list {
                assert!(value.is_array(), "{}: {}", op.id, input.wire);
            }
            if let Scalar::Integer = input.ty.scalar {
                let expected = if input.ty.list {
                    serde_json::json!([7])
                } else {
                    Value::from(7)
                };
                assert_eq!(value, &expected, "{}: {}", op.id, input.wire);
            }
        }
        // The operationId, without the scope, selects the same operation.
        let by_id: Vec<std::ffi::OsString> = vec!["meraki".into(), op.id.into()];
        let (selection, rewritten) = select(&by_id);
        assert!(
            matches!(selection, Selection::Operation(o) if std::ptr::eq(o, op)),
            "{}",
            op.id
        );
        assert_eq!(rewritten[1], op.command);
        let _ = operation_command(op, false);
    }
}

/// The table and the checked-in `meraki` crate come from the same model: each operation is a
/// method of the crate's `Client` in its scope's module, and the crate has no other.
#[test]
fn the_table_serves_every_operation_of_the_shipped_crate() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../generated-client/src");
    let mut methods = 0;
    let mut files = std::collections::BTreeMap::new();
    for entry in std::fs::read_dir(&src).expect("generated-client/src") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).expect("read");
            methods += text.matches("impl crate::Client {").count();
            let module = path
                .file_stem()
                .unwrap()
                .to_string_lossy()
                .replace('_', "-");
            files.insert(module, text);
        }
    }
    assert_eq!(methods, OPERATION_COUNT, "operations in the crate");
    for op in OPERATIONS {
        let text = files
            .get(op.command)
            .unwrap_or_else(|| panic!("no module for scope command {}", op.command));
        assert!(
            text.contains(&format!("pub fn {}(", op.method_name)),
            "{}: no method {} in the crate's {} module",
            op.id,
            op.method_name,
            op.command
        );
    }
}

/// The checked-in table is what the generator makes of `specs/` today, as `cargo xtask codegen`
/// would write it (names kept from the crate's manifest).
#[test]
fn the_table_is_fresh() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let (specs, out) = (root.join("specs"), root.join("generated-client"));
    let (baseline, _) = meraki_codegen::Baseline::for_output(&out, &specs).expect("baseline");
    let generated =
        meraki_codegen::generate_with(&specs, &meraki_codegen::EmitOptions::default(), &baseline)
            .expect("specs generate");
    let table = meraki_codegen::emit::operation_table_file(&generated.api).expect("the table");
    let checked_in = std::fs::read_to_string(root.join(meraki_codegen::emit::CLI_TABLE_FILE))
        .expect("the checked-in table");
    assert!(
        table == checked_in,
        "{} is stale: run `cargo xtask codegen` and commit",
        meraki_codegen::emit::CLI_TABLE_FILE
    );
}
