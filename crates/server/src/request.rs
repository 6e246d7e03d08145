//! Request plumbing shared by both dialects: credentials from headers, strict query parsing,
//! bodies read under the size limit.

use crate::error::ApiError;
use axum::body::Body;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use http::HeaderMap;
use unicrm_core::dialect::Dialect;
use unicrm_core::Error;

/// The API key of a request: `Bearer <key>` (dialect "v1") or `Basic base64(<key>:)` (dialect
/// "unified"; `Bearer` is accepted there too).
pub fn api_key(dialect: Dialect, headers: &HeaderMap) -> Result<String, ApiError> {
    let Some(value) = headers.get(http::header::AUTHORIZATION) else {
        return Err(ApiError::unauthorized(
            dialect,
            match dialect {
                Dialect::V1 => "missing Authorization header; send `Authorization: Bearer sk_live_…` or `Bearer sk_test_…`",
                Dialect::Unified => "missing Authorization header; send `Authorization: Basic base64(<api key>:)`",
            },
        ));
    };
    let bad = || ApiError::unauthorized(dialect, "malformed Authorization header");
    let value = value.to_str().map_err(|_| bad())?.trim();
    let (scheme, rest) = value.split_once(' ').ok_or_else(bad)?;
    let rest = rest.trim();
    if scheme.eq_ignore_ascii_case("bearer") {
        return Ok(rest.to_owned());
    }
    if scheme.eq_ignore_ascii_case("basic") && dialect == Dialect::Unified {
        let decoded = B64.decode(rest).map_err(|_| bad())?;
        let text = String::from_utf8(decoded).map_err(|_| bad())?;
        // `<api key>:` — the key is the user name; the password is empty (or ignored).
        let user = text.split_once(':').map(|(u, _)| u).unwrap_or(&text);
        return Ok(user.to_owned());
    }
    Err(ApiError::unauthorized(
        dialect,
        format!("unsupported Authorization scheme {scheme:?}"),
    ))
}

/// [`unicrm_core::http::check_identifier`] in `dialect`'s envelope.
pub fn identifier(dialect: Dialect, field: &str, value: &str) -> Result<(), ApiError> {
    unicrm_core::http::check_identifier(field, value).map_err(|e| ApiError::new(dialect, e))
}

/// [`unicrm_core::http::check_record_id`] in `dialect`'s envelope.
pub fn record_id(dialect: Dialect, field: &str, id: &str) -> Result<(), ApiError> {
    unicrm_core::http::check_record_id(field, id).map_err(|e| ApiError::new(dialect, e))
}

/// The caller of a request: its API key ([`api_key`]) authenticated by the gateway.
pub async fn caller(
    gw: &crate::state::Gateway,
    dialect: Dialect,
    headers: &HeaderMap,
) -> Result<crate::state::Caller, ApiError> {
    let key = api_key(dialect, headers)?;
    gw.authenticate(dialect, &key).await
}

/// Query parameters, consumed one by one; whatever is left over is an unknown parameter.
pub struct Query {
    dialect: Dialect,
    pairs: Vec<(String, String)>,
}

impl Query {
    /// Parses the raw query string.
    pub fn parse(dialect: Dialect, raw: Option<&str>) -> Result<Self, ApiError> {
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(raw.unwrap_or("")).map_err(|e| {
                ApiError::invalid(dialect, "query", format!("malformed query string: {e}"))
            })?;
        Ok(Query { dialect, pairs })
    }

    /// Takes a parameter (the last one when repeated).
    pub fn take(&mut self, name: &str) -> Option<String> {
        let mut found = None;
        self.pairs.retain(|(k, v)| {
            if k == name {
                found = Some(v.clone());
                false
            } else {
                true
            }
        });
        found
    }

    /// Takes a required parameter.
    pub fn required(&mut self, name: &str) -> Result<String, ApiError> {
        match self.take(name) {
            Some(v) if !v.is_empty() => Ok(v),
            _ => Err(ApiError::invalid(
                self.dialect,
                name,
                "required query parameter is missing",
            )),
        }
    }

    /// Takes a boolean parameter (`true`/`false`/`1`/`0`).
    pub fn bool(&mut self, name: &str) -> Result<bool, ApiError> {
        match self.take(name).as_deref() {
            None | Some("false") | Some("0") => Ok(false),
            Some("true") | Some("1") | Some("") => Ok(true),
            Some(other) => Err(ApiError::invalid(
                self.dialect,
                name,
                format!("expected true or false, got {other:?}"),
            )),
        }
    }

    /// Takes a positive integer parameter.
    pub fn positive(&mut self, name: &str, max: u32) -> Result<Option<u32>, ApiError> {
        match self.take(name) {
            None => Ok(None),
            Some(v) => match v.parse::<u32>() {
                Ok(n) if (1..=max).contains(&n) => Ok(Some(n)),
                _ => Err(ApiError::invalid(
                    self.dialect,
                    name,
                    format!("expected an integer from 1 to {max}, got {v:?}"),
                )),
            },
        }
    }

    /// Takes an RFC 3339 timestamp parameter.
    pub fn timestamp(&mut self, name: &str) -> Result<Option<DateTime<Utc>>, ApiError> {
        match self.take(name) {
            None => Ok(None),
            Some(v) => DateTime::parse_from_rfc3339(&v)
                .map(|t| Some(t.with_timezone(&Utc)))
                .map_err(|e| {
                    ApiError::invalid(
                        self.dialect,
                        name,
                        format!("expected an RFC 3339 date-time (2020-01-01T00:00:00.000Z): {e}"),
                    )
                }),
        }
    }

    /// Fails on the first parameter nobody took.
    pub fn finish(self) -> Result<(), ApiError> {
        match self.pairs.into_iter().next() {
            None => Ok(()),
            Some((k, _)) => Err(ApiError::invalid(
                self.dialect,
                k,
                "unknown query parameter",
            )),
        }
    }
}

/// Reads the body, refusing more than `limit` bytes with a 413 in the dialect's envelope.
pub async fn read_body(
    dialect: Dialect,
    headers: &HeaderMap,
    body: Body,
    limit: usize,
) -> Result<bytes::Bytes, ApiError> {
    let too_large = || ApiError::new(dialect, Error::PayloadTooLarge { limit });
    if let Some(len) = headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
    {
        if len > limit as u64 {
            return Err(too_large());
        }
    }
    axum::body::to_bytes(body, limit).await.map_err(|e| {
        // `to_bytes` fails with a length-limit error when the stream exceeds `limit`.
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
        while let Some(s) = source {
            if s.is::<http_body_util::LengthLimitError>() {
                return too_large();
            }
            if let Some(t) = s.downcast_ref::<crate::listen::BodyTimeout>() {
                return ApiError::status(dialect, 408, format!("body: {t}"));
            }
            source = s.source();
        }
        ApiError::invalid(dialect, "body", format!("could not read the body: {e}"))
    })
}
