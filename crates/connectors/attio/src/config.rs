//! Static configuration of the Attio connector. Secrets never live here: they come from the
//! `Context` of each call.

use unicrm_core::Result;

/// Connector id (registry key, URL segment, cargo feature).
pub const ID: &str = "attio";

/// Display name.
pub const DISPLAY_NAME: &str = "Attio";

/// Attio's API host (`servers: https://api.attio.com` in Attio's OpenAPI).
pub const DEFAULT_BASE_URL: &str = "https://api.attio.com";

/// Object slug of unified contacts ("api_slug: people").
pub const PEOPLE: &str = "people";
/// Object slug of unified accounts ("api_slug: companies").
pub const COMPANIES: &str = "companies";
/// Object slug of unified deals ("api_slug: deals").
pub const DEALS: &str = "deals";

/// Page size when the caller asks for none. Attio's `limit` of `records/query` "Defaults to 500";
/// unicrm pages smaller so one page stays a quick call.
pub const DEFAULT_PAGE_SIZE: u32 = 100;

/// Largest page unicrm asks for (Attio's own default page of `records/query`).
pub const MAX_PAGE_SIZE: u32 = 500;

/// Largest page unicrm asks `GET /v2/meetings` for (`limit` + `cursor` paging; the documented
/// maximum was not confirmed, 200 is a conservative choice).
pub const MEETINGS_MAX_PAGE_SIZE: u32 = 200;

/// How many provider pages one unified page may read while filtering by `updated_after`
/// (Attio cannot filter on change time; see the README).
pub const MAX_FILTER_PAGES: usize = 10;

/// Refuses a base URL outside Attio's API host unless the account is a sandbox account, so a
/// linked account's token is only ever sent to Attio (or to the emulator in test mode).
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
    fn only_attio_hosts_outside_the_sandbox() {
        assert!(check_base_url(DEFAULT_BASE_URL, false).is_ok());
        assert!(check_base_url("http://127.0.0.1:9000/attio", false).is_err());
        assert!(check_base_url("https://api.attio.com.evil.example", false).is_err());
        assert!(check_base_url("http://127.0.0.1:9000/attio", true).is_ok());
    }
}
