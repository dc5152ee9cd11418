//! Conformance against Prism, a spec-validating mock server nobody on this team wrote: it
//! checks paths, query parameters, enums, bounds and authentication of every request against
//! the OpenAPI document assembled from `specs/`, and answers with the documented examples.
//!
//! Prism comes from the npm registry: `PRISM_BIN` names the binary, else it is installed once
//! under `target/prism/` (what `.ci/run` does too).

#[path = "../../generated-client/examples/provisioning_summary.rs"]
mod example;

use std::io::Read;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use meraki::types::{Status, TagsFilterType};
use meraki_codegen::{assemble, load};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

static INSTALL: Mutex<()> = Mutex::new(());

fn prism_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("PRISM_BIN") {
        return PathBuf::from(path);
    }
    let prefix = repo_root().join("target/prism");
    let binary = prefix.join("node_modules/.bin/prism");
    let _guard = INSTALL.lock().unwrap_or_else(|e| e.into_inner());
    if !binary.exists() {
        std::fs::create_dir_all(&prefix).unwrap();
        let status = Command::new("npm")
            .args([
                "install",
                "--no-save",
                "--no-audit",
                "--no-fund",
                "--prefix",
            ])
            .arg(&prefix)
            .arg("@stoplight/prism-cli@5")
            .status()
            .expect("npm is needed to install Prism");
        assert!(status.success(), "installing @stoplight/prism-cli failed");
    }
    binary
}

/// A running `prism mock --errors`, stopped when dropped (also when a test panics).
struct Prism {
    child: Child,
    base_url: String,
    _spec: tempfile::TempDir,
}

impl Prism {
    fn start() -> Prism {
        let binary = prism_binary();
        let spec_dir = tempfile::tempdir().unwrap();
        let spec = spec_dir.path().join("meraki.json");
        let specs = load::load_specs(&repo_root().join("specs")).expect("specs load");
        std::fs::write(
            &spec,
            serde_json::to_vec_pretty(&assemble::assemble_openapi(&specs)).unwrap(),
        )
        .unwrap();
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut child = Command::new(&binary)
            .args([
                "mock",
                "--errors",
                "-h",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ])
            .arg(&spec)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        let address: SocketAddr = ([127, 0, 0, 1], port).into();
        let deadline = Instant::now() + Duration::from_secs(90);
        while TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_err() {
            if let Some(status) = child.try_wait().unwrap() {
                let mut output = String::new();
                child
                    .stderr
                    .take()
                    .unwrap()
                    .read_to_string(&mut output)
                    .unwrap();
                panic!("Prism exited with {status}: {output}");
            }
            assert!(
                Instant::now() < deadline,
                "Prism did not listen on {address} within 90 s"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        Prism {
            child,
            base_url: format!("http://{address}"),
            _spec: spec_dir,
        }
    }

    fn client(&self) -> meraki::Client {
        meraki::Client::builder()
            .api_key("prism-checks-only-the-scheme")
            .base_url(&self.base_url)
            .no_proxy()
            .retry(meraki::runtime::RetryConfig::disabled())
            .build()
            .unwrap()
    }
}

impl Drop for Prism {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The parameters the test below sets, per operation. When `specs/` gains an operation or a
/// parameter, `the_test_covers_every_operation_and_parameter` fails until the calls below do too.
const COVERED: &[(&str, &[&str])] = &[
    ("getDeviceClients", &["serial", "t0", "timespan"]),
    (
        "getOrganizationDevicesProvisioningStatuses",
        &[
            "organizationId",
            "endingBefore",
            "networkIds",
            "perPage",
            "productTypes",
            "serials",
            "startingAfter",
            "status",
            "tags",
            "tagsFilterType",
        ],
    ),
];

#[test]
fn the_test_covers_every_operation_and_parameter() {
    let specs = load::load_specs(&repo_root().join("specs")).unwrap();
    let api = meraki_codegen::lower::lower(&specs).unwrap();
    let actual: Vec<(String, Vec<String>)> = api
        .operations
        .iter()
        .map(|op| {
            (
                op.operation_id.clone(),
                op.params.iter().map(|p| p.wire_name.clone()).collect(),
            )
        })
        .collect();
    let covered: Vec<(String, Vec<String>)> = COVERED
        .iter()
        .map(|(id, params)| {
            (
                id.to_string(),
                params.iter().map(|p| p.to_string()).collect(),
            )
        })
        .collect();
    assert_eq!(actual, covered);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_seed_operation_with_every_parameter_is_accepted() {
    let prism = Prism::start();
    let client = prism.client();

    let clients = client
        .get_device_clients("Q2XX-ABCD-1234")
        .t0("2024-12-01T00:00:00Z")
        .timespan(86400.0)
        .send()
        .await
        .expect("Prism accepts getDeviceClients with every parameter");
    assert!(
        !clients.is_empty(),
        "Prism answers with the documented example"
    );

    let statuses = client
        .get_organization_devices_provisioning_statuses("1215707")
        .per_page(1000)
        .starting_after("a")
        .ending_before("z")
        .network_ids(["N_1", "N_2"])
        .product_types(["switch", "camera"])
        .serials(["Q234-ABCD-5678"])
        .status(Status::Complete)
        .tags(["tag1", "tag2"])
        .tags_filter_type(TagsFilterType::WithAllTags)
        .send()
        .await
        .expect("Prism accepts getOrganizationDevicesProvisioningStatuses with every parameter");
    assert_eq!(statuses[0].serial.as_deref(), Some("Q234-ABCD-5678"));

    // The example program's logic, streamed through the paginator.
    let counts = example::count_by_product_type(&client, "1215707")
        .await
        .expect("the example runs against Prism");
    assert_eq!(counts.get("switch"), Some(&1), "{counts:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prism_rejects_what_the_spec_forbids() {
    // Negative controls: the conformance test above could not pass by accident.
    let prism = Prism::start();
    let client = prism.client();

    let bogus = client
        .get_organization_devices_provisioning_statuses("1")
        .status(Status::UnknownValue("bogus".into()))
        .send()
        .await;
    let error = bogus.expect_err("an enum value the spec does not list is invalid");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(422), "{error}");

    let too_long = client
        .get_device_clients("Q2XX")
        .timespan(9_999_999.0)
        .send()
        .await;
    assert_eq!(
        too_long
            .expect_err("timespan above its maximum")
            .status()
            .map(|s| s.as_u16()),
        Some(422)
    );
}
