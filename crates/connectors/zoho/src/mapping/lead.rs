//! Unified lead ↔ Zoho `Leads` record.
//!
//! A Zoho lead carries the person and the company as text (`Company`). It links a contact and an
//! account only once Zoho converts it (`Converted_Contact`, `Converted_Account`, set by Zoho):
//! those are read into `contact_id` / `account_id`, and refused on write.

use serde_json::Value;
use unicrm_core::{EnumValue, Lead, Result};

use super::{no_home, require, Body, Read, Write};
use crate::wire::ZohoRecord;

/// E-mail fields in the order unified `emails` fill them.
pub const EMAIL_FIELDS: [&str; 2] = ["Email", "Secondary_Email"];
/// Phone fields in the order unified `phone_numbers` fill them.
pub const PHONE_FIELDS: [&str; 2] = ["Phone", "Mobile"];
/// Address fields (street, city, state, code, country).
pub const ADDRESS_FIELDS: [&str; 5] = ["Street", "City", "State", "Zip_Code", "Country"];

/// Zoho's default `Lead_Status` values ↔ unified statuses.
pub const STATUSES: &[(&str, &str)] = &[
    ("Not Contacted", "new"),
    ("Contact in Future", "open"),
    ("Attempted to Contact", "in_progress"),
    ("Contacted", "in_progress"),
    ("Pre-Qualified", "qualified"),
    ("Not Qualified", "unqualified"),
    ("Junk Lead", "unqualified"),
    ("Lost Lead", "unqualified"),
];

/// The unified status of a Zoho status (`None` for an org's own values).
pub fn status_to_unified(source: &str) -> Option<&'static str> {
    STATUSES.iter().find(|(s, _)| *s == source).map(|(_, u)| *u)
}

/// The Zoho status of a unified status (the first Zoho value that maps to it).
pub fn status_to_source(unified: &str) -> Option<&'static str> {
    STATUSES
        .iter()
        .find(|(_, u)| *u == unified)
        .map(|(s, _)| *s)
}

/// Fields read into unified ones (and asked for by lists).
pub const FIELDS: &[&str] = &[
    "First_Name",
    "Last_Name",
    "Email",
    "Secondary_Email",
    "Phone",
    "Mobile",
    "Company",
    "Designation",
    "Street",
    "City",
    "State",
    "Zip_Code",
    "Country",
    "Lead_Status",
    "Lead_Source",
    "Converted_Contact",
    "Converted_Account",
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
    ("Company", "company_name"),
    ("Designation", "job_title"),
    ("Street", "address.street"),
    ("City", "address.city"),
    ("State", "address.state"),
    ("Zip_Code", "address.postal_code"),
    ("Country", "address.country"),
    ("Lead_Status", "status"),
    ("Lead_Source", "source"),
    ("Tag", "tags"),
];

/// The record of a create or update of a lead.
pub fn lead_to_wire(l: &Lead, mode: Write) -> Result<ZohoRecord> {
    require(mode, "last_name", "Last_Name", l.last_name.as_deref())?;
    if l.contact_id.is_some() {
        return Err(no_home(
            "contact_id",
            "Leads",
            "a Zoho lead holds the person itself; Zoho sets Converted_Contact when it converts \
             the lead",
        ));
    }
    if l.account_id.is_some() {
        return Err(no_home(
            "account_id",
            "Leads",
            "a Zoho lead names its company as text (send company_name); Zoho sets \
             Converted_Account when it converts the lead",
        ));
    }
    let mut body = Body::new(mode);
    body.text("First_Name", l.first_name.as_ref());
    body.text("Last_Name", l.last_name.as_ref());
    body.slots(
        "emails",
        l.emails.as_ref(),
        &EMAIL_FIELDS,
        "e-mail addresses",
    )?;
    body.slots(
        "phone_numbers",
        l.phone_numbers.as_ref(),
        &PHONE_FIELDS,
        "phone numbers",
    )?;
    body.text("Company", l.company_name.as_ref());
    body.text("Designation", l.job_title.as_ref());
    body.address(ADDRESS_FIELDS, l.address.as_ref());
    if let Some(status) = l
        .status
        .as_ref()
        .and_then(|s| s.to_source(status_to_source))
    {
        body.value("Lead_Status", Value::String(status));
    }
    body.text("Lead_Source", l.source.as_ref());
    body.owner(l.owner.as_ref())?;
    body.tags(l.tags.as_ref())?;
    body.finish(&l.custom_fields, &l.passthrough)
}

/// A lead as Zoho answers it.
/// `raw` stays unset: [`crate::connector::record_from_wire`] puts the record there.
pub fn lead_from_wire(rec: &ZohoRecord) -> Result<Lead> {
    let r = Read::new(rec);
    let id = r.id();
    Ok(Lead {
        id: id.clone(),
        remote_id: id,
        first_name: r.text("First_Name"),
        last_name: r.text("Last_Name"),
        emails: r.texts(&EMAIL_FIELDS),
        phone_numbers: r.texts(&PHONE_FIELDS),
        company_name: r.text("Company"),
        job_title: r.text("Designation"),
        address: r.address(ADDRESS_FIELDS),
        status: r
            .text("Lead_Status")
            .map(|s| EnumValue::from_source(s.clone(), status_to_unified(&s))),
        source: r.text("Lead_Source"),
        tags: r.tags(),
        contact_id: r.lookup_id("Converted_Contact"),
        account_id: r.lookup_id("Converted_Account"),
        owner: r.owner(),
        custom_fields: r.custom_fields(FIELDS),
        passthrough: Default::default(),
        created_at: r.datetime("Created_Time")?,
        updated_at: r.datetime("Modified_Time")?,
        raw: None,
    })
}
