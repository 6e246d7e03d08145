//! `POST /oauth2/token/`: the refresh-token grant (RFC 6749 §6), on the shared token route.
//!
//! Client credentials in the form body; refusals are RFC 6749 §5.2 bodies
//! (`{"error", "error_description"}`), `invalid_client` with a 401.

use unicrm_sandbox::oauth::{ClientAuth, TokenEndpoint, TokenProblem};

use super::*;

/// Close's token endpoint.
pub(super) static TOKEN: TokenEndpoint = TokenEndpoint::new(token_error)
    .client_auth(ClientAuth::Body { secret: true })
    .expires_in(3600)
    .scope("all.full_access offline_access");

fn token_error(_sb: &Sandbox, problem: TokenProblem) -> Response {
    let (status, description) = match problem {
        TokenProblem::InvalidClient { .. } => {
            (StatusCode::UNAUTHORIZED, "client authentication failed")
        }
        TokenProblem::InvalidGrant => (
            StatusCode::BAD_REQUEST,
            "refresh token is invalid or expired",
        ),
        _ => (StatusCode::BAD_REQUEST, "grant type not supported"),
    };
    let error = match problem {
        TokenProblem::InvalidClient { .. } | TokenProblem::InvalidGrant => problem.rfc6749_code(),
        _ => "unsupported_grant_type",
    };
    (
        status,
        Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}
