//! Running one operation: the request built from the table and the flags, sent through the
//! runtime's escape hatches (`Client::request`, `Request::send_raw`,
//! `Paginator::items_json`/`pages_json`), the response written by [`crate::output`].

use std::ffi::OsString;
use std::io::{self, IsTerminal, Write};
use std::time::Duration;

use clap::ArgMatches;
use futures::StreamExt;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use meraki_runtime::{Client, Direction, Error, Request, ResultStream, RetryConfig};
use serde_json::Value;

use crate::command::{self, Selection};
use crate::config;
use crate::output::{Format, Output};
use crate::table::{self, Input, Location, Operation, Paging};

/// Exit statuses (also in `meraki --help`).
pub mod exit {
    pub const OK: u8 = 0;
    pub const OTHER: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const CONFIG: u8 = 3;
    pub const HTTP_4XX: u8 = 4;
    pub const HTTP_5XX_OR_NETWORK: u8 = 5;
}

/// A failure: the exit status and what to print.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    fn usage(message: impl Into<String>) -> Self {
        Failure {
            code: exit::USAGE,
            message: message.into(),
        }
    }
}

/// The whole program: parses `args` (the first being the program name), runs the command and
/// returns the exit status.
pub fn run(args: Vec<OsString>) -> u8 {
    let (selection, args) = command::select(&args);
    let matches = match command::command(selection).try_get_matches_from(args) {
        Ok(matches) => matches,
        Err(error) => {
            let _ = error.print();
            return if error.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            };
        }
    };
    let (scope, scope_matches) = match matches.subcommand() {
        Some(("completions", m)) => return completions(m),
        Some(pair) => pair,
        None => return exit::USAGE,
    };
    let Some((name, op_matches)) = scope_matches.subcommand() else {
        return exit::USAGE;
    };
    let Some(op) = table::find_operation(scope, name) else {
        eprintln!("error: no operation `{name}` in `{scope}`");
        return exit::USAGE;
    };
    let mut key = None;
    let result = execute(op, op_matches, &mut key);
    match result {
        Ok(()) => exit::OK,
        Err(failure) => {
            let mut message = failure.message;
            // The runtime never puts the key in an error; this makes sure nothing else does.
            if let Some(key) = key.filter(|k: &String| k.len() >= 4) {
                message = message.replace(&key, "<redacted>");
            }
            if !message.is_empty() {
                eprintln!("error: {message}");
            }
            failure.code
        }
    }
}

fn completions(matches: &ArgMatches) -> u8 {
    let Some(shell) = matches.get_one::<clap_complete::Shell>("shell").copied() else {
        return exit::USAGE;
    };
    let mut command = command::command(Selection::Everything);
    let mut out = io::BufWriter::new(io::stdout().lock());
    clap_complete::generate(shell, &mut command, "meraki", &mut out);
    match out.flush() {
        Ok(()) => exit::OK,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => exit::OK,
        Err(_) => exit::OTHER,
    }
}

