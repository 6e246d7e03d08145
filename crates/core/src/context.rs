//! What a connector call carries: where to send, with which credentials, which HTTP client, and
//! where to record the provider calls.

use crate::model::Owner;
use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Credentials of one linked CRM account. `Debug` never shows a secret.
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct Credentials {
    /// OAuth access token or private-app token, sent as `Authorization: Bearer`.
    pub access_token: Option<SecretString>,
    /// API key, for providers that use one (sent the way the provider wants).
    pub api_key: Option<SecretString>,
    /// OAuth refresh token.
    pub refresh_token: Option<SecretString>,
    /// OAuth client id.
    pub client_id: Option<String>,
    /// OAuth client secret.
    pub client_secret: Option<SecretString>,
    /// When the access token expires, when known.
    pub expires_at: Option<DateTime<Utc>>,
    /// Instance / API host of the account, for providers with per-account hosts
    /// (Salesforce `instance_url`, Zoho `api_domain`).
    pub instance_url: Option<String>,
}

impl Credentials {
    /// Credentials with only a bearer token.
    pub fn bearer(token: impl Into<String>) -> Self {
        Credentials {
            access_token: Some(SecretString::from(token.into())),
            ..Default::default()
        }
    }

    /// Credentials with only an API key.
    pub fn api_key(key: impl Into<String>) -> Self {
        Credentials {
            api_key: Some(SecretString::from(key.into())),
            ..Default::default()
        }
    }

    /// Builds credentials from `key=value` pairs (`access_token`, `api_key`, `refresh_token`,
    /// `client_id`, `client_secret`, `instance_url`, `expires_at`); an unknown key is an error.
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> crate::Result<Self> {
        let mut c = Credentials::default();
        for (k, v) in pairs {
            let secret = || Some(SecretString::from(v.to_owned()));
            match k {
                "access_token" | "token" => c.access_token = secret(),
                "api_key" => c.api_key = secret(),
                "refresh_token" => c.refresh_token = secret(),
                "client_id" => c.client_id = Some(v.to_owned()),
                "client_secret" => c.client_secret = secret(),
                "instance_url" => c.instance_url = Some(v.to_owned()),
                "expires_at" => {
                    c.expires_at = Some(
                        DateTime::parse_from_rfc3339(v)
                            .map_err(|e| {
                                crate::Error::invalid("credentials.expires_at", e.to_string())
                            })?
                            .with_timezone(&Utc),
                    )
                }
                other => {
                    return Err(crate::Error::invalid(
                        format!("credentials.{other}"),
                        "unknown credential; expected one of access_token, api_key, refresh_token, client_id, client_secret, instance_url, expires_at",
                    ))
                }
            }
        }
        Ok(c)
    }

    /// The token to send as `Authorization: Bearer`: the access token, else the API key.
    pub fn bearer_token(&self) -> Option<&str> {
        self.access_token
            .as_ref()
            .or(self.api_key.as_ref())
            .map(|s| s.expose_secret())
    }

    /// Every secret value, so recorders and error messages can scrub them.
    pub fn secrets(&self) -> Vec<&str> {
        [
            &self.access_token,
            &self.api_key,
            &self.refresh_token,
            &self.client_secret,
        ]
        .into_iter()
        .flatten()
        .map(|s| s.expose_secret())
        .filter(|s| !s.is_empty())
        .collect()
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mark = |s: &Option<SecretString>| if s.is_some() { "[redacted]" } else { "-" };
        f.debug_struct("Credentials")
            .field("access_token", &mark(&self.access_token))
            .field("api_key", &mark(&self.api_key))
            .field("refresh_token", &mark(&self.refresh_token))
            .field("client_id", &self.client_id)
            .field("client_secret", &mark(&self.client_secret))
            .field("expires_at", &self.expires_at)
            .field("instance_url", &self.instance_url)
            .finish()
    }
}

