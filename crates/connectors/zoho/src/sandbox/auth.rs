//! Credentials: `Authorization: Zoho-oauthtoken …`, and `POST /oauth/v2/token` (the refresh grant).

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

pub(super) async fn oauth_token(
    EmulatorBase(base): EmulatorBase,
    Query(query): Query<BTreeMap<String, String>>,
    body: Bytes,
) -> Response {
    // Zoho documents the parameters in the query string; a form body is accepted as well.
    let mut params: BTreeMap<String, String> =
        serde_urlencoded::from_bytes(&body).unwrap_or_default();
    params.extend(query);
    let oauth_error = |code: &str| Json(json!({ "error": code })).into_response();
    if params.get("grant_type").map(String::as_str) != Some("refresh_token") {
        return oauth_error("unsupported_grant_type");
    }
    if params.get("client_id").is_none_or(String::is_empty)
        || params.get("client_secret").is_none_or(String::is_empty)
    {
        return oauth_error("invalid_client");
    }
    let Some(refresh) = params.get("refresh_token").filter(|r| !r.is_empty()) else {
        return oauth_error("invalid_code");
    };
    if unicrm_sandbox::auth::is_reserved_rejected(refresh) {
        return oauth_error("invalid_code");
    }
    // The sandbox names an account by the token a request carries: the access token issued for
    // a refresh token is that same name, so data stays in one account across refreshes.
    Json(json!({
        "access_token": refresh,
        "expires_in": 3600,
        "api_domain": base,
        "token_type": "Bearer"
    }))
    .into_response()
}
