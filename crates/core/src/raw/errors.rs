//! The shared opening of every connector's `parse_error(status, headers, body)`.
//!
//! Each provider answers errors in its own body format, but reading one always starts the same
//! way: the body as JSON (or as text when it is not JSON, or nothing when empty), the provider's
//! request id from the headers it names, the `Retry-After` it sends, and the
//! [`ProviderDetails`] every error keeps. [`ErrorAnswer::open`] does that once; a connector's
//! `error.rs` then keeps only its mapping table — the provider's codes and statuses to a
//! [`Kind`], with the provider's documentation quoted beside each arm — and finishes with
//! [`Kind::into_error`]:
//!
//! ```
//! use http::HeaderMap;
//! use unicrm_core::raw::errors::{ErrorAnswer, Kind};
//!
//! fn parse_error(status: u16, headers: &HeaderMap, body: &[u8]) -> unicrm_core::Error {
//!     let answer = ErrorAnswer::open("example", status, headers, body, &["x-request-id"]);
//!     let message = answer
//!         .json_str("message")
//!         .map(str::to_owned)
//!         .unwrap_or_else(|| answer.fallback_message("Example"));
//!     let kind = match status {
//!         // "401: the token is missing or invalid." (the provider's documentation)
//!         401 => Kind::Unauthorized,
//!         // "429: too many requests; retry after the Retry-After header's seconds."
//!         429 => Kind::RateLimited { retry_after: answer.retry_after() },
//!         _ => Kind::Provider,
//!     };
//!     kind.into_error(message.clone(), answer.details(message))
//! }
//!
//! let e = parse_error(429, &HeaderMap::new(), br#"{"message":"slow down"}"#);
//! assert_eq!(e.kind(), "rate_limited");
//! assert!(e.is_temporary());
//! ```
//!
//! Whether an error is temporary follows from its kind (see [`Error::is_temporary`]); where the
//! provider says an answer will not change by retrying — a quota exhausted for the day — the
//! table marks it with [`ProviderDetails::temporary`]`(false)` and every retry path obeys.

use crate::error::{Error, ProviderDetails};
use http::HeaderMap;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::time::Duration;

/// A provider's error answer, opened: status, headers, the body as JSON or text, the request id
/// and the `Retry-After`, read the same way for every connector.
#[derive(Debug, Clone)]
pub struct ErrorAnswer<'a> {
    provider: &'static str,
    status: u16,
    headers: &'a HeaderMap,
    raw: &'a [u8],
    json: Option<Value>,
    request_id: Option<String>,
    retry_after: Option<Duration>,
}

impl<'a> ErrorAnswer<'a> {
    /// Opens the answer of `provider` (the connector id): parses `body` as JSON when it is JSON,
    /// takes the request id from the first of `request_id_headers` the answer carries (any
    /// case), and reads `Retry-After` (seconds or an HTTP date).
    pub fn open(
        provider: &'static str,
        status: u16,
        headers: &'a HeaderMap,
        body: &'a [u8],
        request_id_headers: &[&str],
    ) -> Self {
        let request_id = request_id_headers.iter().find_map(|name| {
            headers
                .get(*name)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        });
        ErrorAnswer {
            provider,
            status,
            headers,
            raw: body,
            json: serde_json::from_slice(body).ok(),
            request_id,
            retry_after: crate::http::retry_after(headers),
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The headers.
    pub fn headers(&self) -> &'a HeaderMap {
        self.headers
    }

    /// A header as text (trimmed), if sent and readable.
    pub fn header(&self, name: &str) -> Option<&'a str> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    }

    /// The body bytes as received.
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }

    /// The body as JSON, when it is JSON.
    pub fn json(&self) -> Option<&Value> {
        self.json.as_ref()
    }

    /// A top-level string member of a JSON object body (`"message"` …), when present and not
    /// empty.
    pub fn json_str(&self, key: &str) -> Option<&str> {
        self.json
            .as_ref()?
            .get(key)?
            .as_str()
            .filter(|s| !s.is_empty())
    }

    /// The JSON body read as the provider's error type `T`; `None` when the body is not JSON or
    /// does not fit `T` (bodies are read leniently: an unknown shape is not an error of its own).
    pub fn parse<T: DeserializeOwned>(&self) -> Option<T> {
        T::deserialize(self.json.as_ref()?).ok()
    }

    /// The body as text when it is not JSON (an HTML page of a proxy, a plain message), trimmed;
    /// `None` when it is JSON or empty.
    pub fn text(&self) -> Option<String> {
        if self.json.is_some() {
            return None;
        }
        let text = String::from_utf8_lossy(self.raw).trim().to_owned();
        (!text.is_empty()).then_some(text)
    }

    /// The body as kept in [`ProviderDetails::body`]: its JSON, a JSON string when it is not
    /// JSON, `None` when empty.
    pub fn body(&self) -> Option<Value> {
        match &self.json {
            Some(v) => Some(v.clone()),
            None if self.raw.is_empty() => None,
            None => Some(Value::String(
                String::from_utf8_lossy(self.raw).into_owned(),
            )),
        }
    }

