//! Unified lead ↔ Close lead with its first contact.
//!
//! A unified lead is a person at a company who is not yet qualified. In Close that is a lead
//! (the company, with a status) holding one contact (the person). So:
//!
//! | unified | Close |
//! | --- | --- |
//! | company_name | lead `name` (the person's name when no company is given, as Close does) |
//! | status | lead `status_id` (read: `{value, source_value: status_id}`, value from the label) |
//! | address | lead `addresses[0]` |
//! | first_name + last_name, emails, phone_numbers, job_title | `contacts[0]`: `name`, `emails`, `phones`, `title` |
//! | contact_id | `contacts[0].id` (read only) |
//! | account_id | the lead's own id (read only: the same Close lead is also the unified account) |

use serde_json::{json, Value};
use unicrm_core::{EnumValue, Error, Lead, Result};

use super::{
    address_to, apply_custom_and_passthrough, custom_fields_from, emails_from, emails_to,
    join_name, no_home, phones_from, phones_to, split_name, text, timestamp, Write,
};
use crate::wire::Object;

/// Close lead keys the lead mapping reads.
pub const MAPPED: &[&str] = &["name", "addresses", "status_id", "status_label", "contacts"];

/// Close's default lead statuses ↔ unified lead status values.
///
/// Close organisations start with the statuses Potential, Bad Fit, Qualified and Customer and may
/// rename or add statuses; an unknown label keeps `value: None` and its `status_id` as
/// `source_value`.
pub const STATUS_TABLE: &[(&str, &str)] = &[
    ("potential", "new"),
    ("bad fit", "unqualified"),
    ("qualified", "qualified"),
    ("customer", "converted"),
];

/// The unified status of a Close status label.
pub fn status_value(label: &str) -> Option<&'static str> {
    let label = label.trim().to_ascii_lowercase();
    STATUS_TABLE
        .iter()
        .find(|(l, _)| *l == label)
        .map(|(_, v)| *v)
}

/// The Close label of a unified status value (`qualified` → `Qualified`).
pub fn status_label(value: &str) -> Option<&'static str> {
    match value {
        "new" => Some("Potential"),
        "unqualified" => Some("Bad Fit"),
        "qualified" => Some("Qualified"),
        "converted" => Some("Customer"),
        _ => None,
    }
}

/// The lead part and the person part of a unified lead write.
#[derive(Debug, Clone, PartialEq)]
pub struct LeadWrite {
    /// The `/lead/` body (company, status, address, custom fields, passthrough).
    pub lead: Object,
    /// The `/contact/` body of the person (name, title, e-mails, phones), if any person field is set.
    pub contact: Option<Object>,
}

impl LeadWrite {
    /// The single `POST /lead/` body of a create: the contact nested in `contacts`.
    pub fn create_body(&self) -> Object {
        let mut body = self.lead.clone();
        if let Some(c) = &self.contact {
            body.insert("contacts".into(), json!([c]));
        }
        body
    }
}

/// A Close lead as a unified lead.
/// `raw` stays unset: [`crate::connector::record_from_wire`] puts the record there.
pub fn lead_from_wire(obj: &Object) -> Result<Lead> {
    let id = text(obj, "id");
    let contact = obj
        .get("contacts")
        .and_then(Value::as_array)
        .and_then(|c| c.first())
        .and_then(Value::as_object);
    let (first_name, last_name) = split_name(contact.and_then(|c| text(c, "name")).as_deref());
    let status = match (text(obj, "status_id"), text(obj, "status_label")) {
        (None, None) => None,
        (id, label) => Some(EnumValue {
            value: label.as_deref().and_then(status_value).map(str::to_owned),
            source_value: id.or(label),
        }),
    };
    let mut system: Vec<&str> = super::account::SYSTEM.to_vec();
    system.retain(|k| *k != "contacts");
    Ok(Lead {
        remote_id: id.clone(),
        id: id.clone(),
        first_name,
        last_name,
        emails: contact.and_then(emails_from),
        phone_numbers: contact.and_then(phones_from),
        company_name: text(obj, "name"),
        job_title: contact.and_then(|c| text(c, "title")),
        address: super::account::first_address(obj),
        status,
        contact_id: contact.and_then(|c| text(c, "id")),
        account_id: id,
        custom_fields: custom_fields_from(obj, MAPPED, &system),
        created_at: timestamp(obj, "date_created")?,
        updated_at: timestamp(obj, "date_updated")?,
        raw: None,
        ..Default::default()
    })
}

