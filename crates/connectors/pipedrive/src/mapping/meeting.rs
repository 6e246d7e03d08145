//! Unified meeting ↔ Pipedrive activity of type `meeting` (API v2 `/api/v2/activities`).
//!
//! Pipedrive keeps a start as `due_date` + `due_time` (UTC) and a length as `duration`
//! (`HH:MM:SS`); the unified `end_time` is start + duration. Attendee contacts are
//! `participants[{person_id, primary}]`. The outcome is the `done` flag: `completed` when done,
//! `scheduled` otherwise (other unified outcomes have no Pipedrive home).

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use serde_json::{json, Map, Value};
use unicrm_core::{EnumValue, Error, Meeting, Result};

use super::{
    custom_from_wire, finish_body, id_string, numeric_id, owner_from_wire, text, times, CustomStyle,
};
use crate::config::MEETING_TYPE;

/// Activity fields read into unified fields.
pub const MAPPED: &[&str] = &[
    "subject",
    "type",
    "note",
    "due_date",
    "due_time",
    "duration",
    "location",
    "participants",
    "person_id",
    "org_id",
    "deal_id",
    "done",
    "owner_id",
];

fn parse_hms(field: &str, s: &str) -> Result<NaiveTime> {
    NaiveTime::parse_from_str(s, "%H:%M:%S")
        .or_else(|_| NaiveTime::parse_from_str(s, "%H:%M"))
        .map_err(|_| Error::invalid(field, format!("not a HH:MM[:SS] time: {s:?}")))
}

/// `HH:MM[:SS]` (hours may exceed 23) → duration.
pub fn parse_duration(s: &str) -> Result<Duration> {
    let bad = || Error::invalid("duration", format!("not a HH:MM[:SS] duration: {s:?}"));
    let parts: Vec<&str> = s.trim().split(':').collect();
    if !(2..=3).contains(&parts.len()) {
        return Err(bad());
    }
    let mut secs = 0i64;
    for (i, p) in parts.iter().enumerate() {
        let n: i64 = p.parse().map_err(|_| bad())?;
        if n < 0 || (i > 0 && n > 59) {
            return Err(bad());
        }
        secs += n * [3600, 60, 1][i];
    }
    Ok(Duration::seconds(secs))
}

/// Duration → `HH:MM:SS`.
pub fn format_duration(d: Duration) -> String {
    let s = d.num_seconds();
    format!("{:02}:{:02}:{:02}", s / 3600, (s % 3600) / 60, s % 60)
}

/// The outcome of a `done` flag.
pub fn outcome_from_done(done: bool) -> EnumValue {
    if done {
        EnumValue::from_source("true", Some("completed"))
    } else {
        EnumValue::from_source("false", Some("scheduled"))
    }
}

/// The `done` flag of an outcome (`completed` / `scheduled`, or the source values `true` / `false`).
pub fn done_from_outcome(o: &EnumValue) -> Result<bool> {
    match (o.source_value.as_deref(), o.value.as_deref()) {
        (Some("true"), _) | (None, Some("completed")) => Ok(true),
        (Some("false"), _) | (None, Some("scheduled")) => Ok(false),
        _ => Err(Error::invalid(
            "outcome",
            "Pipedrive keeps only whether an activity is done: `completed` or `scheduled`",
        )),
    }
}

