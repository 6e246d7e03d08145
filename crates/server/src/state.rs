//! The gateway's shared state: store, HTTP client, sandbox location, and the in-memory caches of
//! key → project and linked accounts (so a request needs no store round trip once warm).

use crate::crypto::{self, Environment};
use crate::error::ApiError;
use crate::limits::Limits;
use crate::listen::ListenerLimits;
use crate::store::{
    CredentialPairs, KeyAuth, LinkedAccount, NewAccount, Project, Store, StoreError,
};
use quick_cache::sync::Cache;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};
use unicrm_core::dialect::Dialect;
use unicrm_core::limit::{RateLimiter, RetryPolicy};
use unicrm_core::{Connector, Context, Credentials, Error, OwnerCache, Recorder};

/// A linked account ready for calls: decrypted, split into connector credentials and settings.
#[derive(Debug)]
pub struct AccountEntry {
    /// The account.
    pub account: LinkedAccount,
    /// Connector credentials.
    pub credentials: Credentials,
    /// Connector settings (`setting.<name>=…` credential pairs).
    pub settings: BTreeMap<String, String>,
    /// Base URL override (`base_url=…`), live accounts only.
    pub base_url: Option<String>,
    /// Owner lookups of this account, kept across requests.
    pub owners: OwnerCache,
}

/// Core credentials back as pairs (for storing refreshed credentials), keeping the
/// gateway's own `base_url` / `setting.*` pairs of `previous`.
pub fn join_credentials(c: &Credentials, previous: &CredentialPairs) -> CredentialPairs {
    use secrecy::ExposeSecret;
    let mut out: BTreeMap<String, String> = previous
        .0
        .iter()
        .filter(|(k, _)| k.starts_with("setting.") || k.as_str() == "base_url")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut put = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            out.insert(k.to_owned(), v);
        }
    };
    put(
        "access_token",
        c.access_token
            .as_ref()
            .map(|s| s.expose_secret().to_owned()),
    );
    put(
        "api_key",
        c.api_key.as_ref().map(|s| s.expose_secret().to_owned()),
    );
    put(
        "refresh_token",
        c.refresh_token
            .as_ref()
            .map(|s| s.expose_secret().to_owned()),
    );
    put("client_id", c.client_id.clone());
    put(
        "client_secret",
        c.client_secret
            .as_ref()
            .map(|s| s.expose_secret().to_owned()),
    );
    put("instance_url", c.instance_url.clone());
    put(
        "expires_at",
        c.expires_at
            .map(|t| unicrm_core::model::format_timestamp(&t)),
    );
    CredentialPairs(out)
}

/// Splits credential pairs into core credentials, settings and a base URL; names the bad pair.
pub fn split_credentials(
    pairs: &CredentialPairs,
) -> unicrm_core::Result<(Credentials, BTreeMap<String, String>, Option<String>)> {
    let mut settings = BTreeMap::new();
    let mut base_url = None;
    let mut rest = Vec::new();
    for (k, v) in &pairs.0 {
        if let Some(name) = k.strip_prefix("setting.") {
            settings.insert(name.to_owned(), v.clone());
        } else if k == "base_url" {
            url::Url::parse(v)
                .map_err(|e| Error::invalid("credentials.base_url", format!("not a URL: {e}")))?;
            base_url = Some(v.trim_end_matches('/').to_owned());
        } else {
            rest.push((k.as_str(), v.as_str()));
        }
    }
    Ok((Credentials::from_pairs(rest)?, settings, base_url))
}

/// (project, environment, provider, end user).
type UserKey = (String, Environment, String, String);

/// The in-memory caches, each bounded by [`Limits::cache_entries`] (quick_cache's S3-FIFO
/// eviction: entries used once go first, hot ones stay).
struct Caches {
    keys: Cache<String, (KeyAuth, Instant)>,
    accounts: Cache<String, (Arc<AccountEntry>, Instant)>,
    by_user: Cache<UserKey, (String, Instant)>,
    owners: Cache<String, OwnerCache>,
    limiters: Cache<String, RateLimiter>,
}

