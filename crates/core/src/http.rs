//! The one HTTP path every connector uses: build a [`ProviderRequest`], `cx.send(…)` it, get a
//! [`ProviderResponse`]. Sending records the call (secrets removed) and turns connection failures
//! and timeouts into [`Error`]s; interpreting the status is the connector's `parse_error`.

use crate::context::{Context, RawCall};
use crate::error::{Error, Result};
use crate::transport::SendError;
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::time::Duration;

/// How the request authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Auth {
    /// `Authorization: Bearer <access token or api key>`.
    Bearer,
    /// `Authorization: <scheme> <access token>` (e.g. Zoho's `Zoho-oauthtoken`).
    Scheme(&'static str),
    /// The API key in the named header (e.g. Pipedrive's `x-api-token`).
    ApiKeyHeader(&'static str),
    /// HTTP Basic with the API key as user name and an empty password (e.g. Close).
    BasicApiKey,
    /// No credentials (e.g. an OAuth token endpoint that takes them in the body).
    None,
    /// HTTP Basic with the OAuth client id and secret (`client_id:client_secret`): a token
    /// endpoint's client authentication (RFC 6749 §2.3.1), see [`crate::raw::oauth`].
    ClientBasic,
}

/// The body of a provider request.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// No body.
    Empty,
    /// A JSON body.
    Json(Value),
    /// A JSON body already serialized (see [`ProviderRequest::json_of`]): no intermediate
    /// [`Value`] is built for it.
    JsonBytes(Bytes),
    /// A form-encoded body.
    Form(Vec<(String, String)>),
}

/// One request to a provider.
#[derive(Debug, Clone)]
pub struct ProviderRequest {
    /// Connector id, for errors.
    pub provider: &'static str,
    /// HTTP method.
    pub method: Method,
    /// Full URL (use [`Context::url`]).
    pub url: String,
    /// Query parameters.
    pub query: Vec<(String, String)>,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Body,
    /// Authentication.
    pub auth: Auth,
    /// Recognises a provider's throttling answer that is not a 429 (e.g. Salesforce's
    /// `403 REQUEST_LIMIT_EXCEEDED`), so the retry policy treats it like one.
    pub throttled: Option<fn(&ProviderResponse) -> bool>,
    /// The connector's `parse_error`, when the request carries it ([`ProviderRequest::errors_with`];
    /// [`Context::send_ok`] sets it): an answer the retry policy would repeat (429, 502/503/504,
    /// `throttled`) is repeated only when the error it makes [is temporary](Error::is_temporary)
    /// — a daily quota is not retried.
    pub errors: Option<ParseError>,
}

/// A connector's `parse_error(status, headers, body)`: a provider's error answer as an [`Error`]
/// (built on [`crate::raw::errors`]).
pub type ParseError = fn(u16, &HeaderMap, &[u8]) -> Error;

impl ProviderRequest {
    /// A request with no body, bearer auth.
    pub fn new(provider: &'static str, method: Method, url: impl Into<String>) -> Self {
        ProviderRequest {
            provider,
            method,
            url: url.into(),
            query: Vec::new(),
            headers: Vec::new(),
            body: Body::Empty,
            auth: Auth::Bearer,
            throttled: None,
            errors: None,
        }
    }

    /// `GET url`.
    pub fn get(provider: &'static str, url: impl Into<String>) -> Self {
        Self::new(provider, Method::GET, url)
    }

    /// `POST url` with a JSON body.
    pub fn post(provider: &'static str, url: impl Into<String>, body: Value) -> Self {
        Self::new(provider, Method::POST, url).json(body)
    }

    /// `PATCH url` with a JSON body.
    pub fn patch(provider: &'static str, url: impl Into<String>, body: Value) -> Self {
        Self::new(provider, Method::PATCH, url).json(body)
    }

