//! Close error answers → error kinds.
//!
//! Close's documented status codes ("HTTP Response Codes"): 200, 400 "when there was an issue with
//! the request", 401 "when the request needs to be authenticated", 402 "when the request could
//! not be completed, because a limit of your current plan was reached", 403 "when an operation
//! was not allowed", 404 "when the URL was not found", 405 "when the HTTP method was not
//! supported", 415 "when the request used an unsupported format", and 429 (Rate Limits).
//!
//! Bodies: validation errors are `{"errors": [...], "field-errors": {"lead": "This field is
//! required."}}` (Close's own Python client, `ValidationError`); other errors carry `"error"`,
//! a string or — for 429 — an object with `rate_reset` (seconds) and `message`.

use std::time::Duration;

use http::HeaderMap;
use serde_json::Value;
use unicrm_core::raw::errors::{ErrorAnswer, Kind};
use unicrm_core::Error;

use crate::config::ID;

/// `parse_error(status, headers, body)`: a Close error answer as a unicrm [`Error`], keeping the
/// message, field errors, request id and body.
pub fn parse_error(status: u16, headers: &HeaderMap, body: &[u8]) -> Error {
    let answer = ErrorAnswer::open(ID, status, headers, body, &["x-request-id"]);
    let (message, fields) = match answer.json() {
        Some(v) => message_and_fields(v),
        None => (None, Vec::new()),
    };
    let message = message
        .or_else(|| answer.text())
        .unwrap_or_else(|| answer.fallback_message("Close"));
    let field_names: Vec<String> = fields.iter().map(|(f, _)| f.clone()).collect();
    let details = answer.details(message.clone()).fields(field_names.clone());
    let mut reason = message.clone();
    let kind = match status {
        // "400 when there was an issue with the request." Field errors name the fields.
        400 => {
            // One field error and nothing else: its own message (the field is the path).
            if let [(_, only)] = fields.as_slice() {
                if message.ends_with(only.as_str()) && message.matches("; ").count() == 0 {
                    reason = only.clone();
                }
            }
            Kind::InvalidInput {
                field: field_names.join(","),
            }
        }
        // "401 when the request needs to be authenticated."
        401 => Kind::Unauthorized,
        // "402 when the request could not be completed, because a limit of your current plan was
        // reached." Not temporary: the plan must change.
        402 => Kind::Forbidden,
        // "403 when an operation was not allowed."
        403 => Kind::Forbidden,
        // "404 when the URL was not found." (also an unknown or deleted record id)
        404 => Kind::NotFound,
        409 => Kind::Conflict { existing_id: None },
        // "If you receive a response status code of 429 (Too Many Requests), please sleep/pause
        // for the number of seconds specified by the rate_reset value" (Rate Limits).
        429 => Kind::RateLimited {
            retry_after: retry_after(headers, answer.json()),
        },
        // 405/415 and 5xx: the connector's request or Close itself failed.
        _ => Kind::Provider,
    };
    kind.into_error(reason, details)
}

/// The message and the `(field, message)` pairs of a Close error body.
fn message_and_fields(v: &Value) -> (Option<String>, Vec<(String, String)>) {
    let mut fields = Vec::new();
    if let Some(map) = v.get("field-errors").and_then(Value::as_object) {
        for (field, err) in map {
            fields.push((field.clone(), flatten(err)));
        }
    }
    let mut parts: Vec<String> = Vec::new();
    match v.get("error") {
        Some(Value::String(s)) if !s.trim().is_empty() => parts.push(s.trim().to_owned()),
        Some(Value::Object(o)) => {
            if let Some(m) = o.get("message").and_then(Value::as_str) {
                parts.push(m.to_owned());
            }
        }
        _ => {}
    }
    if let Some(errors) = v.get("errors").and_then(Value::as_array) {
        parts.extend(errors.iter().map(flatten).filter(|s| !s.is_empty()));
    }
    parts.extend(fields.iter().map(|(f, m)| format!("{f}: {m}")));
    ((!parts.is_empty()).then(|| parts.join("; ")), fields)
}

fn flatten(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(a) => a.iter().map(flatten).collect::<Vec<_>>().join(", "),
        Value::Object(o) => o
            .iter()
            .map(|(k, v)| format!("{k}: {}", flatten(v)))
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}

/// How long to wait after a 429: `Retry-After`, else `RateLimit-Reset`, else the `reset=` of the
/// combined `RateLimit` header (the three forms Close's Python client accepts), else the body's
/// `error.rate_reset`.
pub fn retry_after(headers: &HeaderMap, body: Option<&Value>) -> Option<Duration> {
    let secs = |s: &str| {
        s.trim()
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite() && *f >= 0.0)
    };
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let from_headers = header("retry-after")
        .and_then(secs)
        .or_else(|| header("ratelimit-reset").and_then(secs))
        .or_else(|| {
            header("ratelimit").and_then(|h| {
                h.split(',')
                    .filter_map(|p| p.trim().strip_prefix("reset="))
                    .find_map(secs)
            })
        });
    let from_body = || {
        body?
            .get("error")?
            .get("rate_reset")
            .and_then(|r| r.as_f64().or_else(|| r.as_str().and_then(secs)))
    };
    from_headers.or_else(from_body).map(Duration::from_secs_f64)
}
