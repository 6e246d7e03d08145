//! OAuth 2.0 for every connector, once: where a provider's endpoints are ([`OAuthEndpoints`],
//! declared in [`ConnectorInfo::oauth`](crate::ConnectorInfo::oauth) with
//! [`ConnectorInfo::with_oauth`](crate::ConnectorInfo::with_oauth)), when an access token is due
//! for renewal ([`is_due`]), and the one refresh-token grant ([`refresh`], RFC 6749 §6).
//!
//! No connector refreshes on its own, inside a call: a refresh that the caller does not see is
//! a rotated refresh token the caller cannot store (Salesforce: "refresh token rotation …
//! invalidates the previous refresh token"), so the next refresh fails and the account must be
//! re-linked. The caller refreshes instead and keeps what it gets back: the gateway under its
//! per-account lease (`refresh_if_due` in `unicrm-server`), an embedding service with
//! [`Connector::refresh_if_due`](crate::Connector) on `dyn Connector`.
//!
//! The grant is sent through [`Context::send`]: a sandbox (test-mode) account's token call goes
//! to its emulator only (`{base_url}{path}`, whatever the declaration says for live accounts),
//! the recorder removes the secrets, the account's timeout applies. A connector supplies at most
//! two hooks: [`Connector::oauth_token_host`] for a token endpoint whose host it derives from
//! the account, and [`Connector::oauth_token_extras`] for what its provider adds to a token
//! answer (Salesforce `instance_url`, Zoho and Pipedrive `api_domain`).

use crate::connector::Connector;
use crate::context::{Context, Credentials};
use crate::error::{Error, ProviderDetails, Result};
use crate::http::{Auth, ProviderRequest, ProviderResponse};
use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde_json::{Map, Value};
use url::Url;

/// How long before its expiry an access token is renewed. One margin for every connector and
/// the gateway: a call started with a token that expires within it could reach the provider
/// after the expiry — one provider call may take the gateway's whole provider timeout (30 s by
/// default) plus its retries, and the clocks of unicrm and the provider may differ by seconds.
/// 60 s covers a 30 s call with room for skew, and is still a small share of the shortest
/// access-token life among the providers (Zoho: 1 h, HubSpot: 30 min).
pub const REFRESH_MARGIN: std::time::Duration = std::time::Duration::from_secs(60);

/// Whether `credentials` are due for a refresh at `now`: they hold a refresh token, and either
/// carry no token to send at all or one that expires within [`REFRESH_MARGIN`]. An unknown
/// expiry is not due (Salesforce does not say when its sessions end).
pub fn is_due(credentials: &Credentials, now: DateTime<Utc>) -> bool {
    let margin = chrono::Duration::from_std(REFRESH_MARGIN).unwrap_or(chrono::Duration::zero());
    credentials.refresh_token.is_some()
        && (credentials.bearer_token().is_none()
            || credentials.expires_at.is_some_and(|t| t <= now + margin))
}

/// How a client authenticates at the token endpoint (RFC 6749 §2.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ClientAuth {
    /// `client_id` and `client_secret` as form fields of the request body.
    Body,
    /// `Authorization: Basic base64(client_id:client_secret)`.
    Basic,
}

