//! Which organization a request is metered by: read from `/organizations/{id}/...` paths, and
//! for `/networks/{id}/...` and `/devices/{serial}/...` paths from a bounded map of networks and
//! devices to organizations, learned from the responses that pass through the client, told by
//! the user, or resolved on demand (`getNetwork`, `getDevice`).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use percent_encoding::percent_decode_str;
use serde_json::Value;

/// What a request path is about, as far as the Dashboard's metering goes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Scope {
    Organization(String),
    Network(String),
    Device(String),
    /// Not tied to an organization (`/organizations`, `/administered/...`): the global bucket
    /// only.
    None,
}

/// The scope of a request path: its first `organizations`, `networks` or `devices` segment
/// followed by an id. Ids are percent-decoded, as the JSON that teaches them is.
pub(crate) fn scope_of(path: &str) -> Scope {
    let mut segments = path.split('/');
    while let Some(segment) = segments.next() {
        let make: fn(String) -> Scope = match segment {
            "organizations" => Scope::Organization,
            "networks" => Scope::Network,
            "devices" => Scope::Device,
            _ => continue,
        };
        return match segments.next().filter(|id| !id.is_empty()) {
            Some(id) => make(decode(id)),
            None => Scope::None,
        };
    }
    Scope::None
}

fn decode(segment: &str) -> String {
    percent_decode_str(segment).decode_utf8_lossy().into_owned()
}

/// Whether the response of a GET on `path` is worth reading for mappings: the organization's
/// paths about networks or devices (`networks`, `devices`, `devices/statuses`,
/// `inventory/devices`, `wireless/devices/...`), `getNetwork`, a network's devices, and
/// `getDevice`. Everything else is not looked
/// at, so that mapping costs nothing on the calls that make up most traffic.
pub(crate) fn teaches(path: &str) -> bool {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let Some(at) = segments
        .iter()
        .position(|s| matches!(*s, "organizations" | "networks" | "devices"))
    else {
        return false;
    };
    match &segments[at..] {
        // Any listing of an organization about its networks or devices: `networks`,
        // `devices/statuses`, `inventory/devices`, `wireless/devices/ethernet/statuses`...
        ["organizations", _, rest @ ..] => rest
            .iter()
            .any(|segment| matches!(*segment, "networks" | "devices")),
        rest => matches!(
            rest,
            ["networks", _] | ["networks", _, "devices"] | ["devices", _]
        ),
    }
}

/// One mapping learned from a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Fact {
    NetworkIn {
        network: String,
        organization: String,
    },
    DeviceIn {
        serial: String,
        organization: String,
    },
    DeviceOnNetwork {
        serial: String,
        network: String,
    },
}

/// The mappings a response body (an object, or an array of objects) carries, read in the
/// context of its path: any object with `organizationId` and `id` (a network when the path is a
/// network listing or `getNetwork`), `networkId` (or `network.id`) or `serial`; and in an
/// organization's listings, objects with `networkId` or `serial` belong to that organization.
pub(crate) fn facts(path: &str, body: &Value, out: &mut Vec<Fact>) {
    match body {
        Value::Array(items) => {
            let context = Context::of(path);
            for item in items {
                context.facts_of(item, out);
            }
        }
        Value::Object(_) => Context::of(path).facts_of(body, out),
        _ => {}
    }
}

/// What the path of a response says about the objects in it.
pub(crate) struct Context {
    organization: Option<String>,
    /// The objects are networks (their `id` is a network id).
    networks: bool,
    /// The path's network (`/networks/{id}/devices`).
    network: Option<String>,
}

impl Context {
    pub(crate) fn of(path: &str) -> Context {
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let at = segments
            .iter()
            .position(|s| matches!(*s, "organizations" | "networks" | "devices"))
            .unwrap_or(segments.len());
        let (organization, networks, network) = match &segments[at..] {
            ["organizations", org, "networks"] => (Some(decode(org)), true, None),
            ["organizations", org, ..] => (Some(decode(org)), false, None),
            ["networks", _] => (None, true, None),
            ["networks", net, ..] => (None, false, Some(decode(net))),
            _ => (None, false, None),
        };
        Context {
            organization,
            networks,
            network,
        }
    }

