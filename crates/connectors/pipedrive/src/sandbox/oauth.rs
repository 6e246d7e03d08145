//! `POST /oauth/token`: the refresh-token grant with HTTP Basic client credentials, on the shared
//! token route.
//!
//! Messages and status codes from Pipedrive's "OAuth status codes" table
//! (https://pipedrive.readme.io/docs/marketplace-oauth-and-api-proxy-status-codes): 401 "Invalid
//! client: cannot retrieve client credentials", 400 "Missing parameter: grant_type", "Unsupported
//! grant type: …", "Invalid grant: …"; the success shape is fixtures/oauth/token_200.json.

use unicrm_sandbox::oauth::{ClientAuth, TokenEndpoint, TokenProblem};

use super::*;

/// Pipedrive's token endpoint.
pub(super) static TOKEN: TokenEndpoint = TokenEndpoint::new(token_error)
    .client_auth(ClientAuth::Basic)
    .expires_in(3600)
    .scope("base,deals:full,contacts:full,leads:full,activities:full,users:read");

fn token_error(_sb: &Sandbox, problem: TokenProblem) -> Response {
    let (status, message) = match problem {
        TokenProblem::InvalidClient { .. } => (
            StatusCode::UNAUTHORIZED,
            "Invalid client: cannot retrieve client credentials",
        ),
        TokenProblem::MissingGrantType => {
            (StatusCode::BAD_REQUEST, "Missing parameter: grant_type")
        }
        TokenProblem::UnsupportedGrantType | TokenProblem::NotForm => (
            StatusCode::BAD_REQUEST,
            "Unsupported grant type: grant_type is invalid",
        ),
        _ => (
            StatusCode::BAD_REQUEST,
            "Invalid grant: refresh_token is invalid",
        ),
    };
    (
        status,
        Json(json!({"success": false, "error": message, "message": message})),
    )
        .into_response()
}
