#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

pub mod error;
#[cfg(feature = "sandbox")]
pub mod sandbox;
pub mod soql;
pub mod wire;