    /// The request id the provider sent in one of the named headers.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The wait the provider's `Retry-After` asks for.
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }

    /// `"<display name> answered HTTP <status>"`: the message when the answer has none.
    pub fn fallback_message(&self, display_name: &str) -> String {
        format!("{display_name} answered HTTP {}", self.status)
    }

    /// The details every error of this answer keeps: provider, status, `message`, request id and
    /// body. Code and fields are the mapping's to add ([`ProviderDetails::code`],
    /// [`ProviderDetails::fields`]).
    pub fn details(&self, message: impl Into<String>) -> ProviderDetails {
        ProviderDetails::new(self.provider, self.status, message)
            .request_id(self.request_id.clone())
            .body(self.body())
    }
}

/// What a provider's answer means, as a connector's mapping table decides it: one arm per
/// [`Error`] kind a provider's answer can become.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Kind {
    /// The request was refused for its content; `field` is the path it blames (may be empty).
    InvalidInput {
        /// The offending field.
        field: String,
    },
    /// Credentials missing, wrong, expired or revoked.
    Unauthorized,
    /// The credentials lack a permission, or the plan a feature.
    Forbidden,
    /// The record or endpoint does not exist.
    NotFound,
    /// A unique value is taken, or the record changed meanwhile.
    Conflict {
        /// The existing record, when the provider names it.
        existing_id: Option<String>,
    },
    /// Throttled, or a quota is used up.
    RateLimited {
        /// How long to wait, when known.
        retry_after: Option<Duration>,
    },
    /// Any other answer (the provider failed, or refused the connector's own request).
    Provider,
}

impl Kind {
    /// The unicrm error: `message` is what the caller reads, `details` what the provider said.
    pub fn into_error(self, message: String, details: ProviderDetails) -> Error {
        let provider = Some(Box::new(details));
        match self {
            Kind::InvalidInput { field } => Error::InvalidInput {
                field,
                reason: message,
                provider,
            },
            Kind::Unauthorized => Error::Unauthorized { message, provider },
            Kind::Forbidden => Error::Forbidden { message, provider },
            Kind::NotFound => Error::NotFound { message, provider },
            Kind::Conflict { existing_id } => Error::Conflict {
                message,
                existing_id,
                provider,
            },
            Kind::RateLimited { retry_after } => Error::RateLimited {
                retry_after,
                message,
                provider,
            },
            Kind::Provider => match provider {
                Some(details) => Error::Provider(details),
                None => Error::Internal(message),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn json_text_and_empty_bodies() {
        let h = HeaderMap::new();
        let a = ErrorAnswer::open("p", 400, &h, br#"{"message":"bad","code":7}"#, &[]);
        assert_eq!(a.json_str("message"), Some("bad"));
        assert_eq!(a.json_str("code"), None);
        assert_eq!(a.text(), None);
        assert_eq!(
            a.body(),
            Some(serde_json::json!({"message":"bad","code":7}))
        );

        let a = ErrorAnswer::open("p", 502, &h, b"  <html>Bad gateway</html>\n", &[]);
        assert!(a.json().is_none());
        assert_eq!(a.text().as_deref(), Some("<html>Bad gateway</html>"));
        assert_eq!(
            a.body(),
            Some(Value::String("  <html>Bad gateway</html>\n".into()))
        );

        let a = ErrorAnswer::open("p", 404, &h, b"", &[]);
        assert_eq!((a.text(), a.body()), (None, None));
        assert_eq!(a.fallback_message("Provider"), "Provider answered HTTP 404");
    }

    #[test]
    fn request_id_from_the_first_named_header_and_retry_after() {
        let h = headers(&[
            ("x-request-id", "second"),
            ("x-correlation-id", "first"),
            ("retry-after", "3"),
        ]);
        let a = ErrorAnswer::open("p", 429, &h, b"", &["X-Correlation-Id", "x-request-id"]);
        assert_eq!(a.request_id(), Some("first"));
        assert_eq!(a.retry_after(), Some(Duration::from_secs(3)));
        let a = ErrorAnswer::open("p", 429, &h, b"", &["sforce-request-id"]);
        assert_eq!(a.request_id(), None);
        let d = a.details("m");
        assert_eq!((d.provider.as_str(), d.status, d.body), ("p", 429, None));
    }

    #[test]
    fn typed_bodies_are_read_leniently() {
        #[derive(serde::Deserialize)]
        struct Body {
            message: String,
        }
        let h = HeaderMap::new();
        let a = ErrorAnswer::open("p", 400, &h, br#"{"message":"x"}"#, &[]);
        assert_eq!(a.parse::<Body>().map(|b| b.message).as_deref(), Some("x"));
        let a = ErrorAnswer::open("p", 400, &h, br#"[1]"#, &[]);
        assert!(a.parse::<Body>().is_none());
    }

    #[test]
    fn kinds_become_errors_and_permanence_overrides_the_kind() {
        let h = HeaderMap::new();
        let a = ErrorAnswer::open("p", 429, &h, b"{}", &[]);
        let temporary =
            Kind::RateLimited { retry_after: None }.into_error("m".into(), a.details("m"));
        assert!(temporary.is_temporary());
        let daily = Kind::RateLimited { retry_after: None }
            .into_error("m".into(), a.details("m").temporary(false));
        assert_eq!(daily.kind(), "rate_limited");
        assert!(!daily.is_temporary());
        let e = Kind::InvalidInput {
            field: "email".into(),
        }
        .into_error("bad".into(), a.details("bad"));
        assert_eq!(e.to_string(), "email: bad");
        assert!(!e.is_temporary());
        let a = ErrorAnswer::open("p", 503, &h, b"", &[]);
        assert!(Kind::Provider
            .into_error("m".into(), a.details("m"))
            .is_temporary());
    }
}
