//! The gateway's store: projects (hashed keys) and linked accounts (encrypted credentials).
//!
//! One code path for both backends through `sqlx::Any`: the SQL is portable (TEXT columns,
//! `$n` placeholders used once each and in order, `ON CONFLICT DO NOTHING`), so SQLite (the
//! embedded default) and PostgreSQL (`postgres://…`, several gateways on one store) run the same
//! queries and the same migrations (`migrations/*.sql`, applied on start, recorded in
//! `unicrm_migrations`).

use crate::crypto::{self, Environment, KeyError, MasterKey};
use chrono::Utc;
use serde::Serialize;
use serde_json::{Map, Value};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use unicrm_core::model::format_timestamp;

/// The migrations, in order: (version, name, SQL).
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "init", include_str!("../migrations/0001_init.sql")),
    (
        2,
        "reliability",
        include_str!("../migrations/0002_reliability.sql"),
    ),
    (3, "keys", include_str!("../migrations/0003_keys.sql")),
];

/// A store failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database answered with an error.
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    /// Key or encryption trouble.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// A row holds something unreadable.
    #[error("corrupt row: {0}")]
    Corrupt(String),
    /// The database URL is not usable.
    #[error("database URL: {0}")]
    Url(String),
    /// A linked account's stored credentials do not open with this store's master key (a wrong
    /// `UNICRM_MASTER_KEY`, or a corrupted row). Names the account, never its data.
    #[error("linked account {id}: its stored credentials cannot be decrypted with this master key (wrong UNICRM_MASTER_KEY or a corrupted row); link it again with new credentials")]
    Undecryptable {
        /// The account.
        id: String,
    },
    /// The master key in use is not the store's (its key verifier does not open with it).
    #[error("the master key does not match this store: set UNICRM_MASTER_KEY to the key the store's secrets were encrypted with (after `unicrm keys rotate-master`, the new one)")]
    KeyMismatch,
    /// `rotate-master` stopped (nothing was changed): these rows do not decrypt with the current
    /// key.
    #[error("master key not rotated, nothing changed: {} stored secret(s) do not decrypt with the current key: {}", .0.len(), .0.join(", "))]
    NotRotated(Vec<String>),
    /// The API key is revoked or expired already.
    #[error("API key {0} is revoked or expired")]
    InactiveKey(String),
    /// A linked account for this project, environment, provider and end user exists already.
    #[error("a {environment} account for end user {end_user_id:?} and provider {provider:?} is linked already ({existing_id})")]
    Duplicate {
        /// Existing account id.
        existing_id: String,
        /// End user.
        end_user_id: String,
        /// Provider.
        provider: String,
        /// Environment.
        environment: Environment,
    },
}

/// A project: owns a live and a test key and its linked accounts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Project {
    /// Id (`prj_…`).
    pub id: String,
    /// Name.
    pub name: String,
    /// Creation time.
    pub created_at: String,
}

/// A project just created, with its keys in clear (shown once, never stored).
#[derive(Clone, Serialize)]
pub struct CreatedProject {
    /// The project.
    #[serde(flatten)]
    pub project: Project,
    /// `sk_live_…`.
    pub live_key: String,
    /// `sk_test_…`.
    pub test_key: String,
}

impl fmt::Debug for CreatedProject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreatedProject")
            .field("project", &self.project)
            .finish_non_exhaustive()
    }
}

/// Credential pairs of a linked account (`access_token=…`, `instance_url=…`, `base_url=…`).
/// `Debug` shows only the keys.
#[derive(Clone, Default, PartialEq)]
pub struct CredentialPairs(pub BTreeMap<String, String>);

impl fmt::Debug for CredentialPairs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

/// A linked account, credentials decrypted.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkedAccount {
    /// Id (`acc_…`), the dialect "unified" `x-account-id`.
    pub id: String,
    /// Owning project.
    pub project_id: String,
    /// The project's own id for its end user.
    pub end_user_id: String,
    /// Connector id.
    pub provider: String,
    /// Live or test.
    pub environment: Environment,
    /// Credentials (write-only over the API).
    pub credentials: CredentialPairs,
    /// Field mapping: unified custom field name → provider field (optionally per resource).
    pub field_mapping: Map<String, Value>,
    /// Creation time.
    pub created_at: String,
    /// Last change.
    pub updated_at: String,
}

/// A linked account as the API and the CLI show it: everything but the credentials.
#[derive(Debug, Clone, Serialize)]
pub struct AccountView {
    /// Id.
    pub id: String,
    /// Project.
    pub project_id: String,
    /// End user.
    pub end_user_id: String,
    /// Provider.
    pub provider: String,
    /// Environment.
    pub environment: Environment,
    /// Names of the stored credentials (values are write-only).
    pub credential_keys: Vec<String>,
    /// Field mapping.
    pub field_mapping: Map<String, Value>,
    /// Created.
    pub created_at: String,
    /// Updated.
    pub updated_at: String,
}

