//! Pipedrive's error envelope (`success: false`, `error`, `error_info`) and the machinery's
//! 401/429/5xx ([`PipedriveErrors`]).

use super::*;

/// Pipedrive's error rendering for the sandbox machinery (auth, faults).
#[derive(Debug, Clone, Copy, Default)]
pub struct PipedriveErrors;

pub(super) fn error_body(message: &str, code: Option<u16>) -> Value {
    let mut body = json!({
        "success": false,
        "error": message,
        "error_info": ERROR_INFO,
        "data": null,
        "additional_data": null,
    });
    if let Some(c) = code {
        body["errorCode"] = json!(c);
    }
    body
}

impl ErrorFormat for PipedriveErrors {
    /// Pipedrive's error envelope ("Responses": `success: false`, `error`, `error_info`) with the
    /// 404 of its status-code table, "Resource unavailable" (the envelope of
    /// fixtures/errors/404_person_not_found.json).
    fn unknown_path(&self, _path: &str) -> Response {
        err(StatusCode::NOT_FOUND, "Resource unavailable")
    }

    fn unauthorized(&self, _problem: AuthProblem) -> Response {
        (
            StatusCode::UNAUTHORIZED,
            Json(error_body("unauthorized access", Some(401))),
        )
            .into_response()
    }

    fn rate_limited(&self, retry_after: Duration) -> Response {
        let reset = retry_after.as_secs().to_string();
        (
            StatusCode::TOO_MANY_REQUESTS,
            [
                ("x-ratelimit-limit", "40".to_owned()),
                ("x-ratelimit-remaining", "0".to_owned()),
                ("x-ratelimit-reset", reset),
            ],
            Json(error_body("Too Many Requests", Some(429))),
        )
            .into_response()
    }

    fn server_error(&self, status: StatusCode) -> Response {
        let message = if status == StatusCode::SERVICE_UNAVAILABLE {
            "Requested service is not available"
        } else {
            "Internal server error"
        };
        (status, Json(error_body(message, None))).into_response()
    }

    fn not_found(&self) -> Option<Response> {
        Some(not_found("Item"))
    }

    fn validation_error(&self) -> Option<Response> {
        // Pipedrive has no duplicate check answering 409, so `conflict` keeps the default (none).
        Some(bad(
            "Validation failed: visible_to: Parameter 'visible_to' must be one of 1, 3, 5, 7",
        ))
    }
}

pub(super) fn err(status: StatusCode, message: impl AsRef<str>) -> Response {
    (status, Json(error_body(message.as_ref(), None))).into_response()
}

pub(super) fn bad(message: impl AsRef<str>) -> Response {
    err(StatusCode::BAD_REQUEST, message)
}

pub(super) fn not_found(noun: &str) -> Response {
    err(StatusCode::NOT_FOUND, format!("{noun} not found"))
}

pub(super) fn ok(status: StatusCode, data: Value) -> Response {
    (status, Json(json!({"success": true, "data": data}))).into_response()
}
