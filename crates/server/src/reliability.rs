//! State that must hold across gateway processes sharing one store: idempotency records, named
//! leases (one OAuth refresh per account at a time) and per-account rate windows.
//!
//! Everything here is plain portable SQL on the store's pool (SQLite and PostgreSQL alike):
//! "insert first, the primary key decides" instead of row locks or advisory locks, so no database
//! connection is held while a provider call runs (a pool of 8 connections would otherwise cap
//! the gateway at 8 concurrent idempotent calls), and a process that dies mid-call leaves a row
//! that expires instead of a lock that must be cleaned up by hand.

use crate::crypto::{KeyError, MasterKey};
use crate::store::{Store, StoreError};
use sqlx::Row;
use std::time::Duration;

/// How a stored idempotent answer starts once sealed; one without it is from before answers
/// were encrypted (read as is, re-encrypted by `unicrm keys rotate-master`).
const SEALED: &str = "enc1:";

/// The additional data binding a sealed answer to its row (it cannot be moved to another key).
fn body_aad(scope: &IdemScope) -> String {
    format!(
        "idem\u{0}{}\u{0}{}\u{0}{}",
        scope.project_id, scope.account_id, scope.key
    )
}

/// An idempotent answer as stored: AES-256-GCM under the master key, bound to its scope (the
/// answers are CRM records — personal data — kept for 24 h).
pub(crate) fn seal_body(
    key: &MasterKey,
    scope: &IdemScope,
    body: &str,
) -> Result<String, KeyError> {
    Ok(format!(
        "{SEALED}{}",
        key.encrypt(body.as_bytes(), &body_aad(scope))?
    ))
}

/// A stored answer back in clear.
pub(crate) fn open_body(
    key: &MasterKey,
    scope: &IdemScope,
    stored: &str,
) -> Result<String, KeyError> {
    match stored.strip_prefix(SEALED) {
        Some(sealed) => {
            String::from_utf8(key.decrypt(sealed, &body_aad(scope))?).map_err(|_| KeyError::Decrypt)
        }
        None => Ok(stored.to_owned()),
    }
}

/// How long a stored idempotent result is replayed.
pub const IDEMPOTENCY_TTL: Duration = Duration::from_secs(24 * 60 * 60);

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// The scope of an idempotency key: project + linked account + the client's key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdemScope {
    /// Project.
    pub project_id: String,
    /// Linked account.
    pub account_id: String,
    /// The `Idempotency-Key` header.
    pub key: String,
}

/// What the store says about an idempotency key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdemState {
    /// This request owns the key now: run the call, then [`Store::idem_finish`] or
    /// [`Store::idem_release`].
    Owned,
    /// A stored result (status, body) for the same request.
    Done(u16, String),
    /// Another request with the key is running the call.
    Pending,
    /// The key was used for a different request.
    Mismatch,
    /// This request owns the key now, which an earlier request held without a result: its
    /// process died mid-call (a stale `pending` row), or its create's outcome was unknown (a
    /// parked row, see [`Store::idem_park`]). That earlier request may have sent the create, so
    /// it must be looked for at the provider before anything is sent.
    Resumed(IdemPrior),
}

/// What a resumed key knows of the earlier request(s) that held it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdemPrior {
    /// When the key was first claimed (ms): no create for it was sent earlier.
    pub created_ms: i64,
    /// When an earlier request last may have sent the call (ms): its park time, or the claim
    /// time of a dead owner.
    pub sent_ms: i64,
}

/// The owner of a parked row: nobody runs its call; the next request with the key resumes it.
const PARKED: &str = "";

