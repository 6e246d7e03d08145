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

pub use config::ID;
pub use connector::Pipedrive;
pub use error::parse_error;

unicrm_core::register_connector!(ID, || std::sync::Arc::new(Pipedrive));
