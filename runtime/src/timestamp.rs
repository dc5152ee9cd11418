//! Date-time values that never fail to deserialize.
//!
//! The Dashboard is not consistent about date-time formats (RFC 3339 with or without fraction
//! or offset, a space instead of `T`, ...). Failing a whole page over one odd timestamp would be
//! worse than useless, so the wire text is kept verbatim and parsed on demand.

use std::convert::Infallible;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, FixedOffset, NaiveDateTime, SecondsFormat, TimeZone, Utc};
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// A date-time as sent on the wire; ordering and equality are by text.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Timestamp(String);

impl Timestamp {
    /// The original text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The original text, owned.
    pub fn into_string(self) -> String {
        self.0
    }

    /// Parses RFC 3339 (also with a space for `T`); a date-time without an offset is taken as UTC.
    pub fn parse(&self) -> Option<DateTime<FixedOffset>> {
        let text = self.0.trim();
        if let Ok(parsed) = DateTime::parse_from_rfc3339(text) {
            return Some(parsed);
        }
        let with_t = text.replacen(' ', "T", 1);
        if let Ok(parsed) = DateTime::parse_from_rfc3339(&with_t) {
            return Some(parsed);
        }
        let naive = with_t.strip_suffix(" UTC").unwrap_or(&with_t);
        NaiveDateTime::parse_from_str(naive, "%Y-%m-%dT%H:%M:%S%.f")
            .ok()
            .map(|n| Utc.from_utc_datetime(&n).fixed_offset())
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Timestamp {
    type Err = Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Timestamp(s.to_owned()))
    }
}

impl From<String> for Timestamp {
    fn from(text: String) -> Self {
        Timestamp(text)
    }
}

impl From<&str> for Timestamp {
    fn from(text: &str) -> Self {
        Timestamp(text.to_owned())
    }
}

impl From<Timestamp> for String {
    fn from(timestamp: Timestamp) -> Self {
        timestamp.0
    }
}

impl<Tz: TimeZone> From<DateTime<Tz>> for Timestamp
where
    Tz::Offset: fmt::Display,
{
    /// RFC 3339, `Z` for UTC, with only as many fraction digits as needed.
    fn from(value: DateTime<Tz>) -> Self {
        Timestamp(value.to_rfc3339_opts(SecondsFormat::AutoSi, true))
    }
}

impl AsRef<str> for Timestamp {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TimestampVisitor;

        impl Visitor<'_> for TimestampVisitor {
            type Value = Timestamp;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a date-time string")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Timestamp, E> {
                Ok(Timestamp(v.to_owned()))
            }

            fn visit_string<E: de::Error>(self, v: String) -> Result<Timestamp, E> {
                Ok(Timestamp(v))
            }

            // Some endpoints send epoch numbers where the spec says date-time; keep their text.
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Timestamp, E> {
                Ok(Timestamp(v.to_string()))
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Timestamp, E> {
                Ok(Timestamp(v.to_string()))
            }

            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Timestamp, E> {
                Ok(Timestamp(v.to_string()))
            }
        }

        deserializer.deserialize_any(TimestampVisitor)
    }
}