impl Store {
    /// Claims `scope` for a request with `fingerprint` (a hash of method, path and body),
    /// owned by `owner`. A pending row older than `stale_after` (its owner died) is taken over;
    /// a row older than [`IDEMPOTENCY_TTL`] is forgotten.
    pub async fn idem_claim(
        &self,
        scope: &IdemScope,
        fingerprint: &str,
        owner: &str,
        stale_after: Duration,
    ) -> Result<IdemState, StoreError> {
        let pool = self.pool();
        let now = now_ms();
        // Forget an expired record of this key first (the TTL is per key).
        sqlx::query(
            "DELETE FROM idempotency_keys WHERE project_id = $1 AND account_id = $2 AND idem_key = $3 AND created_ms < $4",
        )
        .bind(&scope.project_id)
        .bind(&scope.account_id)
        .bind(&scope.key)
        .bind(now - ms(IDEMPOTENCY_TTL))
        .execute(pool)
        .await?;
        let inserted = sqlx::query(
            "INSERT INTO idempotency_keys (project_id, account_id, idem_key, fingerprint, state, status, body, owner, created_ms, updated_ms) \
             VALUES ($1, $2, $3, $4, 'pending', NULL, NULL, $5, $6, $7) \
             ON CONFLICT (project_id, account_id, idem_key) DO NOTHING",
        )
        .bind(&scope.project_id)
        .bind(&scope.account_id)
        .bind(&scope.key)
        .bind(fingerprint)
        .bind(owner)
        .bind(now)
        .bind(now)
        .execute(pool)
        .await?;
        if inserted.rows_affected() == 1 {
            return Ok(IdemState::Owned);
        }
        let row = sqlx::query(
            "SELECT fingerprint, state, status, body, owner, created_ms, updated_ms FROM idempotency_keys WHERE project_id = $1 AND account_id = $2 AND idem_key = $3",
        )
        .bind(&scope.project_id)
        .bind(&scope.account_id)
        .bind(&scope.key)
        .fetch_optional(pool)
        .await?;
        let Some(row) = row else {
            // Released between our insert and select: try again next poll.
            return Ok(IdemState::Pending);
        };
        let stored: String = row.try_get("fingerprint")?;
        if stored != fingerprint {
            return Ok(IdemState::Mismatch);
        }
        let row_owner: String = row.try_get("owner")?;
        let created: i64 = row.try_get("created_ms")?;
        let state: String = row.try_get("state")?;
        if state == "done" {
            let status: i64 = row.try_get("status")?;
            let stored: String = row.try_get("body")?;
            let body = open_body(self.master_key(), scope, &stored).map_err(|_| {
                tracing::warn!(key = %scope.key, account = %scope.account_id, "a stored idempotent answer does not decrypt with this master key");
                StoreError::Key(KeyError::Decrypt)
            })?;
            return Ok(IdemState::Done(
                u16::try_from(status)
                    .map_err(|_| StoreError::Corrupt("idempotency status".into()))?,
                body,
            ));
        }
        let updated: i64 = row.try_get("updated_ms")?;
        let parked = row_owner == PARKED;
        if parked || updated < now - ms(stale_after) {
            // Take over a parked or stale pending row; the conditional update (on the owner and
            // time seen) lets one taker win.
            let took = sqlx::query(
                "UPDATE idempotency_keys SET owner = $1, updated_ms = $2 WHERE project_id = $3 AND account_id = $4 AND idem_key = $5 AND state = 'pending' AND updated_ms = $6 AND owner = $7",
            )
            .bind(owner)
            .bind(now)
            .bind(&scope.project_id)
            .bind(&scope.account_id)
            .bind(&scope.key)
            .bind(updated)
            .bind(&row_owner)
            .execute(pool)
            .await?;
            if took.rows_affected() == 1 {
                if !parked {
                    tracing::warn!(key = %scope.key, "took over a stale idempotency record");
                }
                return Ok(IdemState::Resumed(IdemPrior {
                    created_ms: created,
                    sent_ms: updated,
                }));
            }
        }
        Ok(IdemState::Pending)
    }

