#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

pub mod client;
pub mod config;
pub mod connector;
pub mod error;
pub mod mapping;
#[cfg(feature = "sandbox")]
pub mod sandbox;
pub mod wire;

use std::sync::Arc;

pub use config::ID;
pub use connector::{Zoho, INFO};
pub use error::parse_error;

unicrm_core::register_connector!(ID, || Arc::new(Zoho));