impl From<&LinkedAccount> for AccountView {
    fn from(a: &LinkedAccount) -> Self {
        AccountView {
            id: a.id.clone(),
            project_id: a.project_id.clone(),
            end_user_id: a.end_user_id.clone(),
            provider: a.provider.clone(),
            environment: a.environment,
            credential_keys: a.credentials.0.keys().cloned().collect(),
            field_mapping: a.field_mapping.clone(),
            created_at: a.created_at.clone(),
            updated_at: a.updated_at.clone(),
        }
    }
}

/// What to link.
#[derive(Debug, Clone)]
pub struct NewAccount {
    /// Project.
    pub project_id: String,
    /// End user.
    pub end_user_id: String,
    /// Provider.
    pub provider: String,
    /// Environment.
    pub environment: Environment,
    /// Credentials.
    pub credentials: CredentialPairs,
    /// Field mapping.
    pub field_mapping: Map<String, Value>,
}

/// A linked account whose credentials could not be decrypted: everything but them, for lists
/// that show such an account with an error instead of failing whole.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnreadableAccount {
    /// Id.
    pub id: String,
    /// Project.
    pub project_id: String,
    /// End user.
    pub end_user_id: String,
    /// Provider.
    pub provider: String,
    /// Environment.
    pub environment: Environment,
    /// Created.
    pub created_at: String,
    /// Updated.
    pub updated_at: String,
}

/// One row of [`Store::accounts_checked`].
#[derive(Debug, Clone)]
pub enum AccountRow {
    /// Readable.
    Ok(LinkedAccount),
    /// Its credentials do not decrypt with this master key.
    Unreadable(UnreadableAccount),
}

/// An API key as listed: never its secret (only its SHA-256 is stored).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKey {
    /// Id (`key_…`).
    pub id: String,
    /// Project.
    pub project_id: String,
    /// Live or test.
    pub environment: Environment,
    /// Name.
    pub name: String,
    /// Created.
    pub created_at: String,
    /// Last use seen (written at most once a minute per key and gateway process).
    pub last_used_at: Option<String>,
    /// When a rotated key stops working.
    pub expires_at: Option<String>,
    /// When the key was revoked.
    pub revoked_at: Option<String>,
    /// `active`, `expiring` (rotated, still working), `expired` or `revoked`.
    pub status: &'static str,
}

/// A key just created: its secret is in [`CreatedKey::secret`] this once.
#[derive(Clone, Serialize)]
pub struct CreatedKey {
    /// The key.
    #[serde(flatten)]
    pub key: ApiKey,
    /// `sk_live_…` / `sk_test_…`: shown once, never stored.
    pub secret: String,
}

impl fmt::Debug for CreatedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreatedKey")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

/// What an API key authenticates as.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyAuth {
    /// The project.
    pub project: Project,
    /// The key's environment.
    pub env: Environment,
    /// The key's id.
    pub key_id: String,
    /// When the key stops working (a rotated key), Unix ms.
    pub expires_ms: Option<i64>,
}

/// What [`Store::rotate_master`] re-encrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Rotated {
    /// Linked accounts' credentials.
    pub accounts: u64,
    /// Stored idempotent answers.
    pub idempotency_records: u64,
}

/// The store. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    key: MasterKey,
    backend: Backend,
    /// Whether the master key opened the store's key verifier when last checked.
    key_ok: Arc<AtomicBool>,
}

fn ms_timestamp(ms: Option<i64>) -> Option<String> {
    ms.and_then(chrono::DateTime::from_timestamp_millis)
        .map(|t| format_timestamp(&t))
}

fn row_to_key(r: &AnyRow) -> Result<ApiKey, StoreError> {
    let env: String = r.try_get("environment")?;
    let expires: Option<i64> = r.try_get("expires_ms")?;
    let revoked: Option<i64> = r.try_get("revoked_ms")?;
    let now = crate::reliability::now_ms();
    let status = match (revoked, expires) {
        (Some(_), _) => "revoked",
        (None, Some(e)) if e <= now => "expired",
        (None, Some(_)) => "expiring",
        (None, None) => "active",
    };
    Ok(ApiKey {
        id: r.try_get("id")?,
        project_id: r.try_get("project_id")?,
        environment: Environment::parse(&env)
            .ok_or_else(|| StoreError::Corrupt(format!("environment of an API key: {env}")))?,
        name: r.try_get("name")?,
        created_at: r.try_get("created_at")?,
        last_used_at: ms_timestamp(r.try_get("last_used_ms")?),
        expires_at: ms_timestamp(expires),
        revoked_at: ms_timestamp(revoked),
        status,
    })
}

