//! The errors users branch on. Each kind maps to one HTTP status in the gateway.

use crate::model::{Operation, Resource};
use serde::Serialize;
use serde_json::Value;
use std::time::Duration;

/// Result with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What the provider said, kept with the error so no detail is lost.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ProviderDetails {
    /// Connector id (`hubspot`).
    pub provider: String,
    /// HTTP status the provider answered.
    pub status: u16,
    /// The provider's error code (`INVALID_FIELD`, `VALIDATION_ERROR` …).
    pub code: Option<String>,
    /// The provider's message, verbatim.
    pub message: String,
    /// Fields the provider named.
    pub fields: Vec<String>,
    /// The provider's request / correlation id.
    pub request_id: Option<String>,
    /// The provider's error body (parsed JSON, or a string when it was not JSON).
    pub body: Option<Value>,
    /// Whether repeating the call later may succeed, when the provider says so and it differs
    /// from what the error's kind implies (see [`Error::is_temporary`]): a daily quota is a
    /// `RateLimited` that no retry within the day cures. `None`: the kind decides. Not rendered.
    #[serde(skip)]
    pub temporary: Option<bool>,
}

impl ProviderDetails {
    /// Details with the provider, status and message set.
    pub fn new(provider: impl Into<String>, status: u16, message: impl Into<String>) -> Self {
        ProviderDetails {
            provider: provider.into(),
            status,
            message: message.into(),
            ..Default::default()
        }
    }

    /// Sets the error code.
    pub fn code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }

    /// Sets the fields named.
    pub fn fields(mut self, fields: Vec<String>) -> Self {
        self.fields = fields;
        self
    }

    /// Sets the request id.
    pub fn request_id(mut self, id: Option<String>) -> Self {
        self.request_id = id;
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: Option<Value>) -> Self {
        self.body = body;
        self
    }

    /// Overrides whether the error is temporary (see [`ProviderDetails::temporary`]).
    pub fn temporary(mut self, temporary: bool) -> Self {
        self.temporary = Some(temporary);
        self
    }
}

