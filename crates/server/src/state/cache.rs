//! The in-memory caches of API keys, linked accounts (by id and by end user), owner lookups and
//! rate limiters, and their invalidation.

use super::{split_credentials, AccountEntry, Gateway};
use crate::crypto::Environment;
use crate::limits::Limits;
use crate::store::{KeyAuth, LinkedAccount};
use quick_cache::sync::Cache;
use std::sync::Arc;
use std::time::Instant;
use unicrm_core::limit::RateLimiter;
use unicrm_core::OwnerCache;

/// (project, environment, provider, end user).
pub(super) type UserKey = (String, Environment, String, String);

/// The in-memory caches, each bounded by [`Limits::cache_entries`] (quick_cache's S3-FIFO
/// eviction: entries used once go first, hot ones stay).
pub(super) struct Caches {
    pub(super) keys: Cache<String, (KeyAuth, Instant)>,
    pub(super) accounts: Cache<String, (Arc<AccountEntry>, Instant)>,
    pub(super) by_user: Cache<UserKey, (String, Instant)>,
    pub(super) owners: Cache<String, OwnerCache>,
    pub(super) limiters: Cache<String, RateLimiter>,
}

impl Caches {
    pub(super) fn new(limits: &Limits) -> Self {
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

impl Gateway {
    /// Forgets the cached entries of API key `id` (after a revoke or rotation through this
    /// process).
    pub fn invalidate_key(&self, id: &str) {
        self.inner
            .caches
            .keys
            .retain(|_, (auth, _)| auth.key_id != id);
    }

    pub(super) fn entry_for(
        &self,
        account: LinkedAccount,
    ) -> unicrm_core::Result<Arc<AccountEntry>> {
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

    pub(super) fn cache_account(&self, entry: &Arc<AccountEntry>) {
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

    pub(super) fn cached(&self, id: &str) -> Option<Arc<AccountEntry>> {
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
}

pub(super) fn user_key(a: &LinkedAccount) -> UserKey {
    (
        a.project_id.clone(),
        a.environment,
        a.provider.clone(),
        a.end_user_id.clone(),
    )
}
