//! The generated crate's version: semver over the Rust API, moved by each spec update according
//! to the most severe change it brings (see [`bump`]).

use crate::diff::Impact;
use crate::error::{Error, Result};

/// The version after a spec update of the given impact. While the crate is 0.x, cargo treats
/// the minor number as the major one, so a breaking update raises the minor number and any other
/// update the patch number. From 1.0 on: breaking raises major, additive raises minor, the rest
/// raises patch.
pub fn bump(version: &str, impact: Impact) -> Result<String> {
    let core = version.split(['-', '+']).next().unwrap_or(version);
    let parts: Vec<u64> = core
        .split('.')
        .map(str::parse)
        .collect::<std::result::Result<_, _>>()
        .map_err(|_| not_semver(version))?;
    let [major, minor, patch] = parts[..] else {
        return Err(not_semver(version));
    };
    let (major, minor, patch) = match (major, impact) {
        (0, Impact::Breaking) => (0, minor + 1, 0),
        (0, _) => (0, minor, patch + 1),
        (_, Impact::Breaking) => (major + 1, 0, 0),
        (_, Impact::Additive) => (major, minor + 1, 0),
        (_, _) => (major, minor, patch + 1),
    };
    Ok(format!("{major}.{minor}.{patch}"))
}

fn not_semver(version: &str) -> Error {
    Error::Other(format!(
        "crate version `{version}` is not MAJOR.MINOR.PATCH; fix the top entry of the changelog"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_x_versions_bump_minor_for_breaking_and_patch_otherwise() {
        assert_eq!(bump("0.1.0", Impact::Breaking).unwrap(), "0.2.0");
        assert_eq!(bump("0.2.3", Impact::Breaking).unwrap(), "0.3.0");
        assert_eq!(bump("0.2.3", Impact::Additive).unwrap(), "0.2.4");
        assert_eq!(bump("0.2.3", Impact::NonBreaking).unwrap(), "0.2.4");
        assert_eq!(bump("0.2.3", Impact::Documentation).unwrap(), "0.2.4");
    }

    #[test]
    fn stable_versions_follow_semver() {
        assert_eq!(bump("1.4.2", Impact::Breaking).unwrap(), "2.0.0");
        assert_eq!(bump("1.4.2", Impact::Additive).unwrap(), "1.5.0");
        assert_eq!(bump("1.4.2", Impact::NonBreaking).unwrap(), "1.4.3");
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(bump("one.two", Impact::Additive).is_err());
        assert!(bump("1.2", Impact::Additive).is_err());
    }
}
