//! `POST /oauth/v1/token`: the refresh-token grant, on the shared token route.
//!
//! HubSpot takes `client_id`/`client_secret` in the form body and answers a refused refresh with
//! a 400 `BAD_REFRESH_TOKEN` body carrying a `correlationId`
//! (https://developers.hubspot.com/docs/api/oauth/tokens; fixtures/oauth/token_response.json for
//! the success shape: `token_type: bearer`, `expires_in: 1800`).

use unicrm_sandbox::oauth::{ClientAuth, TokenEndpoint, TokenProblem};

use super::*;

/// HubSpot's token endpoint.
pub(super) static TOKEN: TokenEndpoint = TokenEndpoint::new(token_error)
    .client_auth(ClientAuth::Body { secret: true })
    .form_required()
    .refuse_revoked()
    .token_type("bearer")
    .expires_in(1800);

fn token_error(sb: &Sandbox, problem: TokenProblem) -> Response {
    let message = match problem {
        TokenProblem::NotForm => {
            "the token request must be application/x-www-form-urlencoded".to_owned()
        }
        TokenProblem::MissingGrantType | TokenProblem::UnsupportedGrantType => {
            "grant_type must be refresh_token".to_owned()
        }
        TokenProblem::InvalidClient { missing } => format!("missing {missing}"),
        _ => "missing or invalid refresh token".to_owned(),
    };
    (
        StatusCode::BAD_REQUEST,
        Json(json!({
            "status": "BAD_REFRESH_TOKEN",
            "message": message,
            "correlationId": sb.uuid(),
        })),
    )
        .into_response()
}
