//! unicrm connector for HubSpot CRM v3 (work in progress: wire types first).
#![deny(missing_docs)]

pub mod wire;
