//! Attio's error body `{status_code, type, code, message}` and the machinery's 401/429/5xx
//! ([`AttioErrors`]).

use super::*;

/// How Attio renders 401, 429 and 5xx.
#[derive(Debug, Clone, Copy, Default)]
pub struct AttioErrors;

impl ErrorFormat for AttioErrors {
    /// Attio's 404 shape (`status_code`, `type: invalid_request_error`, `code: not_found`;
    /// fixtures/errors/404_not_found.json); the message naming the path is modelled.
    fn unknown_path(&self, path: &str) -> Response {
        not_found(&format!("The route {path} was not found."))
    }

    fn unauthorized(&self, problem: AuthProblem) -> Response {
        error(
            StatusCode::UNAUTHORIZED,
            "authentication_error",
            "invalid_api_key",
            &format!("Authentication failed: {problem}."),
        )
    }

    fn rate_limited(&self, retry_after: Duration) -> Response {
        // "They also always include a Retry-After header, which is a date at which the limit
        // resets (usually the following second)".
        let at = Utc::now()
            + chrono::Duration::from_std(retry_after.max(Duration::from_secs(1)))
                .unwrap_or_else(|_| chrono::Duration::seconds(1));
        let date = at.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
        let mut resp = error(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limit_error",
            "rate_limit_exceeded",
            "Rate limit exceeded, please try again later",
        );
        if let Ok(v) = http::HeaderValue::from_str(&date) {
            resp.headers_mut().insert(http::header::RETRY_AFTER, v);
        }
        resp
    }

    fn server_error(&self, status: StatusCode) -> Response {
        error(
            status,
            "api_error",
            "internal_server_error",
            "An unexpected error occurred.",
        )
    }
}

/// An Attio error answer `{status_code, type, code, message}`.
pub(super) fn error(status: StatusCode, kind: &str, code: &str, message: &str) -> Response {
    (
        status,
        Json(json!({
            "status_code": status.as_u16(),
            "type": kind,
            "code": code,
            "message": message,
        })),
    )
        .into_response()
}

pub(super) fn bad_request(code: &str, message: &str) -> Response {
    error(
        StatusCode::BAD_REQUEST,
        "invalid_request_error",
        code,
        message,
    )
}

pub(super) fn not_found(message: &str) -> Response {
    error(
        StatusCode::NOT_FOUND,
        "invalid_request_error",
        "not_found",
        message,
    )
}
