//! The gateway's answers in each dialect: the `v1` envelopes (`{success, statusCode, message,
//! data}`), their typed form serialized straight to JSON text, and both dialects' error bodies.
//!
//! Only the gateway answers HTTP requests, so these live here and not in `unicrm-core`: core keeps
//! what an embedder needs (the model, parsing a dialect's request body, a record's view in a
//! dialect — [`unicrm_core::dialect`]); the envelopes around those views are the gateway's.

/// Dialect "v1": `{success, statusCode, message, data: {data: …}}` envelopes and error bodies.
pub mod v1 {
    use serde::Serialize;
    use serde_json::{json, Map, Value};
    use unicrm_core::{Error, Result};

    /// The reason phrase the envelope's `message` carries for a status.
    pub fn status_message(status: u16) -> &'static str {
        match status {
            200 => "OK",
            201 => "Created",
            204 => "No Content",
            400 => "Bad Request",
            401 => "Unauthorized",
            403 => "Forbidden",
            404 => "Not Found",
            409 => "Conflict",
            413 => "Payload Too Large",
            422 => "Unprocessable Entity",
            429 => "Too Many Requests",
            501 => "Not Implemented",
            502 => "Bad Gateway",
            504 => "Gateway Timeout",
            // Every other status by its standard reason phrase (405 "Method Not Allowed" …).
            other => http::StatusCode::from_u16(other)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("Internal Server Error"),
        }
    }

    /// A success envelope: `{"success": true, "statusCode", "message", "data": {"data": data}}`.
    pub fn envelope(status: u16, data: Value) -> Value {
        json!({
            "success": true,
            "statusCode": status,
            "message": status_message(status),
            "data": {"data": data},
        })
    }

    /// A list answer of the gateway's own collections (accounts, keys): `{"success": true, …,
    /// "data": {"data": items, "next": null}}` (one page: they are not paged).
    pub fn list_envelope(items: Vec<Value>) -> Value {
        json!({
            "success": true,
            "statusCode": 200,
            "message": status_message(200),
            "data": {"data": items, "next": null},
        })
    }

    /// The success envelope as a type: `{"success": true, "statusCode", "message", "data": D}`,
    /// serialized straight to JSON text by [`to_json`].
    #[derive(Debug, Clone, Serialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Envelope<D> {
        /// Always `true`.
        pub success: bool,
        /// The HTTP status.
        pub status_code: u16,
        /// Its reason phrase.
        pub message: &'static str,
        /// The payload object.
        pub data: D,
    }

    impl<D> Envelope<D> {
        /// The success envelope of `status` around `data`.
        pub fn new(status: u16, data: D) -> Self {
            Envelope {
                success: true,
                status_code: status,
                message: status_message(status),
                data,
            }
        }
    }

    /// The `data` object of a one-record answer: `{"data": record}`, plus `raw` (the provider calls)
    /// when asked for.
    #[derive(Debug, Clone, Serialize)]
    pub struct OneData<'a, T> {
        /// The record (or `{"id", "deleted"}`).
        pub data: T,
        /// The provider calls.
        #[serde(skip_serializing_if = "Option::is_none")]
        pub raw: Option<&'a Value>,
    }

    /// The `data` object of a page: `{"data": [records], "next": cursor}`, plus `raw` when asked for.
    #[derive(Debug, Clone, Serialize)]
    pub struct PageData<'a, T> {
        /// The records.
        pub data: Vec<T>,
        /// The cursor of the next page, `null` on the last.
        pub next: Option<&'a str>,
        /// The provider calls.
        #[serde(skip_serializing_if = "Option::is_none")]
        pub raw: Option<&'a Value>,
    }

    /// JSON text of `value` (an envelope): serialization of these types cannot fail, but should it,
    /// the error is an internal one, not a panic.
    pub fn to_json<T: Serialize>(value: &T) -> Result<Vec<u8>> {
        // One record's answer is about 700 bytes: start there rather than growing from nothing.
        let mut out = Vec::with_capacity(1024);
        serde_json::to_writer(&mut out, value)
            .map_err(|e| Error::Internal(format!("rendering an answer: {e}")))?;
        Ok(out)
    }

    /// The error envelope: `{"success": false, "statusCode", "message", "data": null, "error": {…}}`.
    pub fn error_body(err: &Error) -> (u16, Value) {
        let status = err.http_status();
        let mut detail = Map::new();
        detail.insert("type".into(), Value::String(err.kind().into()));
        match err {
            Error::InvalidInput { field, reason, .. } => {
                detail.insert("field".into(), Value::String(field.clone()));
                detail.insert("reason".into(), Value::String(reason.clone()));
            }
            Error::Conflict {
                existing_id: Some(id),
                ..
            } => {
                detail.insert("existingId".into(), Value::String(id.clone()));
            }
            Error::RateLimited {
                retry_after: Some(d),
                ..
            } => {
                detail.insert("retryAfter".into(), json!(d.as_secs_f64().ceil() as u64));
            }
            Error::Unsupported {
                provider,
                resource,
                operation,
            } => {
                detail.insert("provider".into(), Value::String(provider.clone()));
                detail.insert("resource".into(), Value::String(resource.to_string()));
                detail.insert("operation".into(), Value::String(operation.to_string()));
            }
            Error::OutcomeUnknown {
                provider,
                resource,
                fields,
                reason,
            } => {
                detail.insert("provider".into(), Value::String(provider.clone()));
                detail.insert("resource".into(), Value::String(resource.to_string()));
                detail.insert("fields".into(), json!(fields));
                detail.insert("reason".into(), Value::String(reason.clone()));
            }
            _ => {}
        }
        if let Some(d) = err.provider_details() {
            detail.insert(
                "providerError".into(),
                json!({
                    "provider": d.provider,
                    "status": d.status,
                    "code": d.code,
                    "message": d.message,
                    "fields": d.fields,
                    "requestId": d.request_id,
                    "body": d.body,
                }),
            );
        }
        let body = json!({
            "success": false,
            "statusCode": status,
            "message": err.to_string(),
            "data": null,
            "error": Value::Object(detail),
        });
        (status, body)
    }
}

