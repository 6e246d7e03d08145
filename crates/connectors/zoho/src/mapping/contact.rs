//! Unified contact ↔ Zoho `Contacts` record.
//!
//! A Zoho contact has no company text: it points at an Account through the `Account_Name` lookup.
//! A unified `company_name` without `account_ids` is written as `"Account_Name": {"name": …}`;
//! the connector resolves that name to the Account's id (searching Accounts, creating one when
//! absent — setting `company_account`) before sending, and reads the name back from the lookup.

use serde_json::{json, Value};
use unicrm_core::{Contact, Error, Result};

use super::{no_home, require, Body, Read, Write};
use crate::wire::ZohoRecord;

/// E-mail fields in the order unified `emails` fill them.
pub const EMAIL_FIELDS: [&str; 2] = ["Email", "Secondary_Email"];
/// Phone fields in the order unified `phone_numbers` fill them.
pub const PHONE_FIELDS: [&str; 4] = ["Phone", "Mobile", "Home_Phone", "Other_Phone"];
/// Mailing address fields (street, city, state, code, country).
pub const ADDRESS_FIELDS: [&str; 5] = [
    "Mailing_Street",
    "Mailing_City",
    "Mailing_State",
    "Mailing_Zip",
    "Mailing_Country",
];

/// Fields read into unified ones (and asked for by lists).
pub const FIELDS: &[&str] = &[
    "First_Name",
    "Last_Name",
    "Email",
    "Secondary_Email",
    "Phone",
    "Mobile",
    "Home_Phone",
    "Other_Phone",
    "Title",
    "Account_Name",
    "Mailing_Street",
    "Mailing_City",
    "Mailing_State",
    "Mailing_Zip",
    "Mailing_Country",
    "Lead_Source",
    "Owner",
    "Tag",
    "Created_Time",
    "Modified_Time",
];

/// Zoho API name → unified field, for errors.
pub const UNIFIED_NAMES: &[(&str, &str)] = &[
    ("First_Name", "first_name"),
    ("Last_Name", "last_name"),
    ("Email", "emails[0]"),
    ("Secondary_Email", "emails[1]"),
    ("Phone", "phone_numbers[0]"),
    ("Mobile", "phone_numbers[1]"),
    ("Home_Phone", "phone_numbers[2]"),
    ("Other_Phone", "phone_numbers[3]"),
    ("Title", "job_title"),
    ("Account_Name", "account_ids[0]"),
    ("Mailing_Street", "address.street"),
    ("Mailing_City", "address.city"),
    ("Mailing_State", "address.state"),
    ("Mailing_Zip", "address.postal_code"),
    ("Mailing_Country", "address.country"),
    ("Lead_Source", "source"),
    ("Tag", "tags"),
];

/// The record of a create or update of a contact.
pub fn contact_to_wire(c: &Contact, mode: Write) -> Result<ZohoRecord> {
    require(mode, "last_name", "Last_Name", c.last_name.as_deref())?;
    if c.lifecycle_stage.is_some() {
        return Err(no_home(
            "lifecycle_stage",
            "Contacts",
            "send it as a custom field (e.g. a pick list) or passthrough",
        ));
    }
    if c.deal_ids.as_ref().is_some_and(|d| !d.is_empty()) {
        return Err(no_home(
            "deal_ids",
            "Contacts",
            "Zoho links a deal to its contact from the deal side (Contact_Name): set the deal's \
             contact_ids instead",
        ));
    }
    let mut body = Body::new(mode);
    body.text("First_Name", c.first_name.as_ref());
    body.text("Last_Name", c.last_name.as_ref());
    body.slots(
        "emails",
        c.emails.as_ref(),
        &EMAIL_FIELDS,
        "e-mail addresses",
    )?;
    body.slots(
        "phone_numbers",
        c.phone_numbers.as_ref(),
        &PHONE_FIELDS,
        "phone numbers",
    )?;
    body.text("Title", c.job_title.as_ref());
    body.address(ADDRESS_FIELDS, c.address.as_ref());
    body.text("Lead_Source", c.source.as_ref());
    body.owner(c.owner.as_ref())?;
    body.tags(c.tags.as_ref())?;
    match c.account_ids.as_deref() {
        Some([]) => {
            if body.mode() == Write::Update {
                body.value("Account_Name", Value::Null);
            }
        }
        Some([one]) => body.lookup("Account_Name", "account_ids[0]", Some(one))?,
        Some(_) => {
            return Err(Error::invalid(
                "account_ids[1]",
                "a Zoho contact belongs to one Account (the Account_Name lookup)",
            ))
        }
        None => {
            if let Some(name) = c.company_name.as_deref().filter(|n| !n.trim().is_empty()) {
                body.value("Account_Name", json!({ "name": name }));
            }
        }
    }
    body.finish(&c.custom_fields, &c.passthrough)
}

/// A contact as Zoho answers it.
/// `raw` stays unset: [`crate::connector::record_from_wire`] puts the record there.
pub fn contact_from_wire(rec: &ZohoRecord) -> Result<Contact> {
    let r = Read::new(rec);
    let id = r.id();
    Ok(Contact {
        id: id.clone(),
        remote_id: id,
        first_name: r.text("First_Name"),
        last_name: r.text("Last_Name"),
        emails: r.texts(&EMAIL_FIELDS),
        phone_numbers: r.texts(&PHONE_FIELDS),
        company_name: r.lookup_name("Account_Name"),
        job_title: r.text("Title"),
        address: r.address(ADDRESS_FIELDS),
        tags: r.tags(),
        owner: r.owner(),
        lifecycle_stage: None,
        source: r.text("Lead_Source"),
        account_ids: r.lookup_id("Account_Name").map(|id| vec![id]),
        deal_ids: None,
        custom_fields: r.custom_fields(FIELDS),
        passthrough: Default::default(),
        created_at: r.datetime("Created_Time")?,
        updated_at: r.datetime("Modified_Time")?,
        raw: None,
    })
}
