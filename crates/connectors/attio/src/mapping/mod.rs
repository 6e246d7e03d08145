//! Pure mapping between Attio's JSON and the unified model, both directions, no I/O.
//!
//! Attio record values are arrays of typed value objects per attribute; a value is current while
//! its `active_until` is `null`. Reading takes the active values only; writing uses the input
//! shapes of Attio's attribute-type docs (a plain string for text, `[{"first_name", …}]` for
//! names, `[{"target_object", "target_record_id"}]` for record references …).

pub mod account;
pub mod contact;
pub mod country;
pub mod deal;
pub mod definitions;
pub mod meeting;

use crate::wire;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use unicrm_core::{convert, Address, CustomField, Error, Passthrough, Result};

/// Keys every value object carries besides its typed content.
const VALUE_META: &[&str] = &[
    "active_from",
    "active_until",
    "created_by_actor",
    "attribute_type",
];

/// Attributes every object has that the record envelope already carries (id, creation).
pub(crate) const ENVELOPE_SLUGS: &[&str] = &["record_id", "created_at", "created_by"];

/// The active values (`active_until: null`) of attribute `slug`, in Attio's order.
pub fn active<'a>(values: &'a Map<String, Value>, slug: &str) -> Vec<&'a Map<String, Value>> {
    active_iter(values, slug).collect()
}

/// [`active`] without collecting: the active values of attribute `slug`, in Attio's order.
pub fn active_iter<'a>(
    values: &'a Map<String, Value>,
    slug: &str,
) -> impl Iterator<Item = &'a Map<String, Value>> + 'a {
    active_of(values.get(slug))
}

/// The active values of an attribute's value array (nothing unless it is an array).
fn active_of(attribute: Option<&Value>) -> impl Iterator<Item = &Map<String, Value>> {
    attribute
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .filter(|v| v.get("active_until").is_none_or(Value::is_null))
}

/// A string property of the first active value of `slug` (empty strings are `None`).
pub fn first_str(values: &Map<String, Value>, slug: &str, property: &str) -> Option<String> {
    active_iter(values, slug)
        .next()
        .and_then(|v| convert::non_empty(v.get(property).and_then(Value::as_str)))
}

/// A string property of every active value of `slug` (empty strings skipped).
pub fn all_str(values: &Map<String, Value>, slug: &str, property: &str) -> Vec<String> {
    active_iter(values, slug)
        .filter_map(|v| convert::non_empty(v.get(property).and_then(Value::as_str)))
        .collect()
}

/// `Some(list)` when non-empty.
pub fn some_if_any(v: Vec<String>) -> Option<Vec<String>> {
    (!v.is_empty()).then_some(v)
}

/// The ids of the records an active `record-reference` value of `slug` points at.
pub fn record_refs(values: &Map<String, Value>, slug: &str) -> Vec<String> {
    all_str(values, slug, "target_record_id")
}

/// A value written as a reference to a record by id.
pub fn record_ref(object: &str, id: &str) -> Value {
    json!({"target_object": object, "target_record_id": id})
}

/// A UTC timestamp.
pub type Timestamp = DateTime<Utc>;

/// Parses an Attio timestamp (`2022-11-21T13:22:49.061281000Z`).
pub fn timestamp(field: &str, s: &str) -> Result<DateTime<Utc>> {
    convert::parse_timestamp(field, s)
}

/// The record's creation time and its last change: Attio keeps no modification time on records,
/// so `updated_at` is the newest `active_from` of its active values (every write of a value
/// starts a new one), or the creation time.
pub fn record_times<'a>(
    record: impl Into<wire::RecordRef<'a>>,
) -> Result<(Option<Timestamp>, Option<Timestamp>)> {
    let record = record.into();
    let created = if record.created_at.is_empty() {
        None
    } else {
        Some(timestamp("created_at", record.created_at)?)
    };
    let mut updated = created;
    // Values written together share their `active_from`: each distinct text is parsed once.
    let mut last: Option<(&str, Timestamp)> = None;
    for (slug, attribute) in record.values {
        for v in active_of(Some(attribute)) {
            if let Some(from) = v.get("active_from").and_then(Value::as_str) {
                let t = match last {
                    Some((text, t)) if text == from => t,
                    _ => {
                        // The field name is only needed (and only formatted) for the error.
                        let t = match timestamp("", from) {
                            Ok(t) => t,
                            Err(_) => timestamp(&format!("values.{slug}.active_from"), from)?,
                        };
                        last = Some((from, t));
                        t
                    }
                };
                if updated.is_none_or(|u| t > u) {
                    updated = Some(t);
                }
            }
        }
    }
    Ok((created, updated))
}

