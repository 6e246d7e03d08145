//! Unified account ↔ Pipedrive organization (API v2 `/api/v2/organizations`).
//!
//! A v2 organization has `name`, `owner_id`, `address`, `label_ids`, `visible_to` and custom
//! fields only: website, industry, revenue, phones and description are account-defined custom
//! fields in Pipedrive, so those unified fields are refused with a pointer to `custom_fields`.

use serde_json::{Map, Value};
use unicrm_core::{Account, Error, Result};

use super::{
    address_from_wire, address_to_wire, custom_from_wire, finish_body, id_string, no_home,
    numeric_id, owner_from_wire, text, times, CustomStyle,
};

/// Organization fields read into unified fields.
pub const MAPPED: &[&str] = &["name", "owner_id", "address"];

const HINT: &str = "Pipedrive organizations keep it in an account-defined custom field: send it in custom_fields with that field's key (GET /api/v2/organizationFields)";

/// Pipedrive organization JSON → unified account.
pub fn account_from_wire(obj: &Map<String, Value>) -> Result<Account> {
    let (created_at, updated_at) = times(obj)?;
    let id = id_string(obj.get("id"));
    Ok(Account {
        remote_id: id.clone(),
        id,
        name: text(obj, "name"),
        website: None,
        industry: None,
        annual_revenue: None,
        phone_numbers: None,
        address: address_from_wire(obj.get("address")),
        description: None,
        owner: owner_from_wire(obj),
        custom_fields: custom_from_wire(obj, MAPPED),
        passthrough: Default::default(),
        created_at,
        updated_at,
        raw: Some(Value::Object(obj.clone())),
    })
}

/// Unified account → organization body (`POST` when `create`, else `PATCH`).
pub fn account_to_wire(a: &Account, create: bool) -> Result<Map<String, Value>> {
    no_home("website", &a.website, HINT)?;
    no_home("industry", &a.industry, HINT)?;
    no_home("annual_revenue", &a.annual_revenue, HINT)?;
    no_home("description", &a.description, HINT)?;
    if a.phone_numbers.as_ref().is_some_and(|p| !p.is_empty()) {
        no_home("phone_numbers", &a.phone_numbers, HINT)?;
    }
    let mut body = Map::new();
    match a.name.as_deref().map(str::trim) {
        Some("") => return Err(Error::invalid("name", "must not be empty")),
        Some(n) => {
            body.insert("name".into(), Value::String(n.to_owned()));
        }
        None if create && !a.passthrough.contains_key("name") => {
            return Err(Error::invalid(
                "name",
                "a Pipedrive organization needs a name",
            ))
        }
        None => {}
    }
    if let Some(addr) = &a.address {
        body.insert("address".into(), address_to_wire(addr));
    }
    if let Some(o) = &a.owner {
        body.insert(
            "owner_id".into(),
            Value::from(numeric_id("owner.id", &o.id)?),
        );
    }
    finish_body(body, &a.custom_fields, &a.passthrough, CustomStyle::Nested)
}
