//! Salesforce error answers → error kinds.
//!
//! Salesforce answers errors with a JSON array `[{"message", "errorCode", "fields"}]`
//! ("Status Codes and Error Responses", REST API Developer Guide). The table in [`classify`]
//! decides on the `errorCode` first and the HTTP status second, because Salesforce reuses
//! statuses: a 403 is a permission problem *or* the org's API limit (`REQUEST_LIMIT_EXCEEDED`),
//! which must come out as a rate limit, never as a permission error. The answer is opened by the
//! kit ([`ErrorAnswer`]); the error array and the table are Salesforce's.

use std::time::Duration;

use http::HeaderMap;
use unicrm_core::raw::errors::{ErrorAnswer, Kind};
use unicrm_core::Error;

use crate::config::ID;
use crate::wire::{ApiError, LimitInfo};

/// `parse_error(status, headers, body)`: a Salesforce error answer as a unicrm [`Error`], keeping
/// the message, error code, fields, request id and body.
pub fn parse_error(status: u16, headers: &HeaderMap, body: &[u8]) -> Error {
    let answer = ErrorAnswer::open(
        ID,
        status,
        headers,
        body,
        &["X-Request-Id", "Sforce-Request-Id", "X-SFDC-Request-Id"],
    );
    parse_failure(&answer).into_error()
}

/// What a failed call means for the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub enum ErrorClass {
    /// The request carried bad data (fields, values, ids).
    InvalidInput,
    /// The access token is missing, expired or revoked.
    Unauthorized,
    /// The user may not do this (sharing, profile, field-level security).
    Forbidden,
    /// The record or resource does not exist (or was deleted).
    NotFound,
    /// A duplicate rule or unique field blocked the save.
    Conflict,
    /// The org's API request limit (or a concurrency limit) is used up.
    RateLimited,
    /// Anything else: the connector's own query was refused, or Salesforce failed.
    Provider,
}

/// Everything a Salesforce error answer says, parsed.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SalesforceFailure {
    /// HTTP status.
    pub status: u16,
    /// The error kind chosen by [`classify`].
    pub class: ErrorClass,
    /// The parsed error array (empty when the body was not one).
    pub errors: Vec<ApiError>,
    /// `Sforce-Limit-Info` of the answer, when sent.
    pub limit: Option<LimitInfo>,
    /// Seconds to wait, from a `Retry-After` header, when sent.
    pub retry_after_secs: Option<u64>,
    /// Request id header (`X-Request-Id` / `Sforce-Call-Id`… whichever the answer had).
    pub request_id: Option<String>,
    /// The body as received when it was not an error array (kept, never lost).
    pub unparsed_body: Option<String>,
}

impl SalesforceFailure {
    /// First error code, e.g. `REQUIRED_FIELD_MISSING`.
    pub fn code(&self) -> Option<&str> {
        self.errors.first().map(|e| e.error_code.as_str())
    }