/// What an operation's call is made of, from the flags.
#[derive(Debug)]
pub struct Call {
    /// The path with its parameters filled in (percent-encoded by the runtime's `fill_path`).
    pub path: String,
    /// Query parameters by wire name, as JSON; the runtime flattens them (`name[]=a`).
    pub query: Vec<(&'static str, Value)>,
    pub body: Option<Value>,
}

fn execute(
    op: &'static Operation,
    m: &ArgMatches,
    key: &mut Option<String>,
) -> Result<(), Failure> {
    init_tracing(m.get_count("verbose"));
    let stdout_terminal = io::stdout().is_terminal();
    let format = match m.get_one::<String>("output") {
        Some(name) => Format::parse(name).ok_or_else(|| Failure::usage("unknown output format"))?,
        None if stdout_terminal => Format::Table,
        None => Format::Json,
    };
    let fields: Option<Vec<String>> = m
        .get_many::<String>("fields")
        .map(|values| values.filter(|v| !v.is_empty()).cloned().collect());
    let call = call(op, m)?;
    let settings = config::resolve(&config::Flags {
        profile: m.get_one::<String>("profile").map(String::as_str),
        config: m
            .get_one::<std::path::PathBuf>("config")
            .map(|p| p.as_path()),
        region: m.get_one::<String>("region").map(String::as_str),
        base_url: m.get_one::<String>("base-url").map(String::as_str),
    })
    .map_err(|message| Failure {
        code: exit::CONFIG,
        message,
    })?;
    *key = Some(settings.api_key.clone());
    let mut builder = Client::builder();
    if let Some(retries) = m.get_one::<u32>("retries") {
        builder = builder.retry(RetryConfig::default().max_attempts(retries.saturating_add(1)));
    }
    let client = builder
        .api_key(&settings.api_key)
        .base_url(&settings.base_url)
        .sdk_identity("meraki-cli", env!("CARGO_PKG_VERSION"))
        .simulate(m.get_flag("dry-run"))
        .build()
        .map_err(|e| Failure {
            code: exit::CONFIG,
            message: e.to_string(),
        })?;
    let width = if stdout_terminal {
        console::Term::stdout()
            .size_checked()
            .map(|(_, cols)| cols as usize)
    } else {
        None
    };
    let out = io::BufWriter::new(io::stdout().lock());
    let mut output = Output::new(format, fields, op.columns, out, width);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure {
            code: exit::OTHER,
            message: format!("could not start the async runtime: {e}"),
        })?;
    let result = runtime.block_on(async {
        match op.paging {
            Some(paging) => paginate(&client, op, call, paging, m, &mut output).await,
            None => send(&client, op, call, &mut output).await,
        }
    });
    if let Some(note) = output.note.take() {
        if io::stderr().is_terminal() {
            eprintln!("{note}");
        }
    }
    result
}

/// The path, query and body of the call, from the flags of `op`'s command; usage errors
/// before anything else.
pub fn call(op: &'static Operation, m: &ArgMatches) -> Result<Call, Failure> {
    let value_of = |input: &Input| -> Option<Value> {
        if input.ty.list {
            m.get_many::<Value>(input.flag)
                .map(|values| Value::Array(values.cloned().collect()))
        } else {
            m.get_one::<Value>(input.flag).cloned()
        }
    };
    let mut path_args = Vec::new();
    for &index in op.path_params {
        let input = &op.inputs[index];
        let text = match value_of(input) {
            Some(Value::String(s)) => s,
            Some(other) => crate::output::cell(&other),
            None => return Err(Failure::usage(format!("--{} is required", input.flag))),
        };
        path_args.push(text);
    }
    let args: Vec<&str> = path_args.iter().map(String::as_str).collect();
    let path = meraki_runtime::fill_path(op.path, &args);
    let mut query = Vec::new();
    let mut fields = Vec::new();
    for input in op.inputs {
        let Some(value) = value_of(input) else {
            continue;
        };
        match input.location {
            Location::Path => {}
            Location::Query => query.push((input.wire, value)),
            Location::Body => fields.push((input, value)),
        }
    }
    let mut body = match m.try_get_one::<String>("body").ok().flatten() {
        Some(source) => Some(read_body(source)?),
        None => None,
    };
    if !fields.is_empty() {
        let object = body.get_or_insert_with(|| Value::Object(Default::default()));
        let Value::Object(object) = object else {
            return Err(Failure::usage(
                "--body is not a JSON object, so body flags cannot be added to it",
            ));
        };
        for (input, value) in fields {
            object.insert(input.wire.to_owned(), value);
        }
    }
    // Like the `meraki` crate, an object body is always sent, empty when nothing is set.
    if body.is_none() && op.body.is_some_and(|b| b.fields) {
        body = Some(Value::Object(Default::default()));
    }
    if body.is_none() && op.body.is_some_and(|b| b.required) {
        return Err(Failure::usage(
            "this operation needs a request body: --body",
        ));
    }
    Ok(Call { path, query, body })
}

