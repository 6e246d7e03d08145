//! Record id formats shared by emulators: decimal strings and UUID v4 strings.
//!
//! The generators live on [`crate::Sandbox`] (`sandbox.numeric_id()`, `sandbox.uuid()`, and
//! `sandbox.sequence(name)` for an emulator that formats its own ids, e.g. with a type prefix and
//! a checksum), so ids are unique within one sandbox and repeatable for a given seed. The pure
//! helpers here do the formatting.

/// Formats a numeric id as a decimal string.
pub fn numeric_id(n: u64) -> String {
    n.to_string()
}

/// Formats 16 random bytes as a UUID v4 string (lower-case, hyphenated).
pub fn uuid_from_bytes(bytes: [u8; 16]) -> String {
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .hyphenated()
        .to_string()
}
