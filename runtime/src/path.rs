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

/// Replaces each `{name}` of an operation's path template, in order, with the next argument
/// encoded by [`path_segment`]. Generated operations keep the spec's template as it is instead
/// of each expanding a `format!`; a placeholder without an argument is left as it is.
pub fn fill_path(template: &str, args: &[&str]) -> String {
    let mut out =
        String::with_capacity(template.len() + args.iter().map(|a| a.len()).sum::<usize>());
    let mut args = args.iter();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        let Some(arg) = args.next() else {
            break;
        };
        out.push_str(&rest[..open]);
        out.extend(utf8_percent_encode(arg, SEGMENT));
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::{fill_path, path_segment};

    #[test]
    fn fill_path_encodes_each_argument_in_order() {
        assert_eq!(
            fill_path("/networks/{networkId}/vlans/{vlanId}", &["N_1", "a/b"]),
            "/networks/N_1/vlans/a%2Fb"
        );
        assert_eq!(fill_path("/organizations", &[]), "/organizations");
        assert_eq!(fill_path("/devices/{serial}", &[]), "/devices/{serial}");
    }

    #[test]
    fn keeps_ids_and_escapes_separators() {
        assert_eq!(path_segment("N_1234"), "N_1234");
        assert_eq!(path_segment("Q2XX-ABCD-1234"), "Q2XX-ABCD-1234");
        assert_eq!(path_segment("a/b?c d%"), "a%2Fb%3Fc%20d%25");
    }
}
