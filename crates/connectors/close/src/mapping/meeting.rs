//! Unified meeting ↔ Close meeting activity (`/activity/meeting/`).
//!
//! Close syncs meetings from Google Calendar / Microsoft Outlook; its API lists, reads, updates
//! and deletes them but has no create ("Add new endpoint for Meeting activities … Meeting
//! activities synced from Google Calendar"). So create is declared unsupported.
//!
//! | unified | Close meeting |
//! | --- | --- |
//! | title | `title` |
//! | description | `note` |
//! | start_time / end_time | `starts_at` / `ends_at` |
//! | location | `location` |
//! | contact_ids | `attendees[].contact_id` (+ `contact_id`), read only |
//! | account_id | `lead_id`, read only |
//! | outcome | `status` (read only: upcoming → scheduled, completed, canceled) |
//! | owner | `user_id` (+ `user_name`), read only |

use serde_json::{json, Value};
use unicrm_core::{EnumValue, Error, Meeting, Owner, Result};

use super::{
    apply_custom_and_passthrough, close_timestamp, custom_fields_from, text, timestamp, Write,
};
use crate::wire::Object;

/// Close meeting keys the mapping reads.
pub const MAPPED: &[&str] = &[
    "title",
    "note",
    "starts_at",
    "ends_at",
    "location",
    "attendees",
    "contact_id",
    "lead_id",
    "status",
    "user_id",
    "user_name",
];

/// Close meeting keys that are derived or bookkeeping (kept in `raw` only).
pub const SYSTEM: &[&str] = &[
    "id",
    "_type",
    "organization_id",
    "activity_at",
    "date_created",
    "date_updated",
    "created_by",
    "updated_by",
    "created_by_name",
    "updated_by_name",
    "duration",
    "actual_duration",
    "calendar_event_link",
    "calendar_event_uids",
    "conference_links",
    "connected_account_id",
    "provider_calendar_event_id",
    "provider_calendar_ids",
    "provider_calendar_type",
    "is_recurring",
    "integrations",
    "users",
    "user_note_mentions",
    "user_note_date_updated",
    "transcripts",
    "_paused_subscriptions",
    "comment_summary",
    "attached_call_ids",
    "source",
];

/// The unified outcome of a Close meeting status.
pub fn outcome_value(status: &str) -> Option<&'static str> {
    match status {
        "upcoming" | "in-progress" => Some("scheduled"),
        "completed" => Some("completed"),
        "canceled" | "declined-by-lead" | "declined-by-org" => Some("canceled"),
        _ => None,
    }
}

/// A Close meeting activity as a unified meeting.
/// `raw` stays unset: [`crate::connector::record_from_wire`] puts the record there.
pub fn meeting_from_wire(obj: &Object) -> Result<Meeting> {
    let id = text(obj, "id");
    let mut contacts: Vec<String> = Vec::new();
    let attendee_ids = obj
        .get("attendees")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|a| a.get("contact_id").and_then(Value::as_str));
    for c in text(obj, "contact_id")
        .into_iter()
        .chain(attendee_ids.map(str::to_owned))
    {
        if !contacts.contains(&c) {
            contacts.push(c);
        }
    }
    Ok(Meeting {
        remote_id: id.clone(),
        id,
        title: text(obj, "title"),
        description: text(obj, "note"),
        start_time: timestamp(obj, "starts_at")?,
        end_time: timestamp(obj, "ends_at")?,
        location: text(obj, "location"),
        contact_ids: Some(contacts),
        account_id: text(obj, "lead_id"),
        deal_id: None,
        outcome: text(obj, "status").map(|s| EnumValue::from_source(s.clone(), outcome_value(&s))),
        owner: text(obj, "user_id").map(|uid| Owner {
            id: uid,
            name: text(obj, "user_name"),
            email: None,
        }),
        custom_fields: custom_fields_from(obj, MAPPED, SYSTEM),
        created_at: timestamp(obj, "date_created")?,
        updated_at: timestamp(obj, "date_updated")?,
        raw: None,
        passthrough: Default::default(),
    })
}

/// A unified meeting as a `PUT /activity/meeting/{id}/` body (Close has no meeting create).
pub fn meeting_to_wire(m: &Meeting, _mode: Write) -> Result<Object> {
    if m.contact_ids.is_some() {
        return Err(Error::invalid(
            "contact_ids",
            "read only: Close takes a meeting's attendees from the synced calendar event",
        ));
    }
    if m.account_id.is_some() {
        return Err(Error::invalid(
            "account_id",
            "read only: Close puts a meeting on the lead of its attendees",
        ));
    }
    if m.deal_id.is_some() {
        return Err(Error::invalid(
            "deal_id",
            "Close meetings are not linked to opportunities",
        ));
    }
    if m.outcome.is_some() {
        return Err(Error::invalid(
            "outcome",
            "read only: Close computes a meeting's status from the calendar; to record a Close \
             outcome set custom_fields outcome_id (an outcome_… id)",
        ));
    }
    let mut body = Object::new();
    if let Some(t) = &m.title {
        body.insert("title".into(), json!(t));
    }
    if let Some(d) = &m.description {
        body.insert("note".into(), json!(d));
    }
    if let Some(l) = &m.location {
        body.insert("location".into(), json!(l));
    }
    if let Some(s) = &m.start_time {
        body.insert("starts_at".into(), json!(close_timestamp(s)));
    }
    if let Some(e) = &m.end_time {
        body.insert("ends_at".into(), json!(close_timestamp(e)));
    }
    if let (Some(s), Some(e)) = (&m.start_time, &m.end_time) {
        if e < s {
            return Err(Error::invalid("end_time", "must not be before start_time"));
        }
    }
    if m.owner.is_some() {
        return Err(Error::invalid(
            "owner",
            "read only: a Close meeting belongs to the user whose calendar it was synced from",
        ));
    }
    apply_custom_and_passthrough(&mut body, &m.custom_fields, &m.passthrough)?;
    Ok(body)
}
