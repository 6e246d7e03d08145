//! Pure mapping between HubSpot records and the unified model: no I/O, no async.

pub mod convert;
