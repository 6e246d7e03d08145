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
use std::path::PathBuf;
use unicrm_core::model::format_timestamp;

/// The migrations, in order: (version, name, SQL).
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "init", include_str!("../migrations/0001_init.sql")),
    (
        2,
        "reliability",
        include_str!("../migrations/0002_reliability.sql"),
    ),
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

/// The store. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    key: MasterKey,
    backend: Backend,
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
        let store = Store { pool, key, backend };
        store.migrate().await?;
        Ok(store)
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
        sqlx::query(
            "INSERT INTO projects (id, name, live_key_hash, test_key_hash, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&project.id)
        .bind(&project.name)
        .bind(crypto::hash_key(&live_key))
        .bind(crypto::hash_key(&test_key))
        .bind(&project.created_at)
        .execute(&self.pool)
        .await?;
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
    /// comparison of the hashes).
    pub async fn authenticate(
        &self,
        key: &str,
    ) -> Result<Option<(Project, Environment)>, StoreError> {
        let Some(env) = crypto::key_environment(key) else {
            return Ok(None);
        };
        let hash = crypto::hash_key(key);
        let column = match env {
            Environment::Live => "live_key_hash",
            Environment::Test => "test_key_hash",
        };
        let row = sqlx::query(&format!(
            "SELECT id, name, created_at, {column} AS key_hash FROM projects WHERE {column} = $1"
        ))
        .bind(&hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let stored: String = row.try_get("key_hash")?;
        if !crypto::hashes_equal(&stored, &hash) {
            return Ok(None);
        }
        Ok(Some((
            Project {
                id: row.try_get("id")?,
                name: row.try_get("name")?,
                created_at: row.try_get("created_at")?,
            },
            env,
        )))
    }

    /// Links an account. A second account for the same project, environment, provider and end
    /// user is refused with [`StoreError::Duplicate`].
    pub async fn link_account(&self, new: NewAccount) -> Result<LinkedAccount, StoreError> {
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
        let creds: BTreeMap<String, String> =
            serde_json::from_slice(&self.key.decrypt(&sealed, &id)?)
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

    /// Linked accounts, of one project or of all.
    pub async fn accounts(
        &self,
        project_id: Option<&str>,
    ) -> Result<Vec<LinkedAccount>, StoreError> {
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
        rows.iter().map(|r| self.row_to_account(r)).collect()
    }

    /// Replaces the credentials and/or the field mapping of an account of `project_id`.
    pub async fn update_account(
        &self,
        project_id: &str,
        id: &str,
        credentials: Option<CredentialPairs>,
        field_mapping: Option<Map<String, Value>>,
    ) -> Result<Option<LinkedAccount>, StoreError> {
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
