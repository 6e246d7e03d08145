//! Value conversions between HubSpot's all-string property values and typed unified values.
//!
//! HubSpot documents property values as strings: dates and date-times as epoch milliseconds
//! (`"1572480000000"`) or ISO 8601, numbers as decimal strings (`"17"`), multi-selects joined
//! with `;` (`"chocolate;strawberry"`), booleans `"true"`/`"false"`
//! (`SimplePublicObjectInput` example of HubSpot's spec). Parsing reuses `unicrm_core::convert`;
//! this module adds HubSpot's output formats. Every function here is pure.

use chrono::{DateTime, NaiveDate, SecondsFormat, TimeZone, Utc};
use serde_json::Value;
use unicrm_core::convert as core_convert;

/// Parse a HubSpot date-time value (epoch milliseconds, RFC 3339, or `YYYY-MM-DD`); `None` for
/// an empty string; `Err` says what was wrong.
pub fn parse_datetime(raw: &str) -> Result<Option<DateTime<Utc>>, String> {
    if raw.trim().is_empty() {
        return Ok(None);
    }
    core_convert::parse_timestamp("value", raw)
        .map(Some)
        .map_err(|e| match e {
            unicrm_core::Error::InvalidInput { reason, .. } => reason,
            other => other.to_string(),
        })
}

