//! Unified meeting ↔ Attio meeting (`/v2/meetings`, a beta API of calendar events linked to
//! records; not a record object).

use super::*;
use crate::config::{COMPANIES, DEALS, PEOPLE};
use unicrm_core::Meeting;

/// Parses a meeting answer (`{"data": meeting}`) or a bare meeting.
pub fn parse_meeting(payload: &Value) -> Result<wire::Meeting> {
    let inner = payload.get("data").unwrap_or(payload);
    wire::Meeting::deserialize(inner)
        .map_err(|e| Error::invalid("data", format!("not an Attio meeting: {e}")))
}

/// `{datetime}` or, for all-day meetings, `{date}` (taken as midnight UTC).
fn moment(field: &str, v: Option<&Value>) -> Result<Option<DateTime<Utc>>> {
    let Some(v) = v else { return Ok(None) };
    if let Some(dt) = v.get("datetime").and_then(Value::as_str) {
        return timestamp(field, dt).map(Some);
    }
    if let Some(d) = v.get("date").and_then(Value::as_str) {
        return timestamp(field, d).map(Some);
    }
    Ok(None)
}

/// A meeting as a unified meeting: linked people are its contacts, the first linked company
/// and deal its account and deal; participants and the all-day flag come back as custom fields.
pub fn meeting_from_wire(m: &wire::Meeting) -> Result<Meeting> {
    let linked = |object: &str| -> Vec<String> {
        m.linked_records
            .iter()
            .filter(|l| l.object_slug == object)
            .map(|l| l.record_id.clone())
            .collect()
    };
    let mut custom_fields = Vec::new();
    if !m.participants.is_empty() {
        custom_fields.push(CustomField::named(
            "participants",
            Value::Array(m.participants.clone()),
        ));
    }
    if m.is_all_day {
        custom_fields.push(CustomField::named("is_all_day", json!(true)));
    }
    for (k, v) in &m.extra {
        if !v.is_null() {
            custom_fields.push(CustomField::named(k.clone(), v.clone()));
        }
    }
    let created_at = m
        .created_at
        .as_deref()
        .map(|s| timestamp("created_at", s))
        .transpose()?;
    Ok(Meeting {
        id: Some(m.id.meeting_id.clone()),
        remote_id: Some(m.id.meeting_id.clone()),
        title: convert::non_empty(m.title.as_deref()),
        description: convert::non_empty(m.description.as_deref()),
        start_time: moment("start", m.start.as_ref())?,
        end_time: moment("end", m.end.as_ref())?,
        contact_ids: some_if_any(linked(PEOPLE)),
        account_id: linked(COMPANIES).into_iter().next(),
        deal_id: linked(DEALS).into_iter().next(),
        custom_fields,
        created_at,
        // Attio meetings carry no modification time.
        updated_at: None,
        raw: serde_json::to_value(m).ok(),
        ..Default::default()
    })
}

/// The `linked_records` a meeting's contacts, account and deal become.
pub fn linked_records(m: &Meeting) -> Vec<Value> {
    let mut out = Vec::new();
    for id in m.contact_ids.iter().flatten() {
        out.push(json!({"object": PEOPLE, "record_id": id}));
    }
    if let Some(id) = m.account_id.as_deref().filter(|s| !s.is_empty()) {
        out.push(json!({"object": COMPANIES, "record_id": id}));
    }
    if let Some(id) = m.deal_id.as_deref().filter(|s| !s.is_empty()) {
        out.push(json!({"object": DEALS, "record_id": id}));
    }
    out
}

fn check_no_home(m: &Meeting) -> Result<()> {
    if m.location.is_some() {
        return Err(no_home("location", "meetings", "put it in the description"));
    }
    if m.outcome.is_some() {
        return Err(no_home(
            "outcome",
            "meetings",
            "Attio meetings have no outcome",
        ));
    }
    if m.owner.is_some() {
        return Err(no_home(
            "owner",
            "meetings",
            "the organizer is a participant (custom field `participants`)",
        ));
    }
    Ok(())
}

/// The body of `POST /v2/meetings`: title, description, start and end (UTC), not all-day, no
/// participants unless given as the custom field `participants`, the linked records.
pub fn meeting_to_wire(m: &Meeting) -> Result<Value> {
    check_no_home(m)?;
    let title = m
        .title
        .as_deref()
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| Error::invalid("title", "Attio requires a meeting title"))?;
    let start = m
        .start_time
        .ok_or_else(|| Error::invalid("start_time", "Attio requires a meeting start"))?;
    let end = m
        .end_time
        .ok_or_else(|| Error::invalid("end_time", "Attio requires a meeting end"))?;
    if end < start {
        return Err(Error::invalid(
            "end_time",
            "the meeting ends before it starts",
        ));
    }
    let mut data = Map::new();
    data.insert("title".into(), json!(title));
    data.insert(
        "description".into(),
        json!(m.description.clone().unwrap_or_default()),
    );
    data.insert(
        "start".into(),
        json!({"datetime": convert::iso_millis(&start), "timezone": "UTC"}),
    );
    data.insert(
        "end".into(),
        json!({"datetime": convert::iso_millis(&end), "timezone": "UTC"}),
    );
    data.insert("is_all_day".into(), json!(false));
    data.insert("participants".into(), json!([]));
    data.insert("linked_records".into(), Value::Array(linked_records(m)));
    put_custom_and_passthrough(&mut data, &m.custom_fields, &m.passthrough)?;
    Ok(json!({ "data": data }))
}

/// The body of `PUT /v2/meetings/{id}` (overwrite linked records): Attio can change only the
/// records a meeting is linked to, so any other field set is an error naming it. `current` is
/// the meeting as stored, whose links the patch's unset link fields keep.
pub fn meeting_update_to_wire(patch: &Meeting, current: &Meeting) -> Result<Value> {
    check_no_home(patch)?;
    let fixed = [
        ("title", patch.title.is_some()),
        ("description", patch.description.is_some()),
        ("start_time", patch.start_time.is_some()),
        ("end_time", patch.end_time.is_some()),
        ("custom_fields", !patch.custom_fields.is_empty()),
    ];
    if let Some((field, _)) = fixed.iter().find(|(_, set)| *set) {
        return Err(Error::invalid(
            *field,
            "Attio cannot change a meeting after it is created, only the records it is linked to (contact_ids, account_id, deal_id)",
        ));
    }
    let merged = Meeting {
        contact_ids: patch
            .contact_ids
            .clone()
            .or_else(|| current.contact_ids.clone()),
        account_id: patch
            .account_id
            .clone()
            .or_else(|| current.account_id.clone()),
        deal_id: patch.deal_id.clone().or_else(|| current.deal_id.clone()),
        ..Default::default()
    };
    let mut data = Map::new();
    data.insert(
        "linked_records".into(),
        Value::Array(linked_records(&merged)),
    );
    put_custom_and_passthrough(&mut data, &[], &patch.passthrough)?;
    Ok(json!({ "data": data }))
}
