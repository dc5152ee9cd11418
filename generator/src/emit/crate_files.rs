//! The crate's frame: `Cargo.toml` with one feature per scope, `lib.rs` with the crate docs, the
//! `Client` type, and a README.

use proc_macro2::TokenStream;
use quote::quote;

use super::options::EmitOptions;
use super::shared::{ident, HEADER, SERDE_DESERIALIZE_FEATURE, SERDE_SERIALIZE_FEATURE};
use crate::model::{Api, Operation, ParamLocation};

pub fn cargo_toml(api: &Api, options: &EmitOptions) -> String {
    let scopes: Vec<&str> = api.scopes().into_iter().map(|s| api.module_of(s)).collect();
    let mut out = String::new();
    for line in HEADER.lines() {
        out.push_str(&format!("# {line}\n"));
    }
    out.push_str(&format!(
        r#"
[package]
name = {name}
version = {version}
edition = {edition}
rust-version = {rust_version}
license = {license}
description = {description}
keywords = ["meraki", "cisco", "api", "client", "network"]
categories = ["api-bindings", "network-programming"]
repository = "https://github.com/meraki-rs/meraki"
documentation = {documentation}
readme = "README.md"

[package.metadata.meraki]
spec-version = {spec}
newest-spec-version = {newest}

[dependencies]
meraki-runtime = {{ path = {runtime}, version = {runtime_version} }}
serde = {{ version = "1", features = ["derive"] }}
serde_json = "1"

# For the hand-written `examples/`, which a regeneration keeps.
[dev-dependencies]
tokio = {{ version = "1", features = ["macros", "rt-multi-thread"] }}
futures = "0.3"

[features]
default = ["full"]
# Every scope of the API. Depend with `default-features = false` and name the scopes you use to
# compile only their operations and types.
full = [{full}]
"#,
        name = toml_string(&options.crate_name),
        version = toml_string(&options.crate_version),
        spec = toml_string(&api.version),
        newest = toml_string(&api.newest_version),
        description = toml_string(&format!(
            "Typed async client for the Cisco Meraki Dashboard API {}, generated from its OpenAPI description",
            described_version(api)
        )),
        documentation = toml_string(&format!("https://docs.rs/{}", options.crate_name)),
        runtime = toml_string(&options.runtime_path),
        runtime_version = toml_string(&options.runtime_version),
        edition = toml_string(&options.edition),
        rust_version = toml_string(&options.rust_version),
        license = toml_string(&options.license),
        full = scopes.iter().map(|s| toml_string(s)).collect::<Vec<_>>().join(", "),
    ));
    for scope in &scopes {
        out.push_str(&format!("{scope} = []\n"));
    }
    out.push_str(&format!(
        r#"# Types sent to the API implement `Serialize` and types received implement `Deserialize`.
# These give every type the other direction too; each costs compile time on a large API.
{SERDE_SERIALIZE_FEATURE} = []
{SERDE_DESERIALIZE_FEATURE} = []
"#
    ));
    if options.standalone {
        out.push_str("\n[workspace]\n");
    }
    out
}

/// `text` as a TOML basic string, quoted and escaped: the spec's `info.version` and the options
/// are written into `Cargo.toml`, and a quote, backslash or newline in them must stay text.
pub fn toml_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The crate's spec version in words: `v1.42.0`, or `v1.42.0 (some operations up to v1.54.0)`.
fn described_version(api: &Api) -> String {
    if api.newest_version == api.version {
        format!("v{}", api.version)
    } else {
        format!(
            "v{} (with operations from newer pages up to v{})",
            api.version, api.newest_version
        )
    }
}

pub fn readme(api: &Api, options: &EmitOptions) -> String {
    let mut out = String::new();
    out.push_str("<!--\n");
    out.push_str(HEADER);
    out.push_str("\n-->\n\n");
    out.push_str(&format!(
        "# {name}\n\nTyped async Rust client for the {title}, {version} of its OpenAPI description: \
         {ops} operations in {scopes} scopes, {types} types.\n\n{provenance}\n\n\
         Each operation is a method on `Client` named after its operationId in snake_case; each scope \
         ({modules}) is a module and a cargo feature (`full`, the default, enables all).\n\n\
         ```rust,ignore\n{example}```\n",
        name = options.crate_name,
        modules = readme_modules(api),
        title = api.title,
        version = described_version(api),
        provenance = {
            let mut lines = super::docs::provenance_lines(api);
            let corrections = super::docs::correction_lines(api);
            if !corrections.is_empty() {
                lines.push(String::new());
                lines.extend(corrections);
            }
            lines.join("\n")
        },
        ops = api.operations.len(),
        scopes = api.scopes().len(),
        types = api.types.len(),
        // Rustdoc's hidden `# ` lines would show on a README page.
        example = example_code(api).lines().filter(|l| !l.starts_with('#')).map(|l| format!("{l}\n")).collect::<String>(),
    ));
    out
}

