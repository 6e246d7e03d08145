//! `POST /oauth/v1/token`: the refresh-token grant.

use super::*;

pub(super) async fn oauth_token(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form: BTreeMap<String, String> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let bad = |message: &str| {
        (
            StatusCode::BAD_REQUEST,
            Json(json!({
                "status": "BAD_REFRESH_TOKEN",
                "message": message,
                "correlationId": sb.uuid(),
            })),
        )
            .into_response()
    };
    if !content_type.starts_with("application/x-www-form-urlencoded") {
        return bad("the token request must be application/x-www-form-urlencoded");
    }
    if form.get("grant_type").map(String::as_str) != Some("refresh_token") {
        return bad("grant_type must be refresh_token");
    }
    for k in ["client_id", "client_secret"] {
        if form.get(k).is_none_or(String::is_empty) {
            return bad(&format!("missing {k}"));
        }
    }
    let Some(refresh) = form.get("refresh_token").filter(|r| !r.is_empty()) else {
        return bad("missing or invalid refresh token");
    };
    if unicrm_sandbox::auth::is_reserved_rejected(refresh) || sb.is_token_revoked(refresh) {
        return bad("missing or invalid refresh token");
    }
    // The sandbox names an account by the token a request carries; the access token issued for
    // a refresh token is that same name, so data stays in one account across refreshes.
    Json(json!({
        "token_type": "bearer",
        "refresh_token": refresh,
        "access_token": refresh,
        "expires_in": 1800,
    }))
    .into_response()
}
