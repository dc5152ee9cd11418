//! The path (`items[3].productType`) to where decoding a JSON document failed, worked out from
//! the position `serde_json` reports. Tracking the path while decoding (serde_path_to_error)
//! would wrap the deserializer, and so compile every response type's `Deserialize` a second
//! time for that wrapper: seconds of `cargo build` for a path only an error needs.
//!
//! The scan follows objects and arrays up to the error's position without validating anything
//! (`serde_json` already has): the path names the innermost value open there, or the value that
//! just ended when the error is reported after it (wrong type, missing field).

/// The path at `line`/`column` (1-based, as `serde_json::Error` reports them) of `json`; `.`
/// for the top level.
pub(crate) fn path_at(json: &[u8], line: usize, column: usize) -> String {
    format_path(&segments_at(json, line, column))
}

/// One step of a path: an object member or an array element.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Segment {
    Key(String),
    Index(usize),
}

/// The path at `line`/`column` of `json` as steps from the top (none for the top level).
pub(crate) fn segments_at(json: &[u8], line: usize, column: usize) -> Vec<Segment> {
    segments_at_offset(json, offset(json, line, column))
}

/// `items[3].productType`; `.` for the top level.
pub(crate) fn format_path(segments: &[Segment]) -> String {
    let mut path = String::new();
    for segment in segments {
        match segment {
            Segment::Key(key) => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
            }
            Segment::Index(index) => path.push_str(&format!("[{index}]")),
        }
    }
    if path.is_empty() {
        path.push('.');
    }
    path
}

fn offset(json: &[u8], line: usize, column: usize) -> usize {
    let mut start = 0;
    for _ in 1..line {
        match json[start..].iter().position(|&b| b == b'\n') {
            Some(newline) => start += newline + 1,
            None => return json.len(),
        }
    }
    (start + column).min(json.len())
}

enum Frame {
    Object {
        key: Option<String>,
        expecting_key: bool,
    },
    Array {
        index: usize,
    },
}

fn segments_at_offset(json: &[u8], end: usize) -> Vec<Segment> {
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    while i < end {
        match json[i] {
            b'"' => {
                let start = i + 1;
                i = start;
                while i < json.len() && json[i] != b'"' {
                    i += if json[i] == b'\\' { 2 } else { 1 };
                }
                if let Some(Frame::Object {
                    key,
                    expecting_key: expecting @ true,
                }) = stack.last_mut()
                {
                    let raw = &json[start..i.min(json.len())];
                    *key = Some(String::from_utf8_lossy(raw).into_owned());
                    *expecting = false;
                }
            }
            b'{' => stack.push(Frame::Object {
                key: None,
                expecting_key: true,
            }),
            b'[' => stack.push(Frame::Array { index: 0 }),
            b'}' | b']' => {
                stack.pop();
            }
            b',' => match stack.last_mut() {
                Some(Frame::Object { key, expecting_key }) => {
                    *key = None;
                    *expecting_key = true;
                }
                Some(Frame::Array { index }) => *index += 1,
                None => {}
            },
            _ => {}
        }
        i += 1;
    }
    let mut segments = Vec::new();
    for frame in stack {
        match frame {
            Frame::Object { key: Some(key), .. } => segments.push(Segment::Key(key)),
            // Between members (after `{` or `,`): the object itself.
            Frame::Object { key: None, .. } => break,
            Frame::Array { index } => segments.push(Segment::Index(index)),
        }
    }
    segments
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::path_at;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Device {
        serial: String,
        network: Option<Network>,
        tags: Option<Vec<String>>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Network {
        id: String,
    }

    /// The path this module finds, next to the one serde_path_to_error tracks while decoding.
    fn both(json: &str) -> (String, String) {
        let error = serde_json::from_str::<Vec<Device>>(json).unwrap_err();
        let ours = path_at(json.as_bytes(), error.line(), error.column());
        let mut deserializer = serde_json::Deserializer::from_str(json);
        let tracked = serde_path_to_error::deserialize::<_, Vec<Device>>(&mut deserializer)
            .unwrap_err()
            .path()
            .to_string();
        (ours, tracked)
    }

    #[test]
    fn agrees_with_path_tracking() {
        for json in [
            r#"[{"serial":"a"},{"serial":7}]"#,
            r#"[{"serial":"a"},{"network":{"id":"N"}}]"#,
            "[{\"serial\":\"a\",\n \"network\": {\"id\": 5}}]",
            r#"[{"serial":"a","tags":["x",3]}]"#,
            r#"[{"serial":"a","tags":"x"}]"#,
            r#"[{"serial":"a"}, 4]"#,
            r#"[{"serial":"a\"b","network":{"id":[]}}]"#,
            r#"{"serial":"a"}"#,
            r#"[{"serial":"a","network":{"id":"N"}},{"serial":"b","network":{}}]"#,
        ] {
            let (ours, tracked) = both(json);
            assert_eq!(ours, tracked, "{json}");
        }
    }

    #[test]
    fn truncated_documents_name_the_open_value() {
        let json = r#"[{"serial":"a"},{"serial":"b","network":{"id":"#;
        let error = serde_json::from_str::<Vec<Device>>(json).unwrap_err();
        assert_eq!(
            path_at(json.as_bytes(), error.line(), error.column()),
            "[1].network.id"
        );
    }
}
