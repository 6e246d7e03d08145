//! Value conversions every connector needs: provider date formats, numbers as strings,
//! multi-select strings. Pure functions, exact both ways.

use crate::error::{Error, Result};
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use rust_decimal::Decimal;
use std::str::FromStr;

/// Parses a provider timestamp: epoch milliseconds (`"1572480000000"`), RFC 3339
/// (`2019-10-31T00:00:00Z`, `2019-10-31T00:00:00.000+0000` as Salesforce writes it), or a bare date
/// (taken as midnight UTC). `field` names the value in errors.
pub fn parse_timestamp(field: &str, s: &str) -> Result<DateTime<Utc>> {
    let s = s.trim();
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        let ms: i64 = s
            .parse()
            .map_err(|_| Error::invalid(field, format!("epoch milliseconds out of range: {s}")))?;
        return Utc
            .timestamp_millis_opt(ms)
            .single()
            .ok_or_else(|| Error::invalid(field, format!("epoch milliseconds out of range: {s}")));
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    // Salesforce: 2019-10-31T00:00:00.000+0000 (offset without colon).
    if let Ok(t) = DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f%z") {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(t) = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f") {
        return Ok(t.and_utc());
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc());
    }
    Err(Error::invalid(
        field,
        format!("not a timestamp (epoch ms, RFC 3339 or YYYY-MM-DD): {s:?}"),
    ))
}

/// Parses a provider date: `YYYY-MM-DD`, or a timestamp (epoch ms / RFC 3339) whose UTC date is taken.
pub fn parse_date(field: &str, s: &str) -> Result<NaiveDate> {
    if let Ok(d) = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d") {
        return Ok(d);
    }
    parse_timestamp(field, s).map(|t| t.date_naive())
}

/// Epoch milliseconds as a string (`"1572480000000"`), as HubSpot stores date-times.
pub fn epoch_ms_string(t: &DateTime<Utc>) -> String {
    t.timestamp_millis().to_string()
}

/// RFC 3339 with milliseconds and `Z`.
pub fn iso_millis(t: &DateTime<Utc>) -> String {
    crate::model::format_timestamp(t)
}

/// Parses a decimal given as a string (`"1000.50"`), exactly.
pub fn parse_decimal(field: &str, s: &str) -> Result<Decimal> {
    Decimal::from_str(s.trim())
        .or_else(|_| Decimal::from_scientific(s.trim()))
        .map_err(|_| Error::invalid(field, format!("not a decimal number: {s:?}")))
}

/// Parses a JSON number or numeric string into a decimal, exactly.
pub fn decimal_from_json(field: &str, v: &serde_json::Value) -> Result<Option<Decimal>> {
    match v {
        serde_json::Value::Null => Ok(None),
        serde_json::Value::String(s) if s.trim().is_empty() => Ok(None),
        serde_json::Value::String(s) => parse_decimal(field, s).map(Some),
        serde_json::Value::Number(n) => parse_decimal(field, &n.to_string()).map(Some),
        other => Err(Error::invalid(
            field,
            format!("expected a number, got {other}"),
        )),
    }
}

/// A decimal as a JSON number when it fits an `f64` without losing digits, else as a string.
pub fn decimal_to_json(d: &Decimal) -> serde_json::Value {
    use rust_decimal::prelude::ToPrimitive;
    if let Some(i) = d.to_i64().filter(|i| Decimal::from(*i) == *d) {
        return serde_json::Value::from(i);
    }
    match d.to_f64().and_then(serde_json::Number::from_f64) {
        Some(n) if Decimal::from_str(&n.to_string()).ok() == Some(d.normalize()) => {
            serde_json::Value::Number(n)
        }
        _ => serde_json::Value::String(d.to_string()),
    }
}

/// Splits a multi-select string (`"a;b"`) into values; empty → empty list.
pub fn split_multi(s: &str) -> Vec<String> {
    s.split(';')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Joins values into a multi-select string (`"a;b"`); a value containing `;` is an error.
pub fn join_multi(field: &str, values: &[String]) -> Result<String> {
    if let Some(bad) = values.iter().find(|v| v.contains(';')) {
        return Err(Error::invalid(
            field,
            format!("value {bad:?} contains ';', which separates values on the wire"),
        ));
    }
    Ok(values.join(";"))
}

/// Empty strings as `None` (providers often answer `""` for unset text).
pub fn non_empty(s: Option<&str>) -> Option<String> {
    s.filter(|s| !s.is_empty()).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_in_provider_formats() {
        let t = parse_timestamp("t", "1572480000000").unwrap();
        assert_eq!(iso_millis(&t), "2019-10-31T00:00:00.000Z");
        assert_eq!(epoch_ms_string(&t), "1572480000000");
        let sf = parse_timestamp("t", "2019-10-31T02:00:00.000+0200").unwrap();
        assert_eq!(sf, t);
        assert_eq!(parse_timestamp("t", "2019-10-31").unwrap(), t);
        let e = parse_timestamp("closedate", "yesterday").unwrap_err();
        assert!(e.to_string().starts_with("closedate: "), "{e}");
    }

    #[test]
    fn decimals_exact() {
        let d = parse_decimal("amount", "1000.50").unwrap();
        assert_eq!(d.to_string(), "1000.50");
        assert_eq!(decimal_to_json(&d), serde_json::json!(1000.5));
        let big = parse_decimal("amount", "12345678901234567890.123").unwrap();
        assert_eq!(
            decimal_to_json(&big),
            serde_json::json!("12345678901234567890.123")
        );
        assert!(decimal_from_json("amount", &serde_json::json!(true)).is_err());
    }

    #[test]
    fn multi_select() {
        assert_eq!(split_multi("a;b; c"), vec!["a", "b", "c"]);
        assert_eq!(
            join_multi("tags", &["a".into(), "b".into()]).unwrap(),
            "a;b"
        );
        assert!(join_multi("tags", &["a;b".into()]).is_err());
    }
}
