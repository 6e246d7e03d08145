//! Unified contact ↔ Close contact (`/contact/`): a person on exactly one lead.
//!
//! | unified | Close |
//! | --- | --- |
//! | first_name + last_name | `name` (split at the first space) |
//! | emails | `emails[].email` (written with `type: office`) |
//! | phone_numbers | `phones[].phone` (written with `type: office`) |
//! | job_title | `title` |
//! | account_ids | `[lead_id]` (a contact belongs to exactly one lead) |
//! | deal_ids | the lead's opportunities whose `contact_id` is this contact (read from the lead; written by setting `contact_id` on each) |
//! | company_name, address | the lead's `name` and first of `addresses` (read: the connector fetches the lead; write: see [`ContactWrite::company`]) |

use serde_json::{json, Value};
use unicrm_core::{Address, Contact, Error, Result};

use super::{
    apply_custom_and_passthrough, custom_fields_from, emails_from, emails_to, expect_object,
    join_name, no_home, phones_from, phones_to, split_name, text, timestamp, Write,
};
use crate::wire::Object;

/// Close contact keys the mapping reads into unified fields.
pub const MAPPED: &[&str] = &["name", "emails", "phones", "title", "lead_id"];

/// Close contact keys that are Close's own bookkeeping (kept in `raw` only).
pub const SYSTEM: &[&str] = &[
    "id",
    "organization_id",
    "display_name",
    "date_created",
    "date_updated",
    "created_by",
    "updated_by",
    "created_by_name",
    "updated_by_name",
    "integration_links",
    "lead_suggestions_operation_id",
    "recent_calls",
    "recent_sms",
];

/// A contact write: the `/contact/` body, and where the company (lead) part goes.
#[derive(Debug, Clone, PartialEq)]
pub struct ContactWrite {
    /// Body of `POST /contact/` or `PUT /contact/{id}/`.
    pub contact: Object,
    /// `company_name` / `address` given without `account_ids`: the connector links the lead with
    /// exactly this name (creating it when there is none) and keeps the address on that lead.
    pub company: Option<CompanyPart>,
    /// An address given together with `account_ids`: added to that lead's `addresses`.
    pub address_for_lead: Option<Address>,
    /// A `company_name` given together with `account_ids`: must be that lead's name (a Close
    /// contact's company *is* its lead), checked by the connector.
    pub expected_company: Option<String>,
    /// `deal_ids`: the opportunities whose `contact_id` is this contact (each opportunity names
    /// one contact); the connector sets them after saving the contact.
    pub deal_ids: Option<Vec<String>>,
}

/// The company a contact is written to when no lead id is given.
#[derive(Debug, Clone, PartialEq)]
pub struct CompanyPart {
    /// Lead name (`company_name`).
    pub name: String,
    /// Address to keep on the lead.
    pub address: Option<Address>,
}

impl ContactWrite {
    /// What `to_provider` shows (`deal_ids` become `PUT /opportunity/{id}/ {contact_id}` calls
    /// after the contact is saved): the `/contact/` body, or — when a company is implied — the
    /// `POST /lead/` body Close accepts with the contact nested ("Contacts, addresses, and custom
    /// fields can all be nested in the lead").
    pub fn to_json(&self) -> Value {
        match &self.company {
            None => Value::Object(self.contact.clone()),
            Some(company) => {
                let mut lead = Object::new();
                lead.insert("name".into(), json!(company.name));
                if let Some(a) = &company.address {
                    lead.insert("addresses".into(), json!([super::address_to(a)]));
                }
                lead.insert("contacts".into(), json!([self.contact]));
                Value::Object(lead)
            }
        }
    }
}

/// A Close contact as a unified contact. `company_name` and `address` live on the lead and are
/// filled by the connector ([`with_lead`]).
/// `raw` stays unset: [`crate::connector::record_from_wire`] puts the record there.
pub fn contact_from_wire(obj: &Object) -> Result<Contact> {
    let (first_name, last_name) = split_name(text(obj, "name").as_deref());
    let id = text(obj, "id");
    Ok(Contact {
        remote_id: id.clone(),
        id,
        first_name,
        last_name,
        emails: emails_from(obj),
        phone_numbers: phones_from(obj),
        job_title: text(obj, "title"),
        account_ids: text(obj, "lead_id").map(|l| vec![l]),
        custom_fields: custom_fields_from(obj, MAPPED, SYSTEM),
        created_at: timestamp(obj, "date_created")?,
        updated_at: timestamp(obj, "date_updated")?,
        raw: None,
        ..Default::default()
    })
}