/// Where a live account's token endpoint is. A sandbox account's is always `{base_url}{path}`
/// on its emulator, `path` being the variant's path (an absolute URL's path).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TokenUrl {
    /// `path` on the scheme and host of the account's API base URL (HubSpot
    /// `https://api.hubapi.com/oauth/v1/token`, Close `https://api.close.com/oauth2/token/`).
    OnBaseHost(&'static str),
    /// A fixed URL (Pipedrive `https://oauth.pipedrive.com/oauth/token`); when `setting` names
    /// an account setting that is set, its value (a whole URL) is used instead.
    Absolute {
        /// The token endpoint.
        url: &'static str,
        /// An account setting that may replace it.
        setting: Option<&'static str>,
    },
    /// `path` on the host (scheme and host, no path) that account setting `setting` names, else
    /// on `default` (Salesforce: `login_url`, default `https://login.salesforce.com`).
    OnSettingHost {
        /// The setting naming the host.
        setting: &'static str,
        /// The host when the setting is not set.
        default: &'static str,
        /// The token endpoint's path.
        path: &'static str,
    },
    /// `path` on the host the connector derives from the account with
    /// [`Connector::oauth_token_host`] (Zoho: the accounts server of the account's data centre).
    OnConnectorHost(&'static str),
}

impl TokenUrl {
    /// The path of the token endpoint (where a sandbox account's emulator serves it).
    pub fn path(&self) -> &'static str {
        match *self {
            TokenUrl::OnBaseHost(path)
            | TokenUrl::OnSettingHost { path, .. }
            | TokenUrl::OnConnectorHost(path) => path,
            TokenUrl::Absolute { url, .. } => {
                // `scheme://host` then the path: the third `/` starts it.
                let after_scheme = url.find("://").map_or(0, |i| i + 3);
                url[after_scheme..]
                    .find('/')
                    .map_or("/", |i| &url[after_scheme + i..])
            }
        }
    }
}

/// A provider's OAuth 2.0 endpoints and scopes, as a connector declares them
/// ([`ConnectorInfo::with_oauth`](crate::ConnectorInfo::with_oauth)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct OAuthEndpoints {
    /// The authorization endpoint a user is sent to (the provider's default host; a provider
    /// with per-account hosts documents how the connect flow picks another).
    pub authorize_url: &'static str,
    /// The token endpoint.
    pub token_url: TokenUrl,
    /// How the client authenticates at the token endpoint.
    pub client_auth: ClientAuth,
    /// The scopes to ask for by default (empty: the provider takes them from the app's
    /// registration, not from the authorization request).
    pub scopes: &'static [&'static str],
    /// What joins the scopes in the `scope` parameter (RFC 6749 §3.3: a space; Zoho: a comma).
    pub scope_separator: &'static str,
    /// Further parameters of the authorization request the provider needs (Zoho:
    /// `access_type=offline` for a refresh token at all).
    pub authorize_params: &'static [(&'static str, &'static str)],
}

impl OAuthEndpoints {
    /// Endpoints with no default scopes (for `const`/`static` use).
    pub const fn new(
        authorize_url: &'static str,
        token_url: TokenUrl,
        client_auth: ClientAuth,
    ) -> Self {
        OAuthEndpoints {
            authorize_url,
            token_url,
            client_auth,
            scopes: &[],
            scope_separator: " ",
            authorize_params: &[],
        }
    }

    /// Declares the default scopes, joined by a space.
    pub const fn with_scopes(mut self, scopes: &'static [&'static str]) -> Self {
        self.scopes = scopes;
        self
    }

    /// Declares the separator of the `scope` parameter (default: a space).
    pub const fn with_scope_separator(mut self, separator: &'static str) -> Self {
        self.scope_separator = separator;
        self
    }

    /// Declares further parameters of the authorization request.
    pub const fn with_authorize_params(
        mut self,
        params: &'static [(&'static str, &'static str)],
    ) -> Self {
        self.authorize_params = params;
        self
    }

    /// The `scope` parameter of the default scopes (`None` when there are none).
    pub fn scope(&self) -> Option<String> {
        (!self.scopes.is_empty()).then(|| self.scopes.join(self.scope_separator))
    }
}

/// A successful token answer (RFC 6749 §5.1).
#[derive(Clone)]
#[non_exhaustive]
pub struct TokenAnswer {
    /// The new access token.
    pub access_token: SecretString,
    /// A rotated refresh token, when the provider sent one.
    pub refresh_token: Option<SecretString>,
    /// The access token's lifetime in seconds, when the provider said.
    pub expires_in: Option<i64>,
    /// Every other member of the answer (`instance_url`, `api_domain`, `scope` …).
    pub extras: Map<String, Value>,
}