/// `--body`: JSON text, `@file`, or `-` for standard input.
fn read_body(source: &str) -> Result<Value, Failure> {
    let (text, from) = if source == "-" {
        let mut text = String::new();
        io::Read::read_to_string(&mut io::stdin(), &mut text)
            .map_err(|e| Failure::usage(format!("--body -: reading standard input: {e}")))?;
        (text, "standard input".to_owned())
    } else if let Some(path) = source.strip_prefix('@') {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Failure::usage(format!("--body @{path}: {e}")))?;
        (text, path.to_owned())
    } else {
        (source.to_owned(), "--body".to_owned())
    };
    serde_json::from_str(&text)
        .map_err(|e| Failure::usage(format!("the body in {from} is not valid JSON: {e}")))
}

fn request<R>(client: &Client, op: &Operation, call: &Call) -> Request<R> {
    let mut request = client.request(op.method.http(), call.path.clone());
    for (name, value) in &call.query {
        // The runtime flattens it as the crate does: `name[]=a&name[]=b` for lists.
        request.query(name, value);
    }
    if let Some(body) = &call.body {
        request.json_body(body);
    }
    if let Ok(url) = request.url() {
        tracing::info!(method = op.method.as_str(), %url, operation = op.id, "request");
    }
    request
}

async fn send<W: Write>(
    client: &Client,
    op: &Operation,
    call: Call,
    output: &mut Output<W>,
) -> Result<(), Failure> {
    let request: Request<Value> = request(client, op, &call);
    let url = request.url().map(|u| u.to_string()).unwrap_or_default();
    let raw = request.send_raw().await.map_err(failure)?;
    if raw.is_simulated() {
        eprintln!("dry run: {} {url} was not sent", op.method.as_str());
        let mut shown = serde_json::Map::new();
        shown.insert("dryRun".into(), Value::Bool(true));
        shown.insert("method".into(), op.method.as_str().into());
        shown.insert("url".into(), url.into());
        shown.insert("body".into(), call.body.unwrap_or(Value::Null));
        let mut out = io::stdout().lock();
        let text = serde_json::to_string_pretty(&Value::Object(shown)).unwrap_or_default();
        return writeln!(out, "{text}").map_err(write_failure);
    }
    tracing::info!(
        status = raw.status().as_u16(),
        request_id = raw.request_id(),
        "response"
    );
    let value: Value = raw.json().map_err(failure)?;
    output.value(value).map_err(write_failure)
}

async fn paginate<W: Write>(
    client: &Client,
    op: &Operation,
    call: Call,
    paging: Paging,
    m: &ArgMatches,
    output: &mut Output<W>,
) -> Result<(), Failure> {
    let max_pages = m.get_one::<usize>("max-pages").copied();
    let direction = match m.get_one::<String>("direction").map(String::as_str) {
        Some("prev") => Direction::Prev,
        _ => Direction::Next,
    };
    let progress = io::stderr().is_terminal();
    if !progress {
        // Items as they arrive: an array page's items are decoded one by one, no page is held.
        let mut items = walk(client, op, &call, paging, max_pages, direction, false);
        while let Some(item) = items.next().await {
            output.item(item.map_err(failure)?).map_err(write_failure)?;
        }
        return output.finish().map_err(write_failure);
    }
    // On a terminal, pages (one held at a time) so that the bar can count them.
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.set_message(counts(0, 0));
    bar.enable_steady_tick(Duration::from_millis(100));
    let mut pages = walk(client, op, &call, paging, max_pages, direction, true);
    let mut count = 0usize;
    let mut result = Ok(());
    while let Some(page) = pages.next().await {
        let page = match page {
            Ok(page) => page,
            Err(e) => {
                result = Err(failure(e));
                break;
            }
        };
        count += 1;
        let items = page_items(page, paging);
        let written = bar.suspend(|| -> io::Result<()> {
            for item in items {
                output.item(item)?;
            }
            Ok(())
        });
        if let Err(e) = written {
            result = Err(write_failure(e));
            break;
        }
        bar.set_message(counts(output.items(), count));
    }
    bar.finish_and_clear();
    result?;
    output.finish().map_err(write_failure)
}

/// What the progress bar says: `5 items, 2 pages`.
fn counts(items: usize, pages: usize) -> String {
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    format!(
        "{items} item{}, {pages} page{}",
        plural(items),
        plural(pages)
    )
}