    pub(crate) fn facts_of(&self, item: &Value, out: &mut Vec<Fact>) {
        let Value::Object(object) = item else { return };
        let text = |key: &str| -> Option<String> {
            match object.get(key)? {
                Value::String(s) if !s.is_empty() => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            }
        };
        let organization = text("organizationId").or_else(|| self.organization.clone());
        let network = text("networkId")
            .or_else(|| match object.get("network") {
                Some(Value::Object(network)) => match network.get("id") {
                    Some(Value::String(id)) if !id.is_empty() => Some(id.clone()),
                    _ => None,
                },
                _ => None,
            })
            .or_else(|| {
                if self.networks {
                    text("id")
                } else {
                    self.network.clone()
                }
            });
        let serial = text("serial");
        if let Some(organization) = &organization {
            if let Some(network) = &network {
                out.push(Fact::NetworkIn {
                    network: network.clone(),
                    organization: organization.clone(),
                });
            }
            if let Some(serial) = &serial {
                out.push(Fact::DeviceIn {
                    serial: serial.clone(),
                    organization: organization.clone(),
                });
            }
        } else if let (Some(serial), Some(network)) = (serial, network) {
            out.push(Fact::DeviceOnNetwork { serial, network });
        }
    }
}

/// The key of a mapping.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Subject {
    Network(String),
    Device(String),
}

struct Entry {
    /// `None`: looked up and not found (kept for a shorter time, so a missing network is not
    /// looked up on every call).
    organization: Option<String>,
    learned: Instant,
    generation: u64,
}

struct Table {
    entries: HashMap<Subject, Entry>,
    /// Insertion order, for evicting the oldest; entries whose generation no longer matches are
    /// stale and skipped.
    order: VecDeque<(Subject, u64)>,
    generation: u64,
}

/// Networks and devices to organizations, bounded in size and age.
pub(crate) struct OrganizationMap {
    max_entries: usize,
    max_age: Duration,
    table: Mutex<Table>,
}

/// How long a failed lookup is remembered.
const NEGATIVE_AGE: Duration = Duration::from_secs(60);

