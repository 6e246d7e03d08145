//! Unified lead ↔ Pipedrive lead (API v1 `/v1/leads`, UUID ids).
//!
//! "Each lead needs to be named (using the `title` field) and be linked to a person or an
//! organization." A Pipedrive lead holds no name, e-mail, phone, title or address of its own:
//! those live on its person (`person_id`), the company name on its organization
//! (`organization_id`). So a unified lead splits into a lead body ([`lead_to_wire`]) and the
//! person fields ([`lead_person`]) the connector writes to the person — found by e-mail or
//! created first when the lead carries person fields and no `contact_id` — and reads back with
//! [`apply_person`]. `title` defaults to the person's name, else the company name.
//! `status` comes from the Leads Inbox flags (Pipedrive leads have no status list): archived →
//! `unqualified` (source `archived`), not yet seen → `new` (source `unseen`), else `open`
//! (source `seen`);
//! `tags` are the lead label ids (UUIDs).

use serde_json::{Map, Value};
use unicrm_core::{Contact, EnumValue, Error, Lead, Result};

use super::{
    custom_from_wire, finish_body, id_string, is_uuid, numeric_id, owner_from_wire, string_ids,
    text, times, CustomStyle,
};

/// Lead fields read into unified fields.
pub const MAPPED: &[&str] = &[
    "person_id",
    "organization_id",
    "owner_id",
    "label_ids",
    "is_archived",
    "was_seen",
];

/// The status of the `is_archived` / `was_seen` flags.
pub fn status_from_flags(archived: bool, seen: bool) -> EnumValue {
    match (archived, seen) {
        (true, _) => EnumValue::from_source("archived", Some("unqualified")),
        (false, false) => EnumValue::from_source("unseen", Some("new")),
        (false, true) => EnumValue::from_source("seen", Some("open")),
    }
}

/// The (`is_archived`, `was_seen`) flags a status writes (`was_seen` left alone for archived).
pub fn flags_from_status(s: &EnumValue) -> Result<(bool, Option<bool>)> {
    match (s.source_value.as_deref(), s.value.as_deref()) {
        (Some("archived"), _) | (None, Some("unqualified" | "archived")) => Ok((true, None)),
        (Some("unseen"), _) | (None, Some("new")) => Ok((false, Some(false))),
        (Some("seen"), _) | (None, Some("open" | "in_progress")) => Ok((false, Some(true))),
        _ => Err(Error::invalid(
            "status",
            "a Pipedrive lead is `new` (not seen), `open` (seen) or `unqualified` (archived); qualify a lead by converting it to a deal",
        )),
    }
}

/// Pipedrive lead JSON → unified lead (person fields come from [`apply_person`]).
/// `raw` stays unset: [`crate::connector::record_from_wire`] puts the record there.
pub fn lead_from_wire(obj: &Map<String, Value>) -> Result<Lead> {
    let (created_at, updated_at) = times(obj)?;
    let id = id_string(obj.get("id"));
    Ok(Lead {
        remote_id: id.clone(),
        id,
        first_name: None,
        last_name: None,
        emails: None,
        phone_numbers: None,
        company_name: None,
        job_title: None,
        address: None,
        status: obj
            .get("is_archived")
            .and_then(Value::as_bool)
            .map(|archived| {
                let seen = obj.get("was_seen").and_then(Value::as_bool).unwrap_or(true);
                status_from_flags(archived, seen)
            }),
        source: None,
        tags: string_ids(obj.get("label_ids")),
        contact_id: id_string(obj.get("person_id")),
        account_id: id_string(obj.get("organization_id")),
        owner: owner_from_wire(obj),
        custom_fields: custom_from_wire(obj, MAPPED),
        passthrough: Default::default(),
        created_at,
        updated_at,
        raw: None,
    })
}

/// Copies the person's fields (and its organization's name) onto a lead read from Pipedrive.
pub fn apply_person(lead: &mut Lead, person: &Contact, company_name: Option<String>) {
    lead.first_name = person.first_name.clone();
    lead.last_name = person.last_name.clone();
    lead.emails = person.emails.clone();
    lead.phone_numbers = person.phone_numbers.clone();
    lead.job_title = person.job_title.clone();
    lead.address = person.address.clone();
    if company_name.is_some() {
        lead.company_name = company_name;
    }
}