/// The plain content of one value object, by its `attribute_type`: the text / number / date of
/// simple types, the title of a select option or status, the address of an e-mail, the full
/// name of a personal name; other types keep their properties without the value metadata.
pub fn simple_value(v: &Map<String, Value>) -> Value {
    let kind = v
        .get("attribute_type")
        .and_then(Value::as_str)
        .unwrap_or("");
    let titled = |key: &str| match v.get(key) {
        Some(Value::Object(o)) => o.get("title").cloned().unwrap_or(Value::Null),
        Some(other) => other.clone(),
        None => Value::Null,
    };
    match kind {
        "text" | "number" | "checkbox" | "date" | "timestamp" | "rating" => {
            v.get("value").cloned().unwrap_or(Value::Null)
        }
        "select" => titled("option"),
        "status" => titled("status"),
        "personal-name" => v.get("full_name").cloned().unwrap_or(Value::Null),
        "email-address" => v.get("email_address").cloned().unwrap_or(Value::Null),
        "domain" => v.get("domain").cloned().unwrap_or(Value::Null),
        "phone-number" => v
            .get("original_phone_number")
            .cloned()
            .unwrap_or(Value::Null),
        "actor-reference" => v.get("referenced_actor_id").cloned().unwrap_or(Value::Null),
        _ => Value::Object(
            v.iter()
                .filter(|(k, _)| !VALUE_META.contains(&k.as_str()))
                .map(|(k, x)| (k.clone(), x.clone()))
                .collect(),
        ),
    }
}

/// Every attribute with active values that is neither mapped (`known`) nor part of the record
/// envelope, as custom fields: one value as it is, several as an array.
pub fn custom_fields_from(values: &Map<String, Value>, known: &[&str]) -> Vec<CustomField> {
    values
        .iter()
        .filter(|(slug, _)| {
            !known.contains(&slug.as_str()) && !ENVELOPE_SLUGS.contains(&slug.as_str())
        })
        .filter_map(|(slug, attribute)| {
            let mut vs = active_of(Some(attribute)).map(simple_value);
            let first = vs.next()?;
            let value = match vs.next() {
                None => first,
                Some(second) => Value::Array([first, second].into_iter().chain(vs).collect()),
            };
            Some(CustomField::named(slug.clone(), value))
        })
        .collect()
}

/// Writes unified custom fields (by target attribute) and then the passthrough, last, into
/// `values`; a custom field without a target is an error.
pub fn put_custom_and_passthrough(
    values: &mut Map<String, Value>,
    custom_fields: &[CustomField],
    passthrough: &Passthrough,
) -> Result<()> {
    for (i, cf) in custom_fields.iter().enumerate() {
        let target = cf.target().ok_or_else(|| {
            Error::invalid(
                format!("custom_fields[{i}]"),
                "names no Attio attribute (set remote_id to the attribute's api_slug)",
            )
        })?;
        values.insert(target.to_owned(), cf.wire_value());
    }
    for (k, v) in passthrough {
        values.insert(k.clone(), v.clone());
    }
    Ok(())
}

/// The error for a unified field the Attio object has no attribute for.
pub fn no_home(field: &str, object: &str, hint: &str) -> Error {
    Error::no_home(
        field,
        format!("Attio {object} have no attribute for this field; {hint}"),
    )
}

/// A `location` value as a unified address (`None` when every part is empty).
pub fn address_from_location(values: &Map<String, Value>, slug: &str) -> Option<Address> {
    let loc = active_iter(values, slug).next()?;
    let s = |k: &str| convert::non_empty(loc.get(k).and_then(Value::as_str));
    let lines: Vec<String> = ["line_1", "line_2", "line_3", "line_4"]
        .iter()
        .filter_map(|k| s(k))
        .collect();
    let a = Address {
        street: (!lines.is_empty()).then(|| lines.join("\n")),
        city: s("locality"),
        state: s("region"),
        postal_code: s("postcode"),
        country: s("country_code"),
    };
    (!a.is_empty()).then_some(a)
}

/// A unified address as the value of a `location` attribute: `[]` clears it, else one location
/// with up to four street lines and an ISO 3166-1 alpha-2 `country_code` (a country name is
/// converted to its code).
pub fn location_from_address(field: &str, a: &Address) -> Result<Value> {
    if a.is_empty() {
        return Ok(json!([]));
    }
    let lines: Vec<&str> = a
        .street
        .as_deref()
        .map(|s| {
            s.split('\n')
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect()
        })
        .unwrap_or_default();
    if lines.len() > 4 {
        return Err(Error::invalid(
            format!("{field}.street"),
            "Attio locations hold at most four street lines",
        ));
    }
    let country = match a.country.as_deref().map(str::trim) {
        None | Some("") => Value::Null,
        Some(c) => match country::country_code(c) {
            Some(code) => Value::String(code.to_owned()),
            None => {
                return Err(Error::invalid(
                    format!("{field}.country"),
                    format!("Attio stores a country as an ISO 3166-1 alpha-2 code (e.g. \"US\"); {c:?} is neither a code nor a country name unicrm knows"),
                ))
            }
        },
    };
    let line = |i: usize| {
        lines
            .get(i)
            .map_or(Value::Null, |l| Value::String((*l).to_owned()))
    };
    let opt = |s: &Option<String>| s.clone().map_or(Value::Null, Value::String);
    Ok(json!([{
        "line_1": line(0),
        "line_2": line(1),
        "line_3": line(2),
        "line_4": line(3),
        "locality": opt(&a.city),
        "region": opt(&a.state),
        "postcode": opt(&a.postal_code),
        "country_code": country,
        "latitude": null,
        "longitude": null,
    }]))
}