const KEY_COLUMNS: &str =
    "id, project_id, environment, name, created_at, last_used_ms, expires_ms, revoked_ms";

/// Creates the SQLite file at `path` with mode 0600 when it does not exist yet, so the database
/// (and its `-wal` / `-shm`, which SQLite creates with the database file's mode) is readable by
/// its owner only; an existing file readable by others is reported.
fn prepare_private_file(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
        {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                if let Ok(meta) = std::fs::metadata(path) {
                    if meta.permissions().mode() & 0o077 != 0 {
                        tracing::warn!(path = %path.display(), mode = format!("{:o}", meta.permissions().mode() & 0o777), "the store file is readable by other users; `chmod 600` it (and its -wal/-shm)");
                    }
                }
            }
            // A missing directory and the like: SQLite reports it.
            Err(_) => {}
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// Which database a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite (file or memory).
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

impl Backend {
    /// The backend of `url`.
    pub fn of(url: &str) -> Result<Self, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::Url(format!(
                "unsupported database URL (expected sqlite:… or postgres://…): {}",
                redact_url(url)
            )))
        }
    }
}

/// The URL with any password removed, for messages.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_owned(),
    }
}

/// The file a SQLite URL names (`sqlite://unicrm.db?mode=rwc` → `unicrm.db`), if any.
pub fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite:")?;
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let path = rest.split('?').next().unwrap_or("");
    if path.is_empty() || path.contains(":memory:") {
        return None;
    }
    Some(PathBuf::from(path))
}

/// Where the generated development master key lives for a SQLite database: `<db>.key` beside it.
pub fn dev_key_path(url: &str) -> Option<PathBuf> {
    let db = sqlite_path(url)?;
    let mut name = db.file_name()?.to_os_string();
    name.push(".key");
    Some(db.with_file_name(name))
}

fn now() -> String {
    format_timestamp(&Utc::now())
}

fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::new_v4().simple())
}

