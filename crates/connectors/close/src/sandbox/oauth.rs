//! `POST /oauth2/token/`: the refresh-token grant.

use super::*;

/// `POST /oauth2/token/` with `grant_type=refresh_token` (RFC 6749 §6). The access token
/// answered is the refresh token itself, so the refreshed session reaches the same sandbox
/// account; refresh tokens starting with `invalid`/`expired`/`revoked` are refused.
pub(super) async fn token(body: axum::body::Bytes) -> Response {
    let form: BTreeMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let oauth_error = |status: StatusCode, error: &str, description: &str| {
        (
            status,
            Json(json!({"error": error, "error_description": description})),
        )
            .into_response()
    };
    if form.get("grant_type").map(String::as_str) != Some("refresh_token") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "grant type not supported",
        );
    }
    if form.get("client_id").is_none_or(|c| c.is_empty())
        || form.get("client_secret").is_none_or(|c| c.is_empty())
    {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client authentication failed",
        );
    }
    match form
        .get("refresh_token")
        .filter(|t| !unicrm_sandbox::auth::is_reserved_rejected(t))
    {
        Some(refresh) => (
            StatusCode::OK,
            Json(json!({
                "access_token": refresh,
                "token_type": "Bearer",
                "expires_in": 3600,
                "refresh_token": refresh,
                "scope": "all.full_access offline_access",
            })),
        )
            .into_response(),
        None => oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "refresh token is invalid or expired",
        ),
    }
}
