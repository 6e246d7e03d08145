//! Credentials: which sandbox account (tenant) a request belongs to.
//!
//! Every non-empty token is a sandbox account of its own (as with LocalStack, nothing has to be
//! created first), except tokens the sandbox rejects so that tests can provoke a 401:
//! tokens starting with `invalid`, `expired` or `revoked` (any case), and tokens revoked with
//! [`crate::Sandbox::revoke_token`]. A rejected or missing credential is answered with the
//! emulator's [`crate::ErrorFormat::unauthorized`].

use std::fmt;

use axum::extract::FromRequestParts;
use axum::response::Response;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use http::request::Parts;
use http::{HeaderMap, Uri};

use crate::format::{ErrorFormat, GenericErrors};
use crate::server::EmulatorContext;

/// Header names that carry an API key directly.
const KEY_HEADERS: &[&str] = &["x-api-token", "x-api-key", "api-key", "apikey"];
/// Query parameters that carry an API key (Pipedrive `api_token`, others `api_key`).
const KEY_QUERY: &[&str] = &["api_token", "api_key", "apikey", "access_token"];
/// Token prefixes the sandbox always rejects, to provoke a 401 on purpose.
const REJECTED_PREFIXES: &[&str] = &["invalid", "expired", "revoked"];

/// A credential found on a request. `Debug` never shows the secret.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Credential {
    /// `Authorization: Bearer <token>`.
    Bearer(String),
    /// `Authorization: <scheme> <token>` with another scheme (e.g. `Zoho-oauthtoken`, `Token`).
    Scheme {
        /// The scheme word as sent.
        scheme: String,
        /// The token after it.
        token: String,
    },
    /// `Authorization: Basic base64(user:password)`.
    Basic {
        /// The user part (StackOne-style keys send `key:` with an empty password).
        username: String,
        /// The password part.
        password: String,
    },
    /// An API key header (`x-api-token`, `x-api-key`, `api-key`, `apikey`).
    Header {
        /// Lower-case header name.
        name: &'static str,
        /// Its value.
        value: String,
    },
    /// An API key query parameter (`api_token`, `api_key`, `apikey`, `access_token`).
    Query {
        /// Parameter name.
        name: &'static str,
        /// Its value.
        value: String,
    },
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self {
            Credential::Bearer(_) => "Bearer",
            Credential::Scheme { scheme, .. } => scheme.as_str(),
            Credential::Basic { .. } => "Basic",
            Credential::Header { name, .. } => name,
            Credential::Query { name, .. } => name,
        };
        write!(f, "Credential({kind}, <redacted>)")
    }
}

impl Credential {
    /// The token that names the sandbox account: the bearer/scheme token, the key, or for Basic
    /// the user name (the password when the user name is empty).
    pub fn token(&self) -> &str {
        match self {
            Credential::Bearer(t) => t,
            Credential::Scheme { token, .. } => token,
            Credential::Basic { username, password } => {
                if username.is_empty() {
                    password
                } else {
                    username
                }
            }
            Credential::Header { value, .. } | Credential::Query { value, .. } => value,
        }
    }
}

/// Why a request was refused by the auth check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthProblem {
    /// No credential (or an unreadable `Authorization` header).
    Missing,
    /// A credential the sandbox rejects (reserved prefix, revoked, empty).
    Rejected,
}

impl fmt::Display for AuthProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AuthProblem::Missing => "no credential was sent",
            AuthProblem::Rejected => "the credential is invalid, expired or revoked",
        })
    }
}

/// Finds the credential on a request: `Authorization` first, then API-key headers, then API-key
/// query parameters. `None` when there is none.
pub fn credential(headers: &HeaderMap, uri: &Uri) -> Option<Credential> {
    if let Some(value) = headers.get(http::header::AUTHORIZATION) {
        let value = value.to_str().ok()?.trim();
        let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
        let rest = rest.trim().to_owned();
        return Some(if scheme.eq_ignore_ascii_case("bearer") {
            Credential::Bearer(rest)
        } else if scheme.eq_ignore_ascii_case("basic") {
            let decoded = STANDARD.decode(rest.as_bytes()).ok()?;
            let decoded = String::from_utf8(decoded).ok()?;
            let (username, password) = decoded.split_once(':').unwrap_or((&decoded, ""));
            Credential::Basic {
                username: username.to_owned(),
                password: password.to_owned(),
            }
        } else {
            Credential::Scheme {
                scheme: scheme.to_owned(),
                token: rest,
            }
        });
    }
    for name in KEY_HEADERS {
        if let Some(value) = headers.get(*name).and_then(|v| v.to_str().ok()) {
            return Some(Credential::Header {
                name,
                value: value.trim().to_owned(),
            });
        }
    }
    let query = uri.query()?;
    form_pairs(query).find_map(|(k, v)| {
        KEY_QUERY
            .iter()
            .find(|name| **name == k)
            .map(|name| Credential::Query { name, value: v })
    })
}

/// Decodes `a=b&c=d` pairs (percent-decoding and `+` as space).
pub(crate) fn form_pairs(query: &str) -> impl Iterator<Item = (String, String)> + '_ {
    query.split('&').filter(|p| !p.is_empty()).map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (percent_decode(k), percent_decode(v))
    })
}

fn percent_decode(s: &str) -> String {
    fn hex(b: u8) -> Option<u8> {
        match b {
            b'0'..=b'9' => Some(b - b'0'),
            b'a'..=b'f' => Some(b - b'a' + 10),
            b'A'..=b'F' => Some(b - b'A' + 10),
            _ => None,
        }
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let decoded = match bytes[i] {
            b'+' => Some((b' ', 1)),
            b'%' => bytes
                .get(i + 1)
                .and_then(|h| hex(*h))
                .zip(bytes.get(i + 2).and_then(|l| hex(*l)))
                .map(|(h, l)| (h * 16 + l, 3)),
            _ => None,
        };
        let (byte, width) = decoded.unwrap_or((bytes[i], 1));
        out.push(byte);
        i += width;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether the sandbox refuses this token regardless of provider: empty, or starting with
/// `invalid`, `expired` or `revoked` (ASCII case-insensitive).
pub fn is_reserved_rejected(token: &str) -> bool {
    let lower = token.to_ascii_lowercase();
    token.trim().is_empty() || REJECTED_PREFIXES.iter().any(|p| lower.starts_with(p))
}

/// Axum extractor for the sandbox account of a request: the token of its credential.
///
/// Rejects a missing or refused credential with the emulator's own 401 (its
/// [`ErrorFormat::unauthorized`]), so a handler only runs for an authenticated account:
/// `async fn list(State(sb): State<Sandbox>, TenantToken(token): TenantToken) -> Response`.
#[derive(Clone, PartialEq, Eq)]
pub struct TenantToken(pub String);

impl fmt::Debug for TenantToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TenantToken(<redacted>)")
    }
}

impl<S: Send + Sync> FromRequestParts<S> for TenantToken {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let cx = parts.extensions.get::<EmulatorContext>().cloned();
        let errors: &dyn ErrorFormat = match &cx {
            Some(cx) => cx.errors,
            None => &GenericErrors,
        };
        let Some(credential) = credential(&parts.headers, &parts.uri) else {
            return Err(errors.unauthorized(AuthProblem::Missing));
        };
        let token = credential.token();
        let revoked = cx
            .as_ref()
            .is_some_and(|cx| cx.sandbox.is_token_revoked(token));
        if is_reserved_rejected(token) || revoked {
            return Err(errors.unauthorized(AuthProblem::Rejected));
        }
        Ok(TenantToken(token.to_owned()))
    }
}
