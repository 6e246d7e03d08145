//! Sample records for the conformance suite and how each unified field is compared after a round
//! trip through a connector and its emulator.

use std::collections::BTreeSet;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde_json::{json, Map, Value};
use unicrm_core::{Record, Resource};

/// How a unified field's value is compared after a round trip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Exact string.
    Text,
    /// A URL: exact up to a trailing `/`.
    Url,
    /// A code compared case-insensitively (currency).
    Code,
    /// E-mail list: same first (primary) address and same set, case-insensitively.
    Emails,
    /// Unordered list of strings (phones, tags, linked ids); empty and absent are equal.
    Set,
    /// One linked record id.
    Id,
    /// Postal address: every part that was sent comes back equal.
    Address,
    /// Enumeration: the unified `value` that was sent comes back.
    Enum,
    /// Exact decimal (scale-insensitive: `40` equals `40.00`).
    Decimal,
    /// Instant (RFC 3339, any offset).
    DateTime,
    /// Calendar date.
    Date,
}

/// The comparison kind of a unified field, `None` for fields the suite does not round-trip.
pub(crate) fn kind(field: &str) -> Option<Kind> {
    Some(match field {
        "first_name" | "last_name" | "company_name" | "job_title" | "source" | "name"
        | "pipeline" | "title" | "description" | "location" | "industry" => Kind::Text,
        "website" => Kind::Url,
        "currency" => Kind::Code,
        "emails" => Kind::Emails,
        "phone_numbers" | "tags" | "account_ids" | "deal_ids" | "contact_ids" => Kind::Set,
        "contact_id" | "account_id" | "deal_id" => Kind::Id,
        "address" => Kind::Address,
        "lifecycle_stage" | "status" | "stage" | "outcome" => Kind::Enum,
        "amount" | "probability" | "annual_revenue" => Kind::Decimal,
        "start_time" | "end_time" => Kind::DateTime,
        "close_date" => Kind::Date,
        _ => return None,
    })
}

/// Fields whose values come from a provider vocabulary (picklists, enums): the suite tries a few
/// candidates and, when the provider refuses them all, leaves the optional ones out.
const VOCABULARY: &[&str] = &[
    "source",
    "industry",
    "pipeline",
    "lifecycle_stage",
    "status",
    "stage",
    "outcome",
];

/// Vocabulary fields a provider requires (left in even on the last attempt).
const REQUIRED_VOCABULARY: &[&str] = &["stage"];

/// How many create attempts the suite makes with different vocabulary candidates.
pub(crate) const ATTEMPTS: usize = 3;

/// Fields the suite knows but cannot give a meaningful value, with the reason.
pub(crate) fn not_checked(field: &str) -> Option<&'static str> {
    match field {
        "owner" => Some("needs an existing provider user id"),
        "custom_fields" => {
            Some("checked separately, with a text custom field the provider defines")
        }
        "passthrough" => Some("provider-specific field names"),
        "id" | "remote_id" | "created_at" | "updated_at" | "raw" => Some("set by the provider"),
        _ => None,
    }
}

/// Ids of records created earlier in the run, for link fields.
#[derive(Debug, Clone, Default)]
pub(crate) struct Links {
    pub account: Option<String>,
    /// The name the account was created with (a user names the company of a contact linked to
    /// an account after that account).
    pub account_name: Option<String>,
    pub contact: Option<String>,
    pub deal: Option<String>,
}

/// A sample record: its JSON form (the unified model's serde shape, `resource` tag included) and
/// the declared fields it sets, plus declared fields it leaves out and why.
#[derive(Debug, Clone)]
pub(crate) struct Sample {
    pub json: Value,
    pub set: Vec<&'static str>,
    pub left_out: Vec<(&'static str, String)>,
}

impl Sample {
    /// The typed record.
    pub(crate) fn record(&self) -> Result<Record, String> {
        serde_json::from_value(self.json.clone())
            .map_err(|e| format!("testkit bug: sample does not deserialize: {e}"))
    }
}

fn long_text(run: &str) -> String {
    let mut s = format!("Ünïcödé ✓ — {run} — ");
    while s.chars().count() < 2000 {
        s.push_str("Lorem ipsum dolor sit amet, consectetur adipiscing elit; ");
    }
    s.chars().take(2000).collect()
}

fn candidates(field: &str) -> &'static [&'static str] {
    match field {
        "source" => &["Web", "ORGANIC_SEARCH"],
        "industry" => &["Technology", "COMPUTER_SOFTWARE"],
        "pipeline" => &["default"],
        "lifecycle_stage" => &["lead", "subscriber"],
        "status" => &["new", "open"],
        "stage" => &["closed_won", "qualified_to_buy"],
        "outcome" => &["scheduled", "completed"],
        _ => &[],
    }
}

