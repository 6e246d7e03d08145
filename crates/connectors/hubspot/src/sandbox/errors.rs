//! HubSpot's error bodies: `status`/`message`/`correlationId`/`category`, and the machinery's
//! 401/429/5xx ([`HubSpotErrors`]).

use super::*;

pub(super) fn correlation_id(sb: &Sandbox) -> String {
    sb.uuid()
}

pub(super) fn error(
    sb: &Sandbox,
    status: StatusCode,
    category: &str,
    message: &str,
    errors: Value,
) -> Response {
    let mut body = json!({
        "status": "error",
        "message": message,
        "correlationId": correlation_id(sb),
        "category": category,
    });
    if errors.as_array().is_some_and(|a| !a.is_empty()) {
        body["errors"] = errors;
    }
    (status, Json(body)).into_response()
}

pub(super) fn bad_request(sb: &Sandbox, message: &str) -> Response {
    error(
        sb,
        StatusCode::BAD_REQUEST,
        "VALIDATION_ERROR",
        message,
        json!([]),
    )
}

pub(super) fn not_found(sb: &Sandbox) -> Response {
    // HubSpot answers an unknown record id with a 404 (`resource not found`).
    error(
        sb,
        StatusCode::NOT_FOUND,
        "OBJECT_NOT_FOUND",
        "resource not found",
        json!([]),
    )
}

/// One invalid property value, rendered like HubSpot's `Property values were not valid` list.
pub(super) struct Invalid {
    pub(super) name: String,
    pub(super) code: &'static str,
    pub(super) message: String,
}

pub(super) fn invalid_properties(sb: &Sandbox, problems: Vec<Invalid>) -> Response {
    let list: Vec<Value> = problems
        .iter()
        .map(|p| {
            json!({
                "isValid": false,
                "message": p.message,
                "error": p.code,
                "name": p.name,
                "localizedErrorMessage": p.message,
            })
        })
        .collect();
    let errors: Vec<Value> = problems
        .iter()
        .map(|p| json!({"message": p.message, "code": p.code, "context": {"propertyName": [p.name]}}))
        .collect();
    let message = format!(
        "Property values were not valid: {}",
        serde_json::to_string(&list).unwrap_or_default()
    );
    error(
        sb,
        StatusCode::BAD_REQUEST,
        "VALIDATION_ERROR",
        &message,
        Value::Array(errors),
    )
}

pub(super) fn parse_json<T: serde::de::DeserializeOwned>(
    sb: &Sandbox,
    body: &Bytes,
) -> Result<T, Response> {
    serde_json::from_slice(body).map_err(|e| {
        bad_request(
            sb,
            &format!(
                "Invalid input JSON on line {}, column {}: {e}",
                e.line(),
                e.column()
            ),
        )
    })
}

/// HubSpot's errors for the answers the sandbox machinery produces (auth, faults).
#[derive(Debug, Clone, Copy, Default)]
pub struct HubSpotErrors;

impl ErrorFormat for HubSpotErrors {
    /// An endpoint HubSpot does not have: a 404 without a body (fixtures/errors/404_empty_body.json;
    /// HubSpot's JSON `OBJECT_NOT_FOUND` body is for records, not for unknown endpoints).
    fn unknown_path(&self, _path: &str) -> Response {
        StatusCode::NOT_FOUND.into_response()
    }

    fn unauthorized(&self, _problem: AuthProblem) -> Response {
        let body = json!({
            "status": "error",
            "message": "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview",
            "correlationId": "00000000-0000-4000-8000-000000000401",
            "category": "INVALID_AUTHENTICATION",
        });
        (
            StatusCode::UNAUTHORIZED,
            [("x-hubspot-auth-failure", "401 Unauthorized")],
            Json(body),
        )
            .into_response()
    }

    fn rate_limited(&self, retry_after: Duration) -> Response {
        let body = json!({
            "status": "error",
            "message": "You have reached your ten_secondly_rolling limit.",
            "errorType": "RATE_LIMIT",
            "correlationId": "00000000-0000-4000-8000-000000000429",
            "policyName": "TEN_SECONDLY_ROLLING",
        });
        let ms = retry_after.as_millis().max(1).to_string();
        (
            StatusCode::TOO_MANY_REQUESTS,
            [
                ("x-hubspot-ratelimit-interval-milliseconds", ms),
                ("x-hubspot-ratelimit-max", "100".to_owned()),
                ("x-hubspot-ratelimit-remaining", "0".to_owned()),
            ],
            Json(body),
        )
            .into_response()
    }

    fn server_error(&self, status: StatusCode) -> Response {
        let body = json!({
            "status": "error",
            "message": "internal error",
            "correlationId": "00000000-0000-4000-8000-000000000500",
            "category": "INTERNAL_ERROR",
        });
        (status, Json(body)).into_response()
    }
}
