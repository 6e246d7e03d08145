//! # unicrm-registry
//!
//! The crate an embedding service depends on. It re-exports [`unicrm_core`] and links exactly the
//! connector crates enabled by its cargo features (one feature per connector, default: all), so
//! that their `register_connector!` registrations are seen:
//!
//! ```toml
//! unicrm-registry = { version = "0.1", default-features = false, features = ["hubspot"] }
//! ```
//!
//! ```no_run
//! # async fn run() -> unicrm_registry::core::Result<()> {
//! use unicrm_registry::core::{Context, Credentials, Contact};
//! let hubspot = unicrm_registry::get("hubspot").expect("feature `hubspot` enabled");
//! let cx = Context::new("https://api.hubapi.com", Credentials::bearer("pat-…"));
//! let contact = hubspot
//!     .create_contact(&cx, Contact { first_name: Some("Ada".into()), ..Default::default() })
//!     .await?;
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

use std::sync::Arc;
pub use unicrm_core as core;
use unicrm_core::registry::RegistryError;
use unicrm_core::Connector;

include!(concat!(env!("OUT_DIR"), "/enabled.rs"));

/// The ids of the connectors this build enables through cargo features, sorted.
pub fn enabled_features() -> Vec<&'static str> {
    ENABLED.to_vec()
}

/// Checks the registered connectors: unique ids, each matching its own `info().id`.
/// Call it at start-up to fail fast.
pub fn check() -> Result<(), RegistryError> {
    unicrm_core::registry::registered().map(|_| ())
}

/// The connector registered as `id`, if linked and the registry is valid.
pub fn get(id: &str) -> Option<Arc<dyn Connector>> {
    unicrm_core::registry::registered().ok()?.get(id).cloned()
}

/// Every registered connector, sorted by id (empty if the registry is invalid; see [`check`]).
pub fn all() -> Vec<Arc<dyn Connector>> {
    unicrm_core::registry::registered()
        .map(|m| m.values().cloned().collect())
        .unwrap_or_default()
}

/// The ids of every registered connector, sorted.
pub fn ids() -> Vec<&'static str> {
    unicrm_core::registry::registered()
        .map(|m| m.keys().copied().collect())
        .unwrap_or_default()
}
