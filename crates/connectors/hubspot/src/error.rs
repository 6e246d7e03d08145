//! HubSpot error responses → unicrm errors.
//!
//! HubSpot's error body is `{status, message, errors[], category, correlationId}` and "the fields
//! in the example response below should all be treated as optional in any error parsing"
//! (<https://developers.hubspot.com/docs/faq/api-error-responses>). The answer is opened by the
//! kit ([`ErrorAnswer`]); what stays here is HubSpot's: its body, and the table in
//! [`parse_error`] from status and category to an error kind, keeping HubSpot's message,
//! category/code, field list and correlation id.

use std::time::Duration;

use http::HeaderMap;
use serde_json::Value;
use unicrm_core::raw::errors::{ErrorAnswer, Kind};
use unicrm_core::Error;

use crate::config::ID;
use crate::wire::ErrorBody;

/// "Contact already exists. Existing ID: 37765128953" → `37765128953`.
pub fn existing_id_from_message(message: &str) -> Option<String> {
    let rest = &message[message.find("Existing ID:")? + "Existing ID:".len()..];
    let id: String = rest
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    (!id.is_empty()).then_some(id)
}

/// Property names named in a `Property values were not valid: [{…,"name":"x",…}]` message.
fn names_in_validation_message(message: &str) -> Vec<String> {
    let Some(start) = message.find('[') else {
        return Vec::new();
    };
    let Ok(items) = serde_json::from_str::<Vec<Value>>(&message[start..]) else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|i| i.get("name").and_then(Value::as_str).map(str::to_owned))
        .collect()
}

fn fields_of(body: &ErrorBody) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |s: &str| {
        if !s.is_empty() && !out.iter().any(|o| o == s) {
            out.push(s.to_owned());
        }
    };
    for e in &body.errors {
        if let Some(names) = e.context.as_ref().and_then(|c| c.get("propertyName")) {
            match names {
                Value::Array(a) => a.iter().filter_map(Value::as_str).for_each(&mut push),
                Value::String(s) => push(s),
                _ => {}
            }
        }
        if let Some(i) = &e.in_ {
            push(i);
        }
    }
    if let Some(m) = &body.message {
        for n in names_in_validation_message(m) {
            push(&n);
        }
    }
    out
}

/// The wait of a 429: `Retry-After`, else `X-HubSpot-RateLimit-Interval-Milliseconds`, else the
/// window `policyName` names.
fn retry_after(answer: &ErrorAnswer<'_>, body: &ErrorBody) -> Option<Duration> {
    if let Some(wait) = answer.retry_after() {
        return Some(wait);
    }
    if let Some(ms) = answer
        .header("x-hubspot-ratelimit-interval-milliseconds")
        .and_then(|v| v.parse::<u64>().ok())
    {
        return Some(Duration::from_millis(ms));
    }
    match body.policy_name.as_deref() {
        Some("SECONDLY") => Some(Duration::from_secs(1)),
        Some("TEN_SECONDLY_ROLLING") => Some(Duration::from_secs(10)),
        // "The daily limit resets at midnight based on your time zone setting" — the account's
        // time zone is unknown here, so no guess.
        _ => None,
    }
}

/// The scopes a 403 asks for (`errors[].context.requiredGranularScopes` / `requiredScopes`).
fn required_scopes(body: &ErrorBody) -> Vec<String> {
    let mut scopes = Vec::new();
    for e in &body.errors {
        for key in ["requiredGranularScopes", "requiredScopes"] {
            if let Some(Value::Array(a)) = e.context.as_ref().and_then(|c| c.get(key)) {
                scopes.extend(a.iter().filter_map(Value::as_str).map(str::to_owned));
            }
        }
    }
    scopes
}

