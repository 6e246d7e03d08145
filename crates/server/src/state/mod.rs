//! The gateway's shared state: store, HTTP client, sandbox location, and the in-memory caches of
//! key → project and linked accounts (so a request needs no store round trip once warm).
//!
//! By concern: [`Config`], the [`Gateway`] and its requests' accounts and contexts here;
//! credential pairs ↔ core credentials in `credentials`; the caches in `cache`; OAuth refresh
//! (locks, leases, storing) in `refresh`; rate budgets in `budget`.

mod budget;
mod cache;
mod credentials;
mod refresh;

pub use cache::CacheSizes;
use cache::Caches;
pub use credentials::{join_credentials, sandbox_account, split_credentials, AccountEntry};
use refresh::RefreshLocks;

use crate::crypto::{self, Environment};
use crate::error::ApiError;
use crate::limits::Limits;
use crate::listen::ListenerLimits;
use crate::store::{LinkedAccount, NewAccount, Project, Store, StoreError};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use unicrm_core::dialect::Dialect;
use unicrm_core::limit::RetryPolicy;
use unicrm_core::{Connector, Context, Error, Recorder};

/// Gateway configuration.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Config {
    /// Root URL of the sandbox emulators (`http://127.0.0.1:4010`); test-mode accounts call
    /// `<sandbox_url>/<provider>`. `None`: test-mode calls fail with a clear error.
    pub sandbox_url: Option<String>,
    /// Largest request body accepted (bytes).
    pub body_limit: usize,
    /// Timeout of one provider call.
    pub provider_timeout: Duration,
    /// How long cached keys and linked accounts are trusted before the store is asked again.
    /// Changes made through this process invalidate at once; this bounds how long a change made
    /// by another gateway process on the same store takes to be seen.
    pub cache_ttl: Duration,
    /// How long a cached API key is trusted before the store is asked again (at most
    /// `cache_ttl`): bounds how long a key revoked through another gateway process keeps
    /// working here. One store read per key and interval while the key is in use.
    pub key_ttl: Duration,
    /// Retries of provider calls. Kept short by default: a client waits on the gateway, so a
    /// long `Retry-After` is answered as a 429 at once rather than slept through.
    pub retry: RetryPolicy,
    /// Per-account quota of test-mode (sandbox) accounts, `calls` per `per`; `None`: not
    /// throttled (the sandbox publishes no quota). Live accounts use the connector's
    /// [`unicrm_core::ConnectorInfo::rate_limit`].
    pub sandbox_rate_limit: Option<(u32, Duration)>,
    /// Also count each account's calls in the store (fixed windows of the quota's length), so
    /// the quota holds across every gateway process on one PostgreSQL. One store round trip
    /// per call; off by default (one process needs only its in-memory token buckets).
    pub shared_rate_limit: bool,
    /// Whether test-mode (`sk_test_`) keys are served. Off (`serve --no-test-mode`,
    /// `UNICRM_NO_TEST_MODE=1`) in production: every test key is then refused with a 401 and no
    /// sandbox is needed.
    pub test_mode: bool,
    /// Quotas, size limits and cache bounds.
    pub limits: Limits,
    /// Timeouts and connection caps of the listener ([`crate::serve`]).
    pub listener: ListenerLimits,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            sandbox_url: None,
            body_limit: 1024 * 1024,
            provider_timeout: Duration::from_secs(30),
            cache_ttl: Duration::from_secs(30),
            key_ttl: Duration::from_secs(2),
            retry: RetryPolicy::new(3, Duration::from_millis(200))
                .max_delay(Duration::from_secs(2))
                .max_total(Duration::from_secs(5)),
            sandbox_rate_limit: None,
            shared_rate_limit: false,
            test_mode: true,
            limits: Limits::default(),
            listener: ListenerLimits::default(),
        }
    }
}