/// The value of `field` in sample number `n` of run `run`; `Err` says why it is left out.
fn value(
    resource: Resource,
    field: &'static str,
    run: &str,
    n: usize,
    links: &Links,
    attempt: usize,
) -> Result<Value, String> {
    if VOCABULARY.contains(&field) {
        if attempt + 1 >= ATTEMPTS && !REQUIRED_VOCABULARY.contains(&field) {
            return Err(
                "the provider refused every candidate value of this vocabulary field".into(),
            );
        }
        let list = candidates(field);
        let Some(pick) = list.get(attempt.min(list.len().saturating_sub(1))) else {
            return Err(format!("testkit has no sample value for `{field}`"));
        };
        return Ok(match kind(field) {
            Some(Kind::Enum) => json!({"value": pick}),
            _ => json!(pick),
        });
    }
    let link = |id: &Option<String>, what: &str| {
        id.clone()
            .ok_or_else(|| format!("no {what} was created in this run to link to"))
    };
    Ok(match field {
        "first_name" => json!("Zoë-Łukasz"),
        "last_name" => json!(format!("Ångström 山田 {run}-{n}")),
        "emails" => json!([
            format!("zoe.{run}.{n}@example.com"),
            format!("zoe.alt.{run}.{n}@example.org"),
            format!("z{n}.{run}@example.net"),
        ]),
        "phone_numbers" => json!([format!("+1 555 010 {n:04}"), format!("+44 20 7946 {n:04}")]),
        "company_name" => json!("Société Ünïcode ✓ Ltd"),
        "job_title" => json!("Directrice générale — Ünicode & i18n"),
        "address" => json!({
            "street": "1 Rue de l'Église",
            "city": "Zürich",
            "state": "ZH",
            "postal_code": "8001",
            "country": "Switzerland",
        }),
        "tags" => json!(["vip", "ünïcode"]),
        "name" if resource == Resource::Deal => json!(format!("Ünïcode deal ✓ {run}-{n}")),
        "name" => json!(format!("Ünïcode Société {run}-{n}")),
        "amount" => json!("12345.67"),
        "currency" => json!("USD"),
        "close_date" => json!("2030-06-30"),
        "probability" => json!("40"),
        "annual_revenue" => json!("1000000"),
        "title" => json!(format!("Kick-off ✓ Ünicode {run}-{n}")),
        "description" => json!(long_text(run)),
        "start_time" => json!("2030-01-15T10:00:00Z"),
        "end_time" => json!("2030-01-15T11:00:00Z"),
        "location" => json!("Zürich HQ, Raum 3"),
        // One host per sample: some CRMs keep company domains unique (Attio's `domains`).
        "website" => {
            let host: String = run
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
                .to_ascii_lowercase();
            json!(format!("https://{host}-{n}.example.com"))
        }
        "account_ids" => json!([link(&links.account, "account")?]),
        "contact_ids" => json!([link(&links.contact, "contact")?]),
        "account_id" => json!(link(&links.account, "account")?),
        "contact_id" => json!(link(&links.contact, "contact")?),
        "deal_id" => json!(link(&links.deal, "deal")?),
        "deal_ids" => {
            return Err("deals are created after contacts; checked from the deal side".into())
        }
        other => return Err(format!("testkit has no sample value for `{other}`")),
    })
}

