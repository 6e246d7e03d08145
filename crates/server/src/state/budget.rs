//! Rate budgets of linked accounts: the in-process token bucket per account and, with
//! [`Config::shared_rate_limit`](super::Config::shared_rate_limit), the window counted in the
//! store.

use super::{AccountEntry, Gateway, Target};
use crate::crypto::Environment;
use std::time::{Duration, Instant};
use unicrm_core::limit::RateLimiter;
use unicrm_core::{Connector, Error};

impl Gateway {
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
    pub(super) fn limiter(
        &self,
        entry: &AccountEntry,
        connector: &dyn Connector,
    ) -> Option<RateLimiter> {
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
    pub(super) async fn shared_budget(&self, target: &Target) -> unicrm_core::Result<()> {
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
}
