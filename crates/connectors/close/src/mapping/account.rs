//! Unified account ↔ Close lead (`/lead/`): Close's lead *is* the company ("You can think of a
//! Lead in Close like both a 'lead' and 'account' in the terminology of some other CRMs").
//!
//! | unified | Close lead |
//! | --- | --- |
//! | name | `name` |
//! | website | `url` |
//! | description | `description` |
//! | address | first of `addresses` |

use serde_json::{json, Value};
use unicrm_core::{Account, Result};

use super::{
    address_from, address_to, apply_custom_and_passthrough, custom_fields_from, no_home, text,
    timestamp, Write,
};
use crate::wire::Object;

/// Close lead keys the account mapping reads.
pub const MAPPED: &[&str] = &["name", "url", "description", "addresses"];

/// Close lead keys that are Close's bookkeeping or nested records (kept in `raw` only).
pub const SYSTEM: &[&str] = &[
    "id",
    "organization_id",
    "display_name",
    "html_url",
    "date_created",
    "date_updated",
    "created_by",
    "updated_by",
    "created_by_name",
    "updated_by_name",
    "contacts",
    "opportunities",
    "tasks",
    "integration_links",
    "primary_email",
    "primary_phone",
];

/// A Close lead as a unified account. `status_id`/`status_label` have no account field and come
/// back as custom fields.
/// `raw` stays unset: [`crate::connector::record_from_wire`] puts the record there.
pub fn account_from_wire(obj: &Object) -> Result<Account> {
    let id = text(obj, "id");
    Ok(Account {
        remote_id: id.clone(),
        id,
        name: text(obj, "name"),
        website: text(obj, "url"),
        description: text(obj, "description"),
        address: first_address(obj),
        custom_fields: custom_fields_from(obj, MAPPED, SYSTEM),
        created_at: timestamp(obj, "date_created")?,
        updated_at: timestamp(obj, "date_updated")?,
        raw: None,
        ..Default::default()
    })
}

/// The first of a lead's `addresses`.
pub fn first_address(obj: &Object) -> Option<unicrm_core::Address> {
    obj.get("addresses")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .and_then(address_from)
}

/// A unified account as a `/lead/` body.
///
/// On update an address replaces the lead's `addresses` with that one address (Close replaces
/// list fields as a whole).
pub fn account_to_wire(a: &Account, mode: Write) -> Result<Object> {
    if a.industry.is_some() {
        return Err(no_home(
            "industry",
            "Close leads have no industry field; use a lead custom field (custom_fields)",
        ));
    }
    if a.annual_revenue.is_some() {
        return Err(no_home(
            "annual_revenue",
            "Close leads have no revenue field; use a lead custom field (custom_fields)",
        ));
    }
    if a.phone_numbers.is_some() {
        return Err(no_home(
            "phone_numbers",
            "Close keeps phone numbers on contacts, not on the lead; create a contact on this account",
        ));
    }
    if a.owner.is_some() {
        return Err(no_home(
            "owner",
            "Close leads have no owner field; use a lead custom field of type user (custom_fields)",
        ));
    }
    let mut body = Object::new();
    if let Some(name) = &a.name {
        body.insert("name".into(), json!(name));
    } else if mode == Write::Create {
        return Err(unicrm_core::Error::invalid(
            "name",
            "required: the name of the Close lead (company)",
        ));
    }
    if let Some(url) = &a.website {
        body.insert("url".into(), json!(url));
    }
    if let Some(d) = &a.description {
        body.insert("description".into(), json!(d));
    }
    if let Some(addr) = a.address.as_ref().filter(|a| !a.is_empty()) {
        body.insert("addresses".into(), json!([address_to(addr)]));
    }
    apply_custom_and_passthrough(&mut body, &a.custom_fields, &a.passthrough)?;
    Ok(body)
}
