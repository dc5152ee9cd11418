//! The `meraki` binary against a loopback mock server (wiremock): output formats, paging,
//! bodies, validation, dry run, completions, profiles and exit codes. Its output is piped here,
//! so it must be JSON by default and show no progress bar.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::{json, Value};
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const KEY: &str = "test-key-5f3a9c0b7d";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs the binary with the key and base URL in the environment and a home without a config
/// file; `stdin` is written to its standard input.
async fn meraki(base_url: &str, args: &[&str], stdin: Option<&str>) -> Run {
    meraki_env(base_url, args, stdin, &[]).await
}

async fn meraki_env(
    base_url: &str,
    args: &[&str],
    stdin: Option<&str>,
    env: &[(&str, &str)],
) -> Run {
    let home = tempfile::tempdir().expect("temporary home");
    let mut command = Command::new(env!("CARGO_BIN_EXE_meraki"));
    command
        .args(args)
        .env_remove("MERAKI_CONFIG")
        .env_remove("MERAKI_PROFILE")
        .env_remove("XDG_CONFIG_HOME")
        .env("HOME", home.path())
        .env("MERAKI_DASHBOARD_API_KEY", KEY)
        .env("MERAKI_BASE_URL", base_url)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (name, value) in env {
        if value.is_empty() {
            command.env_remove(name);
        } else {
            command.env(name, value);
        }
    }
    let stdin = stdin.map(str::to_owned);
    let output = tokio::task::spawn_blocking(move || {
        let mut child = command.spawn().expect("the meraki binary runs");
        if let Some(text) = stdin {
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(text.as_bytes())
                .expect("write stdin");
        }
        let output = child.wait_with_output().expect("meraki ends");
        drop(home);
        output
    })
    .await
    .expect("the process thread");
    let run = Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    assert!(
        !run.stdout.contains(KEY) && !run.stderr.contains(KEY),
        "the API key was printed"
    );
    run
}

fn network(i: usize) -> Value {
    json!({
        "id": format!("N_{i}"),
        "organizationId": "1",
        "name": format!("Branch, {i}"),
        "productTypes": ["appliance", "switch"],
        "timeZone": "Europe/Paris",
        "tags": [],
        "url": format!("https://n.meraki.com/N_{i}"),
        "notes": null,
        "isBoundToConfigTemplate": false,
    })
}

/// Three pages of networks (2 + 2 + 1) linked with `rel=next`.
async fn paged_networks(server: &MockServer) {
    let uri = server.uri();
    let page = |items: Vec<Value>, next: Option<&str>| {
        let mut response = ResponseTemplate::new(200).set_body_json(items);
        if let Some(next) = next {
            response = response.insert_header(
                "Link",
                format!("<{uri}/organizations/1/networks?startingAfter={next}>; rel=next"),
            );
        }
        response
    };
    Mock::given(method("GET"))
        .and(path("/organizations/1/networks"))
        .and(query_param("startingAfter", "N_2"))
        .respond_with(page(vec![network(3), network(4)], Some("N_4")))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/organizations/1/networks"))
        .and(query_param("startingAfter", "N_4"))
        .respond_with(page(vec![network(5)], None))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/organizations/1/networks"))
        .and(|request: &Request| request.url.query().is_none())
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .respond_with(page(vec![network(1), network(2)], Some("N_2")))
        .mount(server)
        .await;
}

const NETWORKS: &[&str] = &[
    "organizations",
    "get-organization-networks",
    "--organization-id",
    "1",
];

