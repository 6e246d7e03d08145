//! Unified contact ↔ Attio person record (`/v2/objects/people/records`).

use super::*;
use crate::config::{COMPANIES, DEALS, PEOPLE};
use unicrm_core::Contact;

/// Person attributes the contact fields map to (everything else is a custom field).
pub const KNOWN: &[&str] = &[
    "name",
    "email_addresses",
    "phone_numbers",
    "job_title",
    "primary_location",
    "company",
    "associated_deals",
];

/// A person record as a unified contact. `company_name` is left for the connector to resolve
/// (the person holds a reference to a company record, not its name).
/// `raw` stays unset: the connector puts the record there (copied, or moved when owned).
pub fn contact_from_wire<'a>(record: impl Into<wire::RecordRef<'a>>) -> Result<Contact> {
    let record = record.into();
    let v = record.values;
    let (created_at, updated_at) = record_times(record)?;
    Ok(Contact {
        id: Some(record.record_id.to_owned()),
        remote_id: Some(record.record_id.to_owned()),
        first_name: first_str(v, "name", "first_name"),
        last_name: first_str(v, "name", "last_name"),
        emails: some_if_any(all_str(v, "email_addresses", "email_address")),
        phone_numbers: some_if_any(all_str(v, "phone_numbers", "original_phone_number")),
        company_name: None,
        job_title: first_str(v, "job_title", "value"),
        address: address_from_location(v, "primary_location"),
        account_ids: some_if_any(record_refs(v, "company")),
        deal_ids: some_if_any(record_refs(v, "associated_deals")),
        custom_fields: custom_fields_from(v, KNOWN),
        created_at,
        updated_at,
        raw: None,
        ..Default::default()
    })
}

/// The `values` of a person create/update. Only the fields set are written; a list replaces
/// the attribute's values (the connector updates with `PUT`, which overwrites multiselects).
pub fn contact_to_wire(c: &Contact) -> Result<Map<String, Value>> {
    let mut values = Map::new();
    if c.first_name.is_some() || c.last_name.is_some() {
        let first = c.first_name.clone().unwrap_or_default();
        let last = c.last_name.clone().unwrap_or_default();
        let full = [first.as_str(), last.as_str()]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        values.insert(
            "name".into(),
            json!([{"first_name": first, "last_name": last, "full_name": full}]),
        );
    }
    if let Some(emails) = &c.emails {
        values.insert("email_addresses".into(), json!(emails));
    }
    if let Some(phones) = &c.phone_numbers {
        // A number without a `+` country prefix needs `country_code`: the address's country.
        let country = c
            .address
            .as_ref()
            .and_then(|a| a.country.as_deref())
            .and_then(super::country::country_code);
        let list: Vec<Value> = phones
            .iter()
            .map(|p| match country {
                Some(cc) if !p.trim_start().starts_with('+') => {
                    json!({"original_phone_number": p, "country_code": cc})
                }
                _ => json!({"original_phone_number": p}),
            })
            .collect();
        values.insert("phone_numbers".into(), Value::Array(list));
    }
    if let Some(t) = &c.job_title {
        values.insert("job_title".into(), json!(t));
    }
    if let Some(a) = &c.address {
        values.insert(
            "primary_location".into(),
            location_from_address("address", a)?,
        );
    }
    match (&c.account_ids, &c.company_name) {
        (Some(ids), _) if ids.len() > 1 => {
            return Err(Error::invalid(
                "account_ids",
                format!(
                    "an Attio person belongs to one company record; give at most one account id, got {}",
                    ids.join(", ")
                ),
            ))
        }
        (Some(ids), _) => {
            let refs: Vec<Value> = ids.iter().map(|id| record_ref(COMPANIES, id)).collect();
            values.insert("company".into(), Value::Array(refs));
        }
        // No record id: reference the company by its name (Attio's "by matching attribute"
        // form). The connector resolves the name to a record id before sending, creating the
        // company when none has that name.
        (None, Some(name)) if !name.trim().is_empty() => {
            values.insert(
                "company".into(),
                json!([{"target_object": COMPANIES, "name": [{"value": name}]}]),
            );
        }
        _ => {}
    }
    if let Some(ids) = &c.deal_ids {
        let refs: Vec<Value> = ids.iter().map(|id| record_ref(DEALS, id)).collect();
        values.insert("associated_deals".into(), Value::Array(refs));
    }
    let hint = "send it as a custom field naming one of your person attributes";
    if c.tags.is_some() {
        return Err(no_home("tags", PEOPLE, hint));
    }
    if c.lifecycle_stage.is_some() {
        return Err(no_home("lifecycle_stage", PEOPLE, hint));
    }
    if c.source.is_some() {
        return Err(no_home("source", PEOPLE, hint));
    }
    if c.owner.is_some() {
        return Err(no_home(
            "owner",
            PEOPLE,
            "people have no record owner in Attio (deals do)",
        ));
    }
    put_custom_and_passthrough(&mut values, &c.custom_fields, &c.passthrough)?;
    Ok(values)
}
