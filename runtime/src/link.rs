//! A strict RFC 8288 `Link` header parser, just enough to find `rel=next` / `rel=prev`.
//!
//! Strict on purpose: a header we cannot fully parse might hide the next page, so the paginator
//! reports it as an error instead of silently ending early. The one exception is a field with no
//! link syntax at all (neither `<` nor `rel`): it cannot be a damaged page link, and it is what
//! spec-driven mock servers such as Prism send (`Link: string`).

use reqwest::header::{HeaderMap, LINK};
use reqwest::Url;

use crate::redirect::{has_user_info, shown_reference, without_user_info};

/// One `<target>; rel=...` element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LinkValue {
    target: String,
    /// Relation types, lower-case.
    rels: Vec<String>,
}

/// Parses a `Link` field value (possibly several comma-separated link-values).
pub(crate) fn parse(header: &str) -> Result<Vec<LinkValue>, String> {
    let bytes = header.as_bytes();
    let mut links = Vec::new();
    let mut i = 0;
    loop {
        // Empty list elements (", ,") are allowed by the `#` list rule.
        while i < bytes.len() && (bytes[i] == b',' || is_ows(bytes[i])) {
            i += 1;
        }
        if i == bytes.len() {
            return Ok(links);
        }
        if bytes[i] != b'<' {
            return Err(format!("expected '<' at byte {i}"));
        }
        let end = header[i + 1..]
            .find('>')
            .ok_or_else(|| format!("unterminated '<' at byte {i}"))?;
        let target = header[i + 1..i + 1 + end].to_owned();
        if let Some(bad) = target.chars().find(|&c| !is_uri_char(c)) {
            return Err(format!(
                "the link target {:?} (at byte {}) contains {bad:?}, which a URI reference cannot",
                shown_reference(&target),
                i + 1
            ));
        }
        i += end + 2;
        let mut rels: Option<Vec<String>> = None;
        loop {
            while i < bytes.len() && is_ows(bytes[i]) {
                i += 1;
            }
            if i == bytes.len() || bytes[i] == b',' {
                break;
            }
            if bytes[i] != b';' {
                return Err(format!("expected ';' or ',' at byte {i}"));
            }
            i += 1;
            while i < bytes.len() && is_ows(bytes[i]) {
                i += 1;
            }
            let name_start = i;
            while i < bytes.len() && is_tchar(bytes[i]) {
                i += 1;
            }
            if i == name_start {
                return Err(format!("expected a parameter name at byte {i}"));
            }
            let name = &header[name_start..i];
            while i < bytes.len() && is_ows(bytes[i]) {
                i += 1;
            }
            let mut value = String::new();
            if i < bytes.len() && bytes[i] == b'=' {
                i += 1;
                while i < bytes.len() && is_ows(bytes[i]) {
                    i += 1;
                }
                if i < bytes.len() && bytes[i] == b'"' {
                    i = quoted_string(header, i, &mut value)?;
                } else {
                    let start = i;
                    while i < bytes.len() && is_tchar(bytes[i]) {
                        i += 1;
                    }
                    if i == start {
                        return Err(format!("expected a value for `{name}` at byte {i}"));
                    }
                    value.push_str(&header[start..i]);
                }
            }
            // RFC 8288 §3.3: only the first `rel` parameter counts.
            if name.eq_ignore_ascii_case("rel") && rels.is_none() {
                rels = Some(
                    value
                        .split_ascii_whitespace()
                        .map(str::to_ascii_lowercase)
                        .collect(),
                );
            }
        }
        links.push(LinkValue {
            target,
            rels: rels.unwrap_or_default(),
        });
    }
}

/// Reads a quoted-string starting at the opening quote; returns the index after the closing quote.
fn quoted_string(header: &str, start: usize, out: &mut String) -> Result<usize, String> {
    let mut chars = header[start + 1..].char_indices();
    while let Some((offset, c)) = chars.next() {
        match c {
            '"' => return Ok(start + 1 + offset + 1),
            '\\' => match chars.next() {
                Some((_, escaped)) => out.push(escaped),
                None => break,
            },
            c => out.push(c),
        }
    }
    Err(format!("unterminated quoted string at byte {start}"))
}

/// Whether `c` may appear in a URI reference as servers write them: not whitespace, a control,
/// a quote, `<`, `>`, a backslash (which some parsers read as `/`) or anything beyond ASCII.
/// Such a target is a damaged header; percent-encoding it and following it could change the URL
/// page after page instead.
fn is_uri_char(c: char) -> bool {
    c.is_ascii_graphic() && !matches!(c, '"' | '<' | '>' | '\\')
}

