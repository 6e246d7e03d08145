//! # unicrm-server
//!
//! The unicrm gateway as a library: an axum [`Router`] serving both API dialects over every
//! registered connector — dialect "unified" (`/unified/crm/…`, StackOne-style, `Basic` key +
//! `x-account-id`) and dialect "v1" (`/api/v1/{resource}?provider=…&endUserId=…`, `Bearer`
//! key) — with projects (hashed live/test keys), linked accounts (AES-GCM encrypted credentials)
//! in SQLite or PostgreSQL ([`store`]), `/api/v1/accounts`, `/health` and `/openapi.json`.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use unicrm_server::{open_store, router, Config, Gateway};
//! let (store, _key_note) = open_store("sqlite://unicrm.db?mode=rwc", None).await?;
//! let gateway = Gateway::new(store, Config::default().sandbox_url("http://127.0.0.1:4010"));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:5001").await?;
//! // Header/body/idle timeouts and connection caps of `Config::listener` (what `unicrm serve`
//! // uses); `axum::serve(listener, router(gateway))` works too, without them.
//! let limits = gateway.config().listener.clone();
//! unicrm_server::serve(listener, router(gateway), limits, std::future::pending()).await?;
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

pub mod accounts;
pub mod crypto;
pub mod error;
pub mod hosts;
pub mod idempotency;
pub mod keys;
pub mod limits;
pub mod listen;
pub mod openapi;
pub mod ops;
pub mod reliability;
pub mod render;
pub mod request;
pub mod routes;
pub mod state;
pub mod store;
pub mod unified;
pub mod v1;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{self, MethodRouter};
use axum::{Json, Router};
use error::ApiError;
use routes::{Handler, ROUTES};
use serde_json::json;
use unicrm_core::dialect::Dialect;

pub use crypto::{Environment, MasterKey};
pub use limits::Limits;
pub use listen::{serve, ListenerLimits};
pub use state::{Config, Gateway};
pub use store::{Store, StoreError};

/// How the master key was obtained (for the start-up log).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeySource {
    /// From `UNICRM_MASTER_KEY`.
    Environment,
    /// From an existing development key file.
    File(std::path::PathBuf),
    /// A development key file was generated now.
    Generated(std::path::PathBuf),
    /// A throw-away key for an in-memory database.
    Ephemeral,
}

/// Why the store could not be opened.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpenError {
    /// Master key trouble.
    #[error(transparent)]
    Key(#[from] crypto::KeyError),
    /// Store trouble.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// PostgreSQL without `UNICRM_MASTER_KEY`.
    #[error("UNICRM_MASTER_KEY (base64 of 32 bytes) is required with PostgreSQL: every gateway process sharing the store must use the same key")]
    KeyRequired,
    /// The master key is not the one the store's secrets are encrypted with.
    #[error("the master key ({from}) does not match this store's key verifier: its secrets were encrypted with another key. Set UNICRM_MASTER_KEY to the store's key (after `unicrm keys rotate-master`, the new one); nothing was changed")]
    WrongKey {
        /// Where the key came from (`UNICRM_MASTER_KEY`, or the key file's path).
        from: String,
    },
}

/// The file a master-key rotation writes the new development key to before it commits; renamed
/// over `<db>.key` once it has (an interrupted rotation is finished by the next open).
pub fn pending_key_path(key_file: &std::path::Path) -> std::path::PathBuf {
    let mut name = key_file.file_name().unwrap_or_default().to_os_string();
    name.push(".new");
    key_file.with_file_name(name)
}