/// Builds sample `n` of `resource` setting every declared field the suite can fill.
pub(crate) fn sample(
    resource: Resource,
    declared: &'static [&'static str],
    run: &str,
    n: usize,
    links: &Links,
    attempt: usize,
) -> Sample {
    let mut object = Map::new();
    object.insert("resource".into(), json!(resource.as_str()));
    let mut set = Vec::new();
    let mut left_out = Vec::new();
    for &field in declared {
        if let Some(reason) = not_checked(field) {
            left_out.push((field, reason.to_owned()));
            continue;
        }
        match value(resource, field, run, n, links, attempt) {
            Ok(v) => {
                object.insert(field.to_owned(), v);
                set.push(field);
            }
            Err(reason) => left_out.push((field, reason)),
        }
    }
    let linked = object.contains_key("account_ids") || object.contains_key("account_id");
    if let (true, true, Some(name)) = (
        linked,
        object.contains_key("company_name"),
        &links.account_name,
    ) {
        object.insert("company_name".into(), json!(name));
    }
    Sample {
        json: Value::Object(object),
        set,
        left_out,
    }
}

/// The field an update changes, per resource (the first one the connector declares), with its
/// new value.
pub(crate) fn update_value(
    resource: Resource,
    declared: &[&str],
    run: &str,
) -> Option<(&'static str, Value)> {
    let order: &[&'static str] = match resource {
        Resource::Contact => &["job_title", "last_name", "first_name", "company_name"],
        Resource::Lead => &["job_title", "company_name", "last_name", "first_name"],
        Resource::Deal => &["name", "amount"],
        Resource::Meeting => &["title", "location", "description"],
        Resource::Account => &["name", "description", "website"],
    };
    let field = order.iter().copied().find(|f| declared.contains(f))?;
    let value = match field {
        "amount" => json!("999.5"),
        "website" => json!("https://example.org"),
        _ => json!(format!("Mis à jour ✓ {run}")),
    };
    Some((field, value))
}

fn as_set(v: &Value, lowercase: bool) -> Result<BTreeSet<String>, String> {
    match v {
        Value::Null => Ok(BTreeSet::new()),
        Value::Array(items) => items
            .iter()
            .map(|i| match i {
                Value::String(s) if lowercase => Ok(s.to_lowercase()),
                Value::String(s) => Ok(s.clone()),
                other => Err(format!("expected a list of strings, got an item {other}")),
            })
            .collect(),
        other => Err(format!("expected a list, got {other}")),
    }
}

fn as_decimal(v: &Value) -> Option<Decimal> {
    match v {
        Value::String(s) => Decimal::from_str(s).ok(),
        Value::Number(n) => Decimal::from_str(&n.to_string()).ok(),
        _ => None,
    }
    .map(|d| d.normalize())
}

fn as_instant(v: &Value) -> Option<DateTime<Utc>> {
    v.as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
}

/// Compares what was sent for `field` with what came back; `Err` describes the difference.
pub(crate) fn compare(field: &str, sent: &Value, got: &Value) -> Result<(), String> {
    let differ = || Err(format!("sent {sent}, got {got}"));
    let Some(kind) = kind(field) else {
        return Ok(());
    };
    match kind {
        Kind::Text | Kind::Id => {
            if sent == got {
                Ok(())
            } else {
                differ()
            }
        }
        Kind::Url => {
            let norm = |v: &Value| v.as_str().map(|s| s.trim_end_matches('/').to_owned());
            if norm(sent).is_some() && norm(sent) == norm(got) {
                Ok(())
            } else {
                differ()
            }
        }
        Kind::Code => match (sent.as_str(), got.as_str()) {
            (Some(a), Some(b)) if a.eq_ignore_ascii_case(b) => Ok(()),
            _ => differ(),
        },
        Kind::Emails => {
            let first = |v: &Value| v.get(0).and_then(Value::as_str).map(str::to_lowercase);
            if first(sent) != first(got) {
                return Err(format!("primary e-mail differs: sent {sent}, got {got}"));
            }
            if as_set(sent, true)? == as_set(got, true)? {
                Ok(())
            } else {
                differ()
            }
        }
        Kind::Set => {
            if as_set(sent, false)? == as_set(got, false)? {
                Ok(())
            } else {
                differ()
            }
        }
        Kind::Address => {
            let Some(parts) = sent.as_object() else {
                return Ok(());
            };
            for (part, value) in parts {
                if !value.is_null() && got.get(part) != Some(value) {
                    return Err(format!(
                        "address.{part}: sent {value}, got {}",
                        got.get(part).unwrap_or(&Value::Null)
                    ));
                }
            }
            Ok(())
        }
        Kind::Enum => {
            let value = sent.get("value");
            if value.is_some() && got.get("value") == value {
                Ok(())
            } else {
                differ()
            }
        }
        Kind::Decimal => match (as_decimal(sent), as_decimal(got)) {
            (Some(a), Some(b)) if a == b => Ok(()),
            _ => differ(),
        },
        Kind::DateTime => match (as_instant(sent), as_instant(got)) {
            (Some(a), Some(b)) if a == b => Ok(()),
            _ => differ(),
        },
        Kind::Date => {
            if sent.as_str().is_some() && sent == got {
                Ok(())
            } else {
                differ()
            }
        }
    }
}

