//! unicrm connector for HubSpot CRM v3 (work in progress: wire types and conversions first).
#![deny(missing_docs)]

pub mod error;
pub mod mapping;
pub mod wire;