impl OrganizationMap {
    pub(crate) fn new(max_entries: usize, max_age: Duration) -> OrganizationMap {
        OrganizationMap {
            max_entries: max_entries.max(1),
            max_age,
            table: Mutex::new(Table {
                entries: HashMap::new(),
                order: VecDeque::new(),
                generation: 0,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Table> {
        self.table.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The organization of `subject`: `Some(Some(org))` known, `Some(None)` known to be
    /// unresolvable (for a while), `None` unknown.
    pub(crate) fn get(&self, subject: &Subject) -> Option<Option<String>> {
        let mut table = self.lock();
        let entry = table.entries.get(subject)?;
        let age = if entry.organization.is_some() {
            self.max_age
        } else {
            NEGATIVE_AGE.min(self.max_age)
        };
        if entry.learned.elapsed() > age {
            table.entries.remove(subject);
            return None;
        }
        Some(entry.organization.clone())
    }

    /// Records (or refreshes) a mapping; evicts the oldest beyond the size bound.
    pub(crate) fn insert(&self, subject: Subject, organization: Option<String>) {
        let mut table = self.lock();
        if let Some(entry) = table.entries.get_mut(&subject) {
            if entry.organization == organization && entry.learned.elapsed() < self.max_age / 4 {
                return;
            }
        }
        table.generation += 1;
        let generation = table.generation;
        table.entries.insert(
            subject.clone(),
            Entry {
                organization,
                learned: Instant::now(),
                generation,
            },
        );
        table.order.push_back((subject, generation));
        while table.entries.len() > self.max_entries {
            let Some((oldest, generation)) = table.order.pop_front() else {
                break;
            };
            if table.entries.get(&oldest).map(|e| e.generation) == Some(generation) {
                table.entries.remove(&oldest);
            }
        }
        // Refreshed entries leave stale positions behind; keep the queue within twice the map.
        if table.order.len() > 2 * self.max_entries.max(16) {
            let Table { entries, order, .. } = &mut *table;
            order.retain(|(s, g)| entries.get(s).map(|e| e.generation) == Some(*g));
        }
    }

    /// Applies what a response taught.
    pub(crate) fn learn(&self, facts: &[Fact]) {
        for fact in facts {
            match fact {
                Fact::NetworkIn {
                    network,
                    organization,
                } => self.insert(
                    Subject::Network(network.clone()),
                    Some(organization.clone()),
                ),
                Fact::DeviceIn {
                    serial,
                    organization,
                } => self.insert(Subject::Device(serial.clone()), Some(organization.clone())),
                Fact::DeviceOnNetwork { serial, network } => {
                    if let Some(Some(organization)) = self.get(&Subject::Network(network.clone())) {
                        self.insert(Subject::Device(serial.clone()), Some(organization));
                    }
                }
            }
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.lock().entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn scopes() {
        assert_eq!(
            scope_of("/api/v1/organizations/123/devices"),
            Scope::Organization("123".into())
        );
        assert_eq!(
            scope_of("/api/v1/organizations/123/networks"),
            Scope::Organization("123".into())
        );
        assert_eq!(scope_of("/api/v1/organizations"), Scope::None);
        assert_eq!(scope_of("/api/v1/organizations/"), Scope::None);
        assert_eq!(
            scope_of("/api/v1/networks/N_1/clients"),
            Scope::Network("N_1".into())
        );
        assert_eq!(
            scope_of("/api/v1/devices/Q2AB-1%2FX/clients"),
            Scope::Device("Q2AB-1/X".into())
        );
        assert_eq!(scope_of("/api/v1/administered/identities/me"), Scope::None);
    }

    #[test]
    fn which_responses_teach() {
        for path in [
            "/api/v1/organizations/1/networks",
            "/api/v1/organizations/1/devices",
            "/api/v1/organizations/1/devices/statuses",
            "/api/v1/organizations/1/inventory/devices",
            "/api/v1/organizations/1/wireless/devices/ethernet/statuses",
            "/api/v1/networks/N_1",
            "/api/v1/networks/N_1/devices",
            "/api/v1/devices/Q",
        ] {
            assert!(teaches(path), "{path}");
        }
        for path in [
            "/api/v1/devices/Q/clients",
            "/api/v1/networks/N_1/clients",
            "/api/v1/organizations/1/admins",
            "/api/v1/organizations",
        ] {
            assert!(!teaches(path), "{path}");
        }
    }

    fn learned(path: &str, body: Value) -> Vec<Fact> {
        let mut out = Vec::new();
        facts(path, &body, &mut out);
        out
    }

    #[test]
    fn facts_from_listings_and_single_objects() {
        let networks = learned(
            "/api/v1/organizations/7/networks",
            json!([{"id": "N_1", "organizationId": "7"}, {"id": "L_2"}]),
        );
        assert_eq!(
            networks,
            [
                Fact::NetworkIn {
                    network: "N_1".into(),
                    organization: "7".into()
                },
                Fact::NetworkIn {
                    network: "L_2".into(),
                    organization: "7".into()
                }
            ]
        );
        let devices = learned(
            "/api/v1/organizations/7/devices",
            json!([{"serial": "Q1", "networkId": "N_1"}, {"serial": "Q2", "networkId": null}]),
        );
        assert!(devices.contains(&Fact::DeviceIn {
            serial: "Q1".into(),
            organization: "7".into()
        }));
        assert!(devices.contains(&Fact::DeviceIn {
            serial: "Q2".into(),
            organization: "7".into()
        }));
        let network = learned(
            "/api/v1/networks/N_9",
            json!({"id": "N_9", "organizationId": 8}),
        );
        assert_eq!(
            network,
            [Fact::NetworkIn {
                network: "N_9".into(),
                organization: "8".into()
            }]
        );
        let device = learned(
            "/api/v1/devices/Q3",
            json!({"serial": "Q3", "networkId": "N_9"}),
        );
        assert_eq!(
            device,
            [Fact::DeviceOnNetwork {
                serial: "Q3".into(),
                network: "N_9".into()
            }]
        );
        let on_network = learned("/api/v1/networks/N_9/devices", json!([{"serial": "Q4"}]));
        assert_eq!(
            on_network,
            [Fact::DeviceOnNetwork {
                serial: "Q4".into(),
                network: "N_9".into()
            }]
        );
        let statuses = learned(
            "/api/v1/organizations/7/devices/provisioning/statuses",
            json!([{"serial": "Q5", "network": {"id": "N_5"}}]),
        );
        assert_eq!(statuses.len(), 2);
        assert!(learned("/api/v1/organizations/7/devices", json!("text")).is_empty());
    }

    #[test]
    fn map_is_bounded_in_size_and_age() {
        let map = OrganizationMap::new(3, Duration::from_secs(3600));
        for i in 0..10 {
            map.insert(Subject::Network(format!("N_{i}")), Some("1".into()));
        }
        assert_eq!(map.len(), 3);
        assert_eq!(map.get(&Subject::Network("N_0".into())), None);
        assert_eq!(
            map.get(&Subject::Network("N_9".into())),
            Some(Some("1".into()))
        );
        // Refreshing the same entry over and over keeps the queue bounded.
        for _ in 0..1000 {
            map.insert(Subject::Network("N_9".into()), Some("2".into()));
            map.insert(Subject::Network("N_9".into()), Some("1".into()));
        }
        assert!(map.lock().order.len() <= 32 + 3);

        let short = OrganizationMap::new(10, Duration::from_millis(1));
        short.insert(Subject::Device("Q".into()), Some("1".into()));
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(short.get(&Subject::Device("Q".into())), None);

        let map = OrganizationMap::new(10, Duration::from_secs(60));
        map.learn(&[
            Fact::DeviceOnNetwork {
                serial: "Q".into(),
                network: "N".into(),
            },
            Fact::NetworkIn {
                network: "N".into(),
                organization: "5".into(),
            },
            Fact::DeviceOnNetwork {
                serial: "Q".into(),
                network: "N".into(),
            },
        ]);
        assert_eq!(
            map.get(&Subject::Device("Q".into())),
            Some(Some("5".into()))
        );
    }
}