/// The unified JSON form of a record (`resource` tag and every field).
pub(crate) fn to_json(record: &Record) -> Value {
    serde_json::to_value(record).unwrap_or(Value::Null)
}

/// Compares every field set in `sent` with `got`; collects the differences.
pub(crate) fn compare_fields(fields: &[&str], sent: &Value, got: &Value) -> Vec<String> {
    fields
        .iter()
        .filter_map(|f| {
            let s = sent.get(*f).unwrap_or(&Value::Null);
            let g = got.get(*f).unwrap_or(&Value::Null);
            compare(f, s, g).err().map(|e| format!("`{f}`: {e}"))
        })
        .collect()
}

/// An id of the same shape as `existing` that no record has (or a plausible one without an
/// example): numeric ids get a large number, UUIDs the nil v4 UUID, and letter-and-digit ids
/// (no separators) keep their head and last three characters while every character between is
/// swapped for another of its class (digit for digit, lower case for lower case, upper case for
/// upper case) — so type prefixes, lengths and checksums over the case pattern (as some
/// providers put in their ids) stay valid. Anything else gets a `0` appended.
pub(crate) fn unknown_id_like(existing: Option<&str>) -> String {
    let Some(id) = existing else {
        return "987654321987".to_owned();
    };
    if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) {
        return format!("9{}", "8".repeat(id.len().clamp(6, 17)));
    }
    if id.len() == 36 && id.bytes().filter(|b| *b == b'-').count() == 4 {
        return "00000000-0000-4000-8000-000000000000".to_owned();
    }
    let alphanumeric = id.bytes().all(|b| b.is_ascii_alphanumeric());
    let mixed =
        id.bytes().any(|b| b.is_ascii_digit()) && id.bytes().any(|b| b.is_ascii_alphabetic());
    if alphanumeric && mixed && id.len() >= 9 {
        let (from, to) = (id.len() / 3, id.len() - 3);
        let swapped: String = id
            .bytes()
            .enumerate()
            .map(|(i, b)| {
                let b = if (from..to).contains(&i) {
                    match b {
                        b'0'..=b'9' => b'0' + (b - b'0' + 5) % 10,
                        b'a'..=b'z' => b'a' + (b - b'a' + 13) % 26,
                        _ => b'A' + (b - b'A' + 13) % 26,
                    }
                } else {
                    b
                };
                char::from(b)
            })
            .collect();
        return swapped;
    }
    format!("{id}0")
}

#[cfg(test)]
mod tests {
    use super::unknown_id_like;

    #[test]
    fn unknown_ids_keep_the_shape_of_the_example() {
        assert_eq!(unknown_id_like(Some("1001")), "9888888");
        assert_eq!(
            unknown_id_like(Some("6f1c1b0e-2b9a-4c1d-9d1e-0a1b2c3d4e5f")),
            "00000000-0000-4000-8000-000000000000"
        );
        assert_eq!(unknown_id_like(Some("lead_abc")), "lead_abc0");
        // Head and tail kept, every middle character swapped within its class.
        let id = "0035g0000000001AAA";
        let unknown = unknown_id_like(Some(id));
        assert_eq!(unknown, "0035g0555555556AAA");
        assert_ne!(unknown, id);
        let class = |c: char| {
            (
                c.is_ascii_digit(),
                c.is_ascii_lowercase(),
                c.is_ascii_uppercase(),
            )
        };
        assert!(id
            .chars()
            .zip(unknown.chars())
            .all(|(a, b)| class(a) == class(b)));
        assert_eq!(unknown_id_like(Some("aB3dE6gH9jK2")), "aB3dR1tU4jK2");
    }
}