/// `{"data": {"values": values}}`, the body of record creates and updates.
pub fn record_body(values: Map<String, Value>) -> Value {
    json!({"data": {"values": values}})
}

/// The record of a record answer (`{"data": record}`) or of a bare record.
pub fn record_of(payload: &Value) -> &Value {
    payload.get("data").unwrap_or(payload)
}

/// [`record_of`] a payload given by value (the record moves out of it, uncopied).
pub fn record_of_owned(mut payload: Value) -> Value {
    match payload.get_mut("data") {
        Some(data) => data.take(),
        None => payload,
    }
}

/// Parses a record answer (`{"data": record}`) or a bare record.
pub fn parse_record(payload: &Value) -> Result<wire::Record> {
    wire::Record::deserialize(record_of(payload)).map_err(record_error)
}

/// [`parse_record`] of a payload given by value (its values move into the record, uncopied).
pub fn parse_record_owned(payload: Value) -> Result<wire::Record> {
    deserialize_record(record_of_owned(payload))
}

/// Deserializes a record (already out of its answer's `data`), moving its values.
pub fn deserialize_record(record: Value) -> Result<wire::Record> {
    serde_json::from_value(record).map_err(record_error)
}

fn record_error(e: serde_json::Error) -> Error {
    Error::invalid("data", format!("not an Attio record: {e}"))
}

/// A record as JSON, moving its parts: the same value as `serde_json::to_value(&record)`.
pub fn record_into_value(record: wire::Record) -> Value {
    let wire::Record {
        id,
        created_at,
        web_url,
        values,
    } = record;
    wire::record_json(
        [id.workspace_id, id.object_id, id.record_id],
        created_at,
        web_url,
        values,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_moved_into_json_is_what_serde_gives() {
        for text in [
            include_str!("../../fixtures/contact/get_person_docs.json"),
            include_str!("../../fixtures/account/create_company_response_docs.json"),
            include_str!("../../fixtures/deal/create_deal_response_docs.json"),
        ] {
            let payload: Value = serde_json::from_str(text).unwrap();
            let record = parse_record(&payload).unwrap();
            let by_serde = serde_json::to_value(&record).unwrap();
            assert_eq!(record_into_value(record), by_serde);
            assert_eq!(
                parse_record_owned(payload.clone()).unwrap(),
                parse_record(&payload).unwrap()
            );
            let mut no_url = parse_record(&payload).unwrap();
            no_url.web_url = None;
            assert_eq!(
                record_into_value(no_url.clone()),
                serde_json::to_value(&no_url).unwrap()
            );
        }
        let bad = serde_json::json!({"data": {"id": 1}});
        assert_eq!(
            parse_record_owned(bad.clone()).unwrap_err().to_string(),
            parse_record(&bad).unwrap_err().to_string()
        );
    }

    #[test]
    fn updated_at_is_the_newest_active_from_each_parsed_on_its_own() {
        let at = |s: &str| timestamp("t", s).unwrap();
        let record = |values: Value| wire::Record {
            created_at: "2023-01-01T15:00:00.000000000Z".into(),
            values: values.as_object().unwrap().clone(),
            ..Default::default()
        };
        let v = |from: &str| json!({"active_from": from, "active_until": null, "value": 1});
        let r = record(json!({
            "a": [v("2023-01-01T15:00:00.000000000Z"), v("2023-01-01T15:00:00.000000000Z")],
            "b": [v("2024-06-01T15:00:00.000000000Z"), v("2023-01-01T15:00:00.000000000Z")],
            "c": [v("2024-06-01T16:00:00.000000000Z")],
            "d": [{"active_from": "2099-01-01T00:00:00Z", "active_until": "2099-01-02T00:00:00Z"}],
        }));
        assert_eq!(
            record_times(&r).unwrap(),
            (
                Some(at("2023-01-01T15:00:00Z")),
                Some(at("2024-06-01T16:00:00Z"))
            )
        );
        // An invalid one, even right after a valid one of the same length, names its attribute.
        let r = record(json!({
            "a": [v("2024-06-01T15:00:00.000000000Z")],
            "b": [v("2024-06-01T15:00:00.000000000X")],
        }));
        assert_eq!(
            record_times(&r).unwrap_err().to_string(),
            timestamp("values.b.active_from", "2024-06-01T15:00:00.000000000X")
                .unwrap_err()
                .to_string()
        );
    }
}