impl Config {
    /// Sets the sandbox URL.
    pub fn sandbox_url(mut self, url: impl Into<String>) -> Self {
        self.sandbox_url = Some(url.into().trim_end_matches('/').to_owned());
        self
    }

    /// Sets how long cached keys and accounts are trusted.
    pub fn cache_ttl(mut self, ttl: Duration) -> Self {
        self.cache_ttl = ttl;
        self
    }

    /// Sets how long a cached API key is trusted (revocations by other processes are seen
    /// within it).
    pub fn key_ttl(mut self, ttl: Duration) -> Self {
        self.key_ttl = ttl;
        self
    }

    /// Sets the retry policy of provider calls.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Sets the timeout of one provider call.
    pub fn provider_timeout(mut self, timeout: Duration) -> Self {
        self.provider_timeout = timeout;
        self
    }

    /// Throttles test-mode accounts to `calls` per `per` each.
    pub fn sandbox_rate_limit(mut self, calls: u32, per: Duration) -> Self {
        self.sandbox_rate_limit = Some((calls, per));
        self
    }

    /// Counts each account's calls in the store too (the quota holds across processes).
    pub fn shared_rate_limit(mut self, on: bool) -> Self {
        self.shared_rate_limit = on;
        self
    }

    /// Serves test-mode keys (`true`, the default) or refuses them (`false`, production).
    pub fn test_mode(mut self, on: bool) -> Self {
        self.test_mode = on;
        self
    }

    /// Sets the body limit.
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// Sets the quotas, size limits and cache bounds.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Sets the listener's timeouts and connection caps.
    pub fn listener(mut self, listener: ListenerLimits) -> Self {
        self.listener = listener;
        self
    }
}

/// The gateway: cheap to clone, shared by every request.
#[derive(Clone)]
pub struct Gateway {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) store: Store,
    pub(crate) config: Config,
    pub(crate) http: unicrm_core::transport::HttpClient,
    caches: Caches,
    /// Per-account refresh locks, removed once no refresh of the account is under way.
    refresh_locks: RefreshLocks,
    /// Linking a new account: quota check and insert, one at a time in this process.
    link_lock: tokio::sync::Mutex<()>,
    /// This process's name in the store's leases.
    instance: String,
    /// API key id → when this process last wrote its `last_used` (Unix ms).
    key_used: std::sync::Mutex<HashMap<String, i64>>,
    requests: std::sync::atomic::AtomicU64,
}

impl std::fmt::Debug for Gateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gateway")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

/// The caller of a request: a project and the environment of the key used.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The project.
    pub project: Project,
    /// Live or test.
    pub env: Environment,
}

/// A resolved target of a connector call.
pub struct Target {
    /// The account.
    pub entry: Arc<AccountEntry>,
    /// Its connector.
    pub connector: Arc<dyn Connector>,
}

fn store_err(dialect: Dialect, e: StoreError) -> ApiError {
    match e {
        StoreError::Duplicate {
            ref existing_id, ..
        } => {
            let existing_id = existing_id.clone();
            ApiError::new(
                dialect,
                Error::Conflict {
                    message: e.to_string(),
                    existing_id: Some(existing_id),
                    provider: None,
                },
            )
        }
        // Named, without internals: the account's data and the key are never in the answer.
        StoreError::Undecryptable { .. } | StoreError::KeyMismatch => {
            ApiError::status(dialect, 500, e.to_string())
        }
        other => {
            tracing::error!(error = %other, "store failure");
            ApiError::new(dialect, Error::Internal(format!("store: {other}")))
        }
    }
}

/// How often a key's `last_used` is written to the store by one process.
const LAST_USED_EVERY_MS: i64 = 60_000;