impl Caches {
    fn new(limits: &Limits) -> Self {
        let n = limits.cache_entries.max(1);
        Caches {
            keys: Cache::new(n),
            accounts: Cache::new(n),
            by_user: Cache::new(n),
            owners: Cache::new(n),
            limiters: Cache::new(n),
        }
    }
}

/// Entries in the gateway's in-memory caches (see [`Gateway::cache_sizes`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct CacheSizes {
    /// API key → project.
    pub keys: usize,
    /// Linked accounts by id.
    pub accounts: usize,
    /// (project, environment, provider, end user) → account id.
    pub by_user: usize,
    /// Owner caches of accounts.
    pub owners: usize,
    /// Rate limiters of accounts.
    pub limiters: usize,
    /// Per-account refresh locks (only while a refresh is under way).
    pub refresh_locks: usize,
}

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

    /// Forgets the cached entries of API key `id` (after a revoke or rotation through this
    /// process).
    pub fn invalidate_key(&self, id: &str) {
        self.inner
            .caches
            .keys
            .retain(|_, (auth, _)| auth.key_id != id);
    }

    fn entry_for(&self, account: LinkedAccount) -> unicrm_core::Result<Arc<AccountEntry>> {
        let (credentials, settings, base_url) = split_credentials(&account.credentials)?;
        let owners = match self.inner.caches.owners.get(&account.id) {
            Some(o) => o,
            None => {
                let o = OwnerCache::bounded(self.inner.config.limits.owner_cache_entries);
                self.inner
                    .caches
                    .owners
                    .insert(account.id.clone(), o.clone());
                o
            }
        };
        Ok(Arc::new(AccountEntry {
            account,
            credentials,
            settings,
            base_url,
            owners,
        }))
    }

    fn cache_account(&self, entry: &Arc<AccountEntry>) {
        let a = &entry.account;
        self.inner
            .caches
            .accounts
            .insert(a.id.clone(), (entry.clone(), Instant::now()));
        self.inner
            .caches
            .by_user
            .insert(user_key(a), (a.id.clone(), Instant::now()));
    }

    /// Forgets a cached account (after a change or delete).
    pub fn invalidate_account(&self, id: &str) {
        let caches = &self.inner.caches;
        if let Some((_, (entry, _))) = caches.accounts.remove(id) {
            // A by-user entry whose account is no longer cached is never trusted on its own
            // (`account_for_user` reads the account through `cached`), so only this one needs
            // to go.
            caches
                .by_user
                .remove_if(&user_key(&entry.account), |(acc, _)| acc == id);
        }
        caches.owners.remove(id);
    }

    fn cached(&self, id: &str) -> Option<Arc<AccountEntry>> {
        let (e, at) = self.inner.caches.accounts.get(id)?;
        (at.elapsed() < self.inner.config.cache_ttl).then_some(e)
    }

    /// How many entries each in-memory cache holds now (for monitoring and tests).
    pub fn cache_sizes(&self) -> CacheSizes {
        let c = &self.inner.caches;
        CacheSizes {
            keys: c.keys.len(),
            accounts: c.accounts.len(),
            by_user: c.by_user.len(),
            owners: c.owners.len(),
            limiters: c.limiters.len(),
            refresh_locks: self
                .inner
                .refresh_locks
                .lock()
                .map(|m| m.len())
                .unwrap_or(0),
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

    /// When the account's OAuth access token is expired or about to (within a minute) and the
    /// credentials can be refreshed, refreshes them through the connector, stores the new ones
    /// (a rotated refresh token must not be lost) and answers the context with them. One refresh
    /// at a time per account: an in-process mutex, then a lease row in the store so this holds
    /// across gateway processes too. A refused refresh token is a 401 asking to re-link.
    pub async fn refresh_if_due(
        &self,
        target: &Target,
        cx: Context,
    ) -> unicrm_core::Result<Context> {
        let due = |c: &Credentials| {
            c.refresh_token.is_some()
                && c.expires_at
                    .is_some_and(|t| t <= chrono::Utc::now() + chrono::Duration::seconds(60))
        };
        if !due(&cx.credentials) {
            return Ok(cx);
        }
        let account = &target.entry.account;
        let lock = RefreshLock::take(&self.inner.refresh_locks, &account.id)?;
        let _guard = lock.lock.lock().await;
        self.refresh_locked(target, cx, due).await
    }

    async fn refresh_locked(
        &self,
        target: &Target,
        cx: Context,
        due: impl Fn(&Credentials) -> bool,
    ) -> unicrm_core::Result<Context> {
        let account = &target.entry.account;
        // Across processes: a lease row in the store (held at most a provider timeout plus
        // slack, so a process dying mid-refresh does not block the account for long).
        let lease = format!("refresh:{}", account.id);
        let lease_ttl = self.inner.config.provider_timeout + Duration::from_secs(10);
        let deadline = Instant::now() + lease_ttl;
        loop {
            match self
                .inner
                .store
                .try_lease(&lease, &self.inner.instance, lease_ttl)
                .await
            {
                Ok(true) => break,
                Ok(false) if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(25)).await
                }
                Ok(false) => {
                    return Err(Error::Timeout {
                        provider: account.provider.clone(),
                        after: lease_ttl,
                    })
                }
                Err(e) => return Err(Error::Internal(format!("refresh lease: {e}"))),
            }
        }
        let result = self.refresh_leased(target, cx, due).await;
        if let Err(e) = self
            .inner
            .store
            .release_lease(&lease, &self.inner.instance)
            .await
        {
            tracing::warn!(error = %e, "could not release a refresh lease (it expires on its own)");
        }
        result
    }

    async fn refresh_leased(
        &self,
        target: &Target,
        mut cx: Context,
        due: impl Fn(&Credentials) -> bool,
    ) -> unicrm_core::Result<Context> {
        let account = &target.entry.account;
        // Another request (or process) may have refreshed meanwhile: use what the store has now.
        let current = self
            .inner
            .store
            .account(&account.id)
            .await
            .map_err(|e| Error::Internal(format!("reading the account: {e}")))?;
        let previous = match current {
            Some(current) => {
                let (creds, _, _) = split_credentials(&current.credentials)?;
                if !due(&creds) {
                    self.invalidate_account(&account.id);
                    cx.credentials = creds;
                    return Ok(cx);
                }
                cx.credentials = creds;
                current.credentials
            }
            None => account.credentials.clone(),
        };
        let fresh = match target.connector.refresh_credentials(&cx).await {
            // A test account's refresh answer may not choose a host (`instance_url`,
            // `api_domain`): its calls go to the sandbox only.
            Ok(mut f) if account.environment == Environment::Test => {
                f.instance_url = None;
                f
            }
            Ok(f) => f,
            Err(e) if matches!(e.http_status(), 400 | 401 | 403 | 422) => {
                tracing::warn!(account = %account.id, provider = %account.provider, "the provider refused the refresh token");
                return Err(Error::Unauthorized {
                    message: format!(
                        "{} refused the refresh token of linked account {} (revoked or expired): re-link the account (PATCH /api/v1/accounts/{} with new credentials, or `unicrm accounts link`)",
                        account.provider, account.id, account.id
                    ),
                    provider: None,
                });
            }
            Err(e) => return Err(e),
        };
        let pairs = join_credentials(&fresh, &previous);
        self.inner
            .store
            .update_account(&account.project_id, &account.id, Some(pairs), None)
            .await
            .map_err(|e| Error::Internal(format!("storing refreshed credentials: {e}")))?;
        self.invalidate_account(&account.id);
        tracing::info!(account = %account.id, "refreshed and stored OAuth credentials");
        cx.credentials = fresh;
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

    /// The quota of `entry`: the connector's for live accounts, the configured one for sandbox
    /// accounts.
    pub fn quota(
        &self,
        entry: &AccountEntry,
        connector: &dyn Connector,
    ) -> Option<(u32, Duration)> {
        match entry.account.environment {
            Environment::Live => connector.info().rate_limit,
            Environment::Test => self.inner.config.sandbox_rate_limit,
        }
    }

    /// The token bucket of `entry`'s account (one per linked account, kept across requests),
    /// when it has a quota.
    fn limiter(&self, entry: &AccountEntry, connector: &dyn Connector) -> Option<RateLimiter> {
        let (calls, per) = self.quota(entry, connector)?;
        let limiters = &self.inner.caches.limiters;
        limiters
            .get_or_insert_with(&entry.account.id, || {
                Ok::<_, std::convert::Infallible>(RateLimiter::new(calls, per))
            })
            .ok()
    }

    /// With [`Config::shared_rate_limit`]: counts this call in the account's window in the
    /// store, waiting for the next window when it is full; a wait longer than the retry budget
    /// is answered as a 429 with the time to wait.
    async fn shared_budget(&self, target: &Target) -> unicrm_core::Result<()> {
        if !self.inner.config.shared_rate_limit {
            return Ok(());
        }
        let Some((calls, per)) = self.quota(&target.entry, &*target.connector) else {
            return Ok(());
        };
        let started = Instant::now();
        loop {
            let (count, ends_ms) = self
                .inner
                .store
                .count_call(&target.entry.account.id, per)
                .await
                .map_err(|e| Error::Internal(format!("rate window: {e}")))?;
            if count <= i64::from(calls) {
                return Ok(());
            }
            let wait = Duration::from_millis(
                u64::try_from(ends_ms - crate::reliability::now_ms()).unwrap_or(0) + 1,
            );
            if started.elapsed() + wait > self.inner.config.retry.max_total {
                return Err(Error::RateLimited {
                    retry_after: Some(wait),
                    message: format!(
                        "linked account {} used its quota of {calls} calls per {per:?} to {}",
                        target.entry.account.id, target.entry.account.provider
                    ),
                    provider: None,
                });
            }
            tokio::time::sleep(wait).await;
        }
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

type RefreshLocks = std::sync::Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>;

/// A handle on an account's refresh lock; when the last handle goes (the refresh is done, or
/// its request was dropped) the lock leaves the map, which so holds the locks of refreshes
/// under way only.
struct RefreshLock<'a> {
    map: &'a RefreshLocks,
    id: &'a str,
    lock: Arc<tokio::sync::Mutex<()>>,
}

impl<'a> RefreshLock<'a> {
    fn take(map: &'a RefreshLocks, id: &'a str) -> unicrm_core::Result<Self> {
        let lock = map
            .lock()
            .map_err(|_| Error::Internal("refresh lock poisoned".into()))?
            .entry(id.to_owned())
            .or_default()
            .clone();
        Ok(RefreshLock { map, id, lock })
    }
}

impl Drop for RefreshLock<'_> {
    fn drop(&mut self) {
        if let Ok(mut map) = self.map.lock() {
            // The map's handle and this one: nobody else waits on it.
            if Arc::strong_count(&self.lock) <= 2 {
                map.remove(self.id);
            }
        }
    }
}

fn user_key(a: &LinkedAccount) -> UserKey {
    (
        a.project_id.clone(),
        a.environment,
        a.provider.clone(),
        a.end_user_id.clone(),
    )
}

/// A new sandbox account: a random sandbox token as its credentials.
pub fn sandbox_account(project_id: &str, provider: &str, end_user_id: &str) -> NewAccount {
    let mut creds = BTreeMap::new();
    creds.insert("access_token".to_owned(), crypto::random_token("sbx_"));
    NewAccount {
        project_id: project_id.to_owned(),
        end_user_id: end_user_id.to_owned(),
        provider: provider.to_owned(),
        environment: Environment::Test,
        credentials: CredentialPairs(creds),
        field_mapping: Default::default(),
    }
}