/// One provider call as the "unified" dialect returns it in `raw`: secrets removed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RawCall {
    /// HTTP method.
    pub method: String,
    /// Full URL (query included; secret query values removed).
    pub url: String,
    /// Request body (JSON, or a string for form bodies), if any.
    pub body: Option<Value>,
    /// Response body (JSON when it parsed, else a string).
    pub response: Value,
    /// Response status.
    #[serde(skip)]
    pub status: u16,
}

/// Collects the provider calls of one unified request.
#[derive(Debug, Clone, Default)]
pub struct Recorder(Arc<Mutex<Recorded>>);

#[derive(Debug, Default)]
struct Recorded {
    calls: Vec<RawCall>,
    /// Calls sent whose answer never came (timeout, connection lost after sending): method and
    /// URL (secret query values removed).
    unanswered: Vec<(String, String)>,
}

impl Recorder {
    /// A new, empty recorder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a call.
    pub fn push(&self, call: RawCall) {
        if let Ok(mut v) = self.0.lock() {
            v.calls.push(call);
        }
    }

    /// Notes a call that was sent (or may have been) but got no answer: its outcome at the
    /// provider is unknown.
    pub fn push_unanswered(&self, method: &str, url: &str) {
        if let Ok(mut v) = self.0.lock() {
            v.unanswered.push((method.to_owned(), url.to_owned()));
        }
    }

    /// The calls so far.
    pub fn calls(&self) -> Vec<RawCall> {
        self.0.lock().map(|v| v.calls.clone()).unwrap_or_default()
    }

    /// The calls sent without an answer so far (method, URL).
    pub fn unanswered(&self) -> Vec<(String, String)> {
        self.0
            .lock()
            .map(|v| v.unanswered.clone())
            .unwrap_or_default()
    }
}

/// Caches owner lookups (owner id → name, e-mail) for one linked account, at most
/// [`OwnerCache::DEFAULT_MAX_ENTRIES`] (or [`OwnerCache::bounded`]'s) owners: when full, expired
/// entries go first, then the oldest.
#[derive(Debug, Clone)]
pub struct OwnerCache {
    inner: Arc<Mutex<HashMap<String, (Owner, Instant)>>>,
    ttl: Duration,
    max_entries: usize,
}

impl Default for OwnerCache {
    fn default() -> Self {
        OwnerCache {
            inner: Arc::default(),
            ttl: Duration::from_secs(300),
            max_entries: Self::DEFAULT_MAX_ENTRIES,
        }
    }
}

impl OwnerCache {
    /// Owners kept by default.
    pub const DEFAULT_MAX_ENTRIES: usize = 1_000;

    /// A cache whose entries live `ttl`.
    pub fn with_ttl(ttl: Duration) -> Self {
        OwnerCache {
            ttl,
            ..Self::default()
        }
    }

    /// A cache of at most `max_entries` owners (at least one).
    pub fn bounded(max_entries: usize) -> Self {
        OwnerCache {
            max_entries: max_entries.max(1),
            ..Self::default()
        }
    }

    /// Owners cached now.
    pub fn len(&self) -> usize {
        self.inner.lock().map(|m| m.len()).unwrap_or(0)
    }

    /// Whether no owner is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A fresh cached owner, if any.
    pub fn get(&self, id: &str) -> Option<Owner> {
        let map = self.inner.lock().ok()?;
        let (owner, at) = map.get(id)?;
        (at.elapsed() < self.ttl).then(|| owner.clone())
    }

    /// Stores an owner.
    pub fn insert(&self, owner: Owner) {
        if let Ok(mut map) = self.inner.lock() {
            if map.len() >= self.max_entries && !map.contains_key(&owner.id) {
                let ttl = self.ttl;
                map.retain(|_, (_, at)| at.elapsed() < ttl);
                if map.len() >= self.max_entries {
                    let oldest = map
                        .iter()
                        .min_by_key(|(_, (_, at))| *at)
                        .map(|(k, _)| k.clone());
                    if let Some(k) = oldest {
                        map.remove(&k);
                    }
                }
            }
            map.insert(owner.id.clone(), (owner, Instant::now()));
        }
    }
}

