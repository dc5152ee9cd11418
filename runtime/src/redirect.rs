//! Which hosts may receive the API key, and how redirects are resolved.
//!
//! Redirects are followed by the runtime itself (reqwest's automatic following is off) because
//! the key must only go to Meraki: the Dashboard redirects to shard hosts such as
//! `n149.meraki.com`, and a `Link` or `Location` naming any other host must not receive it.

use reqwest::{Method, StatusCode, Url};

/// The Dashboard API domains; they and their subdomains are trusted with the key.
pub const MERAKI_API_DOMAINS: &[&str] = &[
    "meraki.com",
    "meraki.ca",
    "meraki.cn",
    "meraki.in",
    "gov-meraki.com",
];

/// The hosts trusted with the API key.
#[derive(Debug, Clone)]
pub(crate) struct TrustedHosts {
    base: Url,
    /// Extra `host` (any port) or `host:port` entries, lower-case.
    extra: Vec<String>,
}

impl TrustedHosts {
    pub(crate) fn new(base: Url, extra: Vec<String>) -> Self {
        let extra = extra
            .into_iter()
            .map(|h| h.trim().trim_end_matches('.').to_ascii_lowercase())
            .filter(|h| !h.is_empty())
            .collect();
        TrustedHosts { base, extra }
    }

    /// Whether `url` may receive the `Authorization` header.
    pub(crate) fn allows(&self, url: &Url) -> bool {
        self.refusal(url).is_none()
    }

    /// Why `url` may not receive the `Authorization` header, with the remedy when there is one;
    /// `None` when it may.
    pub(crate) fn refusal(&self, url: &Url) -> Option<String> {
        // A key given to an https base must never travel in clear text, whatever the host.
        if self.base.scheme() == "https" && url.scheme() != "https" {
            return Some(
                "the API key is never sent over plain http when the base URL is https".to_owned(),
            );
        }
        let Some(host) = url.host_str() else {
            return Some("the URL names no host".to_owned());
        };
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        let port = url.port_or_known_default();
        // The base host is compared with its port: two loopback servers differ only by port.
        if Some(host.as_str()) == self.base.host_str().map(|h| h.trim_end_matches('.'))
            && port == self.base.port_or_known_default()
        {
            return None;
        }
        if MERAKI_API_DOMAINS
            .iter()
            .any(|domain| is_same_or_subdomain(&host, domain))
        {
            return None;
        }
        let extra = self.extra.iter().any(|entry| {
            let (entry_host, entry_port) = split_host_port(entry);
            entry_host == host && entry_port.map_or(true, |p| Some(p) == port)
        });
        if extra {
            return None;
        }
        let authority = authority(url);
        Some(format!(
            "that host is not trusted with the API key (only the Meraki API domains, the base \
             URL's host and the hosts given to ClientBuilder::trusted_redirect_hosts are); if it \
             serves the Dashboard API, trust it with \
             ClientBuilder::trusted_redirect_hosts([\"{authority}\"])"
        ))
    }
}

/// `host` or `host:port` as `url` names it (the port only when it is not the scheme's default),
/// the form [`TrustedHosts`] entries take.
pub(crate) fn authority(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}

/// Whether `url` carries user info (`user:password@`), which reqwest would send as
/// `Authorization: Basic` beside the key: such a target is refused, never requested.
pub(crate) fn has_user_info(url: &Url) -> bool {
    !url.username().is_empty() || url.password().is_some()
}

/// `url` without its user info, to name it in an error or a log.
pub(crate) fn without_user_info(url: &Url) -> String {
    let mut url = url.clone();
    // Only URLs that cannot have user info (no host) refuse these, and they have none.
    let _ = url.set_password(None);
    let _ = url.set_username("");
    url.to_string()
}

/// A URL reference as a server wrote it, to quote in an error: any user info of the form
/// `scheme://userinfo@host` removed, and at most 256 bytes.
pub(crate) fn shown_reference(reference: &str) -> String {
    const MAX_SHOWN: usize = 256;
    let mut text = reference.to_owned();
    if let Some(scheme_end) = text.find("://") {
        let authority_start = scheme_end + 3;
        let authority_end = text[authority_start..]
            .find(['/', '?', '#'])
            .map_or(text.len(), |end| authority_start + end);
        if let Some(at) = text[authority_start..authority_end].rfind('@') {
            text.replace_range(authority_start..authority_start + at + 1, "");
        }
    }
    if text.len() > MAX_SHOWN {
        let mut cut = MAX_SHOWN;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push_str("...");
    }
    text
}

