//! HubSpot error responses → unicrm errors.
//!
//! HubSpot's error body is `{status, message, errors[], category, correlationId}` and "the fields
//! in the example response below should all be treated as optional in any error parsing"
//! (<https://developers.hubspot.com/docs/faq/api-error-responses>). [`classify`] reads status,
//! headers and body into a [`Classified`] (pure and provider-shaped); [`parse_error`] turns that
//! into a `unicrm_core::Error`, keeping HubSpot's message, category/code, field list and
//! correlation id.

use std::time::Duration;

use http::HeaderMap;
use serde_json::Value;
use unicrm_core::{Error, ProviderDetails};

use crate::config::ID;
use crate::wire::ErrorBody;

/// What went wrong, in HubSpot's terms, before it becomes a `unicrm_core::Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Kind {
    /// The request was refused for its content (400 `VALIDATION_ERROR`).
    InvalidInput,
    /// Credentials missing, invalid or expired (401).
    Unauthorized,
    /// Credentials lack a scope (403 `MISSING_SCOPES`).
    Forbidden,
    /// The record or endpoint does not exist (404).
    NotFound,
    /// A unique value is taken (409 `CONFLICT`), e.g. a contact email.
    Conflict,
    /// Rate limited (429), or told to slow down (423 Locked).
    RateLimited,
    /// Anything else, including 5xx.
    Provider,
}

/// A HubSpot error response, read.
#[derive(Debug, Clone, PartialEq)]
pub struct Classified {
    /// The error kind.
    pub kind: Kind,
    /// HTTP status.
    pub status: u16,
    /// HubSpot's message (or a short description when the body had none).
    pub message: String,
    /// HubSpot's code: `category` (e.g. `VALIDATION_ERROR`), else `errors[0].code`, else
    /// `errorType`/`policyName` for 429s.
    pub code: Option<String>,
    /// Property / parameter names HubSpot blamed.
    pub fields: Vec<String>,
    /// `correlationId` (body) or the `x-hubspot-correlation-id` header.
    pub request_id: Option<String>,
    /// How long to wait before retrying (429 / 423).
    pub retry_after: Option<Duration>,
    /// 409 duplicate contact: the id of the record that already exists.
    pub existing_id: Option<String>,
    /// Whether retrying the same request later can succeed.
    pub retryable: bool,
    /// `errors[].message`: the per-problem messages.
    pub details: Vec<String>,
    /// 403: the scopes HubSpot asks for (`requiredGranularScopes` / `requiredScopes`).
    pub scopes: Vec<String>,
    /// The body as received (JSON, or a JSON string for non-JSON bodies).
    pub body: Value,
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim())
}

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

