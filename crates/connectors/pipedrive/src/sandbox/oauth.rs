//! `POST /oauth/token`: the refresh-token grant.

use super::*;

/// `POST /oauth/token`: `grant_type=refresh_token` with Basic client credentials.
pub(super) async fn oauth_token(headers: HeaderMap, body: Bytes) -> Response {
    let oauth_err = |status: StatusCode, message: &str| {
        (
            status,
            Json(json!({"success": false, "error": message, "message": message})),
        )
            .into_response()
    };
    let basic = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("basic "));
    if !basic {
        return oauth_err(
            StatusCode::UNAUTHORIZED,
            "Invalid client: cannot retrieve client credentials",
        );
    }
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(&body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    match param(&pairs, "grant_type") {
        None => return oauth_err(StatusCode::BAD_REQUEST, "Missing parameter: grant_type"),
        Some("refresh_token") => {}
        Some(_) => {
            return oauth_err(
                StatusCode::BAD_REQUEST,
                "Unsupported grant type: grant_type is invalid",
            )
        }
    }
    let refresh = param(&pairs, "refresh_token").unwrap_or_default();
    if unicrm_sandbox::auth::is_reserved_rejected(refresh) {
        return oauth_err(
            StatusCode::BAD_REQUEST,
            "Invalid grant: refresh_token is invalid",
        );
    }
    Json(json!({
        "access_token": refresh,
        "token_type": "Bearer",
        "expires_in": 3600,
        "refresh_token": refresh,
        "scope": "base,deals:full,contacts:full,leads:full,activities:full,users:read",
    }))
    .into_response()
}
