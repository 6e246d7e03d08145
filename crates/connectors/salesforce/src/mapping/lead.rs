//! Unified lead ↔ Salesforce `Lead`.

use serde_json::Value;
use unicrm_core::{EnumValue, Error, Lead, Result};

use super::{no_home, require, Body, Read, Write, COMMON_FIELDS};
use crate::wire::SObject;

/// Phone fields in the order unified `phone_numbers` fill them.
pub const PHONE_FIELDS: [&str; 2] = ["Phone", "MobilePhone"];

/// Salesforce's default lead statuses ↔ unified statuses.
pub const STATUSES: &[(&str, &str)] = &[
    ("Open - Not Contacted", "new"),
    ("Working - Contacted", "in_progress"),
    ("Closed - Converted", "converted"),
    ("Closed - Not Converted", "unqualified"),
];

/// The unified status of a Salesforce status (`None` for an org's own values).
pub fn status_to_unified(source: &str) -> Option<&'static str> {
    STATUSES.iter().find(|(s, _)| *s == source).map(|(_, u)| *u)
}

/// The Salesforce status of a unified status (`open` is taken as `new`).
pub fn status_to_source(unified: &str) -> Option<&'static str> {
    let unified = if unified == "open" { "new" } else { unified };
    STATUSES
        .iter()
        .find(|(_, u)| *u == unified)
        .map(|(s, _)| *s)
}

/// Fields selected when reading leads (plus `FIELDS(CUSTOM)`).
pub fn select_fields() -> Vec<&'static str> {
    let mut fields = COMMON_FIELDS.to_vec();
    fields.extend([
        "FirstName",
        "LastName",
        "Company",
        "Email",
        "Phone",
        "MobilePhone",
        "Title",
        "Street",
        "City",
        "State",
        "PostalCode",
        "Country",
        "Status",
        "LeadSource",
        "ConvertedContactId",
        "ConvertedAccountId",
    ]);
    fields
}

/// The body of a create or update of a lead.
pub fn lead_to_wire(l: &Lead, mode: Write) -> Result<SObject> {
    require(mode, "last_name", "LastName", l.last_name.as_deref())?;
    require(mode, "company_name", "Company", l.company_name.as_deref())?;
    if l.tags.as_ref().is_some_and(|t| !t.is_empty()) {
        return Err(no_home(
            "tags",
            "Lead",
            "send them as a custom field or passthrough",
        ));
    }
    for (field, sf) in [
        ("contact_id", "ConvertedContactId"),
        ("account_id", "ConvertedAccountId"),
    ] {
        let set = match field {
            "contact_id" => l.contact_id.is_some(),
            _ => l.account_id.is_some(),
        };
        if set {
            return Err(Error::invalid(
                field,
                format!("read only on Salesforce: {sf} is set when the lead is converted"),
            ));
        }
    }
    let mut body = Body::new(mode);
    body.text("FirstName", l.first_name.as_ref());
    body.text("LastName", l.last_name.as_ref());
    body.text("Company", l.company_name.as_ref());
    body.slots("emails", l.emails.as_ref(), &["Email"], "e-mail address")?;
    body.slots(
        "phone_numbers",
        l.phone_numbers.as_ref(),
        &PHONE_FIELDS,
        "phone numbers",
    )?;
    body.text("Title", l.job_title.as_ref());
    body.address("", l.address.as_ref());
    if let Some(status) = l
        .status
        .as_ref()
        .and_then(|s| s.to_source(status_to_source))
    {
        body.value("Status", Value::String(status));
    }
    body.text("LeadSource", l.source.as_ref());
    body.owner(l.owner.as_ref())?;
    body.finish(&l.custom_fields, &l.passthrough)
}

/// A lead as Salesforce answers it.
/// `raw` stays unset: [`crate::connector::record_from_wire`] puts the record there.
pub fn lead_from_wire(obj: &SObject) -> Result<Lead> {
    let r = Read::new(obj);
    let id = r.id();
    Ok(Lead {
        id: id.clone(),
        remote_id: id,
        first_name: r.text("FirstName"),
        last_name: r.text("LastName"),
        emails: r.texts(&["Email"]),
        phone_numbers: r.texts(&PHONE_FIELDS),
        company_name: r.text("Company"),
        job_title: r.text("Title"),
        address: r.address(""),
        status: r
            .text("Status")
            .map(|s| EnumValue::from_source(s.clone(), status_to_unified(&s))),
        source: r.text("LeadSource"),
        tags: None,
        contact_id: r.text("ConvertedContactId"),
        account_id: r.text("ConvertedAccountId"),
        owner: r.owner(),
        custom_fields: r.custom_fields(),
        passthrough: Default::default(),
        created_at: r.datetime("CreatedDate")?,
        updated_at: r.datetime("LastModifiedDate")?,
        raw: None,
    })
}
