//! Pure mapping between unified records and Close JSON, both directions. No I/O.
//!
//! * account ↔ Close lead (the company) — [`account`]
//! * contact ↔ Close contact (a person on exactly one lead) — [`contact`]
//! * lead ↔ Close lead with its first contact — [`lead`]
//! * deal ↔ Close opportunity — [`deal`]
//! * meeting ↔ Close meeting activity — [`meeting`]
//!
//! Conventions shared by every resource live here: custom fields (`custom.cf_…` keys ↔
//! `custom_fields`), passthrough (written last), names, e-mails, phones, addresses, timestamps.

pub mod account;
pub mod contact;
pub mod deal;
pub mod definitions;
pub mod lead;
pub mod meeting;

use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};
use unicrm_core::{Address, CustomField, Error, Passthrough, Result};

use crate::wire::Object;

/// Whether a body is for a create (`POST`) or an update (`PUT`, which Close applies like a PATCH).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Write {
    /// `POST /…/`.
    Create,
    /// `PUT /…/{id}/`: only the fields given change.
    Update,
}

/// The JSON object of a provider payload, or `InvalidInput`.
pub fn expect_object(v: &Value) -> Result<&Object> {
    v.as_object().ok_or_else(not_an_object)
}

/// [`expect_object`] of a payload given by value (the record moves out, uncopied; same error).
pub fn into_object(v: Value) -> Result<Object> {
    match v {
        Value::Object(obj) => Ok(obj),
        _ => Err(not_an_object()),
    }
}

fn not_an_object() -> Error {
    Error::invalid("body", "a Close record is a JSON object")
}

/// A string field, `None` when absent, null or empty.
pub fn text(obj: &Object, key: &str) -> Option<String> {
    obj.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// A Close timestamp (`2013-02-20T05:30:24.844000+00:00`).
pub fn timestamp(obj: &Object, key: &str) -> Result<Option<DateTime<Utc>>> {
    text(obj, key)
        .map(|s| unicrm_core::convert::parse_timestamp(key, &s))
        .transpose()
}

/// Formats a timestamp the way Close writes them (RFC 3339, UTC offset `+00:00`).
pub fn close_timestamp(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, false)
}

/// Splits Close's single `name` into first and last name at the first space:
/// `"Steve Wozniak"` → (`Steve`, `Wozniak`), `"Jean Claude Van Damme"` → (`Jean`,
/// `Claude Van Damme`), `"Gob"` → (`Gob`, none).
pub fn split_name(name: Option<&str>) -> (Option<String>, Option<String>) {
    let Some(name) = name.map(str::trim).filter(|n| !n.is_empty()) else {
        return (None, None);
    };
    match name.split_once(char::is_whitespace) {
        Some((first, rest)) => (
            Some(first.to_owned()),
            Some(rest.trim().to_owned()).filter(|r| !r.is_empty()),
        ),
        None => (Some(name.to_owned()), None),
    }
}