impl Store {
    /// Connects to `url` and runs the migrations.
    pub async fn connect(url: &str, key: MasterKey) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = Backend::of(url)?;
        let memory = url.contains(":memory:");
        if backend == Backend::Sqlite && !memory {
            if let Some(path) = sqlite_path(url) {
                prepare_private_file(&path);
            }
        }
        let pool = AnyPoolOptions::new()
            .max_connections(if memory { 1 } else { 8 })
            // An in-memory SQLite database lives as long as its one connection.
            .idle_timeout(if memory {
                None
            } else {
                Some(std::time::Duration::from_secs(600))
            })
            .max_lifetime(if memory {
                None
            } else {
                Some(std::time::Duration::from_secs(1800))
            })
            .connect(url)
            .await?;
        if backend == Backend::Sqlite && !memory {
            // Readers do not block the writer (several gateway tasks share the file).
            sqlx::raw_sql("PRAGMA journal_mode=WAL")
                .execute(&pool)
                .await?;
        }
        let store = Store {
            pool,
            key,
            backend,
            key_ok: Arc::new(AtomicBool::new(false)),
        };
        store.migrate().await?;
        if !store.check_key().await? {
            tracing::warn!("the master key does not match this store's key verifier");
        }
        Ok(store)
    }

    /// Checks the master key against the store's key verifier (and remembers the answer for
    /// [`Store::key_matches`]). A store without a verifier yet (created before verifiers existed,
    /// or new) gets one — when the key opens the stored credentials it has.
    pub async fn check_key(&self) -> Result<bool, StoreError> {
        let ok = match self.read_verifier(&self.pool).await? {
            Some(v) => self.key.verifies(&v),
            None => self.adopt_verifier().await?,
        };
        self.key_ok.store(ok, Ordering::Relaxed);
        Ok(ok)
    }

    /// Whether the master key matched the store's verifier when last checked (at connect, by
    /// `/health`, or after a credential failed to decrypt).
    pub fn key_matches(&self) -> bool {
        self.key_ok.load(Ordering::Relaxed)
    }

    fn require_key(&self) -> Result<(), StoreError> {
        if self.key_matches() {
            Ok(())
        } else {
            Err(StoreError::KeyMismatch)
        }
    }

    async fn read_verifier<'e, E>(&self, ex: E) -> Result<Option<String>, StoreError>
    where
        E: sqlx::Executor<'e, Database = sqlx::Any>,
    {
        Ok(
            sqlx::query_scalar("SELECT verifier FROM key_verifier WHERE id = 'master'")
                .fetch_optional(ex)
                .await?,
        )
    }

    async fn adopt_verifier(&self) -> Result<bool, StoreError> {
        // Secrets stored before the verifier existed decide: a key that opens none of them is
        // not the store's key (and no verifier is written for it).
        let rows = sqlx::query(
            "SELECT id, credentials FROM linked_accounts ORDER BY created_at, id LIMIT 20",
        )
        .fetch_all(&self.pool)
        .await?;
        if !rows.is_empty() {
            let mut opened = false;
            for r in &rows {
                let id: String = r.try_get("id")?;
                let sealed: String = r.try_get("credentials")?;
                if self.key.decrypt(&sealed, &id).is_ok() {
                    opened = true;
                    break;
                }
            }
            if !opened {
                return Ok(false);
            }
        }
        sqlx::query(
            "INSERT INTO key_verifier (id, verifier, updated_at) VALUES ('master', $1, $2) ON CONFLICT (id) DO NOTHING",
        )
        .bind(self.key.verifier()?)
        .bind(now())
        .execute(&self.pool)
        .await?;
        // Two processes adopting at once: the row written first decides.
        Ok(self
            .read_verifier(&self.pool)
            .await?
            .is_some_and(|v| self.key.verifies(&v)))
    }

    /// Re-encrypts every secret of the store — linked accounts' credentials and stored
    /// idempotent answers — under `new`, and replaces the key verifier, in one transaction:
    /// a crash or error part way leaves every row and the verifier as they were (the old key
    /// stays valid), a commit switches all of them at once. Writers on other connections wait
    /// for it (SQLite's write lock is taken by the first statement; PostgreSQL's tables are
    /// locked against writes). Processes still running with the old key then fail `/health` and
    /// refuse to store secrets; restart them with the new key.
    pub async fn rotate_master(&self, new: &MasterKey) -> Result<Rotated, StoreError> {
        if new.to_base64() == self.key.to_base64() {
            return Err(StoreError::Key(KeyError::Invalid(
                "the new master key is the current one".into(),
            )));
        }
        let mut tx = self.pool.begin().await?;
        if self.backend == Backend::Postgres {
            sqlx::raw_sql(
                "LOCK TABLE key_verifier, linked_accounts, idempotency_keys IN SHARE ROW EXCLUSIVE MODE",
            )
            .execute(&mut *tx)
            .await?;
        }
        // A write first: SQLite takes its write lock here, before anything is read.
        sqlx::query("UPDATE key_verifier SET updated_at = $1 WHERE id = 'master'")
            .bind(now())
            .execute(&mut *tx)
            .await?;
        match self.read_verifier(&mut *tx).await? {
            Some(v) if self.key.verifies(&v) => {}
            _ => return Err(StoreError::KeyMismatch),
        }
        let mut unreadable = Vec::new();
        let mut done = Rotated {
            accounts: 0,
            idempotency_records: 0,
        };
        let rows =
            sqlx::query("SELECT id, credentials FROM linked_accounts ORDER BY created_at, id")
                .fetch_all(&mut *tx)
                .await?;
        for r in &rows {
            let id: String = r.try_get("id")?;
            let sealed: String = r.try_get("credentials")?;
            let Ok(plain) = self.key.decrypt(&sealed, &id) else {
                unreadable.push(id);
                continue;
            };
            sqlx::query("UPDATE linked_accounts SET credentials = $1 WHERE id = $2")
                .bind(new.encrypt(&plain, &id)?)
                .bind(&id)
                .execute(&mut *tx)
                .await?;
            done.accounts += 1;
        }
        let rows = sqlx::query(
            "SELECT project_id, account_id, idem_key, body FROM idempotency_keys WHERE body IS NOT NULL ORDER BY created_ms",
        )
        .fetch_all(&mut *tx)
        .await?;
        for r in &rows {
            let scope = crate::reliability::IdemScope {
                project_id: r.try_get("project_id")?,
                account_id: r.try_get("account_id")?,
                key: r.try_get("idem_key")?,
            };
            let stored: String = r.try_get("body")?;
            let Ok(plain) = crate::reliability::open_body(&self.key, &scope, &stored) else {
                unreadable.push(format!(
                    "idempotency record {:?} of {}",
                    scope.key, scope.account_id
                ));
                continue;
            };
            sqlx::query(
                "UPDATE idempotency_keys SET body = $1 WHERE project_id = $2 AND account_id = $3 AND idem_key = $4",
            )
            .bind(crate::reliability::seal_body(new, &scope, &plain)?)
            .bind(&scope.project_id)
            .bind(&scope.account_id)
            .bind(&scope.key)
            .execute(&mut *tx)
            .await?;
            done.idempotency_records += 1;
        }
        if !unreadable.is_empty() {
            // Dropping `tx` rolls every update above back.
            return Err(StoreError::NotRotated(unreadable));
        }
        sqlx::query("UPDATE key_verifier SET verifier = $1, updated_at = $2 WHERE id = 'master'")
            .bind(new.verifier()?)
            .bind(now())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.key_ok.store(false, Ordering::Relaxed);
        tracing::info!(
            accounts = done.accounts,
            idempotency_records = done.idempotency_records,
            "re-encrypted the store under a new master key"
        );
        Ok(done)
    }

    /// The master key (for the reliability tables' sealed answers).
    pub(crate) fn master_key(&self) -> &MasterKey {
        &self.key
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        sqlx::raw_sql(
            "CREATE TABLE IF NOT EXISTS unicrm_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
        )
        .execute(&self.pool)
        .await?;
        for (version, name, sql) in MIGRATIONS {
            let done: Option<i64> =
                sqlx::query_scalar("SELECT version FROM unicrm_migrations WHERE version = $1")
                    .bind(*version)
                    .fetch_optional(&self.pool)
                    .await?;
            if done.is_some() {
                continue;
            }
            // Statements are idempotent (IF NOT EXISTS), so two processes migrating at once
            // both succeed; the version row is written once.
            sqlx::raw_sql(sql).execute(&self.pool).await?;
            sqlx::query(
                "INSERT INTO unicrm_migrations (version, name, applied_at) VALUES ($1, $2, $3) ON CONFLICT (version) DO NOTHING",
            )
            .bind(*version)
            .bind(*name)
            .bind(now())
            .execute(&self.pool)
            .await?;
            tracing::info!(version, name, "applied store migration");
        }
        Ok(())
    }

    /// Creates a project with a new live and test key; the keys are returned once.
    pub async fn create_project(&self, name: &str) -> Result<CreatedProject, StoreError> {
        let project = Project {
            id: new_id("prj"),
            name: name.to_owned(),
            created_at: now(),
        };
        let live_key = crypto::generate_api_key(Environment::Live);
        let test_key = crypto::generate_api_key(Environment::Test);
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO projects (id, name, live_key_hash, test_key_hash, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&project.id)
        .bind(&project.name)
        .bind(crypto::hash_key(&live_key))
        .bind(crypto::hash_key(&test_key))
        .bind(&project.created_at)
        .execute(&mut *tx)
        .await?;
        // Authentication reads `api_keys` only: the project's first two keys are named "default".
        for (env, key) in [
            (Environment::Live, &live_key),
            (Environment::Test, &test_key),
        ] {
            sqlx::query(
                "INSERT INTO api_keys (id, project_id, environment, name, key_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(format!("key_{}_{}", project.id, env.as_str()))
            .bind(&project.id)
            .bind(env.as_str())
            .bind("default")
            .bind(crypto::hash_key(key))
            .bind(&project.created_at)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(CreatedProject {
            project,
            live_key,
            test_key,
        })
    }

    /// Every project.
    pub async fn projects(&self) -> Result<Vec<Project>, StoreError> {
        let rows = sqlx::query("SELECT id, name, created_at FROM projects ORDER BY created_at, id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(Project {
                    id: r.try_get("id")?,
                    name: r.try_get("name")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect()
    }

    /// One project.
    pub async fn project(&self, id: &str) -> Result<Option<Project>, StoreError> {
        Ok(self.projects().await?.into_iter().find(|p| p.id == id))
    }

    /// The project and environment an API key belongs to (hash lookup, then a constant-time
    /// comparison of the hashes); a revoked or expired key belongs to none.
    pub async fn authenticate(
        &self,
        key: &str,
    ) -> Result<Option<(Project, Environment)>, StoreError> {
        Ok(self
            .authenticate_key(key)
            .await?
            .map(|a| (a.project, a.env)))
    }

    /// What an API key authenticates as: its project, environment, id and expiry (a rotated
    /// key); `None` for an unknown, revoked or expired key.
    pub async fn authenticate_key(&self, key: &str) -> Result<Option<KeyAuth>, StoreError> {
        let Some(env) = crypto::key_environment(key) else {
            return Ok(None);
        };
        let hash = crypto::hash_key(key);
        let row = sqlx::query(
            "SELECT k.id AS key_id, k.environment AS environment, k.key_hash AS key_hash, k.expires_ms AS expires_ms, k.revoked_ms AS revoked_ms, \
             p.id AS id, p.name AS name, p.created_at AS created_at \
             FROM api_keys k JOIN projects p ON p.id = k.project_id WHERE k.key_hash = $1",
        )
        .bind(&hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let stored: String = row.try_get("key_hash")?;
        let stored_env: String = row.try_get("environment")?;
        let revoked: Option<i64> = row.try_get("revoked_ms")?;
        let expires_ms: Option<i64> = row.try_get("expires_ms")?;
        if !crypto::hashes_equal(&stored, &hash)
            || stored_env != env.as_str()
            || revoked.is_some()
            || expires_ms.is_some_and(|e| e <= crate::reliability::now_ms())
        {
            return Ok(None);
        }
        Ok(Some(KeyAuth {
            project: Project {
                id: row.try_get("id")?,
                name: row.try_get("name")?,
                created_at: row.try_get("created_at")?,
            },
            env,
            key_id: row.try_get("key_id")?,
            expires_ms,
        }))
    }

    /// Creates a named API key of `project_id` in `env`; its secret is returned this once.
    pub async fn create_key(
        &self,
        project_id: &str,
        env: Environment,
        name: &str,
    ) -> Result<CreatedKey, StoreError> {
        let mut tx = self.pool.begin().await?;
        let created = Self::insert_key(&mut tx, project_id, env, name).await?;
        tx.commit().await?;
        Ok(created)
    }

    async fn insert_key(
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        project_id: &str,
        env: Environment,
        name: &str,
    ) -> Result<CreatedKey, StoreError> {
        let secret = crypto::generate_api_key(env);
        let key = ApiKey {
            id: new_id("key"),
            project_id: project_id.to_owned(),
            environment: env,
            name: name.to_owned(),
            created_at: now(),
            last_used_at: None,
            expires_at: None,
            revoked_at: None,
            status: "active",
        };
        sqlx::query(
            "INSERT INTO api_keys (id, project_id, environment, name, key_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&key.id)
        .bind(&key.project_id)
        .bind(env.as_str())
        .bind(&key.name)
        .bind(crypto::hash_key(&secret))
        .bind(&key.created_at)
        .execute(&mut **tx)
        .await?;
        Ok(CreatedKey { key, secret })
    }

    /// The API keys of `project_id` (of one environment, or both), oldest first.
    pub async fn keys(
        &self,
        project_id: &str,
        env: Option<Environment>,
    ) -> Result<Vec<ApiKey>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {KEY_COLUMNS} FROM api_keys WHERE project_id = $1 ORDER BY created_at, id"
        ))
        .bind(project_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(row_to_key)
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .filter(|k| env.is_none_or(|e| k.environment == e))
            .collect())
    }

    /// One API key by id (of `project_id` when given).
    pub async fn key(
        &self,
        project_id: Option<&str>,
        id: &str,
    ) -> Result<Option<ApiKey>, StoreError> {
        let row = sqlx::query(&format!("SELECT {KEY_COLUMNS} FROM api_keys WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        let Some(key) = row.as_ref().map(row_to_key).transpose()? else {
            return Ok(None);
        };
        Ok(project_id
            .is_none_or(|p| p == key.project_id)
            .then_some(key))
    }

    /// Revokes an API key at once (of `project_id` when given); `None` when there is no such key.
    /// Revoking a revoked key changes nothing.
    pub async fn revoke_key(
        &self,
        project_id: Option<&str>,
        id: &str,
    ) -> Result<Option<ApiKey>, StoreError> {
        if self.key(project_id, id).await?.is_none() {
            return Ok(None);
        }
        sqlx::query("UPDATE api_keys SET revoked_ms = $1 WHERE id = $2 AND revoked_ms IS NULL")
            .bind(crate::reliability::now_ms())
            .bind(id)
            .execute(&self.pool)
            .await?;
        self.key(project_id, id).await
    }

    /// Rotates an API key (of `project_id` when given): a new key of the same name and
    /// environment, returned with its secret; the old one keeps working for `overlap` (not past
    /// an earlier expiry), then stops. `None` when there is no such key; a revoked or expired
    /// key cannot be rotated.
    pub async fn rotate_key(
        &self,
        project_id: Option<&str>,
        id: &str,
        overlap: Duration,
    ) -> Result<Option<(CreatedKey, ApiKey)>, StoreError> {
        let Some(old) = self.key(project_id, id).await? else {
            return Ok(None);
        };
        if matches!(old.status, "revoked" | "expired") {
            return Err(StoreError::InactiveKey(old.id));
        }
        let until = crate::reliability::now_ms()
            .saturating_add(i64::try_from(overlap.as_millis()).unwrap_or(i64::MAX));
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE api_keys SET expires_ms = $1 WHERE id = $2 AND revoked_ms IS NULL AND (expires_ms IS NULL OR expires_ms > $3)",
        )
        .bind(until)
        .bind(id)
        .bind(until)
        .execute(&mut *tx)
        .await?;
        let _ = done;
        let created =
            Self::insert_key(&mut tx, &old.project_id, old.environment, &old.name).await?;
        tx.commit().await?;
        let old = self.key(project_id, id).await?.unwrap_or(old);
        Ok(Some((created, old)))
    }

    /// Records that API key `id` was used at `at_ms` (never moves the time back).
    pub async fn touch_key(&self, id: &str, at_ms: i64) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE api_keys SET last_used_ms = $1 WHERE id = $2 AND (last_used_ms IS NULL OR last_used_ms < $3)",
        )
        .bind(at_ms)
        .bind(id)
        .bind(at_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Links an account. A second account for the same project, environment, provider and end
    /// user is refused with [`StoreError::Duplicate`].
    pub async fn link_account(&self, new: NewAccount) -> Result<LinkedAccount, StoreError> {
        // A secret sealed with a key that is not the store's could never be read back.
        self.require_key()?;
        let at = now();
        let account = LinkedAccount {
            id: new_id("acc"),
            project_id: new.project_id,
            end_user_id: new.end_user_id,
            provider: new.provider,
            environment: new.environment,
            credentials: new.credentials,
            field_mapping: new.field_mapping,
            created_at: at.clone(),
            updated_at: at,
        };
        let creds = serde_json::to_vec(&account.credentials.0)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let sealed = self.key.encrypt(&creds, &account.id)?;
        let done = sqlx::query(
            "INSERT INTO linked_accounts (id, project_id, end_user_id, provider, environment, credentials, field_mapping, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (project_id, environment, provider, end_user_id) DO NOTHING",
        )
        .bind(&account.id)
        .bind(&account.project_id)
        .bind(&account.end_user_id)
        .bind(&account.provider)
        .bind(account.environment.as_str())
        .bind(sealed)
        .bind(Value::Object(account.field_mapping.clone()).to_string())
        .bind(&account.created_at)
        .bind(&account.updated_at)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            let existing = self
                .find_account(
                    &account.project_id,
                    account.environment,
                    &account.provider,
                    &account.end_user_id,
                )
                .await?;
            return Err(StoreError::Duplicate {
                existing_id: existing.map(|a| a.id).unwrap_or_default(),
                end_user_id: account.end_user_id,
                provider: account.provider,
                environment: account.environment,
            });
        }
        Ok(account)
    }

    /// Links the account, or answers the one already linked for the same
    /// (project, environment, provider, end user) — race-free across processes.
    pub async fn link_or_get(&self, new: NewAccount) -> Result<LinkedAccount, StoreError> {
        let (project, env, provider, user) = (
            new.project_id.clone(),
            new.environment,
            new.provider.clone(),
            new.end_user_id.clone(),
        );
        match self.link_account(new).await {
            Ok(a) => Ok(a),
            Err(StoreError::Duplicate { .. }) => self
                .find_account(&project, env, &provider, &user)
                .await?
                .ok_or_else(|| StoreError::Corrupt("linked account vanished".into())),
            Err(e) => Err(e),
        }
    }

    fn row_to_account(&self, r: &AnyRow) -> Result<LinkedAccount, StoreError> {
        let id: String = r.try_get("id")?;
        let env: String = r.try_get("environment")?;
        let sealed: String = r.try_get("credentials")?;
        let mapping: String = r.try_get("field_mapping")?;
        let Ok(plain) = self.key.decrypt(&sealed, &id) else {
            tracing::warn!(account = %id, "stored credentials of a linked account do not decrypt with this master key");
            return Err(StoreError::Undecryptable { id });
        };
        let creds: BTreeMap<String, String> = serde_json::from_slice(&plain)
            .map_err(|e| StoreError::Corrupt(format!("credentials of {id}: {e}")))?;
        let field_mapping = match serde_json::from_str(&mapping) {
            Ok(Value::Object(m)) => m,
            _ => return Err(StoreError::Corrupt(format!("field_mapping of {id}"))),
        };
        Ok(LinkedAccount {
            environment: Environment::parse(&env)
                .ok_or_else(|| StoreError::Corrupt(format!("environment of {id}: {env}")))?,
            project_id: r.try_get("project_id")?,
            end_user_id: r.try_get("end_user_id")?,
            provider: r.try_get("provider")?,
            credentials: CredentialPairs(creds),
            field_mapping,
            created_at: r.try_get("created_at")?,
            updated_at: r.try_get("updated_at")?,
            id,
        })
    }

    /// One linked account by id.
    pub async fn account(&self, id: &str) -> Result<Option<LinkedAccount>, StoreError> {
        let row = sqlx::query("SELECT * FROM linked_accounts WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(|r| self.row_to_account(r)).transpose()
    }

    /// The account linked for (project, environment, provider, end user).
    pub async fn find_account(
        &self,
        project_id: &str,
        env: Environment,
        provider: &str,
        end_user_id: &str,
    ) -> Result<Option<LinkedAccount>, StoreError> {
        let row = sqlx::query(
            "SELECT * FROM linked_accounts WHERE project_id = $1 AND environment = $2 AND provider = $3 AND end_user_id = $4",
        )
        .bind(project_id)
        .bind(env.as_str())
        .bind(provider)
        .bind(end_user_id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(|r| self.row_to_account(r)).transpose()
    }

    /// How many accounts `project_id` has linked in `env` (for its quota).
    pub async fn count_accounts(
        &self,
        project_id: &str,
        env: Environment,
    ) -> Result<u64, StoreError> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM linked_accounts WHERE project_id = $1 AND environment = $2",
        )
        .bind(project_id)
        .bind(env.as_str())
        .fetch_one(&self.pool)
        .await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Linked accounts, of one project or of all (accounts whose credentials do not decrypt are
    /// left out; see [`Store::accounts_checked`]).
    pub async fn accounts(
        &self,
        project_id: Option<&str>,
    ) -> Result<Vec<LinkedAccount>, StoreError> {
        Ok(self
            .accounts_checked(project_id)
            .await?
            .into_iter()
            .filter_map(|row| match row {
                AccountRow::Ok(a) => Some(a),
                _ => None,
            })
            .collect())
    }

    /// Linked accounts, of one project or of all, with the ones whose credentials do not decrypt
    /// as [`AccountRow::Unreadable`] (one bad row does not fail the list).
    pub async fn accounts_checked(
        &self,
        project_id: Option<&str>,
    ) -> Result<Vec<AccountRow>, StoreError> {
        let rows =
            match project_id {
                Some(p) => sqlx::query(
                    "SELECT * FROM linked_accounts WHERE project_id = $1 ORDER BY created_at, id",
                )
                .bind(p)
                .fetch_all(&self.pool)
                .await?,
                None => {
                    sqlx::query("SELECT * FROM linked_accounts ORDER BY created_at, id")
                        .fetch_all(&self.pool)
                        .await?
                }
            };
        self.checked_rows(&rows)
    }

    fn checked_rows(&self, rows: &[AnyRow]) -> Result<Vec<AccountRow>, StoreError> {
        rows.iter()
            .map(|r| match self.row_to_account(r) {
                Ok(a) => Ok(AccountRow::Ok(a)),
                Err(StoreError::Undecryptable { id }) => {
                    let env: String = r.try_get("environment")?;
                    Ok(AccountRow::Unreadable(UnreadableAccount {
                        environment: Environment::parse(&env).ok_or_else(|| {
                            StoreError::Corrupt(format!("environment of {id}: {env}"))
                        })?,
                        project_id: r.try_get("project_id")?,
                        end_user_id: r.try_get("end_user_id")?,
                        provider: r.try_get("provider")?,
                        created_at: r.try_get("created_at")?,
                        updated_at: r.try_get("updated_at")?,
                        id,
                    }))
                }
                Err(e) => Err(e),
            })
            .collect()
    }

    /// Replaces the credentials and/or the field mapping of an account of `project_id`.
    pub async fn update_account(
        &self,
        project_id: &str,
        id: &str,
        credentials: Option<CredentialPairs>,
        field_mapping: Option<Map<String, Value>>,
    ) -> Result<Option<LinkedAccount>, StoreError> {
        self.require_key()?;
        let Some(mut account) = self.account(id).await? else {
            return Ok(None);
        };
        if account.project_id != project_id {
            return Ok(None);
        }
        if let Some(c) = credentials {
            account.credentials = c;
        }
        if let Some(m) = field_mapping {
            account.field_mapping = m;
        }
        account.updated_at = now();
        let creds = serde_json::to_vec(&account.credentials.0)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let sealed = self.key.encrypt(&creds, &account.id)?;
        sqlx::query(
            "UPDATE linked_accounts SET credentials = $1, field_mapping = $2, updated_at = $3 WHERE id = $4",
        )
        .bind(sealed)
        .bind(Value::Object(account.field_mapping.clone()).to_string())
        .bind(&account.updated_at)
        .bind(&account.id)
        .execute(&self.pool)
        .await?;
        Ok(Some(account))
    }

    /// Deletes a linked account of `project_id`; false when there was none.
    pub async fn delete_account(&self, project_id: &str, id: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM linked_accounts WHERE id = $1 AND project_id = $2")
            .bind(id)
            .bind(project_id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Deletes a linked account of `project_id` in `env` (its credentials are not read);
    /// false when there was none.
    pub async fn delete_account_in(
        &self,
        project_id: &str,
        env: Environment,
        id: &str,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "DELETE FROM linked_accounts WHERE id = $1 AND project_id = $2 AND environment = $3",
        )
        .bind(id)
        .bind(project_id)
        .bind(env.as_str())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// The pool (for the reliability tables in [`crate::reliability`]).
    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Whether the store has no project yet.
    pub async fn is_empty(&self) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM projects")
            .fetch_one(&self.pool)
            .await?;
        Ok(n == 0)
    }
}
