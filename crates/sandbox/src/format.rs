//! How a provider renders the errors the machinery produces on its behalf.

use std::time::Duration;

use axum::response::{IntoResponse, Response};
use axum::Json;
use http::StatusCode;
use serde_json::json;

use crate::auth::AuthProblem;

/// The provider's own error bodies and headers for the answers the sandbox machinery produces:
/// missing/invalid credentials (auth), rate limiting and server errors (fault injection).
///
/// Every emulator supplies one (a unit struct is enough), so that a connector under test parses
/// exactly what the real provider would send: e.g. HubSpot's 429 is JSON with `Retry-After` and
/// `X-HubSpot-RateLimit-*` headers, Salesforce's is a 403 `REQUEST_LIMIT_EXCEEDED` array.
pub trait ErrorFormat: Send + Sync + 'static {
    /// The answer to a request without a usable credential (normally a 401).
    fn unauthorized(&self, problem: AuthProblem) -> Response;
    /// The answer to a rate-limited request; `retry_after` is what the fault rule asks to advertise.
    fn rate_limited(&self, retry_after: Duration) -> Response;
    /// The answer of a failing server with the given 5xx status.
    fn server_error(&self, status: StatusCode) -> Response;
    /// The answer to a path the emulator does not serve (`path` is the path within the
    /// emulator): the provider's own 404 for an unknown endpoint, so a client sees the same shape
    /// as from the real API for an endpoint the emulator does not model.
    fn unknown_path(&self, path: &str) -> Response;

    /// The provider's "record not found" answer (injected `not_found` faults). `None` (the
    /// default) when the emulator does not model it: the request is then served normally.
    fn not_found(&self) -> Option<Response> {
        None
    }

    /// The provider's duplicate / conflict answer (injected `conflict` faults), e.g. HubSpot's
    /// 409 `Contact already exists` or Salesforce's `DUPLICATES_DETECTED`. `None` by default.
    fn conflict(&self) -> Option<Response> {
        None
    }

    /// The provider's validation error naming a field (injected `validation_error` faults), e.g.
    /// HubSpot's 400 `VALIDATION_ERROR` or Salesforce's `INVALID_FIELD`. `None` by default.
    fn validation_error(&self) -> Option<Response> {
        None
    }
}

/// A neutral JSON rendering (`{"error": …, "message": …}`, `Retry-After` on 429) for tests and
/// for emulators of providers whose error format has not been modelled yet.
#[derive(Debug, Clone, Copy, Default)]
pub struct GenericErrors;

impl ErrorFormat for GenericErrors {
    fn unauthorized(&self, problem: AuthProblem) -> Response {
        let body = json!({"error": "unauthorized", "message": problem.to_string()});
        (StatusCode::UNAUTHORIZED, Json(body)).into_response()
    }

    fn rate_limited(&self, retry_after: Duration) -> Response {
        let body = json!({"error": "rate_limited", "message": "Too many requests"});
        (
            StatusCode::TOO_MANY_REQUESTS,
            [(http::header::RETRY_AFTER, retry_after.as_secs().to_string())],
            Json(body),
        )
            .into_response()
    }

    fn server_error(&self, status: StatusCode) -> Response {
        let body = json!({"error": "server_error", "message": status.canonical_reason().unwrap_or("Server error")});
        (status, Json(body)).into_response()
    }

    fn unknown_path(&self, path: &str) -> Response {
        let body = json!({"error": "not_found", "message": format!("No endpoint `{path}`")});
        (StatusCode::NOT_FOUND, Json(body)).into_response()
    }

    fn not_found(&self) -> Option<Response> {
        let body = json!({"error": "not_found", "message": "No such record"});
        Some((StatusCode::NOT_FOUND, Json(body)).into_response())
    }

    fn conflict(&self) -> Option<Response> {
        let body = json!({"error": "conflict", "message": "A record with these values exists"});
        Some((StatusCode::CONFLICT, Json(body)).into_response())
    }

    fn validation_error(&self) -> Option<Response> {
        let body = json!({"error": "invalid", "message": "Invalid value", "field": "email"});
        Some((StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response())
    }
}