/// Format a date-time the way HubSpot returns them: RFC 3339, UTC, milliseconds, `Z`.
pub fn format_datetime(dt: &DateTime<Utc>) -> String {
    dt.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Format a unified date for a HubSpot date / date-time property: midnight UTC, ISO 8601
/// (HubSpot stores `date` properties at midnight UTC).
pub fn format_date(d: &NaiveDate) -> String {
    d.and_hms_opt(0, 0, 0)
        .map(|n| format_datetime(&Utc.from_utc_datetime(&n)))
        .unwrap_or_else(|| d.to_string())
}

/// Parse a HubSpot number exactly (no float rounding); `None` for an empty string.
pub fn parse_decimal(raw: &str) -> Result<Option<rust_decimal::Decimal>, String> {
    if raw.trim().is_empty() {
        return Ok(None);
    }
    core_convert::parse_decimal("value", raw)
        .map(Some)
        .map_err(|e| e.to_string())
}

/// Split a multi-select value (`"a;b"`) into its options.
pub fn split_multi(raw: &str) -> Vec<String> {
    core_convert::split_multi(raw)
}

/// Join options into HubSpot's multi-select form (`"a;b"`).
pub fn join_multi<S: AsRef<str>>(parts: &[S]) -> String {
    parts
        .iter()
        .map(|p| p.as_ref())
        .collect::<Vec<_>>()
        .join(";")
}

/// Turn a unified JSON value (custom field / passthrough) into a HubSpot property string.
///
/// Strings pass through; numbers keep their exact text; booleans become `"true"`/`"false"`;
/// `null` becomes `""` (HubSpot clears the value); arrays of scalars become a `;` multi-select.
/// Objects and nested arrays have no HubSpot form: `Err` says why.
pub fn value_to_property(v: &Value) -> Result<String, String> {
    match v {
        Value::Null => Ok(String::new()),
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Array(items) => {
            let parts = items
                .iter()
                .map(|i| match i {
                    Value::String(s) => {
                        if s.contains(';') {
                            Err(format!(
                                "option `{s}` contains `;`, HubSpot's multi-select separator"
                            ))
                        } else {
                            Ok(s.clone())
                        }
                    }
                    Value::Number(n) => Ok(n.to_string()),
                    Value::Bool(b) => Ok(b.to_string()),
                    _ => Err("a multi-select holds only strings, numbers or booleans".to_owned()),
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok(join_multi(&parts))
        }
        Value::Object(_) => Err("an object has no HubSpot property form".to_owned()),
    }
}

/// Typed read of a property value given HubSpot's property `type` and `fieldType`
/// (`GET /crm/v3/properties/{objectType}`): multi-select checkboxes become arrays, numbers
/// become JSON numbers when exact, booleans become booleans, dates stay ISO strings.
/// Without a known type the string is kept as is (and still round-trips).
pub fn property_to_value(raw: &str, kind: Option<&str>, field_type: Option<&str>) -> Value {
    match (kind, field_type) {
        (Some("enumeration"), Some("checkbox")) => {
            Value::Array(split_multi(raw).into_iter().map(Value::String).collect())
        }
        (Some("bool"), _) | (_, Some("booleancheckbox")) if raw == "true" || raw == "false" => {
            Value::Bool(raw == "true")
        }
        (Some("number"), _) => match serde_json::from_str::<serde_json::Number>(raw.trim()) {
            // keep the exact text when JSON would re-render it differently (e.g. "1.50")
            Ok(n) if n.to_string() == raw.trim() => Value::Number(n),
            _ => Value::String(raw.to_owned()),
        },
        (Some("date" | "datetime"), _) => match parse_datetime(raw) {
            Ok(Some(dt)) if kind == Some("date") => Value::String(dt.date_naive().to_string()),
            Ok(Some(dt)) => Value::String(format_datetime(&dt)),
            _ => Value::String(raw.to_owned()),
        },
        _ => Value::String(raw.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn datetimes_from_epoch_ms_and_iso_agree() {
        let a = parse_datetime("1616461364872").unwrap().unwrap();
        let b = parse_datetime("2021-03-23T01:02:44.872Z").unwrap().unwrap();
        assert_eq!(a, b);
        assert_eq!(format_datetime(&a), "2021-03-23T01:02:44.872Z");
        assert_eq!(parse_datetime("").unwrap(), None);
        assert!(parse_datetime("next tuesday").is_err());
        assert_eq!(
            parse_datetime("2019-12-07").unwrap().unwrap(),
            parse_datetime("1575676800000").unwrap().unwrap()
        );
    }

    #[test]
    fn dates_round_trip() {
        let d = parse_datetime("2019-12-07T16:50:06.678Z")
            .unwrap()
            .unwrap()
            .date_naive();
        assert_eq!(d.to_string(), "2019-12-07");
        assert_eq!(format_date(&d), "2019-12-07T00:00:00.000Z");
        let back = parse_datetime(&format_date(&d)).unwrap().unwrap();
        assert_eq!(back.date_naive(), d);
    }

    #[test]
    fn decimals_are_exact() {
        let d = parse_decimal("1500.00").unwrap().unwrap();
        assert_eq!(d.to_string(), "1500.00");
        assert_eq!(parse_decimal("0.1").unwrap().unwrap().to_string(), "0.1");
        assert!(parse_decimal("12abc").is_err());
    }

    #[test]
    fn multi_select_round_trips() {
        assert_eq!(
            split_multi("chocolate;strawberry"),
            ["chocolate", "strawberry"]
        );
        assert_eq!(
            value_to_property(&json!(["chocolate", "strawberry"])).unwrap(),
            "chocolate;strawberry"
        );
        assert_eq!(
            property_to_value(
                "chocolate;strawberry",
                Some("enumeration"),
                Some("checkbox")
            ),
            json!(["chocolate", "strawberry"])
        );
        assert!(value_to_property(&json!(["a;b"])).is_err());
        assert!(value_to_property(&json!({"a": 1})).is_err());
    }

    #[test]
    fn scalars_to_property_strings() {
        assert_eq!(value_to_property(&json!(17)).unwrap(), "17");
        assert_eq!(value_to_property(&json!(1.5)).unwrap(), "1.5");
        assert_eq!(value_to_property(&json!(false)).unwrap(), "false");
        assert_eq!(value_to_property(&Value::Null).unwrap(), "");
        assert_eq!(
            property_to_value("17", Some("number"), Some("number")),
            json!(17)
        );
        assert_eq!(
            property_to_value("1.50", Some("number"), Some("number")),
            json!("1.50")
        );
        assert_eq!(
            property_to_value("false", Some("bool"), Some("booleancheckbox")),
            json!(false)
        );
        assert_eq!(
            property_to_value("1572480000000", Some("date"), Some("date")),
            json!("2019-10-31")
        );
    }
}
