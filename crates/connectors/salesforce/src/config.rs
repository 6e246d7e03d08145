//! Static configuration and per-account settings. Secrets never live here: they come from the
//! [`Context`](unicrm_core::Context)'s credentials only.
//!
//! Per-account settings (`Context::settings`):
//!
//! | key | values | default |
//! | --- | --- | --- |
//! | `api_version` | `v62.0` or `62.0` | [`DEFAULT_API_VERSION`] |
//! | `company_account` | `link_or_create`, `link_only` | `link_or_create` |
//! | `login_url` | `https://login.salesforce.com`, `https://test.salesforce.com`, a My Domain | [`DEFAULT_LOGIN_URL`] |
//!
//! A call never renews an expired session itself: the renewed credentials cannot be stored from
//! inside a call, and with refresh token rotation (which invalidates the old refresh token) the
//! stored account would break. Callers refresh with `Connector::refresh_credentials` (core's one
//! grant on the `login_url` host) and store what it answers.

use unicrm_core::{Context, Error, Result};
use url::Url;

/// Connector id.
pub const ID: &str = "salesforce";

/// REST API version used when the account does not choose one (Winter '25).
pub const DEFAULT_API_VERSION: &str = "v62.0";

/// Where OAuth refresh goes by default (`POST {login}/services/oauth2/token`).
pub const DEFAULT_LOGIN_URL: &str = "https://login.salesforce.com";

/// What to do with a contact's `company_name` when no `account_ids` are given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CompanyAccount {
    /// Link the Account with that exact name; create it when there is none.
    LinkOrCreate,
    /// Link the Account with that exact name; refuse the input when there is none.
    LinkOnly,
}

/// Settings of one call, read from the context.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Settings {
    /// `vNN.N`.
    pub api_version: String,
    /// Company → Account linking.
    pub company_account: CompanyAccount,
    /// OAuth login host.
    pub login_url: String,
    /// `{instance_url}/services/data/{api_version}` without trailing slash.
    pub data_url: String,
    /// The instance (scheme + host) calls go to.
    pub instance_url: String,
}

impl Settings {
    /// Reads and checks the settings and instance URL of `cx`.
    pub fn from_context(cx: &Context) -> Result<Settings> {
        let api_version = api_version(cx.setting("api_version"))?;
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
        let instance_url = instance_url(cx)?;
        let login_url = if cx.sandbox {
            // The emulator serves the token endpoint itself; a sandbox account's settings never
            // choose another host.
            instance_url.clone()
        } else {
            let login = cx.setting("login_url").unwrap_or(DEFAULT_LOGIN_URL);
            check_salesforce_url("settings.login_url", login)?
        };
        Ok(Settings {
            data_url: format!("{instance_url}/services/data/{api_version}"),
            api_version,
            company_account,
            login_url,
            instance_url,
        })
    }
}

/// Normalises an API version setting to `vNN.N`.
pub fn api_version(setting: Option<&str>) -> Result<String> {
    let Some(raw) = setting else {
        return Ok(DEFAULT_API_VERSION.to_owned());
    };
    let digits = raw.trim().trim_start_matches(['v', 'V']);
    let ok = digits.split_once('.').is_some_and(|(major, minor)| {
        !major.is_empty()
            && major.len() <= 3
            && major.bytes().all(|b| b.is_ascii_digit())
            && minor == "0"
    });
    if ok {
        Ok(format!("v{digits}"))
    } else {
        Err(Error::invalid(
            "settings.api_version",
            format!("`{raw}` is not a Salesforce API version like v62.0"),
        ))
    }
}

/// The instance calls go to: the account's `instance_url` (from the OAuth token answer), else the
/// context's base URL. Outside sandbox accounts it must be an `https` Salesforce host.
pub fn instance_url(cx: &Context) -> Result<String> {
    if cx.sandbox {
        // A sandbox account talks to the emulator at the base URL, whatever it is.
        return Ok(cx.base_url.trim_end_matches('/').to_owned());
    }
    let (field, raw) = match cx.credentials.instance_url.as_deref() {
        Some(url) => ("credentials.instance_url", url),
        None => ("base_url", cx.base_url.as_str()),
    };
    let url = check_salesforce_url(field, raw)?;
    let host = Url::parse(&url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
        .unwrap_or_default();
    if host == "login.salesforce.com" || host == "test.salesforce.com" {
        return Err(Error::invalid(
            "credentials.instance_url",
            "required: the org's instance URL from the OAuth token answer (login hosts do not \
             serve the REST API)",
        ));
    }
    Ok(url)
}

/// Checks that `raw` is `https://<host>` with a Salesforce host (`*.salesforce.com`,
/// `*.force.com`, which includes `*.my.salesforce.com`); answers it without path or trailing `/`.
pub fn check_salesforce_url(field: &str, raw: &str) -> Result<String> {
    let url = unicrm_core::raw::hosts::check_url(&crate::connector::INFO, field, raw)?;
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    if url.query().is_some() {
        return Err(Error::invalid(
            field,
            "must not carry credentials or a query",
        ));
    }
    let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
    Ok(format!("https://{host}{port}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use unicrm_core::Credentials;

    #[test]
    fn api_versions() {
        assert_eq!(api_version(None).ok().as_deref(), Some("v62.0"));
        assert_eq!(api_version(Some("58.0")).ok().as_deref(), Some("v58.0"));
        assert_eq!(api_version(Some("v60.0")).ok().as_deref(), Some("v60.0"));
        assert!(api_version(Some("v60.0/../../x")).is_err());
        assert!(api_version(Some("latest")).is_err());
    }

    #[test]
    fn only_salesforce_hosts_outside_sandbox() {
        let mut creds = Credentials::bearer("t");
        creds.instance_url = Some("https://acme.my.salesforce.com/".into());
        let cx = Context::new("https://login.salesforce.com", creds.clone());
        assert_eq!(
            instance_url(&cx).ok().as_deref(),
            Some("https://acme.my.salesforce.com")
        );
        for bad in [
            "http://acme.my.salesforce.com",
            "https://salesforce.com.evil.example",
            "https://evil.example/acme.salesforce.com",
            "https://acme.my.salesforce.com@evil.example",
        ] {
            creds.instance_url = Some(bad.into());
            let cx = Context::new("https://login.salesforce.com", creds.clone());
            let err = instance_url(&cx).expect_err(bad);
            assert!(
                err.to_string().starts_with("credentials.instance_url:"),
                "{err}"
            );
        }
        creds.instance_url = None;
        let cx = Context::new("https://login.salesforce.com", creds.clone());
        assert!(instance_url(&cx).is_err());
        let cx = Context::new("http://127.0.0.1:4010/salesforce", creds).sandboxed(true);
        assert_eq!(
            instance_url(&cx).ok().as_deref(),
            Some("http://127.0.0.1:4010/salesforce")
        );
    }
}
