//! Zoho's error bodies (`code`/`message`/`status`/`details`) and the machinery's 401/429/5xx
//! ([`ZohoErrors`]).

use super::*;

/// Zoho's renderings of the answers the sandbox machinery produces.
#[derive(Debug, Clone, Copy, Default)]
pub struct ZohoErrors;

impl ErrorFormat for ZohoErrors {
    /// Zoho CRM's answer to a URL it does not serve: 404 `INVALID_URL_PATTERN` (Zoho CRM API v8
    /// "Status codes", https://www.zoho.com/crm/developer/docs/api/v8/status-codes.html; the
    /// connector's error table knows the code). The message text is not verified.
    fn unknown_path(&self, _path: &str) -> Response {
        error(
            StatusCode::NOT_FOUND,
            "INVALID_URL_PATTERN",
            "Please check if the URL trying to access is a correct one",
            json!({}),
        )
    }

    fn unauthorized(&self, _problem: AuthProblem) -> Response {
        (
            StatusCode::UNAUTHORIZED,
            Json(json!({
                "code": "INVALID_TOKEN",
                "details": {},
                "message": "invalid oauth token",
                "status": "error"
            })),
        )
            .into_response()
    }

    fn rate_limited(&self, retry_after: Duration) -> Response {
        let secs = retry_after.as_secs();
        (
            StatusCode::TOO_MANY_REQUESTS,
            [(http::header::RETRY_AFTER, secs.to_string())],
            Json(json!({
                "code": "TOO_MANY_REQUESTS",
                "message": "Rate limit exceeded. Please retry after the specified time.",
                "status": "error",
                "details": {"retry_after": secs, "limit": 100, "window": 60}
            })),
        )
            .into_response()
    }

    fn server_error(&self, status: StatusCode) -> Response {
        (
            status,
            Json(json!({
                "code": "INTERNAL_ERROR",
                "message": "Internal Server Error",
                "status": "error",
                "details": {}
            })),
        )
            .into_response()
    }
}

pub(super) fn error(status: StatusCode, code: &str, message: &str, details: Value) -> Response {
    (
        status,
        Json(json!({"code": code, "details": details, "message": message, "status": "error"})),
    )
        .into_response()
}

pub(super) fn invalid_module() -> Response {
    error(
        StatusCode::BAD_REQUEST,
        "INVALID_MODULE",
        "the module name given seems to be invalid",
        json!({"resource_path_index": 0}),
    )
}

pub(super) fn param_error(code: &str, message: &str, param: &str) -> Response {
    error(
        StatusCode::BAD_REQUEST,
        code,
        message,
        json!({ "param_name": param }),
    )
}

/// A per-record error entry of a `{"data": [...]}` answer.
pub(super) fn record_error(
    code: &str,
    message: &str,
    api_name: &str,
    index: usize,
    extra: Value,
) -> Value {
    let mut details = json!({
        "api_name": api_name,
        "json_path": format!("$.data[{index}].{api_name}"),
    });
    if let (Some(d), Value::Object(extra)) = (details.as_object_mut(), extra) {
        d.extend(extra);
    }
    json!({"code": code, "details": details, "message": message, "status": "error"})
}
