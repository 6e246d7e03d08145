//! OAuth refresh of linked accounts: the one "due" policy and grant of
//! [`unicrm_core::raw::oauth`] (through the connector's `refresh_credentials`), one refresh at
//! a time per account (an in-process lock, then a lease row in the store across processes), and
//! the refreshed credentials stored before they are used.

use super::{join_credentials, split_credentials, Gateway, Target};
use crate::crypto::Environment;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use unicrm_core::{Context, Credentials, Error};

impl Gateway {
    /// When the account's OAuth access token is due ([`unicrm_core::raw::oauth::is_due`]: missing,
    /// expired or expiring within [`unicrm_core::raw::oauth::REFRESH_MARGIN`]) and the
    /// credentials hold a refresh token, refreshes them through the connector's
    /// `refresh_credentials` (core's one grant on its declared endpoints), stores the new ones
    /// (a rotated refresh token must not be lost) and answers the context with them. One refresh
    /// at a time per account: an in-process mutex, then a lease row in the store so this holds
    /// across gateway processes too. A refused refresh token is a 401 asking to re-link.
    pub async fn refresh_if_due(
        &self,
        target: &Target,
        cx: Context,
    ) -> unicrm_core::Result<Context> {
        // The one policy of every connector (`raw::oauth::is_due`, 60 s margin).
        let due = |c: &Credentials| unicrm_core::raw::oauth::is_due(c, chrono::Utc::now());
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
}

pub(super) type RefreshLocks = std::sync::Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>;

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