/// Joins first and last name into Close's `name` (`None` when both are absent).
pub fn join_name(first: Option<&str>, last: Option<&str>) -> Option<String> {
    let parts: Vec<&str> = [first, last]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

/// `emails[].email`, in Close's order.
pub fn emails_from(obj: &Object) -> Option<Vec<String>> {
    list_values(obj, "emails", "email")
}

/// `phones[].phone` (E.164 as Close normalises it), in Close's order.
pub fn phones_from(obj: &Object) -> Option<Vec<String>> {
    list_values(obj, "phones", "phone")
}

fn list_values(obj: &Object, list: &str, key: &str) -> Option<Vec<String>> {
    let items = obj.get(list)?.as_array()?;
    Some(
        items
            .iter()
            .filter_map(|i| i.get(key).and_then(Value::as_str))
            .map(str::to_owned)
            .collect(),
    )
}

/// The type Close records for e-mails and phones written through unicrm ("office", as in every
/// Close example).
pub const CONTACT_INFO_TYPE: &str = "office";

/// `[{email, type}]` for Close.
pub fn emails_to(field: &str, emails: &[String]) -> Result<Value> {
    check_no_blank(field, emails)?;
    Ok(Value::Array(
        emails
            .iter()
            .map(|e| json!({"email": e.trim(), "type": CONTACT_INFO_TYPE}))
            .collect(),
    ))
}

/// `[{phone, type}]` for Close.
pub fn phones_to(field: &str, phones: &[String]) -> Result<Value> {
    check_no_blank(field, phones)?;
    Ok(Value::Array(
        phones
            .iter()
            .map(|p| json!({"phone": p.trim(), "type": CONTACT_INFO_TYPE}))
            .collect(),
    ))
}

fn check_no_blank(field: &str, values: &[String]) -> Result<()> {
    match values.iter().position(|v| v.trim().is_empty()) {
        Some(i) => Err(Error::invalid(format!("{field}[{i}]"), "must not be empty")),
        None => Ok(()),
    }
}

/// A Close address (`{label, address_1, address_2, city, state, zipcode, country}`) as unified:
/// `street` is `address_1` and `address_2` joined by a newline.
pub fn address_from(v: &Value) -> Option<Address> {
    let obj = v.as_object()?;
    let street = join_lines(text(obj, "address_1"), text(obj, "address_2"));
    let a = Address {
        street,
        city: text(obj, "city"),
        state: text(obj, "state"),
        postal_code: text(obj, "zipcode"),
        country: text(obj, "country"),
    };
    (!a.is_empty()).then_some(a)
}

fn join_lines(a: Option<String>, b: Option<String>) -> Option<String> {
    match (a, b) {
        (Some(a), Some(b)) => Some(format!("{a}\n{b}")),
        (a, b) => a.or(b),
    }
}

/// The unified address as a Close address (`label: business`; the first street line is
/// `address_1`, the rest `address_2`).
pub fn address_to(a: &Address) -> Value {
    let mut out = Map::new();
    out.insert("label".into(), json!("business"));
    if let Some(street) = &a.street {
        let (one, two) = match street.split_once('\n') {
            Some((one, two)) => (one.trim(), Some(two.trim())),
            None => (street.trim(), None),
        };
        out.insert("address_1".into(), json!(one));
        if let Some(two) = two.filter(|t| !t.is_empty()) {
            out.insert("address_2".into(), json!(two));
        }
    }
    for (key, v) in [
        ("city", &a.city),
        ("state", &a.state),
        ("zipcode", &a.postal_code),
        ("country", &a.country),
    ] {
        if let Some(v) = v {
            out.insert(key.into(), json!(v));
        }
    }
    Value::Object(out)
}

/// Whether two addresses are the same place (for not adding an address a lead already has).
pub fn same_address(a: &Value, b: &Value) -> bool {
    address_from(a) == address_from(b)
}

/// Provider fields with no unified home: every `custom.…` key (as `cf_…`, the id the custom-field
/// API uses) and every other key not in `mapped` or `system`, in key order.
pub fn custom_fields_from(obj: &Object, mapped: &[&str], system: &[&str]) -> Vec<CustomField> {
    let mut out = Vec::new();
    for (key, value) in obj {
        if value.is_null() || value.as_str().is_some_and(|s| s.is_empty()) {
            continue;
        }
        if let Some(id) = key.strip_prefix("custom.") {
            out.push(CustomField::named(id, value.clone()));
        } else if key == "custom"
            || mapped.contains(&key.as_str())
            || system.contains(&key.as_str())
        {
            // `custom` is the deprecated name-keyed dict; its values are also under `custom.cf_…`.
            continue;
        } else {
            out.push(CustomField::named(key.clone(), value.clone()));
        }
    }
    out
}

/// The Close key a unified custom field is written to: `cf_…`/`lcf_…` ids become
/// `custom.cf_…`; a key already starting with `custom.` and any other Close field name are sent
/// as they are (so `custom_fields` can also set native fields such as `status_id` or `note`).
pub fn custom_field_key(target: &str) -> String {
    if target.starts_with("cf_") || target.starts_with("lcf_") {
        format!("custom.{target}")
    } else {
        target.to_owned()
    }
}

/// Writes `custom_fields`, then `passthrough` (last, so a user can override any mapping).
pub fn apply_custom_and_passthrough(
    body: &mut Object,
    custom_fields: &[CustomField],
    passthrough: &Passthrough,
) -> Result<()> {
    for (i, field) in custom_fields.iter().enumerate() {
        let Some(target) = field.target().map(str::trim).filter(|t| !t.is_empty()) else {
            return Err(Error::invalid(
                format!("custom_fields[{i}]"),
                "names no field: set remote_id (a Close custom field id such as cf_…)",
            ));
        };
        body.insert(custom_field_key(target), field.wire_value());
    }
    for (key, value) in passthrough {
        body.insert(key.clone(), value.clone());
    }
    Ok(())
}

/// `InvalidInput` for a unified field Close has no home for on this resource.
pub fn no_home(field: &str, why: &str) -> Error {
    Error::no_home(field, why)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_and_join() {
        assert_eq!(
            split_name(Some("Steve Wozniak")),
            (Some("Steve".into()), Some("Wozniak".into()))
        );
        assert_eq!(
            split_name(Some("Jean Claude Van Damme")),
            (Some("Jean".into()), Some("Claude Van Damme".into()))
        );
        assert_eq!(split_name(Some("Gob")), (Some("Gob".into()), None));
        assert_eq!(split_name(Some("  ")), (None, None));
        assert_eq!(
            join_name(Some("Jane"), Some("Doe")).as_deref(),
            Some("Jane Doe")
        );
        assert_eq!(join_name(None, Some("Doe")).as_deref(), Some("Doe"));
        assert_eq!(join_name(None, None), None);
    }

    #[test]
    fn addresses_both_ways() {
        let a = Address {
            street: Some("747 Howard St\nRoom 3".into()),
            city: Some("San Francisco".into()),
            state: Some("CA".into()),
            postal_code: Some("94103".into()),
            country: Some("US".into()),
        };
        let wire = address_to(&a);
        assert_eq!(wire["address_1"], "747 Howard St");
        assert_eq!(wire["address_2"], "Room 3");
        assert_eq!(wire["zipcode"], "94103");
        assert_eq!(address_from(&wire), Some(a));
    }

    #[test]
    fn custom_field_keys() {
        assert_eq!(custom_field_key("cf_abc"), "custom.cf_abc");
        assert_eq!(custom_field_key("custom.cf_abc"), "custom.cf_abc");
        assert_eq!(custom_field_key("value_period"), "value_period");
    }
}
