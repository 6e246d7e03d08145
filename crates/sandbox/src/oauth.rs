//! The OAuth 2.0 token endpoint every emulator of an OAuth provider mounts: the refresh-token
//! grant of RFC 6749 §6, parameterised by what differs between providers.
//!
//! * the accepted client authentication ([`ClientAuth`]): `client_id`/`client_secret` in the
//!   form body, or HTTP Basic (RFC 6749 §2.3.1 allows both; providers pick one);
//! * where the parameters may be ([`TokenEndpoint::query_params`]): some providers document them
//!   in the query string;
//! * the provider's error bodies ([`TokenProblem`] → the provider's answer, e.g. RFC 6749 §5.2
//!   `{"error": "invalid_grant"}` or a provider-specific body), and its status codes;
//! * the success body: token type, lifetime, scope, whether the refresh token is echoed, and the
//!   extras the provider adds ([`Grant`] → e.g. an `instance_url` or `api_domain`).
//!
//! The sandbox names an account by the token a request carries, so the access token issued for a
//! refresh token is that same string: data stays in one account across refreshes. Refresh tokens
//! the sandbox rejects ([`crate::auth::is_reserved_rejected`]: empty, `invalid…`, `expired…`,
//! `revoked…`) are refused with the provider's `invalid_grant` answer.
//!
//! ```
//! use axum::response::{IntoResponse, Response};
//! use axum::{Json, Router};
//! use http::StatusCode;
//! use unicrm_sandbox::oauth::{ClientAuth, TokenEndpoint, TokenProblem};
//! use unicrm_sandbox::Sandbox;
//!
//! fn token_error(_sb: &Sandbox, problem: TokenProblem) -> Response {
//!     (StatusCode::BAD_REQUEST, Json(serde_json::json!({"error": problem.rfc6749_code()}))).into_response()
//! }
//!
//! static TOKEN: TokenEndpoint = TokenEndpoint::new(token_error)
//!     .client_auth(ClientAuth::Basic)
//!     .expires_in(3600);
//!
//! fn router(sb: Sandbox) -> Router {
//!     Router::new().route("/oauth/token", TOKEN.route()).with_state(sb)
//! }
//! # let _ = router(Sandbox::new(0));
//! ```

use axum::body::Bytes;
use axum::extract::{FromRequestParts, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{post, MethodRouter};
use http::request::Parts;
use http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use serde_json::{json, Map, Value};

use crate::{auth, EmulatorBase, Sandbox};

/// How the client authenticates to the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientAuth {
    /// `client_id` (and `client_secret` when `secret` is true) as form parameters; a missing or
    /// empty one is [`TokenProblem::InvalidClient`]. Checked after the grant type.
    Body {
        /// Whether `client_secret` is required too.
        secret: bool,
    },
    /// `Authorization: Basic …` carrying the client credentials; without it the request is
    /// [`TokenProblem::InvalidClient`]. Checked first (before the body is read).
    Basic,
}

/// Why a token request was refused; the provider's error function renders it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenProblem {
    /// The body is not `application/x-www-form-urlencoded` (only when the endpoint requires it).
    NotForm,
    /// No `grant_type` parameter.
    MissingGrantType,
    /// A `grant_type` other than `refresh_token`.
    UnsupportedGrantType,
    /// The client credentials are missing: `missing` names what is absent (`client_id`,
    /// `client_secret`, or `authorization` for HTTP Basic).
    InvalidClient {
        /// The missing parameter or header.
        missing: &'static str,
    },
    /// The refresh token is missing, or one the sandbox refuses.
    InvalidGrant,
}

impl TokenProblem {
    /// The RFC 6749 §5.2 error code of this problem.
    pub fn rfc6749_code(self) -> &'static str {
        match self {
            TokenProblem::NotForm | TokenProblem::MissingGrantType => "invalid_request",
            TokenProblem::UnsupportedGrantType => "unsupported_grant_type",
            TokenProblem::InvalidClient { .. } => "invalid_client",
            TokenProblem::InvalidGrant => "invalid_grant",
        }
    }
}

/// An accepted refresh: what the provider's extras are computed from.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Grant<'a> {
    /// The refresh token sent (also the access token answered).
    pub refresh_token: &'a str,
    /// The emulator's public base URL, e.g. `http://127.0.0.1:5002/salesforce` (an
    /// `instance_url` or `api_domain` points there).
    pub base_url: &'a str,
    /// The sandbox (for ids and the clock).
    pub sandbox: &'a Sandbox,
}

