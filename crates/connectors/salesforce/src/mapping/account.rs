//! Unified account ↔ Salesforce `Account`.

use unicrm_core::{Account, Result};

use super::{decimal_value, require, Body, Read, Write, COMMON_FIELDS};
use crate::wire::SObject;

/// Phone fields in the order unified `phone_numbers` fill them.
pub const PHONE_FIELDS: [&str; 1] = ["Phone"];

/// Fields selected when reading accounts (plus `FIELDS(CUSTOM)`).
pub fn select_fields() -> Vec<&'static str> {
    let mut fields = COMMON_FIELDS.to_vec();
    fields.extend([
        "Name",
        "Website",
        "Industry",
        "AnnualRevenue",
        "Phone",
        "Fax",
        "Description",
        "BillingStreet",
        "BillingCity",
        "BillingState",
        "BillingPostalCode",
        "BillingCountry",
    ]);
    fields
}

/// The body of a create or update of an account.
pub fn account_to_wire(a: &Account, mode: Write) -> Result<SObject> {
    require(mode, "name", "Name", a.name.as_deref())?;
    let mut body = Body::new(mode);
    body.text("Name", a.name.as_ref());
    body.text("Website", a.website.as_ref());
    body.text("Industry", a.industry.as_ref());
    if let Some(revenue) = &a.annual_revenue {
        body.value("AnnualRevenue", decimal_value(revenue));
    }
    body.slots(
        "phone_numbers",
        a.phone_numbers.as_ref(),
        &PHONE_FIELDS,
        "phone number",
    )?;
    body.text("Description", a.description.as_ref());
    body.address("Billing", a.address.as_ref());
    body.owner(a.owner.as_ref())?;
    body.finish(&a.custom_fields, &a.passthrough)
}

/// An account as Salesforce answers it.
/// `raw` stays unset: [`crate::connector::record_from_wire`] puts the record there.
pub fn account_from_wire(obj: &SObject) -> Result<Account> {
    let r = Read::new(obj);
    let id = r.id();
    Ok(Account {
        id: id.clone(),
        remote_id: id,
        name: r.text("Name"),
        website: r.text("Website"),
        industry: r.text("Industry"),
        annual_revenue: r.decimal("AnnualRevenue")?,
        phone_numbers: r.texts(&PHONE_FIELDS),
        address: r.address("Billing"),
        description: r.text("Description"),
        owner: r.owner(),
        custom_fields: r.custom_fields(),
        passthrough: Default::default(),
        created_at: r.datetime("CreatedDate")?,
        updated_at: r.datetime("LastModifiedDate")?,
        raw: None,
    })
}
