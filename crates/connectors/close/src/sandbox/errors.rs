//! Close's answers: `{"errors": [], "field-errors": {…}}` validation bodies, 404s, body parsing, and
//! the machinery's 401/429/5xx ([`CloseErrors`]).

use super::*;

/// How Close renders the errors the sandbox machinery produces.
#[derive(Debug, Clone, Copy, Default)]
pub struct CloseErrors;

impl ErrorFormat for CloseErrors {
    /// Close: "404 when the URL was not found" ("HTTP Response Codes"); the body of that answer is
    /// not documented, so it is left empty (fixtures/errors/404_empty.json).
    fn unknown_path(&self, _path: &str) -> Response {
        StatusCode::NOT_FOUND.into_response()
    }

    fn unauthorized(&self, _problem: AuthProblem) -> Response {
        (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "The API key is invalid or was deleted."})),
        )
            .into_response()
    }

    fn rate_limited(&self, retry_after: Duration) -> Response {
        let secs = retry_after.as_secs_f64();
        let whole = retry_after.as_secs().max(1).to_string();
        (
            StatusCode::TOO_MANY_REQUESTS,
            [
                ("retry-after", whole.clone()),
                ("ratelimit-reset", whole.clone()),
                ("ratelimit", format!("limit=60, remaining=0, reset={whole}")),
            ],
            Json(json!({"error": {
                "rate_reset": secs,
                "message": "API call count exceeded for this period",
                "rate_limit": 60,
                "rate_window": 1,
                "rate_limit_type": "key"
            }})),
        )
            .into_response()
    }

    fn server_error(&self, status: StatusCode) -> Response {
        (
            status,
            Json(json!({"error": status.canonical_reason().unwrap_or("Server error")})),
        )
            .into_response()
    }
}

pub(super) fn ok(v: Value) -> Answer {
    Ok((StatusCode::OK, Json(v)).into_response())
}

/// 400 with Close's validation body.
pub(super) fn field_errors(errors: BTreeMap<String, Value>) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"errors": [], "field-errors": errors})),
    )
        .into_response()
}

pub(super) fn field_error(field: &str, message: &str) -> Response {
    field_errors(BTreeMap::from([(field.to_owned(), json!(message))]))
}

pub(super) fn bad_request(message: &str) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({"error": message}))).into_response()
}

pub(super) fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({"error": "The requested object does not exist."})),
    )
        .into_response()
}

pub(super) fn body_object(body: &[u8]) -> Result<Map<String, Value>, Response> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(bad_request("The request body must be a JSON object.")),
        Err(e) => Err(bad_request(&format!("Invalid JSON: {e}"))),
    }
}

/// Refuses keys Close does not accept on this object ("additionalProperties: false"); `custom.`
/// keys are custom fields.
pub(super) fn check_keys(obj: &Map<String, Value>, allowed: &[&str]) -> Result<(), Response> {
    let unknown: BTreeMap<String, Value> = obj
        .keys()
        .filter(|k| !allowed.contains(&k.as_str()) && !k.starts_with("custom."))
        .map(|k| (k.clone(), json!("Unknown field.")))
        .collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(field_errors(unknown))
    }
}
