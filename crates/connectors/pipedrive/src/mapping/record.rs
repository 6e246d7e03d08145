//! Pure: unified record ↔ Pipedrive object dispatched by resource, id checks, and provider
//! field names → unified field names in errors (no I/O, no async).

use serde_json::{Map, Value};
use unicrm_core::{Error, Record, Resource, Result};

use crate::client::PdObject;
use crate::config;
use crate::mapping::{
    account, contact, deal, is_numeric_id, is_uuid, lead, meeting, record_object, text,
};

/// The API v2 collection of a resource (`None` for leads, which are API v1).
pub fn object_of(resource: Resource) -> Option<PdObject> {
    match resource {
        Resource::Contact => Some(PdObject::Persons),
        Resource::Deal => Some(PdObject::Deals),
        Resource::Meeting => Some(PdObject::Activities),
        Resource::Account => Some(PdObject::Organizations),
        Resource::Lead => None,
    }
}

/// Pure: a provider payload of `resource` (a record, or a `{success, data}` answer) → unified.
pub fn record_from_wire(resource: Resource, payload: &Value) -> Result<Record> {
    let obj = record_object(payload)?;
    let mut record = map_record(resource, obj)?;
    *record.raw_mut() = Some(Value::Object(obj.clone()));
    Ok(record)
}

/// Pure: [`record_from_wire`] of a payload given by value: the record moves into `raw`, uncopied.
pub fn record_from_wire_owned(resource: Resource, payload: Value) -> Result<Record> {
    let obj = crate::mapping::into_record_object(payload)?;
    let mut record = map_record(resource, &obj)?;
    *record.raw_mut() = Some(Value::Object(obj));
    Ok(record)
}

fn map_record(resource: Resource, obj: &Map<String, Value>) -> Result<Record> {
    Ok(match resource {
        Resource::Contact => contact::contact_from_wire(obj)?.into(),
        Resource::Lead => lead::lead_from_wire(obj)?.into(),
        Resource::Deal => deal::deal_from_wire(obj)?.into(),
        Resource::Meeting => meeting::meeting_from_wire(obj)?.into(),
        Resource::Account => account::account_from_wire(obj)?.into(),
    })
}

/// Pure: a unified record → the body a create (`create`) or update sends.
pub fn record_to_wire(record: &Record, create: bool) -> Result<Map<String, Value>> {
    match record {
        Record::Contact(c) => contact::contact_to_wire(c, create, None),
        Record::Lead(l) => lead::lead_to_wire(l, create),
        Record::Deal(d) => deal::deal_to_wire(d, create),
        Record::Meeting(m) => meeting::meeting_to_wire(m, create, None),
        Record::Account(a) => account::account_to_wire(a, create),
    }
}

pub(crate) fn not_found(resource: Resource, id: &str) -> Error {
    Error::not_found(format!("no Pipedrive {resource} with id {id:?}"))
}

/// Checks that `id` can name a record of `resource` (numeric v2 ids, UUID lead ids).
pub(crate) fn check_id(resource: Resource, id: &str) -> Result<()> {
    let ok = match resource {
        Resource::Lead => is_uuid(id),
        _ => is_numeric_id(id),
    };
    if ok {
        Ok(())
    } else {
        Err(not_found(resource, id))
    }
}

pub(crate) fn is_meeting(obj: &Map<String, Value>) -> bool {
    text(obj, "type").as_deref() == Some(config::MEETING_TYPE)
}

/// The unified field a Pipedrive request field is written from (for a provider 400's `field`).
pub fn unified_field(resource: Resource, provider_field: &str) -> Option<&'static str> {
    let person = |f: &str| match f {
        "name" => Some("last_name"),
        "emails" => Some("emails"),
        "phones" => Some("phone_numbers"),
        "job_title" => Some("job_title"),
        "postal_address" => Some("address"),
        "owner_id" => Some("owner"),
        _ => None,
    };
    match resource {
        Resource::Contact => match provider_field {
            "org_id" => Some("account_ids"),
            "label_ids" => Some("tags"),
            f => person(f),
        },
        Resource::Account => match provider_field {
            "name" => Some("name"),
            "address" => Some("address"),
            "website" => Some("website"),
            "industry" => Some("industry"),
            "annual_revenue" => Some("annual_revenue"),
            "owner_id" => Some("owner"),
            _ => None,
        },
        Resource::Deal => match provider_field {
            "title" => Some("name"),
            "value" => Some("amount"),
            "currency" => Some("currency"),
            "stage_id" | "status" => Some("stage"),
            "pipeline_id" => Some("pipeline"),
            "expected_close_date" => Some("close_date"),
            "probability" => Some("probability"),
            "org_id" => Some("account_id"),
            "person_id" => Some("contact_ids"),
            "owner_id" => Some("owner"),
            _ => None,
        },
        Resource::Meeting => match provider_field {
            "subject" => Some("title"),
            "note" => Some("description"),
            "due_date" | "due_time" => Some("start_time"),
            "duration" => Some("end_time"),
            "location" => Some("location"),
            "participants" | "participants.person_id" | "person_id" => Some("contact_ids"),
            "org_id" => Some("account_id"),
            "deal_id" => Some("deal_id"),
            "done" => Some("outcome"),
            "owner_id" => Some("owner"),
            _ => None,
        },
        Resource::Lead => match provider_field {
            "person_id" => Some("contact_id"),
            "organization_id" => Some("account_id"),
            "label_ids" => Some("tags"),
            "is_archived" | "was_seen" => Some("status"),
            f => person(f),
        },
    }
}

/// A provider 400 names the Pipedrive field; the unified error names the unified field (the
/// provider's field list stays in the provider details).
pub(crate) fn unify_error(resource: Resource, e: Error) -> Error {
    match e {
        Error::InvalidInput {
            field,
            reason,
            provider: Some(p),
        } => Error::InvalidInput {
            field: unified_field(resource, &field)
                .map(str::to_owned)
                .unwrap_or(field),
            reason,
            provider: Some(p),
        },
        other => other,
    }
}

pub(crate) fn prefix_lead(e: Error) -> Error {
    match e {
        Error::InvalidInput {
            field,
            reason,
            provider,
        } => Error::InvalidInput {
            field: if field.is_empty() {
                field
            } else {
                format!("lead.{field}")
            },
            reason,
            provider,
        },
        other => other,
    }
}

/// Checks a whole write body before any call. An account's industry given as a label is checked
/// once its option id is known (that needs the field's options).
pub(crate) fn check_write(record: &Record, create: bool) -> Result<()> {
    let industry_label = matches!(record, Record::Account(a) if a.industry.as_deref().is_some_and(|i| !is_numeric_id(i)));
    if !industry_label {
        record_to_wire(record, create)?;
    }
    Ok(())
}
