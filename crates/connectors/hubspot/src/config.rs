//! Static configuration of the HubSpot connector. Secrets never live here: they come from the
//! `Context` of each call.

use unicrm_core::Result;

/// Connector id (registry key, URL segment, cargo feature).
pub const ID: &str = "hubspot";

/// Display name.
pub const DISPLAY_NAME: &str = "HubSpot";

/// HubSpot's API host ("servers": `https://api.hubapi.com` in HubSpot's API specs).
pub const DEFAULT_BASE_URL: &str = "https://api.hubapi.com";

/// Largest page of `GET /crm/v3/objects/{type}` ("retrieve up to 100 records").
pub const LIST_PAGE_MAX: u32 = 100;

/// Largest page of `POST /crm/v3/objects/{type}/search` ("The maximum number of supported
/// objects per page is 200").
pub const SEARCH_PAGE_MAX: u32 = 200;

/// "The search endpoints are limited to 10,000 total results for any given query. Attempting to
/// page beyond 10,000 will result in a 400 error."
pub const SEARCH_WINDOW: u32 = 10_000;

/// Page size when the caller does not ask for one.
pub const DEFAULT_PAGE_SIZE: u32 = 100;

/// Refuses a base URL outside HubSpot's API hosts unless the account is a sandbox account, so
/// a linked account's token is only ever sent to HubSpot (or to the emulator in test mode).
pub fn check_base_url(base_url: &str, sandbox: bool) -> Result<()> {
    unicrm_core::raw::hosts::check_url_unless_sandbox(
        &crate::connector::INFO,
        sandbox,
        "base_url",
        base_url,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hubspot_hosts_outside_the_sandbox() {
        assert!(check_base_url(DEFAULT_BASE_URL, false).is_ok());
        assert!(check_base_url("https://api-eu1.hubapi.com", false).is_ok());
        assert!(check_base_url("http://127.0.0.1:9000/hubspot", false).is_err());
        assert!(check_base_url("https://api.hubapi.com.evil.example", false).is_err());
        assert!(check_base_url("http://127.0.0.1:9000/hubspot", true).is_ok());
    }
}