    /// `PUT url` with a JSON body.
    pub fn put(provider: &'static str, url: impl Into<String>, body: Value) -> Self {
        Self::new(provider, Method::PUT, url).json(body)
    }

    /// `DELETE url`.
    pub fn delete(provider: &'static str, url: impl Into<String>) -> Self {
        Self::new(provider, Method::DELETE, url)
    }

    /// Sets a JSON body.
    pub fn json(mut self, body: Value) -> Self {
        self.body = Body::Json(body);
        self
    }

    /// Sets a JSON body serialized straight from `body` (cheaper than building a [`Value`]
    /// first with [`ProviderRequest::json`]).
    pub fn json_of<T: serde::Serialize + ?Sized>(mut self, body: &T) -> Result<Self> {
        let bytes = serde_json::to_vec(body).map_err(|e| {
            Error::Internal(format!("serializing a {} request: {e}", self.provider))
        })?;
        self.body = Body::JsonBytes(Bytes::from(bytes));
        Ok(self)
    }

    /// Sets a form body.
    pub fn form(mut self, pairs: Vec<(String, String)>) -> Self {
        self.body = Body::Form(pairs);
        self
    }

    /// Adds a query parameter.
    pub fn query(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((key.into(), value.into()));
        self
    }

    /// Adds a header.
    pub fn header(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((key.into(), value.into()));
        self
    }

    /// Marks answers for which `is_throttled` holds as throttling (retried like a 429).
    pub fn throttled_when(mut self, is_throttled: fn(&ProviderResponse) -> bool) -> Self {
        self.throttled = Some(is_throttled);
        self
    }

    /// Lets the retry policy ask the connector's `parse_error` whether an answer it would repeat is
    /// temporary (see [`ProviderRequest::errors`]).
    pub fn errors_with(mut self, parse_error: ParseError) -> Self {
        self.errors = Some(parse_error);
        self
    }

    /// Whether the retry policy may repeat after answer `r`: a retryable status (429, 502, 503,
    /// 504) or the connector's throttle signal, and — when the request carries the connector's
    /// `parse_error` — an error the provider does not call permanent.
    fn may_retry_after(&self, r: &ProviderResponse) -> bool {
        let candidate = matches!(r.status, 429 | 502 | 503 | 504)
            || self.throttled.is_some_and(|throttled| throttled(r));
        candidate
            && self
                .errors
                .is_none_or(|parse| parse(r.status, &r.headers, &r.body).is_temporary())
    }

    /// Sets the authentication.
    pub fn auth(mut self, auth: Auth) -> Self {
        self.auth = auth;
        self
    }

    /// Whether repeating this request cannot create a second record (reads, PUT/PATCH/DELETE by id).
    pub fn is_idempotent(&self) -> bool {
        !matches!(self.method, Method::POST)
    }
}

/// A provider's answer.
#[derive(Debug, Clone)]
pub struct ProviderResponse {
    /// Connector id.
    pub provider: &'static str,
    /// HTTP status.
    pub status: u16,
    /// Headers.
    pub headers: HeaderMap,
    /// Body bytes.
    pub body: Bytes,
}

impl ProviderResponse {
    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// Parses the body as `T`; a body that does not fit is a `Transport` error naming the path.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        // The path is tracked only when the plain pass fails (see `dialect::parse_json`).
        if let Ok(v) = serde_json::from_slice::<T>(&self.body) {
            return Ok(v);
        }
        let de = &mut serde_json::Deserializer::from_slice(&self.body);
        serde_path_to_error::deserialize(de).map_err(|e| Error::Transport {
            provider: self.provider.to_owned(),
            message: format!(
                "unexpected response body (status {}): {}: {}",
                self.status,
                e.path(),
                e.inner()
            ),
        })
    }

    /// The body as JSON, or as a JSON string when it is not JSON.
    pub fn body_value(&self) -> Value {
        body_as_value(&self.body)
    }

    /// A header as a string.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

