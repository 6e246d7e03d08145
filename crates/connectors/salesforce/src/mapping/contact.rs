//! Unified contact ↔ Salesforce `Contact`.
//!
//! A Salesforce contact has no company text: it points at an Account (`AccountId`). A unified
//! `company_name` without `account_ids` is written as the relationship `"Account": {"Name": …}`;
//! the connector resolves it to an `AccountId` (found by an escaped SOQL lookup, created when
//! absent) before sending, and reads the name back through `Account.Name`.

use serde_json::{json, Value};
use unicrm_core::{Contact, Result};

use super::{no_home, require, Body, Read, Write, COMMON_FIELDS};
use crate::wire::{SObject, SObjectType};

/// Phone fields in the order unified `phone_numbers` fill them.
pub const PHONE_FIELDS: [&str; 4] = ["Phone", "MobilePhone", "HomePhone", "OtherPhone"];

/// Fields selected when reading contacts (plus `FIELDS(CUSTOM)`).
pub fn select_fields() -> Vec<&'static str> {
    let mut fields = COMMON_FIELDS.to_vec();
    fields.extend([
        "FirstName",
        "LastName",
        "Email",
        "Phone",
        "MobilePhone",
        "HomePhone",
        "OtherPhone",
        "Title",
        "MailingStreet",
        "MailingCity",
        "MailingState",
        "MailingPostalCode",
        "MailingCountry",
        "AccountId",
        "Account.Name",
        "LeadSource",
    ]);
    fields
}

/// The body of a create or update of a contact.
pub fn contact_to_wire(c: &Contact, mode: Write) -> Result<SObject> {
    require(mode, "last_name", "LastName", c.last_name.as_deref())?;
    if c.tags.as_ref().is_some_and(|t| !t.is_empty()) {
        return Err(no_home(
            "tags",
            "Contact",
            "send them as a custom field (e.g. a multi-select picklist) or passthrough",
        ));
    }
    if c.lifecycle_stage.is_some() {
        return Err(no_home(
            "lifecycle_stage",
            "Contact",
            "send it as a custom field or passthrough",
        ));
    }
    if c.deal_ids.as_ref().is_some_and(|d| !d.is_empty()) {
        return Err(no_home(
            "deal_ids",
            "Contact",
            "Salesforce links a contact to opportunities from the opportunity side: set the \
             deal's contact_ids instead",
        ));
    }
    let mut body = Body::new(mode);
    body.text("FirstName", c.first_name.as_ref());
    body.text("LastName", c.last_name.as_ref());
    body.slots("emails", c.emails.as_ref(), &["Email"], "e-mail address")?;
    body.slots(
        "phone_numbers",
        c.phone_numbers.as_ref(),
        &PHONE_FIELDS,
        "phone numbers",
    )?;
    body.text("Title", c.job_title.as_ref());
    body.address("Mailing", c.address.as_ref());
    body.text("LeadSource", c.source.as_ref());
    body.owner(c.owner.as_ref())?;
    match c.account_ids.as_deref() {
        Some([]) => {
            if body.mode() == Write::Update {
                body.value("AccountId", Value::Null);
            }
        }
        Some([one]) => {
            body.reference(
                "AccountId",
                "account_ids[0]",
                Some(one),
                &[SObjectType::Account],
            )?;
        }
        Some(_) => {
            return Err(unicrm_core::Error::invalid(
                "account_ids[1]",
                "a Salesforce contact belongs to one Account (AccountId)",
            ))
        }
        None => {
            if let Some(name) = c.company_name.as_deref().filter(|n| !n.trim().is_empty()) {
                body.value("Account", json!({ "Name": name }));
            }
        }
    }
    body.finish(&c.custom_fields, &c.passthrough)
}

/// A contact as Salesforce answers it.
/// `raw` stays unset: [`crate::connector::record_from_wire`] puts the record there.
pub fn contact_from_wire(obj: &SObject) -> Result<Contact> {
    let r = Read::new(obj);
    let id = r.id();
    Ok(Contact {
        id: id.clone(),
        remote_id: id,
        first_name: r.text("FirstName"),
        last_name: r.text("LastName"),
        emails: r.texts(&["Email"]),
        phone_numbers: r.texts(&PHONE_FIELDS),
        company_name: r.related_text("Account", "Name"),
        job_title: r.text("Title"),
        address: r.address("Mailing"),
        tags: None,
        owner: r.owner(),
        lifecycle_stage: None,
        source: r.text("LeadSource"),
        account_ids: r.texts(&["AccountId"]),
        deal_ids: None,
        custom_fields: r.custom_fields(),
        passthrough: Default::default(),
        created_at: r.datetime("CreatedDate")?,
        updated_at: r.datetime("LastModifiedDate")?,
        raw: None,
    })
}
