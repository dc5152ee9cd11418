//! Finds where each element of a JSON array page starts and ends while the body is still
//! arriving, so the item stream can decode an element as soon as its last byte is in, and hold
//! neither the whole body nor the decoded page.
//!
//! The scanner only tracks brackets, braces and strings with their escapes, and keeps that state
//! between chunks, so an element may be cut anywhere; `serde_json` validates each element as it
//! decodes it. What the scan cannot make sense of is reported as [`Scan::Malformed`].

/// What a call to [`ArrayScanner::scan`] found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Scan {
    /// The bytes were consumed without completing anything: feed the next chunk.
    NeedMore,
    /// An element starts at this offset of the chunk.
    Start(usize),
    /// The element in progress ends just before this offset (its `,` or the closing `]`).
    End(usize),
    /// The body does not start with `[`.
    NotArray,
    /// The body is not a well-formed array from here on.
    Malformed(&'static str),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    BeforeArray,
    /// After `[`: an element or `]`.
    BeforeFirst,
    /// After `,`: an element.
    BeforeNext,
    InElement,
    /// After the closing `]`: only whitespace may follow.
    Closed,
    Failed,
}

/// The scan position inside an array body; fed one chunk at a time.
#[derive(Debug)]
pub(crate) struct ArrayScanner {
    state: State,
    /// Nesting inside the current element.
    depth: usize,
    in_string: bool,
    /// The previous chunk ended on the backslash of an escape inside a string.
    escaped: bool,
}

impl ArrayScanner {
    pub(crate) fn new() -> ArrayScanner {
        ArrayScanner {
            state: State::BeforeArray,
            depth: 0,
            in_string: false,
            escaped: false,
        }
    }

    /// Scans `chunk` from `*at`, stopping at the first event; `*at` is where to resume.
    pub(crate) fn scan(&mut self, chunk: &[u8], at: &mut usize) -> Scan {
        loop {
            let Some(&byte) = chunk.get(*at) else {
                return Scan::NeedMore;
            };
            match self.state {
                State::Failed => return Scan::NeedMore,
                _ if self.state != State::InElement && is_whitespace(byte) => *at += 1,
                State::BeforeArray if byte == b'[' => {
                    *at += 1;
                    self.state = State::BeforeFirst;
                }
                State::BeforeArray => return self.fail(Scan::NotArray),
                State::BeforeFirst if byte == b']' => {
                    *at += 1;
                    self.state = State::Closed;
                }
                State::BeforeFirst | State::BeforeNext if matches!(byte, b',' | b']') => {
                    return self.malformed("expected a value");
                }
                State::BeforeFirst | State::BeforeNext => {
                    self.state = State::InElement;
                    self.depth = 0;
                    return Scan::Start(*at);
                }
                State::Closed => return self.malformed("unexpected data after the array"),
                State::InElement => {
                    if let Some(found) = self.scan_element(chunk, at) {
                        return found;
                    }
                }
            }
        }
    }

    /// Whether the scan is inside an element (one that continues in the next chunk, after
    /// [`Scan::NeedMore`]).
    pub(crate) fn in_element(&self) -> bool {
        self.state == State::InElement
    }

    /// Whether anything but whitespace was seen (an empty body is not an array either).
    pub(crate) fn started(&self) -> bool {
        self.state != State::BeforeArray
    }

    /// Called at the end of the body: why the body is incomplete, if it is.
    pub(crate) fn finish(&self) -> Option<&'static str> {
        match self.state {
            State::Closed | State::Failed => None,
            _ => Some("the body ends before the array's closing `]`"),
        }
    }

    /// Inside an element: runs to the element's end or the chunk's end (then `None`).
    fn scan_element(&mut self, chunk: &[u8], at: &mut usize) -> Option<Scan> {
        while *at < chunk.len() {
            if self.in_string {
                if !self.skip_string(chunk, at) {
                    return None;
                }
                continue;
            }
            let byte = chunk[*at];
            match byte {
                b'"' => self.in_string = true,
                b'[' | b'{' => self.depth += 1,
                b']' | b'}' if self.depth > 0 => self.depth -= 1,
                b']' => {
                    self.state = State::Closed;
                    *at += 1;
                    return Some(Scan::End(*at - 1));
                }
                b'}' => return Some(self.malformed("unbalanced `}`")),
                b',' if self.depth == 0 => {
                    self.state = State::BeforeNext;
                    *at += 1;
                    return Some(Scan::End(*at - 1));
                }
                _ => {}
            }
            *at += 1;
        }
        None
    }

    /// Moves past the closing quote of the current string; false when the chunk ends first.
    /// Strings are most of a page's bytes, so they are skipped with `memchr`.
    fn skip_string(&mut self, chunk: &[u8], at: &mut usize) -> bool {
        loop {
            if self.escaped {
                // The escaped byte (`"`, `\`, `u`, …) cannot end the string.
                if *at >= chunk.len() {
                    return false;
                }
                *at += 1;
                self.escaped = false;
            }
            let Some(found) = memchr::memchr2(b'"', b'\\', &chunk[*at..]) else {
                *at = chunk.len();
                return false;
            };
            *at += found + 1;
            if chunk[*at - 1] == b'"' {
                self.in_string = false;
                return true;
            }
            self.escaped = true;
        }
    }

    fn malformed(&mut self, why: &'static str) -> Scan {
        self.fail(Scan::Malformed(why))
    }

    fn fail(&mut self, scan: Scan) -> Scan {
        self.state = State::Failed;
        scan
    }
}