fn is_ows(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// The target of the first link with relation `rel` (`"prev"` also matches the older
/// `"previous"`) in all `Link` fields of `headers`, resolved against `base` (the page's URL),
/// without its fragment: the fragment is never sent, so `?page=2#x` is the page `?page=2`. A
/// target that cannot be a page is an error naming it: one that is not `http(s)` (`file:`,
/// `data:`, ...), and one with user info, which would be sent as a Basic credential beside the
/// key.
pub(crate) fn find(headers: &HeaderMap, base: &Url, rel: &str) -> Result<Option<Url>, String> {
    for field in headers.get_all(LINK) {
        let field = field
            .to_str()
            .map_err(|_| "the header is not visible ASCII".to_owned())?;
        if !field.contains('<') && !field.to_ascii_lowercase().contains("rel") {
            tracing::warn!(link = field, "ignoring a Link header that holds no link");
            continue;
        }
        for link in parse(field)? {
            let matches = link
                .rels
                .iter()
                .any(|r| r == rel || (rel == "prev" && r == "previous"));
            if matches {
                let mut url = base.join(&link.target).map_err(|e| {
                    format!(
                        "invalid link target {:?}: {e}",
                        shown_reference(&link.target)
                    )
                })?;
                if !matches!(url.scheme(), "http" | "https") {
                    return Err(format!(
                        "the link target {:?} is not an http(s) URL",
                        shown_reference(&link.target)
                    ));
                }
                if has_user_info(&url) {
                    return Err(format!(
                        "the link target {} carries user info (credentials), which is never \
                         sent; not followed",
                        without_user_info(&url)
                    ));
                }
                url.set_fragment(None);
                return Ok(Some(url));
            }
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(target: &str, rels: &[&str]) -> LinkValue {
        LinkValue {
            target: target.into(),
            rels: rels.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn a_field_without_any_link_is_no_link() {
        let mut headers = HeaderMap::new();
        headers.insert(LINK, "string".parse().unwrap());
        let base = Url::parse("https://api.meraki.com/api/v1/x").unwrap();
        assert_eq!(find(&headers, &base, "next"), Ok(None));
        headers.insert(
            LINK,
            "<https://api.meraki.com/api/v1/x?a=1; rel=next"
                .parse()
                .unwrap(),
        );
        assert!(
            find(&headers, &base, "next").is_err(),
            "a broken link list is still an error"
        );
    }

    #[test]
    fn meraki_style() {
        let header = "<https://n1.meraki.com/api/v1/x?perPage=2&startingAfter=a>; rel=first, <https://n1.meraki.com/api/v1/x?perPage=2&startingAfter=b>; rel=next";
        assert_eq!(
            parse(header).unwrap(),
            vec![
                link(
                    "https://n1.meraki.com/api/v1/x?perPage=2&startingAfter=a",
                    &["first"]
                ),
                link(
                    "https://n1.meraki.com/api/v1/x?perPage=2&startingAfter=b",
                    &["next"]
                ),
            ]
        );
    }

    #[test]
    fn quoted_and_multiple_rels_and_params() {
        let header = r#"</a>;title="x, \"y\"; z";REL="Next Last" ; rel=prev,, </b>;anchor"#;
        assert_eq!(
            parse(header).unwrap(),
            vec![link("/a", &["next", "last"]), link("/b", &[])]
        );
        assert_eq!(parse("").unwrap(), vec![]);
    }

    #[test]
    fn malformed() {
        for bad in [
            "https://x/; rel=next",
            "<https://x/; rel=next",
            "</a>; rel=\"next",
            "</a> rel=next",
            "</a>; =next",
            "</a>; rel=",
            "</a>; rel=next; \u{e9}",
            "</a b>; rel=next",
            "< /a>; rel=next",
            "<</a>; rel=next",
            "</a\\b>; rel=next",
            "</a\"b>; rel=next",
            "</\u{e9}>; rel=next",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn arbitrary_input_never_panics() {
        let alphabet: Vec<char> = "<>;,=\" \\\trelnxt/é?&".chars().collect();
        let mut rng = fastrand::Rng::with_seed(7);
        for _ in 0..20_000 {
            let len = rng.usize(0..24);
            let text: String = (0..len)
                .map(|_| alphabet[rng.usize(..alphabet.len())])
                .collect();
            let _ = parse(&text);
        }
    }

    #[test]
    fn find_resolves_relative() {
        let mut headers = HeaderMap::new();
        headers.insert(LINK, "</api/v1/x?page=2>; rel=next".parse().unwrap());
        headers.append(LINK, "<?page=0>; rel=previous".parse().unwrap());
        let base = Url::parse("https://api.meraki.com/api/v1/x?page=1").unwrap();
        assert_eq!(
            find(&headers, &base, "next").unwrap().unwrap().as_str(),
            "https://api.meraki.com/api/v1/x?page=2"
        );
        assert_eq!(
            find(&headers, &base, "prev").unwrap().unwrap().as_str(),
            "https://api.meraki.com/api/v1/x?page=0"
        );
        assert_eq!(find(&headers, &base, "last").unwrap(), None);
    }

    #[test]
    fn find_drops_the_fragment_and_refuses_what_cannot_be_a_page() {
        let base = Url::parse("https://api.meraki.com/api/v1/x?page=1").unwrap();
        let next = |link: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(LINK, link.parse().unwrap());
            find(&headers, &base, "next")
        };
        assert_eq!(
            next("<?page=2#x>; rel=next").unwrap().unwrap().as_str(),
            "https://api.meraki.com/api/v1/x?page=2"
        );
        for bad in [
            "file:///etc/passwd",
            "javascript:alert(1)",
            "data:,x",
            "ftp://h/x",
        ] {
            let error = next(&format!("<{bad}>; rel=next")).unwrap_err();
            assert!(error.contains(bad) && error.contains("http(s)"), "{error}");
        }
        let error = next("<https://u:pw@api.meraki.com/x>; rel=next").unwrap_err();
        assert!(error.contains("user info"), "{error}");
        assert!(!error.contains("pw"), "{error}");
        let error = next("<ftp://u:pw@h/x>; rel=next").unwrap_err();
        assert!(!error.contains("pw"), "{error}");
    }
}