fn body_as_value(body: &[u8]) -> Value {
    if body.is_empty() {
        return Value::Null;
    }
    serde_json::from_slice(body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()))
}

/// Query and form keys whose values are always removed from recordings.
const SECRET_KEYS: &[&str] = &[
    "access_token",
    "refresh_token",
    "client_secret",
    "api_token",
    "api_key",
    "hapikey",
    "password",
    "code",
    "code_verifier",
];

const REDACTED: &str = "[redacted]";

/// Replaces every secret of `secrets` found in `s`.
pub fn scrub(s: &str, secrets: &[&str]) -> String {
    let mut out = s.to_owned();
    for secret in secrets {
        if secret.len() >= 4 && out.contains(secret) {
            out = out.replace(secret, REDACTED);
        }
    }
    out
}

/// Scrubs secrets out of every string of a JSON value, and blanks values of secret keys.
pub fn scrub_value(v: &mut Value, secrets: &[&str]) {
    match v {
        Value::String(s) if secrets.iter().any(|x| x.len() >= 4 && s.contains(x)) => {
            *s = scrub(s, secrets);
        }
        Value::Array(a) => a.iter_mut().for_each(|x| scrub_value(x, secrets)),
        Value::Object(o) => {
            for (k, x) in o.iter_mut() {
                if SECRET_KEYS.contains(&k.as_str()) && !x.is_null() {
                    *x = Value::String(REDACTED.into());
                } else {
                    scrub_value(x, secrets);
                }
            }
        }
        _ => {}
    }
}

