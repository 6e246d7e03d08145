//! Zoho CRM error answers → unicrm error kinds.
//!
//! Zoho answers errors in two places ("Status Codes", Zoho CRM API docs; schemas `API_Exception`
//! and the per-operation examples of `zoho/crm-oas` v8.0):
//!
//! * request-level: `{"code", "message", "status": "error", "details"}` with a 4xx/5xx status;
//! * per record, inside the `{"data": [...]}` wrapper of a create/update/delete, with HTTP
//!   400 (single record), 207 (mixed) or even 200/201/202 — so a 2xx answer is not a success until
//!   each entry says `"status": "success"` ([`action_error`]).
//!
//! The table in [`classify`] decides on the code first and the HTTP status second: Zoho uses
//! `INVALID_DATA` both for a bad field value (`details.api_name`) and for an id in the URL that
//! names no record (`details.resource_path_index`), which must come out as `NotFound`.

use std::time::Duration;

use http::HeaderMap;
use serde_json::Value;
use unicrm_core::raw::errors::{ErrorAnswer, Kind};
use unicrm_core::Error;

use crate::config::ID;
use crate::wire::{ActionResponse, ActionResult, ApiError};

/// `parse_error(status, headers, body)`: a Zoho error answer as a unicrm [`Error`], keeping the
/// message, code, fields, trace id and body.
pub fn parse_error(status: u16, headers: &HeaderMap, body: &[u8]) -> Error {
    let answer = ErrorAnswer::open(ID, status, headers, body, &["x-request-id"]);
    // Per-record errors in the data wrapper: the first error entry decides.
    if let Some(first) = answer
        .parse::<ActionResponse>()
        .and_then(|r| r.data.into_iter().find(|e| !e.is_success()))
    {
        return classify(&answer, &first);
    }
    if let Some(e) = answer.parse::<ApiError>().filter(|e| !e.code.is_empty()) {
        let entry = ActionResult {
            code: e.code,
            status: e.status,
            message: e.message,
            details: e.details,
        };
        return classify(&answer, &entry);
    }
    // OAuth errors of the accounts server: `{"error": "invalid_code"}`.
    if let Some(code) = answer.json_str("error") {
        let entry = ActionResult {
            code: code.to_owned(),
            status: "error".into(),
            message: code.to_owned(),
            details: Value::Null,
        };
        return classify(&answer, &entry);
    }
    let entry = ActionResult {
        code: String::new(),
        status: "error".into(),
        message: String::from_utf8_lossy(body).trim().to_owned(),
        details: Value::Null,
    };
    classify(&answer, &entry)
}

/// The error of one failed entry of a `{"data": [...]}` answer (whatever the HTTP status was).
pub fn action_error(status: u16, headers: &HeaderMap, entry: &ActionResult, body: Value) -> Error {
    let raw = serde_json::to_vec(&body).unwrap_or_default();
    classify(
        &ErrorAnswer::open(ID, status, headers, &raw, &["x-request-id"]),
        entry,
    )
}