fn retry_after(headers: &[(String, String)], body: &ErrorBody) -> Option<Duration> {
    if let Some(secs) = header(headers, "retry-after").and_then(|v| v.parse::<u64>().ok()) {
        return Some(Duration::from_secs(secs));
    }
    if let Some(ms) = header(headers, "x-hubspot-ratelimit-interval-milliseconds")
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

/// Read a HubSpot error response. `headers` are `(name, value)` pairs (any case).
pub fn classify(status: u16, headers: &[(String, String)], body: &[u8]) -> Classified {
    let json: Option<Value> = serde_json::from_slice(body).ok();
    let parsed: ErrorBody = json
        .as_ref()
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default();
    let body_value = match json {
        Some(v) => v,
        None if body.is_empty() => Value::Null,
        None => Value::String(String::from_utf8_lossy(body).into()),
    };
    let category = parsed.category.clone();
    let code = category
        .clone()
        .or_else(|| parsed.errors.iter().find_map(|e| e.code.clone()))
        .or_else(|| parsed.error_type.clone());
    let message = parsed
        .message
        .clone()
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| format!("HubSpot answered HTTP {status}"));
    let request_id = parsed
        .correlation_id
        .clone()
        .or_else(|| header(headers, "x-hubspot-correlation-id").map(str::to_owned))
        .or_else(|| parsed.request_id.clone());
    let fields = fields_of(&parsed);

    let mut out = Classified {
        kind: Kind::Provider,
        status,
        message,
        code,
        fields,
        request_id,
        retry_after: None,
        existing_id: None,
        retryable: false,
        details: parsed
            .errors
            .iter()
            .filter_map(|e| e.message.clone())
            .collect(),
        scopes: Vec::new(),
        body: body_value,
    };
    match status {
        // "400 Bad Request: Returned when your request includes invalid formatting or values.
        //  The error response will include details about why the error occurred." (Using Object
        //  APIs › Error handling). Search past its window is also a 400 ("Attempting to page
        //  beyond 10,000 will result in a 400 error") but not a VALIDATION_ERROR of the input.
        400 if category.as_deref() == Some("VALIDATION_ERROR") || !out.fields.is_empty() => {
            out.kind = Kind::InvalidInput;
        }
        // "401 Unauthorized: Returned when the authentication provided is invalid." Categories
        // seen: INVALID_AUTHENTICATION, EXPIRED_AUTHENTICATION.
        401 => out.kind = Kind::Unauthorized,
        // "403 Forbidden: Returned when the authentication provided does not have the proper
        //  permissions to access the specific URL." (category MISSING_SCOPES; the scopes are in
        //  errors[].context.requiredGranularScopes / requiredScopes)
        403 => {
            out.kind = Kind::Forbidden;
            for e in &parsed.errors {
                for key in ["requiredGranularScopes", "requiredScopes"] {
                    if let Some(Value::Array(a)) = e.context.as_ref().and_then(|c| c.get(key)) {
                        out.scopes
                            .extend(a.iter().filter_map(Value::as_str).map(str::to_owned));
                    }
                }
            }
        }
        // Not found (record id, owner id, or an unknown object type).
        404 => out.kind = Kind::NotFound,
        // "Contact already exists. Existing ID: 37765128953" with category CONFLICT: the email
        // is HubSpot's de-duplication key for contacts.
        409 => {
            out.kind = Kind::Conflict;
            out.existing_id = existing_id_from_message(&out.message);
        }
        // "423 Locked: Returned when attempting to sync a large volume of data … Include a delay
        //  of at least 2 seconds between your API requests."
        423 => {
            out.kind = Kind::RateLimited;
            out.retry_after = Some(Duration::from_secs(2));
            out.retryable = true;
        }
        // "Any app or integration exceeding its rate limits will receive a 429 error response
        //  … The message and policyName will indicate which limit you hit (either daily or
        //  secondly)." (usage details)
        429 => {
            out.kind = Kind::RateLimited;
            out.retry_after = retry_after(headers, &parsed);
            out.retryable = parsed.policy_name.as_deref() != Some("DAILY");
            if out.code.is_none() || out.code.as_deref() == Some("RATE_LIMIT") {
                out.code = parsed
                    .policy_name
                    .clone()
                    .map(|p| format!("RATE_LIMIT:{p}"))
                    .or(out.code);
            }
        }
        // Server-side failures are worth retrying.
        500..=599 => out.retryable = true,
        _ => {}
    }
    out
}

/// A HubSpot error answer → `unicrm_core::Error` (the table is in [`classify`]).
pub fn parse_error(status: u16, headers: &HeaderMap, body: &[u8]) -> Error {
    let pairs: Vec<(String, String)> = headers
        .iter()
        .filter_map(|(k, v)| {
            v.to_str()
                .ok()
                .map(|v| (k.as_str().to_owned(), v.to_owned()))
        })
        .collect();
    into_error(classify(status, &pairs, body))
}

/// Turns a [`Classified`] answer into the unicrm error, keeping every provider detail.
pub fn into_error(c: Classified) -> Error {
    let mut details = ProviderDetails::new(ID, c.status, c.message.clone())
        .fields(c.fields.clone())
        .request_id(c.request_id.clone())
        .body((!c.body.is_null()).then(|| c.body.clone()));
    details.code = c.code.clone();
    let boxed = Box::new(details);
    let provider = Some(boxed.clone());
    let message = c.message;
    match c.kind {
        // The per-property messages say it best ("Property \"x\" does not exist"); the verbatim
        // message stays in the provider details.
        Kind::InvalidInput => Error::InvalidInput {
            field: c.fields.first().cloned().unwrap_or_default(),
            reason: if c.details.is_empty() {
                message
            } else {
                c.details.join("; ")
            },
            provider,
        },
        Kind::Unauthorized => Error::Unauthorized { message, provider },
        Kind::Forbidden => Error::Forbidden {
            message: if c.scopes.is_empty() {
                message
            } else {
                format!(
                    "{message} One of these scopes is required: {}",
                    c.scopes.join(", ")
                )
            },
            provider,
        },
        Kind::NotFound => Error::NotFound { message, provider },
        Kind::Conflict => Error::Conflict {
            message,
            existing_id: c.existing_id,
            provider,
        },
        Kind::RateLimited => Error::RateLimited {
            retry_after: c.retry_after,
            message,
            provider,
        },
        Kind::Provider => Error::Provider(boxed),
    }
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
    fn property_names_from_the_validation_message() {
        let m = r#"Property values were not valid: [{"isValid":false,"message":"x","error":"PROPERTY_DOESNT_EXIST","name":"testproperty"}]"#;
        assert_eq!(names_in_validation_message(m), ["testproperty"]);
        assert!(names_in_validation_message("no list").is_empty());
    }
}
