//! The shapes generated code relies on: a wrapping client, the enum macros and `Timestamp`.

use std::borrow::Cow;
use std::collections::BTreeSet;

use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use meraki_runtime::{Client, ClientBuilder, Timestamp};
use serde::{Deserialize, Serialize};

/// What the generated crate's client looks like.
#[derive(Debug, Clone)]
pub struct Generated {
    core: Client,
}

impl From<Client> for Generated {
    fn from(core: Client) -> Self {
        Generated { core }
    }
}

impl Generated {
    fn builder() -> ClientBuilder<Generated> {
        ClientBuilder::new()
    }
}

#[test]
fn builder_produces_the_wrapping_type() {
    let generated: Generated = Generated::builder().api_key("k").build().unwrap();
    assert_eq!(generated.core.base_url(), "https://api.meraki.com/api/v1");
    let default: ClientBuilder<Generated> = ClientBuilder::default();
    assert!(default.build().is_err(), "no key");
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Status {
    Complete,
    Incomplete,
    Unknown(String),
}

impl Status {
    pub fn as_str(&self) -> &str {
        match self {
            Status::Complete => "complete",
            Status::Incomplete => "incomplete",
            Status::Unknown(value) => value,
        }
    }

    pub fn from_wire(value: String) -> Self {
        match value.as_str() {
            "complete" => Status::Complete,
            "incomplete" => Status::Incomplete,
            _ => Status::Unknown(value),
        }
    }
}

meraki_runtime::string_enum!(Status);

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Channel {
    V1,
    V36,
    Unknown(i64),
}

impl Channel {
    pub fn as_i64(&self) -> i64 {
        match self {
            Channel::V1 => 1,
            Channel::V36 => 36,
            Channel::Unknown(value) => *value,
        }
    }

    pub fn from_wire(value: i64) -> Self {
        match value {
            1 => Channel::V1,
            36 => Channel::V36,
            _ => Channel::Unknown(value),
        }
    }

    pub fn as_str(&self) -> Cow<'static, str> {
        match self {
            Channel::V1 => Cow::Borrowed("1"),
            Channel::V36 => Cow::Borrowed("36"),
            Channel::Unknown(value) => Cow::Owned(value.to_string()),
        }
    }
}

meraki_runtime::int_enum!(Channel);

#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct Row {
    status: Status,
    channel: Channel,
    statuses: Vec<Status>,
}

#[test]
fn string_enum_round_trips_known_and_unknown() {
    let row: Row = serde_json::from_str(
        r#"{"status":"complete","channel":36,"statuses":["incomplete","brand-new",""]}"#,
    )
    .unwrap();
    assert_eq!(row.status, Status::Complete);
    assert_eq!(
        row.statuses,
        vec![
            Status::Incomplete,
            Status::Unknown("brand-new".into()),
            Status::Unknown(String::new())
        ]
    );
    assert_eq!(
        serde_json::to_string(&row).unwrap(),
        r#"{"status":"complete","channel":36,"statuses":["incomplete","brand-new",""]}"#
    );
    // Owned strings (from a `Value`) take the visit_string path.
    let owned: Status = serde_json::from_value(serde_json::json!("later")).unwrap();
    assert_eq!(owned, Status::Unknown("later".into()));
    assert_eq!(Status::Complete.to_string(), "complete");
    assert_eq!("x".parse::<Status>().unwrap(), Status::Unknown("x".into()));
    assert_eq!("complete".parse::<Status>().unwrap(), Status::Complete);
    assert!(serde_json::from_str::<Status>("3").is_err());
    assert!(serde_json::from_str::<Status>("null").is_err());
}

#[test]
fn int_enum_round_trips_and_accepts_strings() {
    for (wire, expected) in [
        ("1", Channel::V1),
        ("36", Channel::V36),
        ("149", Channel::Unknown(149)),
        ("-2", Channel::Unknown(-2)),
        ("\"36\"", Channel::V36),
        ("\" 165 \"", Channel::Unknown(165)),
        ("36.0", Channel::V36),
    ] {
        let channel: Channel = serde_json::from_str(wire).unwrap();
        assert_eq!(channel, expected, "{wire}");
    }
    for bad in ["\"x\"", "1.5", "true", "null", "18446744073709551615"] {
        assert!(serde_json::from_str::<Channel>(bad).is_err(), "{bad}");
    }
    assert_eq!(
        serde_json::to_string(&Channel::Unknown(149)).unwrap(),
        "149"
    );
    assert_eq!(Channel::V36.to_string(), "36");
    assert_eq!(" 1 ".parse::<Channel>().unwrap(), Channel::V1);
    assert!("one".parse::<Channel>().is_err());
    assert_eq!(Channel::Unknown(7).as_str(), "7");
}