fn detail_str(details: &Value, key: &str) -> Option<String> {
    match details.get(key)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn retry_after(answer: &ErrorAnswer<'_>, details: &Value) -> Option<Duration> {
    answer.retry_after().or_else(|| {
        details
            .get("retry_after")
            .and_then(Value::as_f64)
            .filter(|s| *s >= 0.0)
            .map(Duration::from_secs_f64)
    })
}

/// The decision table: a Zoho code (+ details, + status) → an error kind.
fn classify(answer: &ErrorAnswer<'_>, entry: &ActionResult) -> Error {
    let status = answer.status();
    let code = entry.code.as_str();
    let details = &entry.details;
    let api_name = detail_str(details, "api_name");
    let param_name = detail_str(details, "param_name");
    let fields: Vec<String> = api_name.iter().chain(param_name.iter()).cloned().collect();
    // `details.trace_id` first: Zoho support asks for it.
    let request_id =
        detail_str(details, "trace_id").or_else(|| answer.request_id().map(str::to_owned));
    let mut message = if entry.message.is_empty() {
        answer.fallback_message("Zoho")
    } else {
        entry.message.clone()
    };
    // The body as received (a non-JSON body as its text, kept even when empty).
    let body = answer
        .body()
        .unwrap_or_else(|| Value::String(String::new()));
    let mut provider = answer
        .details(message.clone())
        .fields(fields)
        .request_id(request_id)
        .body(Some(body));
    if !code.is_empty() {
        provider = provider.code(code);
    }
    let rate_limited = Kind::RateLimited {
        retry_after: retry_after(answer, details),
    };
    let kind = match code {
        // "MANDATORY_NOT_FOUND — Required field not found. Resolution: Specify all mandatory
        // fields in the input" (Insert Records, possible errors).
        "MANDATORY_NOT_FOUND" => {
            message = format!("required: {message}");
            Kind::InvalidInput {
                field: api_name.unwrap_or_default(),
            }
        }
        // "INVALID_DATA — invalid record id" with `details.resource_path_index` (the id in the
        // URL; Delete/Update Records examples): the record does not exist.
        "INVALID_DATA" if details.get("resource_path_index").is_some() => Kind::NotFound,
        // "INVALID_DATA — The field value given for Company is invalid" with `details.api_name`
        // (Insert Records examples), or a bad query parameter with `details.param_name`.
        "INVALID_DATA"
        | "DEPENDENT_FIELD_MISSING"
        | "DEPENDENT_MISMATCH"
        | "EXPIRED_VALUE"
        | "PATTERN_NOT_MATCHED"
        | "INVALID_REQUEST"
        | "NOT_ALLOWED" => Kind::InvalidInput {
            field: api_name.or(param_name).unwrap_or_default(),
        },
        // "LIMIT_EXCEEDED" with `details.param_name` (e.g. more than 50 `fields`) is the request's
        // fault; without one it is the account's API limit.
        "LIMIT_EXCEEDED" if param_name.is_some() => Kind::InvalidInput {
            field: param_name.unwrap_or_default(),
        },
        // "DUPLICATE_DATA — duplicate data", `details.id` / `details.duplicate_record.id` name the
        // existing record (Insert Records example).
        "DUPLICATE_DATA" => {
            if let Some(field) = &api_name {
                message = format!("{message} ({field})");
            }
            Kind::Conflict {
                existing_id: detail_str(details, "id").or_else(|| {
                    details
                        .get("duplicate_record")
                        .and_then(|d| detail_str(d, "id"))
                }),
            }
        }
        // 412 "ALREADY_MODIFIED" (If-Unmodified-Since), records locked by an approval process.
        "ALREADY_MODIFIED" | "RECORD_LOCKED" | "NOT_APPROVED" => {
            Kind::Conflict { existing_id: None }
        }
        // 401 "INVALID_TOKEN — invalid oauth token", "AUTHENTICATION_FAILURE", "UNAUTHORIZED";
        // accounts server: `invalid_code` (refresh token revoked or wrong), `invalid_client`.
        "INVALID_TOKEN"
        | "AUTHENTICATION_FAILURE"
        | "UNAUTHORIZED"
        | "invalid_code"
        | "invalid_client"
        | "invalid_client_secret"
        | "access_denied" => Kind::Unauthorized,
        // 401 "OAUTH_SCOPE_MISMATCH — Unauthorized": the token lacks the module's scope; 403
        // "NO_PERMISSION — Permission denied" (`details.permissions`).
        "OAUTH_SCOPE_MISMATCH"
        | "NO_PERMISSION"
        | "PERMISSION_DENIED"
        | "FEATURE_NOT_SUPPORTED"
        | "FEATURE_NOT_ENABLED" => Kind::Forbidden,
        // "LIMIT_EXCEEDED" without a parameter: the account's API credits, granted "per rolling
        // 24-hour window" (Zoho CRM API limits; Kaizen #203 "Handling API Limits and Error
        // Responses") — used up, they do not come back within a retry budget: permanent.
        "LIMIT_EXCEEDED" => {
            provider = provider.temporary(false);
            rate_limited
        }
        // 429 "TOO_MANY_REQUESTS — Rate limit exceeded. Please retry after the specified time."
        // (`details.retry_after`); the concurrency limits ("Exceeding these returns a
        // TOO_MANY_REQUESTS error").
        "TOO_MANY_REQUESTS" | "LIMIT_REACHED" => rate_limited,
        _ => match status {
            429 => rate_limited,
            401 => Kind::Unauthorized,
            403 => Kind::Forbidden,
            // INVALID_MODULE, INVALID_URL_PATTERN, REQUIRED_PARAM_MISSING, INTERNAL_ERROR and
            // unknown codes: the provider's answer as it is.
            _ => Kind::Provider,
        },
    };
    kind.into_error(message, provider)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_success_entry_among_errors_is_skipped() {
        let body = br#"{"data":[{"code":"SUCCESS","status":"success","message":"record added","details":{"id":"1"}},
            {"code":"INVALID_DATA","status":"error","message":"bad","details":{"api_name":"Email"}}]}"#;
        let e = parse_error(207, &HeaderMap::new(), body);
        match e {
            Error::InvalidInput { field, .. } => assert_eq!(field, "Email"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_accounts_api_credits_used_up_are_permanent() {
        let credits = br#"{"code":"LIMIT_EXCEEDED","message":"API limit exceeded","status":"error","details":{}}"#;
        let e = parse_error(429, &HeaderMap::new(), credits);
        assert_eq!(e.kind(), "rate_limited");
        assert!(!e.is_temporary());
        let concurrency =
            br#"{"code":"TOO_MANY_REQUESTS","message":"slow","status":"error","details":{}}"#;
        assert!(parse_error(429, &HeaderMap::new(), concurrency).is_temporary());
    }

    #[test]
    fn retry_after_from_details_or_header() {
        let body = br#"{"code":"TOO_MANY_REQUESTS","message":"slow","status":"error","details":{"retry_after":7}}"#;
        let e = parse_error(429, &HeaderMap::new(), body);
        assert!(matches!(e, Error::RateLimited { retry_after: Some(d), .. } if d.as_secs() == 7));
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", http::HeaderValue::from_static("3"));
        let e = parse_error(429, &headers, b"");
        assert!(matches!(e, Error::RateLimited { retry_after: Some(d), .. } if d.as_secs() == 3));
    }
}