/// Opens the store at `database_url` with the master key `master_key_b64` (the value of
/// `UNICRM_MASTER_KEY`), or — for SQLite — a development key file `<db>.key` beside the
/// database, generated (mode 0600) when missing.
pub async fn open_store(
    database_url: &str,
    master_key_b64: Option<&str>,
) -> Result<(Store, KeySource), OpenError> {
    let backend = store::Backend::of(database_url)?;
    let (key, source) = match master_key_b64.filter(|k| !k.trim().is_empty()) {
        Some(k) => (MasterKey::from_base64(k)?, KeySource::Environment),
        None => match (backend, store::dev_key_path(database_url)) {
            (store::Backend::Sqlite, Some(path)) => {
                let (key, created) = MasterKey::load_or_create_file(&path)?;
                if created {
                    tracing::warn!(path = %path.display(), "UNICRM_MASTER_KEY not set: generated a development master key file (keep it with the database; set UNICRM_MASTER_KEY in production)");
                    (key, KeySource::Generated(path))
                } else {
                    tracing::info!(path = %path.display(), "using the development master key file");
                    (key, KeySource::File(path))
                }
            }
            (store::Backend::Sqlite, None) => (MasterKey::generate(), KeySource::Ephemeral),
            (store::Backend::Postgres, _) => return Err(OpenError::KeyRequired),
        },
    };
    let store = Store::connect(database_url, key).await?;
    if store.key_matches() {
        return Ok((store, source));
    }
    if let KeySource::File(path) = &source {
        // A rotation that committed but was interrupted before renaming its new key file.
        let pending = pending_key_path(path);
        let pending_key = std::fs::read_to_string(&pending)
            .ok()
            .and_then(|s| MasterKey::from_base64(&s).ok());
        if let Some(new_key) = pending_key {
            let candidate = Store::connect(database_url, new_key).await?;
            if candidate.key_matches() {
                std::fs::rename(&pending, path).map_err(|e| crypto::KeyError::Io {
                    path: path.display().to_string(),
                    source: e,
                })?;
                tracing::warn!(path = %path.display(), "finished an interrupted master-key rotation: the new key file is in place");
                return Ok((candidate, source));
            }
        }
    }
    Err(OpenError::WrongKey {
        from: match &source {
            KeySource::Environment => "UNICRM_MASTER_KEY".to_owned(),
            KeySource::File(p) | KeySource::Generated(p) => p.display().to_string(),
            KeySource::Ephemeral => "a throw-away key".to_owned(),
        },
    })
}

fn method_router(h: Handler) -> MethodRouter<Gateway> {
    use routing::{get, post};
    match h {
        Handler::Health => get(health),
        Handler::OpenApi => get(openapi_json),
        Handler::AccountsCollection => post(accounts::create).get(accounts::list),
        Handler::AccountsItem => get(accounts::get)
            .patch(accounts::update)
            .delete(accounts::delete),
        Handler::KeysCollection => post(keys::create).get(keys::list),
        Handler::KeysItem => get(keys::get).delete(keys::revoke),
        Handler::KeysRotate => post(keys::rotate),
        Handler::V1Collection => post(v1::collection).get(v1::collection),
        Handler::V1Item => get(v1::item).patch(v1::item).delete(v1::item),
        Handler::UnifiedCollection => post(unified::collection).get(unified::collection),
        Handler::UnifiedItem => get(unified::item)
            .patch(unified::item)
            .delete(unified::item),
        Handler::Definitions => get(unified::definitions),
        Handler::Definition => get(unified::definition),
        Handler::Lists | Handler::List => get(unified::lists),
    }
}

fn dialect_of(path: &str) -> Dialect {
    if path.starts_with("/unified") {
        Dialect::Unified
    } else {
        Dialect::V1
    }
}

async fn not_found(uri: Uri) -> Response {
    ApiError::not_found(dialect_of(uri.path()), format!("no route {}", uri.path())).into_response()
}

async fn method_not_allowed(uri: Uri) -> Response {
    ApiError::status(
        dialect_of(uri.path()),
        405,
        format!("method not allowed on {}", uri.path()),
    )
    .into_response()
}

async fn health(State(gw): State<Gateway>) -> Response {
    // The verifier is read again: another process may have rotated the master key.
    match gw.store().check_key().await {
        Ok(true) => {
            Json(json!({"status": "ok", "connectors": unicrm_registry::ids()})).into_response()
        }
        Ok(false) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "unavailable", "message": "the master key of this gateway does not match the store's key verifier (wrong UNICRM_MASTER_KEY, or the key was rotated): restart it with the store's key"})),
        )
            .into_response(),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "unavailable", "message": format!("store: {e}")})),
        )
            .into_response(),
    }
}

async fn openapi_json() -> Response {
    Json(openapi::document()).into_response()
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        Json(json!({
            "success": false,
            "statusCode": 500,
            "message": "internal error: the request could not be completed",
            "timestamp": unicrm_core::model::format_timestamp(&chrono::Utc::now()),
            "data": null,
        })),
    )
        .into_response()
}

/// The gateway's router (every route of [`routes::ROUTES`]).
pub fn router(gateway: Gateway) -> Router {
    let mut r = Router::new();
    for route in ROUTES {
        r = r.route(route.path, method_router(route.handler));
    }
    r.fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        // Bodies are read by the handlers under `Config::body_limit`, answering 413 in the
        // dialect's envelope.
        .layer(DefaultBodyLimit::disable())
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            panic_response,
        ))
        .with_state(gateway)
}