#[test]
fn timestamp_keeps_text_and_parses_on_demand() {
    let parsed: Vec<Timestamp> = serde_json::from_str(
        r#"["2024-03-01T12:34:56.789Z","2024-03-01 12:34:56","not a date","",1700000000,"2024-03-01T12:34:56+02:00"]"#,
    )
    .unwrap();
    assert_eq!(parsed[0].as_str(), "2024-03-01T12:34:56.789Z");
    let utc = Utc.with_ymd_and_hms(2024, 3, 1, 12, 34, 56).unwrap();
    assert_eq!(
        parsed[0].parse().unwrap(),
        utc + chrono::Duration::milliseconds(789)
    );
    assert_eq!(parsed[1].parse().unwrap(), utc);
    assert_eq!(parsed[2].parse(), None);
    assert_eq!(parsed[3].parse(), None);
    assert_eq!(parsed[4].as_str(), "1700000000");
    let offset: DateTime<FixedOffset> = parsed[5].parse().unwrap();
    assert_eq!(offset.offset().local_minus_utc(), 7200);
    assert_eq!(
        serde_json::to_string(&parsed).unwrap(),
        r#"["2024-03-01T12:34:56.789Z","2024-03-01 12:34:56","not a date","","1700000000","2024-03-01T12:34:56+02:00"]"#
    );
    assert!(serde_json::from_str::<Timestamp>("null").is_err());

    let from_chrono = Timestamp::from(utc);
    assert_eq!(from_chrono.as_str(), "2024-03-01T12:34:56Z");
    assert_eq!(from_chrono.to_string(), "2024-03-01T12:34:56Z");
    assert_eq!(
        "a".parse::<Timestamp>().unwrap(),
        Timestamp::from(String::from("a"))
    );
    let ordered: BTreeSet<Timestamp> = ["2024-01-02", "2024-01-01"]
        .into_iter()
        .map(Timestamp::from)
        .collect();
    assert_eq!(
        ordered.iter().map(Timestamp::as_str).collect::<Vec<_>>(),
        ["2024-01-01", "2024-01-02"]
    );
}

#[test]
fn public_types_are_thread_safe() {
    fn assert_send_sync<T: Send + Sync + 'static>() {}
    assert_send_sync::<Client>();
    assert_send_sync::<meraki_runtime::Error>();
    assert_send_sync::<meraki_runtime::Request<serde_json::Value>>();
    assert_send_sync::<meraki_runtime::Paginator<Vec<serde_json::Value>, serde_json::Value>>();
    assert_send_sync::<ClientBuilder<Generated>>();
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Band {
    Dual,
    TwoPointFour,
    Empty,
    Other(String),
}

meraki_runtime::string_enum!(Band, Other, { "dual" => Dual, "2.4ghz" => TwoPointFour, "" => Empty });

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Offset {
    Minus1,
    V20,
    Other(i64),
}

meraki_runtime::int_enum!(Offset, Other, { -1 => Minus1, 20 => V20 });

#[test]
fn table_form_writes_the_conversions() {
    assert_eq!(Band::TwoPointFour.as_str(), "2.4ghz");
    assert_eq!(Band::from_wire(String::new()), Band::Empty);
    assert_eq!(Band::from_wire("6ghz".into()), Band::Other("6ghz".into()));
    assert_eq!(serde_json::to_string(&Band::Dual).unwrap(), r#""dual""#);
    let band: Band = serde_json::from_str(r#""2.4ghz""#).unwrap();
    assert_eq!(band, Band::TwoPointFour);

    assert_eq!(Offset::Minus1.as_i64(), -1);
    assert_eq!(Offset::Minus1.as_str(), "-1");
    assert_eq!(Offset::V20.to_string(), "20");
    assert_eq!(Offset::from_wire(7), Offset::Other(7));
    let offset: Offset = serde_json::from_str("-1").unwrap();
    assert_eq!(offset, Offset::Minus1);
}
