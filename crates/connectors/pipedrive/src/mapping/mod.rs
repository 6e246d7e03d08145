//! Pure mapping between unified records and Pipedrive JSON, both directions. No I/O: the
//! connector resolves what needs a call (organization by name, a person for a lead, owners)
//! around these functions.
//!
//! Shared conventions (see the crate README for the field tables):
//! * ids are numbers on the wire (v2 objects) and strings in the unified model; lead ids are UUIDs;
//! * `emails` / `phones` are arrays of `{value, primary, label}`: the unified lists hold all of
//!   them, primary first;
//! * custom fields are 40-character hash keys, nested in `custom_fields` on v2 objects and
//!   top-level on v1 leads; any other provider field without a unified home is read as a custom
//!   field named by its key, and a unified custom field with a non-hash key is written top-level;
//! * `passthrough` is merged into the body last (a `custom_fields` object merges key by key).

pub mod account;
pub mod contact;
pub mod deal;
pub mod definitions;
pub mod lead;
pub mod meeting;
pub mod record;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::{Map, Value};
use unicrm_core::convert::parse_timestamp;
use unicrm_core::{Address, CustomField, Error, Owner, Passthrough, Result};

use crate::wire::LabeledValue;

/// Fields every record has that are neither unified fields nor custom data.
pub const BOOKKEEPING: &[&str] = &[
    "id",
    "add_time",
    "update_time",
    "is_deleted",
    "creator_user_id",
    "creator_id",
];

/// The record object of a payload: the object itself, or `data` of a `{success, data}` envelope.
pub fn record_object(payload: &Value) -> Result<&Map<String, Value>> {
    let obj = payload
        .as_object()
        .ok_or_else(|| Error::invalid("", "a Pipedrive record is a JSON object"))?;
    match (obj.get("success"), obj.get("data")) {
        (Some(Value::Bool(_)), Some(Value::Object(data))) => Ok(data),
        _ => Ok(obj),
    }
}

/// [`record_object`] of a payload given by value: the record's object itself, uncopied.
pub fn into_record_object(payload: Value) -> Result<Map<String, Value>> {
    let Value::Object(mut obj) = payload else {
        return Err(Error::invalid("", "a Pipedrive record is a JSON object"));
    };
    if matches!(
        (obj.get("success"), obj.get("data")),
        (Some(Value::Bool(_)), Some(Value::Object(_)))
    ) {
        if let Some(Value::Object(data)) = obj.remove("data") {
            return Ok(data);
        }
    }
    Ok(obj)
}

/// An id as the unified model holds it: numbers and strings as text, `{value}` / `{id}` objects
/// (v1 expanded references) by their inner id; `null` is `None`.
pub fn id_string(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Object(o) => id_string(o.get("value").or_else(|| o.get("id"))),
        _ => None,
    }
}

/// A numeric Pipedrive id from a unified id string (`field` names it in the error).
pub fn numeric_id(field: &str, id: &str) -> Result<i64> {
    id.trim()
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| {
            Error::invalid(
                field,
                format!("{id:?} is not a Pipedrive id (a positive whole number)"),
            )
        })
}

/// Whether `id` can be a v2 record id (a positive whole number).
pub fn is_numeric_id(id: &str) -> bool {
    numeric_id("id", id).is_ok()
}