/// A unicrm error.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input is wrong: `field` is a JSON path (`emails[1]`), `reason` says why.
    #[error("{field}: {reason}")]
    InvalidInput {
        /// Path of the offending field (empty for the body as a whole).
        field: String,
        /// Why it is wrong.
        reason: String,
        /// The provider's validation error, when the provider found it.
        provider: Option<Box<ProviderDetails>>,
    },
    /// Credentials missing, wrong, expired or revoked.
    #[error("unauthorized: {message}")]
    Unauthorized {
        /// What was wrong.
        message: String,
        /// The provider's answer, when it came from the provider.
        provider: Option<Box<ProviderDetails>>,
    },
    /// The credentials lack a permission / scope.
    #[error("forbidden: {message}")]
    Forbidden {
        /// What was missing.
        message: String,
        /// The provider's answer.
        provider: Option<Box<ProviderDetails>>,
    },
    /// The record does not exist (or is not visible to these credentials).
    #[error("not found: {message}")]
    NotFound {
        /// What was not found.
        message: String,
        /// The provider's answer, when it came from the provider.
        provider: Option<Box<ProviderDetails>>,
    },
    /// The record conflicts with an existing one (e.g. a duplicate e-mail).
    #[error("conflict: {message}")]
    Conflict {
        /// What conflicts.
        message: String,
        /// The id of the existing record, when the provider names it.
        existing_id: Option<String>,
        /// The provider's answer.
        provider: Option<Box<ProviderDetails>>,
    },
    /// The provider (or unicrm's own limiter) throttled the call.
    #[error("rate limited: {message}")]
    RateLimited {
        /// How long to wait, when known.
        retry_after: Option<Duration>,
        /// The provider's message.
        message: String,
        /// The provider's answer.
        provider: Option<Box<ProviderDetails>>,
    },
    /// The connector does not support this operation on this resource.
    #[error("{provider} does not support {operation} on {resource}")]
    Unsupported {
        /// Connector id.
        provider: String,
        /// The resource.
        resource: Resource,
        /// The operation.
        operation: Operation,
    },
    /// Any other error answer of the provider.
    #[error("{} answered {}: {}", .0.provider, .0.status, .0.message)]
    Provider(Box<ProviderDetails>),
    /// The provider did not answer in time.
    #[error("{provider} did not answer within {after:?}")]
    Timeout {
        /// Connector id.
        provider: String,
        /// The time waited.
        after: Duration,
    },
    /// The connection failed or the provider's answer could not be read.
    #[error("transport error talking to {provider}: {message}")]
    Transport {
        /// Connector id.
        provider: String,
        /// What failed.
        message: String,
    },
    /// The request body is larger than the gateway accepts.
    #[error("request body exceeds the limit of {limit} bytes")]
    PayloadTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// A create reached the provider but its answer was lost (the connection dropped after
    /// sending, the provider timed out, a proxy answered 502/504), and looking for the record at
    /// the provider could not tell whether it was made. Nothing was sent again; repeating the
    /// request with the same `Idempotency-Key` looks again before anything is re-sent.
    #[error("the outcome of creating a {resource} at {provider} is unknown: {reason} (sent: {resource} with fields {}); it was not sent again — retry with the same Idempotency-Key, the gateway looks for the record before sending the create again", .fields.join(", "))]
    OutcomeUnknown {
        /// Connector id.
        provider: String,
        /// The resource of the create.
        resource: Resource,
        /// The unified fields the create carried (names only, never values).
        fields: Vec<String>,
        /// Why the gateway cannot tell (what failed, what the lookup found).
        reason: String,
    },
    /// A bug or an impossible state inside unicrm.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// An `InvalidInput` error for `field`.
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::InvalidInput {
            field: field.into(),
            reason: reason.into(),
            provider: None,
        }
    }

    /// `InvalidInput` for a unified `field` the provider has no place for (refused rather than
    /// dropped); `reason` says so in the provider's terms and where the value could go instead.
    pub fn no_home(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::invalid(field, reason)
    }

    /// An `Unsupported` error.
    pub fn unsupported(provider: &str, resource: Resource, operation: Operation) -> Self {
        Error::Unsupported {
            provider: provider.to_owned(),
            resource,
            operation,
        }
    }

    /// A `NotFound` error with a message.
    pub fn not_found(message: impl Into<String>) -> Self {
        Error::NotFound {
            message: message.into(),
            provider: None,
        }
    }

    /// The provider details attached to this error, if any.
    pub fn provider_details(&self) -> Option<&ProviderDetails> {
        match self {
            Error::InvalidInput { provider, .. }
            | Error::Unauthorized { provider, .. }
            | Error::Forbidden { provider, .. }
            | Error::NotFound { provider, .. }
            | Error::Conflict { provider, .. }
            | Error::RateLimited { provider, .. } => provider.as_deref(),
            Error::Provider(d) => Some(d),
            _ => None,
        }
    }

    /// A short machine-readable kind name (`invalid_input`, `not_found` …).
    pub fn kind(&self) -> &'static str {
        match self {
            Error::InvalidInput { .. } => "invalid_input",
            Error::Unauthorized { .. } => "unauthorized",
            Error::Forbidden { .. } => "forbidden",
            Error::NotFound { .. } => "not_found",
            Error::Conflict { .. } => "conflict",
            Error::RateLimited { .. } => "rate_limited",
            Error::Unsupported { .. } => "unsupported",
            Error::Provider(_) => "provider_error",
            Error::Timeout { .. } => "timeout",
            Error::Transport { .. } => "transport",
            Error::PayloadTooLarge { .. } => "payload_too_large",
            Error::OutcomeUnknown { .. } => "outcome_unknown",
            Error::Internal(_) => "internal",
        }
    }

    /// The HTTP status the gateway answers this error with.
    pub fn http_status(&self) -> u16 {
        match self {
            Error::InvalidInput { provider: None, .. } => 400,
            Error::InvalidInput {
                provider: Some(_), ..
            } => 422,
            Error::Unauthorized { .. } => 401,
            Error::Forbidden { .. } => 403,
            Error::NotFound { .. } => 404,
            Error::Conflict { .. } => 409,
            Error::RateLimited { .. } => 429,
            Error::Unsupported { .. } => 501,
            Error::Provider(d) if (400..500).contains(&d.status) => 422,
            Error::Provider(_) => 502,
            Error::Timeout { .. } => 504,
            Error::Transport { .. } => 502,
            Error::PayloadTooLarge { .. } => 413,
            // 502: the request was fine, the upstream's answer is what went missing (as a lost
            // answer without an idempotency key is a 502 transport error); a client's usual
            // "retry a 5xx with the same key" is exactly what resolves it.
            Error::OutcomeUnknown { .. } => 502,
            Error::Internal(_) => 500,
        }
    }

    /// Whether repeating the same call later may succeed. Set by the kind — throttling, timeouts,
    /// connection failures and a provider's 500/502/503/504 are temporary, everything else is
    /// permanent — unless the provider said otherwise ([`ProviderDetails::temporary`], e.g. a
    /// daily quota: `RateLimited` but permanent). Retries obey it: `Context::send` does not
    /// repeat a call whose answer is permanent, nor does the gateway.
    pub fn is_temporary(&self) -> bool {
        if let Some(temporary) = self.provider_details().and_then(|d| d.temporary) {
            return temporary;
        }
        match self {
            Error::RateLimited { .. } | Error::Timeout { .. } | Error::Transport { .. } => true,
            Error::Provider(d) => matches!(d.status, 500 | 502 | 503 | 504),
            _ => false,
        }
    }
}