    /// Stores the result of an owned key (the body encrypted under the master key).
    pub async fn idem_finish(
        &self,
        scope: &IdemScope,
        owner: &str,
        status: u16,
        body: &str,
    ) -> Result<(), StoreError> {
        let body = seal_body(self.master_key(), scope, body)?;
        sqlx::query(
            "UPDATE idempotency_keys SET state = 'done', status = $1, body = $2, updated_ms = $3 WHERE project_id = $4 AND account_id = $5 AND idem_key = $6 AND owner = $7",
        )
        .bind(i64::from(status))
        .bind(&body)
        .bind(now_ms())
        .bind(&scope.project_id)
        .bind(&scope.account_id)
        .bind(&scope.key)
        .bind(owner)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Gives up an owned key without a result (the call may be retried with the same key).
    pub async fn idem_release(&self, scope: &IdemScope, owner: &str) -> Result<(), StoreError> {
        sqlx::query(
            "DELETE FROM idempotency_keys WHERE project_id = $1 AND account_id = $2 AND idem_key = $3 AND owner = $4 AND state = 'pending'",
        )
        .bind(&scope.project_id)
        .bind(&scope.account_id)
        .bind(&scope.key)
        .bind(owner)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Parks an owned key whose create's outcome is unknown: the row stays `pending` without an
    /// owner, so no repeat creates anew; the next request with the key resumes it at once
    /// ([`IdemState::Resumed`] with `sent_ms`) and looks for the record first.
    pub async fn idem_park(
        &self,
        scope: &IdemScope,
        owner: &str,
        sent_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE idempotency_keys SET owner = $1, updated_ms = $2 WHERE project_id = $3 AND account_id = $4 AND idem_key = $5 AND owner = $6 AND state = 'pending'",
        )
        .bind(PARKED)
        .bind(sent_ms)
        .bind(&scope.project_id)
        .bind(&scope.account_id)
        .bind(&scope.key)
        .bind(owner)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Deletes idempotency records older than [`IDEMPOTENCY_TTL`] and old rate windows.
    pub async fn purge_expired(&self) -> Result<u64, StoreError> {
        let now = now_ms();
        let a = sqlx::query("DELETE FROM idempotency_keys WHERE created_ms < $1")
            .bind(now - ms(IDEMPOTENCY_TTL))
            .execute(self.pool())
            .await?;
        sqlx::query("DELETE FROM rate_windows WHERE window_ms < $1")
            .bind(now - ms(Duration::from_secs(2 * 24 * 60 * 60)))
            .execute(self.pool())
            .await?;
        Ok(a.rows_affected())
    }

    /// Tries to take lease `name` for `owner` until `ttl` from now: true when taken (free,
    /// expired, or held by `owner` already).
    pub async fn try_lease(
        &self,
        name: &str,
        owner: &str,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        let now = now_ms();
        let inserted = sqlx::query(
            "INSERT INTO leases (name, owner, expires_ms) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(owner)
        .bind(now + ms(ttl))
        .execute(self.pool())
        .await?;
        if inserted.rows_affected() == 1 {
            return Ok(true);
        }
        let took = sqlx::query(
            "UPDATE leases SET owner = $1, expires_ms = $2 WHERE name = $3 AND (expires_ms < $4 OR owner = $5)",
        )
        .bind(owner)
        .bind(now + ms(ttl))
        .bind(name)
        .bind(now)
        .bind(owner)
        .execute(self.pool())
        .await?;
        Ok(took.rows_affected() == 1)
    }

    /// Releases lease `name` when `owner` holds it.
    pub async fn release_lease(&self, name: &str, owner: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM leases WHERE name = $1 AND owner = $2")
            .bind(name)
            .bind(owner)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Counts one call of `account_id` in the fixed window of length `window` containing now;
    /// answers the count so far in that window and when the window ends (ms).
    pub async fn count_call(
        &self,
        account_id: &str,
        window: Duration,
    ) -> Result<(i64, i64), StoreError> {
        let len = ms(window).max(1);
        let start = now_ms() / len * len;
        let calls: i64 = sqlx::query_scalar(
            "INSERT INTO rate_windows (account_id, window_ms, calls) VALUES ($1, $2, 1) \
             ON CONFLICT (account_id, window_ms) DO UPDATE SET calls = rate_windows.calls + 1 \
             RETURNING calls",
        )
        .bind(account_id)
        .bind(start)
        .fetch_one(self.pool())
        .await?;
        Ok((calls, start + len))
    }
}
