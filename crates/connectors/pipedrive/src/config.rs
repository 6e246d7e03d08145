//! Static configuration of the Pipedrive connector. Secrets never live here: they come from the
//! `Context` of each call.

use unicrm_core::Result;

/// Connector id (registry key, URL segment, cargo feature).
pub const ID: &str = "pipedrive";

/// Display name.
pub const DISPLAY_NAME: &str = "Pipedrive";

/// Pipedrive's API host. API v2 lives under `/api/v2` (`servers: https://api.pipedrive.com/api/v2`),
/// API v1 under `/v1` (`servers: https://api.pipedrive.com/v1`) — Pipedrive's OpenAPI documents.
pub const DEFAULT_BASE_URL: &str = "https://api.pipedrive.com";

/// Path prefix of API v2 (persons, organizations, deals, activities, fields, search).
pub const V2: &str = "/api/v2";

/// Path prefix of API v1 (leads, users).
pub const V1: &str = "/v1";

/// Pipedrive's OAuth token endpoint ("token & refresh `https://oauth.pipedrive.com/oauth/token`").
pub const OAUTH_TOKEN_URL: &str = "https://oauth.pipedrive.com/oauth/token";

/// Header carrying an API token ("`api_key` = header `x-api-token`", v2 `securitySchemes`).
pub const API_TOKEN_HEADER: &str = "x-api-token";

/// Largest v2 page: "If not provided, 100 items will be returned. Please note that a maximum value
/// of 500 is allowed." (`limit` of every v2 list endpoint).
pub const PAGE_MAX: u32 = 500;

/// Page size when the caller does not ask for one (Pipedrive's own default).
pub const DEFAULT_PAGE_SIZE: u32 = 100;

/// The activity type a unified meeting is: "Activities can be of different type (such as call,
/// meeting, lunch or a custom type - see ActivityTypes object)".
pub const MEETING_TYPE: &str = "meeting";

/// How many provider pages one meeting `list` call reads at most while skipping activities of
/// other types (the activities API has no `type` filter), before answering a short page.
pub const MEETING_SCAN_PAGES: usize = 10;

/// Refuses a base URL outside Pipedrive's API hosts unless the account is a sandbox account, so a
/// linked account's token is only ever sent to Pipedrive (or to the emulator in test mode).
/// Company domains (`https://{company}.pipedrive.com`, OAuth's `api_domain`) are Pipedrive hosts.
pub fn check_base_url(base_url: &str, sandbox: bool) -> Result<()> {
    unicrm_core::raw::hosts::check_url_unless_sandbox(
        &crate::connector::INFO,
        sandbox,
        "base_url",
        base_url,
    )
}

/// Checks a `token_url` setting: `https` on a Pipedrive host (`oauth.pipedrive.com`), without
/// credentials in the URL, so a refresh token is never sent anywhere else.
pub fn check_token_url(raw: &str) -> Result<String> {
    unicrm_core::raw::hosts::check_url(&crate::connector::INFO, "settings.token_url", raw)
        .map(String::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_pipedrive_hosts_outside_the_sandbox() {
        assert!(check_base_url(DEFAULT_BASE_URL, false).is_ok());
        assert!(check_base_url("https://acme.pipedrive.com", false).is_ok());
        assert!(check_base_url("http://api.pipedrive.com", false).is_err());
        assert!(check_base_url("https://api.pipedrive.com.evil.example", false).is_err());
        assert!(check_base_url("http://127.0.0.1:9000/pipedrive", true).is_ok());
        assert!(check_token_url(OAUTH_TOKEN_URL).is_ok());
        for bad in [
            "http://oauth.pipedrive.com/oauth/token",
            "https://evil.example/token",
            "https://u:p@oauth.pipedrive.com/oauth/token",
        ] {
            assert!(check_token_url(bad).is_err(), "{bad}");
        }
    }
}