fn with<'a>(base: &[&'a str], more: &[&'a str]) -> Vec<&'a str> {
    base.iter().chain(more).copied().collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn piped_output_is_json_following_every_page_without_a_progress_bar() {
    let server = MockServer::start().await;
    paged_networks(&server).await;
    let run = meraki(&server.uri(), NETWORKS, None).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    // Nothing on stderr: no progress bar when it is not a terminal.
    assert_eq!(run.stderr, "");
    let items: Vec<Value> = serde_json::from_str(&run.stdout).expect("one JSON array");
    let ids: Vec<&str> = items.iter().map(|i| i["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["N_1", "N_2", "N_3", "N_4", "N_5"]);
    assert_eq!(items[0], network(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ndjson_streams_one_item_a_line_and_max_pages_stops() {
    let server = MockServer::start().await;
    paged_networks(&server).await;
    let run = meraki(&server.uri(), &with(NETWORKS, &["-o", "ndjson"]), None).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert_eq!(lines.len(), 5);
    assert_eq!(lines[4]["id"], "N_5");

    let run = meraki(
        &server.uri(),
        &with(NETWORKS, &["--output", "ndjson", "--max-pages", "2"]),
        None,
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout.lines().count(), 4);
    assert_eq!(run.stderr, "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn direction_prev_follows_prev_links() {
    let server = MockServer::start().await;
    let uri = server.uri();
    Mock::given(method("GET"))
        .and(path("/organizations/1/networks"))
        .and(query_param("endingBefore", "N_9"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(vec![network(7), network(8)])
                .insert_header(
                    "Link",
                    format!("<{uri}/organizations/1/networks?endingBefore=N_7>; rel=prev"),
                ),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/organizations/1/networks"))
        .and(query_param("endingBefore", "N_7"))
        .respond_with(ResponseTemplate::new(200).set_body_json(vec![network(6)]))
        .mount(&server)
        .await;
    let args = with(
        NETWORKS,
        &[
            "--ending-before",
            "N_9",
            "--direction",
            "prev",
            "-o",
            "ndjson",
            "--fields",
            "id",
        ],
    );
    let run = meraki(&uri, &args, None).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "{\"id\":\"N_7\"}\n{\"id\":\"N_8\"}\n{\"id\":\"N_6\"}\n"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn table_and_csv_show_the_scalar_fields_and_fields_picks_them() {
    let server = MockServer::start().await;
    paged_networks(&server).await;
    let run = meraki(&server.uri(), &with(NETWORKS, &["-o", "table"]), None).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let header = run.stdout.lines().nth(1).expect("a header row");
    // The model's scalar fields present in the data, in field order; `notes` is null in every
    // row and left out.
    for column in ["id", "organizationId", "name", "productTypes", "timeZone"] {
        assert!(header.contains(column), "{column} in {header}");
    }
    assert!(!header.contains("notes"), "{header}");
    assert!(run.stdout.contains("│ N_5"), "{}", run.stdout);
    assert!(run.stdout.contains("appliance, switch"), "{}", run.stdout);
    assert!(run.stdout.matches("N_").count() >= 5);

    let run = meraki(
        &server.uri(),
        &with(NETWORKS, &["-o", "csv", "--fields", "id,name,productTypes"]),
        None,
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines[0], "id,name,productTypes");
    assert_eq!(lines[1], "N_1,\"Branch, 1\",\"appliance, switch\"");
    assert_eq!(lines.len(), 6);

    // Without --fields, CSV has every scalar field the model declares.
    let run = meraki(&server.uri(), &with(NETWORKS, &["-o", "csv"]), None).await;
    assert!(run.stdout.starts_with(
        "id,organizationId,name,productTypes,timeZone,tags,enrollmentString,url,notes,isBoundToConfigTemplate\n"
    ), "{}", run.stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_single_object_in_every_format_with_nested_fields() {
    let server = MockServer::start().await;
    let body = json!({"id": "N_1", "name": "HQ", "timeZone": "Europe/Paris", "details": {"site": "Paris", "floor": 3}});
    Mock::given(method("GET"))
        .and(path("/networks/N_1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(&body))
        .mount(&server)
        .await;
    let base = ["networks", "get-network", "--network-id", "N_1"];
    let run = meraki(&server.uri(), &base, None).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(serde_json::from_str::<Value>(&run.stdout).unwrap(), body);

    let run = meraki(&server.uri(), &with(&base, &["-o", "ndjson"]), None).await;
    assert_eq!(run.stdout, format!("{body}\n"));

    let run = meraki(
        &server.uri(),
        &with(&base, &["--fields", "name,details.floor"]),
        None,
    )
    .await;
    assert_eq!(
        serde_json::from_str::<Value>(&run.stdout).unwrap(),
        json!({"name": "HQ", "details": {"floor": 3}})
    );

    // An object reads as `field | value` rows.
    let run = meraki(&server.uri(), &with(&base, &["-o", "table"]), None).await;
    assert!(run.stdout.contains("field"), "{}", run.stdout);
    assert!(run.stdout.contains("timeZone"), "{}", run.stdout);
    assert!(
        run.stdout.contains("{\"site\":\"Paris\",\"floor\":3}"),
        "{}",
        run.stdout
    );

    let run = meraki(
        &server.uri(),
        &with(&base, &["-o", "csv", "--fields", "id,details.site"]),
        None,
    )
    .await;
    assert_eq!(run.stdout, "id,details.site\nN_1,Paris\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_flags_are_sent_as_meraki_arrays() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/organizations/1/devices"))
        .and(|request: &Request| {
            request.url.query() == Some("perPage=5&productTypes[]=switch&productTypes[]=camera")
        })
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(2)
        .mount(&server)
        .await;
    // Comma-separated or repeated; the wire name works as a flag too.
    for args in [
        &["--product-types", "switch,camera", "--per-page", "5"][..],
        &[
            "--productTypes",
            "switch",
            "--product-types",
            "camera",
            "--perPage",
            "5",
        ][..],
    ] {
        let run = meraki(
            &server.uri(),
            &with(&["getOrganizationDevices", "--organization-id", "1"], args),
            None,
        )
        .await;
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert_eq!(run.stdout, "[]\n");
    }
}

const VLAN: &[&str] = &[
    "appliance",
    "update-network-appliance-vlan",
    "--network-id",
    "N_1",
    "--vlan-id",
    "10",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_from_a_file_or_stdin_with_body_flags_on_top() {
    let server = MockServer::start().await;
    let sent = json!({"name": "Guests", "subnet": "10.0.10.0/24", "applianceIp": "10.0.10.1", "dhcpHandling": "Run a DHCP server"});
    Mock::given(method("PUT"))
        .and(path("/networks/N_1/appliance/vlans/10"))
        .and(body_json(&sent))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"id": "10", "name": "Guests"})),
        )
        .expect(2)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("vlan.json");
    std::fs::write(
        &file,
        r#"{"name": "Old", "subnet": "10.0.10.0/24", "applianceIp": "10.0.10.1"}"#,
    )
    .unwrap();
    let at_file = format!("@{}", file.display());
    let run = meraki(
        &server.uri(),
        &with(
            VLAN,
            &[
                "--body",
                &at_file,
                "--name",
                "Guests",
                "--dhcp-handling",
                "Run a DHCP server",
            ],
        ),
        None,
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        serde_json::from_str::<Value>(&run.stdout).unwrap()["name"],
        "Guests"
    );

    let run = meraki(
        &server.uri(),
        &with(
            VLAN,
            &["--body", "-", "--dhcp-handling", "Run a DHCP server"],
        ),
        Some(r#"{"name": "Guests", "subnet": "10.0.10.0/24", "applianceIp": "10.0.10.1"}"#),
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);

    // A body that is not JSON is a usage error; nothing is sent.
    let run = meraki(&server.uri(), &with(VLAN, &["--body", "{nope"]), None).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("not valid JSON"), "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validation_errors_are_usage_errors_and_send_nothing() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let run = meraki(
        &server.uri(),
        &with(NETWORKS, &["--tags-filter-type", "withSomeTags"]),
        None,
    )
    .await;
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("invalid value 'withSomeTags'"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("withAllTags, withAnyTags"),
        "{}",
        run.stderr
    );

    let run = meraki(
        &server.uri(),
        &["organizations", "get-organization-networks"],
        None,
    )
    .await;
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("--organization-id <STRING>"),
        "{}",
        run.stderr
    );

    let run = meraki(
        &server.uri(),
        &with(NETWORKS, &["--per-page", "many"]),
        None,
    )
    .await;
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("invalid value 'many'"),
        "{}",
        run.stderr
    );

    let run = meraki(
        &server.uri(),
        &["organizations", "get-organisation-networks"],
        None,
    )
    .await;
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("get-organization-networks"),
        "a suggestion: {}",
        run.stderr
    );

    // A timestamp is checked as the runtime reads one.
    let run = meraki(
        &server.uri(),
        &[
            "networks",
            "create-network-firmware-upgrades-rollback",
            "--network-id",
            "N_1",
            "--reasons",
            "[]",
            "--time",
            "next tuesday",
        ],
        None,
    )
    .await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("not an ISO 8601"), "{}", run.stderr);

    // A required body field is required unless --body is given.
    let run = meraki(
        &server.uri(),
        &[
            "networks",
            "create-network-webhooks-http-server",
            "--network-id",
            "N_1",
        ],
        None,
    )
    .await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("--name"), "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_errors_print_merakis_messages_and_the_request_id_with_distinct_codes() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/networks/N_404"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({"errors": ["Network not found"]}))
                .insert_header("X-Request-Id", "req-4242"),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/networks/N_500"))
        .respond_with(ResponseTemplate::new(500).set_body_string("upstream broke"))
        .mount(&server)
        .await;
    let run = meraki(
        &server.uri(),
        &["networks", "get-network", "--network-id", "N_404"],
        None,
    )
    .await;
    assert_eq!(run.code, 4);
    assert!(run.stderr.contains("HTTP 404"), "{}", run.stderr);
    assert!(run.stderr.contains("Network not found"), "{}", run.stderr);
    assert!(
        run.stderr.contains("request id: req-4242"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stdout, "");

    // The most verbose logs (HTTP internals included) do not show the key either (`meraki`
    // checks every run's output for it).
    let run = meraki(
        &server.uri(),
        &["networks", "get-network", "--network-id", "N_404", "-vvv"],
        None,
    )
    .await;
    assert_eq!(run.code, 4);
    assert!(run.stderr.contains("request"), "{}", run.stderr);

    let run = meraki(
        &server.uri(),
        &[
            "networks",
            "get-network",
            "--network-id",
            "N_500",
            "--retries",
            "0",
        ],
        None,
    )
    .await;
    assert_eq!(run.code, 5);
    assert!(run.stderr.contains("HTTP 500"), "{}", run.stderr);
    assert!(run.stderr.contains("upstream broke"), "{}", run.stderr);

    // Nothing listens on port 1: a network failure.
    let run = meraki(
        "http://127.0.0.1:1",
        &[
            "networks",
            "get-network",
            "--network-id",
            "N_1",
            "--retries",
            "0",
        ],
        None,
    )
    .await;
    assert_eq!(run.code, 5, "{}", run.stderr);

    // No key anywhere: a configuration error, before anything is sent.
    let run = meraki_env(
        &server.uri(),
        &["networks", "get-network", "--network-id", "N_1"],
        None,
        &[("MERAKI_DASHBOARD_API_KEY", "")],
    )
    .await;
    assert_eq!(run.code, 3);
    assert!(run.stderr.contains("no API key"), "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_sends_no_change_and_prints_what_would_be_sent() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let run = meraki(
        &server.uri(),
        &with(VLAN, &["--name", "Guests", "--dry-run"]),
        None,
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let shown: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(shown["dryRun"], true);
    assert_eq!(shown["method"], "PUT");
    assert_eq!(
        shown["url"],
        format!("{}/networks/N_1/appliance/vlans/10", server.uri())
    );
    assert_eq!(shown["body"], json!({"name": "Guests"}));
    assert!(run.stderr.contains("dry run: PUT"), "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_profile_of_the_config_file_gives_the_key_and_base_url() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/networks/N_1"))
        .and(header("authorization", "Bearer profile-key-123456"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "N_1"})))
        .expect(1)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[default]\napi_key = \"default-key-000000\"\n\n[lab]\napi_key = \"profile-key-123456\"\nbase_url = \"{}\"\n",
            server.uri()
        ),
    )
    .unwrap();
    let config = config.display().to_string();
    let run = meraki_env(
        "http://127.0.0.1:1",
        &[
            "networks",
            "get-network",
            "--network-id",
            "N_1",
            "--profile",
            "lab",
            "--config",
            &config,
        ],
        None,
        &[("MERAKI_DASHBOARD_API_KEY", ""), ("MERAKI_BASE_URL", "")],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stdout.contains("profile-key") && !run.stderr.contains("profile-key"));

    let run = meraki_env(
        "http://127.0.0.1:1",
        &[
            "networks",
            "get-network",
            "--network-id",
            "N_1",
            "--profile",
            "nope",
        ],
        None,
        &[("MERAKI_CONFIG", &config)],
    )
    .await;
    assert_eq!(run.code, 3);
    assert!(run.stderr.contains("no profile `nope`"), "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completions_for_bash_zsh_and_fish_name_every_command_and_enum_value() {
    for shell in ["bash", "zsh", "fish"] {
        let run = meraki("http://127.0.0.1:1", &["completions", shell], None).await;
        assert_eq!(run.code, 0, "{shell}: {}", run.stderr);
        for word in [
            "get-organization-networks",
            "organization-id",
            "withAnyTags",
            "cellular-gateway",
        ] {
            assert!(run.stdout.contains(word), "{shell}: {word}");
        }
    }
    let run = meraki("http://127.0.0.1:1", &["completions", "tcsh"], None).await;
    assert_eq!(run.code, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn help_and_version_exit_zero() {
    for args in [
        &["--help"][..],
        &["organizations", "--help"][..],
        &["organizations", "get-organization-networks", "--help"][..],
        &["help", "organizations", "get-organization-networks"][..],
        &["--version"][..],
    ] {
        let run = meraki("http://127.0.0.1:1", args, None).await;
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        assert!(!run.stdout.is_empty());
    }
    let run = meraki(
        "http://127.0.0.1:1",
        &["organizations", "get-organization-networks", "--help"],
        None,
    )
    .await;
    // Help text from the spec, enum values listed.
    assert!(run
        .stdout
        .contains("List the networks that the user has privileges on"));
    assert!(run
        .stdout
        .contains("[possible values: withAllTags, withAnyTags]"));
    assert!(run
        .stdout
        .contains("GET /organizations/{organizationId}/networks"));
    let run = meraki("http://127.0.0.1:1", &[], None).await;
    assert_eq!(run.code, 2, "no command is a usage error");
    assert!(Path::new(env!("CARGO_BIN_EXE_meraki")).exists());
}