/// Fills `company_name` and `address` from the contact's lead (`name`, first of `addresses`).
pub fn with_lead(mut contact: Contact, lead: &Object) -> Contact {
    contact.company_name = text(lead, "name");
    contact.address = lead
        .get("addresses")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .and_then(super::address_from);
    let id = contact.id.clone();
    contact.deal_ids = Some(
        lead.get("opportunities")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|o| o.get("contact_id").and_then(Value::as_str) == id.as_deref())
            .filter_map(|o| o.get("id").and_then(Value::as_str).map(str::to_owned))
            .collect(),
    );
    contact
}

/// A unified contact as a Close contact write.
pub fn contact_to_wire(c: &Contact, mode: Write) -> Result<ContactWrite> {
    if c.tags.is_some() {
        return Err(no_home("tags", "Close contacts have no tags"));
    }
    if c.lifecycle_stage.is_some() {
        return Err(no_home(
            "lifecycle_stage",
            "Close contacts have no lifecycle stage (the lead's status is the closest; set it on the lead)",
        ));
    }
    if c.source.is_some() {
        return Err(no_home(
            "source",
            "Close contacts have no source field; use a contact custom field (custom_fields)",
        ));
    }
    if c.owner.is_some() {
        return Err(no_home(
            "owner",
            "Close contacts have no owner (opportunities and activities do)",
        ));
    }
    if let Some(deals) = &c.deal_ids {
        let bad: Vec<String> = deals
            .iter()
            .filter(|d| !d.starts_with("oppo_"))
            .map(|d| format!("{d:?}"))
            .collect();
        if !bad.is_empty() {
            return Err(Error::invalid(
                "deal_ids",
                format!("not Close opportunity ids (oppo_…): {}", bad.join(", ")),
            ));
        }
    }
    let mut body = Object::new();
    if let Some(name) = join_name(c.first_name.as_deref(), c.last_name.as_deref()) {
        body.insert("name".into(), json!(name));
    }
    if let Some(title) = &c.job_title {
        body.insert("title".into(), json!(title));
    }
    if let Some(emails) = &c.emails {
        body.insert("emails".into(), emails_to("emails", emails)?);
    }
    if let Some(phones) = &c.phone_numbers {
        body.insert("phones".into(), phones_to("phone_numbers", phones)?);
    }
    let lead_id = match c.account_ids.as_deref() {
        None | Some([]) => None,
        Some([one]) => Some(one.trim().to_owned()),
        Some(_) => {
            return Err(Error::invalid(
                "account_ids",
                "a Close contact belongs to exactly one lead (account); give one id",
            ))
        }
    };
    let address = c.address.clone().filter(|a| !a.is_empty());
    let mut company = None;
    let mut address_for_lead = None;
    let mut expected_company = None;
    match (&lead_id, c.company_name.as_deref().map(str::trim)) {
        (Some(id), _) => {
            if !id.starts_with("lead_") {
                return Err(Error::invalid(
                    "account_ids[0]",
                    format!("{id:?} is not a Close lead id (lead_…)"),
                ));
            }
            body.insert("lead_id".into(), json!(id));
            address_for_lead = address;
            expected_company = c
                .company_name
                .as_deref()
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_owned);
        }
        (None, Some(name)) if !name.is_empty() => {
            company = Some(CompanyPart {
                name: name.to_owned(),
                address,
            });
        }
        (None, _) => {
            if address.is_some() {
                return Err(Error::invalid(
                    "address",
                    "Close keeps addresses on the lead (company): give company_name or account_ids with it",
                ));
            }
            if mode == Write::Create && body.get("name").is_none() && c.emails.is_none() {
                return Err(Error::invalid(
                    "first_name",
                    "a Close contact needs a name or an e-mail",
                ));
            }
        }
    }
    apply_custom_and_passthrough(&mut body, &c.custom_fields, &c.passthrough)?;
    Ok(ContactWrite {
        contact: body,
        company,
        address_for_lead,
        expected_company,
        deal_ids: c.deal_ids.clone(),
    })
}

/// `from_provider` for contacts: accepts a contact object.
pub fn contact_from_value(v: &Value) -> Result<Contact> {
    contact_from_wire(expect_object(v)?)
}
