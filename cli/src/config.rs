//! Where the API key and the base URL come from: flags, the environment, and profiles of a
//! config file.
//!
//! ```toml
//! # ~/.config/meraki/config.toml (or $XDG_CONFIG_HOME/meraki/config.toml, --config, MERAKI_CONFIG)
//! [default]
//! api_key = "..."
//!
//! [canada]
//! api_key_env = "MERAKI_CANADA_KEY"   # the key from another variable instead
//! region = "canada"                    # or base_url = "https://..."
//! ```
//!
//! Precedence: flags (`--region`, `--base-url`), then the profile named by `--profile` (or
//! `MERAKI_PROFILE`), then the environment (`MERAKI_DASHBOARD_API_KEY`, `MERAKI_BASE_URL`), then
//! the `default` profile. The key is never printed: errors name where it was looked for only.

use std::path::{Path, PathBuf};

use meraki_runtime::{Region, API_KEY_ENV, BASE_URL_ENV};

pub const PROFILE_ENV: &str = "MERAKI_PROFILE";
pub const CONFIG_ENV: &str = "MERAKI_CONFIG";

/// What the client is built from.
pub struct Settings {
    pub api_key: String,
    pub base_url: String,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("api_key", &"<redacted>")
            .field("base_url", &self.base_url)
            .finish()
    }
}

/// The flags that bear on the settings.
pub struct Flags<'a> {
    pub profile: Option<&'a str>,
    pub config: Option<&'a Path>,
    pub region: Option<&'a str>,
    pub base_url: Option<&'a str>,
}

#[derive(Default)]
struct Profile {
    api_key: Option<String>,
    base_url: Option<String>,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

pub fn region(name: &str) -> Option<Region> {
    Some(match name {
        "global" => Region::Global,
        "canada" => Region::Canada,
        "china" => Region::China,
        "india" => Region::India,
        "fedramp" => Region::FedRamp,
        _ => return None,
    })
}

fn config_path(flag: Option<&Path>) -> Option<PathBuf> {
    if let Some(path) = flag {
        return Some(path.to_owned());
    }
    if let Some(path) = env(CONFIG_ENV) {
        return Some(PathBuf::from(path));
    }
    let base = env("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| env("HOME").map(|home| Path::new(&home).join(".config")))?;
    Some(base.join("meraki").join("config.toml"))
}

/// Reads one profile; `Ok(None)` when the file or the profile does not exist.
fn read_profile(path: &Path, name: &str, must_exist: bool) -> Result<Option<Profile>, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !must_exist => return Ok(None),
        Err(e) => return Err(format!("config file {}: {e}", path.display())),
    };
    let table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| format!("config file {}: {}", path.display(), e.message()))?;
    let Some(section) = table.get(name) else {
        return Ok(None);
    };
    let Some(section) = section.as_table() else {
        return Err(format!(
            "config file {}: `{name}` is not a [section]",
            path.display()
        ));
    };
    let text_of = |key: &str| -> Result<Option<String>, String> {
        match section.get(key) {
            None => Ok(None),
            Some(toml::Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(format!(
                "config file {}: [{name}] {key} must be a string",
                path.display()
            )),
        }
    };
    let mut profile = Profile {
        api_key: text_of("api_key")?,
        base_url: text_of("base_url")?,
    };
    if let Some(variable) = text_of("api_key_env")? {
        profile.api_key = profile.api_key.or_else(|| env(&variable));
        if profile.api_key.is_none() {
            return Err(format!(
                "profile `{name}` takes its key from ${variable}, which is not set"
            ));
        }
    }
    if let Some(name_of_region) = text_of("region")? {
        let region = region(&name_of_region).ok_or_else(|| {
            format!(
                "config file {}: [{name}] region `{name_of_region}` is none of global, canada, china, india, fedramp",
                path.display()
            )
        })?;
        profile.base_url = profile.base_url.or(Some(region.base_url().to_owned()));
    }
    Ok(Some(profile))
}

pub fn resolve(flags: &Flags) -> Result<Settings, String> {
    let path = config_path(flags.config);
    let chosen = flags
        .profile
        .map(str::to_owned)
        .or_else(|| env(PROFILE_ENV));
    let explicit = match (&chosen, &path) {
        (Some(name), Some(path)) => Some(read_profile(path, name, true)?.ok_or_else(|| {
            format!("no profile `{name}` in the config file {}", path.display())
        })?),
        (Some(name), None) => {
            return Err(format!(
                "profile `{name}` asked for, but there is no config file (set --config or {CONFIG_ENV})"
            ))
        }
        (None, _) => None,
    };
    let default = match (&chosen, &path) {
        (None, Some(path)) => read_profile(path, "default", false)?,
        _ => None,
    }
    .unwrap_or_default();
    let explicit = explicit.unwrap_or_default();
    let api_key = explicit
        .api_key
        .or_else(|| env(API_KEY_ENV))
        .or(default.api_key)
        .ok_or_else(|| {
            let mut message = format!("no API key: set {API_KEY_ENV}");
            match &path {
                Some(path) => message.push_str(&format!(
                    ", or api_key in the [{}] profile of {}",
                    chosen.as_deref().unwrap_or("default"),
                    path.display()
                )),
                None => message.push_str(" or use a config file (--config)"),
            }
            message
        })?;
    let base_url = flags
        .base_url
        .map(str::to_owned)
        .or_else(|| {
            flags
                .region
                .and_then(region)
                .map(|r| r.base_url().to_owned())
        })
        .or(explicit.base_url)
        .or_else(|| env(BASE_URL_ENV))
        .or(default.base_url)
        .unwrap_or_else(|| Region::Global.base_url().to_owned());
    Ok(Settings { api_key, base_url })
}