fn is_whitespace(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The elements of `text` fed in chunks of `size` bytes; `Err` ends the list on a problem.
    fn split_in_chunks(text: &str, size: usize) -> Vec<Result<String, String>> {
        let mut scanner = ArrayScanner::new();
        let mut found = Vec::new();
        let mut element = Vec::new();
        let mut in_element_from: Option<usize> = None;
        for chunk in text.as_bytes().chunks(size) {
            let mut at = 0;
            loop {
                match scanner.scan(chunk, &mut at) {
                    Scan::NeedMore => {
                        if let Some(start) = in_element_from.take() {
                            element.extend_from_slice(&chunk[start..]);
                            in_element_from = Some(0);
                        }
                        break;
                    }
                    Scan::Start(start) => in_element_from = Some(start),
                    Scan::End(end) => {
                        let start = in_element_from.take().expect("an element in progress");
                        element.extend_from_slice(&chunk[start..end]);
                        let text = String::from_utf8(std::mem::take(&mut element)).unwrap();
                        found.push(Ok(text.trim_end().to_owned()));
                    }
                    Scan::NotArray => return vec![Err("not an array".to_owned())],
                    Scan::Malformed(why) => {
                        found.push(Err(why.to_owned()));
                        return found;
                    }
                }
            }
        }
        if let Some(why) = scanner.finish() {
            found.push(Err(why.to_owned()));
        }
        found
    }

    /// Every chunking of `text` gives the same elements.
    fn split(text: &str) -> Vec<Result<String, String>> {
        let whole = split_in_chunks(text, text.len().max(1));
        for size in 1..text.len() {
            assert_eq!(split_in_chunks(text, size), whole, "chunks of {size} bytes");
        }
        whole
    }

    fn ok(elements: &[&str]) -> Vec<Result<String, String>> {
        elements.iter().map(|e| Ok((*e).to_owned())).collect()
    }

    #[test]
    fn splits_elements_at_top_level_commas() {
        assert_eq!(
            split(r#" [ {"a":[1,2],"b":"x,]}\"y"} , 2,"s" ,[[]] ] "#),
            ok(&[r#"{"a":[1,2],"b":"x,]}\"y"}"#, "2", r#""s""#, "[[]]"])
        );
    }

    #[test]
    fn escaped_backslashes_do_not_hide_the_closing_quote() {
        assert_eq!(
            split(r#"["x\\", "\\\"]", "\u0041"]"#),
            ok(&[r#""x\\""#, r#""\\\"]""#, r#""\u0041""#])
        );
    }

    #[test]
    fn empty_arrays_and_non_arrays() {
        assert_eq!(split("[]"), ok(&[]));
        assert_eq!(split(" [ ] \n"), ok(&[]));
        assert_eq!(split(r#"{"items":[]}"#), [Err("not an array".to_owned())]);
        assert_eq!(
            split(""),
            [Err(
                "the body ends before the array's closing `]`".to_owned()
            )]
        );
    }

    #[test]
    fn malformed_arrays_end_with_an_error() {
        let failed = |text: &str| split(text).last().cloned().unwrap().unwrap_err();
        assert_eq!(
            split("[1,]"),
            [Ok("1".to_owned()), Err("expected a value".to_owned())]
        );
        assert_eq!(
            failed("[1,2"),
            "the body ends before the array's closing `]`"
        );
        assert_eq!(failed("[1] x"), "unexpected data after the array");
        assert_eq!(failed("[1,}]"), "unbalanced `}`");
        assert_eq!(
            failed(r#"["unterminated]"#),
            "the body ends before the array's closing `]`"
        );
        assert_eq!(split("[,]"), [Err("expected a value".to_owned())]);
    }
}
