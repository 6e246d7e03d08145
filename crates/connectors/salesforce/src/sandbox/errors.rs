//! Salesforce's error arrays `[{message, errorCode, fields}]` and the machinery's answers
//! ([`SalesforceErrors`]: 401 `INVALID_SESSION_ID`, 403 `REQUEST_LIMIT_EXCEEDED`, 5xx).

use super::*;

/// Salesforce's renderings of the answers the sandbox machinery produces.
#[derive(Debug, Clone, Copy, Default)]
pub struct SalesforceErrors;

pub(super) fn json_response(status: StatusCode, body: &Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    response
}

pub(super) fn error_array(status: StatusCode, code: &str, message: &str) -> Response {
    json_response(status, &json!([{ "message": message, "errorCode": code }]))
}

impl ErrorFormat for SalesforceErrors {
    /// Salesforce's 404: `[{"errorCode": "NOT_FOUND", "message": "The requested resource does not
    /// exist"}]` (fixtures/errors/404_not_found.json).
    fn unknown_path(&self, _path: &str) -> Response {
        not_found_response()
    }

    fn unauthorized(&self, _problem: AuthProblem) -> Response {
        // "401 — The session ID or OAuth token used has expired or is invalid. The response body
        // contains the message and errorCode."
        error_array(
            StatusCode::UNAUTHORIZED,
            "INVALID_SESSION_ID",
            "Session expired or invalid",
        )
    }

    fn rate_limited(&self, _retry_after: Duration) -> Response {
        // Salesforce signals an exhausted API limit with 403 REQUEST_LIMIT_EXCEEDED (no 429, no
        // Retry-After): the daily limit only frees up as the 24-hour window moves.
        let mut response = error_array(
            StatusCode::FORBIDDEN,
            "REQUEST_LIMIT_EXCEEDED",
            "TotalRequests Limit exceeded.",
        );
        if let Ok(value) =
            HeaderValue::from_str(&format!("api-usage={}/{API_LIMIT}", API_LIMIT + 1))
        {
            response.headers_mut().insert("Sforce-Limit-Info", value);
        }
        response
    }

    fn not_found(&self) -> Option<Response> {
        Some(not_found_response())
    }

    fn conflict(&self) -> Option<Response> {
        // A duplicate rule blocking the save, as live orgs answer it (note the `duplicateResut`
        // spelling of REST bodies).
        let message =
            "You're creating a duplicate record. We recommend you use an existing record instead.";
        let matched = json!({
            "additionalInformation": [],
            "fieldDiffs": [],
            "matchConfidence": 100.0,
            "record": {
                "attributes": {
                    "type": "Contact",
                    "url": "/services/data/v62.0/sobjects/Contact/0035g0000000001AAA"
                },
                "Id": "0035g0000000001AAA"
            }
        });
        Some(json_response(
            StatusCode::BAD_REQUEST,
            &json!([{
                "duplicateResut": {
                    "allowSave": false,
                    "duplicateRule": "Standard_Contact_Duplicate_Rule",
                    "duplicateRuleEntityType": "Contact",
                    "errorMessage": message,
                    "matchResults": [{
                        "entityType": "Contact",
                        "errors": [],
                        "matchEngine": "FuzzyMatchEngine",
                        "matchRecords": [matched],
                        "rule": "Standard_Contact_Match_Rule_v1_1",
                        "size": 1,
                        "success": true
                    }]
                },
                "errorCode": "DUPLICATES_DETECTED",
                "message": message
            }]),
        ))
    }

    fn validation_error(&self) -> Option<Response> {
        Some(json_response(
            StatusCode::BAD_REQUEST,
            &json!([{
                "message": "Required fields are missing: [LastName]",
                "errorCode": "REQUIRED_FIELD_MISSING",
                "fields": ["LastName"]
            }]),
        ))
    }

    fn server_error(&self, status: StatusCode) -> Response {
        let (code, message) = if status == StatusCode::SERVICE_UNAVAILABLE {
            ("SERVER_UNAVAILABLE", "Server temporarily unavailable")
        } else {
            (
                "UNKNOWN_EXCEPTION",
                "An unexpected error occurred. Please include this ErrorId if you contact \
                 support: 1946185463-8472 (-1425315126)",
            )
        };
        error_array(status, code, message)
    }
}

pub(super) fn failure(f: Failure) -> Response {
    json_response(
        StatusCode::from_u16(f.status).unwrap_or(StatusCode::BAD_REQUEST),
        &f.body(),
    )
}

pub(super) fn not_found_failure() -> Failure {
    Failure::new(
        404,
        "NOT_FOUND",
        "The requested resource does not exist",
        &[],
    )
}

pub(super) fn not_found_response() -> Response {
    error_array(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        "The requested resource does not exist",
    )
}
