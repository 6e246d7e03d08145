//! `POST /services/oauth2/token`: the refresh-token grant, on the shared token route.
//!
//! Salesforce needs `client_id` in the body (the secret is optional for some connected apps),
//! refuses with 400 `{"error", "error_description"}` (`invalid_client_id`,
//! `unsupported_grant_type`, `invalid_grant` — fixtures/oauth/refresh_error_invalid_grant.json)
//! and answers with `instance_url`, `id`, `issued_at` and `signature` and no `expires_in`
//! (fixtures/oauth/refresh_response.json).

use unicrm_sandbox::oauth::{ClientAuth, Grant, TokenEndpoint, TokenProblem};

use super::*;

/// Salesforce's token endpoint.
pub(super) static TOKEN: TokenEndpoint = TokenEndpoint::new(token_error)
    .client_auth(ClientAuth::Body { secret: false })
    .without_refresh_token()
    .scope("api refresh_token")
    .content_type("application/json;charset=UTF-8")
    .extras(token_extras);

fn token_error(_sb: &Sandbox, problem: TokenProblem) -> Response {
    let (error, description) = match problem {
        TokenProblem::InvalidClient { .. } => ("invalid_client_id", "client identifier invalid"),
        TokenProblem::InvalidGrant => ("invalid_grant", "expired access/refresh token"),
        _ => ("unsupported_grant_type", "grant type not supported"),
    };
    json_response(
        StatusCode::BAD_REQUEST,
        &json!({ "error": error, "error_description": description }),
    )
}

fn token_extras(grant: &Grant<'_>) -> Map<String, Value> {
    let base = grant.base_url;
    let mut extras = Map::new();
    extras.insert("instance_url".into(), json!(base));
    extras.insert(
        "id".into(),
        json!(format!("{base}/id/00D5g000000SandAAA/0055g0000000001AAA")),
    );
    extras.insert(
        "issued_at".into(),
        json!(Utc::now().timestamp_millis().to_string()),
    );
    extras.insert("signature".into(), json!("c2FuZGJveC1zaWduYXR1cmU="));
    extras
}