/// The Close status field and value for a unified status: a `stat_…` id as `status_id`, anything
/// else as the `status` label ("Post either status or status_id").
pub fn status_to_wire(status: &EnumValue) -> Option<(&'static str, String)> {
    let source = status.to_source(status_label)?;
    Some(if source.starts_with("stat_") {
        ("status_id", source)
    } else {
        ("status", source)
    })
}

/// A unified lead as Close writes.
pub fn lead_to_wire(l: &Lead, mode: Write) -> Result<LeadWrite> {
    if l.source.is_some() {
        return Err(no_home(
            "source",
            "Close leads have no source field; use a lead custom field (custom_fields)",
        ));
    }
    if l.tags.is_some() {
        return Err(no_home("tags", "Close leads have no tags"));
    }
    if l.owner.is_some() {
        return Err(no_home(
            "owner",
            "Close leads have no owner field; use a lead custom field of type user (custom_fields)",
        ));
    }
    if l.contact_id.is_some() {
        return Err(no_home(
            "contact_id",
            "read only: the lead's person is its first Close contact",
        ));
    }
    if l.account_id.is_some() {
        return Err(no_home(
            "account_id",
            "read only: a Close lead is its own account (the ids are the same)",
        ));
    }
    let person = join_name(l.first_name.as_deref(), l.last_name.as_deref());
    let mut contact = Object::new();
    if let Some(name) = &person {
        contact.insert("name".into(), json!(name));
    }
    if let Some(title) = &l.job_title {
        contact.insert("title".into(), json!(title));
    }
    if let Some(emails) = &l.emails {
        contact.insert("emails".into(), emails_to("emails", emails)?);
    }
    if let Some(phones) = &l.phone_numbers {
        contact.insert("phones".into(), phones_to("phone_numbers", phones)?);
    }
    let mut lead = Object::new();
    match (l.company_name.as_deref().map(str::trim), &person) {
        (Some(company), _) if !company.is_empty() => {
            lead.insert("name".into(), json!(company));
        }
        (_, Some(person)) if mode == Write::Create => {
            lead.insert("name".into(), json!(person));
        }
        (_, None) if mode == Write::Create => {
            return Err(Error::invalid(
                "company_name",
                "required: a Close lead needs a company name or the person's name",
            ));
        }
        _ => {}
    }
    if let Some(status) = &l.status {
        if let Some((key, value)) = status_to_wire(status) {
            lead.insert(key.into(), json!(value));
        }
    }
    if let Some(a) = l.address.as_ref().filter(|a| !a.is_empty()) {
        lead.insert("addresses".into(), json!([address_to(a)]));
    }
    apply_custom_and_passthrough(&mut lead, &l.custom_fields, &l.passthrough)?;
    Ok(LeadWrite {
        lead,
        contact: (!contact.is_empty()).then_some(contact),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses() {
        assert_eq!(status_value("Bad Fit"), Some("unqualified"));
        assert_eq!(status_value("Interested"), None);
        let id = EnumValue::from_source("stat_1", None);
        assert_eq!(status_to_wire(&id), Some(("status_id", "stat_1".into())));
        let unified = EnumValue::unified("qualified");
        assert_eq!(
            status_to_wire(&unified),
            Some(("status", "Qualified".into()))
        );
    }
}
