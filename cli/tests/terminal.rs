//! `meraki` in a real terminal (tmux): typed into a shell with `send-keys`, read back with
//! `capture-pane` as a person would see it: the progress bar while pages arrive, then the
//! table sized to the terminal, the bar gone.
//!
//! Needs tmux (`.ci/run` installs it when missing); skipped without it, except under CI.

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::json;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// A tmux server of this test's own (its own socket), killed when dropped.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux runs")
    }

    fn screen(&self) -> String {
        let output = self.run(&["capture-pane", "-p", "-t", "cli"]);
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Polls the screen until `done` holds for it.
    fn wait_for(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if done(&screen) {
                return screen;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "never saw {what}; the screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(40));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

fn tmux_available() -> bool {
    Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_a_terminal_a_progress_bar_then_a_table_as_a_person_sees_them() {
    if !tmux_available() {
        assert!(
            std::env::var_os("CI").is_none(),
            "tmux is needed for the terminal test"
        );
        eprintln!("skipped: tmux is not installed");
        return;
    }
    let server = MockServer::start().await;
    let uri = server.uri();
    let network = |i: usize| {
        json!({
            "id": format!("N_{i}"),
            "organizationId": "1",
            "name": format!("Branch {i}"),
            "productTypes": ["appliance", "switch"],
            "timeZone": "Europe/Paris",
            "url": format!("https://n.meraki.com/o/x/manage/N_{i}"),
            "isBoundToConfigTemplate": false,
        })
    };
    // Three pages, each taking a while, so that the bar is seen between them.
    let delay = Duration::from_millis(900);
    let page = |items: Vec<serde_json::Value>, next: Option<&str>| {
        let mut response = ResponseTemplate::new(200)
            .set_body_json(items)
            .set_delay(delay);
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
        .and(|request: &Request| request.url.query().is_none())
        .respond_with(page(vec![network(1), network(2)], Some("N_2")))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/organizations/1/networks"))
        .and(query_param("startingAfter", "N_2"))
        .respond_with(page(vec![network(3), network(4)], Some("N_4")))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/organizations/1/networks"))
        .and(query_param("startingAfter", "N_4"))
        .respond_with(page(vec![network(5)], None))
        .mount(&server)
        .await;

    let home = tempfile::tempdir().unwrap();
    let tmux = Tmux {
        socket: format!("meraki-cli-test-{}", std::process::id()),
    };
    let key_env = "MERAKI_DASHBOARD_API_KEY=terminal-test-key-77";
    let url_env = format!("MERAKI_BASE_URL={uri}");
    let home_env = format!("HOME={}", home.path().display());
    let width = 100;
    let started = tmux.run(&[
        "new-session",
        "-d",
        "-s",
        "cli",
        "-x",
        &width.to_string(),
        "-y",
        "40",
        "-e",
        key_env,
        "-e",
        &url_env,
        "-e",
        &home_env,
        "-e",
        "PS1=$ ",
        "bash --norc --noprofile",
    ]);
    assert!(started.status.success(), "{started:?}");
    let binary = env!("CARGO_BIN_EXE_meraki");
    let typed = format!(
        "clear; {binary} organizations get-organization-networks --organization-id 1; echo EXIT=$?"
    );
    let sent = tokio::task::spawn_blocking(move || {
        let sent = tmux.run(&["send-keys", "-t", "cli", &typed, "Enter"]);
        assert!(sent.status.success(), "{sent:?}");
        // The bar, counting items and pages, while the pages arrive.
        let during = tmux.wait_for("the progress bar after the first page", |screen| {
            screen.contains("2 items, 1 page ")
        });
        let after = tmux.wait_for("the end of the command", |screen| screen.contains("EXIT="));
        (tmux, during, after)
    })
    .await
    .expect("the tmux thread");
    let (_tmux, during, after) = sent;
    // Shown with `--nocapture`: the two screens as they were.
    println!("during:\n{during}\nafter:\n{after}");
    let bar = during
        .lines()
        .find(|l| l.contains("2 items, 1 page "))
        .expect("a progress line");
    assert!(bar.trim_end().ends_with(')'), "elapsed time shown: {bar:?}");
    assert!(
        !during.contains("┌"),
        "no table before the last page:\n{during}"
    );

    assert!(after.contains("EXIT=0"), "{after}");
    // The bar is cleared; the table is there, as wide as the terminal allows.
    assert!(!after.contains("items, "), "the bar is gone:\n{after}");
    let table: Vec<&str> = after
        .lines()
        .filter(|l| l.starts_with(['┌', '│', '╞', '├', '└']))
        .collect();
    assert!(!table.is_empty(), "a table:\n{after}");
    let header = table
        .iter()
        .find(|l| l.starts_with('│'))
        .expect("a header row");
    for column in ["id", "organizationId", "name", "productTypes"] {
        assert!(header.contains(column), "{column} in {header}");
    }
    for row in ["N_1", "N_2", "N_3", "N_4", "N_5"] {
        assert!(
            table.iter().any(|l| l.contains(&format!("│ {row} "))),
            "{row}:\n{after}"
        );
    }
    assert!(
        table.iter().all(|l| l.chars().count() <= width),
        "the table fits {width} columns:\n{after}"
    );
    // What did not fit is named.
    assert!(after.contains("columns shown"), "{after}");
    assert!(
        !after.contains("terminal-test-key"),
        "the key is never shown"
    );
}