/// The items or the pages of the walk, as JSON.
fn walk(
    client: &Client,
    op: &Operation,
    call: &Call,
    paging: Paging,
    max_pages: Option<usize>,
    direction: Direction,
    pages: bool,
) -> ResultStream<Value> {
    macro_rules! finish {
        ($paginator:expr) => {{
            let mut paginator = $paginator.direction(direction);
            if let Some(max) = max_pages {
                paginator = paginator.max_pages(max);
            }
            if pages {
                paginator.pages_json()
            } else {
                paginator.items_json()
            }
        }};
    }
    match paging {
        Paging::Array => {
            let request: Request<Vec<Value>> = request(client, op, call);
            finish!(request.paginate_array())
        }
        Paging::Field(field) => {
            let request: Request<Value> = request(client, op, call);
            finish!(request.paginate(|page| vec![page]).json_items_in(field))
        }
        Paging::Whole => {
            let request: Request<Value> = request(client, op, call);
            finish!(request.paginate(|page| vec![page]))
        }
    }
}

/// The items of a page read whole, as [`meraki_runtime::Paginator::items_json`] finds them.
fn page_items(page: Value, paging: Paging) -> Vec<Value> {
    match (page, paging) {
        (Value::Null, _) => Vec::new(),
        (Value::Array(items), _) => items,
        (Value::Object(mut object), Paging::Field(field)) => match object.remove(field) {
            Some(Value::Array(items)) => items,
            _ => Vec::new(),
        },
        (page, _) => vec![page],
    }
}

fn write_failure(e: io::Error) -> Failure {
    if e.kind() == io::ErrorKind::BrokenPipe {
        // The reader went away (`| head`): not a failure of ours.
        std::process::exit(exit::OK.into());
    }
    Failure {
        code: exit::OTHER,
        message: format!("writing the output: {e}"),
    }
}

/// An error of the runtime as what to print and the exit status.
fn failure(error: Error) -> Failure {
    let code = match &error {
        Error::Decode(_) | Error::BodyTooLarge { .. } | Error::Pagination { .. } => exit::OTHER,
        Error::Config { .. } => exit::CONFIG,
        Error::Request { .. } => exit::USAGE,
        _ => match error.status().map(|s| s.as_u16()) {
            Some(400..=499) => exit::HTTP_4XX,
            Some(500..=599) => exit::HTTP_5XX_OR_NETWORK,
            Some(_) => exit::OTHER,
            None if matches!(
                error,
                Error::Transport { .. } | Error::Timeout { .. } | Error::RetriesExhausted { .. }
            ) =>
            {
                exit::HTTP_5XX_OR_NETWORK
            }
            None => exit::OTHER,
        },
    };
    let message = match error.http() {
        Some(http) => {
            let mut text = format!("HTTP {} from {} {}", http.status, http.method, http.url);
            if let Error::RetriesExhausted { attempts, .. } = &error {
                text = format!("gave up after {attempts} attempts: {text}");
            }
            for line in &http.messages {
                text.push_str(&format!("\n  {line}"));
            }
            if http.messages.is_empty() {
                if let Some(body) = http.body.as_deref().filter(|b| !b.trim().is_empty()) {
                    text.push_str(&format!("\n  {}", body.trim()));
                }
            }
            if let Some(id) = &http.request_id {
                text.push_str(&format!("\n  request id: {id}"));
            }
            text
        }
        None => error.to_string(),
    };
    Failure { code, message }
}

fn init_tracing(verbosity: u8) {
    use tracing_subscriber::filter::{LevelFilter, Targets};
    use tracing_subscriber::prelude::*;
    let level = match verbosity {
        0 => LevelFilter::ERROR,
        1 => LevelFilter::INFO,
        2 => LevelFilter::DEBUG,
        _ => LevelFilter::TRACE,
    };
    let targets = if verbosity >= 3 {
        Targets::new().with_default(level)
    } else {
        Targets::new()
            .with_target("meraki_runtime", level)
            .with_target("meraki_cli", level)
    };
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(io::stderr)
        .with_ansi(io::stderr().is_terminal())
        .with_target(false);
    let _ = tracing_subscriber::registry()
        .with(layer.with_filter(targets))
        .try_init();
}
