//! Unified meeting ↔ HubSpot meeting (`/crm/v3/objects/meetings`).
//!
//! Property names: HubSpot meetings guide (`hs_timestamp` required — "Unix timestamp in
//! milliseconds or UTC format", defaulting to `hs_meeting_start_time`; `hs_meeting_title`,
//! `hs_meeting_body`, `hs_meeting_location`, `hs_meeting_start_time`, `hs_meeting_end_time`,
//! `hs_meeting_outcome`, `hubspot_owner_id`).

use unicrm_core::{EnumValue, Error, Meeting, Result};

use super::convert::format_datetime;
use super::{
    assoc, custom_fields_to_wire, owner_to_wire, passthrough_to_wire, timestamp, HsObject,
    WireRead, WireWrite,
};

/// The properties a read asks for.
pub const READ_PROPERTIES: &[&str] = &[
    "hs_timestamp",
    "hs_meeting_title",
    "hs_meeting_body",
    "hs_meeting_location",
    "hs_meeting_start_time",
    "hs_meeting_end_time",
    "hs_meeting_outcome",
    "hs_internal_meeting_notes",
    "hs_meeting_external_url",
    "hubspot_owner_id",
    "hs_createdate",
    "hs_lastmodifieddate",
    "hs_object_id",
];

/// Properties with a unified home (everything else read becomes a custom field).
pub const CONSUMED: &[&str] = &[
    "hs_timestamp",
    "hs_meeting_title",
    "hs_meeting_body",
    "hs_meeting_location",
    "hs_meeting_start_time",
    "hs_meeting_end_time",
    "hs_meeting_outcome",
    "hubspot_owner_id",
];

/// Associations a read asks for.
pub const READ_ASSOCIATIONS: &[HsObject] =
    &[HsObject::Contacts, HsObject::Companies, HsObject::Deals];

/// `hs_meeting_outcome` values (meetings guide) ↔ unified outcomes.
const OUTCOMES: &[(&str, &str)] = &[
    ("SCHEDULED", "scheduled"),
    ("COMPLETED", "completed"),
    ("RESCHEDULED", "rescheduled"),
    ("NO_SHOW", "no_show"),
    ("CANCELED", "canceled"),
];

/// A HubSpot meeting payload → unified meeting. `start_time` is `hs_meeting_start_time`, else
/// `hs_timestamp` (the time HubSpot files the activity at).
/// `raw` stays unset: [`crate::connector::record_from_wire`] puts the payload there.
pub fn meeting_from_wire(r: &WireRead) -> Result<Meeting> {
    let ts = |prop: &str, field: &str| -> Result<_> {
        r.prop(prop).map(|s| timestamp(field, &s)).transpose()
    };
    let start = match ts("hs_meeting_start_time", "start_time")? {
        Some(s) => Some(s),
        None => ts("hs_timestamp", "start_time")?,
    };
    let mut custom = r.custom_fields(CONSUMED);
    // Keep hs_timestamp visible when it differs from the start time (it is then information).
    if let (Some(t), Some(s)) = (ts("hs_timestamp", "start_time")?, start) {
        if t != s {
            if let Some(raw) = r.prop("hs_timestamp") {
                custom.push(unicrm_core::CustomField::named(
                    "hs_timestamp",
                    serde_json::Value::String(raw),
                ));
            }
        }
    }
    Ok(Meeting {
        id: r.id(),
        remote_id: r.id(),
        title: r.prop("hs_meeting_title"),
        description: r.prop("hs_meeting_body"),
        start_time: start,
        end_time: ts("hs_meeting_end_time", "end_time")?,
        location: r.prop("hs_meeting_location"),
        contact_ids: r.ids(HsObject::Contacts),
        account_id: r.first_id(HsObject::Companies),
        deal_id: r.first_id(HsObject::Deals),
        outcome: r.prop("hs_meeting_outcome").map(|s| {
            let unified = OUTCOMES
                .iter()
                .find(|(h, _)| h.eq_ignore_ascii_case(&s))
                .map(|(_, u)| *u);
            EnumValue::from_source(s, unified)
        }),
        owner: r.owner(),
        custom_fields: custom,
        passthrough: r.passthrough(),
        created_at: r.created_at("hs_createdate")?,
        updated_at: r.updated_at("hs_lastmodifieddate")?,
        raw: None,
    })
}

/// Unified meeting → HubSpot meeting properties and associations. `hs_timestamp` follows the
/// start time; a create without a start time (and no `hs_timestamp` given) is refused.
pub fn meeting_to_wire(m: &Meeting, create: bool) -> Result<WireWrite> {
    let mut w = WireWrite::default();
    w.text("hs_meeting_title", &m.title);
    w.text("hs_meeting_body", &m.description);
    if let Some(s) = &m.start_time {
        w.set("hs_meeting_start_time", format_datetime(s));
        w.set("hs_timestamp", format_datetime(s));
    }
    if let Some(e) = &m.end_time {
        if m.start_time.is_some_and(|s| *e < s) {
            return Err(Error::invalid(
                "end_time",
                "the meeting ends before it starts",
            ));
        }
        w.set("hs_meeting_end_time", format_datetime(e));
    }
    w.text("hs_meeting_location", &m.location);
    if let Some(o) = &m.outcome {
        let s = o.to_source(|u| OUTCOMES.iter().find(|(_, x)| *x == u).map(|(h, _)| *h));
        w.set("hs_meeting_outcome", s.unwrap_or_default());
    }
    owner_to_wire(&mut w, &m.owner);
    w.associate(
        HsObject::Contacts,
        &m.contact_ids,
        assoc::MEETING_TO_CONTACT,
    );
    w.associate_one(
        HsObject::Companies,
        &m.account_id,
        assoc::MEETING_TO_COMPANY,
    );
    w.associate_one(HsObject::Deals, &m.deal_id, assoc::MEETING_TO_DEAL);
    custom_fields_to_wire(&mut w, &m.custom_fields)?;
    passthrough_to_wire(&mut w, &m.passthrough)?;
    if create
        && w.properties
            .get("hs_timestamp")
            .is_none_or(|v| v.is_empty())
    {
        return Err(Error::invalid(
            "start_time",
            "a HubSpot meeting needs a time (hs_timestamp): give start_time",
        ));
    }
    Ok(w)
}