/// Everything a connector call needs besides its arguments.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Context {
    /// Base URL of the provider API (the real one, or a sandbox emulator's prefix). No trailing `/`.
    pub base_url: String,
    /// Credentials of the linked account.
    pub credentials: Credentials,
    /// Shared HTTP client.
    pub http: crate::transport::HttpClient,
    /// Where to record provider calls (for `raw`), if anywhere.
    pub recorder: Option<Recorder>,
    /// Per-account connector settings (e.g. Salesforce `api_version`).
    pub settings: BTreeMap<String, String>,
    /// Owner lookups of this account.
    pub owners: OwnerCache,
    /// True when the account is a sandbox (test-mode) account: connectors then accept a base URL
    /// outside the provider's own domains.
    pub sandbox: bool,
    /// Timeout of one provider call.
    pub timeout: Duration,
    /// When failed calls are repeated.
    pub retry: crate::limit::RetryPolicy,
    /// The account's call budget, if limited.
    pub limiter: Option<crate::limit::RateLimiter>,
}

impl Context {
    /// A context for `base_url` with `credentials`, a new HTTP client and no recorder.
    ///
    /// Building a client is costly (TLS roots, proxy settings from the environment): a caller
    /// making many contexts should build one client and use [`Context::with_client`].
    pub fn new(base_url: impl Into<String>, credentials: Credentials) -> Self {
        Self::with_client(base_url, credentials, default_http_client())
    }

    /// A context for `base_url` with `credentials` over `http` (a shared, pooled client: cloning
    /// one is cheap) and no recorder.
    pub fn with_client(
        base_url: impl Into<String>,
        credentials: Credentials,
        http: crate::transport::HttpClient,
    ) -> Self {
        let mut base_url = base_url.into();
        while base_url.ends_with('/') {
            base_url.pop();
        }
        Context {
            base_url,
            credentials,
            http,
            recorder: None,
            settings: BTreeMap::new(),
            owners: OwnerCache::default(),
            sandbox: false,
            timeout: Duration::from_secs(30),
            retry: crate::limit::RetryPolicy::default(),
            limiter: None,
        }
    }

    /// Uses a shared HTTP client.
    pub fn with_http(mut self, http: crate::transport::HttpClient) -> Self {
        self.http = http;
        self
    }

    /// Records provider calls into `recorder`.
    pub fn with_recorder(mut self, recorder: Recorder) -> Self {
        self.recorder = Some(recorder);
        self
    }

    /// Sets a per-account setting.
    pub fn with_setting(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.settings.insert(key.into(), value.into());
        self
    }

    /// Shares an owner cache (e.g. one per linked account in the gateway).
    pub fn with_owner_cache(mut self, owners: OwnerCache) -> Self {
        self.owners = owners;
        self
    }

    /// Marks the account as a sandbox account.
    pub fn sandboxed(mut self, sandbox: bool) -> Self {
        self.sandbox = sandbox;
        self
    }

    /// Sets the per-call timeout.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the retry policy.
    pub fn with_retry(mut self, retry: crate::limit::RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Shares a rate limiter (one per linked account).
    pub fn with_limiter(mut self, limiter: crate::limit::RateLimiter) -> Self {
        self.limiter = Some(limiter);
        self
    }

    /// A setting's value.
    pub fn setting(&self, key: &str) -> Option<&str> {
        self.settings.get(key).map(String::as_str)
    }

    /// `base_url` joined with `path` (which starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }
}

/// The HTTP client unicrm uses by default: rustls, connection pooling, the environment's proxy
/// for `https` (see [`crate::transport`]).
pub fn default_http_client() -> crate::transport::HttpClient {
    crate::transport::HttpClient::new()
}
