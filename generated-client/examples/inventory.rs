//! Every device of every organization the API key can see, counted by model and status.
//!
//! ```sh
//! MERAKI_DASHBOARD_API_KEY=... cargo run -p meraki --example inventory
//! ```
//! `MERAKI_BASE_URL` points it elsewhere, e.g. a regional API or a mock server such as Prism.

use std::collections::{BTreeMap, HashMap};

use futures::TryStreamExt;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = meraki::Client::from_env()?;
    // (organization, model, status) -> devices; a BTreeMap so the table comes out sorted.
    let mut counts: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    for organization in client.get_organizations().send().await? {
        let Some(id) = organization.id else { continue };
        let label = organization.name.unwrap_or_else(|| id.clone());
        // One organization without API access (or gone since the list was taken) should not
        // hide the others: report it and go on.
        if let Err(error) = count_devices(&client, &id, &label, &mut counts).await {
            eprintln!("skipping organization {label}: {error}");
        }
    }
    print_table(&counts);
    Ok(())
}

async fn count_devices(
    client: &meraki::Client,
    organization_id: &str,
    label: &str,
    counts: &mut BTreeMap<(String, String, String), usize>,
) -> meraki::Result<()> {
    // The device list carries no status. v1.42.0 has both getOrganizationDevicesStatuses and
    // its successor, the availabilities list, whose status is a typed enum: use the latter.
    let mut status_by_serial = HashMap::new();
    let mut availabilities = client
        .get_organization_devices_availabilities(organization_id)
        .per_page(1000)
        .items();
    while let Some(availability) = availabilities.try_next().await? {
        if let (Some(serial), Some(status)) = (availability.serial, availability.status) {
            status_by_serial.insert(serial, status.to_string());
        }
    }
    // `.items()` follows every page and decodes devices as they arrive, so even a large
    // organization never sits in memory whole.
    let mut devices = client
        .get_organization_devices(organization_id)
        .per_page(1000)
        .items();
    while let Some(device) = devices.try_next().await? {
        let model = device.model.unwrap_or_else(|| "unknown".into());
        let status = device
            .serial
            .and_then(|serial| status_by_serial.get(&serial).cloned())
            .unwrap_or_else(|| "unknown".into());
        *counts.entry((label.to_owned(), model, status)).or_default() += 1;
    }
    Ok(())
}

fn print_table(counts: &BTreeMap<(String, String, String), usize>) {
    let header = ("ORGANIZATION", "MODEL", "STATUS");
    let width = |column: fn(&(String, String, String)) -> &str, title: &str| {
        counts
            .keys()
            .map(|k| column(k).len())
            .chain([title.len()])
            .max()
            .unwrap_or(0)
    };
    let (w0, w1, w2) = (
        width(|k| &k.0, header.0),
        width(|k| &k.1, header.1),
        width(|k| &k.2, header.2),
    );
    println!(
        "{:w0$}  {:w1$}  {:w2$}  DEVICES",
        header.0, header.1, header.2
    );
    for ((organization, model, status), count) in counts {
        println!("{organization:w0$}  {model:w1$}  {status:w2$}  {count:>7}");
    }
    println!("{} devices", counts.values().sum::<usize>());
}
