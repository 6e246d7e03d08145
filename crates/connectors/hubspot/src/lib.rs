#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

pub mod client;
pub mod config;
pub mod connector;
pub mod error;
mod flows;
pub mod mapping;
#[cfg(feature = "sandbox")]
pub mod sandbox;
pub mod wire;

use std::sync::Arc;

pub use config::ID;
pub use connector::HubSpot;

unicrm_core::register_connector!(config::ID, || Arc::new(HubSpot));