/// Whether `id` can be a lead id (a UUID, e.g. `adf21080-0e10-11eb-879b-05d71fb426ec`).
pub fn is_uuid(id: &str) -> bool {
    let b = id.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// Whether a key is a Pipedrive custom field key ("randomly generated 40-character hashes").
pub fn is_custom_key(key: &str) -> bool {
    key.len() == 40 && key.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A text value; empty strings are `None`.
pub fn text(obj: &Map<String, Value>, key: &str) -> Option<String> {
    obj.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// Parses a Pipedrive time: RFC 3339 (`2021-01-01T00:00:00Z`, v2 and v1 leads) or the v1
/// `YYYY-MM-DD HH:MM:SS` form (UTC).
pub fn timestamp(field: &str, s: &str) -> Result<DateTime<Utc>> {
    parse_timestamp(field, s).or_else(|e| {
        NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%d %H:%M:%S")
            .map(|t| t.and_utc())
            .map_err(|_| e)
    })
}

/// Creation and last-change time of a record.
pub type Times = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// `add_time` / `update_time` of a record.
pub fn times(obj: &Map<String, Value>) -> Result<Times> {
    let t = |k: &str| {
        text(obj, k)
            .filter(|s| !s.starts_with("0000-00-00"))
            .map(|s| timestamp(k, &s))
            .transpose()
    };
    Ok((t("add_time")?, t("update_time")?))
}

/// The owner of `owner_id` (id only; the connector resolves name and e-mail).
pub fn owner_from_wire(obj: &Map<String, Value>) -> Option<Owner> {
    id_string(obj.get("owner_id")).map(Owner::id)
}

/// A reference id as a list: absent → `None`, `null` → `Some([])`, an id → `Some([id])`.
pub fn id_list(obj: &Map<String, Value>, key: &str) -> Option<Vec<String>> {
    obj.get(key)
        .map(|v| id_string(Some(v)).into_iter().collect())
}

/// `emails` / `phones` values, primary first, in the provider's order otherwise. Tolerates
/// plain strings (search results).
pub fn labeled_from_wire(v: Option<&Value>) -> Option<Vec<String>> {
    let items = v?.as_array()?;
    let mut primary = Vec::new();
    let mut rest = Vec::new();
    for item in items {
        match item {
            Value::String(s) if !s.is_empty() => rest.push(s.clone()),
            Value::Object(_) => {
                if let Ok(lv) = serde_json::from_value::<LabeledValue>(item.clone()) {
                    if lv.value.is_empty() {
                        continue;
                    }
                    if lv.primary {
                        primary.push(lv.value);
                    } else {
                        rest.push(lv.value);
                    }
                }
            }
            _ => {}
        }
    }
    primary.extend(rest);
    Some(primary)
}

/// Unified values → `[{value, primary, label}]`: the first is primary; labels are `label_first`
/// for the first and `other` for the rest. Empty values are refused.
pub fn labeled_to_wire(field: &str, values: &[String], label_first: &str) -> Result<Value> {
    let mut out = Vec::with_capacity(values.len());
    for (i, v) in values.iter().enumerate() {
        if v.trim().is_empty() {
            return Err(Error::invalid(format!("{field}[{i}]"), "must not be empty"));
        }
        out.push(LabeledValue {
            value: v.clone(),
            primary: i == 0,
            label: Some(if i == 0 { label_first } else { "other" }.to_owned()),
        });
    }
    serde_json::to_value(out).map_err(|e| Error::Internal(e.to_string()))
}

/// A Pipedrive address object (`postal_address` of persons, `address` of organizations,
/// `location` of activities) → unified address. `street` is `street_number route` (or `value`
/// when no part is set), `city` is `locality`, `state` is `admin_area_level_1`.
pub fn address_from_wire(v: Option<&Value>) -> Option<Address> {
    let o = v?.as_object()?;
    let part = |k: &str| text(o, k);
    let value = part("value").unwrap_or_default();
    let street = match (part("street_number"), part("route")) {
        // The number goes where the formatted address puts it ("Mustamäe tee 3a", "123 Main St").
        (Some(n), Some(r)) if value.contains(&format!("{r} {n}")) => Some(format!("{r} {n}")),
        (Some(n), Some(r)) if !r.starts_with(&n) => Some(format!("{n} {r}")),
        (_, Some(r)) => Some(r),
        (Some(n), None) => Some(n),
        (None, None) => None,
    };
    // An apartment / suite is the street's second line.
    let street = match (street, part("subpremise")) {
        (Some(s), Some(sub)) => Some(format!("{s}\n{sub}")),
        (s, _) => s,
    };
    let mut a = Address {
        street,
        city: part("locality"),
        state: part("admin_area_level_1"),
        postal_code: part("postal_code"),
        country: part("country"),
    };
    if a.is_empty() {
        a.street = part("value");
    }
    (!a.is_empty()).then_some(a)
}

/// Unified address → Pipedrive address object with `value` (the formatted address) and the parts.
pub fn address_to_wire(a: &Address) -> Value {
    let mut o = Map::new();
    let mut put = |k: &str, v: &Option<String>| {
        if let Some(v) = v {
            o.insert(k.to_owned(), Value::String(v.clone()));
        }
    };
    let (route, subpremise) = match a.street.as_deref().map(|s| s.split_once('\n')) {
        Some(Some((first, rest))) => (Some(first.to_owned()), Some(rest.replace('\n', ", "))),
        Some(None) => (a.street.clone(), None),
        None => (None, None),
    };
    put("route", &route);
    put("subpremise", &subpremise);
    put("locality", &a.city);
    put("admin_area_level_1", &a.state);
    put("postal_code", &a.postal_code);
    put("country", &a.country);
    let state_zip = [a.state.as_deref(), a.postal_code.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let street_line = a.street.as_deref().map(|s| s.replace('\n', ", "));
    let formatted = [
        street_line.as_deref(),
        a.city.as_deref(),
        (!state_zip.is_empty()).then_some(state_zip.as_str()),
        a.country.as_deref(),
    ]
    .into_iter()
    .flatten()
    .filter(|s| !s.is_empty())
    .collect::<Vec<_>>()
    .join(", ");
    o.insert("value".into(), Value::String(formatted));
    Value::Object(o)
}

/// Unread provider fields → custom fields: every top-level key that is not `mapped` nor
/// bookkeeping, and every entry of the `custom_fields` object, skipping `null`s.
pub fn custom_from_wire(obj: &Map<String, Value>, mapped: &[&str]) -> Vec<CustomField> {
    let mut out = Vec::new();
    for (k, v) in obj {
        if v.is_null() || mapped.contains(&k.as_str()) || BOOKKEEPING.contains(&k.as_str()) {
            continue;
        }
        if k == "custom_fields" {
            if let Value::Object(cf) = v {
                out.extend(
                    cf.iter()
                        .filter(|(_, v)| !v.is_null())
                        .map(|(k, v)| CustomField::named(k.clone(), v.clone())),
                );
            }
            continue;
        }
        out.push(CustomField::named(k.clone(), v.clone()));
    }
    out
}

/// Where custom fields go on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustomStyle {
    /// API v2: hash keys under `custom_fields`, other keys top-level.
    Nested,
    /// API v1 (leads): every key top-level.
    TopLevel,
}

/// Writes unified custom fields, then passthrough (last), into `body`.
pub fn finish_body(
    mut body: Map<String, Value>,
    custom: &[CustomField],
    passthrough: &Passthrough,
    style: CustomStyle,
) -> Result<Map<String, Value>> {
    let mut nested = match body.remove("custom_fields") {
        Some(Value::Object(m)) => m,
        _ => Map::new(),
    };
    for (i, cf) in custom.iter().enumerate() {
        let key = cf.target().filter(|k| !k.is_empty()).ok_or_else(|| {
            Error::invalid(
                format!("custom_fields[{i}]"),
                "needs remote_id (or id / name): the Pipedrive field key",
            )
        })?;
        let key = key.strip_prefix("custom_fields.").unwrap_or(key);
        if style == CustomStyle::Nested && is_custom_key(key) {
            nested.insert(key.to_owned(), custom_value(cf));
        } else {
            body.insert(key.to_owned(), custom_value(cf));
        }
    }
    for (k, v) in passthrough {
        match (k.as_str(), v, style) {
            ("custom_fields", Value::Object(m), CustomStyle::Nested) => {
                nested.extend(m.iter().map(|(k, v)| (k.clone(), v.clone())))
            }
            _ => {
                body.insert(k.clone(), v.clone());
            }
        }
    }
    if !nested.is_empty() {
        body.insert("custom_fields".into(), Value::Object(nested));
    }
    Ok(body)
}

/// The value a custom field sends: an option id (`remote_value_id`) as the number Pipedrive's
/// `enum`/`set` fields take when it is one, else [`CustomField::wire_value`].
pub fn custom_value(cf: &CustomField) -> Value {
    match cf.remote_value_id.as_deref().map(str::trim) {
        Some(id) if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) => id
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| cf.wire_value()),
        _ => cf.wire_value(),
    }
}

/// Refuses a unified field Pipedrive has no home for, naming where it could go instead.
pub fn no_home<T>(field: &str, value: &Option<T>, hint: &str) -> Result<()> {
    match value {
        Some(_) => Err(Error::no_home(
            field,
            format!("Pipedrive has no such field; {hint}"),
        )),
        None => Ok(()),
    }
}

/// Numeric ids of a list of unified ids (`label_ids` from `tags` …).
pub fn numeric_ids(field: &str, ids: &[String]) -> Result<Value> {
    ids.iter()
        .enumerate()
        .map(|(i, s)| numeric_id(&format!("{field}[{i}]"), s).map(Value::from))
        .collect::<Result<Vec<_>>>()
        .map(Value::Array)
}

/// Id list of a JSON array (`label_ids`, `participants` …) as strings.
pub fn string_ids(v: Option<&Value>) -> Option<Vec<String>> {
    v?.as_array()
        .map(|a| a.iter().filter_map(|x| id_string(Some(x))).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_and_keys() {
        assert_eq!(id_string(Some(&json!(12))), Some("12".into()));
        assert_eq!(
            id_string(Some(&json!({"value": 7, "name": "x"}))),
            Some("7".into())
        );
        assert_eq!(id_string(Some(&Value::Null)), None);
        assert!(numeric_id("org_id", "abc").is_err());
        assert!(is_uuid("adf21080-0e10-11eb-879b-05d71fb426ec"));
        assert!(!is_uuid("1"));
        assert!(is_custom_key("9dc80c50d78a15643bfc4ca79d76156a73a1ca0e"));
        assert!(!is_custom_key("visible_to"));
    }

    #[test]
    fn labeled_values_primary_first() {
        let v = json!([{"value": "b", "primary": false}, {"value": "a", "primary": true}, "c"]);
        assert_eq!(labeled_from_wire(Some(&v)).unwrap(), vec!["a", "b", "c"]);
        let w = labeled_to_wire("emails", &["a".into(), "b".into()], "work").unwrap();
        assert_eq!(
            w,
            json!([{"value": "a", "primary": true, "label": "work"}, {"value": "b", "primary": false, "label": "other"}])
        );
        assert!(labeled_to_wire("emails", &[" ".into()], "work").is_err());
    }

    #[test]
    fn addresses_both_ways() {
        let a = Address {
            street: Some("123 Main St".into()),
            city: Some("San Francisco".into()),
            state: Some("CA".into()),
            postal_code: Some("94105".into()),
            country: Some("US".into()),
        };
        let w = address_to_wire(&a);
        assert_eq!(w["value"], "123 Main St, San Francisco, CA 94105, US");
        assert_eq!(address_from_wire(Some(&w)), Some(a.clone()));
        let two_lines = Address {
            street: Some("123 Main St\nSuite 5".into()),
            ..a
        };
        let w = address_to_wire(&two_lines);
        assert_eq!(w["subpremise"], "Suite 5");
        assert_eq!(
            w["value"],
            "123 Main St, Suite 5, San Francisco, CA 94105, US"
        );
        assert_eq!(address_from_wire(Some(&w)), Some(two_lines));
        let only_value = json!({"value": "Mustamäe tee 3a, 10615 Tallinn"});
        assert_eq!(
            address_from_wire(Some(&only_value))
                .unwrap()
                .street
                .as_deref(),
            Some("Mustamäe tee 3a, 10615 Tallinn")
        );
    }

    #[test]
    fn option_ids_go_out_as_numbers() {
        let mut cf =
            CustomField::named("9dc80c50d78a15643bfc4ca79d76156a73a1ca0e", json!("Company"));
        assert_eq!(custom_value(&cf), json!("Company"));
        cf.remote_value_id = Some("191".into());
        assert_eq!(custom_value(&cf), json!(191));
        let body = finish_body(Map::new(), &[cf], &Map::new(), CustomStyle::Nested).unwrap();
        assert_eq!(
            Value::Object(body),
            json!({"custom_fields": {"9dc80c50d78a15643bfc4ca79d76156a73a1ca0e": 191}})
        );
    }

    #[test]
    fn v1_times_parse() {
        let t = timestamp("add_time", "2017-10-18 13:23:07").unwrap();
        assert_eq!(t.to_rfc3339(), "2017-10-18T13:23:07+00:00");
    }
}