/// Splits `host`, `host:port`, `[v6]` or `[v6]:port`; an unparsable port never matches.
fn split_host_port(entry: &str) -> (&str, Option<u16>) {
    let split = if entry.starts_with('[') {
        entry.find(']').map(|end| entry.split_at(end + 1))
    } else if entry.matches(':').count() == 1 {
        entry.find(':').map(|colon| entry.split_at(colon))
    } else {
        None
    };
    match split {
        Some((host, "")) => (host, None),
        Some((host, rest)) => match rest.strip_prefix(':').and_then(|p| p.parse().ok()) {
            Some(port) => (host, Some(port)),
            None => (host, Some(0)),
        },
        None => (entry, None),
    }
}

fn is_same_or_subdomain(host: &str, domain: &str) -> bool {
    host == domain
        || host
            .strip_suffix(domain)
            .is_some_and(|prefix| prefix.ends_with('.'))
}

/// Statuses followed as redirects.
pub(crate) fn is_redirect(status: StatusCode) -> bool {
    matches!(
        status,
        StatusCode::MOVED_PERMANENTLY
            | StatusCode::FOUND
            | StatusCode::SEE_OTHER
            | StatusCode::TEMPORARY_REDIRECT
            | StatusCode::PERMANENT_REDIRECT
    )
}

/// The method after a redirect: only 303 turns the request into a body-less GET. 301/302 keep the
/// method too, as the Dashboard uses them like 307 and the official SDK re-sends the same call.
pub(crate) fn method_after(status: StatusCode, method: &Method) -> (Method, bool) {
    if status == StatusCode::SEE_OTHER && *method != Method::HEAD {
        (Method::GET, false)
    } else {
        (method.clone(), true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trusted(base: &str, extra: &[&str], target: &str) -> bool {
        TrustedHosts::new(
            Url::parse(base).unwrap(),
            extra.iter().map(|s| s.to_string()).collect(),
        )
        .allows(&Url::parse(target).unwrap())
    }

    #[test]
    fn meraki_domains_and_subdomains() {
        let base = "https://api.meraki.com/api/v1";
        assert!(trusted(base, &[], "https://n149.meraki.com/api/v1/x"));
        assert!(trusted(base, &[], "https://meraki.ca/x"));
        assert!(trusted(base, &[], "https://api.gov-meraki.com/x"));
        assert!(trusted(base, &[], "https://API.MERAKI.CN./x"));
        assert!(!trusted(base, &[], "https://evilmeraki.com/x"));
        assert!(!trusted(base, &[], "https://meraki.com.evil.net/x"));
        assert!(!trusted(base, &[], "https://example.com/x"));
        assert!(!trusted(base, &[], "http://n1.meraki.com/x"));
    }

    #[test]
    fn refusals_name_the_host_and_the_remedy() {
        let hosts = TrustedHosts::new(Url::parse("https://api.meraki.com/api/v1").unwrap(), vec![]);
        let refusal = hosts
            .refusal(&Url::parse("https://example.com:8443/x").unwrap())
            .unwrap();
        assert!(
            refusal.contains(r#"trusted_redirect_hosts(["example.com:8443"])"#),
            "{refusal}"
        );
        let refusal = hosts
            .refusal(&Url::parse("http://n1.meraki.com/x").unwrap())
            .unwrap();
        assert!(refusal.contains("plain http"), "{refusal}");
    }

    #[test]
    fn user_info_is_never_shown() {
        let url = Url::parse("http://user:pw@example.com:8/x?y#z").unwrap();
        assert!(has_user_info(&url));
        assert_eq!(without_user_info(&url), "http://example.com:8/x?y#z");
        assert!(has_user_info(
            &Url::parse("http://token@example.com/").unwrap()
        ));
        assert!(!has_user_info(
            &Url::parse("http://example.com/a@b").unwrap()
        ));
        assert_eq!(shown_reference("ftp://u:pw@host/a@b"), "ftp://host/a@b");
        assert_eq!(shown_reference("/a?b=c@d"), "/a?b=c@d");
        assert_eq!(shown_reference(&"é".repeat(200)).len(), 256 + 3);
    }

    #[test]
    fn base_host_and_extra_entries() {
        let base = "http://127.0.0.1:8080/api";
        assert!(trusted(base, &[], "http://127.0.0.1:8080/other"));
        assert!(!trusted(base, &[], "http://127.0.0.1:9090/other"));
        assert!(trusted(
            base,
            &["127.0.0.1:9090"],
            "http://127.0.0.1:9090/x"
        ));
        assert!(trusted(base, &["localhost"], "http://localhost:1234/x"));
        assert!(!trusted(base, &["localhost:1"], "http://localhost:1234/x"));
        assert!(trusted(base, &["[::1]:9"], "http://[::1]:9/x"));
        assert!(trusted(base, &["[::1]"], "http://[::1]:9/x"));
        assert!(!trusted(base, &["localhost:x"], "http://localhost:1/x"));
    }
}
