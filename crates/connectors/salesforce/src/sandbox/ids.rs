//! Salesforce record ids: 15/18-character ids with a key prefix naming the object type and the
//! case-safe checksum suffix, numbered from the sandbox's `salesforce-id` sequence.

use unicrm_sandbox::{Sandbox, SandboxError};

/// The sandbox sequence Salesforce ids (records and query locators) are numbered from.
const SEQUENCE: &str = "salesforce-id";

/// A new 18-character Salesforce id with this key prefix (see [`key_prefix`]), unique within the
/// sandbox, e.g. `0035g0000000001AAA`.
pub(crate) fn next_id(sb: &Sandbox, key_prefix: &str) -> Result<String, SandboxError> {
    salesforce_id_from_number(key_prefix, sb.sequence(SEQUENCE))
}

/// Salesforce key prefixes (the first three characters of an id name the object type).
///
/// Source: Salesforce Help, "Standard Field Record ID Prefix Decoder".
#[allow(dead_code)] // the full documented table; the emulator names some by `SObjectType`
pub(crate) mod key_prefix {
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
pub(crate) fn salesforce_checksum(id15: &str) -> Result<String, SandboxError> {
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
pub(crate) fn salesforce_id_18(id15: &str) -> Result<String, SandboxError> {
    let suffix = salesforce_checksum(id15)?;
    Ok(format!("{id15}{suffix}"))
}

/// Checks that `id` is a well-formed Salesforce id: 15 characters, or 18 whose last three are the
/// checksum of the first fifteen. Returns the 18-character form.
pub(crate) fn validate_salesforce_id(id: &str) -> Result<String, SandboxError> {
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
pub(crate) fn salesforce_id_from_number(key_prefix: &str, n: u64) -> Result<String, SandboxError> {
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

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use unicrm_sandbox::Sandbox;

    use super::*;

    fn salesforce_id(sb: &Sandbox, prefix: &str) -> Result<String, SandboxError> {
        next_id(sb, prefix)
    }

    #[test]
    fn salesforce_checksum_matches_documented_pairs() {
        // Salesforce docs: 15-character id 001D000000IqhSL ↔ 18-character 001D000000IqhSLIAZ.
        assert_eq!(salesforce_checksum("001D000000IqhSL").unwrap(), "IAZ");
        assert_eq!(
            salesforce_id_18("001D000000IqhSL").unwrap(),
            "001D000000IqhSLIAZ"
        );
        // Worked example of the algorithm (chunks 00190 / 00000 / B98de → A A B).
        assert_eq!(
            salesforce_id_18("0019000000B98de").unwrap(),
            "0019000000B98deAAB"
        );
    }

    #[test]
    fn salesforce_checksum_edges() {
        assert_eq!(salesforce_checksum("000000000000000").unwrap(), "AAA");
        assert_eq!(salesforce_checksum("aaaaazzzzz99999").unwrap(), "AAA");
        // Every character upper-case: 0b11111 = 31 → '5'.
        assert_eq!(salesforce_checksum("ABCDEFGHIJKLMNO").unwrap(), "555");
        // Only the last character of each chunk upper-case: 0b10000 = 16 → 'Q'.
        assert_eq!(salesforce_checksum("0000A0000B0000C").unwrap(), "QQQ");
        assert!(salesforce_checksum("001D000000IqhS").is_err());
        assert!(salesforce_checksum("001D000000Iqh-L").is_err());
    }

    #[test]
    fn validate_accepts_15_and_18_and_refuses_bad_suffix() {
        assert_eq!(
            validate_salesforce_id("001D000000IqhSL").unwrap(),
            "001D000000IqhSLIAZ"
        );
        assert_eq!(
            validate_salesforce_id("001D000000IqhSLIAZ").unwrap(),
            "001D000000IqhSLIAZ"
        );
        assert_eq!(
            validate_salesforce_id("001D000000IqhSLiaz").unwrap(),
            "001D000000IqhSLIAZ"
        );
        assert!(validate_salesforce_id("001D000000IqhSLIAA").is_err());
        assert!(validate_salesforce_id("001D000000IQHSLIAZ").is_err());
        assert!(validate_salesforce_id("001D000000IqhSLIA").is_err());
        assert!(validate_salesforce_id("").is_err());
        // Multi-byte characters never panic (byte length 18, not a char boundary at 15).
        assert!(validate_salesforce_id("001D000000IqhSéAZ").is_err());
        assert!(validate_salesforce_id("001D000000Iqh€").is_err());
    }

    #[test]
    fn generated_salesforce_ids_have_prefix_checksum_and_are_unique() {
        let sb = Sandbox::new(1);
        let mut seen = HashSet::new();
        for prefix in [
            key_prefix::ACCOUNT,
            key_prefix::CONTACT,
            key_prefix::LEAD,
            key_prefix::OPPORTUNITY,
            key_prefix::EVENT,
            key_prefix::USER,
        ] {
            for _ in 0..300 {
                let id = salesforce_id(&sb, prefix).unwrap();
                assert_eq!(id.len(), 18, "{id}");
                assert!(id.starts_with(prefix), "{id}");
                assert_eq!(validate_salesforce_id(&id).unwrap(), id);
                assert!(seen.insert(id.to_ascii_lowercase()), "duplicate {id}");
            }
        }
        assert!(salesforce_id(&sb, "03").is_err());
        assert!(salesforce_id_from_number("0-3", 1).is_err());
        // Base-62 digits: 61 is 'z', 62 rolls over to "10".
        assert_eq!(
            &salesforce_id_from_number("003", 61).unwrap()[..15],
            "0035g000000000z"
        );
        assert_eq!(
            &salesforce_id_from_number("003", 62).unwrap()[..15],
            "0035g0000000010"
        );
    }
}
