//! Errors as HTTP answers, each in its dialect's own envelope.

use crate::render::{unified, v1};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use serde_json::{json, Value};
use unicrm_core::dialect::Dialect;
use unicrm_core::Error;

/// An error answer of the gateway in `dialect`'s envelope.
#[derive(Debug)]
pub struct ApiError {
    /// The envelope to answer in.
    pub dialect: Dialect,
    /// What went wrong.
    pub kind: ErrorKind,
}

/// What went wrong.
#[derive(Debug)]
pub enum ErrorKind {
    /// A core error (its `http_status` decides the status).
    Core(Error),
    /// A gateway-level answer with no core kind (e.g. an endpoint no connector serves).
    Status(u16, String),
}

impl ApiError {
    /// A core error in `dialect`.
    pub fn new(dialect: Dialect, err: Error) -> Self {
        ApiError {
            dialect,
            kind: ErrorKind::Core(err),
        }
    }

    /// A status and message in `dialect`.
    pub fn status(dialect: Dialect, status: u16, message: impl Into<String>) -> Self {
        ApiError {
            dialect,
            kind: ErrorKind::Status(status, message.into()),
        }
    }

    /// 401 with `message`.
    pub fn unauthorized(dialect: Dialect, message: impl Into<String>) -> Self {
        Self::new(
            dialect,
            Error::Unauthorized {
                message: message.into(),
                provider: None,
            },
        )
    }

    /// 404 with `message`.
    pub fn not_found(dialect: Dialect, message: impl Into<String>) -> Self {
        Self::new(dialect, Error::not_found(message))
    }

    /// 400 naming `field`.
    pub fn invalid(dialect: Dialect, field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::new(dialect, Error::invalid(field, reason))
    }

    /// The status and body of this error.
    pub fn body(&self) -> (u16, Value) {
        match (&self.kind, self.dialect) {
            (ErrorKind::Core(e), Dialect::Unified) => unified::error_body(e, Utc::now()),
            (ErrorKind::Core(e), Dialect::V1) => v1::error_body(e),
            (ErrorKind::Status(s, m), Dialect::Unified) => (
                *s,
                json!({
                    "statusCode": s,
                    "message": m,
                    "timestamp": unicrm_core::model::format_timestamp(&Utc::now()),
                }),
            ),
            (ErrorKind::Status(s, m), Dialect::V1) => (
                *s,
                json!({
                    "success": false,
                    "statusCode": s,
                    "message": m,
                    "data": null,
                    "error": {"type": v1::status_message(*s)},
                }),
            ),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, body) = self.body();
        if status >= 500 {
            tracing::error!(status, error = %body["message"], "request failed");
        } else {
            tracing::debug!(status, error = %body["message"], "request refused");
        }
        let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut resp = (code, Json(body)).into_response();
        if let ErrorKind::Core(e @ Error::RateLimited { retry_after, .. }) = &self.kind {
            // Tell the client when to retry; 1 s when the provider did not say — unless the
            // provider said the quota is gone for longer (a daily quota: not temporary), where a
            // made-up 1 s would only invite a retry storm.
            if retry_after.is_none() && !e.is_temporary() {
                return resp;
            }
            let secs = retry_after
                .map(|d| d.as_secs_f64().ceil() as u64)
                .unwrap_or(1)
                .max(1);
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                resp.headers_mut().insert(http::header::RETRY_AFTER, v);
            }
        }
        resp
    }
}
