//! Configuration from the environment (a binary of its own: it changes process variables).

use meraki_runtime::{Client, ClientBuilder, Error};

#[test]
fn from_env_reads_key_and_base_url() {
    std::env::remove_var("MERAKI_DASHBOARD_API_KEY");
    std::env::remove_var("MERAKI_BASE_URL");
    let error = Client::from_env().unwrap_err();
    assert!(matches!(error, Error::Config { .. }));
    assert!(error.to_string().contains("MERAKI_DASHBOARD_API_KEY"));

    std::env::set_var("MERAKI_DASHBOARD_API_KEY", "from-env-key");
    let client = Client::from_env().unwrap();
    assert_eq!(client.base_url(), "https://api.meraki.com/api/v1");
    assert!(!format!("{client:?}").contains("from-env-key"));

    std::env::set_var("MERAKI_BASE_URL", "https://api.meraki.ca/api/v1/");
    let client: Client = ClientBuilder::new().from_env().build().unwrap();
    assert_eq!(client.base_url(), "https://api.meraki.ca/api/v1");

    // Explicit settings after from_env win; an empty variable is ignored.
    std::env::set_var("MERAKI_BASE_URL", "");
    let client = Client::builder()
        .from_env()
        .base_url("http://127.0.0.1:1/api")
        .build()
        .unwrap();
    assert_eq!(client.base_url(), "http://127.0.0.1:1/api");
    std::env::remove_var("MERAKI_DASHBOARD_API_KEY");
    std::env::remove_var("MERAKI_BASE_URL");
}