/// A HubSpot error answer → `unicrm_core::Error`, keeping every provider detail.
pub fn parse_error(status: u16, headers: &HeaderMap, body: &[u8]) -> Error {
    let answer = ErrorAnswer::open(ID, status, headers, body, &["x-hubspot-correlation-id"]);
    let parsed: ErrorBody = answer.parse().unwrap_or_default();
    let category = parsed.category.as_deref();
    let mut code = parsed
        .category
        .clone()
        .or_else(|| parsed.errors.iter().find_map(|e| e.code.clone()))
        .or_else(|| parsed.error_type.clone());
    let mut message = parsed
        .message
        .clone()
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| answer.fallback_message("HubSpot"));
    let fields = fields_of(&parsed);
    let details: Vec<String> = parsed
        .errors
        .iter()
        .filter_map(|e| e.message.clone())
        .collect();
    // `correlationId` of the body first: HubSpot asks for it in support requests.
    let request_id = parsed
        .correlation_id
        .clone()
        .or_else(|| answer.request_id().map(str::to_owned))
        .or_else(|| parsed.request_id.clone());
    let mut temporary = None;
    let kind = match status {
        // "400 Bad Request: Returned when your request includes invalid formatting or values.
        //  The error response will include details about why the error occurred." (Using Object
        //  APIs › Error handling). Search past its window is also a 400 ("Attempting to page
        //  beyond 10,000 will result in a 400 error") but not a VALIDATION_ERROR of the input.
        400 if category == Some("VALIDATION_ERROR") || !fields.is_empty() => Kind::InvalidInput {
            field: fields.first().cloned().unwrap_or_default(),
        },
        // "401 Unauthorized: Returned when the authentication provided is invalid." Categories
        // seen: INVALID_AUTHENTICATION, EXPIRED_AUTHENTICATION.
        401 => Kind::Unauthorized,
        // "403 Forbidden: Returned when the authentication provided does not have the proper
        //  permissions to access the specific URL." (category MISSING_SCOPES; the scopes are in
        //  errors[].context.requiredGranularScopes / requiredScopes)
        403 => Kind::Forbidden,
        // Not found (record id, owner id, or an unknown object type).
        404 => Kind::NotFound,
        // "Contact already exists. Existing ID: 37765128953" with category CONFLICT: the email
        // is HubSpot's de-duplication key for contacts.
        409 => Kind::Conflict {
            existing_id: existing_id_from_message(&message),
        },
        // "423 Locked: Returned when attempting to sync a large volume of data … Include a delay
        //  of at least 2 seconds between your API requests."
        423 => Kind::RateLimited {
            retry_after: Some(Duration::from_secs(2)),
        },
        // "Any app or integration exceeding its rate limits will receive a 429 error response
        //  … The message and policyName will indicate which limit you hit (either daily or
        //  secondly)." (usage details) The daily one "resets at midnight based on your time zone
        //  setting": no retry within the call's budget can succeed, so it is permanent.
        429 => {
            if parsed.policy_name.as_deref() == Some("DAILY") {
                temporary = Some(false);
            }
            if code.is_none() || code.as_deref() == Some("RATE_LIMIT") {
                code = parsed
                    .policy_name
                    .clone()
                    .map(|p| format!("RATE_LIMIT:{p}"))
                    .or(code);
            }
            Kind::RateLimited {
                retry_after: retry_after(&answer, &parsed),
            }
        }
        // Server-side failures (temporary by kind for 500/502/503/504) and anything else.
        _ => Kind::Provider,
    };
    let mut provider = answer
        .details(message.clone())
        .fields(fields)
        .request_id(request_id);
    provider.code = code;
    if let Some(t) = temporary {
        provider = provider.temporary(t);
    }
    match &kind {
        // The per-property messages say it best ("Property \"x\" does not exist"); the verbatim
        // message stays in the provider details.
        Kind::InvalidInput { .. } if !details.is_empty() => message = details.join("; "),
        Kind::Forbidden => {
            let scopes = required_scopes(&parsed);
            if !scopes.is_empty() {
                message = format!(
                    "{message} One of these scopes is required: {}",
                    scopes.join(", ")
                );
            }
        }
        _ => {}
    }
    kind.into_error(message, provider)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn existing_id_is_read_from_the_conflict_message() {
        assert_eq!(
            existing_id_from_message("Contact already exists. Existing ID: 37765128953").as_deref(),
            Some("37765128953")
        );
        assert_eq!(existing_id_from_message("Contact already exists."), None);
    }

    #[test]
    fn a_daily_quota_is_permanent_a_secondly_one_temporary() {
        let daily = br#"{"status":"error","message":"You have reached your daily limit.","errorType":"RATE_LIMIT","policyName":"DAILY"}"#;
        let e = parse_error(429, &HeaderMap::new(), daily);
        assert_eq!(e.kind(), "rate_limited");
        assert!(!e.is_temporary());
        let secondly = br#"{"status":"error","message":"You have reached your secondly limit.","errorType":"RATE_LIMIT","policyName":"SECONDLY"}"#;
        let e = parse_error(429, &HeaderMap::new(), secondly);
        assert!(e.is_temporary());
        assert!(matches!(e, Error::RateLimited { retry_after: Some(d), .. } if d.as_secs() == 1));
    }

    #[test]
    fn property_names_from_the_validation_message() {
        let m = r#"Property values were not valid: [{"isValid":false,"message":"x","error":"PROPERTY_DOESNT_EXIST","name":"testproperty"}]"#;
        assert_eq!(names_in_validation_message(m), ["testproperty"]);
        assert!(names_in_validation_message("no list").is_empty());
    }
}