/// Pipedrive activity JSON → unified meeting.
/// `raw` stays unset: [`crate::connector::record_from_wire`] puts the record there.
pub fn meeting_from_wire(obj: &Map<String, Value>) -> Result<Meeting> {
    let (created_at, updated_at) = times(obj)?;
    let id = id_string(obj.get("id"));
    let start_time = match text(obj, "due_date") {
        Some(d) => {
            let date = NaiveDate::parse_from_str(&d, "%Y-%m-%d")
                .map_err(|_| Error::invalid("due_date", format!("not a YYYY-MM-DD date: {d:?}")))?;
            let time = text(obj, "due_time")
                .map(|t| parse_hms("due_time", &t))
                .transpose()?
                .unwrap_or(NaiveTime::MIN);
            Some(date.and_time(time).and_utc())
        }
        None => None,
    };
    let end_time = match (start_time, text(obj, "duration")) {
        (Some(start), Some(d)) => Some(start + parse_duration(&d)?),
        _ => None,
    };
    let mut contact_ids: Option<Vec<String>> = obj.get("participants").and_then(|p| {
        let list = p.as_array()?;
        let mut primary = Vec::new();
        let mut rest = Vec::new();
        for item in list {
            if let Some(pid) = id_string(item.get("person_id")) {
                if item.get("primary").and_then(Value::as_bool) == Some(true) {
                    primary.push(pid);
                } else {
                    rest.push(pid);
                }
            }
        }
        primary.extend(rest);
        Some(primary)
    });
    if contact_ids.as_ref().is_none_or(Vec::is_empty) {
        if let Some(pid) = id_string(obj.get("person_id")) {
            contact_ids = Some(vec![pid]);
        }
    }
    let location = obj.get("location").and_then(|l| match l {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Object(o) => text(o, "value"),
        _ => None,
    });
    Ok(Meeting {
        remote_id: id.clone(),
        id,
        title: text(obj, "subject"),
        description: text(obj, "note"),
        start_time,
        end_time,
        location,
        contact_ids,
        account_id: id_string(obj.get("org_id")),
        deal_id: id_string(obj.get("deal_id")),
        outcome: obj
            .get("done")
            .and_then(Value::as_bool)
            .map(outcome_from_done),
        owner: owner_from_wire(obj),
        custom_fields: custom_from_wire(obj, MAPPED),
        passthrough: Default::default(),
        created_at,
        updated_at,
        raw: None,
    })
}

/// Unified meeting → activity body (`POST` when `create`, with `type: meeting`; else `PATCH`).
///
/// `current_start` is the activity's current start on update, so that a new `end_time` alone
/// still gives a duration.
pub fn meeting_to_wire(
    m: &Meeting,
    create: bool,
    current_start: Option<DateTime<Utc>>,
) -> Result<Map<String, Value>> {
    let mut body = Map::new();
    if create {
        body.insert("type".into(), Value::String(MEETING_TYPE.into()));
    }
    if let Some(t) = &m.title {
        body.insert("subject".into(), Value::String(t.clone()));
    }
    if let Some(d) = &m.description {
        body.insert("note".into(), Value::String(d.clone()));
    }
    if let Some(start) = &m.start_time {
        body.insert(
            "due_date".into(),
            Value::String(start.format("%Y-%m-%d").to_string()),
        );
        body.insert(
            "due_time".into(),
            Value::String(start.format("%H:%M:%S").to_string()),
        );
    }
    if let Some(end) = &m.end_time {
        let start = m.start_time.or(current_start).ok_or_else(|| {
            Error::invalid(
                "end_time",
                "needs start_time: Pipedrive stores a start and a duration",
            )
        })?;
        if *end < start {
            return Err(Error::invalid("end_time", "must not be before start_time"));
        }
        body.insert(
            "duration".into(),
            Value::String(format_duration(*end - start)),
        );
    }
    if let Some(l) = &m.location {
        body.insert("location".into(), json!({ "value": l }));
    }
    if let Some(ids) = &m.contact_ids {
        let mut parts = Vec::with_capacity(ids.len());
        for (i, id) in ids.iter().enumerate() {
            let pid = numeric_id(&format!("contact_ids[{i}]"), id)?;
            parts.push(json!({ "person_id": pid, "primary": i == 0 }));
        }
        body.insert("participants".into(), Value::Array(parts));
    }
    if let Some(a) = &m.account_id {
        body.insert("org_id".into(), Value::from(numeric_id("account_id", a)?));
    }
    if let Some(d) = &m.deal_id {
        body.insert("deal_id".into(), Value::from(numeric_id("deal_id", d)?));
    }
    if let Some(o) = &m.outcome {
        body.insert("done".into(), Value::Bool(done_from_outcome(o)?));
    }
    if let Some(o) = &m.owner {
        body.insert(
            "owner_id".into(),
            Value::from(numeric_id("owner.id", &o.id)?),
        );
    }
    finish_body(body, &m.custom_fields, &m.passthrough, CustomStyle::Nested)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("01:30").unwrap(), Duration::minutes(90));
        assert_eq!(
            parse_duration("26:00:05").unwrap(),
            Duration::seconds(26 * 3600 + 5)
        );
        assert!(parse_duration("1:75").is_err());
        assert_eq!(format_duration(Duration::seconds(3725)), "01:02:05");
    }

    #[test]
    fn outcomes() {
        assert!(done_from_outcome(&EnumValue::unified("completed")).unwrap());
        assert!(!done_from_outcome(&EnumValue::unified("scheduled")).unwrap());
        assert!(done_from_outcome(&EnumValue::unified("no_show")).is_err());
    }
}