impl Context {
    /// Sends `req`: waits for the account's rate limiter, adds credentials, applies the timeout,
    /// retries per [`RetryPolicy`](crate::RetryPolicy), records every attempt (secrets removed).
    /// Any HTTP status is returned as a response; connection failures and timeouts are errors.
    pub async fn send(&self, req: ProviderRequest) -> Result<ProviderResponse> {
        let started = std::time::Instant::now();
        let mut attempt = 1u32;
        loop {
            if let Some(l) = &self.limiter {
                l.acquire().await;
            }
            let outcome = self.send_once(&req).await;
            let idempotent = req.is_idempotent();
            let (retry, hint) = match &outcome {
                Ok(r) => (
                    idempotent && req.may_retry_after(r),
                    retry_after(&r.headers),
                ),
                // The request never reached the provider: safe to repeat, even a create.
                Err(Attempt::NotSent(_)) => (true, None),
                Err(Attempt::Failed(e)) => (idempotent && e.is_temporary(), None),
            };
            let delay = self.retry.delay(attempt, hint);
            // A provider asking for a longer wait than we would sleep: answer now (the caller
            // gets RateLimited with the provider's Retry-After) instead of retrying early.
            let too_long = hint.is_some_and(|h| h > self.retry.max_delay);
            if !retry
                || too_long
                || attempt >= self.retry.max_attempts
                || started.elapsed() + delay > self.retry.max_total
            {
                return outcome.map_err(Attempt::into_error);
            }
            tracing::debug!(
                provider = req.provider,
                attempt,
                ?delay,
                "retrying provider call"
            );
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    async fn send_once(&self, req: &ProviderRequest) -> Result<ProviderResponse, Attempt> {
        let provider = req.provider;
        let transport = |message: String| Error::Transport {
            provider: provider.to_owned(),
            message,
        };
        check_no_dot_segments(&req.url).map_err(Attempt::Failed)?;
        let uri = request_uri(req).map_err(|e| Attempt::Failed(transport(e)))?;
        if self.sandbox {
            check_sandbox_pin(&self.base_url, &uri).map_err(Attempt::Failed)?;
        }
        // The body as recorded: built only when calls are recorded.
        let recording = self.recorder.is_some();
        let (body, content_type, recorded_body) = match &req.body {
            Body::Empty => (Bytes::new(), None, None),
            Body::Json(v) => {
                let bytes = serde_json::to_vec(v).map_err(|e| {
                    Attempt::Failed(Error::Internal(format!(
                        "serializing a {provider} request: {e}"
                    )))
                })?;
                (
                    Bytes::from(bytes),
                    Some("application/json"),
                    recording.then(|| v.clone()),
                )
            }
            Body::JsonBytes(b) => (
                b.clone(),
                Some("application/json"),
                recording.then(|| body_as_value(b)),
            ),
            Body::Form(pairs) => {
                let text = url::form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(pairs)
                    .finish();
                let recorded = recording.then(|| {
                    Value::Object(
                        pairs
                            .iter()
                            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                            .collect(),
                    )
                });
                (
                    Bytes::from(text),
                    Some("application/x-www-form-urlencoded"),
                    recorded,
                )
            }
        };
        let mut request = http::Request::new(http_body_util::Full::new(body));
        *request.method_mut() = req.method.clone();
        *request.uri_mut() = uri.clone();
        let headers = request.headers_mut();
        for (k, v) in &req.headers {
            let name = http::HeaderName::from_bytes(k.as_bytes())
                .map_err(|_| Attempt::Failed(transport(format!("invalid header name {k:?}"))))?;
            let value = HeaderValue::from_str(v).map_err(|_| {
                Attempt::Failed(transport(format!("invalid value of header {k:?}")))
            })?;
            headers.append(name, value);
        }
        if let Some(auth) = self
            .auth_header(provider, req.auth)
            .map_err(Attempt::Failed)?
        {
            headers.insert(auth.0, auth.1);
        }
        if let Some(ct) = content_type {
            headers
                .entry(http::header::CONTENT_TYPE)
                .or_insert(HeaderValue::from_static(ct));
        }
        headers
            .entry(http::header::ACCEPT)
            .or_insert(HeaderValue::from_static("*/*"));
        let started = std::time::Instant::now();
        let unanswered = |e: Error| {
            // Sent (or possibly sent) without an answer: whether it happened is unknown.
            if let Some(rec) = &self.recorder {
                let secrets = self.credentials.secrets();
                rec.push_unanswered(
                    req.method.as_str(),
                    &scrub(&redact_query(&uri.to_string()), &secrets),
                );
            }
            Attempt::Failed(e)
        };
        let response = match tokio::time::timeout(self.timeout, self.http.send(request)).await {
            Ok(Ok(r)) => r,
            Ok(Err(SendError::Connect(m))) => return Err(Attempt::NotSent(transport(m))),
            Ok(Err(SendError::Other(m))) => return Err(unanswered(transport(m))),
            Err(_) => {
                return Err(unanswered(Error::Timeout {
                    provider: provider.to_owned(),
                    after: self.timeout,
                }))
            }
        };
        let (parts, body) = response.into_parts();
        let status = parts.status.as_u16();
        tracing::debug!(
            provider,
            method = %req.method,
            path = uri.path(),
            status,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "provider call"
        );
        if let Some(rec) = &self.recorder {
            rec.push(self.raw_call(req, &uri.to_string(), recorded_body, status, &body));
        }
        // A provider that echoes what it was sent (a token in an error message) must not put a
        // secret into the error the caller sees: error bodies are scrubbed as `raw` is. 2xx
        // bodies are left alone (a token endpoint's answer *is* the new secret).
        let body = if (200..300).contains(&status) {
            body
        } else {
            scrub_body(body, &self.credentials.secrets())
        };
        Ok(ProviderResponse {
            provider,
            status,
            headers: parts.headers,
            body,
        })
    }

    /// The credentials header of `auth` (marked sensitive: never logged by the HTTP stack).
    fn auth_header(
        &self,
        provider: &str,
        auth: Auth,
    ) -> Result<Option<(http::HeaderName, HeaderValue)>> {
        use base64::Engine as _;
        use secrecy::ExposeSecret as _;
        let invalid = |name: &str| {
            Error::Transport {
            provider: provider.to_owned(),
            message: format!(
                "the credentials cannot be sent in the {name} header (they contain characters a header cannot)"
            ),
        }
        };
        if auth == Auth::ClientBasic {
            let Some(id) = &self.credentials.client_id else {
                return Ok(None);
            };
            let secret = self
                .credentials
                .client_secret
                .as_ref()
                .map_or("", |s| s.expose_secret());
            let basic = base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"));
            let mut value = HeaderValue::from_str(&format!("Basic {basic}"))
                .map_err(|_| invalid("authorization"))?;
            value.set_sensitive(true);
            return Ok(Some((http::header::AUTHORIZATION, value)));
        }
        let Some(token) = self.credentials.bearer_token() else {
            return Ok(None);
        };
        let (name, value) = match auth {
            Auth::Bearer => (http::header::AUTHORIZATION, format!("Bearer {token}")),
            Auth::Scheme(scheme) => (http::header::AUTHORIZATION, format!("{scheme} {token}")),
            Auth::ApiKeyHeader(h) => (
                http::HeaderName::from_bytes(h.as_bytes()).map_err(|_| invalid(h))?,
                token.to_owned(),
            ),
            Auth::BasicApiKey => (
                http::header::AUTHORIZATION,
                format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(format!("{token}:"))
                ),
            ),
            Auth::None | Auth::ClientBasic => return Ok(None),
        };
        // The message names the header, never the value.
        let mut value = HeaderValue::from_str(&value).map_err(|_| invalid(name.as_str()))?;
        value.set_sensitive(true);
        Ok(Some((name, value)))
    }

    fn raw_call(
        &self,
        req: &ProviderRequest,
        url: &str,
        body: Option<Value>,
        status: u16,
        response: &[u8],
    ) -> RawCall {
        let secrets = self.credentials.secrets();
        let url = redact_query(url);
        let mut body = body;
        if let Some(b) = body.as_mut() {
            scrub_value(b, &secrets);
        }
        let mut resp_v = body_as_value(response);
        scrub_value(&mut resp_v, &secrets);
        RawCall {
            method: req.method.to_string(),
            url: scrub(&url, &secrets),
            body,
            response: resp_v,
            status,
        }
    }

    /// Sends `req` and returns the response when it is 2xx, else `parse_error`'s error.
    /// The request carries `parse_error` for the retry policy (see [`ProviderRequest::errors`]).
    pub async fn send_ok(
        &self,
        req: ProviderRequest,
        parse_error: ParseError,
    ) -> Result<ProviderResponse> {
        let resp = self.send(req.errors_with(parse_error)).await?;
        if resp.is_success() {
            Ok(resp)
        } else {
            Err(parse_error(resp.status, &resp.headers, &resp.body))
        }
    }
}

/// `body` with every secret of `secrets` replaced (see [`scrub`]); the same bytes when none
/// occurs. Only non-UTF-8 bodies that contain a secret lose their invalid bytes (lossy decoding).
fn scrub_body(body: Bytes, secrets: &[&str]) -> Bytes {
    let hit = secrets
        .iter()
        .any(|s| s.len() >= 4 && body.windows(s.len()).any(|w| w == s.as_bytes()));
    if !hit {
        return body;
    }
    let text = String::from_utf8_lossy(&body);
    Bytes::from(scrub(&text, secrets))
}

/// Checks an identifier a caller sent (an end-user id, an account id, a query value that is
/// stored or looked up): not empty, and no control characters (a NUL byte is refused by
/// PostgreSQL, and no id needs one). `field` names it in the error.
pub fn check_identifier(field: &str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    if let Some(c) = value.chars().find(|c| c.is_control()) {
        return Err(Error::invalid(
            field,
            format!(
                "must not contain control characters (found U+{:04X})",
                c as u32
            ),
        ));
    }
    Ok(())
}

/// Checks a record id before any connector puts it into a provider URL: an identifier (see
/// [`check_identifier`]) that is not `.` or `..` and holds no `/`, `\`, `?` or `#`, so it stays
/// one path segment and names one record. One check for every connector.
pub fn check_record_id(field: &str, id: &str) -> Result<()> {
    check_identifier(field, id)?;
    let decoded = id.replace("%2e", ".").replace("%2E", ".");
    if decoded == "." || decoded == ".." {
        return Err(Error::invalid(field, "`.` and `..` are not record ids"));
    }
    if let Some(c) = id.chars().find(|c| matches!(c, '/' | '\\' | '?' | '#')) {
        return Err(Error::invalid(
            field,
            format!("a record id must not contain {c:?}"),
        ));
    }
    if id.to_ascii_lowercase().contains("%2f") || id.to_ascii_lowercase().contains("%5c") {
        return Err(Error::invalid(
            field,
            "a record id must not contain an encoded slash",
        ));
    }
    Ok(())
}

/// Refuses a URL whose path holds a `.` or `..` segment (also percent-encoded, or split by
/// `\`): an id such as `..` would otherwise be normalised into the parent path by the HTTP
/// stack or the provider, so a call on one record could reach another endpoint. No CRM API uses
/// such segments.
pub fn check_no_dot_segments(url: &str) -> Result<()> {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = after_scheme
        .find(['/', '\\'])
        .map_or("", |i| &after_scheme[i..]);
    let path = path.split(['?', '#']).next().unwrap_or_default();
    for segment in path.split(['/', '\\']) {
        let decoded = segment.replace("%2e", ".").replace("%2E", ".");
        if decoded == "." || decoded == ".." {
            return Err(Error::invalid(
                "id",
                format!(
                    "a path segment {segment:?} is refused: ids must not be `.` or `..` (the call would reach another endpoint)"
                ),
            ));
        }
    }
    Ok(())
}

/// A sandbox (test-mode) account's calls go to its sandbox emulator and nowhere else: same
/// scheme, host and port as `base_url`, and a path under `base_url`'s path (`/hubspot/…`), so
/// no credential or setting can send them to another host, another provider's emulator or the
/// sandbox's control endpoints (`/_sandbox/…`). Pinned here, where every request is sent.
pub fn check_sandbox_pin(base_url: &str, uri: &http::Uri) -> Result<()> {
    let refused = || {
        Error::Forbidden {
        message: format!(
            "a test-mode account only calls its sandbox ({base_url}); a call to {}://{}{} is refused",
            uri.scheme_str().unwrap_or_default(),
            uri.authority().map(|a| a.as_str()).unwrap_or_default(),
            uri.path()
        ),
        provider: None,
    }
    };
    let base = http::Uri::try_from(base_url).map_err(|_| refused())?;
    let same_origin = base.scheme() == uri.scheme()
        && base
            .authority()
            .zip(uri.authority())
            .is_some_and(|(a, b)| a.as_str().eq_ignore_ascii_case(b.as_str()));
    let prefix = base.path().trim_end_matches('/');
    let path = uri.path();
    let under = path == prefix
        || path
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('/'));
    if same_origin && (prefix.is_empty() || under) && !path.starts_with("/_sandbox") {
        Ok(())
    } else {
        Err(refused())
    }
}

