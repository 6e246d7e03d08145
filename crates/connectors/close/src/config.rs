//! Static configuration. Secrets never live here: they come from the
//! [`Context`](unicrm_core::Context)'s credentials only.

use unicrm_core::{Context, Error, Result};

/// Connector id.
pub const ID: &str = "close";

/// The Close API host (the API itself lives under [`API_PREFIX`]).
pub const DEFAULT_BASE_URL: &str = "https://api.close.com";

/// Path prefix of every Close API endpoint ("API Base URL: https://api.close.com/api/v1").
pub const API_PREFIX: &str = "/api/v1";

/// Default page size (Close's own default `_limit` is 100).
pub const DEFAULT_PAGE_SIZE: u32 = 100;

/// Largest page size the connector asks for. Close's maximum `_limit` "can vary per resource"
/// (400 when exceeded); 100 is accepted by every list endpoint the connector uses.
pub const MAX_PAGE_SIZE: u32 = 100;

/// The API root calls go to: `{base}/api/v1`, without trailing `/`.
///
/// The base may be given with or without the `/api/v1` prefix. Outside sandbox accounts it must
/// be an `https` Close host (`api.close.com`, or another `*.close.com` / `*.close.io` host), so
/// the API key — sent as a Basic user name — never leaves for another host.
pub fn api_root(cx: &Context) -> Result<String> {
    let base = cx.base_url.trim_end_matches('/');
    let base = base.strip_suffix(API_PREFIX).unwrap_or(base);
    if !cx.sandbox {
        check_close_url(base)?;
    }
    Ok(format!("{base}{API_PREFIX}"))
}

/// The host root (`{base}` without `/api/v1`), where Close's OAuth token endpoint lives
/// (`https://api.close.com/oauth2/token/`). Checked like [`api_root`].
pub fn host_root(cx: &Context) -> Result<String> {
    let root = api_root(cx)?;
    Ok(root.strip_suffix(API_PREFIX).unwrap_or(&root).to_owned())
}

fn check_close_url(raw: &str) -> Result<()> {
    let url = unicrm_core::raw::hosts::check_url(&crate::connector::INFO, "base_url", raw)?;
    if url.query().is_some() {
        return Err(Error::invalid(
            "base_url",
            "must not carry credentials or a query",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use unicrm_core::Credentials;

    #[test]
    fn api_root_adds_the_prefix_once() {
        let cx = Context::new("https://api.close.com", Credentials::api_key("k"));
        assert_eq!(
            api_root(&cx).ok().as_deref(),
            Some("https://api.close.com/api/v1")
        );
        let cx = Context::new("https://api.close.com/api/v1/", Credentials::api_key("k"));
        assert_eq!(
            api_root(&cx).ok().as_deref(),
            Some("https://api.close.com/api/v1")
        );
    }

    #[test]
    fn only_close_hosts_outside_sandbox() {
        for bad in [
            "http://api.close.com",
            "https://evil.example",
            "https://close.com.evil.example",
            "https://user@api.close.com",
        ] {
            let cx = Context::new(bad, Credentials::api_key("k"));
            assert!(api_root(&cx).is_err(), "{bad}");
        }
        let cx =
            Context::new("http://127.0.0.1:5002/close", Credentials::api_key("k")).sandboxed(true);
        assert_eq!(
            api_root(&cx).ok().as_deref(),
            Some("http://127.0.0.1:5002/close/api/v1")
        );
    }
}
