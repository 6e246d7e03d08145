//! Emulator of the Salesforce REST endpoints this connector calls (feature `sandbox`).

pub mod org;
pub mod query;
