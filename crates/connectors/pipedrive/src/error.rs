//! Pipedrive error answers → unicrm errors.
//!
//! Every answer carries `success`; an error is `{"success": false, "error": <message>,
//! "error_info": <pointer>, "data": null, "additional_data": null}` ("Responses",
//! <https://pipedrive.readme.io/docs/core-api-concepts-responses>), sometimes with a `code`
//! (`"feature_capping_deals_limit"`, changelog "New error message and code for POST /deals and
//! custom fields endpoints") or an `errorCode` repeating the status (`{"success":false,"error":
//! "Scope and URL mismatch","errorCode":403}`, pipedrive/client-php#14). The request id is the
//! `x-correlation-id` header Pipedrive sends with every answer. [`parse_error`] keeps the
//! message, code, named parameters and request id.

use std::time::Duration;

use http::HeaderMap;
use serde_json::Value;
use unicrm_core::raw::errors::{ErrorAnswer, Kind};
use unicrm_core::Error;

use crate::config::ID;
use crate::wire::ErrorBody;

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

/// How long a 429 asks to wait: `Retry-After` when sent, else `x-ratelimit-reset` ("The remaining
/// window before the rate limit resets", in seconds of the 2-second window).
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    ["retry-after", "x-ratelimit-reset"]
        .iter()
        .find_map(|h| header(headers, h)?.parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(Duration::from_secs_f64)
}

/// Parameter names a message blames: `'title'` in "Parameter 'title' is required" and the
/// `name:` prefix of "Validation failed: name: …".
pub fn fields_in_message(message: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut rest = message;
    while let Some(i) = rest.find("arameter '") {
        rest = &rest[i + "arameter '".len()..];
        if let Some(end) = rest.find('\'') {
            let name = &rest[..end];
            if !name.is_empty() && !out.iter().any(|o| o == name) {
                out.push(name.to_owned());
            }
            rest = &rest[end..];
        }
    }
    if let Some(after) = message.strip_prefix("Validation failed: ") {
        if let Some((name, _)) = after.split_once(':') {
            let name = name.trim();
            if !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
                && !out.iter().any(|o| o == name)
            {
                out.insert(0, name.to_owned());
            }
        }
    }
    out
}

fn code_text(v: &Option<Value>) -> Option<String> {
    match v.as_ref()? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Pipedrive's error answer (status, headers, body) → `unicrm_core::Error`.
pub fn parse_error(status: u16, headers: &HeaderMap, body: &[u8]) -> Error {
    let answer = ErrorAnswer::open(
        ID,
        status,
        headers,
        body,
        &["x-correlation-id", "x-request-id"],
    );
    let parsed: ErrorBody = answer.parse().unwrap_or_default();
    let message = parsed
        .error
        .clone()
        .or(parsed.message.clone())
        .filter(|m| !m.is_empty())
        .or_else(|| {
            answer
                .text()
                .map(|s| s.chars().take(500).collect::<String>())
        })
        .unwrap_or_else(|| answer.fallback_message("Pipedrive"));
    let code = code_text(&parsed.code).or_else(|| code_text(&parsed.error_code));
    let fields = fields_in_message(&message);
    let mut details = answer.details(message.clone()).fields(fields.clone());
    if let Some(c) = code {
        details = details.code(c);
    }
    let kind = match status {
        // 400 "Request not understood" — "Request contains invalid or missing data" (Marketplace
        // status codes); Pipedrive names the parameter in the message.
        400 => Kind::InvalidInput {
            field: fields.first().cloned().unwrap_or_default(),
        },
        // 401 "Unauthorized" — "Invalid token: access token is invalid / has expired" (OAuth) or
        // an invalid api_token.
        401 => Kind::Unauthorized,
        // 402 "Payment required" — "Company account is not open (possible reason: trial expired,
        // payment details not entered)"; 403 "Request not allowed" — "User account is not active
        // or the requested resource is not accessible"; "Scope and URL mismatch" for OAuth apps;
        // entity caps: `code: feature_capping_deals_limit` ("Open deals limit reached").
        402 | 403 => Kind::Forbidden,
        // 404 "Resource unavailable"; 410 "Old resource permanently unavailable".
        404 | 410 => Kind::NotFound,
        // 409 — a concurrent change / duplicate (not in Pipedrive's table; kept as a conflict).
        409 => Kind::Conflict { existing_id: None },
        // 429 "Rate limit has been exceeded" — "x-ratelimit-reset: The remaining window before the
        // rate limit resets". `x-daily-requests-left` "indicates how many requests you can still
        // make to POST/PUT endpoints during the ongoing day (calculated in UTC)": at 0 the 429 is
        // the day's budget, which no retry today cures — permanent. (The token-based daily budget
        // also answers 429, with no documented signal telling it from the 2-second window.)
        429 => {
            if answer.header("x-daily-requests-left") == Some("0") {
                details = details.temporary(false);
            }
            Kind::RateLimited {
                retry_after: retry_after(headers),
            }
        }
        // 405 "Incorrect request method", 415 "Feature is not enabled", 422 "Webhooks limit
        // reached", 500 "Internal server error", 501 "Non-existent functionality", 503 "Scheduled
        // maintenance" and anything else.
        _ => Kind::Provider,
    };
    kind.into_error(message, details)
}

/// A `200` answer whose body says `"success": false` (Pipedrive's envelope): the same error as
/// the matching status would be, with the status taken from `errorCode` when given (else 400).
pub fn success_false(headers: &HeaderMap, body: &[u8]) -> Option<Error> {
    let v: Value = serde_json::from_slice(body).ok()?;
    if v.get("success").and_then(Value::as_bool) != Some(false) {
        return None;
    }
    let status = v
        .get("errorCode")
        .and_then(Value::as_u64)
        .and_then(|s| u16::try_from(s).ok())
        .filter(|s| (400..600).contains(s))
        .unwrap_or(400);
    Some(parse_error(status, headers, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_parameters() {
        assert_eq!(
            fields_in_message("Validation failed: title: Parameter 'title' is required"),
            vec!["title"]
        );
        assert!(fields_in_message("Requested service is not available").is_empty());
    }

    #[test]
    fn rate_limit_wait() {
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-reset", "2".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(2)));
        h.insert("retry-after", "5".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(5)));
    }

    #[test]
    fn the_days_post_put_budget_used_up_is_permanent() {
        let body = br#"{"success":false,"error":"Rate limit has been exceeded"}"#;
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-reset", "2".parse().unwrap());
        h.insert("x-daily-requests-left", "17".parse().unwrap());
        assert!(parse_error(429, &h, body).is_temporary());
        h.insert("x-daily-requests-left", "0".parse().unwrap());
        let e = parse_error(429, &h, body);
        assert_eq!(e.kind(), "rate_limited");
        assert!(!e.is_temporary());
    }

    #[test]
    fn success_false_in_a_200() {
        let e = success_false(
            &HeaderMap::new(),
            br#"{"success":false,"error":"Scope and URL mismatch","errorCode":403}"#,
        )
        .unwrap();
        assert_eq!(e.kind(), "forbidden");
        assert!(success_false(&HeaderMap::new(), br#"{"success":true,"data":null}"#).is_none());
    }
}
