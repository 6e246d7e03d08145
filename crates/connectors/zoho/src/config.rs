//! Static configuration and the per-account hosts. Secrets never live here: they come from the
//! [`Context`](unicrm_core::Context)'s credentials only.
//!
//! Zoho runs one API host per data centre; an account's host is the `api_domain` of its OAuth
//! token answer (kept as `credentials.instance_url`). Outside sandbox accounts only Zoho's own API
//! hosts are accepted, so a token is never sent anywhere else.
//!
//! Per-account settings (`Context::settings`):
//!
//! | key | values | default |
//! | --- | --- | --- |
//! | `accounts_url` | the data centre's accounts server, e.g. `https://accounts.zoho.eu` | derived from the API host |
//! | `company_account` | `link_or_create`, `link_only` | `link_or_create` |

use unicrm_core::{Context, Error, Result};
use url::Url;

/// Connector id.
pub const ID: &str = "zoho";

/// REST API version in every path (`/crm/v8/…`).
pub const API_VERSION: &str = "v8";

/// The US data centre's API host, used when an account names none.
pub const DEFAULT_API_DOMAIN: &str = "https://www.zohoapis.com";

/// Zoho's API domains per data centre (US, EU, IN, AU, JP, CN, CA, SA) and the accounts server of
/// each ("Multi DC support", Zoho OAuth docs; `api_domain` of the token answer).
pub const DATA_CENTRES: &[(&str, &str)] = &[
    ("zohoapis.com", "https://accounts.zoho.com"),
    ("zohoapis.eu", "https://accounts.zoho.eu"),
    ("zohoapis.in", "https://accounts.zoho.in"),
    ("zohoapis.com.au", "https://accounts.zoho.com.au"),
    ("zohoapis.jp", "https://accounts.zoho.jp"),
    ("zohoapis.com.cn", "https://accounts.zoho.com.cn"),
    ("zohoapis.ca", "https://accounts.zohocloud.ca"),
    ("zohoapis.sa", "https://accounts.zoho.sa"),
];

/// What to do with a contact's `company_name` when no `account_ids` are given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CompanyAccount {
    /// Link the Account with that exact name; create it when there is none.
    LinkOrCreate,
    /// Link the Account with that exact name; refuse the input when there is none.
    LinkOnly,
}

/// Settings of one call, read and checked from the context.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Settings {
    /// Scheme + host of the account's API (`https://www.zohoapis.eu`), no trailing `/`.
    pub api_domain: String,
    /// Scheme + host of the accounts server that refreshes tokens.
    pub accounts_url: String,
    /// Company → Account linking of contacts.
    pub company_account: CompanyAccount,
}

impl Settings {
    /// Reads and checks the hosts and settings of `cx`.
    pub fn from_context(cx: &Context) -> Result<Settings> {
        let api_domain = api_domain(cx)?;
        let accounts_url = match (cx.setting("accounts_url"), cx.sandbox) {
            // The emulator serves the token endpoint itself, under the same base URL; a sandbox
            // account's settings never choose another host.
            (_, true) => api_domain.clone(),
            (Some(url), false) => check_accounts_url("settings.accounts_url", url)?,
            (None, false) => accounts_url_of(&api_domain)?,
        };
        let company_account = match cx.setting("company_account") {
            None | Some("link_or_create") => CompanyAccount::LinkOrCreate,
            Some("link_only") => CompanyAccount::LinkOnly,
            Some(other) => {
                return Err(Error::invalid(
                    "settings.company_account",
                    format!("`{other}` is not one of link_or_create, link_only"),
                ))
            }
        };
        Ok(Settings {
            api_domain,
            accounts_url,
            company_account,
        })
    }

    /// `{api_domain}/crm/v8{path}`.
    pub fn crm_url(&self, path: &str) -> String {
        format!("{}/crm/{API_VERSION}{path}", self.api_domain)
    }
}

/// The API host calls go to: the account's `api_domain` (`credentials.instance_url`), else the
/// context's base URL. Outside sandbox accounts it must be an `https` Zoho API host.
pub fn api_domain(cx: &Context) -> Result<String> {
    if cx.sandbox {
        // A sandbox account talks to the emulator at the base URL, whatever its credentials say
        // (an `api_domain` from a token answer included).
        return Ok(cx.base_url.trim_end_matches('/').to_owned());
    }
    let (field, raw) = match cx.credentials.instance_url.as_deref() {
        Some(url) => ("credentials.instance_url", url),
        None => ("base_url", cx.base_url.as_str()),
    };
    check_api_domain(field, raw)
}

fn parse_https(field: &str, raw: &str) -> Result<(String, String)> {
    let url = Url::parse(raw.trim())
        .map_err(|e| Error::invalid(field, format!("`{raw}` is not a URL: {e}")))?;
    if url.username() != "" || url.password().is_some() || url.query().is_some() {
        return Err(Error::invalid(
            field,
            "must not carry credentials or a query",
        ));
    }
    if !matches!(url.path(), "" | "/") {
        return Err(Error::invalid(
            field,
            format!("`{raw}` must be a host only (scheme and host, no path)"),
        ));
    }
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    if url.scheme() != "https" {
        return Err(Error::invalid(field, format!("`{raw}` is not https")));
    }
    let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
    Ok((host.clone(), format!("https://{host}{port}")))
}