/// Dialect "unified": StackOne's error body.
pub mod unified {
    use chrono::{DateTime, Utc};
    use serde_json::{Map, Value};
    use unicrm_core::model::format_timestamp;
    use unicrm_core::Error;

    /// The error body of dialect "unified" (StackOne's `{statusCode, message, timestamp, …}`).
    pub fn error_body(err: &Error, now: DateTime<Utc>) -> (u16, Value) {
        let status = err.http_status();
        let mut body = Map::new();
        body.insert("statusCode".into(), status.into());
        body.insert("message".into(), Value::String(err.to_string()));
        body.insert("timestamp".into(), Value::String(format_timestamp(&now)));
        if let Error::InvalidInput { field, reason, .. } = err {
            body.insert(
                "data".into(),
                serde_json::json!({"statusCode": status, "message": reason, "field": field}),
            );
        }
        if let Error::OutcomeUnknown {
            provider,
            resource,
            fields,
            reason,
        } = err
        {
            body.insert(
                "data".into(),
                serde_json::json!({
                    "statusCode": status,
                    "type": err.kind(),
                    "provider": provider,
                    "resource": resource.as_str(),
                    "fields": fields,
                    "message": reason,
                }),
            );
        }
        if let Some(d) = err.provider_details() {
            body.insert(
                "provider_errors".into(),
                serde_json::json!([{
                    "status": d.status,
                    "provider": d.provider,
                    "code": d.code,
                    "message": d.message,
                    "fields": d.fields,
                    "request_id": d.request_id,
                    "raw": d.body,
                }]),
            );
        }
        if let Error::Conflict {
            existing_id: Some(id),
            ..
        } = err
        {
            body.insert("existing_id".into(), Value::String(id.clone()));
        }
        (status, Value::Object(body))
    }
}
