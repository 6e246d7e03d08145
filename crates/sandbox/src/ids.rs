//! Provider-style record ids: numeric strings (HubSpot, Pipedrive), UUID v4 strings (Attio) and
//! Salesforce 15/18-character ids with a key prefix and the case-safe checksum suffix.
//!
//! The generators live on [`crate::Sandbox`] (`sandbox.numeric_id()`, `sandbox.uuid()`,
//! `sandbox.salesforce_id(key_prefix::CONTACT)`), so ids are unique within one sandbox and
//! repeatable for a given seed. The pure helpers here do the formatting and checking.

use crate::SandboxError;

/// Salesforce key prefixes (the first three characters of an id name the object type).
///
/// Source: Salesforce Help, "Standard Field Record ID Prefix Decoder".
pub mod key_prefix {
    /// `001` Account.
    pub const ACCOUNT: &str = "001";
    /// `003` Contact.
    pub const CONTACT: &str = "003";
    /// `005` User (record owners).
    pub const USER: &str = "005";
    /// `006` Opportunity (unified deal).
    pub const OPPORTUNITY: &str = "006";
    /// `00Q` Lead.
    pub const LEAD: &str = "00Q";
    /// `00U` Event (unified meeting).
    pub const EVENT: &str = "00U";
    /// `00T` Task.
    pub const TASK: &str = "00T";
    /// `01g` query locator (the token inside `nextRecordsUrl`).
    pub const QUERY_LOCATOR: &str = "01g";
}

/// Characters of a Salesforce id in ascending order (0-9, A-Z, a-z), used for the base-62 part.
const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Alphabet of the checksum suffix: a 5-bit value indexes `A..Z` then `0..5`.
const CHECKSUM_ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";

/// Computes the 3-character case-safe suffix that turns a 15-character Salesforce id into its
/// 18-character form.
///
/// Salesforce's algorithm: split the 15 characters into three chunks of five; in each chunk,
/// bit *i* is set when character *i* is an upper-case letter `A`–`Z`; the 5-bit value indexes
/// `ABCDEFGHIJKLMNOPQRSTUVWXYZ012345`. Example: `001D000000IqhSL` → `IAZ`.
pub fn salesforce_checksum(id15: &str) -> Result<String, SandboxError> {
    let bytes = id15.as_bytes();
    if bytes.len() != 15 || !bytes.iter().all(u8::is_ascii_alphanumeric) {
        return Err(SandboxError::InvalidId {
            id: id15.to_owned(),
            reason: "a 15-character Salesforce id has exactly 15 ASCII letters or digits",
        });
    }
    let suffix = bytes
        .chunks(5)
        .map(|chunk| {
            let bits = chunk
                .iter()
                .enumerate()
                .filter(|(_, c)| c.is_ascii_uppercase())
                .fold(0usize, |acc, (i, _)| acc | (1 << i));
            char::from(CHECKSUM_ALPHABET[bits])
        })
        .collect();
    Ok(suffix)
}

/// Converts a 15-character Salesforce id to its 18-character case-insensitive-safe form.
pub fn salesforce_id_18(id15: &str) -> Result<String, SandboxError> {
    let suffix = salesforce_checksum(id15)?;
    Ok(format!("{id15}{suffix}"))
}

/// Checks that `id` is a well-formed Salesforce id: 15 characters, or 18 whose last three are the
/// checksum of the first fifteen. Returns the 18-character form.
pub fn validate_salesforce_id(id: &str) -> Result<String, SandboxError> {
    if !id.is_ascii() {
        return Err(SandboxError::InvalidId {
            id: id.to_owned(),
            reason: "a Salesforce id has only ASCII letters and digits",
        });
    }
    match id.len() {
        15 => salesforce_id_18(id),
        18 => {
            let expected = salesforce_id_18(&id[..15])?;
            // The suffix makes ids case-insensitively unique, so compare it case-insensitively
            // (Salesforce accepts `...iaz` as well as `...IAZ`).
            if expected.eq_ignore_ascii_case(id) && expected[..15] == id[..15] {
                Ok(expected)
            } else {
                Err(SandboxError::InvalidId {
                    id: id.to_owned(),
                    reason: "the last three characters are not the checksum of the first fifteen",
                })
            }
        }
        _ => Err(SandboxError::InvalidId {
            id: id.to_owned(),
            reason: "a Salesforce id has 15 or 18 characters",
        }),
    }
}

/// Builds an 18-character Salesforce id from a 3-character key prefix and a sequence number:
/// prefix + 2-character instance (`5g`) + reserved `0` + 9 base-62 digits of `n` + checksum.
pub fn salesforce_id_from_number(key_prefix: &str, n: u64) -> Result<String, SandboxError> {
    if key_prefix.len() != 3 || !key_prefix.bytes().all(|c| c.is_ascii_alphanumeric()) {
        return Err(SandboxError::InvalidId {
            id: key_prefix.to_owned(),
            reason: "a Salesforce key prefix has exactly 3 ASCII letters or digits",
        });
    }
    let mut digits = [b'0'; 9];
    let mut rest = n;
    for slot in digits.iter_mut().rev() {
        *slot = BASE62[(rest % 62) as usize];
        rest /= 62;
    }
    let digits = String::from_utf8_lossy(&digits);
    salesforce_id_18(&format!("{key_prefix}5g0{digits}"))
}

/// Formats a numeric id the way HubSpot and Pipedrive do: a decimal string.
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
