//! Deserializing JSON into typed values with errors that say where: serde's error path becomes
//! a JSON pointer into the file. Used by the loader and the corrections file alike.

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{escape_pointer_token, Error, Location, Result};

/// Deserializes `value`, turning serde's error path into a JSON pointer below `location`.
pub(crate) fn deserialize<T: DeserializeOwned>(
    value: &Value,
    location: &Location,
    what: &str,
) -> Result<T> {
    serde_path_to_error::deserialize(value).map_err(|error| {
        let mut pointer = location.pointer.clone();
        for segment in error.path().iter() {
            use serde_path_to_error::Segment;
            let token = match segment {
                Segment::Seq { index } => index.to_string(),
                Segment::Map { key } => escape_pointer_token(key),
                Segment::Enum { variant } => escape_pointer_token(variant),
                Segment::Unknown => continue,
            };
            pointer.push('/');
            pointer.push_str(&token);
        }
        let inner = error.into_inner();
        Error::input(
            &Location::new(location.file.clone(), pointer),
            format!("not {what}: {inner}"),
        )
    })
}