fn is_under(host: &str, domain: &str) -> bool {
    unicrm_core::raw::hosts::is_on_domain(host, domain)
}

/// Checks that `raw` is `https://<host>` with a Zoho API host of one of the data centres
/// (`*.zohoapis.com`, `.eu`, `.in`, `.com.au`, `.jp`, `.com.cn`, `.ca`, `.sa`).
pub fn check_api_domain(field: &str, raw: &str) -> Result<String> {
    let (host, url) = parse_https(field, raw)?;
    if DATA_CENTRES
        .iter()
        .any(|(domain, _)| is_under(&host, domain))
    {
        Ok(url)
    } else {
        Err(Error::invalid(
            field,
            format!(
                "`{raw}` is not a Zoho API domain (https://www.zohoapis.com, .eu, .in, .com.au, \
                 .jp, .com.cn, .ca, .sa); other hosts are only allowed for sandbox accounts"
            ),
        ))
    }
}

/// Checks an accounts-server URL (`https://accounts.zoho.*` or `https://accounts.zohocloud.ca`).
pub fn check_accounts_url(field: &str, raw: &str) -> Result<String> {
    let (host, url) = parse_https(field, raw)?;
    if DATA_CENTRES
        .iter()
        .any(|(_, accounts)| accounts.trim_start_matches("https://") == host)
    {
        Ok(url)
    } else {
        Err(Error::invalid(
            field,
            format!("`{raw}` is not a Zoho accounts server (e.g. https://accounts.zoho.eu)"),
        ))
    }
}

/// The accounts server of the data centre an API domain belongs to.
pub fn accounts_url_of(api_domain: &str) -> Result<String> {
    let host = Url::parse(api_domain)
        .ok()
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
        .unwrap_or_default();
    // Longest suffix first: `zohoapis.com.au` before `zohoapis.com`.
    let mut centres: Vec<&(&str, &str)> = DATA_CENTRES.iter().collect();
    centres.sort_by_key(|(domain, _)| std::cmp::Reverse(domain.len()));
    centres
        .into_iter()
        .find(|(domain, _)| is_under(&host, domain))
        .map(|(_, accounts)| (*accounts).to_owned())
        .ok_or_else(|| {
            Error::invalid(
                "credentials.instance_url",
                format!("`{api_domain}` belongs to no Zoho data centre"),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use unicrm_core::Credentials;

    #[test]
    fn declared_domains_cover_every_data_centre() {
        let declared = crate::connector::INFO.api_domains;
        for (api, accounts) in DATA_CENTRES {
            assert!(declared.contains(api), "{api}");
            let host = accounts.trim_start_matches("https://accounts.");
            assert!(declared.contains(&host), "{host}");
        }
    }

    #[test]
    fn only_zoho_hosts_outside_sandbox() {
        let mut creds = Credentials::bearer("t");
        creds.instance_url = Some("https://www.zohoapis.eu/".into());
        let cx = Context::new(DEFAULT_API_DOMAIN, creds.clone());
        let s = Settings::from_context(&cx).expect("settings");
        assert_eq!(s.api_domain, "https://www.zohoapis.eu");
        assert_eq!(s.accounts_url, "https://accounts.zoho.eu");
        assert_eq!(s.crm_url("/Leads"), "https://www.zohoapis.eu/crm/v8/Leads");
        for bad in [
            "http://www.zohoapis.com",
            "https://zohoapis.com.evil.example",
            "https://evil.example/www.zohoapis.com",
            "https://www.zohoapis.com@evil.example",
            "https://www.zohoapis.com/crm/v8",
            "https://notzohoapis.com",
        ] {
            creds.instance_url = Some(bad.into());
            let cx = Context::new(DEFAULT_API_DOMAIN, creds.clone());
            let err = api_domain(&cx).expect_err(bad);
            assert!(
                err.to_string().starts_with("credentials.instance_url:"),
                "{bad}: {err}"
            );
        }
        creds.instance_url = None;
        let cx = Context::new("http://127.0.0.1:4010/zoho", creds).sandboxed(true);
        let s = Settings::from_context(&cx).expect("sandbox settings");
        assert_eq!(s.api_domain, "http://127.0.0.1:4010/zoho");
        assert_eq!(s.accounts_url, "http://127.0.0.1:4010/zoho");
    }

    #[test]
    fn accounts_server_per_data_centre() {
        for (api, accounts) in [
            ("https://www.zohoapis.com", "https://accounts.zoho.com"),
            (
                "https://www.zohoapis.com.au",
                "https://accounts.zoho.com.au",
            ),
            (
                "https://www.zohoapis.com.cn",
                "https://accounts.zoho.com.cn",
            ),
            ("https://www.zohoapis.in", "https://accounts.zoho.in"),
            ("https://www.zohoapis.ca", "https://accounts.zohocloud.ca"),
        ] {
            assert_eq!(
                accounts_url_of(api).ok().as_deref(),
                Some(accounts),
                "{api}"
            );
        }
        assert!(check_accounts_url("a", "https://accounts.zoho.jp").is_ok());
        assert!(check_accounts_url("a", "https://accounts.evil.example").is_err());
    }
}