/// The scope modules the README names as examples: the two with the most operations (on a tie,
/// the first by name), followed by `…` when there are more. Names from the API itself, so each
/// one is a module of this crate whatever the specs hold.
fn readme_modules(api: &Api) -> String {
    let mut scopes: Vec<(usize, String)> = api
        .scopes()
        .into_iter()
        .map(|scope| {
            let count = api.operations.iter().filter(|op| op.scope == scope).count();
            (count, api.module_of(scope).to_string())
        })
        .collect();
    scopes.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let mut named: Vec<String> = scopes
        .iter()
        .take(2)
        .map(|(_, module)| format!("`{module}`"))
        .collect();
    if scopes.len() > 2 {
        named.push("…".into());
    }
    named.join(", ")
}

/// A usage example calling a real operation of this API that needs only path arguments.
fn example_code(api: &Api) -> String {
    let mut code = String::from("# async fn example() -> meraki::Result<()> {\n");
    code.push_str("// Reads the API key from MERAKI_DASHBOARD_API_KEY.\nlet client = meraki::Client::from_env()?;\n");
    if let Some(op) = example_operation(api) {
        let args: Vec<String> = op
            .params
            .iter()
            .filter(|p| p.location == ParamLocation::Path)
            .map(|p| format!("\"{}\"", example_value(&p.wire_name)))
            .collect();
        code.push_str(&format!(
            "let response = client.{}({}).send().await?;\n",
            op.method_name,
            args.join(", ")
        ));
        code.push_str("println!(\"{response:?}\");\n");
    }
    code.push_str("# Ok(())\n# }\n");
    code
}

fn example_operation(api: &Api) -> Option<&Operation> {
    let simple = |op: &&Operation| {
        op.http_method == crate::model::HttpMethod::Get
            && !op.deprecated
            && op
                .params
                .iter()
                .all(|p| p.location == ParamLocation::Path || !p.required)
    };
    api.operations
        .iter()
        .filter(simple)
        .find(|op| op.pagination.is_some())
        .or_else(|| api.operations.iter().find(simple))
}

fn example_value(wire_name: &str) -> &'static str {
    match wire_name {
        "organizationId" => "123456",
        "networkId" => "N_123456",
        "serial" => "Q2XX-XXXX-XXXX",
        _ => "id",
    }
}

