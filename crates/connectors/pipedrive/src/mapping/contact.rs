//! Unified contact ↔ Pipedrive person (API v2 `/api/v2/persons`).
//!
//! Pipedrive writes one `name`; `first_name` / `last_name` are read back from the answer. A
//! person belongs to at most one organization (`org_id`), so `account_ids` holds zero or one id;
//! `company_name` is resolved to an organization by the connector (found by name, else created).

use serde_json::{Map, Value};
use unicrm_core::{Contact, Error, Result};

use super::{
    address_from_wire, address_to_wire, custom_from_wire, finish_body, id_list, id_string,
    labeled_from_wire, labeled_to_wire, no_home, numeric_id, numeric_ids, owner_from_wire,
    string_ids, text, times, CustomStyle,
};

/// Person fields read into unified fields.
pub const MAPPED: &[&str] = &[
    "name",
    "first_name",
    "last_name",
    "emails",
    "phones",
    "org_id",
    "owner_id",
    "job_title",
    "postal_address",
    "label_ids",
];

/// Pipedrive person JSON → unified contact (without `company_name`, which needs the organization).
/// `raw` stays unset: [`crate::connector::record_from_wire`] puts the record there.
pub fn contact_from_wire(obj: &Map<String, Value>) -> Result<Contact> {
    let (first_name, last_name) = names_from_wire(obj);
    let (created_at, updated_at) = times(obj)?;
    let id = id_string(obj.get("id"));
    Ok(Contact {
        remote_id: id.clone(),
        id,
        first_name,
        last_name,
        emails: labeled_from_wire(obj.get("emails")),
        phone_numbers: labeled_from_wire(obj.get("phones")),
        company_name: None,
        job_title: text(obj, "job_title"),
        address: address_from_wire(obj.get("postal_address")),
        tags: string_ids(obj.get("label_ids")),
        owner: owner_from_wire(obj),
        lifecycle_stage: None,
        source: None,
        account_ids: id_list(obj, "org_id"),
        deal_ids: None,
        custom_fields: custom_from_wire(obj, MAPPED),
        passthrough: Default::default(),
        created_at,
        updated_at,
        raw: None,
    })
}

/// `first_name` / `last_name` as Pipedrive answers them, else `name` split at its first space.
/// `raw` stays unset: [`crate::connector::record_from_wire`] puts the record there.
pub fn names_from_wire(obj: &Map<String, Value>) -> (Option<String>, Option<String>) {
    let (first, last) = (text(obj, "first_name"), text(obj, "last_name"));
    if first.is_some() || last.is_some() {
        return (first, last);
    }
    match text(obj, "name") {
        Some(name) => match name.trim().split_once(' ') {
            Some((f, l)) => (Some(f.to_owned()), Some(l.trim().to_owned())),
            None => (None, Some(name)),
        },
        None => (None, None),
    }
}

/// The one `name` Pipedrive stores for a first and a last name.
pub fn full_name(first: Option<&str>, last: Option<&str>) -> Option<String> {
    let name = [first, last]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    (!name.is_empty()).then_some(name)
}

/// Unified contact → person body (`POST` when `create`, else `PATCH`).
///
/// `current_name` is the person's current (first, last) on update, so that changing one half of
/// the name keeps the other. `company_name` is not written here (the connector resolves it to
/// `org_id`).
pub fn contact_to_wire(
    c: &Contact,
    create: bool,
    current_name: Option<(Option<String>, Option<String>)>,
) -> Result<Map<String, Value>> {
    no_home(
        "lifecycle_stage",
        &c.lifecycle_stage,
        "send it as a custom field (a person field key) instead",
    )?;
    no_home(
        "source",
        &c.source,
        "send it as a custom field (a person field key) instead",
    )?;
    let mut body = Map::new();
    if c.first_name.is_some() || c.last_name.is_some() {
        let (cur_first, cur_last) = current_name.unwrap_or_default();
        let first = c.first_name.clone().or(cur_first);
        let last = c.last_name.clone().or(cur_last);
        if let Some(name) = full_name(first.as_deref(), last.as_deref()) {
            body.insert("name".into(), Value::String(name));
        } else if !create {
            return Err(Error::invalid(
                "last_name",
                "a Pipedrive person's name cannot be emptied",
            ));
        }
    }
    if create && !body.contains_key("name") && !c.passthrough.contains_key("name") {
        return Err(Error::invalid(
            "last_name",
            "a Pipedrive person needs a name: give first_name and/or last_name",
        ));
    }
    if let Some(emails) = &c.emails {
        body.insert("emails".into(), labeled_to_wire("emails", emails, "work")?);
    }
    if let Some(phones) = &c.phone_numbers {
        body.insert(
            "phones".into(),
            labeled_to_wire("phone_numbers", phones, "work")?,
        );
    }
    if let Some(ids) = &c.account_ids {
        body.insert("org_id".into(), org_id_to_wire("account_ids", ids)?);
    }
    if let Some(t) = &c.job_title {
        body.insert("job_title".into(), Value::String(t.clone()));
    }
    if let Some(a) = &c.address {
        body.insert("postal_address".into(), address_to_wire(a));
    }
    if let Some(tags) = &c.tags {
        body.insert("label_ids".into(), numeric_ids("tags", tags)?);
    }
    if let Some(o) = &c.owner {
        body.insert(
            "owner_id".into(),
            Value::from(numeric_id("owner.id", &o.id)?),
        );
    }
    finish_body(body, &c.custom_fields, &c.passthrough, CustomStyle::Nested)
}

/// Zero or one organization id → `org_id` (`null` to unlink).
pub fn org_id_to_wire(field: &str, ids: &[String]) -> Result<Value> {
    match ids {
        [] => Ok(Value::Null),
        [one] => Ok(Value::from(numeric_id(&format!("{field}[0]"), one)?)),
        _ => Err(Error::invalid(
            field,
            "a Pipedrive person belongs to at most one organization",
        )),
    }
}