impl std::fmt::Debug for TokenAnswer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenAnswer")
            .field("access_token", &"[redacted]")
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "[redacted]"),
            )
            .field("expires_in", &self.expires_in)
            .field("extras", &self.extras.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl TokenAnswer {
    /// `previous` with this answer applied at `now`: the new access token, the rotated refresh
    /// token (the previous one kept when none came back), and the expiry from `expires_in`
    /// (unknown when the provider did not say: the previous expiry was the old token's).
    pub fn apply(&self, previous: &Credentials, now: DateTime<Utc>) -> Credentials {
        let mut fresh = previous.clone();
        fresh.access_token = Some(self.access_token.clone());
        if let Some(rotated) = &self.refresh_token {
            fresh.refresh_token = Some(rotated.clone());
        }
        fresh.expires_at = self
            .expires_in
            .and_then(|s| now.checked_add_signed(chrono::Duration::try_seconds(s)?));
        fresh
    }
}

/// The token endpoint of `connector` for the account of `cx`. A live account's must be an
/// `https` URL on one of the connector's declared API domains (so a refresh token never leaves
/// the provider); a sandbox account's is `{base_url}{path}`.
pub fn token_url<C: Connector + ?Sized>(
    connector: &C,
    cx: &Context,
    endpoints: &OAuthEndpoints,
) -> Result<String> {
    let info = connector.info();
    let token = endpoints.token_url;
    if cx.sandbox {
        return Ok(cx.url(token.path()));
    }
    let check = |field: &str, raw: &str| crate::raw::hosts::check_url(info, field, raw);
    let on_host = |field: &str, host: &str, path: &str| -> Result<String> {
        let url = check(field, host)?;
        if !matches!(url.path(), "" | "/") || url.query().is_some() {
            return Err(Error::invalid(
                field,
                format!("`{host}` must be a host only (scheme and host, no path or query)"),
            ));
        }
        Ok(format!("{}{path}", origin(&url)))
    };
    match token {
        TokenUrl::OnBaseHost(path) => {
            let base = check("base_url", &cx.base_url)?;
            Ok(format!("{}{path}", origin(&base)))
        }
        TokenUrl::Absolute { url, setting } => {
            match setting.and_then(|key| cx.setting(key).map(|v| (key, v))) {
                Some((key, value)) => Ok(check(&format!("settings.{key}"), value)?.to_string()),
                None => Ok(check("token_url", url)?.to_string()),
            }
        }
        TokenUrl::OnSettingHost {
            setting,
            default,
            path,
        } => match cx.setting(setting) {
            Some(host) => on_host(&format!("settings.{setting}"), host, path),
            None => on_host("token_url", default, path),
        },
        TokenUrl::OnConnectorHost(path) => {
            let host = connector.oauth_token_host(cx)?;
            on_host("token_url", &host, path)
        }
    }
}

fn origin(url: &Url) -> String {
    url.origin().ascii_serialization()
}

/// The refresh-token grant of `connector` for the account of `cx` (RFC 6749 §6): a form POST of
/// `grant_type=refresh_token` and the refresh token to the declared token endpoint, the client
/// authenticated as declared; answers the account's complete new credentials (what the provider
/// did not rotate kept, the connector's [`Connector::oauth_token_extras`] applied). The caller
/// stores them.
///
/// A connector that declares no endpoints, or credentials without a refresh token and client id,
/// are [`Error::Unauthorized`] asking to re-link; so is a refusal of the provider
/// (`invalid_grant`, any 400/401/403, or an `error` in a 2xx answer as Zoho sends it). A 5xx is
/// the provider's temporary error, a 429 [`Error::RateLimited`]. No secret is ever in an error.
pub async fn refresh<C: Connector + ?Sized>(connector: &C, cx: &Context) -> Result<Credentials> {
    let info = connector.info();
    let relink = |why: String| Error::Unauthorized {
        message: format!("{why}; re-link the account"),
        provider: None,
    };
    let Some(endpoints) = info.oauth else {
        return Err(relink(format!(
            "{} credentials cannot be refreshed",
            info.display_name
        )));
    };
    let creds = &cx.credentials;
    let (Some(refresh_token), Some(client_id)) = (&creds.refresh_token, &creds.client_id) else {
        return Err(relink(format!(
            "refreshing a {} access token needs the account's refresh_token and client_id",
            info.display_name
        )));
    };
    let url = token_url(connector, cx, &endpoints)?;
    let mut form = vec![
        ("grant_type".to_owned(), "refresh_token".to_owned()),
        (
            "refresh_token".to_owned(),
            refresh_token.expose_secret().to_owned(),
        ),
    ];
    let mut req = ProviderRequest::new(info.id, http::Method::POST, url)
        .header("accept", "application/json")
        .auth(Auth::None);
    match endpoints.client_auth {
        ClientAuth::Body => {
            form.push(("client_id".to_owned(), client_id.clone()));
            if let Some(secret) = &creds.client_secret {
                form.push((
                    "client_secret".to_owned(),
                    secret.expose_secret().to_owned(),
                ));
            }
        }
        ClientAuth::Basic => req = req.auth(Auth::ClientBasic),
    }
    let response = cx.send(req.form(form)).await?;
    let answer = read_answer(info.id, info.display_name, cx, &response)?;
    let mut fresh = answer.apply(creds, Utc::now());
    connector.oauth_token_extras(cx, &answer.extras, &mut fresh)?;
    Ok(fresh)
}

/// Reads a token endpoint's answer: the token on success, else the error it means.
fn read_answer(
    provider: &'static str,
    name: &str,
    cx: &Context,
    response: &ProviderResponse,
) -> Result<TokenAnswer> {
    let body: Option<Map<String, Value>> = serde_json::from_slice(&response.body).ok();
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
    if response.is_success() {
        if let Some(mut body) = body.clone() {
            if body.get("error").is_none() {
                if let Some(access) = text(body.get("access_token")).filter(|t| !t.is_empty()) {
                    body.remove("access_token");
                    let refresh = body
                        .remove("refresh_token")
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .filter(|t| !t.is_empty());
                    let expires_in = body.remove("expires_in").and_then(|v| match v {
                        Value::Number(n) => n.as_i64(),
                        // Some providers send the number as a string.
                        Value::String(s) => s.parse().ok(),
                        _ => None,
                    });
                    return Ok(TokenAnswer {
                        access_token: SecretString::from(access),
                        refresh_token: refresh.map(SecretString::from),
                        expires_in,
                        extras: body,
                    });
                }
            }
        }
    }
    // The provider's words, secrets removed (a 2xx body is not scrubbed by `send`).
    let secrets = cx.credentials.secrets();
    let mut shown = body
        .clone()
        .map(Value::Object)
        .unwrap_or_else(|| Value::String(String::from_utf8_lossy(&response.body).into_owned()));
    crate::http::scrub_value(&mut shown, &secrets);
    let field = |k: &str| {
        shown
            .get(k)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    // RFC 6749 §5.2 `error` (Salesforce, Close, Zoho), else a provider's own code (HubSpot
    // `status: BAD_REFRESH_TOKEN`).
    let error = field("error");
    let code = error
        .clone()
        .filter(|e| !e.contains(' '))
        .or_else(|| field("status"));
    let message = field("error_description")
        .or_else(|| field("message"))
        .or(error)
        .unwrap_or_else(|| format!("the token endpoint answered HTTP {}", response.status));
    let mut details = ProviderDetails::new(provider, response.status, message.clone())
        .request_id(response.header("x-request-id").map(str::to_owned))
        .body(Some(shown));
    if let Some(code) = &code {
        details = details.code(code.clone());
    }
    let status = response.status;
    match status {
        500..=599 => Err(Error::Provider(Box::new(details))),
        429 => Err(Error::RateLimited {
            retry_after: crate::http::retry_after(&response.headers),
            message,
            provider: Some(Box::new(details)),
        }),
        // A 2xx carrying an error (Zoho answers `200 {"error":"invalid_code"}`), or a refusal.
        200..=299 | 400 | 401 | 403 => Err(Error::Unauthorized {
            message: format!(
                "{name} refused to refresh the access token ({}): re-link the account",
                code.as_deref().unwrap_or(&message)
            ),
            provider: Some(Box::new(details)),
        }),
        _ => Err(Error::Provider(Box::new(details))),
    }
}

#[cfg(test)]
mod tests;