pub fn lib_rs(api: &Api) -> TokenStream {
    let scopes: Vec<&str> = api.scopes().into_iter().collect();
    let modules = scopes.iter().map(|scope| {
        let module = ident(api.module_of(scope));
        let feature = api.module_of(scope);
        quote! {
            #[cfg(feature = #feature)]
            pub mod #module;
        }
    });
    let mut docs = vec![
        format!("# {}", api.title),
        String::new(),
        format!(
            "A typed, async client for the {}, OpenAPI description {}, generated from {}.",
            api.title,
            described_version(api),
            api.sources
                .iter()
                .map(|s| format!("`{}`", s.file))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        String::new(),
        "## Spec versions".into(),
        String::new(),
    ];
    docs.extend(super::docs::provenance_lines(api));
    let corrections = super::docs::correction_lines(api);
    if !corrections.is_empty() {
        docs.push(String::new());
        docs.extend(corrections);
    }
    docs.extend([
        String::new(),
        "[`SPEC_VERSION`] is the base document's version, the version the crate as a whole implements; \
         [`NEWEST_SPEC_VERSION`] is the newest version any operation comes from. Each operation from \
         another document than the base says so in its docs."
            .into(),
        String::new(),
        "## Crate organization".into(),
        String::new(),
        "- [`Client`]: one method per API operation, named after its operationId in snake_case. Each returns a request \
         builder: required parameters are the method's arguments, optional ones are setters, and `.send().await` \
         performs the request. Paginated operations also offer `.items()`, `.pages()` and `.collect_all()`. \
         For what the types cannot express, every builder also has `.send_json()` (the body as JSON) and \
         `.send_raw()` ([`RawResponse`]: status, headers, bytes), and paginated ones `.items_json()`."
            .into(),
        "- One module per scope (the operation's first tag), each behind the cargo feature of the same name; `full` \
         (the default) enables every scope."
            .into(),
        "- [`types`]: request and response types. Enums keep values this version does not know in an \
         `UnknownValue` variant, so a new value from the server never breaks decoding. Types sent to \
         the API implement `Serialize` and types received implement `Deserialize`; the features \
         `serde-serialize` and `serde-deserialize` give every type the other direction too (they cost \
         compile time, so they are off by default)."
            .into(),
        "- [`runtime`]: the hand-written HTTP layer (configuration, retries, rate limiting, pagination, errors)."
            .into(),
        String::new(),
        "## Example".into(),
        String::new(),
        "```no_run".into(),
    ]);
    docs.extend(example_code(api).lines().map(str::to_string));
    docs.push("```".into());
    let docs = docs.iter().map(|line| {
        if line.is_empty() {
            String::new()
        } else {
            format!(" {line}")
        }
    });
    let version = &api.version;
    let newest_version = &api.newest_version;
    quote! {
        #(#![doc = #docs])*
        #![allow(clippy::too_many_arguments)]

        pub use meraki_runtime as runtime;
        pub use meraki_runtime::{
            ClientBuilder, DecodeError, Direction, Error, HttpError, Paginator, RateLimitConfig, RawResponse,
            Region, ResponseFuture, Result, ResultStream, RetryConfig, Timestamp,
        };

        /// Client configuration: retries, rate limits, regions and the defaults the client starts from.
        pub mod config {
            pub use meraki_runtime::{
                RateLimitConfig, Region, RetryConfig, API_KEY_ENV, BASE_URL_ENV, DEFAULT_BASE_URL,
                DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_REDIRECTS, DEFAULT_TIMEOUT, MERAKI_API_DOMAINS,
            };
        }

        mod client;
        pub use client::Client;
        pub mod types;
        pub mod actions;
        pub use meraki_runtime::{Action, ActionBatches, BatchReport, BatchStatus, CreatedResource};
        #(#modules)*

        /// The `info.version` of the base OpenAPI document, the one most operations come from:
        /// the version of the Meraki API this crate as a whole implements.
        pub const SPEC_VERSION: &str = #version;

        /// The newest `info.version` any operation of this crate comes from (newer documentation
        /// pages can replace or add single operations); equal to [`SPEC_VERSION`] when every
        /// operation comes from the base document.
        pub const NEWEST_SPEC_VERSION: &str = #newest_version;
    }
}

pub fn client_rs() -> TokenStream {
    quote! {
        /// The Meraki Dashboard API client: one method per operation. Cheap to clone; clones share
        /// the connection pool and rate limiter.
        #[derive(Clone, Debug)]
        pub struct Client {
            pub(crate) core: ::meraki_runtime::Client,
        }

        impl Client {
            /// Configures a client: API key, base URL or region, retries, rate limits, timeouts.
            pub fn builder() -> ::meraki_runtime::ClientBuilder<Client> {
                // Meraki attributes API traffic by User-Agent: name this crate, not the runtime.
                ::meraki_runtime::ClientBuilder::new().sdk_identity(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"))
            }

            /// A client with the API key of `MERAKI_DASHBOARD_API_KEY` and default settings.
            pub fn from_env() -> ::meraki_runtime::Result<Client> {
                Self::builder().from_env().build()
            }

            /// The HTTP layer underneath.
            pub fn runtime(&self) -> &::meraki_runtime::Client {
                &self.core
            }

            /// Submits [`actions`](crate::actions) to organization `organization_id` as action
            /// batches: split within Meraki's limits (100 actions, 20 synchronous), at most 5
            /// running at once, each polled until it completes or fails and reported.
            pub fn action_batches(&self, organization_id: &str) -> ::meraki_runtime::ActionBatches {
                self.core.action_batches(organization_id)
            }
        }

        impl From<::meraki_runtime::Client> for Client {
            fn from(core: ::meraki_runtime::Client) -> Self {
                Self { core }
            }
        }
    }
}