/// The person fields a unified lead carries, as a contact (`None` when it carries none).
pub fn lead_person(l: &Lead) -> Option<Contact> {
    let c = Contact {
        first_name: l.first_name.clone(),
        last_name: l.last_name.clone(),
        emails: l.emails.clone(),
        phone_numbers: l.phone_numbers.clone(),
        job_title: l.job_title.clone(),
        address: l.address.clone(),
        ..Default::default()
    };
    let any = c.first_name.is_some()
        || c.last_name.is_some()
        || c.emails.as_ref().is_some_and(|e| !e.is_empty())
        || c.phone_numbers.as_ref().is_some_and(|p| !p.is_empty())
        || c.job_title.is_some()
        || c.address.is_some();
    any.then_some(c)
}

/// The title a new lead gets when none is given: the person's name, else the company name.
pub fn default_title(l: &Lead) -> Option<String> {
    super::contact::full_name(l.first_name.as_deref(), l.last_name.as_deref())
        .or_else(|| l.company_name.clone().filter(|c| !c.trim().is_empty()))
        .or_else(|| l.emails.as_ref().and_then(|e| e.first().cloned()))
}

/// Unified lead → lead body (`POST` when `create`, else `PATCH`), without the person fields.
/// On create the title defaults to [`default_title`]; `person_id` / `organization_id` are set
/// from `contact_id` / `account_id` when given (the connector adds them otherwise).
pub fn lead_to_wire(l: &Lead, create: bool) -> Result<Map<String, Value>> {
    if l.source.is_some() {
        return Err(Error::invalid(
            "source",
            "a Pipedrive lead's source (`source_name`, `origin`) is set by Pipedrive; send `channel` (a marketing channel id) in custom_fields instead",
        ));
    }
    let mut body = Map::new();
    let title_given = l.custom_fields.iter().any(|c| c.target() == Some("title"))
        || l.passthrough.contains_key("title");
    if create && !title_given {
        let title = default_title(l).ok_or_else(|| {
            Error::invalid(
                "last_name",
                "a Pipedrive lead needs a title: give a name, a company_name, an e-mail or a custom field `title`",
            )
        })?;
        body.insert("title".into(), Value::String(title));
    }
    if let Some(c) = &l.contact_id {
        body.insert(
            "person_id".into(),
            Value::from(numeric_id("contact_id", c)?),
        );
    }
    if let Some(a) = &l.account_id {
        body.insert(
            "organization_id".into(),
            Value::from(numeric_id("account_id", a)?),
        );
    }
    if let Some(s) = &l.status {
        let (archived, seen) = flags_from_status(s)?;
        body.insert("is_archived".into(), Value::Bool(archived));
        if let Some(seen) = seen {
            body.insert("was_seen".into(), Value::Bool(seen));
        }
    }
    if let Some(tags) = &l.tags {
        for (i, t) in tags.iter().enumerate() {
            if !is_uuid(t) {
                return Err(Error::invalid(
                    format!("tags[{i}]"),
                    format!("{t:?} is not a lead label id (a UUID from GET /v1/leadLabels)"),
                ));
            }
        }
        body.insert(
            "label_ids".into(),
            Value::Array(tags.iter().cloned().map(Value::String).collect()),
        );
    }
    if let Some(o) = &l.owner {
        body.insert(
            "owner_id".into(),
            Value::from(numeric_id("owner.id", &o.id)?),
        );
    }
    finish_body(
        body,
        &l.custom_fields,
        &l.passthrough,
        CustomStyle::TopLevel,
    )
}

/// Whether a lead body links a person or an organization.
pub fn has_link(body: &Map<String, Value>) -> bool {
    ["person_id", "organization_id"]
        .iter()
        .any(|k| body.get(*k).is_some_and(|v| !v.is_null()))
}

/// The company name of a unified lead, when it must be resolved to an organization.
pub fn lead_company(l: &Lead) -> Option<String> {
    l.company_name
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
}

/// `text` of the lead body's title (for tests and callers).
pub fn title_of(body: &Map<String, Value>) -> Option<String> {
    text(body, "title")
}
