//! Splits a page that is a JSON array into its elements without decoding them, so the item
//! stream can decode each item when it is reached: while streaming, the page's raw body and one
//! item are in memory instead of the body and every decoded item of the page (which take about
//! twice the body's size).
//!
//! The scan only finds where each element ends (brackets, braces and strings with their escapes);
//! `serde_json` validates each element as it decodes it. Anything the scan cannot make sense of
//! is reported as [`Element::Malformed`] and the caller lets `serde_json` explain it.

use std::ops::Range;

use bytes::Bytes;

pub(crate) struct ArrayElements {
    body: Bytes,
    /// Where the scan resumes: after `[` or after the `,` that ended the previous element.
    position: usize,
    index: usize,
    /// The closing `]` was reached.
    closed: bool,
    done: bool,
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Element {
    /// The index of an element and its bytes in the body.
    Item(usize, Range<usize>),
    /// The body is not a well-formed array from here on.
    Malformed,
}

impl ArrayElements {
    /// `None` when the body does not start (after whitespace) with `[`.
    pub(crate) fn new(body: Bytes) -> Option<ArrayElements> {
        let start = skip_whitespace(&body, 0);
        (body.get(start) == Some(&b'[')).then_some(ArrayElements {
            body,
            position: start + 1,
            index: 0,
            closed: false,
            done: false,
        })
    }

    pub(crate) fn body(&self) -> &Bytes {
        &self.body
    }

    fn fail(&mut self) -> Option<Element> {
        self.done = true;
        Some(Element::Malformed)
    }
}

impl Iterator for ArrayElements {
    type Item = Element;

    fn next(&mut self) -> Option<Element> {
        if self.done {
            return None;
        }
        let body = &self.body[..];
        let start = skip_whitespace(body, self.position);
        if self.closed {
            // Only whitespace may follow the array.
            self.done = true;
            return (start < body.len()).then_some(Element::Malformed);
        }
        if body.get(start) == Some(&b']') {
            // `[]` is empty; `[1,]` is not JSON.
            if self.index > 0 {
                return self.fail();
            }
            self.closed = true;
            self.position = start + 1;
            return self.next();
        }
        let Some((end, terminator)) = value_end(body, start) else {
            return self.fail();
        };
        let element_end = trim_whitespace_end(body, start, end);
        if element_end == start {
            return self.fail();
        }
        self.position = end + 1;
        self.closed = terminator == b']';
        let index = self.index;
        self.index += 1;
        Some(Element::Item(index, start..element_end))
    }
}

fn is_whitespace(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r')
}

fn skip_whitespace(body: &[u8], mut at: usize) -> usize {
    while body.get(at).copied().is_some_and(is_whitespace) {
        at += 1;
    }
    at
}

fn trim_whitespace_end(body: &[u8], start: usize, mut end: usize) -> usize {
    while end > start && is_whitespace(body[end - 1]) {
        end -= 1;
    }
    end
}

/// The position of the `,` or `]` that ends the value starting at `start`, and which it is.
fn value_end(body: &[u8], start: usize) -> Option<(usize, u8)> {
    let mut depth = 0usize;
    let mut at = start;
    while at < body.len() {
        match body[at] {
            b'"' => at = string_end(body, at + 1)?,
            b'[' | b'{' => depth += 1,
            b']' | b'}' if depth > 0 => depth -= 1,
            b']' => return Some((at, b']')),
            b'}' => return None,
            b',' if depth == 0 => return Some((at, b',')),
            _ => {}
        }
        at += 1;
    }
    None
}

/// The position of the quote closing the string whose content starts at `at`. Strings are most
/// of a page's bytes, so they are skipped with `memchr` rather than byte by byte.
fn string_end(body: &[u8], mut at: usize) -> Option<usize> {
    loop {
        at += memchr::memchr2(b'"', b'\\', &body[at..])?;
        if body[at] == b'"' {
            return Some(at);
        }
        // A backslash escapes the next byte (`\"`, `\\`, `\u…`): skip both.
        at += 2;
        if at > body.len() {
            return None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str) -> Option<Vec<Result<String, ()>>> {
        let elements = ArrayElements::new(Bytes::from(text.to_owned()))?;
        let body = elements.body().clone();
        Some(
            elements
                .map(|element| match element {
                    Element::Item(_, range) => Ok(String::from_utf8(body[range].to_vec()).unwrap()),
                    Element::Malformed => Err(()),
                })
                .collect(),
        )
    }

    #[test]
    fn splits_elements_at_top_level_commas() {
        let found = split(r#" [ {"a":[1,2],"b":"x,]}\"y"} , 2,"s" ,[[]] ] "#).unwrap();
        assert_eq!(
            found,
            [
                Ok(r#"{"a":[1,2],"b":"x,]}\"y"}"#.to_owned()),
                Ok("2".to_owned()),
                Ok(r#""s""#.to_owned()),
                Ok("[[]]".to_owned()),
            ]
        );
    }

    #[test]
    fn escaped_backslashes_do_not_hide_the_closing_quote() {
        let found = split(r#"["x\\", "\\\"]", "\u0041"]"#).unwrap();
        assert_eq!(
            found,
            [
                Ok(r#""x\\""#.to_owned()),
                Ok(r#""\\\"]""#.to_owned()),
                Ok(r#""\u0041""#.to_owned()),
            ]
        );
    }

    #[test]
    fn empty_arrays_and_non_arrays() {
        assert_eq!(split("[]").unwrap(), []);
        assert_eq!(split(" [ ] \n").unwrap(), []);
        assert!(split(r#"{"items":[]}"#).is_none());
        assert!(split("").is_none());
    }

    #[test]
    fn malformed_arrays_end_with_malformed() {
        assert_eq!(split("[1,]").unwrap(), [Ok("1".to_owned()), Err(())]);
        assert_eq!(split("[1,2").unwrap(), [Ok("1".to_owned()), Err(())]);
        assert_eq!(split("[1] x").unwrap(), [Ok("1".to_owned()), Err(())]);
        assert_eq!(split("[1,}]").unwrap(), [Ok("1".to_owned()), Err(())]);
        assert_eq!(split(r#"["unterminated]"#).unwrap(), [Err(())]);
        assert_eq!(split("[,]").unwrap(), [Err(())]);
    }
}
