//! `POST /services/oauth2/token`: the refresh-token grant.

use super::*;

pub(super) fn oauth_error(error: &str, description: &str) -> Response {
    json_response(
        StatusCode::BAD_REQUEST,
        &json!({ "error": error, "error_description": description }),
    )
}

/// `POST /services/oauth2/token` with `grant_type=refresh_token`. The access token answered is
/// the refresh token itself, so the refreshed session reaches the same sandbox account.
pub(super) async fn token(EmulatorBase(base): EmulatorBase, body: Bytes) -> Response {
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    if form.get("grant_type").map(String::as_str) != Some("refresh_token") {
        return oauth_error("unsupported_grant_type", "grant type not supported");
    }
    if form.get("client_id").is_none_or(|c| c.is_empty()) {
        return oauth_error("invalid_client_id", "client identifier invalid");
    }
    let Some(refresh) = form
        .get("refresh_token")
        .filter(|t| !auth::is_reserved_rejected(t))
    else {
        return oauth_error("invalid_grant", "expired access/refresh token");
    };
    let issued_at = Utc::now().timestamp_millis().to_string();
    json_response(
        StatusCode::OK,
        &json!({
            "access_token": refresh,
            "instance_url": base,
            "id": format!("{base}/id/00D5g000000SandAAA/0055g0000000001AAA"),
            "token_type": "Bearer",
            "issued_at": issued_at,
            "signature": "c2FuZGJveC1zaWduYXR1cmU=",
            "scope": "api refresh_token",
        }),
    )
}
