//! Unified account ↔ Zoho `Accounts` record.

use unicrm_core::{Account, Result};

use super::{require, Body, Read, Write};
use crate::wire::ZohoRecord;

/// Billing address fields (street, city, state, code, country).
pub const ADDRESS_FIELDS: [&str; 5] = [
    "Billing_Street",
    "Billing_City",
    "Billing_State",
    "Billing_Code",
    "Billing_Country",
];

/// Fields read into unified ones (and asked for by lists).
pub const FIELDS: &[&str] = &[
    "Account_Name",
    "Website",
    "Industry",
    "Annual_Revenue",
    "Phone",
    "Billing_Street",
    "Billing_City",
    "Billing_State",
    "Billing_Code",
    "Billing_Country",
    "Description",
    "Owner",
    "Created_Time",
    "Modified_Time",
];

/// Zoho API name → unified field, for errors.
pub const UNIFIED_NAMES: &[(&str, &str)] = &[
    ("Account_Name", "name"),
    ("Website", "website"),
    ("Industry", "industry"),
    ("Annual_Revenue", "annual_revenue"),
    ("Phone", "phone_numbers[0]"),
    ("Billing_Street", "address.street"),
    ("Billing_City", "address.city"),
    ("Billing_State", "address.state"),
    ("Billing_Code", "address.postal_code"),
    ("Billing_Country", "address.country"),
    ("Description", "description"),
];

/// The record of a create or update of an account.
pub fn account_to_wire(a: &Account, mode: Write) -> Result<ZohoRecord> {
    require(mode, "name", "Account_Name", a.name.as_deref())?;
    let mut body = Body::new(mode);
    body.text("Account_Name", a.name.as_ref());
    body.text("Website", a.website.as_ref());
    body.text("Industry", a.industry.as_ref());
    body.decimal("Annual_Revenue", a.annual_revenue.as_ref());
    body.slots(
        "phone_numbers",
        a.phone_numbers.as_ref(),
        &["Phone"],
        "phone number",
    )?;
    body.address(ADDRESS_FIELDS, a.address.as_ref());
    body.text("Description", a.description.as_ref());
    body.owner(a.owner.as_ref())?;
    body.finish(&a.custom_fields, &a.passthrough)
}

/// An account as Zoho answers it.
/// `raw` stays unset: [`crate::connector::record_from_wire`] puts the record there.
pub fn account_from_wire(rec: &ZohoRecord) -> Result<Account> {
    let r = Read::new(rec);
    let id = r.id();
    Ok(Account {
        id: id.clone(),
        remote_id: id,
        name: r.text("Account_Name"),
        website: r.text("Website"),
        industry: r.text("Industry"),
        annual_revenue: r.decimal("Annual_Revenue")?,
        phone_numbers: r.texts(&["Phone"]),
        address: r.address(ADDRESS_FIELDS),
        description: r.text("Description"),
        owner: r.owner(),
        custom_fields: r.custom_fields(FIELDS),
        passthrough: Default::default(),
        created_at: r.datetime("Created_Time")?,
        updated_at: r.datetime("Modified_Time")?,
        raw: None,
    })
}
