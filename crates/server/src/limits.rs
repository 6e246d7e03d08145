//! Quotas and size limits of what a project may store, and the bounds of the gateway's
//! in-memory caches ([`Limits`], part of [`crate::Config`]).
//!
//! Every limit answers a 4xx in the dialect's envelope naming the field (sizes, 400) or the
//! limit (quota, 403) — never a panic, a 500 or unbounded growth.

use crate::crypto::Environment;
use crate::error::ApiError;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use unicrm_core::dialect::Dialect;
use unicrm_core::Error;

/// Quotas, size limits and cache bounds. The defaults are generous for real use and small
/// enough that one project (or one leaked test key) cannot grow the store or the process
/// without bound.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Most linked accounts a project may have in its live environment (default 100,000).
    pub max_live_accounts: u64,
    /// Most linked accounts a project may have in its test environment, sandbox accounts linked
    /// on first use by a `sk_test_` key included (default 1,000).
    pub max_test_accounts: u64,
    /// Largest credential or setting value, in bytes (default 16 KiB: OAuth tokens and JWTs
    /// are a few KiB at most).
    pub max_credential_value_bytes: usize,
    /// Largest credential or setting name, in bytes (default 128).
    pub max_credential_key_bytes: usize,
    /// Most credential pairs of one account, `setting.<name>` pairs included (default 64).
    pub max_credential_pairs: usize,
    /// Most field-mapping entries of one account, entries of per-resource objects included
    /// (default 512).
    pub max_field_mappings: usize,
    /// Longest id the gateway stores or looks up: `endUserId`, linked account ids
    /// (`x-account-id`, `/api/v1/accounts/{id}`), in bytes (default 256).
    pub max_id_bytes: usize,
    /// Entries of each in-memory cache (API keys, linked accounts, end user → account, owner
    /// caches, rate limiters); the least useful entries are evicted past it (default 10,000).
    pub cache_entries: usize,
    /// Owners kept per linked account's owner cache (default 1,000).
    pub owner_cache_entries: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_live_accounts: 100_000,
            max_test_accounts: 1_000,
            max_credential_value_bytes: 16 * 1024,
            max_credential_key_bytes: 128,
            max_credential_pairs: 64,
            max_field_mappings: 512,
            max_id_bytes: 256,
            cache_entries: 10_000,
            owner_cache_entries: 1_000,
        }
    }
}

impl Limits {
    /// The account quota of `env`.
    pub fn max_accounts(&self, env: Environment) -> u64 {
        match env {
            Environment::Live => self.max_live_accounts,
            Environment::Test => self.max_test_accounts,
        }
    }

    /// The name of `env`'s quota (as in error messages and `unicrm serve` flags).
    pub fn quota_name(env: Environment) -> &'static str {
        match env {
            Environment::Live => "max_live_accounts",
            Environment::Test => "max_test_accounts",
        }
    }

    /// A 400 naming `field` when `value` is longer than [`Limits::max_id_bytes`].
    pub fn check_id(&self, dialect: Dialect, field: &str, value: &str) -> Result<(), ApiError> {
        if value.len() > self.max_id_bytes {
            return Err(ApiError::invalid(
                dialect,
                field,
                format!(
                    "too long: {} bytes, at most {} (max_id_bytes)",
                    value.len(),
                    self.max_id_bytes
                ),
            ));
        }
        Ok(())
    }

    /// Checks the number and sizes of credential pairs; a 400 names the offending pair.
    pub fn check_credentials(
        &self,
        dialect: Dialect,
        pairs: &BTreeMap<String, String>,
    ) -> Result<(), ApiError> {
        if pairs.len() > self.max_credential_pairs {
            return Err(ApiError::invalid(
                dialect,
                "credentials",
                format!(
                    "too many pairs: {}, at most {} (max_credential_pairs)",
                    pairs.len(),
                    self.max_credential_pairs
                ),
            ));
        }
        for (k, v) in pairs {
            if k.len() > self.max_credential_key_bytes {
                // The name itself may be the oversized part: name a prefix only.
                let shown: String = k.chars().take(32).collect();
                return Err(ApiError::invalid(
                    dialect,
                    "credentials",
                    format!(
                        "name {shown:?}… is {} bytes, at most {} (max_credential_key_bytes)",
                        k.len(),
                        self.max_credential_key_bytes
                    ),
                ));
            }
            if v.len() > self.max_credential_value_bytes {
                return Err(ApiError::invalid(
                    dialect,
                    format!("credentials.{k}"),
                    format!(
                        "value too large: {} bytes, at most {} (max_credential_value_bytes)",
                        v.len(),
                        self.max_credential_value_bytes
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Checks the number of field-mapping entries (nested ones counted).
    pub fn check_field_mapping(
        &self,
        dialect: Dialect,
        mapping: &Map<String, Value>,
    ) -> Result<(), ApiError> {
        let entries: usize = mapping
            .values()
            .map(|v| match v {
                Value::Object(inner) => inner.len().max(1),
                _ => 1,
            })
            .sum();
        if entries > self.max_field_mappings {
            return Err(ApiError::invalid(
                dialect,
                "fieldMapping",
                format!(
                    "too many entries: {entries}, at most {} (max_field_mappings)",
                    self.max_field_mappings
                ),
            ));
        }
        Ok(())
    }

    /// The 403 answered when a project's `env` quota is used up.
    pub fn quota_error(&self, dialect: Dialect, env: Environment, linked: u64) -> ApiError {
        ApiError::new(
            dialect,
            Error::Forbidden {
                message: format!(
                    "account quota reached: this project has {linked} linked accounts in its {env} environment, at most {} ({}); delete accounts (DELETE /api/v1/accounts/{{id}}) or ask the operator to raise the limit",
                    self.max_accounts(env),
                    Self::quota_name(env),
                ),
                provider: None,
            },
        )
    }
}
