#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

pub mod error;
pub mod soql;
pub mod wire;
