//! Unified meeting ↔ Salesforce `Event`.
//!
//! Times go out as `StartDateTime` / `EndDateTime` (UTC). An event known only by
//! `ActivityDateTime` + `DurationInMinutes` reads back with `end_time = start + duration`.
//! Salesforce relates an event to one person (`WhoId`: contact or lead) and one record
//! (`WhatId`: account, opportunity …); `AccountId` is derived by Salesforce.

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde_json::Value;
use unicrm_core::{Error, Meeting, Result};

use super::{no_home, Body, Read, Write, COMMON_FIELDS};
use crate::wire::{SObject, SObjectType};

/// Fields selected when reading events (plus `FIELDS(CUSTOM)`).
pub fn select_fields() -> Vec<&'static str> {
    let mut fields = COMMON_FIELDS.to_vec();
    fields.extend([
        "Subject",
        "Description",
        "Location",
        "StartDateTime",
        "EndDateTime",
        "ActivityDateTime",
        "DurationInMinutes",
        "IsAllDayEvent",
        "WhoId",
        "WhatId",
        "AccountId",
    ]);
    fields
}

fn datetime_value(at: &DateTime<Utc>) -> Value {
    Value::String(at.to_rfc3339_opts(SecondsFormat::Millis, true))
}

/// The body of a create or update of an event.
pub fn meeting_to_wire(m: &Meeting, mode: Write) -> Result<SObject> {
    if mode == Write::Create {
        if m.start_time.is_none() && !m.passthrough.contains_key("ActivityDateTime") {
            return Err(Error::invalid(
                "start_time",
                "required: Salesforce needs StartDateTime (or ActivityDateTime) to create an event",
            ));
        }
        let has_length = m.end_time.is_some()
            || m.passthrough.contains_key("DurationInMinutes")
            || m.passthrough.get("IsAllDayEvent") == Some(&Value::Bool(true));
        if !has_length {
            return Err(Error::invalid(
                "end_time",
                "required: Salesforce needs EndDateTime (or DurationInMinutes) to create an event",
            ));
        }
    }
    if let (Some(start), Some(end)) = (m.start_time, m.end_time) {
        if end < start {
            return Err(Error::invalid("end_time", "is before start_time"));
        }
    }
    if m.outcome.is_some() {
        return Err(no_home(
            "outcome",
            "Event",
            "send it as a custom field (e.g. a Meeting_Outcome__c picklist) or passthrough",
        ));
    }
    let mut body = Body::new(mode);
    body.text("Subject", m.title.as_ref());
    body.text("Description", m.description.as_ref());
    body.text("Location", m.location.as_ref());
    if let Some(start) = &m.start_time {
        body.value("StartDateTime", datetime_value(start));
    }
    if let Some(end) = &m.end_time {
        body.value("EndDateTime", datetime_value(end));
    }
    match m.contact_ids.as_deref() {
        None => {}
        Some([]) if mode == Write::Update => body.value("WhoId", Value::Null),
        Some([]) => {}
        Some([one]) => body.reference(
            "WhoId",
            "contact_ids[0]",
            Some(one),
            &[SObjectType::Contact, SObjectType::Lead],
        )?,
        Some(_) => {
            return Err(Error::invalid(
                "contact_ids[1]",
                "a Salesforce event names one person (WhoId); more need Shared Activities \
                 (EventWhoRelation), which this connector does not write",
            ))
        }
    }
    // One related record (WhatId): the deal when given — Salesforce then derives the event's
    // AccountId (read only) from the opportunity, so an account_id read back alongside a
    // deal_id is not sent again — else the account.
    match (&m.deal_id, &m.account_id) {
        (Some(deal), _) => {
            body.reference("WhatId", "deal_id", Some(deal), &[SObjectType::Opportunity])?
        }
        (None, Some(account)) => body.reference(
            "WhatId",
            "account_id",
            Some(account),
            &[SObjectType::Account],
        )?,
        (None, None) => {}
    }
    body.owner(m.owner.as_ref())?;
    body.finish(&m.custom_fields, &m.passthrough)
}

/// An event as Salesforce answers it.
/// `raw` stays unset: [`crate::connector::record_from_wire`] puts the record there.
pub fn meeting_from_wire(obj: &SObject) -> Result<Meeting> {
    let r = Read::new(obj);
    let id = r.id();
    let start = match r.datetime("StartDateTime")? {
        Some(start) => Some(start),
        None => r.datetime("ActivityDateTime")?,
    };
    let end = match r.datetime("EndDateTime")? {
        Some(end) => Some(end),
        None => match (start, obj.get("DurationInMinutes").and_then(Value::as_i64)) {
            (Some(start), Some(minutes)) => Some(start + Duration::minutes(minutes)),
            _ => None,
        },
    };
    let what = r.text("WhatId");
    let deal_id = what
        .clone()
        .filter(|id| SObjectType::from_id(id) == Some(SObjectType::Opportunity));
    let account_id = r
        .text("AccountId")
        .or_else(|| what.filter(|id| SObjectType::from_id(id) == Some(SObjectType::Account)));
    Ok(Meeting {
        id: id.clone(),
        remote_id: id,
        title: r.text("Subject"),
        description: r.text("Description"),
        start_time: start,
        end_time: end,
        location: r.text("Location"),
        contact_ids: r.texts(&["WhoId"]),
        account_id,
        deal_id,
        outcome: None,
        owner: r.owner(),
        custom_fields: r.custom_fields(),
        passthrough: Default::default(),
        created_at: r.datetime("CreatedDate")?,
        updated_at: r.datetime("LastModifiedDate")?,
        raw: None,
    })
}