/// Renders a refused token request in the provider's format.
pub type TokenErrorFn = fn(&Sandbox, TokenProblem) -> Response;
/// Adds the provider's own fields to a successful token answer.
pub type TokenExtrasFn = fn(&Grant<'_>) -> Map<String, Value>;

fn no_extras(_: &Grant<'_>) -> Map<String, Value> {
    Map::new()
}

/// One provider's token endpoint: build it in a `static` with the `const` setters and mount it
/// with [`TokenEndpoint::route`] at the provider's path.
#[derive(Debug, Clone, Copy)]
pub struct TokenEndpoint {
    client_auth: ClientAuth,
    query_params: bool,
    form_required: bool,
    refuse_revoked: bool,
    token_type: &'static str,
    expires_in: Option<u64>,
    echo_refresh_token: bool,
    scope: Option<&'static str>,
    content_type: &'static str,
    extras: TokenExtrasFn,
    error: TokenErrorFn,
}

impl TokenEndpoint {
    /// An endpoint answering refusals with `error`. Defaults: client credentials in the body
    /// (id and secret), parameters in the body only, any content type, `token_type: "Bearer"`,
    /// no `expires_in`, the refresh token echoed, no scope, no extras, `application/json`.
    pub const fn new(error: TokenErrorFn) -> TokenEndpoint {
        TokenEndpoint {
            client_auth: ClientAuth::Body { secret: true },
            query_params: false,
            form_required: false,
            refuse_revoked: false,
            token_type: "Bearer",
            expires_in: None,
            echo_refresh_token: true,
            scope: None,
            content_type: "application/json",
            extras: no_extras,
            error,
        }
    }

    /// How the client authenticates.
    pub const fn client_auth(mut self, auth: ClientAuth) -> Self {
        self.client_auth = auth;
        self
    }

    /// Accepts the parameters in the query string too (a query parameter wins over the body).
    pub const fn query_params(mut self) -> Self {
        self.query_params = true;
        self
    }

    /// Refuses a body that is not `application/x-www-form-urlencoded` ([`TokenProblem::NotForm`]).
    pub const fn form_required(mut self) -> Self {
        self.form_required = true;
        self
    }

    /// Refuses refresh tokens revoked with [`Sandbox::revoke_token`] as well.
    pub const fn refuse_revoked(mut self) -> Self {
        self.refuse_revoked = true;
        self
    }

    /// The `token_type` answered (default `Bearer`).
    pub const fn token_type(mut self, token_type: &'static str) -> Self {
        self.token_type = token_type;
        self
    }

    /// The `expires_in` answered, in seconds (default: not sent).
    pub const fn expires_in(mut self, seconds: u64) -> Self {
        self.expires_in = Some(seconds);
        self
    }

    /// Does not send `refresh_token` back (the client keeps the one it has).
    pub const fn without_refresh_token(mut self) -> Self {
        self.echo_refresh_token = false;
        self
    }

    /// The `scope` answered (default: not sent).
    pub const fn scope(mut self, scope: &'static str) -> Self {
        self.scope = Some(scope);
        self
    }

    /// The `Content-Type` of the success answer (default `application/json`).
    pub const fn content_type(mut self, content_type: &'static str) -> Self {
        self.content_type = content_type;
        self
    }

    /// The provider's extra fields of a success answer.
    pub const fn extras(mut self, extras: TokenExtrasFn) -> Self {
        self.extras = extras;
        self
    }

    /// The `POST` route serving this endpoint (mount it at the provider's token path).
    pub fn route(&'static self) -> MethodRouter<Sandbox> {
        post(
            move |State(sb): State<Sandbox>, parts: TokenRequestParts, body: Bytes| async move {
                self.answer(&sb, &parts.headers, &parts.uri, &parts.base, &body)
            },
        )
    }

    /// Answers one token request (what [`TokenEndpoint::route`] serves).
    pub fn answer(
        &self,
        sb: &Sandbox,
        headers: &HeaderMap,
        uri: &Uri,
        base_url: &str,
        body: &[u8],
    ) -> Response {
        let refuse = |problem| (self.error)(sb, problem);
        if self.form_required {
            let form = headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
            if !form {
                return refuse(TokenProblem::NotForm);
            }
        }
        if self.client_auth == ClientAuth::Basic {
            let basic = headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.to_ascii_lowercase().starts_with("basic "));
            if !basic {
                return refuse(TokenProblem::InvalidClient {
                    missing: "authorization",
                });
            }
        }
        let mut params: Map<String, Value> = form_pairs(body);
        if self.query_params {
            params.extend(form_pairs(uri.query().unwrap_or_default().as_bytes()));
        }
        let param = |name: &str| params.get(name).and_then(Value::as_str);
        match param("grant_type") {
            None => return refuse(TokenProblem::MissingGrantType),
            Some("refresh_token") => {}
            Some(_) => return refuse(TokenProblem::UnsupportedGrantType),
        }
        if let ClientAuth::Body { secret } = self.client_auth {
            let required: &[&'static str] = if secret {
                &["client_id", "client_secret"]
            } else {
                &["client_id"]
            };
            if let Some(missing) = required.iter().find(|k| param(k).is_none_or(str::is_empty)) {
                return refuse(TokenProblem::InvalidClient { missing });
            }
        }
        let refresh = param("refresh_token").unwrap_or_default();
        if auth::is_reserved_rejected(refresh)
            || (self.refuse_revoked && sb.is_token_revoked(refresh))
        {
            return refuse(TokenProblem::InvalidGrant);
        }
        let grant = Grant {
            refresh_token: refresh,
            base_url,
            sandbox: sb,
        };
        let mut out = json!({
            "access_token": refresh,
            "token_type": self.token_type,
        });
        if let Some(map) = out.as_object_mut() {
            if let Some(seconds) = self.expires_in {
                map.insert("expires_in".into(), json!(seconds));
            }
            if self.echo_refresh_token {
                map.insert("refresh_token".into(), json!(refresh));
            }
            if let Some(scope) = self.scope {
                map.insert("scope".into(), json!(scope));
            }
            map.extend((self.extras)(&grant));
        }
        let mut response = (StatusCode::OK, out.to_string()).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(self.content_type),
        );
        response
    }
}

/// What the token route reads from the request head.
struct TokenRequestParts {
    headers: HeaderMap,
    uri: Uri,
    base: String,
}

impl<S: Send + Sync> FromRequestParts<S> for TokenRequestParts {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let EmulatorBase(base) = EmulatorBase::from_request_parts(parts, state).await?;
        Ok(TokenRequestParts {
            headers: parts.headers.clone(),
            uri: parts.uri.clone(),
            base,
        })
    }
}

/// `application/x-www-form-urlencoded` pairs; the first value of a repeated name wins.
fn form_pairs(bytes: &[u8]) -> Map<String, Value> {
    let mut out = Map::new();
    let text = String::from_utf8_lossy(bytes);
    for (k, v) in auth::form_pairs(&text) {
        out.entry(k).or_insert(Value::String(v));
    }
    out
}
