//! Credentials: `Authorization: Zoho-oauthtoken …`, and `POST /oauth/v2/token` (the refresh grant).

use unicrm_sandbox::oauth::{ClientAuth, Grant, TokenEndpoint, TokenProblem};

use super::*;

/// The sandbox account of a request that carries `Authorization: Zoho-oauthtoken <token>`.
pub(super) struct ZohoToken(pub(super) String);

impl<S: Send + Sync> FromRequestParts<S> for ZohoToken {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let scheme_ok = parts
            .headers
            .get(http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim_start().split_once(' '))
            .is_some_and(|(scheme, _)| scheme.eq_ignore_ascii_case("Zoho-oauthtoken"));
        if !scheme_ok {
            return Err(ZohoErrors.unauthorized(AuthProblem::Missing));
        }
        let TenantToken(token) = TenantToken::from_request_parts(parts, state).await?;
        Ok(ZohoToken(token))
    }
}

/// Zoho's token endpoint: parameters in the query string (as Zoho documents them) or a form
/// body, client id and secret required; every refusal is a 200 with `{"error": code}`, as Zoho
/// answers (fixtures/errors/200_oauth_invalid_code.json). The success carries `api_domain`, the
/// base URL the client must call next (fixtures/oauth/token_refresh_response.json).
pub(super) static TOKEN: TokenEndpoint = TokenEndpoint::new(token_error)
    .client_auth(ClientAuth::Body { secret: true })
    .query_params()
    .expires_in(3600)
    .without_refresh_token()
    .extras(token_extras);

fn token_error(_sb: &Sandbox, problem: TokenProblem) -> Response {
    let code = match problem {
        TokenProblem::InvalidClient { .. } => "invalid_client",
        TokenProblem::InvalidGrant => "invalid_code",
        _ => "unsupported_grant_type",
    };
    Json(json!({ "error": code })).into_response()
}

fn token_extras(grant: &Grant<'_>) -> Map<String, Value> {
    let mut extras = Map::new();
    extras.insert("api_domain".into(), json!(grant.base_url));
    extras
}
