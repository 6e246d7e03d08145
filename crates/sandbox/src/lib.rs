//! # unicrm-sandbox
//!
//! The machinery every provider emulator is written with, and the server that runs them all on
//! one port (`unicrm sandbox`, the gateway's `sk_test_` mode, every end-to-end test).
//!
//! An emulator (in a connector crate, behind its `sandbox` feature) is an [`axum::Router`] built
//! from a [`Sandbox`] handle and registered with [`register_emulator!`]. The sandbox gives it:
//!
//! * a per-account in-memory store ([`Sandbox::tenant`] → [`TenantStore`]): named collections of
//!   JSON records with server-side timestamps and a stable listing order; an account is the token
//!   the request carries, so parallel tests with different tokens never see each other's data;
//! * ids ([`Sandbox::numeric_id`], [`Sandbox::uuid`], and numbered [`Sandbox::sequence`]s for
//!   emulators that format their own);
//! * paging helpers ([`paging`]): opaque `after` cursors, offset/limit, page tokens;
//! * auth ([`auth::TenantToken`] extractor) answering with the provider's own 401 body;
//! * the OAuth token route ([`oauth::TokenEndpoint`]) in the provider's wire format;
//! * the provider's own 404 for every path the emulator does not model
//!   ([`ErrorFormat::unknown_path`], the emulator's fallback), and [`routes::Checked`] so that an
//!   `{id}` route does not take a literal sub-path (`/deals/search`) for a record id;
//! * fault injection ([`faults`]), applied to every emulator by the server: 429s, 5xx, latency,
//!   dropped connections, truncated and malformed JSON, deterministic for a seed, global or per
//!   account, configured with `POST /_sandbox/faults` or [`Sandbox::set_faults`];
//! * realistic seed data ([`fake`]).
//!
//! ```no_run
//! use axum::{extract::{Path, State}, routing::get, Json, Router};
//! use axum::response::{IntoResponse, Response};
//! use http::StatusCode;
//! use unicrm_sandbox::{auth::TenantToken, ErrorFormat, Sandbox, StdRng};
//!
//! /// How the provider renders its errors.
//! struct AcmeErrors;
//! impl ErrorFormat for AcmeErrors {
//!     fn unauthorized(&self, _problem: unicrm_sandbox::auth::AuthProblem) -> Response {
//!         (StatusCode::UNAUTHORIZED, Json(serde_json::json!({"error": "invalid token"}))).into_response()
//!     }
//!     fn rate_limited(&self, retry_after: std::time::Duration) -> Response {
//!         let secs = retry_after.as_secs().to_string();
//!         (StatusCode::TOO_MANY_REQUESTS, [("retry-after", secs)], Json(serde_json::json!({"error": "slow down"}))).into_response()
//!     }
//!     fn server_error(&self, status: StatusCode) -> Response {
//!         (status, Json(serde_json::json!({"error": "internal"}))).into_response()
//!     }
//!     fn unknown_path(&self, _path: &str) -> Response {
//!         (StatusCode::NOT_FOUND, Json(serde_json::json!({"error": "no such endpoint"}))).into_response()
//!     }
//! }
//!
//! fn router(sandbox: Sandbox) -> Router {
//!     Router::new()
//!         .route("/v1/contacts/{id}", get(get_contact))
//!         .with_state(sandbox)
//! }
//!
//! async fn get_contact(State(sb): State<Sandbox>, TenantToken(token): TenantToken, Path(id): Path<String>) -> Response {
//!     match sb.tenant(&token).get("contacts", &id) {
//!         Some(rec) => Json(rec.data).into_response(),
//!         None => (StatusCode::NOT_FOUND, Json(serde_json::json!({"error": "not found"}))).into_response(),
//!     }
//! }
//!
//! fn seed(sb: &Sandbox, token: &str, n: usize, rng: &mut StdRng) {
//!     let store = sb.tenant(token);
//!     for _ in 0..n {
//!         let p = unicrm_sandbox::fake::person(rng);
//!         let _ = store.insert("contacts", sb.numeric_id(), serde_json::json!({"name": p.full_name()}));
//!     }
//! }
//!
//! unicrm_sandbox::register_emulator! {
//!     id: "acme",
//!     router: router,
//!     seed: seed,
//!     errors: &AcmeErrors,
//! }
//! ```
#![deny(missing_docs)]

pub mod auth;
pub mod fake;
pub mod faults;
mod format;
pub mod ids;
pub mod oauth;
pub mod paging;
pub mod routes;
mod sandbox;
mod server;
mod store;

use std::collections::BTreeMap;

pub use format::{ErrorFormat, GenericErrors};
pub use inventory;
pub use rand;
pub use rand::rngs::StdRng;
pub use sandbox::{RequestRecord, Sandbox};
pub use server::{
    app, app_with, serve, spawn, spawn_with, EmulatorBase, RunningSandbox, ServeOptions,
};
pub use store::{KeyFn, OrderFn, StoreError, StoredRecord, TenantStore};

