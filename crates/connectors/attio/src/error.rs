//! Attio error answers → unicrm errors.
//!
//! Every Attio error is `{"status_code", "type", "code", "message"}` (the error schemas of
//! Attio's OpenAPI, e.g. `{"status_code": 404, "type": "invalid_request_error", "code":
//! "not_found", "message": "…"}`). [`parse_error`] keeps Attio's message, its `code` (and `type`
//! in the body), the attribute the message names, and the `Retry-After` of a 429.

use http::HeaderMap;
use unicrm_core::raw::errors::{ErrorAnswer, Kind};
use unicrm_core::Error;

use crate::config::ID;
use crate::wire::ErrorBody;

/// The attribute an Attio message names (`… attribute with slug/ID "email_addresses" …`), if any.
pub fn attribute_in_message(message: &str) -> Option<String> {
    let lower = message.to_ascii_lowercase();
    let at = lower.find("attribute")?;
    let rest = &message[at..];
    let open = rest.find('"')?;
    let rest = &rest[open + 1..];
    let close = rest.find('"')?;
    let name = &rest[..close];
    (!name.is_empty()).then(|| name.to_owned())
}

/// Turns an Attio error answer into a unicrm error.
pub fn parse_error(status: u16, headers: &HeaderMap, body: &[u8]) -> Error {
    let answer = ErrorAnswer::open(ID, status, headers, body, &["x-request-id"]);
    let e: ErrorBody = answer.parse().unwrap_or_default();
    let kind = e.kind.clone().unwrap_or_default();
    let code = e.code.clone();
    let message = e.message.clone().unwrap_or_else(|| {
        format!(
            "Attio answered {status} {}",
            http::StatusCode::from_u16(status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("")
        )
        .trim_end()
        .to_owned()
    });
    let field = attribute_in_message(&message);
    let mut details = answer
        .details(message.clone())
        .fields(field.clone().into_iter().collect());
    if let Some(c) = code
        .clone()
        .or_else(|| (!kind.is_empty()).then(|| kind.clone()))
    {
        details = details.code(c);
    }
    let kind = match (status, kind.as_str(), code.as_deref()) {
        // "If you exceed the limit, you'll get … HTTP 429. They also always include a
        // Retry-After header, which is a date at which the limit resets (usually the following
        // second)" (Attio, Rate limiting guide). Body `type: rate_limit_error`.
        (429, _, _) | (_, "rate_limit_error", _) => Kind::RateLimited {
            retry_after: answer.retry_after(),
        },
        // 401 `type: authentication_error`: missing, invalid or revoked token.
        (401, _, _) | (_, "authentication_error", _) => Kind::Unauthorized,
        // 403 `{"type": "auth_error", "code": "unauthorized", "message": "You do not have the
        // necessary permissions …"}`: the token lacks a scope (e.g. `record_permission:read-write`).
        (403, _, _) | (_, "auth_error", _) => Kind::Forbidden,
        // 404 `code: not_found`: "The referenced object was not found." / record not found.
        (404, _, _) => Kind::NotFound,
        // 409 `uniqueness_conflict` (a unique attribute such as `email_addresses` or `domains`
        // is taken; create "will throw on conflicts of unique attributes"), `slug_conflict`,
        // `concurrent_write_conflict` ("The record was modified by another request …").
        (409, _, _) => Kind::Conflict { existing_id: None },
        // 400 `invalid_request_error`: `value_not_found`, `missing_value` ("Required value for
        // attribute with ID … was not provided."), `validation_type`, `filter_error`,
        // `merge_in_progress` …
        (400 | 422, _, _) => Kind::InvalidInput {
            field: field.unwrap_or_default(),
        },
        _ => Kind::Provider,
    };
    kind.into_error(message, details)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_attribute() {
        assert_eq!(
            attribute_in_message(
                "Required value for attribute with ID \"41252299-f8c7-4b5e-99c9-4ff8321d2f96\" was not provided."
            )
            .as_deref(),
            Some("41252299-f8c7-4b5e-99c9-4ff8321d2f96")
        );
        assert_eq!(attribute_in_message("Error in filter."), None);
    }
}
