//! Unified meeting ↔ Zoho `Events` record.
//!
//! Attendee contacts are `Participants` of type `contact`; the first one is also the event's
//! `Who_Id` ("Contact Name"). The related account or deal is `What_Id` with `$se_module` naming
//! its module (`Accounts` / `Deals`), so an event relates to one of them, not both.

use serde_json::{json, Value};
use unicrm_core::{CustomField, Error, Meeting, Result};

use super::{check_id, datetime_value, no_home, require, Body, Read, Write};
use crate::wire::ZohoRecord;

/// Fields read into unified ones (and asked for by lists).
pub const FIELDS: &[&str] = &[
    "Event_Title",
    "Description",
    "Start_DateTime",
    "End_DateTime",
    "Venue",
    "Participants",
    "Who_Id",
    "What_Id",
    "Owner",
    "Created_Time",
    "Modified_Time",
];

/// Zoho API name → unified field, for errors.
pub const UNIFIED_NAMES: &[(&str, &str)] = &[
    ("Event_Title", "title"),
    ("Description", "description"),
    ("Start_DateTime", "start_time"),
    ("End_DateTime", "end_time"),
    ("Venue", "location"),
    ("Participants", "contact_ids"),
    ("Who_Id", "contact_ids[0]"),
    ("What_Id", "account_id"),
];

/// The record of a create or update of an event.
pub fn meeting_to_wire(m: &Meeting, mode: Write) -> Result<ZohoRecord> {
    require(mode, "title", "Event_Title", m.title.as_deref())?;
    if mode == Write::Create {
        if m.start_time.is_none() {
            return Err(Error::invalid(
                "start_time",
                "required: Zoho CRM needs Start_DateTime to create an event",
            ));
        }
        if m.end_time.is_none() {
            return Err(Error::invalid(
                "end_time",
                "required: Zoho CRM needs End_DateTime to create an event",
            ));
        }
    }
    if let (Some(start), Some(end)) = (m.start_time, m.end_time) {
        if end < start {
            return Err(Error::invalid("end_time", "must not be before start_time"));
        }
    }
    if m.outcome.is_some() {
        return Err(no_home(
            "outcome",
            "Events",
            "send it as a custom field (e.g. a pick list) or passthrough",
        ));
    }
    let mut body = Body::new(mode);
    body.text("Event_Title", m.title.as_ref());
    body.text("Description", m.description.as_ref());
    if let Some(start) = &m.start_time {
        body.value("Start_DateTime", datetime_value(start));
    }
    if let Some(end) = &m.end_time {
        body.value("End_DateTime", datetime_value(end));
    }
    body.text("Venue", m.location.as_ref());
    if let Some(contacts) = &m.contact_ids {
        let mut participants = Vec::with_capacity(contacts.len());
        for (i, id) in contacts.iter().enumerate() {
            check_id(&format!("contact_ids[{i}]"), id)?;
            participants.push(json!({ "type": "contact", "participant": id }));
        }
        match contacts.first() {
            Some(first) => body.value("Who_Id", json!({ "id": first })),
            None if mode == Write::Update => body.value("Who_Id", Value::Null),
            None => {}
        }
        body.value("Participants", Value::Array(participants));
    }
    match (m.account_id.as_deref(), m.deal_id.as_deref()) {
        (Some(a), Some(d)) if !a.is_empty() && !d.is_empty() => return Err(Error::invalid(
            "deal_id",
            "a Zoho event relates to one record (What_Id): give account_id or deal_id, not both",
        )),
        (_, Some(deal)) if !deal.is_empty() => {
            check_id("deal_id", deal)?;
            body.value("What_Id", json!({ "id": deal }));
            body.value("$se_module", Value::String("Deals".into()));
        }
        (Some(account), _) if !account.is_empty() => {
            check_id("account_id", account)?;
            body.value("What_Id", json!({ "id": account }));
            body.value("$se_module", Value::String("Accounts".into()));
        }
        (Some(_), _) | (_, Some(_)) if mode == Write::Update => body.value("What_Id", Value::Null),
        _ => {}
    }
    body.owner(m.owner.as_ref())?;
    body.finish(&m.custom_fields, &m.passthrough)
}

/// An event as Zoho answers it.
/// `raw` stays unset: [`crate::connector::record_from_wire`] puts the record there.
pub fn meeting_from_wire(rec: &ZohoRecord) -> Result<Meeting> {
    let r = Read::new(rec);
    let id = r.id();
    let mut contacts: Vec<String> = r.lookup_id("Who_Id").into_iter().collect();
    if let Some(Value::Array(participants)) = rec.get("Participants") {
        for p in participants {
            if p.get("type").and_then(Value::as_str) != Some("contact") {
                continue;
            }
            let id = match p.get("participant") {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Number(n)) => n.to_string(),
                _ => continue,
            };
            if !contacts.contains(&id) {
                contacts.push(id);
            }
        }
    }
    let what = r.lookup_id("What_Id");
    let module = r.text("$se_module");
    let mut custom_fields = r.custom_fields(FIELDS);
    let (account_id, deal_id) = match module.as_deref() {
        Some("Accounts") => (what, None),
        Some("Deals") => (None, what),
        _ => {
            // Related to another module (a lead, a case …): kept as provider fields, not lost.
            if let Some(value) = rec.get("What_Id").filter(|v| !v.is_null()) {
                custom_fields.push(CustomField::named("What_Id", value.clone()));
                if let Some(m) = rec.get("$se_module").filter(|v| !v.is_null()) {
                    custom_fields.push(CustomField::named("$se_module", m.clone()));
                }
            }
            (None, None)
        }
    };
    Ok(Meeting {
        id: id.clone(),
        remote_id: id,
        title: r.text("Event_Title"),
        description: r.text("Description"),
        start_time: r.datetime("Start_DateTime")?,
        end_time: r.datetime("End_DateTime")?,
        location: r.text("Venue"),
        contact_ids: (!contacts.is_empty()).then_some(contacts),
        account_id,
        deal_id,
        outcome: None,
        owner: r.owner(),
        custom_fields,
        passthrough: Default::default(),
        created_at: r.datetime("Created_Time")?,
        updated_at: r.datetime("Modified_Time")?,
        raw: None,
    })
}