/// Fills one sandbox account (`tenant` token) of an emulator with `n` realistic records.
pub type SeedFn = fn(&Sandbox, &str, usize, &mut StdRng);

/// One provider emulator, registered by its connector crate with [`register_emulator!`].
pub struct EmulatorRegistration {
    /// Path prefix and name, e.g. `"hubspot"` → served under `http://host:port/hubspot/…`.
    pub id: &'static str,
    /// Builds the emulator's routes (paths as the real provider has them, without the prefix).
    pub router: fn(Sandbox) -> axum::Router,
    /// Fills an account with `n` realistic records (`unicrm sandbox --seed-data N`).
    pub seed: Option<SeedFn>,
    /// How this provider renders 401s, 429s and 5xx (used by auth and the fault layer).
    pub errors: &'static dyn ErrorFormat,
}

impl std::fmt::Debug for EmulatorRegistration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmulatorRegistration")
            .field("id", &self.id)
            .field("seed", &self.seed.is_some())
            .finish_non_exhaustive()
    }
}

inventory::collect!(EmulatorRegistration);

/// Registers a provider emulator so that [`app`], [`spawn`] and [`serve`] mount it.
///
/// ```
/// # mod sandbox {
/// #     use unicrm_sandbox::{GenericErrors, Sandbox, StdRng};
/// #     pub fn router(sb: Sandbox) -> axum::Router { axum::Router::new().with_state(sb) }
/// #     pub fn seed(_: &Sandbox, _: &str, _: usize, _: &mut StdRng) {}
/// #     pub static HUBSPOT_ERRORS: GenericErrors = GenericErrors;
/// # }
/// unicrm_sandbox::register_emulator! {
///     id: "hubspot",
///     router: sandbox::router,
///     seed: sandbox::seed,        // optional
///     errors: &sandbox::HUBSPOT_ERRORS,
/// }
/// assert!(unicrm_sandbox::emulators().unwrap().iter().any(|e| e.id == "hubspot"));
/// ```
///
/// A full [`EmulatorRegistration`] expression is accepted too. The caller does not need to
/// depend on `inventory`: it is reached through this crate.
#[macro_export]
macro_rules! register_emulator {
    (id: $id:expr, router: $router:expr, seed: $seed:expr, errors: $errors:expr $(,)?) => {
        $crate::inventory::submit! {
            $crate::EmulatorRegistration {
                id: $id,
                router: $router,
                seed: ::core::option::Option::Some($seed),
                errors: $errors,
            }
        }
    };
    (id: $id:expr, router: $router:expr, errors: $errors:expr $(,)?) => {
        $crate::inventory::submit! {
            $crate::EmulatorRegistration {
                id: $id,
                router: $router,
                seed: ::core::option::Option::None,
                errors: $errors,
            }
        }
    };
    ($registration:expr $(,)?) => {
        $crate::inventory::submit! { $registration }
    };
}

/// Every emulator linked into this binary, sorted by id.
///
/// Two registrations with the same id, or an id that is not a single lower-case path segment
/// (`[a-z0-9_-]+`, not starting with `_`), are refused with [`SandboxError::InvalidEmulator`].
pub fn emulators() -> Result<Vec<&'static EmulatorRegistration>, SandboxError> {
    check_emulators(
        inventory::iter::<EmulatorRegistration>
            .into_iter()
            .collect(),
    )
}

/// Sorts registrations by id and refuses duplicates and ids that are not usable path prefixes.
pub(crate) fn check_emulators(
    list: Vec<&'static EmulatorRegistration>,
) -> Result<Vec<&'static EmulatorRegistration>, SandboxError> {
    let mut by_id: BTreeMap<&'static str, &'static EmulatorRegistration> = BTreeMap::new();
    for reg in list {
        let valid = !reg.id.is_empty()
            && !reg.id.starts_with('_')
            && reg
                .id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if !valid {
            return Err(SandboxError::InvalidEmulator {
                id: reg.id.to_owned(),
                reason: "an emulator id is one lower-case path segment ([a-z0-9_-]+) not starting with `_`",
            });
        }
        if by_id.insert(reg.id, reg).is_some() {
            return Err(SandboxError::InvalidEmulator {
                id: reg.id.to_owned(),
                reason: "two emulators are registered with this id",
            });
        }
    }
    Ok(by_id.into_values().collect())
}

/// Errors of the sandbox machinery itself (not the provider errors an emulator renders).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SandboxError {
    /// An emulator registration is unusable (duplicate id, bad id).
    #[error("emulator `{id}`: {reason}")]
    InvalidEmulator {
        /// The offending id.
        id: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// An id handed to an id helper is malformed.
    #[error("invalid id `{id}`: {reason}")]
    InvalidId {
        /// The offending id.
        id: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A fault configuration is out of range.
    #[error("invalid fault configuration: field `{field}`: {reason}")]
    InvalidFaults {
        /// The offending field.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The server could not bind or accept.
    #[error("sandbox server I/O error: {0}")]
    Io(#[from] std::io::Error),
}