/// How one attempt failed.
enum Attempt {
    /// The connection failed before the request was sent.
    NotSent(Error),
    /// The request may have reached the provider.
    Failed(Error),
}

impl Attempt {
    fn into_error(self) -> Error {
        match self {
            Attempt::NotSent(e) | Attempt::Failed(e) => e,
        }
    }
}

/// `url` with the values of secret query parameters (`SECRET_KEYS`) replaced; a URL the WHATWG
/// parser refuses is returned as is (its secrets are still scrubbed by value).
fn redact_query(url: &str) -> String {
    let Ok(mut parsed) = url::Url::parse(url) else {
        return url.to_owned();
    };
    let pairs: Vec<(String, String)> = parsed
        .query_pairs()
        .map(|(k, v)| {
            let v = if SECRET_KEYS.contains(&k.as_ref()) {
                REDACTED.to_owned()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    if pairs.is_empty() {
        parsed.set_query(None);
    } else {
        parsed.query_pairs_mut().clear().extend_pairs(pairs);
    }
    parsed.into()
}

/// The URI of `req`: its URL with its query pairs (form-encoded). A URL `http::Uri` takes as is
/// is used as is; any other goes through the WHATWG parser (which percent-encodes what needs it).
fn request_uri(req: &ProviderRequest) -> std::result::Result<http::Uri, String> {
    if req.query.is_empty() {
        if let Ok(uri) = http::Uri::try_from(req.url.as_str()) {
            if uri.scheme().is_some() && uri.authority().is_some() {
                return Ok(uri);
            }
        }
    }
    let mut url = url::Url::parse(&req.url).map_err(|e| format!("invalid provider URL: {e}"))?;
    if !req.query.is_empty() {
        url.query_pairs_mut().extend_pairs(req.query.iter());
    }
    http::Uri::try_from(url.as_str()).map_err(|e| format!("invalid provider URL: {e}"))
}

/// Parses a `Retry-After` header into a duration: delay-seconds (`"2"`) or an HTTP-date
/// (`"Sat, 22 Mar 2025 14:30:01 GMT"`, RFC 9110 §10.2.3; a date in the past gives zero).
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let v = headers.get(http::header::RETRY_AFTER)?.to_str().ok()?;
    retry_after_value(v, chrono::Utc::now())
}

/// Parses one `Retry-After` value relative to `now` (see [`retry_after`]).
pub fn retry_after_value(v: &str, now: chrono::DateTime<chrono::Utc>) -> Option<Duration> {
    let v = v.trim();
    if let Ok(secs) = v.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    Some(
        (at.with_timezone(&chrono::Utc) - now)
            .to_std()
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod retry_after_tests {
    use super::*;

    #[test]
    fn seconds_and_http_dates() {
        let now = chrono::DateTime::parse_from_rfc3339("2025-03-22T14:30:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        assert_eq!(retry_after_value("2", now), Some(Duration::from_secs(2)));
        assert_eq!(
            retry_after_value("Sat, 22 Mar 2025 14:30:01 GMT", now),
            Some(Duration::from_secs(1))
        );
        assert_eq!(
            retry_after_value("Sat, 22 Mar 2025 14:29:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after_value("soon", now), None);
        assert_eq!(retry_after_value("-1", now), None);
    }
}

#[cfg(test)]
mod pin_tests {
    use super::*;

    fn uri(s: &str) -> http::Uri {
        http::Uri::try_from(s).unwrap()
    }

    #[test]
    fn sandbox_calls_stay_under_the_sandbox_base() {
        let base = "http://127.0.0.1:4010/acme";
        for ok in [
            "http://127.0.0.1:4010/acme/crm/v8/Contacts",
            "http://127.0.0.1:4010/acme/oauth/v2/token?x=1",
            "http://127.0.0.1:4010/acme",
        ] {
            check_sandbox_pin(base, &uri(ok)).unwrap();
        }
        for bad in [
            "http://127.0.0.1:4010/_sandbox/faults",
            "http://127.0.0.1:4010/other-crm/crm/v3/objects/contacts",
            "http://127.0.0.1:4010/acmex/crm",
            "http://127.0.0.1:4011/acme/crm",
            "http://169.254.169.254/acme/latest",
            "https://127.0.0.1:4010/acme/crm",
            "http://[::1]:22/acme",
            "http://127.0.0.1:4010/acme%2F..%2F_sandbox/faults",
        ] {
            let e = check_sandbox_pin(base, &uri(bad)).expect_err(bad);
            assert_eq!(e.http_status(), 403, "{bad}");
        }
        // A sandbox at its root still keeps its control endpoints out of reach.
        check_sandbox_pin("http://127.0.0.1:4010", &uri("http://127.0.0.1:4010/x")).unwrap();
        assert!(check_sandbox_pin(
            "http://127.0.0.1:4010",
            &uri("http://127.0.0.1:4010/_sandbox/faults")
        )
        .is_err());
    }

    #[test]
    fn dot_segments_are_refused() {
        for bad in [
            "https://api.example-crm.com/crm/v3/objects/contacts/..",
            "https://api.example-crm.com/crm/v3/objects/contacts/.",
            "https://api.example-crm.com/crm/v3/objects/contacts/%2e%2E?archived=false",
            "https://api.example-crm.com/crm/v3/objects/contacts/..\\x",
            "http://127.0.0.1:4010/other-crm/../_sandbox/faults",
        ] {
            let e = check_no_dot_segments(bad).expect_err(bad);
            assert_eq!(e.http_status(), 400, "{bad}");
        }
        for ok in [
            "https://api.example-crm.com/crm/v3/objects/contacts/123",
            "https://api.example-crm.com/crm/v3/objects/contacts/a.b?x=..",
            "https://api.example-crm.com/crm/v3/objects/contacts/...",
            "https://api.example-crm.com",
        ] {
            check_no_dot_segments(ok).unwrap();
        }
    }

    #[test]
    fn record_ids_stay_one_segment() {
        for ok in ["123", "0035g00000XyZab", "rec_1.2", "a-b_c:d", "..."] {
            check_record_id("id", ok).unwrap();
        }
        for bad in [
            "", " ", ".", "..", "%2e%2e", "a/b", "a\\b", "a?b", "a#b", "a%2Fb", "a\u{0}b",
        ] {
            let e = check_record_id("id", bad).expect_err(bad);
            assert!(e.to_string().starts_with("id:"), "{e}");
        }
        let e = check_identifier("endUserId", "user\u{0}1").unwrap_err();
        assert_eq!(
            e.to_string(),
            "endUserId: must not contain control characters (found U+0000)"
        );
    }

    #[test]
    fn a_permanent_answer_is_not_retried() {
        fn permanent(status: u16, _: &HeaderMap, _: &[u8]) -> Error {
            Error::RateLimited {
                retry_after: None,
                message: "daily quota".into(),
                provider: Some(Box::new(
                    crate::ProviderDetails::new("p", status, "daily quota").temporary(false),
                )),
            }
        }
        fn temporary(status: u16, _: &HeaderMap, _: &[u8]) -> Error {
            Error::Provider(Box::new(crate::ProviderDetails::new("p", status, "busy")))
        }
        let answer = |status| ProviderResponse {
            provider: "p",
            status,
            headers: HeaderMap::new(),
            body: Bytes::new(),
        };
        let req = ProviderRequest::get("p", "https://example.invalid/x");
        assert!(req.may_retry_after(&answer(429)));
        assert!(!req.may_retry_after(&answer(400)));
        assert!(!req
            .clone()
            .errors_with(permanent)
            .may_retry_after(&answer(429)));
        assert!(req
            .clone()
            .errors_with(temporary)
            .may_retry_after(&answer(503)));
        // The parser is asked only about answers the policy would repeat.
        assert!(!req.errors_with(temporary).may_retry_after(&answer(500)));
    }

    #[test]
    fn error_bodies_lose_echoed_secrets() {
        let body = Bytes::from_static(br#"{"message":"token sk-secret-123 is invalid"}"#);
        let out = scrub_body(body, &["sk-secret-123"]);
        assert_eq!(&out[..], br#"{"message":"token [redacted] is invalid"}"#);
        let clean = Bytes::from_static(b"nothing here");
        assert_eq!(scrub_body(clean.clone(), &["sk-secret-123"]), clean);
    }
}
