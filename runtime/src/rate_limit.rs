//! Client-side token buckets, so programs that fan out do not draw 429s from the Dashboard.

use std::num::NonZeroU32;

use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter};
use reqwest::Url;

use crate::config::RateLimitConfig;

/// One global bucket plus one bucket per organization id, shared by all clones of a client.
pub(crate) struct Limiter {
    global: Option<DefaultDirectRateLimiter>,
    per_organization: Option<DefaultKeyedRateLimiter<String>>,
}

impl std::fmt::Debug for Limiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limiter")
            .field("global", &self.global.is_some())
            .field("per_organization", &self.per_organization.is_some())
            .finish()
    }
}

fn quota((rate, burst): (Option<NonZeroU32>, Option<NonZeroU32>)) -> Option<Quota> {
    let rate = rate?;
    Some(Quota::per_second(rate).allow_burst(burst.unwrap_or(rate)))
}

impl Limiter {
    pub(crate) fn new(config: &RateLimitConfig) -> Self {
        Limiter {
            global: quota(config.global_quota()).map(RateLimiter::direct),
            per_organization: quota(config.organization_quota()).map(RateLimiter::keyed),
        }
    }

    /// Waits until both the request's organization bucket and the global bucket allow one request.
    pub(crate) async fn acquire(&self, url: &Url) {
        if let (Some(limiter), Some(organization)) =
            (&self.per_organization, organization_id(url.path()))
        {
            limiter.until_key_ready(&organization.to_owned()).await;
        }
        if let Some(limiter) = &self.global {
            limiter.until_ready().await;
        }
    }
}

/// The `{id}` of a `.../organizations/{id}/...` path; the Dashboard meters calls per organization.
/// Paths that name no organization (e.g. `/networks/{id}`) only use the global bucket.
pub(crate) fn organization_id(path: &str) -> Option<&str> {
    let mut segments = path.split('/');
    segments.find(|segment| *segment == "organizations")?;
    segments.next().filter(|id| !id.is_empty())
}

#[cfg(test)]
mod tests {
    use super::organization_id;

    #[test]
    fn finds_organization() {
        assert_eq!(
            organization_id("/api/v1/organizations/123/devices"),
            Some("123")
        );
        assert_eq!(organization_id("/api/v1/organizations/123"), Some("123"));
        assert_eq!(organization_id("/api/v1/organizations"), None);
        assert_eq!(organization_id("/api/v1/organizations/"), None);
        assert_eq!(organization_id("/api/v1/networks/N_1/clients"), None);
    }
}