    /// Every message, joined with `; `.
    pub fn message(&self) -> String {
        if self.errors.is_empty() {
            return match &self.unparsed_body {
                Some(body) if !body.trim().is_empty() => body.trim().to_owned(),
                _ => format!("Salesforce answered HTTP {}", self.status),
            };
        }
        self.errors
            .iter()
            .map(|e| format!("{}: {}", e.error_code, e.message.trim()))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Every field named by any error, in order, without repeats.
    pub fn fields(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for field in self.errors.iter().flat_map(|e| e.fields.iter()) {
            if !out.contains(field) {
                out.push(field.clone());
            }
        }
        out
    }

    /// Whether the org's daily allocation is used up: `REQUEST_LIMIT_EXCEEDED` for
    /// `TotalRequests` ("you've exceeded API request limits in your org" — the 24-hour total
    /// `Sforce-Limit-Info` reports), not the concurrency limit (`ConcurrentPerOrgLongTxn …`),
    /// which a later retry can pass.
    pub fn is_daily_limit(&self) -> bool {
        self.errors.iter().any(|e| {
            e.error_code == "REQUEST_LIMIT_EXCEEDED" && !e.message.starts_with("Concurrent")
        })
    }

    /// The unicrm error for this failure.
    pub fn into_error(self) -> Error {
        let message = self.message();
        let fields = self.fields();
        let body = if self.errors.is_empty() {
            self.unparsed_body.clone().map(serde_json::Value::String)
        } else {
            serde_json::to_value(&self.errors).ok()
        };
        let mut details = unicrm_core::ProviderDetails::new(ID, self.status, message.clone())
            .fields(fields.clone())
            .request_id(self.request_id.clone())
            .body(body);
        if let Some(code) = self.code() {
            details = details.code(code);
        }
        if self.class == ErrorClass::RateLimited && self.is_daily_limit() {
            details = details.temporary(false);
        }
        let mut message = message;
        let kind = match self.class {
            ErrorClass::InvalidInput => Kind::InvalidInput {
                field: if fields.is_empty() {
                    self.column_in_message().unwrap_or_default()
                } else {
                    fields.join(",")
                },
            },
            ErrorClass::Unauthorized => Kind::Unauthorized,
            ErrorClass::Forbidden => Kind::Forbidden,
            ErrorClass::NotFound => Kind::NotFound,
            ErrorClass::Conflict => Kind::Conflict {
                existing_id: self.duplicate_ids().into_iter().next(),
            },
            ErrorClass::RateLimited => {
                if let Some(limit) = self.limit {
                    message = format!(
                        "{message} (Sforce-Limit-Info: {} of {} API calls used)",
                        limit.used, limit.limit
                    );
                }
                Kind::RateLimited {
                    retry_after: self.retry_after_secs.map(Duration::from_secs),
                }
            }
            ErrorClass::Provider => Kind::Provider,
        };
        kind.into_error(message, details)
    }

    /// The column named by an `INVALID_FIELD` message ("No such column 'X' on …").
    fn column_in_message(&self) -> Option<String> {
        self.errors.iter().find_map(|e| {
            let rest = e.message.split_once("No such column '")?.1;
            let column = rest.split_once('\'')?.0;
            (!column.is_empty()).then(|| column.to_owned())
        })
    }

    /// Ids of existing records a duplicate rule matched.
    pub fn duplicate_ids(&self) -> Vec<String> {
        self.errors
            .iter()
            .filter_map(|e| e.duplicate_result.as_ref())
            .flat_map(|d| d.match_results.iter())
            .flat_map(|m| m.match_records.iter())
            .filter_map(|r| r.id().map(str::to_owned))
            .collect()
    }
}

/// Parses an error answer opened by the kit.
pub fn parse_failure(answer: &ErrorAnswer<'_>) -> SalesforceFailure {
    let errors: Option<Vec<ApiError>> = answer.parse().or_else(|| {
        // A few endpoints answer a single object instead of an array.
        answer
            .parse::<ApiError>()
            .filter(|e| !e.error_code.is_empty())
            .map(|e| vec![e])
    });
    let (errors, unparsed_body) = match errors {
        Some(errors) => (errors, None),
        None => (
            Vec::new(),
            Some(String::from_utf8_lossy(answer.raw()).into_owned()),
        ),
    };
    let class = classify(answer.status(), &errors);
    SalesforceFailure {
        status: answer.status(),
        class,
        limit: answer.header(LimitInfo::HEADER).and_then(LimitInfo::parse),
        retry_after_secs: answer.header("Retry-After").and_then(|h| h.parse().ok()),
        request_id: answer.request_id().map(str::to_owned),
        errors,
        unparsed_body,
    }
}

/// The table: error code first, HTTP status second.
pub fn classify(status: u16, errors: &[ApiError]) -> ErrorClass {
    for error in errors {
        let class = match error.error_code.as_str() {
            // "401 — The session ID or OAuth token used has expired or is invalid. The response
            // body contains the message and errorCode." (Status Codes and Error Responses)
            "INVALID_SESSION_ID" | "INVALID_AUTH_HEADER" => ErrorClass::Unauthorized,
            // "403 — The request has been refused. Verify that the logged-in user has appropriate
            // permissions. If the error code is REQUEST_LIMIT_EXCEEDED, you've exceeded API
            // request limits in your org." — a quota, so a rate limit, not a permission problem.
            "REQUEST_LIMIT_EXCEEDED" => ErrorClass::RateLimited,
            // "404 — The requested resource couldn't be found. Check the URI for errors, and
            // verify that there are no sharing issues." ENTITY_IS_DELETED: the record is in the
            // Recycle Bin, which for a caller is the same as gone.
            "NOT_FOUND" | "ENTITY_IS_DELETED" => ErrorClass::NotFound,
            // DuplicateError: "Contains information about an error that occurred when an attempt
            // was made to save a duplicate record" (duplicate rules); DUPLICATE_VALUE is a
            // unique-field violation. Both: the record already exists.
            "DUPLICATES_DETECTED" | "DUPLICATE_VALUE" => ErrorClass::Conflict,
            // "400 — The request couldn't be understood, usually because the JSON or XML body
            // contains an error." INVALID_FIELD: "The Id field should not be specified in the
            // sobject data." / "No such column …"; REQUIRED_FIELD_MISSING names the missing
            // fields; FIELD_CUSTOM_VALIDATION_EXCEPTION is an org validation rule rejecting values.
            "INVALID_FIELD"
            | "REQUIRED_FIELD_MISSING"
            | "FIELD_CUSTOM_VALIDATION_EXCEPTION"
            | "FIELD_INTEGRITY_EXCEPTION"
            | "INVALID_FIELD_FOR_INSERT_UPDATE"
            | "INVALID_TYPE_ON_FIELD_IN_RECORD"
            | "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
            | "INVALID_EMAIL_ADDRESS"
            | "STRING_TOO_LONG"
            | "NUMBER_OUTSIDE_VALID_RANGE"
            | "MALFORMED_ID"
            | "INVALID_ID_FIELD"
            | "INVALID_CROSS_REFERENCE_KEY"
            | "JSON_PARSER_ERROR" => ErrorClass::InvalidInput,
            // "If the SOQL query string is invalid, a MALFORMED_QUERY response is returned."
            // (Query resource). The connector writes every query itself, so a refused query is
            // the connector's fault, not the caller's: a provider error carrying the message.
            "MALFORMED_QUERY" | "INVALID_QUERY_FILTER_OPERATOR" | "INVALID_QUERY_LOCATOR" => {
                ErrorClass::Provider
            }
            // "403 — The request has been refused. Verify that the logged-in user has appropriate
            // permissions." (sharing, object/field permissions, API not enabled for the org).
            "INSUFFICIENT_ACCESS" | "INSUFFICIENT_ACCESS_OR_READONLY" | "API_DISABLED_FOR_ORG" => {
                ErrorClass::Forbidden
            }
            _ => continue,
        };
        return class;
    }
    match status {
        // "400 — The request couldn't be understood …"
        400 => ErrorClass::InvalidInput,
        401 => ErrorClass::Unauthorized,
        // "403 — The request has been refused. Verify that the logged-in user has appropriate
        // permissions."
        403 => ErrorClass::Forbidden,
        404 => ErrorClass::NotFound,
        // "409 — The request could not be completed due to a conflict with the current state of
        // the resource."
        409 => ErrorClass::Conflict,
        // Not documented for the REST API, but answered by gateways in front of it.
        429 => ErrorClass::RateLimited,
        _ => ErrorClass::Provider,
    }
}