impl Gateway {
    /// A gateway over `store`.
    pub fn new(store: Store, config: Config) -> Self {
        Gateway {
            inner: Arc::new(Inner {
                store,
                http: unicrm_core::context::default_http_client(),
                caches: Caches::new(&config.limits),
                refresh_locks: Default::default(),
                link_lock: Default::default(),
                instance: uuid::Uuid::new_v4().simple().to_string(),
                key_used: Default::default(),
                requests: Default::default(),
                config,
            }),
        }
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Authenticates an API key (cached for [`Config::key_ttl`], never past the key's expiry).
    pub async fn authenticate(&self, dialect: Dialect, key: &str) -> Result<Caller, ApiError> {
        let caller = self.authenticate_any(dialect, key).await?;
        if caller.env == Environment::Test && !self.inner.config.test_mode {
            return Err(ApiError::unauthorized(
                dialect,
                "test mode is off on this gateway (serve --no-test-mode): use the project's sk_live_ key",
            ));
        }
        Ok(caller)
    }

    async fn authenticate_any(&self, dialect: Dialect, key: &str) -> Result<Caller, ApiError> {
        let hash = crypto::hash_key(key);
        let ttl = self.inner.config.key_ttl.min(self.inner.config.cache_ttl);
        let now = crate::reliability::now_ms();
        let cached = self
            .inner
            .caches
            .keys
            .get(&hash)
            .filter(|(auth, at)| at.elapsed() < ttl && auth.expires_ms.is_none_or(|e| e > now))
            .map(|(auth, _)| auth);
        let auth = match cached {
            Some(auth) => auth,
            None => match self
                .inner
                .store
                .authenticate_key(key)
                .await
                .map_err(|e| store_err(dialect, e))?
            {
                Some(auth) => {
                    self.inner
                        .caches
                        .keys
                        .insert(hash, (auth.clone(), Instant::now()));
                    auth
                }
                None => {
                    self.inner.caches.keys.remove(&hash);
                    return Err(ApiError::unauthorized(
                        dialect,
                        "invalid API key; use an active project key (sk_live_… or sk_test_…)",
                    ));
                }
            },
        };
        self.note_key_use(&auth.key_id, now);
        Ok(Caller {
            project: auth.project,
            env: auth.env,
        })
    }

    /// Records a use of key `id`: in memory, and in the store at most once a minute (in a task
    /// of its own, off the request's path).
    fn note_key_use(&self, id: &str, now: i64) {
        let due = match self.inner.key_used.lock() {
            Ok(mut map) => match map.get_mut(id) {
                Some(last) if now - *last < LAST_USED_EVERY_MS => false,
                Some(last) => {
                    *last = now;
                    true
                }
                None => {
                    map.insert(id.to_owned(), now);
                    true
                }
            },
            Err(_) => false,
        };
        if due {
            let store = self.inner.store.clone();
            let id = id.to_owned();
            tokio::spawn(async move {
                if let Err(e) = store.touch_key(&id, now).await {
                    tracing::warn!(key = %id, error = %e, "could not record an API key's last use");
                }
            });
        }
    }

    /// Links `new` unless the project's quota of its environment is used up (a 403 naming the
    /// limit). With `or_get`, an account already linked for the same end user and provider is
    /// answered instead of a conflict. One link at a time in this process, so concurrent first
    /// uses cannot overshoot the quota here; processes sharing a store each check it before
    /// inserting (they can overshoot by at most one account each at the same instant).
    pub async fn link_account(
        &self,
        dialect: Dialect,
        new: NewAccount,
        or_get: bool,
    ) -> Result<LinkedAccount, ApiError> {
        let limits = &self.inner.config.limits;
        limits.check_id(dialect, "endUserId", &new.end_user_id)?;
        limits.check_credentials(dialect, &new.credentials.0)?;
        limits.check_field_mapping(dialect, &new.field_mapping)?;
        let store = &self.inner.store;
        let _one_at_a_time = self.inner.link_lock.lock().await;
        if or_get {
            if let Some(a) = store
                .find_account(
                    &new.project_id,
                    new.environment,
                    &new.provider,
                    &new.end_user_id,
                )
                .await
                .map_err(|e| store_err(dialect, e))?
            {
                return Ok(a);
            }
        }
        let linked = store
            .count_accounts(&new.project_id, new.environment)
            .await
            .map_err(|e| store_err(dialect, e))?;
        if linked >= limits.max_accounts(new.environment) {
            tracing::warn!(project = %new.project_id, environment = %new.environment, linked, "account quota reached");
            return Err(limits.quota_error(dialect, new.environment, linked));
        }
        let result = if or_get {
            store.link_or_get(new).await
        } else {
            store.link_account(new).await
        };
        result.map_err(|e| store_err(dialect, e))
    }

    /// A linked account by id, visible to `caller` only when it is of the caller's project and
    /// environment (anything else is "not found", never the account's data).
    pub async fn account_by_id(
        &self,
        dialect: Dialect,
        caller: &Caller,
        id: &str,
    ) -> Result<Arc<AccountEntry>, ApiError> {
        self.inner.config.limits.check_id(dialect, "id", id)?;
        let entry = match self.cached(id) {
            Some(e) => Some(e),
            None => match self
                .inner
                .store
                .account(id)
                .await
                .map_err(|e| store_err(dialect, e))?
            {
                Some(a) => {
                    let e = self.entry_for(a).map_err(|e| ApiError::new(dialect, e))?;
                    self.cache_account(&e);
                    Some(e)
                }
                None => None,
            },
        };
        match entry {
            Some(e)
                if e.account.project_id == caller.project.id
                    && e.account.environment == caller.env =>
            {
                Ok(e)
            }
            _ => Err(ApiError::not_found(
                dialect,
                format!(
                    "no linked account {id:?} in this project's {} environment",
                    caller.env
                ),
            )),
        }
    }

    /// The account linked for (end user, provider) in the caller's project and environment. With
    /// a test key a sandbox account is linked on first use.
    pub async fn account_for_user(
        &self,
        dialect: Dialect,
        caller: &Caller,
        provider: &str,
        end_user_id: &str,
    ) -> Result<Arc<AccountEntry>, ApiError> {
        self.inner
            .config
            .limits
            .check_id(dialect, "endUserId", end_user_id)?;
        let key = (
            caller.project.id.clone(),
            caller.env,
            provider.to_owned(),
            end_user_id.to_owned(),
        );
        let cached_id = self
            .inner
            .caches
            .by_user
            .get(&key)
            .filter(|(_, at)| at.elapsed() < self.inner.config.cache_ttl)
            .map(|(id, _)| id);
        if let Some(entry) = cached_id.and_then(|id| self.cached(&id)) {
            return Ok(entry);
        }
        let store = &self.inner.store;
        let found = store
            .find_account(&caller.project.id, caller.env, provider, end_user_id)
            .await
            .map_err(|e| store_err(dialect, e))?;
        let account = match (found, caller.env) {
            (Some(a), _) => a,
            (None, Environment::Test) => {
                let a = self
                    .link_account(
                        dialect,
                        sandbox_account(&caller.project.id, provider, end_user_id),
                        true,
                    )
                    .await?;
                tracing::info!(account = %a.id, provider, end_user_id, "linked a sandbox account on first use");
                a
            }
            (None, Environment::Live) => {
                return Err(ApiError::not_found(
                    dialect,
                    format!(
                        "no live account linked for endUserId {end_user_id:?} and provider {provider:?}; link one with POST /api/v1/accounts or `unicrm accounts link`"
                    ),
                ))
            }
        };
        let entry = self
            .entry_for(account)
            .map_err(|e| ApiError::new(dialect, e))?;
        self.cache_account(&entry);
        Ok(entry)
    }

    /// The connector of `provider`, or a 400 naming the field that chose it.
    pub fn connector(
        &self,
        dialect: Dialect,
        field: &str,
        provider: &str,
    ) -> Result<Arc<dyn Connector>, ApiError> {
        unicrm_registry::get(provider).ok_or_else(|| {
            ApiError::invalid(
                dialect,
                field,
                format!(
                    "unknown provider {provider:?}; this gateway serves: {}",
                    unicrm_registry::ids().join(", ")
                ),
            )
        })
    }

    /// The call context of `entry`: base URL (sandbox for test accounts), credentials, shared
    /// client, the account's owner cache, and a recorder when `raw` was asked for.
    pub fn context(
        &self,
        entry: &AccountEntry,
        connector: &dyn Connector,
        recorder: Option<Recorder>,
    ) -> unicrm_core::Result<Context> {
        let a = &entry.account;
        let base = match a.environment {
            Environment::Test => match &self.inner.config.sandbox_url {
                Some(url) => format!("{url}/{}", a.provider),
                None => {
                    return Err(Error::Transport {
                        provider: a.provider.clone(),
                        message: "this gateway runs without a sandbox; start it with `unicrm serve` (in-process sandbox) or `--sandbox-url`".into(),
                    })
                }
            },
            Environment::Live => {
                // Accounts linked before the check existed are checked on use too.
                crate::hosts::check_live_urls(connector.info(), &a.credentials)?;
                entry
                    .base_url
                    .clone()
                    .unwrap_or_else(|| connector.info().default_base_url.to_owned())
            }
        };
        let mut credentials = entry.credentials.clone();
        let test = a.environment == Environment::Test;
        if test {
            // A test account's calls go to the sandbox only: no stored host may redirect them.
            credentials.instance_url = None;
        }
        let mut cx = Context::with_client(base, credentials, self.inner.http.clone())
            .with_owner_cache(entry.owners.clone())
            .sandboxed(a.environment == Environment::Test)
            .with_timeout(self.inner.config.provider_timeout)
            .with_retry(self.inner.config.retry);
        if let Some(l) = self.limiter(entry, connector) {
            cx = cx.with_limiter(l);
        }
        for (k, v) in &entry.settings {
            if test && (crate::hosts::is_url_key(&format!("setting.{k}")) || v.contains("://")) {
                continue;
            }
            cx = cx.with_setting(k, v);
        }
        if let Some(r) = recorder {
            cx = cx.with_recorder(r);
        }
        Ok(cx)
    }

    /// The context of a call on `target`: [`Gateway::context`], the shared rate budget when
    /// configured, then [`Gateway::refresh_if_due`].
    pub async fn call_context(
        &self,
        target: &Target,
        recorder: Option<Recorder>,
    ) -> unicrm_core::Result<Context> {
        let cx = self.context(&target.entry, &*target.connector, recorder)?;
        self.shared_budget(target).await?;
        self.refresh_if_due(target, cx).await
    }

    /// Purges expired idempotency records now and then (every 1024th keyed request).
    pub fn maybe_purge(&self) {
        let n = self
            .inner
            .requests
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if n % 1024 == 0 {
            let store = self.inner.store.clone();
            tokio::spawn(async move {
                if let Err(e) = store.purge_expired().await {
                    tracing::warn!(error = %e, "purging expired idempotency records failed");
                }
            });
        }
    }

    /// Resolves the target of a call and builds its context.
    pub fn target(&self, dialect: Dialect, entry: Arc<AccountEntry>) -> Result<Target, ApiError> {
        let connector = unicrm_registry::get(&entry.account.provider).ok_or_else(|| {
            ApiError::new(
                dialect,
                Error::Internal(format!(
                    "account {} uses provider {:?}, which this gateway was built without",
                    entry.account.id, entry.account.provider
                )),
            )
        })?;
        Ok(Target { entry, connector })
    }

    /// Maps a store error into `dialect`.
    pub fn store_error(&self, dialect: Dialect, e: StoreError) -> ApiError {
        store_err(dialect, e)
    }
}
