//! Unified account ↔ Pipedrive organization (API v2 `/api/v2/organizations`).
//!
//! A v2 organization has `name`, `owner_id`, `address`, `website`, `linkedin`, `industry` (the
//! id of an option of the `industry` organization field), `annual_revenue` and `employee_count`
//! (whole numbers), `label_ids`, `visible_to` and custom fields. Phones and a description are
//! not organization fields, so those unified fields are refused with a pointer to
//! `custom_fields`. An industry label is resolved to its option id by the connector (which
//! reads the field's options); the pure mapping takes option ids only.

use serde_json::{Map, Value};
use unicrm_core::convert::decimal_from_json;
use unicrm_core::{Account, Error, Result};

use super::{
    address_from_wire, address_to_wire, custom_from_wire, finish_body, id_string, is_numeric_id,
    no_home, numeric_id, owner_from_wire, text, times, CustomStyle,
};

/// Organization fields read into unified fields.
pub const MAPPED: &[&str] = &[
    "name",
    "owner_id",
    "address",
    "website",
    "industry",
    "annual_revenue",
];

const HINT: &str = "Pipedrive organizations keep it in an account-defined custom field: send it in custom_fields with that field's key (GET /api/v2/organizationFields)";

/// Pipedrive organization JSON → unified account (`industry` is the option id; the connector
/// reads it as the option's label).
/// `raw` stays unset: [`crate::connector::record_from_wire`] puts the record there.
pub fn account_from_wire(obj: &Map<String, Value>) -> Result<Account> {
    let (created_at, updated_at) = times(obj)?;
    let id = id_string(obj.get("id"));
    Ok(Account {
        remote_id: id.clone(),
        id,
        name: text(obj, "name"),
        website: text(obj, "website"),
        industry: id_string(obj.get("industry")),
        annual_revenue: match obj.get("annual_revenue") {
            Some(v) => decimal_from_json("annual_revenue", v)?,
            None => None,
        },
        phone_numbers: None,
        address: address_from_wire(obj.get("address")),
        description: None,
        owner: owner_from_wire(obj),
        custom_fields: custom_from_wire(obj, MAPPED),
        passthrough: Default::default(),
        created_at,
        updated_at,
        raw: None,
    })
}

/// Unified account → organization body (`POST` when `create`, else `PATCH`).
pub fn account_to_wire(a: &Account, create: bool) -> Result<Map<String, Value>> {
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
    if let Some(w) = &a.website {
        body.insert("website".into(), Value::String(w.clone()));
    }
    if let Some(i) = &a.industry {
        if !is_numeric_id(i) {
            return Err(Error::invalid(
                "industry",
                format!("{i:?} is not an industry option id; the connector resolves labels with GET /api/v2/organizationFields (field `industry`), the pure mapping takes ids"),
            ));
        }
        body.insert("industry".into(), Value::from(numeric_id("industry", i)?));
    }
    if let Some(r) = &a.annual_revenue {
        let whole = r.normalize();
        if whole.scale() != 0 || whole.is_sign_negative() {
            return Err(Error::invalid(
                "annual_revenue",
                "Pipedrive keeps annual revenue as a whole, non-negative number",
            ));
        }
        body.insert(
            "annual_revenue".into(),
            unicrm_core::convert::decimal_to_json(&whole),
        );
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
