//! Path parameters of generated operations.

use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};

/// Everything that is not an RFC 3986 `pchar` in a path segment: a `/` or `?` inside an ID must
/// not change the path.
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// Percent-encodes one path parameter so it stays one path segment.
pub fn path_segment(value: &str) -> String {
    utf8_percent_encode(value, SEGMENT).to_string()
}

#[cfg(test)]
mod tests {
    use super::path_segment;

    #[test]
    fn keeps_ids_and_escapes_separators() {
        assert_eq!(path_segment("N_1234"), "N_1234");
        assert_eq!(path_segment("Q2XX-ABCD-1234"), "Q2XX-ABCD-1234");
        assert_eq!(path_segment("a/b?c d%"), "a%2Fb%3Fc%20d%25");
    }
}
